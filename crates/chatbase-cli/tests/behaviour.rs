//! Cross-cutting behaviour of the binary: exit codes, error output, credentials and config files, TTY vs pipe
//! formats, streaming of `--all`, and Ctrl-C during a streamed answer.

mod common;

use chatbase_emulator::{ErrorFault, Faults};
use common::{Emu, KEY, bare, stderr_of, stdout_of};
use predicates::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::time::Duration;

fn redact(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("request id: ") {
            let _ = rest;
            out.push_str("request id: [REQUEST_ID]\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn exit_codes_usage_auth_rate_limit() {
    let emu = Emu::start();
    emu.cmd()
        .args(["agents", "list", "--limit", "0"])
        .assert()
        .code(2);
    emu.cmd().args(["no-such-command"]).assert().code(2);
    emu.cmd()
        .args(["chat", "hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("chat -m"));
    emu.cmd()
        .env("CHATBASE_API_KEY", "bad")
        .args(["agents", "list"])
        .assert()
        .code(3);
    let home = tempfile::tempdir().unwrap();
    bare(&home)
        .args(["agents", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("auth login"));

    let limited = Emu::with(|b| {
        b.faults(Faults {
            errors: vec![ErrorFault {
                operation: Some("listAgents".into()),
                rate: 1.0,
                status: 429,
            }],
            ..Default::default()
        })
    });
    limited
        .cmd()
        .args(["agents", "list"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("rate limited"));
}

#[test]
fn error_output_snapshots() {
    let emu = Emu::start();
    let out = emu
        .cmd()
        .args(["agents", "get", "missing-agent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("error_not_found", redact(&stderr_of(&out)));

    let out = emu
        .cmd()
        .env("CHATBASE_API_KEY", "bad")
        .args(["sources", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!("error_bad_key", redact(&stderr_of(&out)));

    let home = tempfile::tempdir().unwrap();
    let out = bare(&home).args(["sources", "list"]).output().unwrap();
    insta::assert_snapshot!("error_no_key", stderr_of(&out));

    let out = emu
        .cmd()
        .args(["agents", "delete", "some-agent"])
        .output()
        .unwrap();
    insta::assert_snapshot!("error_delete_unconfirmed", stderr_of(&out));

    // Machine formats get the error envelope as JSON on stderr.
    let out = emu
        .cmd()
        .args(["agents", "get", "missing-agent", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(stderr_of(&out).trim()).unwrap();
    assert_eq!(v["error"]["code"], "AGENT_NOT_FOUND");
    assert_eq!(v["exitCode"], 1);
}

#[test]
fn login_writes_a_private_config_and_status_shows_only_the_tail() {
    let emu = Emu::start();
    let home = tempfile::tempdir().unwrap();
    bare(&home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "login", "--with-token"])
        .write_stdin(format!("{KEY}\n"))
        .assert()
        .success();
    let path = home.path().join("config/chatbase/config.toml");
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
    let status = bare(&home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "status", "--format", "tsv"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", stderr_of(&status));
    let text = stdout_of(&status);
    assert!(
        text.contains("…CRET") && text.contains("profile default"),
        "{text}"
    );
    assert!(!text.contains(KEY));

    // The stored key is used, and env overrides it with the origin shown.
    bare(&home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["-a", "demo-agent", "sources", "summary"])
        .assert()
        .success();
    bare(&home)
        .env("CHATBASE_API_KEY", "other-key-1111")
        .args(["config", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("…1111\tenv CHATBASE_API_KEY"));

    // A wrong key is verified and not stored.
    bare(&home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["--profile", "other", "auth", "login", "--with-token"])
        .write_stdin("not-the-key")
        .assert()
        .code(3);
    let cfg = std::fs::read_to_string(&path).unwrap();
    assert!(!cfg.contains("not-the-key"));

    bare(&home).args(["auth", "logout"]).assert().success();
    bare(&home)
        .env("CHATBASE_API_URL", &emu.url)
        .args(["auth", "status"])
        .assert()
        .code(3);
}

#[test]
fn key_file_beats_env_and_config_records_origins() {
    let home = tempfile::tempdir().unwrap();
    let key_file = home.path().join("key");
    std::fs::write(&key_file, "file-key-2222\n").unwrap();
    bare(&home)
        .env("CHATBASE_API_KEY_FILE", &key_file)
        .env("CHATBASE_API_KEY", "env-key-3333")
        .args(["config", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("…2222\tenv CHATBASE_API_KEY_FILE"));
    bare(&home)
        .args(["config", "set", "agent", "agent-x"])
        .assert()
        .success();
    bare(&home)
        .args(["config", "get", "agent"])
        .assert()
        .success()
        .stdout("agent-x\n")
        .stderr(predicate::str::contains("profile default"));
    bare(&home)
        .env("CHATBASE_AGENT_ID", "agent-env")
        .args(["config", "get", "agent"])
        .assert()
        .stdout("agent-env\n")
        .stderr(predicate::str::contains("env CHATBASE_AGENT_ID"));
    bare(&home)
        .args(["--agent", "agent-flag", "config", "get", "agent"])
        .assert()
        .stderr(predicate::str::contains("flag --agent"));
    bare(&home)
        .args(["config", "set", "api-key", "x"])
        .assert()
        .code(2);
    bare(&home)
        .args(["--profile", "work", "config", "set", "agent", "agent-w"])
        .assert()
        .success();
    bare(&home)
        .args(["--profile", "work", "config", "get", "agent"])
        .assert()
        .stdout("agent-w\n");
}

#[test]
fn piped_output_defaults_to_tsv_with_a_header() {
    let emu = Emu::start();
    emu.cmd()
        .args(["helpdesk", "teams"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("id\tname\n"));
}

#[test]
fn terminal_output_defaults_to_a_table() {
    // `script` gives the child a pseudo-terminal. It is part of every Debian system (bsdutils); a
    // machine without it fails here rather than passing a test that checked nothing.
    common::require_script();
    let emu = Emu::start();
    let bin = env!("CARGO_BIN_EXE_chatbase");
    let out = std::process::Command::new("script")
        .args([
            "-q",
            "-e",
            "-c",
            &format!("{bin} helpdesk teams"),
            "/dev/null",
        ])
        .env("CHATBASE_API_URL", &emu.url)
        .env("CHATBASE_API_KEY", KEY)
        .env("CHATBASE_AGENT_ID", "demo-agent")
        .env("XDG_CONFIG_HOME", emu.home.path())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(out.status.success(), "{text}");
    let header = text
        .lines()
        .find(|l| l.contains("ID"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(!header.contains('\t'), "table, not tsv: {header:?}");
    assert!(
        header.starts_with("ID") && header.contains("NAME"),
        "{header:?}"
    );
}

#[test]
fn all_streams_rows_before_the_last_page_arrives() {
    // 300 ms per request and one item per page: 7 pages take >2 s, the first row must show long before.
    let emu = Emu::with(|b| {
        b.faults(Faults {
            latency_ms: 300,
            ..Default::default()
        })
    });
    let mut child = emu
        .std_cmd()
        .args([
            "sources", "list", "--all", "--limit", "1", "--format", "ndjson",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with('{'), "{first}");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first row must arrive while later pages are still pending"
    );
    let rest = lines.count();
    assert_eq!(rest, 6);
    assert!(child.wait().unwrap().success());
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_a_streaming_answer_with_exit_130() {
    let emu = Emu::stalling(4, 20_000);
    let mut child = emu
        .std_cmd()
        .args(["chat", "-m", "How do I reset my password?"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first text to be printed, then interrupt.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    let started = std::time::Instant::now();
    // SAFETY: sends SIGINT to our own child process, whose pid is valid until we wait on it.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "Ctrl-C must not wait for the stalled stream"
    );
    assert_eq!(out.status.code(), Some(130));
    assert!(stderr_of(&out).contains("cancelled"), "{}", stderr_of(&out));
}

#[test]
fn a_burst_of_events_is_printed_in_full_while_the_stream_stalls() {
    // Ten events arrive back to back (start, start-step, text-start, seven deltas), then nothing for 20 s.
    // Output is coalesced while events pour in, so this checks that the tail of the burst is still written out
    // (by the flush timer) while the stream waits, not held until more data comes.
    let emu = Emu::stalling(10, 20_000);
    let mut child = emu
        .std_cmd()
        .args([
            "chat",
            "--format",
            "ndjson",
            "-m",
            "How do I reset my password?",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while lines.len() < 10 {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => lines.push(line),
            Err(e) => panic!("only {} of 10 events printed ({e}): {lines:?}", lines.len()),
        }
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the stream is still stalled"
    );
    let deltas = lines
        .iter()
        .filter(|l| l.contains("\"text-delta\""))
        .count();
    assert_eq!(deltas, 7, "{lines:?}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn stream_cut_is_an_error_not_a_success() {
    let emu = Emu::with(|b| {
        b.faults(Faults {
            stream_cut_after_events: Some(5),
            ..Default::default()
        })
    });
    emu.cmd()
        .args(["chat", "-m", "How do I reset my password?"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error:"));
}

#[test]
fn version_and_completions_and_man() {
    let home = tempfile::tempdir().unwrap();
    bare(&home)
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("chatbase "));
    bare(&home)
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("_chatbase"));
    bare(&home).args(["completions", "zsh"]).assert().success();
    bare(&home)
        .args(["man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH chatbase"));
    let dir = tempfile::tempdir().unwrap();
    bare(&home)
        .args(["man", "--out-dir"])
        .arg(dir.path())
        .assert()
        .success();
    assert!(dir.path().join("chatbase-agents-list.1").exists());
    assert!(dir.path().join("chatbase-v1-contacts-create.1").exists());
}

/// A loopback server that answers every request with one fixed HTTP response, then closes.
fn fixed_answer_server(status: &str, content_type: &str, body: &str) -> String {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 8192];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let _ = std::io::Write::write_all(&mut stream, response.as_bytes());
        }
    });
    url
}

#[test]
fn a_server_that_is_not_chatbase_is_named_not_dumped() {
    let url = fixed_answer_server(
        "404 Not Found",
        "text/html",
        "<html><body>Welcome to nginx!</body></html>",
    );
    let home = tempfile::tempdir().unwrap();
    let out = bare(&home)
        .env("CHATBASE_API_URL", &url)
        .env("CHATBASE_API_KEY", KEY)
        .args(["agents", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!(
            "the server at {url}/api/v2/agents did not answer like the Chatbase API (HTTP 404, text/html)"
        )),
        "{err}"
    );
    assert!(
        !err.contains("nginx"),
        "the page stays out of the message: {err}"
    );
    assert!(err.contains("--verbose"), "{err}");
    // With -v the body is there for diagnosis.
    let out = bare(&home)
        .env("CHATBASE_API_URL", &url)
        .env("CHATBASE_API_KEY", KEY)
        .args(["-v", "agents", "list"])
        .output()
        .unwrap();
    assert!(
        stderr_of(&out).contains("Welcome to nginx"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn auth_status_shows_workspace_plan_expiry_and_permissions_when_the_service_says() {
    let emu = Emu::start();
    let out = emu
        .cmd()
        .args(["auth", "status", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["workspace"], "Chatbase emulator", "{v}");
    assert_eq!(v["plan"], "standard", "{v}");
    assert_eq!(v["keyExpires"], "never", "{v}");
    assert!(
        v["permissions"]
            .as_str()
            .unwrap_or("")
            .contains("agents:read"),
        "{v}"
    );
}

#[test]
fn auth_status_falls_back_quietly_when_the_service_has_no_key_details() {
    // A service without `GET /api/cli-pairing/me` (404): the status is shown without them.
    let emu = Emu::with(|b| {
        b.faults(chatbase_emulator::Faults {
            errors: vec![chatbase_emulator::ErrorFault {
                operation: Some("getCliPairingMe".into()),
                rate: 1.0,
                status: 404,
            }],
            ..Default::default()
        })
    });
    let out = emu
        .cmd()
        .args(["auth", "status", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["valid"], true, "{v}");
    assert!(v.get("workspace").is_none(), "{v}");
    let err = stderr_of(&out);
    assert!(
        !err.contains("404") && !err.contains("cli-pairing") && !err.contains("rror"),
        "{err}"
    );
}

#[test]
fn a_stalled_answer_ends_with_the_stream_idle_timeout_and_a_hint_naming_it() {
    // Four events, then 20 s of silence: the stream idle bound, set by flag or by environment, ends it.
    let emu = Emu::stalling(4, 20_000);
    let by_flag: (&[&str], Option<(&str, &str)>) = (&["--stream-idle-timeout", "1"], None);
    let by_env: (&[&str], Option<(&str, &str)>) =
        (&[], Some(("CHATBASE_STREAM_IDLE_TIMEOUT", "1")));
    for (flags, env) in [by_flag, by_env] {
        let started = std::time::Instant::now();
        let mut cmd = emu.cmd();
        cmd.args(["chat", "-m", "How do I reset my password?"])
            .args(flags)
            .timeout(Duration::from_secs(15));
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("TIMEOUT"), "{err}");
        for setting in [
            "--stream-idle-timeout",
            "CHATBASE_STREAM_IDLE_TIMEOUT",
            "stream-idle-timeout",
        ] {
            assert!(err.contains(setting), "{setting} missing: {err}");
        }
        assert!(!err.contains("CHATBASE_TIMEOUT="), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{err}");
    }
}
