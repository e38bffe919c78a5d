//! Emulator configuration: storage, key, rate limit, streaming pace and fault injection.
//! Owns only plain data; the server in `server` interprets it.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Environment variable the emulator reads its API key from when none is configured.
pub const API_KEY_ENV: &str = "CHATBASE_EMULATOR_API_KEY";

/// Where the emulator keeps its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// Nothing survives shutdown; meant for tests.
    InMemory,
    /// A SQLite database (`emulator.sqlite3`) inside this directory; state survives restarts.
    Dir(PathBuf),
}

/// Request budget per API key, applied as a fixed window that opens with the first request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// Window length.
    pub window: Duration,
}

impl Default for RateLimit {
    /// Chatbase's documented budget: 100 requests per 10 seconds.
    fn default() -> Self {
        Self {
            requests: 100,
            window: Duration::from_secs(10),
        }
    }
}

/// Injects a failing status into matching operations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorFault {
    /// operationId to target (e.g. `listAgents`); `None` targets every operation.
    #[serde(default)]
    pub operation: Option<String>,
    /// Probability in `[0, 1]` that a matching request fails.
    pub rate: f64,
    /// HTTP status to answer with (default 500).
    #[serde(default = "default_fault_status")]
    pub status: u16,
}

fn default_fault_status() -> u16 {
    500
}

/// Drops the connection without sending a response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetFault {
    /// operationId to target; `None` targets every operation.
    #[serde(default)]
    pub operation: Option<String>,
    /// Probability in `[0, 1]` that a matching request is reset.
    pub rate: f64,
}

/// Pauses a chat stream once, after some events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StallFault {
    /// Number of complete events sent before the pause.
    pub after_events: usize,
    /// Pause length in milliseconds.
    pub duration_ms: u64,
}

/// Faults applied to the public API (never to `/_emulator/`). All off by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Extra latency added before every request is handled, in milliseconds.
    pub latency_ms: u64,
    /// Injected error responses.
    pub errors: Vec<ErrorFault>,
    /// Abrupt connection closes.
    pub resets: Vec<ResetFault>,
    /// Cut chat streams (v1 and v2) in the middle of this event (0-based), then close.
    pub stream_cut_after_events: Option<usize>,
    /// Stall chat streams once.
    pub stall: Option<StallFault>,
}

impl Faults {
    /// Whether every fault is off.
    pub fn is_empty(&self) -> bool {
        self == &Faults::default()
    }
}

/// Everything needed to run an emulator.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Address to bind; the default is `127.0.0.1:0` (an ephemeral loopback port).
    pub bind: SocketAddr,
    /// API key clients must send. `None`: [`API_KEY_ENV`], then a key stored in the data
    /// directory, else a freshly generated one.
    pub api_key: Option<String>,
    /// Storage backend.
    pub storage: Storage,
    /// Rate limit per key; `None` turns limiting off.
    pub rate_limit: Option<RateLimit>,
    /// Pause between streamed chat deltas.
    pub stream_delay: Duration,
    /// Seed the demo workspace (agent [`crate::DEMO_AGENT_ID`]) on first start.
    pub seed_demo: bool,
    /// Initial faults (changeable later through `PUT /_emulator/faults`).
    pub faults: Faults,
    /// Largest accepted JSON body, in bytes.
    pub max_body_bytes: usize,
    /// Largest accepted file upload, in bytes (Chatbase allows 20 MB).
    pub max_upload_bytes: usize,
    /// The poll interval browser pairing hands out (`interval` of `POST /api/cli-pairing/create`).
    pub pairing_interval: Duration,
    /// How long a pairing request stays open (`expires_in`).
    pub pairing_expires_in: Duration,
    /// How long a key minted by pairing lives (the service's 90 days).
    pub paired_key_lifetime: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_key: None,
            storage: Storage::InMemory,
            rate_limit: Some(RateLimit::default()),
            stream_delay: Duration::from_millis(15),
            seed_demo: true,
            faults: Faults::default(),
            max_body_bytes: 5 * 1024 * 1024,
            max_upload_bytes: 20 * 1024 * 1024,
            pairing_interval: Duration::from_secs(5),
            pairing_expires_in: Duration::from_secs(900),
            paired_key_lifetime: Duration::from_secs(90 * 24 * 3600),
        }
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("bind", &self.bind)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("storage", &self.storage)
            .field("rate_limit", &self.rate_limit)
            .field("stream_delay", &self.stream_delay)
            .field("seed_demo", &self.seed_demo)
            .field("faults", &self.faults)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("pairing_interval", &self.pairing_interval)
            .field("pairing_expires_in", &self.pairing_expires_in)
            .field("paired_key_lifetime", &self.paired_key_lifetime)
            .finish()
    }
}

/// The default data directory: `$XDG_DATA_HOME/chatbase/emulator` (on Linux usually
/// `~/.local/share/chatbase/emulator`), or the platform's equivalent.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("chatbase").join("emulator"))
}
