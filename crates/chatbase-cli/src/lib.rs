//! The `chatbase` command-line tool as a library: [`run`] parses arguments, resolves settings, dispatches to a
//! command and renders any error at the edge with its exit code. `main.rs` only calls [`run`].

pub mod api_key;
pub mod args;
pub mod argv;
pub mod cli;
pub mod config;
pub mod crash;
pub mod error;
pub mod history;
pub mod input;
#[cfg(feature = "keyring")]
pub mod keyring_store;
#[cfg(feature = "emulator")]
mod local_emulator;
pub mod ops;
pub mod output;
pub mod project;
pub mod sanitize;
mod stream_out;

mod commands;
mod context;
mod sdk_error;

use clap::FromArgMatches;
use cli::{Cli, Command};
use error::{CliError, ExitKind};
use std::process::ExitCode;

/// Runs the CLI with the process arguments and returns the exit code.
pub fn run() -> ExitCode {
    crash::install();
    let matches = match argv::parse_from(std::env::args_os().collect()) {
        Ok(m) => m,
        // Help and version exit 0, usage errors exit 2 (clap's convention matches ours).
        Err(e) => return ExitCode::from(e.print()),
    };
    let sources = flag_sources(&matches);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    // Before anything can fail, so every error is coloured (or not) the same way.
    output::init_color(
        cli.global.no_color,
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    init_tracing(cli.global.verbose, cli.global.no_color);

    match cli.command {
        Command::Completions(c) => return finish(commands::local::completions(c), None),
        Command::Man(m) => return finish(commands::local::man(m), None),
        _ => {}
    }
    if let Some(e) = commands::compiled_out(&cli.command) {
        return finish(Err(e), None);
    }

    let settings = match config::Settings::resolve(&cli.global, sources) {
        Ok(s) => s,
        Err(e) => return finish(Err(e), None),
    };
    // A typo in a profile name must not silently run with empty settings; only commands that write a profile
    // may name a new one.
    let writes_profile = matches!(
        cli.command,
        Command::Auth(cli::AuthCmd::Login { .. })
            | Command::Config(cli::ConfigCmd::Set { .. } | cli::ConfigCmd::Path)
    );
    if !writes_profile && let Err(e) = settings.require_known_profile() {
        return finish(Err(e), None);
    }
    let out = output::Output::new(
        settings.format.as_ref().map(|f| f.value),
        cli.global.quiet,
        cli.global.no_color,
    );
    let machine_errors = out.is_machine();

    // One thread: a CLI run is one task at a time, and cross-thread wake-ups per streamed chunk cost more than
    // they save (blocking terminal input goes to the blocking pool).
    // While tasks keep each other busy (a stream's connection task handing chunks to the reader), the scheduler
    // looks for I/O and timers every `event_interval` polls, with an `epoll_wait` each time: tokio's 61 cost one
    // per 30 chunks of a streamed answer. 1,024 polls take well under a millisecond, so I/O and Ctrl-C still
    // wait no longer than that.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .event_interval(1024)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return finish(
                Err(CliError::runtime(format!(
                    "cannot start the async runtime: {e}"
                ))),
                None,
            );
        }
    };
    // The command runs as a spawned task, not as the `block_on` future itself: the current-thread scheduler
    // passes wake-ups between tasks through its run queue, but polls the `block_on` future only after polling
    // the I/O driver, which would cost an `epoll_wait` per streamed chunk.
    let result = runtime.block_on(async move {
        let work = tokio::spawn(async move {
            #[cfg(debug_assertions)]
            if std::env::var_os(crash::DEBUG_PANIC_ENV).is_some() {
                panic!("{} is set: a deliberate crash", crash::DEBUG_PANIC_ENV);
            }
            let ctx = context::Ctx::new(cli.global, settings, out).await?;
            commands::dispatch(&ctx, cli.command).await
        });
        match work.await {
            Ok(r) => r,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(CliError::runtime(format!("the command was stopped: {e}"))),
        }
    });
    // Background tasks (an in-process emulator, a cancelled request) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    finish(result, Some(machine_errors))
}

fn finish(result: error::Result<()>, machine_errors: Option<bool>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.code.as_deref() == Some(error::BROKEN_PIPE) => ExitCode::SUCCESS,
        Err(e) => {
            use std::io::Write;
            if e.kind != ExitKind::Interrupted || !e.message.is_empty() {
                if machine_errors == Some(true) {
                    let _ = writeln!(std::io::stderr(), "{}", e.to_json());
                } else {
                    let color = anstream::AutoStream::choice(&std::io::stderr())
                        != anstream::ColorChoice::Never;
                    let mut err = std::io::stderr().lock();
                    let _ = e.render_text(&mut err, color);
                }
            }
            ExitCode::from(e.kind.code())
        }
    }
}

/// Whether `--profile`, `--agent` and `--api-url` were typed (rather than read from the environment), looked up
/// at every level because global flags may follow the subcommand.
fn flag_sources(matches: &clap::ArgMatches) -> config::FlagSources {
    fn typed(m: &clap::ArgMatches, id: &str) -> bool {
        if m.try_contains_id(id).unwrap_or(false)
            && m.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        {
            return true;
        }
        m.subcommand().is_some_and(|(_, sub)| typed(sub, id))
    }
    config::FlagSources {
        profile_from_flag: typed(matches, "profile"),
        agent_from_flag: typed(matches, "agent"),
        api_url_from_flag: typed(matches, "api_url"),
    }
}

/// `CHATBASE_LOG` (an EnvFilter, e.g. `debug` or `chatbase=trace`) or `--verbose` turn on logs to stderr.
fn init_tracing(verbose: bool, no_color: bool) {
    let filter = match std::env::var("CHATBASE_LOG").ok().filter(|s| !s.is_empty()) {
        Some(f) => f,
        None if verbose => "chatbase=debug,chatbase_cli=debug".to_owned(),
        None => return,
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        // The SDK records one span per request (operation, attempt, status, request id); print it when it closes.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(output::color_wanted(
            no_color,
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
            &|k| std::env::var(k).ok(),
        ))
        .with_target(false)
        .try_init();
}
