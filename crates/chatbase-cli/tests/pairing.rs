//! Browser login end to end against the emulator: the CLI polls while the test plays the user through the
//! emulator's `/_emulator/pairing` routes (approve, deny, slow down), plus expiry, network errors, and logout
//! revoking paired keys but never pasted ones. The emulator hands out a 50 ms interval, so nothing sleeps long.

mod common;

use common::{Emu, KEY, bare, stderr_of, stdout_of};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const INTERVAL_MS: u64 = 50;

fn pairing_emu(expires: Duration) -> Emu {
    Emu::with(|b| b.pairing_timing(Duration::from_millis(INTERVAL_MS), expires))
}

/// `chatbase auth login --browser` with the emulator's URL and no key in the environment, running.
fn start_login(emu: &Emu) -> Child {
    emu.std_cmd()
        .env_remove("CHATBASE_API_KEY")
        .args(["auth", "login", "--browser"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The user code of the first pairing request, once the CLI has created it.
fn wait_for_request(emu: &Emu) -> String {
    let start = Instant::now();
    loop {
        let v = emu.admin("GET", "/_emulator/pairing", None);
        if let Some(code) = v["requests"][0]["userCode"].as_str() {
            return code.to_owned();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no pairing request appeared: {v}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits (bounded) until the request has been answered `answer` at least once.
fn wait_for_answer(emu: &Emu, answer: &str) {
    let start = Instant::now();
    loop {
        let v = emu.admin("GET", "/_emulator/pairing", None);
        let seen = v["requests"][0]["polls"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["answer"] == answer));
        if seen {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never answered {answer}: {v}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn finish(child: Child) -> std::process::Output {
    child.wait_with_output().unwrap()
}

fn config_text(emu: &Emu) -> String {
    std::fs::read_to_string(emu.home.path().join("config/chatbase/config.toml")).unwrap_or_default()
}

fn polls(emu: &Emu) -> Vec<(u64, String)> {
    emu.admin("GET", "/_emulator/pairing", None)["requests"][0]["polls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["atMs"].as_u64().unwrap(),
                p["answer"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Logs in through the browser flow, approving at once; returns the login's output.
fn paired_login(emu: &Emu) -> std::process::Output {
    let child = start_login(emu);
    let code = wait_for_request(emu);
    emu.admin("POST", &format!("/_emulator/pairing/{code}/approve"), None);
    let out = finish(child);
    assert!(out.status.success(), "{}", stderr_of(&out));
    out
}

fn status_json(emu: &Emu) -> Value {
    let out = bare(&emu.home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "status", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    serde_json::from_str(&stdout_of(&out)).unwrap()
}

#[test]
fn an_approved_code_stores_a_paired_key_that_works_shows_in_status_and_is_revoked_on_logout() {
    let emu = pairing_emu(Duration::from_secs(30));
    let child = start_login(&emu);
    let code = wait_for_request(&emu);
    emu.admin("POST", &format!("/_emulator/pairing/{code}/approve"), None);
    let out = finish(child);
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    // The code and the page to approve it are shown; no browser is opened without a terminal.
    assert!(err.contains(&code), "{err}");
    assert!(err.contains(&format!("/activate?code={code}")), "{err}");
    assert!(!err.contains("Opened"), "{err}");
    assert!(err.contains("Chatbase emulator"), "{err}");
    let cfg = config_text(&emu);
    assert!(cfg.contains("key_source = \"pairing\""), "{cfg}");
    assert!(cfg.contains("cbpair_"), "{cfg}");
    // The interval was honoured: the emulator never had to ask for patience.
    let answers = polls(&emu);
    assert!(
        answers.iter().all(|(_, a)| a != "PAIRING_SLOW_DOWN"),
        "{answers:?}"
    );
    assert_eq!(answers.last().map(|(_, a)| a.as_str()), Some("OK"));

    // The minted key works for the API, and status reads its details from the service.
    let out = bare(&emu.home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["agents", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v = status_json(&emu);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["paired"], true, "{v}");
    assert_eq!(v["credential"], "pairing", "{v}");
    assert_eq!(v["workspace"], "Chatbase emulator", "{v}");
    assert!(
        v["keyExpires"].as_str().unwrap_or("").starts_with("20"),
        "{v}"
    );
    let perms = v["permissions"].as_str().unwrap_or("");
    assert!(
        perms.contains("agents:read") && !perms.contains("agents:delete"),
        "{v}"
    );

    let out = bare(&emu.home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "logout"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("Revoked the paired key"), "{err}");
    assert_eq!(
        emu.admin("GET", "/_emulator/pairing", None)["pairedKeys"],
        0
    );
    let cfg = config_text(&emu);
    assert!(
        !cfg.contains("cbpair_") && !cfg.contains("pairing"),
        "{cfg}"
    );
}

#[test]
fn a_denied_code_is_an_auth_error_and_stores_nothing() {
    let emu = pairing_emu(Duration::from_secs(30));
    let child = start_login(&emu);
    let code = wait_for_request(&emu);
    emu.admin("POST", &format!("/_emulator/pairing/{code}/deny"), None);
    let out = finish(child);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("denied"), "{err}");
    assert!(
        !config_text(&emu).contains("api_key"),
        "{}",
        config_text(&emu)
    );
}

#[test]
fn slow_down_doubles_the_interval() {
    let emu = pairing_emu(Duration::from_secs(30));
    let child = start_login(&emu);
    let code = wait_for_request(&emu);
    emu.admin(
        "POST",
        &format!("/_emulator/pairing/{code}/slow-down"),
        None,
    );
    wait_for_answer(&emu, "PAIRING_SLOW_DOWN");
    // Let a few polls arrive at the new pace before approving.
    std::thread::sleep(Duration::from_millis(4 * INTERVAL_MS * 2));
    emu.admin("POST", &format!("/_emulator/pairing/{code}/approve"), None);
    let out = finish(child);
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("polling every {} ms", 2 * INTERVAL_MS)),
        "{err}"
    );
    let answers = polls(&emu);
    let slow: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, (_, a))| a == "PAIRING_SLOW_DOWN")
        .map(|(i, _)| i)
        .collect();
    // Exactly the one the test asked for: had the CLI kept polling every 50 ms, the emulator (which now expects
    // 100 ms) would have answered slow-down again.
    assert_eq!(slow.len(), 1, "{answers:?}");
    for pair in answers[slow[0]..].windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(
            gap >= 2 * INTERVAL_MS,
            "{gap} ms between polls: {answers:?}"
        );
    }
}

#[test]
fn an_unapproved_code_expires_with_a_clear_error() {
    let emu = pairing_emu(Duration::from_millis(300));
    let out = finish(start_login(&emu));
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("expired"), "{err}");
    assert!(err.contains("auth login --browser"), "{err}");
    assert!(!config_text(&emu).contains("api_key"));
}

fn reset_exchange() -> chatbase_emulator::Faults {
    chatbase_emulator::Faults {
        resets: vec![chatbase_emulator::ResetFault {
            operation: Some("exchangeCliPairing".into()),
            rate: 1.0,
        }],
        ..Default::default()
    }
}

#[test]
fn network_errors_while_polling_are_tolerated_until_the_deadline() {
    let emu = Emu::with(|b| {
        b.pairing_timing(Duration::from_millis(INTERVAL_MS), Duration::from_secs(30))
            .faults(reset_exchange())
    });
    let child = start_login(&emu);
    let code = wait_for_request(&emu);
    // Several polls die on a reset connection before the network comes back.
    std::thread::sleep(Duration::from_millis(6 * INTERVAL_MS));
    assert!(polls(&emu).is_empty(), "resets reach no handler");
    emu.admin("DELETE", "/_emulator/faults", None);
    emu.admin("POST", &format!("/_emulator/pairing/{code}/approve"), None);
    let out = finish(child);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(config_text(&emu).contains("key_source = \"pairing\""));
}

#[test]
fn network_errors_until_the_deadline_end_as_expiry_naming_the_last_error() {
    let emu = Emu::with(|b| {
        b.pairing_timing(
            Duration::from_millis(INTERVAL_MS),
            Duration::from_millis(300),
        )
        .faults(reset_exchange())
    });
    let out = finish(start_login(&emu));
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("expired"), "{err}");
    assert!(err.contains("last network error"), "{err}");
}

#[test]
fn a_failed_revoke_warns_and_still_removes_the_local_key() {
    let emu = pairing_emu(Duration::from_secs(30));
    paired_login(&emu);
    emu.admin(
        "PUT",
        "/_emulator/faults",
        Some(json!({"errors": [{"operation": "revokeCliPairing", "rate": 1.0, "status": 500}]})),
    );
    let out = bare(&emu.home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "logout"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("could not revoke the paired key"), "{err}");
    assert!(err.contains("Removed the stored key"), "{err}");
    assert!(
        !err.contains("cbpair_"),
        "the key itself is never printed: {err}"
    );
    assert!(
        !config_text(&emu).contains("cbpair_"),
        "{}",
        config_text(&emu)
    );
    assert_eq!(
        emu.admin("GET", "/_emulator/pairing", None)["pairedKeys"],
        1
    );
}

#[test]
fn a_pasted_key_is_only_removed_locally() {
    let emu = pairing_emu(Duration::from_secs(30));
    // Any revoke attempt would fail loudly.
    emu.admin(
        "PUT",
        "/_emulator/faults",
        Some(json!({"errors": [{"operation": "revokeCliPairing", "rate": 1.0, "status": 500}]})),
    );
    let mut child = emu
        .std_cmd()
        .env_remove("CHATBASE_API_KEY")
        .args(["auth", "login", "--with-token"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(KEY.as_bytes())
        .unwrap();
    let out = finish(child);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!config_text(&emu).contains("pairing"));
    let out = bare(&emu.home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "logout"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("Removed the stored key"), "{err}");
    assert!(!err.contains("revoke"), "{err}");
    assert!(!config_text(&emu).contains(KEY));
}

#[test]
fn a_pasted_key_after_a_paired_one_is_no_longer_marked_paired() {
    let emu = pairing_emu(Duration::from_secs(30));
    paired_login(&emu);
    let out = bare(&emu.home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "login", "--with-token"])
        .write_stdin(KEY)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        !config_text(&emu).contains("pairing"),
        "{}",
        config_text(&emu)
    );
    assert_eq!(status_json(&emu)["paired"], false);
}

#[test]
fn on_a_terminal_plain_login_offers_the_browser_first() {
    common::require_script();
    let emu = pairing_emu(Duration::from_secs(30));
    let script = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("script"))
        .find(|p| p.is_file())
        .expect("script(1) on PATH");
    // An empty PATH for the child: no browser opener exists, so none can start.
    let no_opener = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_chatbase");
    let child = std::process::Command::new(script)
        .args(["-q", "-e", "-c", &format!("{bin} auth login"), "/dev/null"])
        .env("PATH", no_opener.path())
        .env("SHELL", "/bin/sh")
        .env("HOME", emu.home.path())
        .env("XDG_CONFIG_HOME", emu.home.path().join("config"))
        .env("CHATBASE_API_URL", &emu.url)
        .env_remove("CHATBASE_API_KEY")
        .env("NO_COLOR", "1")
        // Enter at the prompt takes the default.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
    let code = wait_for_request(&emu);
    emu.admin("POST", &format!("/_emulator/pairing/{code}/approve"), None);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Log in with the browser (b) or paste an API key (p)?"),
        "{text}"
    );
    assert!(text.contains(&code), "{text}");
    assert!(config_text(&emu).contains("key_source = \"pairing\""));
}

#[test]
fn wait_stops_before_the_expiry_and_names_itself() {
    let emu = pairing_emu(Duration::from_secs(30));
    let out = emu
        .std_cmd()
        .env_remove("CHATBASE_API_KEY")
        .args(["auth", "login", "--browser", "--wait", "1"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("stopped waiting") && err.contains("--wait"),
        "{err}"
    );
    assert!(!config_text(&emu).contains("api_key"));
}

#[test]
fn status_says_plainly_when_it_cannot_verify_the_key() {
    let home = tempfile::tempdir().unwrap();
    // Nothing listens on the discard port: the key can be neither accepted nor refused.
    let out = bare(&home)
        .env("CHATBASE_API_URL", "http://127.0.0.1:9")
        .env("CHATBASE_API_KEY", KEY)
        .args(["auth", "status", "--format", "json"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["valid"], Value::Null, "unknown, not invalid: {v}");
    assert!(err.contains("could not verify the key"), "{err}");
}

#[test]
fn status_warns_when_a_paired_key_expires_within_a_week() {
    let emu = Emu::with(|b| {
        b.pairing_timing(Duration::from_millis(INTERVAL_MS), Duration::from_secs(30))
            .paired_key_lifetime(Duration::from_secs(3 * 24 * 3600))
    });
    paired_login(&emu);
    let out = bare(&emu.home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "status"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("the key expires in 2 days"), "{err}");
    assert!(err.contains("auth login --browser"), "{err}");
    // A 90-day key says nothing of the sort.
    let emu = pairing_emu(Duration::from_secs(30));
    paired_login(&emu);
    let out = bare(&emu.home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "status"])
        .output()
        .unwrap();
    assert!(
        !stderr_of(&out).contains("expires in"),
        "{}",
        stderr_of(&out)
    );
}
