//! `cargo xtask codegen`: regenerates crates/chatbase-api/src/generated from openapi/.

use std::process::ExitCode;

pub fn run(_args: &[String]) -> anyhow::Result<ExitCode> {
    anyhow::bail!("codegen is being written")
}
