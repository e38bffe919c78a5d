//! Dispatch from the parsed command to its implementation. Each submodule owns one command group.

pub mod agents;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod local;

use crate::cli::Command;
use crate::context::Ctx;
use crate::error::{CliError, Result};

pub async fn dispatch(ctx: &Ctx, command: Command) -> Result<()> {
    match command {
        Command::Auth(c) => local::auth(ctx, c).await,
        Command::Config(c) => local::config(ctx, c),
        Command::Completions(c) => local::completions(c),
        Command::Man(m) => local::man(m),
        #[cfg(feature = "emulator")]
        Command::Emulator(c) => emulator::run(ctx, c).await,
        other => Err(CliError::runtime(format!("{other:?}: waiting for the SDK"))),
    }
}
