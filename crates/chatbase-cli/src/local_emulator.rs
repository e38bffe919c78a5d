//! The in-process emulator behind `--emulator` (cargo feature `emulator`), and where emulator state is kept.
//! State lives in the emulator's default data dir (`$XDG_DATA_HOME/chatbase/emulator`) so successive
//! `--emulator` commands see each other's changes; `CHATBASE_EMULATOR_DIR` overrides it (`:memory:` for none).

use crate::error::{CliError, Result};
use chatbase_emulator::{Emulator, Storage};
use std::path::PathBuf;

/// An emulator running inside this process; dropping it stops it.
pub struct Running {
    pub base_url: String,
    pub api_key: String,
    pub demo_agent_id: Option<String>,
    _server: chatbase_emulator::RunningEmulator,
}

pub fn storage(explicit: Option<PathBuf>, in_memory: bool) -> Storage {
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
