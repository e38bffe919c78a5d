//! Configuration: the file (`file`: TOML, XDG path, profiles, atomic 0600 writes), the resolution of every setting
//! from flag > environment > profile > default with the origin of each value (`settings`), and the keys `config
//! get`/`set` accept (`keys`). It never talks to the network.

/// The public API host, as the SDK defines it (the one place the workspace spells it out).
pub use chatbase::config::DEFAULT_API_URL;
pub const DEFAULT_PROFILE: &str = "default";
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// Stream bounds in seconds (0 is off): transport idle, event idle, overall deadline.
pub const DEFAULT_STREAM_IDLE_SECS: u64 = 60;
pub const DEFAULT_STREAM_EVENT_SECS: u64 = 120;
pub const DEFAULT_STREAM_DEADLINE_SECS: u64 = 0;

/// The stream settings: (config key, environment variable, flag, default seconds).
pub const STREAM_SETTINGS: [(&str, &str, &str, u64); 3] = [
    (
        "stream-idle-timeout",
        "CHATBASE_STREAM_IDLE_TIMEOUT",
        "--stream-idle-timeout",
        DEFAULT_STREAM_IDLE_SECS,
    ),
    (
        "stream-event-timeout",
        "CHATBASE_STREAM_EVENT_TIMEOUT",
        "--stream-event-timeout",
        DEFAULT_STREAM_EVENT_SECS,
    ),
    (
        "stream-deadline",
        "CHATBASE_STREAM_DEADLINE",
        "--stream-deadline",
        DEFAULT_STREAM_DEADLINE_SECS,
    ),
];

mod file;
mod keys;
mod settings;
#[cfg(test)]
mod tests;

pub use crate::api_key::ApiKey;
pub use file::{ConfigFile, KEY_SOURCE_PAIRING, Profile, config_path, loose_permissions};
pub(crate) use file::{create_private_dir, set_private};
pub use keys::{KEYS, canonical_key, set_value};
pub use settings::{FlagSources, Origin, Resolved, Settings};
