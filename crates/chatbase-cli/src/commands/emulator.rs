//! `chatbase emulator serve` and the in-process emulator behind `--emulator` (cargo feature `emulator`).
//! State lives in the emulator's default data dir (`$XDG_DATA_HOME/chatbase/emulator`) so successive
//! `--emulator` commands see each other's changes; `CHATBASE_EMULATOR_DIR` overrides it (`:memory:` for none).

use crate::cli::EmulatorCmd;
use crate::context::Ctx;
use crate::error::{CliError, Result};
use chatbase_emulator::{Emulator, EmulatorConfig, Storage};
use std::path::PathBuf;

/// An emulator running inside this process; dropping it stops it.
pub struct Running {
    pub base_url: String,
    pub api_key: String,
    pub demo_agent_id: Option<String>,
    _server: chatbase_emulator::RunningEmulator,
}

fn storage(explicit: Option<PathBuf>, in_memory: bool) -> Storage {
    if in_memory {
        return Storage::InMemory;
    }
    if let Some(dir) = explicit {
        return Storage::Dir(dir);
    }
    match std::env::var("CHATBASE_EMULATOR_DIR")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(d) if d == ":memory:" => Storage::InMemory,
        Some(d) => Storage::Dir(PathBuf::from(d)),
        None => match chatbase_emulator::default_data_dir() {
            Some(d) => Storage::Dir(d),
            None => Storage::InMemory,
        },
    }
}

/// Starts an emulator on 127.0.0.1 with a random port. Rate limiting is off: this is a private sandbox.
pub async fn start_in_process() -> Result<Running> {
    let builder = match storage(None, false) {
        Storage::Dir(d) => Emulator::builder().data_dir(d),
        _ => Emulator::builder().in_memory(),
    };
    let server = builder
        .rate_limit(None)
        .start()
        .await
        .map_err(|e| CliError::runtime(format!("cannot start the emulator: {e}")))?;
    Ok(Running {
        base_url: server.base_url(),
        api_key: server.api_key().to_owned(),
        demo_agent_id: Some(chatbase_emulator::DEMO_AGENT_ID.to_owned()),
        _server: server,
    })
}

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
