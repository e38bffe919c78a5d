//! `chatbase auth login/status/logout`: storing, checking and removing the profile's API key (config file or OS
//! keyring), by a pasted key or browser login. `login` and `status` check the key with one cheap API call.

pub mod args;

use crate::config::{self, ApiKey, ConfigFile, Origin, Resolved};
use crate::context::{Ctx, build_client};
use crate::error::{CliError, Result};
use args::AuthCmd;
use serde_json::json;
use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

pub async fn run(ctx: &Ctx, cmd: AuthCmd) -> Result<()> {
    match cmd {
        #[cfg(not(feature = "keyring"))]
        AuthCmd::Login {
            with_token,
            browser,
            wait,
            no_verify,
        } => login(ctx, with_token, browser, wait, no_verify, false).await,
        #[cfg(feature = "keyring")]
        AuthCmd::Login {
            with_token,
            browser,
            wait,
            no_verify,
            keyring,
        } => login(ctx, with_token, browser, wait, no_verify, keyring).await,
        AuthCmd::Status => status(ctx).await,
        AuthCmd::Logout => logout(ctx).await,
    }
}

/// Asks on a terminal whether to log in through the browser (the default) or paste a key.
fn offer_browser(ctx: &Ctx) -> Result<bool> {
    if ctx.global.no_input || !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(false);
    }
    eprint!("Log in with the browser (b) or paste an API key (p)? [B/p] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(!answer.trim().eq_ignore_ascii_case("p"))
}

async fn login(
    ctx: &Ctx,
    with_token: bool,
    browser: bool,
    wait: Option<u64>,
    no_verify: bool,
    to_keyring: bool,
) -> Result<()> {
    if ctx.global.emulator {
        return Err(CliError::usage(
            "`auth login` stores a key for the real API; --emulator needs none",
        ));
    }
    if browser || (!with_token && offer_browser(ctx)?) {
        return browser_login(ctx, wait, to_keyring).await;
    }
    let key = if with_token {
        if std::io::stdin().is_terminal() {
            return Err(CliError::usage("--with-token reads the key from stdin")
                .with_hint("pipe it in: `chatbase auth login --with-token < key.txt`"));
        }
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text.trim().to_owned()
    } else {
        if ctx.global.no_input || !std::io::stdin().is_terminal() {
            return Err(CliError::usage("no terminal to prompt for the key")
                .with_hint("pass the key on stdin with `chatbase auth login --with-token`"));
        }
        rpassword::prompt_password("Chatbase API key (input hidden): ")
            .map_err(|e| CliError::runtime(format!("cannot read the key: {e}")))?
            .trim()
            .to_owned()
    };
    if key.is_empty() {
        return Err(CliError::usage("the key is empty"));
    }
    let key = ApiKey::new(key);
    if !no_verify {
        let client = build_client(
            &key,
            &ctx.settings.api_url,
            Duration::from_secs(ctx.settings.timeout.value),
        )?;
        crate::commands::agents::verify_key(&client)
            .await
            .map_err(|e| {
                if e.kind == crate::error::ExitKind::Auth {
                    e.with_hint("the key was not stored; check it in the dashboard and try again")
                } else {
                    e.with_hint("the key was not stored; pass --no-verify to store it anyway")
                }
            })?;
    }
    let profile = ctx.settings.profile.value.clone();
    let mut file = ctx.settings.file.clone();
    let stored_in = store_key(&mut file, &profile, &key, to_keyring, &ctx.settings.path)?;
    // A pasted key is the user's to manage: logout never revokes it.
    let p = file.profile_mut(&profile);
    p.key_source = None;
    p.workspace = None;
    file.save(&ctx.settings.path)?;
    ctx.out.success(format!(
        "Logged in: profile {profile}, key {}{}, stored in {stored_in}",
        key.tail(),
        if no_verify { " (not verified)" } else { "" },
    ));
    warn_env_key(ctx);
    Ok(())
}

/// `auth login --browser`: pair, then store the minted key marked as paired.
async fn browser_login(ctx: &Ctx, wait: Option<u64>, to_keyring: bool) -> Result<()> {
    let paired = crate::commands::pairing::login(ctx, wait.map(Duration::from_secs)).await?;
    let profile = ctx.settings.profile.value.clone();
    let mut file = ctx.settings.file.clone();
    let stored_in = store_key(
        &mut file,
        &profile,
        &paired.key,
        to_keyring,
        &ctx.settings.path,
    )?;
    let p = file.profile_mut(&profile);
    p.key_source = Some(config::KEY_SOURCE_PAIRING.to_owned());
    p.workspace = paired
        .workspace_name
        .clone()
        .or(paired.workspace_id.clone());
    file.save(&ctx.settings.path)?;
    let workspace = paired
        .workspace_name
        .as_deref()
        .or(paired.workspace_id.as_deref())
        .map(|w| format!(" to workspace {w}"))
        .unwrap_or_default();
    ctx.out.success(format!(
        "Logged in{workspace}: profile {profile}, paired key {}, stored in {stored_in}",
        paired.key.tail()
    ));
    warn_env_key(ctx);
    Ok(())
}

fn warn_env_key(ctx: &Ctx) {
    if let Some(Resolved {
        origin: Origin::Env(var),
        ..
    }) = &ctx.settings.api_key
    {
        ctx.out.warn(format!(
            "{var} is set and takes precedence over the stored key"
        ));
    }
}

/// Puts the key where the profile keeps it and says where that is; the caller saves `file`.
pub(crate) fn store_key(
    file: &mut ConfigFile,
    profile: &str,
    key: &ApiKey,
    to_keyring: bool,
    path: &std::path::Path,
) -> Result<String> {
    #[cfg(feature = "keyring")]
    if to_keyring
        || file
            .profile(profile)
            .is_some_and(config::Profile::uses_keyring)
    {
        use crate::keyring_store::{KEYRING, SERVICE, store};
        store(profile, key)?;
        let p = file.profile_mut(profile);
        p.api_key = None;
        p.credential_store = Some(KEYRING.to_owned());
        return Ok(format!("the OS keyring (service {SERVICE})"));
    }
    #[cfg(not(feature = "keyring"))]
    let _ = to_keyring;
    file.profile_mut(profile).api_key = Some(key.expose().to_owned());
    Ok(path.display().to_string())
}

/// Removes the profile's key from the file and, for keyring profiles, from the keyring; `true` if one was there.
pub(crate) fn forget_key(file: &mut ConfigFile, profile: &str) -> Result<bool> {
    let Some(p) = file.profiles.get_mut(profile) else {
        return Ok(false);
    };
    #[cfg_attr(not(feature = "keyring"), allow(unused_mut))]
    let mut had = p.api_key.take().is_some();
    #[cfg(feature = "keyring")]
    if p.uses_keyring() {
        had |= crate::keyring_store::delete(profile)?;
        p.credential_store = None;
    }
    Ok(had)
}

async fn status(ctx: &Ctx) -> Result<()> {
    let Some(key) = &ctx.settings.api_key else {
        return Err(ctx.settings.missing_key_error());
    };
    let check = match ctx.client() {
        Ok(client) => crate::commands::agents::verify_key(client).await,
        Err(e) => Err(e),
    };
    // Only a refusal by the service says the key is bad; anything else (network, timeout, 5xx) means the key
    // could not be checked, and the report says so rather than calling it invalid.
    let verified = match &check {
        Ok(_) => Some(true),
        Err(e) if e.kind == crate::error::ExitKind::Auth => Some(false),
        Err(_) => None,
    };
    // The stored key's provenance applies only when the key in use is the stored one.
    let stored = matches!(key.origin, Origin::Profile(_)) || {
        #[cfg(feature = "keyring")]
        {
            key.origin == Origin::Keyring
        }
        #[cfg(not(feature = "keyring"))]
        {
            false
        }
    };
    let profile = ctx.settings.file.profile(&ctx.settings.profile.value);
    let paired = stored && profile.is_some_and(config::Profile::is_paired);
    let mut report = json!({
        "profile": ctx.settings.profile.value,
        "key": key.value.tail(),
        "keySource": key.origin.to_string(),
        "paired": paired,
        "apiUrl": ctx.settings.api_url.value,
        "apiUrlSource": ctx.settings.api_url.origin.to_string(),
        "configFile": ctx.settings.path.display().to_string(),
        "valid": verified,
    });
    if paired
        && let Some(w) = profile.and_then(|p| p.workspace.clone())
        && let Some(r) = report.as_object_mut()
    {
        r.insert("workspace".into(), json!(w));
    }
    let mut details = false;
    if check.is_ok()
        && let Ok(client) = ctx.client()
        && let Some(who) = key_owner(client).await
        && let Some(r) = report.as_object_mut()
    {
        details = true;
        r.extend(who);
    }
    let mut stdout = std::io::stdout().lock();
    ctx.out.object(&mut stdout, &report)?;
    match (&check, verified) {
        (Err(e), None) => ctx.out.warn(format!(
            "could not verify the key: {} (the service did not answer; nothing is known about the key)",
            e.message
        )),
        (Ok(_), _) if !details => ctx.out.note(
            "(workspace, plan, expiry and permissions: not reported by this service)",
        ),
        _ => {}
    }
    if let Some(days) = report["keyExpires"].as_str().and_then(days_left)
        && days <= 7
    {
        ctx.out.warn(if days < 0 {
            "the key has expired; run `chatbase auth login --browser` for a new one".to_owned()
        } else {
            format!(
                "the key expires in {days} days; run `chatbase auth login --browser` to renew it"
            )
        });
    }
    if let Some(mode) = config::loose_permissions(&ctx.settings.path) {
        ctx.out.warn(format!(
            "{} has mode {mode:o}; run `chmod 600` on it",
            ctx.settings.path.display()
        ));
    }
    if ctx.settings.api_url.origin != Origin::Default {
        ctx.out.note(format!(
            "note: API URL overridden by {}",
            ctx.settings.api_url.origin
        ));
    }
    check.map(|_| ())
}

/// Whole days until an RFC 3339 time (negative when past); `None` when it does not parse.
fn days_left(at: &str) -> Option<i64> {
    let at = chrono::DateTime::parse_from_rfc3339(at).ok()?;
    Some((at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days())
}

/// Workspace, plan, key expiry and permissions from `GET /api/cli-pairing/me` (the call the
/// official CLI makes; outside the published spec). `None` when the service does not answer
/// it as expected: `auth status` then shows what it knows without it.
async fn key_owner(
    client: &chatbase::Client,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let me = client
        .request(chatbase::Method::GET, "/api/cli-pairing/me")
        .max_retries(0)
        .send()
        .await
        .ok()?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let mut out = serde_json::Map::new();
    if let Some(name) = text(&me["workspace"]["name"]) {
        out.insert("workspace".into(), json!(name));
    }
    if let Some(id) = text(&me["workspace"]["id"]) {
        out.insert("workspaceId".into(), json!(id));
    }
    if let Some(plan) = text(&me["plan"]) {
        out.insert("plan".into(), json!(plan));
    }
    let cred = &me["credential"];
    if let Some(source) = text(&cred["source"]) {
        out.insert("credential".into(), json!(source));
    }
    match &cred["expiresAt"] {
        serde_json::Value::Null => {
            if cred.get("expiresAt").is_some() {
                out.insert("keyExpires".into(), json!("never"));
            }
        }
        v => {
            if let Some(at) = text(v) {
                out.insert("keyExpires".into(), json!(at));
            }
        }
    }
    if let Some(perms) = cred["permissions"].as_array() {
        let list: Vec<String> = perms.iter().filter_map(text).collect();
        out.insert("permissions".into(), json!(list.join(", ")));
    }
    (!out.is_empty()).then_some(out)
}

/// The key stored in the profile itself (file or keyring), whatever the environment says.
fn stored_key(ctx: &Ctx, profile: &str) -> Option<ApiKey> {
    let p = ctx.settings.file.profile(profile)?;
    #[cfg(feature = "keyring")]
    if p.uses_keyring() {
        return crate::keyring_store::read(profile).ok().flatten();
    }
    p.api_key
        .as_ref()
        .filter(|k| !k.is_empty())
        .map(|k| ApiKey::new(k.clone()))
}

async fn logout(ctx: &Ctx) -> Result<()> {
    let profile = ctx.settings.profile.value.clone();
    // A key from browser login is revoked on the service first; a pasted key may be shared with CI and is only
    // removed here. The local key goes either way.
    let paired = ctx
        .settings
        .file
        .profile(&profile)
        .is_some_and(config::Profile::is_paired);
    let mut revoked = false;
    if paired && let Some(key) = stored_key(ctx, &profile) {
        match crate::commands::pairing::revoke(ctx, &key).await {
            Ok(()) => revoked = true,
            Err(e) => {
                let code = e
                    .code
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default();
                ctx.out.warn(format!(
                    "could not revoke the paired key {} on the service: {}{code}; it is removed here, \
                     revoke it in the dashboard",
                    key.tail(),
                    e.message
                ));
            }
        }
    }
    let mut file = ctx.settings.file.clone();
    if let Some(p) = file.profiles.get_mut(&profile) {
        p.key_source = None;
        p.workspace = None;
    }
    // Without the feature the marker is left alone, exactly as before the keyring existed.
    let marked = cfg!(feature = "keyring")
        && file
            .profile(&profile)
            .is_some_and(config::Profile::uses_keyring);
    let had = forget_key(&mut file, &profile)?;
    if had || marked || paired {
        file.save(&ctx.settings.path)?;
    }
    if had && revoked {
        ctx.out.success(format!(
            "Revoked the paired key on the service and removed it from profile {profile}"
        ));
    } else if had {
        ctx.out
            .success(format!("Removed the stored key from profile {profile}"));
    } else {
        ctx.out.note(format!("No key stored in profile {profile}"));
    }
    for var in ["CHATBASE_API_KEY", "CHATBASE_API_KEY_FILE"] {
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            ctx.out
                .warn(format!("{var} is still set in the environment"));
        }
    }
    Ok(())
}

#[cfg(all(test, feature = "keyring"))]
mod keyring_tests {
    use super::*;
    use crate::keyring_store;

    #[test]
    fn login_to_the_keyring_keeps_the_key_out_of_the_file_and_logout_deletes_it() {
        keyring_store::tests::use_mock_store();
        let mut file = ConfigFile::default();
        file.profile_mut("kl").api_key = Some("old-file-key".into());
        let path = std::path::Path::new("config.toml");
        let stored_in = store_key(&mut file, "kl", &ApiKey::new("sk-new"), true, path).unwrap();
        assert!(stored_in.contains("keyring"), "{stored_in}");
        let p = file.profile("kl").unwrap();
        assert_eq!(p.api_key, None);
        assert!(p.uses_keyring());
        assert!(!toml::to_string(&file).unwrap().contains("sk-new"));
        assert_eq!(
            keyring_store::read("kl").unwrap().unwrap().expose(),
            "sk-new"
        );

        // A marked profile keeps using the keyring without --keyring.
        store_key(&mut file, "kl", &ApiKey::new("sk-newer"), false, path).unwrap();
        assert_eq!(
            keyring_store::read("kl").unwrap().unwrap().expose(),
            "sk-newer"
        );
        assert_eq!(file.profile("kl").unwrap().api_key, None);

        assert!(forget_key(&mut file, "kl").unwrap());
        assert_eq!(keyring_store::read("kl").unwrap(), None);
        assert!(!file.profile("kl").unwrap().uses_keyring());
        assert!(!forget_key(&mut file, "kl").unwrap());
    }

    #[test]
    fn unmarked_profiles_still_store_in_the_file() {
        keyring_store::tests::use_mock_store();
        let mut file = ConfigFile::default();
        let path = std::path::Path::new("config.toml");
        let stored_in = store_key(&mut file, "kf", &ApiKey::new("sk-file"), false, path).unwrap();
        assert_eq!(stored_in, "config.toml");
        assert_eq!(
            file.profile("kf").unwrap().api_key.as_deref(),
            Some("sk-file")
        );
        assert_eq!(keyring_store::read("kf").unwrap(), None);
    }
}

#[cfg(test)]
mod tests {
    use super::days_left;

    #[test]
    fn days_left_reads_rfc3339_and_refuses_anything_else() {
        let soon = (chrono::Utc::now() + chrono::Duration::hours(36)).to_rfc3339();
        assert_eq!(days_left(&soon), Some(1));
        let past = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
        assert!(days_left(&past).is_some_and(|d| d < 0));
        for bad in ["", "never", "2026-13-40", "NaN"] {
            assert_eq!(days_left(bad), None, "{bad}");
        }
    }
}
