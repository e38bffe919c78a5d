//! Dispatch from the parsed command to its implementation. Each submodule owns one command group; this module
//! also turns Ctrl-C into exit code 130 for commands that do not handle it themselves.

pub mod agents;
pub mod api;
pub mod auth;
pub mod chat;
pub mod conversations;
pub mod docs;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod eval;
pub mod helpdesk;
pub mod local;
pub mod pairing;
pub mod sources;
pub mod sync;
pub mod util;
pub mod v1;

use crate::cli::Command;
use crate::context::Ctx;
use crate::error::{CliError, Result};

pub async fn dispatch(ctx: &Ctx, command: Command) -> Result<()> {
    // Chat cancels only the answer in progress on Ctrl-C; it must not be torn down from outside.
    if let Command::Chat(c) = command {
        return chat::run(ctx, c).await;
    }
    // Eval stops starting cases on Ctrl-C and still writes its reports.
    if let Command::Eval(c) = command {
        return eval::run(ctx, c).await;
    }
    let work = run(ctx, command);
    tokio::select! {
        // Biased: a command that handles Ctrl-C itself (export) reports first, with its own hint.
        biased;
        r = work => r,
        _ = tokio::signal::ctrl_c() => Err(CliError::interrupted()),
    }
}

async fn run(ctx: &Ctx, command: Command) -> Result<()> {
    match command {
        Command::Agents(c) => agents::run(ctx, c).await,
        Command::Sources(c) => sources::run(ctx, c).await,
        Command::Chat(c) => chat::run(ctx, c).await,
        Command::Conversations(c) => conversations::conversations(ctx, c).await,
        Command::Messages(c) => conversations::messages(ctx, c).await,
        Command::Users(c) => conversations::users(ctx, c).await,
        Command::Tickets(c) => helpdesk::tickets(ctx, c).await,
        Command::Helpdesk(c) => helpdesk::helpdesk(ctx, c).await,
        Command::Whatsapp(c) => helpdesk::whatsapp(ctx, c).await,
        Command::Voice(c) => helpdesk::voice(ctx, c).await,
        Command::Health => helpdesk::health(ctx).await,
        Command::Eval(c) => eval::run(ctx, c).await,
        Command::V1(c) => v1::run(ctx, c).await,
        Command::Api(c) => api::run(ctx, c).await,
        Command::Auth(c) => auth::run(ctx, c).await,
        Command::Config(c) => local::config(ctx, c),
        Command::Completions(c) => local::completions(c),
        Command::Man(m) => local::man(m),
        Command::Docs { topic } => docs::run(ctx, topic).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(c) => emulator::run(ctx, c).await,
    }
}
