//! The optional OS keyring (cargo feature `keyring`): reads, writes and deletes one profile's API key under the
//! service `chatbase-cli`, account = profile name. Precedence and the config file belong to `config`, not here.

use crate::api_key::ApiKey;
use crate::error::{CliError, Result};

/// The keyring service every entry is filed under.
pub const SERVICE: &str = "chatbase-cli";

/// The profile setting that says the key lives in the keyring.
pub const KEYRING: &str = "keyring";

fn entry(profile: &str) -> Result<keyring_core::Entry> {
    // A store installed earlier (the tests install keyring-core's mock) wins over the platform one.
    if keyring_core::get_default_store().is_none()
        && let Err(e) = keyring::Entry::store_status()
    {
        return Err(
            CliError::runtime(format!("no OS keyring is available ({})", describe(e))).with_hint(
                "headless machines and CI usually have no keyring service; keep the key in the config \
             file instead: `chatbase config set credential-store file`, then `chatbase auth login` \
             without --keyring",
            ),
        );
    }
    keyring_core::Entry::new(SERVICE, profile).map_err(|e| failure(&e))
}

/// The profile's key, or `None` when the keyring holds no entry for it.
pub fn read(profile: &str) -> Result<Option<ApiKey>> {
    match entry(profile)?.get_password() {
        Ok(key) => {
            let key = key.trim();
            Ok((!key.is_empty()).then(|| ApiKey::new(key)))
        }
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(failure(&e)),
    }
}

pub fn store(profile: &str, key: &ApiKey) -> Result<()> {
    entry(profile)?
        .set_password(key.expose())
        .map_err(|e| failure(&e))
}

/// Removes the profile's entry; `false` when there was none.
pub fn delete(profile: &str) -> Result<bool> {
    match entry(profile)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(e) => Err(failure(&e)),
    }
}

fn failure(e: &keyring_core::Error) -> CliError {
    CliError::runtime(format!("OS keyring: {}", describe(e))).with_hint(
        "unlock the keyring and retry, or store the key in the config file with `chatbase auth login`",
    )
}

/// The error in words, never echoing stored bytes (a malformed entry could be the key itself).
fn describe(e: &keyring_core::Error) -> String {
    match e {
        keyring_core::Error::BadEncoding(_) | keyring_core::Error::BadDataFormat(..) => {
            "the stored entry is not readable text".to_owned()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Installs keyring-core's in-memory mock store once, so tests never reach a real keyring.
    pub(crate) fn use_mock_store() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap())
        });
    }

    #[test]
    fn stores_reads_and_deletes_per_profile() {
        use_mock_store();
        assert_eq!(read("ks-a").unwrap(), None);
        store("ks-a", &ApiKey::new("key-a")).unwrap();
        store("ks-b", &ApiKey::new("key-b")).unwrap();
        assert_eq!(read("ks-a").unwrap().unwrap().expose(), "key-a");
        assert_eq!(read("ks-b").unwrap().unwrap().expose(), "key-b");
        assert!(delete("ks-a").unwrap());
        assert!(!delete("ks-a").unwrap());
        assert_eq!(read("ks-a").unwrap(), None);
        assert_eq!(read("ks-b").unwrap().unwrap().expose(), "key-b");
    }

    #[test]
    fn malformed_entries_are_not_echoed() {
        let e = keyring_core::Error::BadEncoding(b"sk-secret".to_vec());
        let msg = failure(&e).message;
        assert!(
            !msg.contains("secret") && msg.contains("not readable"),
            "{msg}"
        );
    }
}
