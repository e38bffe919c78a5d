//! The export and the listings never lose data silently: the resume state belongs to one export (agent, host,
//! filters, format, file), a walk cut short is an error that keeps the state, and json/ndjson/export output is the
//! server's own text (unknown fields, nulls, integer lexemes, unknown enum values and part types kept).
//! Against the emulator, or a raw loopback HTTP server for answers the emulator never gives.

mod common;

use common::{Emu, KEY, bare, stderr_of, stdout_of};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A loopback HTTP/1.1 server answering each request with `route(target)` (status, body), one request per
/// connection; a body starting with `data:` is sent as `text/event-stream`, any other as JSON. Records every
/// request target.
struct Fake {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    fn serve(route: impl Fn(&str) -> (u16, String) + Send + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let target = text.split(' ').nth(1).unwrap_or("").to_owned();
                log.lock().unwrap().push(target.clone());
                let (status, body) = route(&target);
                let ctype = if body.starts_with("data:") {
                    "text/event-stream"
                } else {
                    "application/json"
                };
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
                let _ = stream.flush();
            }
        });
        Fake { url, seen }
    }

    fn cmd(&self, home: &tempfile::TempDir) -> assert_cmd::Command {
        let mut c = bare(home);
        c.env("CHATBASE_API_URL", &self.url)
            .env("CHATBASE_API_KEY", KEY)
            .env("CHATBASE_AGENT_ID", "a1");
        c
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// A conversation as a newer server might send it: an unknown channel, an unknown part type, unknown fields,
/// explicit nulls and integer timestamps.
fn future_conversation(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","title":null,"createdAt":1700000000,"updatedAt":5564,"userId":null,"source":"Telegram","status":"ongoing","tags":["vip"],"messages":[{{"id":"m1","role":"user","parts":[{{"type":"image","url":"https://example.test/a.png"}}],"createdAt":1700000000,"attachments":[]}}]}}"#
    )
}

/// A conversation every version of the bindings knows.
fn plain_conversation(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","title":"t","createdAt":1700000000,"updatedAt":1700000001,"userId":null,"source":"API","status":"ongoing","messages":[]}}"#
    )
}

/// The value of `name` in a request target's query.
fn query_param(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn export_writes_each_conversation_exactly_as_the_server_sent_it() {
    let fake = Fake::serve(|target| {
        let id = if query_param(target, "cursor").is_some() {
            "c2"
        } else {
            "c1"
        };
        let cursor = if id == "c1" { r#""next""# } else { "null" };
        let has_more = id == "c1";
        (
            200,
            format!(
                r#"{{"data": [{}], "pagination": {{"cursor": {cursor}, "hasMore": {has_more}, "total": 2}}}}"#,
                future_conversation(id)
            ),
        )
    });
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.ndjson");
    let out = fake
        .cmd(&home)
        .args(["conversations", "export", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        lines(&file),
        vec![future_conversation("c1"), future_conversation("c2")],
        "byte for byte: unknown fields, nulls, integers, Telegram and the image part"
    );
    assert!(!dir.path().join("all.ndjson.cursor").exists());
}

#[test]
fn json_and_ndjson_output_is_the_servers_text() {
    let source = r#"{"id": "s1", "type": "file", "name": "doc.pdf", "size": 5564, "createdAt": "2026-01-01T00:00:00Z", "status": "trained", "metadata": null, "tags": ["new"]}"#;
    let fake = Fake::serve(move |target| {
        if target.contains("/sources/s1") {
            (200, source.to_owned())
        } else {
            (
                200,
                format!(
                    r#"{{"data": [{source}], "pagination": {{"cursor": null, "hasMore": false, "total": 1}}}}"#
                ),
            )
        }
    });
    let home = tempfile::tempdir().unwrap();
    let out = fake
        .cmd(&home)
        .args(["sources", "get", "s1", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains(r#""size": 5564,"#), "{text}");
    assert!(text.contains(r#""metadata": null,"#), "{text}");
    assert!(text.contains(r#""tags": ["#), "{text}");
    assert!(
        text.find(r#""type""#) < text.find(r#""name""#),
        "key order kept: {text}"
    );
    let out = fake
        .cmd(&home)
        .args(["sources", "list", "--all", "--format", "ndjson"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        format!("{}\n", source.replace(": ", ":").replace(", ", ","))
    );
}

#[test]
fn chat_ndjson_prints_each_event_as_the_server_sent_it() {
    // Lexemes serde would rewrite (`1e3`, `5564.0`, `1.50`), fields no typed event keeps, the server's key order
    // and spacing, an event type this version does not know, a payload spread over two `data:` lines, and one whose
    // type is only in the SSE `event:` field.
    let events = [
        r#"{"type":"start","messageId":"m1","messageMetadata":{"conversationId":"c1","usage":{"credits":1e3}}}"#,
        r#"{"type":"text-start","id":"t0","providerMetadata":{"cost":5564.0}}"#,
        r#"{"delta":"Hi ","type":"text-delta", "id":"t0"}"#,
        r#"{"type":"data-weather","data":{"t":1.50,"unit":null}}"#,
        "{\"type\":\"text-end\",\ndata:  \"id\":\"t0\"}",
        "event: text-delta\ndata: {\"id\":\"t0\",\"delta\":\"!\"}",
        r#"{"finishReason":"stop","type":"finish","messageMetadata":{"userMessageId":"u1"}}"#,
    ];
    let body: String = events
        .iter()
        .map(|e| {
            if e.starts_with("event:") {
                format!("{e}\n\n")
            } else {
                format!("data: {e}\n\n")
            }
        })
        .chain(["data: [DONE]\n\n".to_owned()])
        .collect();
    let fake = Fake::serve(move |_| (200, body.clone()));
    let home = tempfile::tempdir().unwrap();
    let out = fake
        .cmd(&home)
        .args(["chat", "--format", "ndjson", "-m", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let want = [
        events[0],
        events[1],
        events[2],
        events[3],
        r#"{"type":"text-end","id":"t0"}"#,
        r#"{"type":"text-delta","id":"t0","delta":"!"}"#,
        events[6],
    ];
    let got = stdout_of(&out);
    assert_eq!(got.lines().collect::<Vec<_>>(), want, "{got}");
    assert!(
        stderr_of(&out).contains("c1"),
        "the conversation id is still read from the events: {}",
        stderr_of(&out)
    );
}

/// A server that hands back the cursor it was given.
fn repeating_server() -> Fake {
    Fake::serve(|target| {
        let n = if query_param(target, "cursor").is_some() {
            "2"
        } else {
            "1"
        };
        if target.contains("/conversations/export") {
            (
                200,
                format!(
                    r#"{{"data": [{}], "pagination": {{"cursor": "same", "hasMore": true, "total": 10}}}}"#,
                    plain_conversation(&format!("c{n}"))
                ),
            )
        } else {
            (
                200,
                format!(
                    r#"{{"data": [{{"id": "s{n}", "type": "file", "name": "d", "size": 1, "createdAt": "2026-01-01T00:00:00Z", "status": "trained", "metadata": null}}], "pagination": {{"cursor": "same", "hasMore": true, "total": 10}}}}"#
                ),
            )
        }
    })
}

#[test]
fn an_export_cut_short_by_a_repeated_cursor_fails_and_keeps_its_state() {
    let fake = repeating_server();
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.ndjson");
    let out = fake
        .cmd(&home)
        .args(["conversations", "export", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("incomplete") && err.contains("repeated"),
        "{err}"
    );
    assert!(!err.contains("Exported"), "{err}");
    assert_eq!(lines(&file).len(), 2);
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("cut.ndjson.cursor")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["cursor"], "same");
    assert_eq!(state["agent"], "a1");
    assert!(err.contains("--resume") && err.contains("-a a1"), "{err}");
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn an_all_listing_cut_short_warns_and_exits_non_zero() {
    let fake = repeating_server();
    let home = tempfile::tempdir().unwrap();
    for format in ["ndjson", "json"] {
        let out = fake
            .cmd(&home)
            .args(["sources", "list", "--all", "--format", format])
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("warning") && err.contains("incomplete"),
            "{err}"
        );
        let text = stdout_of(&out);
        if format == "json" {
            let v: Value = serde_json::from_str(&text).expect("the printed array stays valid JSON");
            assert_eq!(v.as_array().map(Vec::len), Some(2), "{text}");
        } else {
            assert_eq!(text.lines().count(), 2, "{text}");
        }
    }
}

#[test]
fn resume_refuses_another_agent_or_other_filters_and_the_hint_repeats_every_flag() {
    let emu = Emu::start();
    for q in ["How do I reset my password?", "billing", "plans"] {
        emu.cmd()
            .args(["chat", "--no-stream", "-m", q])
            .assert()
            .success();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.ndjson");
    let out = emu
        .cmd()
        .env("CHATBASE_AGENT_ID", "configured-agent")
        .args([
            "-a",
            "demo-agent",
            "conversations",
            "export",
            "--limit",
            "1",
            "--one-page",
            "--include",
            "summary",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("-a demo-agent")
            && err.contains("--resume")
            && err.contains("--include summary"),
        "the hint repeats the agent and the filters: {err}"
    );
    assert_eq!(lines(&file).len(), 1);

    // The configured agent is another one: resuming without -a must not mix it in.
    let out = emu
        .cmd()
        .env("CHATBASE_AGENT_ID", "configured-agent")
        .args([
            "conversations",
            "export",
            "--limit",
            "1",
            "--include",
            "summary",
            "--resume",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--agent demo-agent") && err.contains("configured-agent"),
        "{err}"
    );
    assert!(
        err.contains("-a demo-agent"),
        "the error shows the right command: {err}"
    );

    // Same agent, a filter dropped.
    let out = emu
        .cmd()
        .args([
            "-a",
            "demo-agent",
            "conversations",
            "export",
            "--limit",
            "1",
            "--resume",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--include summary"), "{err}");
    assert_eq!(
        lines(&file).len(),
        1,
        "nothing appended by a refused resume"
    );
    assert!(dir.path().join("demo.ndjson.cursor").exists(), "state kept");

    // The command from the hint finishes the export.
    emu.cmd()
        .env("CHATBASE_AGENT_ID", "configured-agent")
        .args([
            "-a",
            "demo-agent",
            "conversations",
            "export",
            "--limit",
            "1",
            "--include",
            "summary",
            "--resume",
            "-o",
        ])
        .arg(&file)
        .assert()
        .success();
    let ids: std::collections::HashSet<String> = lines(&file)
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(lines(&file).len(), 3);
    assert!(!dir.path().join("demo.ndjson.cursor").exists());
}

#[test]
fn resume_refuses_a_state_file_that_does_not_name_its_export() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.ndjson");
    std::fs::write(&file, "").unwrap();
    std::fs::write(dir.path().join("old.ndjson.cursor"), "some-cursor").unwrap();
    let out = emu
        .cmd()
        .args(["conversations", "export", "--resume", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("does not record which export"), "{err}");
}

#[test]
fn tables_and_tsv_show_values_this_version_does_not_know() {
    let fake = Fake::serve(|_| {
        (
            200,
            r#"{"data": [{"id": "s1", "type": "notion", "name": "Wiki", "size": 12, "createdAt": "2026-01-01T00:00:00Z", "status": "indexing", "metadata": {"kind": "new"}}], "pagination": {"cursor": null, "hasMore": false, "total": 1}}"#
                .to_owned(),
        )
    });
    let home = tempfile::tempdir().unwrap();
    for format in ["tsv", "table"] {
        let out = fake
            .cmd(&home)
            .args(["sources", "list", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        let text = stdout_of(&out);
        assert!(
            text.contains("notion") && text.contains("indexing"),
            "{text}"
        );
    }
}

/// The issue's scenario: Ctrl-C during an export to a file prints a hint that repeats `-a` and the filters.
#[test]
fn ctrl_c_during_an_export_prints_a_hint_with_every_flag() {
    let fake = Fake::serve(|target| {
        if query_param(target, "cursor").is_some() {
            // The second page never comes in time: the export is interrupted while waiting for it.
            std::thread::sleep(std::time::Duration::from_secs(20));
        }
        (
            200,
            format!(
                r#"{{"data": [{}], "pagination": {{"cursor": "c2", "hasMore": true, "total": 5}}}}"#,
                future_conversation("c1")
            ),
        )
    });
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("int.ndjson");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_chatbase"))
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("NO_COLOR", "1")
        .env("CHATBASE_API_URL", &fake.url)
        .env("CHATBASE_API_KEY", KEY)
        .env("CHATBASE_AGENT_ID", "configured-agent")
        .args([
            "-a",
            "a1",
            "conversations",
            "export",
            "--source",
            "API",
            "-o",
        ])
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::fs::read_to_string(&file).map_or(true, |t| t.lines().count() < 1)
        || !dir.path().join("int.ndjson.cursor").exists()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the first page never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: signalling the child this test spawned.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("-a a1") && err.contains("--source API") && err.contains("--resume"),
        "{err}"
    );
    assert!(err.contains(&format!("--api-url {}", fake.url)), "{err}");
}
