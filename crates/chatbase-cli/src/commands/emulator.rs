//! `chatbase emulator serve` (cargo feature `emulator`). The in-process emulator behind `--emulator` lives in
//! `local_emulator`, below the per-run context that starts it.

pub mod args;

use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::local_emulator::storage;
use args::EmulatorCmd;
use chatbase_emulator::{EmulatorConfig, Storage};

/// What `chatbase emulator serve` prints once it listens. A generated key is shown because the user has no
/// other way to learn it.
fn banner(info: &chatbase_emulator::ServeInfo) -> String {
    use chatbase_emulator::KeySource;
    let addr = info.addr;
    let mut out = format!(
        "Chatbase emulator listening on http://{addr}\n  v2 API:  http://{addr}/api/v2   v1 API: http://{addr}/api/v1\n"
    );
    out += &match &info.storage {
        Storage::Dir(d) => format!("  storage: {}\n", d.display()),
        Storage::InMemory => "  storage: in memory\n".to_owned(),
    };
    let key = &info.api_key;
    out += &match &info.key_source {
        KeySource::Configured => "  API key: (as configured)\n".to_owned(),
        KeySource::Env => format!("  API key: from ${}\n", chatbase_emulator::API_KEY_ENV),
        KeySource::File(path) => format!("  API key: {key} (from {})\n", path.display()),
        KeySource::Generated(Some(path)) => {
            format!(
                "  API key: {key} (generated, saved to {})\n",
                path.display()
            )
        }
        KeySource::Generated(None) => format!("  API key: {key} (generated)\n"),
        // `KeySource` is non-exhaustive; a future source still shows the key.
        _ => format!("  API key: {key}\n"),
    };
    if let Some(agent) = info.demo_agent_id {
        out += &format!("  demo agent: {agent}\n");
    }
    out
}

pub async fn run(_ctx: &Ctx, cmd: EmulatorCmd) -> Result<()> {
    match cmd {
        EmulatorCmd::Serve {
            port,
            host,
            data,
            in_memory,
            no_rate_limit,
            stream_delay_ms,
        } => {
            let ip: std::net::IpAddr = host.parse().map_err(|_| {
                CliError::usage(format!("--host must be an IP address, got {host:?}"))
            })?;
            let mut config = EmulatorConfig {
                bind: std::net::SocketAddr::new(ip, port),
                storage: storage(data, in_memory),
                ..Default::default()
            };
            if no_rate_limit {
                config.rate_limit = None;
            }
            if let Some(ms) = stream_delay_ms {
                config.stream_delay = std::time::Duration::from_millis(ms);
            }
            let emulator = chatbase_emulator::bind(config)
                .await
                .map_err(|e| CliError::runtime(format!("emulator: {e}")))?;
            print!("{}", banner(emulator.info()));
            emulator
                .serve()
                .await
                .map_err(|e| CliError::runtime(format!("emulator: {e}")))
        }
    }
}
