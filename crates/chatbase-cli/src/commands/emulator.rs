//! `chatbase emulator serve` (cargo feature `emulator`). The in-process emulator behind `--emulator` lives in
//! `local_emulator`, below the per-run context that starts it.

pub mod args;

use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::local_emulator::storage;
use args::EmulatorCmd;
use chatbase_emulator::EmulatorConfig;

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
            chatbase_emulator::serve(config)
                .await
                .map_err(|e| CliError::runtime(format!("emulator: {e}")))
        }
    }
}
