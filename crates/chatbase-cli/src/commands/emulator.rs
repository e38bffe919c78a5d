//! `chatbase emulator serve` and the in-process emulator behind `--emulator`.

use crate::cli::EmulatorCmd;
use crate::context::Ctx;
use crate::error::{CliError, Result};

/// An emulator running inside this process; dropping it stops it.
pub struct Running {
    pub base_url: String,
    pub api_key: String,
    pub demo_agent_id: Option<String>,
}

pub async fn start_in_process() -> Result<Running> {
    Err(CliError::runtime("the emulator is not available yet"))
}

pub async fn run(_ctx: &Ctx, cmd: EmulatorCmd) -> Result<()> {
    match cmd {
        EmulatorCmd::Serve { .. } => Err(CliError::runtime("the emulator is not available yet")),
    }
}
