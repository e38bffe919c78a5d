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
#[cfg(feature = "eval")]
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
    #[cfg(feature = "eval")]
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
        #[cfg(feature = "eval")]
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
        #[cfg(not(all(feature = "eval", feature = "emulator")))]
        other => Err(compiled_out(&other)
            .unwrap_or_else(|| CliError::runtime("internal error: a command reached no handler"))),
    }
}

/// The error for a command this build was compiled without (`eval`, `emulator`), or `None` for any other command.
/// Checked before settings are read, so a missing feature is the first thing the user hears about.
pub fn compiled_out(command: &Command) -> Option<CliError> {
    match command {
        #[cfg(not(feature = "eval"))]
        Command::Eval(_) => Some(CliError::compiled_out("`chatbase eval`", "eval")),
        #[cfg(not(feature = "emulator"))]
        Command::Emulator(_) => Some(CliError::compiled_out("`chatbase emulator`", "emulator")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use crate::error::ExitKind;
    use clap::Parser;

    #[test]
    fn a_compiled_out_command_is_a_usage_error_naming_its_feature() {
        let e = CliError::compiled_out("`chatbase eval`", "eval");
        assert_eq!(e.kind, ExitKind::Usage);
        assert_eq!(e.kind.code(), 2);
        assert!(e.message.contains("`chatbase eval`"), "{}", e.message);
        assert!(e.message.contains("cargo feature `eval`"), "{}", e.message);
        let hint = e.hint.unwrap_or_default();
        assert!(hint.contains("--features eval"), "{hint}");
    }

    /// In this build every command has its handler.
    #[cfg(all(feature = "eval", feature = "emulator"))]
    #[test]
    fn a_full_build_compiles_nothing_out() {
        for argv in [
            &["chatbase", "eval", "suite.yaml"][..],
            &["chatbase", "emulator", "serve"],
        ] {
            let cli = Cli::try_parse_from(argv).unwrap();
            assert!(compiled_out(&cli.command).is_none(), "{argv:?}");
        }
    }

    /// A client-only build (`--no-default-features --features rustls`) still knows the names `eval` and
    /// `emulator`, takes whatever follows them, and says which feature brings them back.
    #[cfg(not(feature = "eval"))]
    #[test]
    fn eval_without_its_feature_says_how_to_get_it() {
        let cli = Cli::try_parse_from([
            "chatbase",
            "eval",
            "suite.yaml",
            "-j",
            "2",
            "--baseline",
            "b.json",
        ])
        .unwrap();
        let e = compiled_out(&cli.command).expect("eval is compiled out");
        assert_eq!(e.kind.code(), 2);
        assert!(e.message.contains("cargo feature `eval`"), "{}", e.message);
    }

    #[cfg(not(feature = "emulator"))]
    #[test]
    fn emulator_without_its_feature_says_how_to_get_it() {
        let cli = Cli::try_parse_from(["chatbase", "emulator", "serve", "--port", "9"]).unwrap();
        let e = compiled_out(&cli.command).expect("the emulator is compiled out");
        assert_eq!(e.kind.code(), 2);
        assert!(
            e.message.contains("cargo feature `emulator`"),
            "{}",
            e.message
        );
    }
}
