//! The configuration file: its TOML shape (profiles), where it lives, and its atomic, private (0600 in a 0700
//! directory) writes.

use super::DEFAULT_PROFILE;
use super::Origin;
use crate::error::{CliError, Result};
use crate::output::Format;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `key_source` of a key minted by browser login.
pub const KEY_SOURCE_PAIRING: &str = "pairing";

/// The whole file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One workspace's settings.
#[derive(Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_idle_timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_event_timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_deadline: Option<u64>,
    /// `"keyring"` when the key lives in the OS keyring (feature `keyring`); kept by every build so that
    /// rewriting the file never loses where the key is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_store: Option<String>,
    /// `"pairing"` when the key came from browser login (logout then revokes it on the service); absent for a
    /// pasted key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_source: Option<String>,
    /// The workspace a paired key belongs to, as the service named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
}

impl Profile {
    /// The profile's value of a stream setting, by config key.
    pub fn stream_setting(&self, key: &str) -> Option<u64> {
        match key {
            "stream-idle-timeout" => self.stream_idle_timeout,
            "stream-event-timeout" => self.stream_event_timeout,
            "stream-deadline" => self.stream_deadline,
            _ => None,
        }
    }

    pub(super) fn stream_setting_mut(&mut self, key: &str) -> Option<&mut Option<u64>> {
        match key {
            "stream-idle-timeout" => Some(&mut self.stream_idle_timeout),
            "stream-event-timeout" => Some(&mut self.stream_event_timeout),
            "stream-deadline" => Some(&mut self.stream_deadline),
            _ => None,
        }
    }

    /// Whether the profile keeps its key in the OS keyring.
    pub fn uses_keyring(&self) -> bool {
        self.credential_store.as_deref() == Some("keyring")
    }

    /// Whether the stored key was minted by browser login.
    pub fn is_paired(&self) -> bool {
        self.key_source.as_deref() == Some(KEY_SOURCE_PAIRING)
    }
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("agent", &self.agent)
            .field("api_url", &self.api_url)
            .field("format", &self.format)
            .field("timeout", &self.timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("stream_event_timeout", &self.stream_event_timeout)
            .field("stream_deadline", &self.stream_deadline)
            .field("credential_store", &self.credential_store)
            .field("key_source", &self.key_source)
            .field("workspace", &self.workspace)
            .finish()
    }
}

/// Location of the configuration file: `$CHATBASE_CONFIG_DIR/config.toml`, else the XDG config dir
/// (`$XDG_CONFIG_HOME/chatbase`, `~/.config/chatbase`; also on macOS), else `%APPDATA%\chatbase` on Windows.
pub fn config_path() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CHATBASE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("config.toml"));
    }
    use etcetera::BaseStrategy;
    let strategy = etcetera::choose_base_strategy()
        .map_err(|e| CliError::runtime(format!("cannot find the home directory: {e}")))?;
    Ok(strategy.config_dir().join("chatbase").join("config.toml"))
}

impl ConfigFile {
    /// Reads the file; a missing file is an empty configuration, a broken one is an error naming the file.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                CliError::runtime(format!("cannot read {}: {}", path.display(), e.message()))
                    .with_hint(
                        "fix or delete the file; `chatbase config list` shows what is in effect",
                    )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
            Err(e) => Err(CliError::runtime(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    /// Writes the whole file atomically (temp file in the same directory, then rename) with mode 0600, in a
    /// directory with mode 0700, so a crash never leaves half a file and no other user can read the key.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path.parent().ok_or_else(|| {
            CliError::runtime(format!("{} has no parent directory", path.display()))
        })?;
        create_private_dir(dir)?;
        let text = toml::to_string_pretty(self)
            .map_err(|e| CliError::runtime(format!("cannot encode config: {e}")))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".config.toml.")
            .tempfile_in(dir)
            .map_err(|e| CliError::runtime(format!("cannot write in {}: {e}", dir.display())))?;
        set_private(tmp.path())?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| {
            CliError::runtime(format!("cannot replace {}: {}", path.display(), e.error))
        })?;
        Ok(())
    }

    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    pub fn profile_mut(&mut self, name: &str) -> &mut Profile {
        self.profiles.entry(name.to_owned()).or_default()
    }

    /// Profiles that exist: `default` always, and every profile in the file.
    pub fn known_profiles(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
        if !names.contains(&DEFAULT_PROFILE) {
            names.insert(0, DEFAULT_PROFILE);
        }
        names
    }

    /// A usage error for a profile name that does not exist, listing those that do; `Ok` for a known one.
    pub fn require_profile(&self, name: &str, origin: &Origin) -> Result<()> {
        if self.known_profiles().contains(&name) {
            return Ok(());
        }
        Err(CliError::usage(format!(
            "unknown profile {name:?} (from {origin}); known profiles: {}",
            self.known_profiles().join(", ")
        ))
        .with_hint(format!(
            "create it with `chatbase auth login --profile {name}`, or pick a known one"
        )))
    }
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| CliError::runtime(format!("cannot create {}: {e}", dir.display())))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::runtime(format!("cannot create {}: {e}", dir.display())))
    }
}

pub(crate) fn set_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Mode bits of the file if group or others can read it (unix only).
pub fn loose_permissions(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}
