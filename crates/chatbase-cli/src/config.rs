//! The configuration file (TOML, XDG path, profiles), its atomic 0600 writes, and the resolution of every setting
//! from flag > environment > profile > default with the origin of each value. It never talks to the network.

use crate::cli::{Format, GlobalArgs};
use crate::error::{CliError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const DEFAULT_API_URL: &str = "https://www.chatbase.co";
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

    fn stream_setting_mut(&mut self, key: &str) -> Option<&mut Option<u64>> {
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

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }
    /// The key itself, for handing to the SDK only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// `…abcd`: enough to tell keys apart.
    pub fn tail(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let start = chars.len().saturating_sub(4);
        format!("…{}", chars[start..].iter().collect::<String>())
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({})", self.tail())
    }
}

/// Where a resolved value came from; printed by `config list` and `auth status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag(&'static str),
    Env(&'static str),
    File(String),
    Profile(String),
    /// The project file (`chatbase.json`) at this path.
    Project(String),
    Emulator,
    #[cfg(feature = "keyring")]
    Keyring,
    Default,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag(name) => write!(f, "flag {name}"),
            Origin::Env(name) => write!(f, "env {name}"),
            Origin::File(path) => write!(f, "file {path}"),
            Origin::Profile(p) => write!(f, "profile {p}"),
            Origin::Project(path) => write!(f, "project file {path}"),
            Origin::Emulator => f.write_str("--emulator"),
            #[cfg(feature = "keyring")]
            Origin::Keyring => f.write_str("keyring"),
            Origin::Default => f.write_str("default"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Resolved<T> {
    pub value: T,
    pub origin: Origin,
}

/// Which global flags were typed on the command line rather than taken from the environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlagSources {
    pub profile_from_flag: bool,
    pub agent_from_flag: bool,
    pub api_url_from_flag: bool,
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

/// Every setting after resolution.
#[derive(Debug, Clone)]
pub struct Settings {
    pub path: PathBuf,
    pub file: ConfigFile,
    pub profile: Resolved<String>,
    pub api_key: Option<Resolved<ApiKey>>,
    pub agent: Option<Resolved<String>>,
    pub api_url: Resolved<String>,
    pub format: Option<Resolved<Format>>,
    pub timeout: Resolved<u64>,
    /// Stream bounds in seconds (0 is off), in [`STREAM_SETTINGS`] order; a command's flags override them.
    pub stream: [Resolved<u64>; 3],
    /// The project file found by walking up from the working directory, if any.
    pub project: Option<crate::project::ProjectFile>,
    /// Why the profile's keyring entry could not be read; reported when no other key is found.
    #[cfg(feature = "keyring")]
    pub keyring_error: Option<CliError>,
}

/// The settable keys, in `config list` order.
pub const KEYS: &[&str] = &[
    "agent",
    "api-url",
    "format",
    "timeout",
    "stream-idle-timeout",
    "stream-event-timeout",
    "stream-deadline",
    "credential-store",
    "default-profile",
];

impl Settings {
    /// Resolves from flags/env (already merged by clap into `global`), the credential env vars and the file.
    pub fn resolve(global: &GlobalArgs, sources: FlagSources) -> Result<Self> {
        let path = config_path()?;
        let file = ConfigFile::load(&path)?;
        let mut settings = Self::resolve_with(global, sources, path, file, &|name| {
            std::env::var(name).ok()
        })?;
        // A working directory that no longer exists has no project file; it must not stop every command.
        if let Ok(cwd) = std::env::current_dir() {
            settings.apply_project(crate::project::find(&cwd)?);
        }
        Ok(settings)
    }

    /// Puts the project file between the environment and the profile: flag > env > project file > profile.
    pub fn apply_project(&mut self, project: Option<crate::project::ProjectFile>) {
        let Some(project) = project else {
            return;
        };
        let from_project = self
            .agent
            .as_ref()
            .is_none_or(|a| matches!(a.origin, Origin::Profile(_)));
        if from_project && let Some(agent) = project.agent.clone() {
            self.agent = Some(Resolved {
                value: agent,
                origin: Origin::Project(project.path.display().to_string()),
            });
        }
        self.project = Some(project);
    }

    pub fn resolve_with(
        global: &GlobalArgs,
        sources: FlagSources,
        path: PathBuf,
        file: ConfigFile,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let profile = match &global.profile {
            Some(p) if sources.profile_from_flag => Resolved {
                value: p.clone(),
                origin: Origin::Flag("--profile"),
            },
            Some(p) => Resolved {
                value: p.clone(),
                origin: Origin::Env("CHATBASE_PROFILE"),
            },
            None => match &file.default_profile {
                Some(p) => Resolved {
                    value: p.clone(),
                    origin: Origin::File(path.display().to_string()),
                },
                None => Resolved {
                    value: DEFAULT_PROFILE.to_owned(),
                    origin: Origin::Default,
                },
            },
        };
        let prof = file.profile(&profile.value).cloned().unwrap_or_default();
        let from_profile = Origin::Profile(profile.value.clone());

        #[cfg(feature = "keyring")]
        let mut keyring_error = None;
        let api_key = resolve_api_key(
            env,
            &prof,
            &profile.value,
            #[cfg(feature = "keyring")]
            &mut keyring_error,
        )?;

        let agent = match &global.agent {
            Some(a) if sources.agent_from_flag => Some(Resolved {
                value: a.clone(),
                origin: Origin::Flag("--agent"),
            }),
            Some(a) => Some(Resolved {
                value: a.clone(),
                origin: Origin::Env("CHATBASE_AGENT_ID"),
            }),
            None => prof.agent.clone().map(|a| Resolved {
                value: a,
                origin: from_profile.clone(),
            }),
        }
        .filter(|r| !r.value.is_empty());

        let api_url = match &global.api_url {
            Some(u) if sources.api_url_from_flag => Resolved {
                value: u.clone(),
                origin: Origin::Flag("--api-url"),
            },
            Some(u) => Resolved {
                value: u.clone(),
                origin: Origin::Env("CHATBASE_API_URL"),
            },
            None => match &prof.api_url {
                Some(u) => Resolved {
                    value: u.clone(),
                    origin: from_profile.clone(),
                },
                None => Resolved {
                    value: DEFAULT_API_URL.to_owned(),
                    origin: Origin::Default,
                },
            },
        };

        let format = if global.json {
            Some(Resolved {
                value: Format::Json,
                origin: Origin::Flag("--json"),
            })
        } else if let Some(f) = global.format {
            Some(Resolved {
                value: f,
                origin: Origin::Flag("--format"),
            })
        } else {
            prof.format.map(|f| Resolved {
                value: f,
                origin: from_profile.clone(),
            })
        };

        let timeout = match env("CHATBASE_TIMEOUT").filter(|s| !s.is_empty()) {
            Some(s) => Resolved {
                value: s.parse().map_err(|_| {
                    CliError::usage(format!("CHATBASE_TIMEOUT must be whole seconds, got {s:?}"))
                })?,
                origin: Origin::Env("CHATBASE_TIMEOUT"),
            },
            None => match prof.timeout {
                Some(t) => Resolved {
                    value: t,
                    origin: from_profile.clone(),
                },
                None => Resolved {
                    value: DEFAULT_TIMEOUT_SECS,
                    origin: Origin::Default,
                },
            },
        };

        let stream = STREAM_SETTINGS.map(|(key, var, _, default)| {
            match env(var).filter(|s| !s.trim().is_empty()) {
                Some(s) => s
                    .trim()
                    .parse()
                    .map(|value| Resolved {
                        value,
                        origin: Origin::Env(var),
                    })
                    .map_err(|_| {
                        CliError::usage(format!(
                            "{var} must be whole seconds (0 turns it off), got {s:?}"
                        ))
                    }),
                None => Ok(match prof.stream_setting(key) {
                    Some(value) => Resolved {
                        value,
                        origin: from_profile.clone(),
                    },
                    None => Resolved {
                        value: default,
                        origin: Origin::Default,
                    },
                }),
            }
        });
        let [idle, event, deadline] = stream;
        let stream = [idle?, event?, deadline?];

        Ok(Settings {
            path,
            file,
            profile,
            api_key,
            agent,
            api_url,
            format,
            timeout,
            stream,
            project: None,
            #[cfg(feature = "keyring")]
            keyring_error,
        })
    }

    /// Fails when the selected profile (by flag, `CHATBASE_PROFILE` or the file's default) does not exist.
    pub fn require_known_profile(&self) -> Result<()> {
        self.file
            .require_profile(&self.profile.value, &self.profile.origin)
    }

    /// The error for a command that needs a key and has none.
    pub fn missing_key_error(&self) -> CliError {
        #[cfg(feature = "keyring")]
        if let Some(e) = &self.keyring_error {
            return e.clone();
        }
        CliError::not_authenticated()
    }

    /// The value of one key for `config get`/`list`, with its origin; `None` when unset.
    pub fn get(&self, key: &str) -> Result<Option<(String, Origin)>> {
        Ok(match canonical_key(key)? {
            "agent" => self
                .agent
                .as_ref()
                .map(|r| (r.value.clone(), r.origin.clone())),
            "api-url" => Some((self.api_url.value.clone(), self.api_url.origin.clone())),
            "format" => self
                .format
                .as_ref()
                .map(|r| (r.value.as_str().to_owned(), r.origin.clone())),
            "timeout" => Some((self.timeout.value.to_string(), self.timeout.origin.clone())),
            k if k.starts_with("stream-") => STREAM_SETTINGS
                .iter()
                .zip(&self.stream)
                .find(|((key, ..), _)| *key == k)
                .map(|(_, r)| (r.value.to_string(), r.origin.clone())),
            "credential-store" => Some(
                match self
                    .file
                    .profile(&self.profile.value)
                    .and_then(|p| p.credential_store.clone())
                {
                    Some(store) => (store, Origin::Profile(self.profile.value.clone())),
                    None => ("file".to_owned(), Origin::Default),
                },
            ),
            "default-profile" => Some((self.profile.value.clone(), self.profile.origin.clone())),
            _ => None,
        })
    }
}

/// `CHATBASE_API_KEY_FILE` > `CHATBASE_API_KEY` > the profile's keyring entry (feature `keyring`, only for
/// profiles marked `credential_store = "keyring"`) > the profile's key.
fn resolve_api_key(
    env: &dyn Fn(&str) -> Option<String>,
    prof: &Profile,
    profile_name: &str,
    #[cfg(feature = "keyring")] keyring_error: &mut Option<CliError>,
) -> Result<Option<Resolved<ApiKey>>> {
    if let Some(file) = env("CHATBASE_API_KEY_FILE").filter(|s| !s.is_empty()) {
        let text = std::fs::read_to_string(&file).map_err(|e| {
            CliError::auth(format!("cannot read CHATBASE_API_KEY_FILE ({file}): {e}"))
        })?;
        let key = text.trim();
        if key.is_empty() {
            return Err(CliError::auth(format!(
                "CHATBASE_API_KEY_FILE ({file}) is empty"
            )));
        }
        return Ok(Some(Resolved {
            value: ApiKey::new(key),
            origin: Origin::Env("CHATBASE_API_KEY_FILE"),
        }));
    }
    if let Some(key) = env("CHATBASE_API_KEY")
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
    {
        return Ok(Some(Resolved {
            value: ApiKey::new(key),
            origin: Origin::Env("CHATBASE_API_KEY"),
        }));
    }
    // An unreadable keyring must not stop `auth logout` or `config list`, so its error waits until a key is needed.
    #[cfg(feature = "keyring")]
    if prof.uses_keyring() {
        match crate::keyring_store::read(profile_name) {
            Ok(Some(key)) => {
                return Ok(Some(Resolved {
                    value: key,
                    origin: Origin::Keyring,
                }));
            }
            Ok(None) => {}
            Err(e) => *keyring_error = Some(e),
        }
    }
    Ok(prof
        .api_key
        .as_ref()
        .filter(|k| !k.is_empty())
        .map(|k| Resolved {
            value: ApiKey::new(k.clone()),
            origin: Origin::Profile(profile_name.to_owned()),
        }))
}

/// Accepts `api_url`/`apiUrl` spellings too; refuses keys that hold secrets.
pub fn canonical_key(key: &str) -> Result<&'static str> {
    let k = key.to_ascii_lowercase().replace('_', "-");
    match k.as_str() {
        "agent" | "agent-id" | "agentid" => Ok("agent"),
        "api-url" | "apiurl" | "url" => Ok("api-url"),
        "format" | "output" => Ok("format"),
        "timeout" => Ok("timeout"),
        "stream-idle-timeout" => Ok("stream-idle-timeout"),
        "stream-event-timeout" => Ok("stream-event-timeout"),
        "stream-deadline" => Ok("stream-deadline"),
        "default-profile" | "profile" => Ok("default-profile"),
        "credential-store" | "credentials" | "credential" | "store" => Ok("credential-store"),
        "api-key" | "apikey" | "key" | "token" => Err(CliError::usage(
            "the API key is not set with `config set` (it would land in shell history)",
        )
        .with_hint("use `chatbase auth login`, or CHATBASE_API_KEY / CHATBASE_API_KEY_FILE")),
        _ => Err(CliError::usage(format!(
            "unknown setting {key:?}; known: {}",
            KEYS.join(", ")
        ))),
    }
}

/// Applies `config set KEY VALUE` to the file (an empty value clears the setting).
pub fn set_value(
    file: &mut ConfigFile,
    profile: &str,
    key: &str,
    value: &str,
) -> Result<&'static str> {
    let key = canonical_key(key)?;
    let clear = value.is_empty();
    match key {
        "agent" => file.profile_mut(profile).agent = (!clear).then(|| value.to_owned()),
        "api-url" => {
            if !(clear || value.starts_with("http://") || value.starts_with("https://")) {
                return Err(CliError::usage(format!(
                    "api-url must start with http:// or https://, got {value:?}"
                )));
            }
            file.profile_mut(profile).api_url =
                (!clear).then(|| value.trim_end_matches('/').to_owned());
        }
        "format" => {
            file.profile_mut(profile).format = if clear {
                None
            } else {
                Some(
                    <Format as clap::ValueEnum>::from_str(value, true).map_err(|_| {
                        CliError::usage(format!(
                            "format must be table, json, ndjson or tsv, got {value:?}"
                        ))
                    })?,
                )
            }
        }
        "timeout" => {
            file.profile_mut(profile).timeout = if clear {
                None
            } else {
                let secs: u64 = value.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    CliError::usage(format!(
                        "timeout must be whole seconds above 0, got {value:?}"
                    ))
                })?;
                Some(secs)
            }
        }
        k if k.starts_with("stream-") => {
            let secs = if clear {
                None
            } else {
                Some(value.trim().parse::<u64>().map_err(|_| {
                    CliError::usage(format!(
                        "{k} must be whole seconds (0 turns it off), got {value:?}"
                    ))
                })?)
            };
            if let Some(slot) = file.profile_mut(profile).stream_setting_mut(k) {
                *slot = secs;
            }
        }
        "credential-store" => {
            file.profile_mut(profile).credential_store = match value.to_ascii_lowercase().as_str() {
                "" | "file" => None,
                "keyring" if cfg!(feature = "keyring") => Some("keyring".to_owned()),
                "keyring" => {
                    return Err(CliError::usage(
                        "this build of chatbase has no OS keyring support",
                    )
                    .with_hint("build it with `cargo install chatbase-cli --features keyring`"));
                }
                _ => {
                    return Err(CliError::usage(format!(
                        "credential-store must be file or keyring, got {value:?}"
                    )));
                }
            }
        }
        "default-profile" => {
            if !clear {
                file.require_profile(value, &Origin::Flag("config set default-profile"))?;
            }
            file.default_profile = (!clear).then(|| value.to_owned())
        }
        _ => return Err(CliError::usage(format!("unknown setting {key:?}"))),
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn file_with_key(key: &str) -> ConfigFile {
        let mut f = ConfigFile::default();
        f.profile_mut("default").api_key = Some(key.into());
        f
    }

    #[test]
    fn key_file_beats_env_beats_profile() {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key");
        std::fs::write(&key_file, "from-file\n").unwrap();
        let kf = key_file
            .to_str()
            .expect("a temp dir path is UTF-8 on the test machines");
        let g = GlobalArgs::default();
        let s = Settings::resolve_with(
            &g,
            FlagSources::default(),
            "x".into(),
            file_with_key("from-profile"),
            &env_of(&[
                ("CHATBASE_API_KEY_FILE", kf),
                ("CHATBASE_API_KEY", "from-env"),
            ]),
        )
        .unwrap();
        let k = s.api_key.unwrap();
        assert_eq!(k.value.expose(), "from-file");
        assert_eq!(k.origin, Origin::Env("CHATBASE_API_KEY_FILE"));

        let s = Settings::resolve_with(
            &g,
            FlagSources::default(),
            "x".into(),
            file_with_key("from-profile"),
            &env_of(&[("CHATBASE_API_KEY", "from-env")]),
        )
        .unwrap();
        assert_eq!(s.api_key.unwrap().value.expose(), "from-env");

        let s = Settings::resolve_with(
            &g,
            FlagSources::default(),
            "x".into(),
            file_with_key("from-profile"),
            &env_of(&[]),
        )
        .unwrap();
        let k = s.api_key.unwrap();
        assert_eq!(k.value.expose(), "from-profile");
        assert_eq!(k.origin, Origin::Profile("default".into()));
    }

    #[test]
    fn profiles_are_selected_by_flag_then_file_default() {
        let mut f = ConfigFile {
            default_profile: Some("work".into()),
            ..Default::default()
        };
        f.profile_mut("work").agent = Some("agent-work".into());
        f.profile_mut("home").agent = Some("agent-home".into());
        let s = Settings::resolve_with(
            &GlobalArgs::default(),
            FlagSources::default(),
            "p".into(),
            f.clone(),
            &env_of(&[]),
        )
        .unwrap();
        assert_eq!(s.agent.unwrap().value, "agent-work");
        let g = GlobalArgs {
            profile: Some("home".into()),
            ..Default::default()
        };
        let s = Settings::resolve_with(
            &g,
            FlagSources {
                profile_from_flag: true,
                ..Default::default()
            },
            "p".into(),
            f,
            &env_of(&[]),
        )
        .unwrap();
        assert_eq!(s.agent.as_ref().unwrap().value, "agent-home");
        assert_eq!(s.agent.unwrap().origin, Origin::Profile("home".into()));
        assert_eq!(s.profile.origin, Origin::Flag("--profile"));
    }

    #[test]
    fn unknown_profiles_are_refused_with_the_known_ones() {
        let mut f = ConfigFile::default();
        f.profile_mut("work").agent = Some("a".into());
        let err = f
            .require_profile("wrok", &Origin::Flag("--profile"))
            .unwrap_err();
        assert!(
            err.message.contains("known profiles: default, work"),
            "{}",
            err.message
        );
        assert!(f.require_profile("work", &Origin::Default).is_ok());
        assert!(f.require_profile("default", &Origin::Default).is_ok());
        let err = set_value(&mut f, "default", "default-profile", "nosuch").unwrap_err();
        assert!(
            err.message.contains("known profiles: default, work"),
            "{}",
            err.message
        );
        assert_eq!(f.default_profile, None);
        set_value(&mut f, "default", "default-profile", "work").unwrap();
        assert_eq!(f.default_profile.as_deref(), Some("work"));
    }

    #[test]
    fn api_key_debug_is_redacted() {
        let k = ApiKey::new("sk-secret-value-1234");
        assert_eq!(format!("{k:?}"), "ApiKey(…1234)");
        let p = Profile {
            api_key: Some("sk-secret-value-1234".into()),
            ..Default::default()
        };
        assert!(!format!("{p:?}").contains("secret"));
    }

    #[test]
    fn saved_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.toml");
        let f = file_with_key("k");
        f.save(&path).unwrap();
        assert_eq!(loose_permissions(&path), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            assert_eq!(
                std::fs::metadata(path.parent().unwrap())
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777,
                0o700
            );
        }
        let back = ConfigFile::load(&path).unwrap();
        assert_eq!(
            back.profile("default").unwrap().api_key.as_deref(),
            Some("k")
        );
    }

    #[test]
    fn broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "profiles = 3 = 4").unwrap();
        let e = ConfigFile::load(&path).unwrap_err();
        assert!(e.message.contains("config.toml"), "{}", e.message);
    }

    #[test]
    fn setting_the_key_is_refused_and_values_are_checked() {
        let mut f = ConfigFile::default();
        assert_eq!(
            set_value(&mut f, "default", "api_key", "x")
                .unwrap_err()
                .kind,
            crate::error::ExitKind::Usage
        );
        assert!(set_value(&mut f, "default", "timeout", "abc").is_err());
        assert!(set_value(&mut f, "default", "api-url", "ftp://x").is_err());
        set_value(&mut f, "default", "agentId", "a1").unwrap();
        assert_eq!(f.profile("default").unwrap().agent.as_deref(), Some("a1"));
        set_value(&mut f, "default", "agent", "").unwrap();
        assert_eq!(f.profile("default").unwrap().agent, None);
    }

    #[cfg(feature = "keyring")]
    fn keyring_profile(name: &str, file_key: Option<&str>) -> ConfigFile {
        let mut f = ConfigFile {
            default_profile: Some(name.into()),
            ..Default::default()
        };
        let p = f.profile_mut(name);
        p.api_key = file_key.map(Into::into);
        p.credential_store = Some("keyring".into());
        f
    }

    #[cfg(feature = "keyring")]
    #[test]
    fn keyring_sits_between_the_environment_and_the_file() {
        use crate::keyring_store;
        keyring_store::tests::use_mock_store();
        let resolve = |env: &[(&str, &str)]| {
            Settings::resolve_with(
                &GlobalArgs::default(),
                FlagSources::default(),
                "x".into(),
                keyring_profile("kr-order", Some("from-file")),
                &env_of(env),
            )
            .unwrap()
            .api_key
            .unwrap()
        };
        keyring_store::store("kr-order", &ApiKey::new("from-keyring")).unwrap();
        let k = resolve(&[]);
        assert_eq!(k.value.expose(), "from-keyring");
        assert_eq!(k.origin, Origin::Keyring);
        assert_eq!(k.origin.to_string(), "keyring");
        let k = resolve(&[("CHATBASE_API_KEY", "from-env")]);
        assert_eq!(k.origin, Origin::Env("CHATBASE_API_KEY"));
        keyring_store::delete("kr-order").unwrap();
        let k = resolve(&[]);
        assert_eq!(k.value.expose(), "from-file");
        assert_eq!(k.origin, Origin::Profile("kr-order".into()));
    }

    #[cfg(feature = "keyring")]
    #[test]
    fn keyring_is_not_consulted_for_unmarked_profiles() {
        crate::keyring_store::tests::use_mock_store();
        crate::keyring_store::store("kr-unmarked", &ApiKey::new("in-keyring")).unwrap();
        let mut f = keyring_profile("kr-unmarked", None);
        f.profile_mut("kr-unmarked").credential_store = None;
        let s = Settings::resolve_with(
            &GlobalArgs::default(),
            FlagSources::default(),
            "x".into(),
            f,
            &env_of(&[]),
        )
        .unwrap();
        assert!(s.api_key.is_none());
        assert_eq!(s.missing_key_error().message, "not authenticated");
    }

    #[cfg(feature = "keyring")]
    #[test]
    fn an_unreadable_keyring_defers_its_error_until_a_key_is_needed() {
        crate::keyring_store::tests::use_mock_store();
        let entry = keyring_core::Entry::new(crate::keyring_store::SERVICE, "kr-locked").unwrap();
        let mock: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        mock.set_error(keyring_core::Error::NoStorageAccess("locked".into()));
        let s = Settings::resolve_with(
            &GlobalArgs::default(),
            FlagSources::default(),
            "x".into(),
            keyring_profile("kr-locked", None),
            &env_of(&[]),
        )
        .unwrap();
        assert!(s.api_key.is_none());
        let e = s.missing_key_error();
        assert!(e.message.starts_with("OS keyring:"), "{}", e.message);
        assert!(e.hint.unwrap().contains("config file"));
    }

    #[test]
    fn credential_store_is_set_read_and_cleared_per_profile() {
        let mut f = ConfigFile {
            default_profile: Some("work".into()),
            ..Default::default()
        };
        let settings = |f: &ConfigFile| {
            Settings::resolve_with(
                &GlobalArgs::default(),
                FlagSources::default(),
                "x".into(),
                f.clone(),
                &env_of(&[]),
            )
            .unwrap()
        };
        let (v, o) = settings(&f).get("credential-store").unwrap().unwrap();
        assert_eq!((v.as_str(), o), ("file", Origin::Default));
        let err = set_value(&mut f, "work", "credential_store", "vault").unwrap_err();
        assert!(err.message.contains("file or keyring"), "{}", err.message);
        if cfg!(feature = "keyring") {
            set_value(&mut f, "work", "credential-store", "keyring").unwrap();
            assert!(f.profile("work").unwrap().uses_keyring());
            let (v, o) = settings(&f).get("credential-store").unwrap().unwrap();
            assert_eq!((v.as_str(), o), ("keyring", Origin::Profile("work".into())));
        } else {
            let err = set_value(&mut f, "work", "credential-store", "keyring").unwrap_err();
            assert!(err.message.contains("no OS keyring"), "{}", err.message);
            f.profile_mut("work").credential_store = Some("keyring".into());
        }
        set_value(&mut f, "work", "credential-store", "file").unwrap();
        assert_eq!(f.profile("work").unwrap().credential_store, None);
        assert!(KEYS.contains(&"credential-store"));
    }

    #[test]
    fn stream_settings_resolve_env_over_profile_over_default() {
        let resolve = |f: &ConfigFile, env: &[(&str, &str)]| {
            Settings::resolve_with(
                &GlobalArgs::default(),
                FlagSources::default(),
                "x".into(),
                f.clone(),
                &env_of(env),
            )
        };
        let mut f = ConfigFile::default();
        let s = resolve(&f, &[]).unwrap();
        let values: Vec<u64> = s.stream.iter().map(|r| r.value).collect();
        assert_eq!(values, vec![60, 120, 0]);
        assert!(s.stream.iter().all(|r| r.origin == Origin::Default));

        set_value(&mut f, "default", "stream_event_timeout", "300").unwrap();
        set_value(&mut f, "default", "stream-deadline", "900").unwrap();
        assert!(set_value(&mut f, "default", "stream-idle-timeout", "-1").is_err());
        let s = resolve(&f, &[("CHATBASE_STREAM_DEADLINE", "30")]).unwrap();
        assert_eq!(s.stream[1].value, 300);
        assert_eq!(s.stream[1].origin, Origin::Profile("default".into()));
        assert_eq!(s.stream[2].value, 30);
        assert_eq!(s.stream[2].origin, Origin::Env("CHATBASE_STREAM_DEADLINE"));
        assert_eq!(
            s.get("stream-event-timeout").unwrap().map(|(v, _)| v),
            Some("300".to_owned())
        );

        let err = resolve(&f, &[("CHATBASE_STREAM_IDLE_TIMEOUT", "soon")]).unwrap_err();
        assert!(
            err.message.contains("CHATBASE_STREAM_IDLE_TIMEOUT"),
            "{}",
            err.message
        );
        set_value(&mut f, "default", "stream-deadline", "").unwrap();
        assert_eq!(f.profile("default").unwrap().stream_deadline, None);
        for (key, ..) in STREAM_SETTINGS {
            assert!(KEYS.contains(&key));
            assert_eq!(canonical_key(key).unwrap(), key);
        }
    }
}
