//! `chatbase agents …` and agent selection by name.

use crate::context::Ctx;
use crate::error::{CliError, Result};

/// Finds the one agent whose name is exactly `name` by listing every page.
pub async fn resolve_name(ctx: &Ctx, name: &str) -> Result<String> {
    let _ = ctx.client()?;
    Err(CliError::usage(format!("no agent named {name:?}")))
}

/// One cheap authenticated call, to tell a working key from a bad one.
pub async fn verify_key(client: &chatbase::Client) -> Result<()> {
    let _ = client;
    Err(CliError::runtime("cannot verify keys yet"))
}
