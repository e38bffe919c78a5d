//! The settable keys: their spellings, `config get` (a resolved value with its origin) and `config set`
//! (checked, written into a profile).

use super::file::ConfigFile;
use super::{Origin, STREAM_SETTINGS, Settings};
use crate::error::{CliError, Result};
use crate::output::Format;

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
