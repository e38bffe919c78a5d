//! Project automation for chatbase-rs: `cargo xtask codegen [--check]` regenerates the
//! low-level crate from `openapi/`, and `cargo xtask spec-diff --upstream PATH` compares one
//! of our specs with an upstream document. Nothing here is shipped to users.

mod builder_docs;
mod codegen;
mod open_enums;
mod raw_send;
mod registry;
mod spec_diff;
mod spec_docs;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--check]                    regenerate crates/chatbase-api/src/generated from openapi/
                                       (--check: fail and name the stale files instead of writing)
  spec-diff --upstream PATH [--ours PATH]
                                       compare one of our specs with an upstream OpenAPI document
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&args[1..]),
        Some("spec-diff") => spec_diff::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprint!("error: unknown command `{other}`\n\n{USAGE}");
            Ok(ExitCode::from(2))
        }
        None => {
            eprint!("{USAGE}");
            Ok(ExitCode::from(2))
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root is the directory holding `openapi/`; `cargo run` sets
/// `CARGO_MANIFEST_DIR` to `xtask/`, and a copied binary falls back to walking up from the cwd.
pub fn workspace_root() -> anyhow::Result<PathBuf> {
    let runtime = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let compiled = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for manifest_dir in runtime.into_iter().chain([compiled]) {
        if let Some(parent) = manifest_dir.parent()
            && parent.join("openapi").is_dir()
        {
            return Ok(parent.to_path_buf());
        }
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    cwd.ancestors()
        .find(|dir| dir.join("openapi").is_dir())
        .map(Path::to_path_buf)
        .context("cannot find the workspace root (a directory containing openapi/)")
}
