//! `cargo xtask spec-diff`: compares one of our OpenAPI specs with an upstream OpenAPI 3.0/3.1
//! document and lists missing, extra and changed operations, parameters, fields and enum values.
//! It reads both documents as plain JSON values (so either OpenAPI version loads); it neither
//! validates nor edits specs, and it ignores constraints such as lengths, patterns and bounds.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

const USAGE: &str = "\
usage: cargo xtask spec-diff --upstream PATH [--ours PATH]

  --upstream PATH   upstream OpenAPI 3.0/3.1 document (JSON or YAML)
  --ours PATH       our spec; default: openapi/chatbase-v1.yaml or openapi/chatbase-v2.yaml,
                    chosen from the upstream servers[0].url (/api/v1 or /api/v2), else from
                    its OpenAPI version (3.1 means v2)

Relative paths are taken from the current directory when they exist there, else from the
workspace root. Exit status is 1 when anything upstream is missing from ours; extra and
changed items are reported but do not fail.
";

const OURS_V1: &str = "openapi/chatbase-v1.yaml";
const OURS_V2: &str = "openapi/chatbase-v2.yaml";

/// HTTP methods an OpenAPI path item may hold, in the order they are read.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Deeper field paths than this are not expanded: real schemas stay far below it, and it
/// bounds the work on pathological (but acyclic) documents.
const MAX_DEPTH: usize = 64;

pub fn run(args: &[String]) -> Result<ExitCode> {
    let args = match parse_args(args) {
        Ok(Command::Diff(args)) => args,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Err(problem) => {
            eprint!("error: {problem}\n\n{USAGE}");
            return Ok(ExitCode::from(2));
        }
    };
    let root = crate::workspace_root()?;
    let upstream_doc = load_document(&resolve_path(&root, &args.upstream))?;
    let ours = match args.ours {
        Some(ours) => ours,
        None => {
            let (chosen, reason) = choose_ours(&upstream_doc);
            println!("spec-diff: comparing with {chosen} ({reason})");
            PathBuf::from(chosen)
        }
    };
    let ours_doc = load_document(&resolve_path(&root, &ours))?;

    let report = diff(
        &Model::from_document(&ours_doc),
        &Model::from_document(&upstream_doc),
    );
    print!("{}", report.render());
    println!(
        "{}",
        report.summary(
            &ours.display().to_string(),
            &args.upstream.display().to_string()
        )
    );
    Ok(exit_code(&report))
}

/// Only items missing from ours fail the run: extras and changes are often deliberate.
fn exit_code(report: &Report) -> ExitCode {
    if report.missing() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

mod args;
mod compare;
mod model;
mod schema;

use args::*;
pub use compare::*;
pub use model::*;
use schema::*;

#[cfg(test)]
mod tests;
