//! Resolution of every setting from flag > environment > project file > profile > default, keeping the origin
//! of each value.

use super::file::{ConfigFile, Profile, config_path};
use super::{DEFAULT_API_URL, DEFAULT_PROFILE, DEFAULT_TIMEOUT_SECS, STREAM_SETTINGS};
use crate::api_key::ApiKey;
use crate::cli::GlobalArgs;
use crate::error::{CliError, Result};
use crate::output::Format;
use std::path::PathBuf;

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
