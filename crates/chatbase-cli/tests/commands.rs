//! The real `chatbase` binary against an in-process emulator, one test per command group.

mod common;

use common::{Emu, KEY, stderr_of, stdout_of};
use predicates::prelude::*;
use serde_json::Value;

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout_of(out)))
}

#[test]
fn agents_create_get_update_delete() {
    let emu = Emu::start();
    let out = emu
        .cmd()
        .args(["agents", "create", "--name", "Docs bot", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let id = stdout_of(&out).trim().to_owned();
    assert!(
        !id.is_empty() && !id.contains(char::is_whitespace),
        "bare id expected, got {id:?}"
    );

    let got = emu
        .cmd()
        .args(["agents", "get", &id, "--json"])
        .output()
        .unwrap();
    assert!(got.status.success(), "{}", stderr_of(&got));
    assert_eq!(
        json_of(&got)["name"]
            .as_str()
            .or(json_of(&got)["data"]["name"].as_str()),
        Some("Docs bot")
    );

    emu.cmd()
        .args(["agents", "update", &id, "--name", "Renamed"])
        .assert()
        .success();
    emu.cmd()
        .args(["agents", "list", "--format", "tsv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("id\tname\t"))
        .stdout(predicate::str::contains("Renamed"));

    // Destructive: refused without confirmation when not on a terminal.
    emu.cmd()
        .args(["agents", "delete", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--confirm"));
    emu.cmd()
        .args(["agents", "delete", &id, "--confirm", "wrong"])
        .assert()
        .code(2);
    emu.cmd()
        .args(["agents", "delete", &id, "--confirm", &id])
        .assert()
        .success();
    emu.cmd()
        .args(["agents", "get", &id])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("(AGENT_NOT_FOUND)"))
        .stderr(predicate::str::contains("request id:"));
}

#[test]
fn agent_name_resolves_by_listing() {
    let emu = Emu::start();
    emu.cmd()
        .env_remove("CHATBASE_AGENT_ID")
        .args([
            "--agent-name",
            "Acme Help Center",
            "sources",
            "summary",
            "--json",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("→ demo-agent"));
    emu.cmd()
        .env_remove("CHATBASE_AGENT_ID")
        .args(["--agent-name", "No Such Agent", "sources", "list"])
        .assert()
        .code(2);
}

#[test]
fn sources_text_qna_file_and_tsv_escaping() {
    let emu = Emu::start();
    let out = emu
        .cmd()
        .args([
            "sources",
            "create",
            "--type",
            "text",
            "--name",
            "tab\there",
            "--content",
            "Some text about refunds and returns.",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text_id = stdout_of(&out).trim().to_owned();

    emu.cmd()
        .args([
            "sources",
            "create",
            "--type",
            "qna",
            "--name",
            "Refunds",
            "--question",
            "Can I get a refund?",
            "--answer",
            "Yes, within 30 days.",
        ])
        .assert()
        .success();
    // A Q&A source without a name is refused before any request.
    emu.cmd()
        .args(["sources", "create", "--type", "qna", "--question", "q"])
        .assert()
        .code(2);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("guide.txt");
    std::fs::write(&file, "A guide to the product. ".repeat(10)).unwrap();
    emu.cmd()
        .args(["sources", "create", "--file"])
        .arg(&file)
        .args(["-q"])
        .assert()
        .success();

    let list = emu
        .cmd()
        .args(["sources", "list", "--limit", "100"])
        .output()
        .unwrap();
    let text = stdout_of(&list);
    assert!(text.starts_with("id\ttype\tname\t"), "{text}");
    assert!(text.contains("tab\\there"), "tab must be escaped: {text}");
    assert!(text.contains("guide.txt"), "{text}");
    for line in text.lines() {
        assert_eq!(line.split('\t').count(), 6, "fixed columns: {line:?}");
    }

    emu.cmd()
        .args(["sources", "get", &text_id, "--json"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "sources",
            "update",
            &text_id,
            "--content",
            "Updated text about refunds.",
        ])
        .assert()
        .success();
    emu.cmd()
        .args(["sources", "summary"])
        .assert()
        .success()
        .stdout(predicate::str::contains("texts"));
    emu.cmd()
        .args(["sources", "delete", &text_id])
        .assert()
        .code(2);
    emu.cmd()
        .args(["sources", "delete", &text_id, "--yes"])
        .assert()
        .success();
}

#[test]
fn sources_sync_plans_with_hashes_and_needs_yes_to_delete() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.txt"),
        "Alpha document with enough bytes to upload. ".repeat(3),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/b.txt"),
        "Beta document with enough bytes to upload. ".repeat(3),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("notes.md"),
        "not in scope by default, long enough to count.",
    )
    .unwrap();

    emu.cmd()
        .args(["sources", "sync", "--dry-run"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("+ a.txt"))
        .stderr(predicate::str::contains("+ sub/b.txt"))
        .stderr(predicate::str::contains("+ notes.md").not())
        .stderr(predicate::str::contains(
            "skipped notes.md: .md files are not accepted",
        ));
    emu.cmd()
        .args(["sources", "sync"])
        .arg(dir.path())
        .assert()
        .success();
    emu.cmd()
        .args(["sources", "sync", "--dry-run"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("(2 unchanged)"));

    // Same size, different content: still seen as a change.
    std::fs::write(
        dir.path().join("a.txt"),
        "ALPHA document with enough bytes to upload. ".repeat(3),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("sub/b.txt")).unwrap();
    emu.cmd()
        .args(["sources", "sync", "--dry-run"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("~ a.txt"))
        .stderr(predicate::str::contains("- sub/b.txt"));
    emu.cmd()
        .args(["sources", "sync"])
        .arg(dir.path())
        .assert()
        .code(2);
    emu.cmd()
        .args(["sources", "sync", "--yes"])
        .arg(dir.path())
        .assert()
        .success();
    let list = emu
        .cmd()
        .args(["sources", "list", "--type", "file"])
        .output()
        .unwrap();
    let text = stdout_of(&list);
    let b_line = text.lines().find(|l| l.contains("sub/b.txt")).unwrap_or("");
    assert!(
        b_line.is_empty() || b_line.contains("toBeDeleted"),
        "{text}"
    );
    emu.cmd()
        .args(["sources", "sync", "--dry-run"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "+0 to create  ~0 to update  -0 to delete  (1 unchanged)",
        ));
}

#[test]
fn chat_one_shot_stdin_no_stream_json_and_ndjson() {
    let emu = Emu::start();
    let out = emu
        .cmd()
        .args(["chat", "-m", "How do I reset my password?"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).to_lowercase().contains("password"),
        "{}",
        stdout_of(&out)
    );
    assert!(
        stderr_of(&out).contains("--conversation"),
        "resume hint: {}",
        stderr_of(&out)
    );

    emu.cmd()
        .arg("chat")
        .write_stdin("How do I enable two-factor authentication?\n")
        .assert()
        .success()
        .stdout(predicate::str::is_empty().not());
    emu.cmd().arg("chat").write_stdin("   \n").assert().code(2);

    emu.cmd()
        .args(["chat", "--no-stream", "-m", "How do I reset my password?"])
        .assert()
        .success();
    let j = emu
        .cmd()
        .args(["chat", "--json", "-m", "How do I reset my password?"])
        .output()
        .unwrap();
    let v = json_of(&j);
    assert!(v["data"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    let conv = v["data"]["conversationId"].as_str().unwrap().to_owned();
    let message_id = v["data"]["messageId"].as_str().unwrap().to_owned();

    let nd = emu
        .cmd()
        .args([
            "chat",
            "--format",
            "ndjson",
            "-m",
            "billing",
            "--conversation",
            &conv,
        ])
        .output()
        .unwrap();
    assert!(nd.status.success(), "{}", stderr_of(&nd));
    let types: Vec<String> = stdout_of(&nd)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["type"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert!(types.iter().any(|t| t == "text-delta"), "{types:?}");
    assert!(types.iter().any(|t| t == "finish"), "{types:?}");

    let _ = message_id;
    let last = emu
        .cmd()
        .args(["chat", "--json", "-m", "plans", "--conversation", &conv])
        .output()
        .unwrap();
    let last_id = json_of(&last)["data"]["messageId"]
        .as_str()
        .unwrap()
        .to_owned();
    emu.cmd()
        .args([
            "chat",
            "retry",
            "--conversation",
            &conv,
            "--message-id",
            &last_id,
        ])
        .assert()
        .success()
        .stdout(predicate::str::is_empty().not());
}

#[test]
fn chat_shows_client_tool_calls_with_a_hint() {
    let emu = Emu::start();
    emu.cmd()
        .args(["chat", "-m", "/tool lookup_order {\"orderId\":\"A-1\"}"])
        .assert()
        .success()
        .stderr(predicate::str::contains("[tool call] lookup_order"))
        .stderr(predicate::str::contains("conversations tool-result"));
}

#[test]
fn conversations_messages_users_and_export() {
    let emu = Emu::start();
    let j = emu
        .cmd()
        .args([
            "chat",
            "--json",
            "--user-id",
            "user-7",
            "-m",
            "How do I reset my password?",
        ])
        .output()
        .unwrap();
    let v = json_of(&j);
    let conv = v["data"]["conversationId"].as_str().unwrap().to_owned();
    let msg = v["data"]["messageId"].as_str().unwrap().to_owned();

    emu.cmd()
        .args(["conversations", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains(&conv));
    emu.cmd()
        .args(["conversations", "get", &conv, "--json"])
        .assert()
        .success();
    emu.cmd()
        .args(["users", "conversations", "user-7"])
        .assert()
        .success()
        .stdout(predicate::str::contains(&conv));
    emu.cmd()
        .args(["messages", "list", "-c", &conv])
        .assert()
        .success()
        .stdout(predicate::str::contains("assistant"));
    emu.cmd()
        .args([
            "messages", "feedback", &msg, "-c", &conv, "--rating", "positive",
        ])
        .assert()
        .success();
    emu.cmd()
        .args(["conversations", "pause", &conv])
        .assert()
        .success();
    emu.cmd()
        .args(["conversations", "resume", &conv])
        .assert()
        .success();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.ndjson");
    emu.cmd()
        .args(["conversations", "export", "-o"])
        .arg(&file)
        .assert()
        .success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains(&conv));
    assert!(
        !dir.path().join("export.ndjson.cursor").exists(),
        "a finished export leaves no cursor file"
    );
    emu.cmd()
        .args(["conversations", "export", "--resume", "-o"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to resume"));
}

#[test]
fn list_all_streams_every_page() {
    let emu = Emu::start();
    for i in 0..12 {
        emu.cmd()
            .args([
                "sources",
                "create",
                "--type",
                "text",
                "--name",
                &format!("doc {i}"),
                "--content",
                "content text here",
            ])
            .assert()
            .success();
    }
    let out = emu
        .cmd()
        .args([
            "sources", "list", "--all", "--limit", "5", "--format", "ndjson",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().count(), 19, "12 created + 7 seeded");
    let json = emu
        .cmd()
        .args(["sources", "list", "--all", "--limit", "5", "--json"])
        .output()
        .unwrap();
    assert_eq!(json_of(&json).as_array().unwrap().len(), 19);
    let capped = emu
        .cmd()
        .args([
            "sources",
            "list",
            "--all",
            "--limit",
            "5",
            "--max-items",
            "7",
            "--format",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&capped).lines().count(), 7);
    // One page: a hint on stderr names the next cursor.
    emu.cmd()
        .args(["sources", "list", "--limit", "5"])
        .assert()
        .success()
        .stderr(predicate::str::contains("--cursor"));
}

#[test]
fn tickets_and_helpdesk() {
    let emu = Emu::start();
    let out = emu
        .cmd()
        .args([
            "tickets",
            "create",
            "--subject",
            "Cannot log in",
            "--description",
            "Reset link expired",
            "--customer-email",
            "ann@example.com",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let n = stdout_of(&out).trim().to_owned();
    assert!(
        n.parse::<u64>().is_ok(),
        "ticket number expected, got {n:?}"
    );
    emu.cmd()
        .args(["tickets", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Cannot log in"));
    emu.cmd()
        .args(["tickets", "get", &n, "--json"])
        .assert()
        .success();
    emu.cmd()
        .args(["tickets", "update", &n, "--priority", "high"])
        .assert()
        .success();
    emu.cmd()
        .args(["tickets", "reply", &n, "-m", "We sent a new link."])
        .assert()
        .success();
    emu.cmd()
        .args(["tickets", "messages", &n])
        .assert()
        .success()
        .stdout(predicate::str::contains("new link"));
    emu.cmd()
        .args(["tickets", "search", "log in"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "tickets",
            "list",
            "--sort-by",
            "created-at",
            "--order",
            "asc",
            "--include-total",
        ])
        .assert()
        .success();
    emu.cmd()
        .args(["helpdesk", "statuses"])
        .assert()
        .success()
        .stdout(predicate::str::contains("on_customer"));
    emu.cmd()
        .args(["helpdesk", "teams"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Support"));
}

#[test]
fn whatsapp_voice_health_and_api() {
    let emu = Emu::start();
    emu.cmd()
        .args(["whatsapp", "templates"])
        .assert()
        .success()
        .stdout(predicate::str::contains("order_update"));
    emu.cmd()
        .args(["voice", "start", "--json"])
        .assert()
        .success();
    emu.cmd()
        .args(["health"])
        .assert()
        .success()
        .stderr(predicate::str::contains("API is up"));
    // Health needs no key.
    emu.cmd()
        .env_remove("CHATBASE_API_KEY")
        .args(["health", "--json"])
        .assert()
        .success();
    emu.cmd()
        .args(["api", "GET", "/agents/demo-agent/sources/summary"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"texts\""));
    emu.cmd()
        .args([
            "api",
            "POST",
            "/agents/demo-agent/sources",
            "-f",
            "type=text",
            "-f",
            "name=via api",
            "-f",
            "content=hello there",
        ])
        .assert()
        .success();
    emu.cmd()
        .args(["api", "GET", "/api/v1/get-chatbots"])
        .assert()
        .success()
        .stdout(predicate::str::contains("demo-agent"));
    emu.cmd()
        .args(["api", "GET", "/agents/nope-agent"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error:"));
}

#[test]
fn v1_chatbots_chat_contacts_attributes() {
    let emu = Emu::start();
    emu.cmd()
        .args(["v1", "chatbots", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("demo-agent"));
    emu.cmd()
        .args([
            "v1",
            "chat",
            "--chatbot",
            "demo-agent",
            "-m",
            "How do I reset my password?",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("assword"));
    emu.cmd()
        .args(["v1", "conversations", "list", "--chatbot", "demo-agent"])
        .assert()
        .success();
    emu.cmd()
        .args(["v1", "leads", "list", "--chatbot", "demo-agent"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "v1",
            "attributes",
            "create",
            "--chatbot",
            "demo-agent",
            "--name",
            "plan",
            "--type",
            "text",
            "--label",
            "Plan",
        ])
        .assert()
        .success();
    emu.cmd()
        .args(["v1", "attributes", "list", "--chatbot", "demo-agent"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "v1",
            "contacts",
            "create",
            "--chatbot",
            "demo-agent",
            "--data",
            r#"[{"external_id":"c-1","name":"Ann","email":"ann@example.com"}]"#,
        ])
        .assert()
        .success();
    let list = emu
        .cmd()
        .args([
            "v1",
            "contacts",
            "list",
            "--chatbot",
            "demo-agent",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", stderr_of(&list));
    let v = json_of(&list);
    let id = v["data"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_owned();
    emu.cmd()
        .args(["v1", "contacts", "get", &id, "--chatbot", "demo-agent"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "v1",
            "contacts",
            "update",
            &id,
            "--chatbot",
            "demo-agent",
            "-f",
            "name=Ann B",
        ])
        .assert()
        .success();
    emu.cmd()
        .args([
            "v1",
            "contacts",
            "delete",
            &id,
            "--chatbot",
            "demo-agent",
            "--yes",
        ])
        .assert()
        .success();
    let created = emu
        .cmd()
        .args([
            "v1",
            "chatbots",
            "create",
            "--name",
            "Legacy",
            "--source-text",
            "Legacy bot knowledge.",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", stderr_of(&created));
}

#[cfg(feature = "emulator")]
#[test]
fn in_process_emulator_answers_the_readme_question() {
    let home = tempfile::tempdir().unwrap();
    common::bare(&home)
        .env("CHATBASE_EMULATOR_DIR", ":memory:")
        .args(["--emulator", "chat", "-m", "How do I reset my password?"])
        .assert()
        .success()
        .stdout(predicate::str::contains("assword"));
}

#[cfg(feature = "emulator")]
#[test]
fn in_process_emulator_keeps_state_between_runs() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("emu");
    let out = common::bare(&home)
        .env("CHATBASE_EMULATOR_DIR", &data)
        .args([
            "--emulator",
            "sources",
            "create",
            "--type",
            "text",
            "--name",
            "Persistent",
            "--content",
            "kept between runs",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    common::bare(&home)
        .env("CHATBASE_EMULATOR_DIR", &data)
        .args(["--emulator", "sources", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Persistent"));
}

#[test]
fn key_never_appears_in_output() {
    let emu = Emu::start();
    let runs: Vec<Vec<&str>> = vec![
        vec!["-v", "agents", "list"],
        vec!["-v", "chat", "-m", "hello"],
        vec!["config", "list"],
        vec!["auth", "status"],
        vec!["-v", "api", "GET", "/agents", "-i"],
        vec!["agents", "get", "missing-agent"],
    ];
    for args in runs {
        let out = emu
            .cmd()
            .env("CHATBASE_LOG", "trace")
            .args(&args)
            .output()
            .unwrap();
        let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
        assert!(!all.contains(KEY), "{args:?} leaked the key:\n{all}");
        assert!(
            !all.contains("0123456789abcdef"),
            "{args:?} leaked part of the key"
        );
    }
    // A rejected key is not echoed either.
    let out = emu
        .cmd()
        .env("CHATBASE_API_KEY", "wrong-key-SHOULD-NOT-PRINT")
        .args(["agents", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(!stderr_of(&out).contains("SHOULD-NOT-PRINT"));
}

#[test]
fn export_resumes_from_the_saved_cursor() {
    let emu = Emu::start();
    for q in ["How do I reset my password?", "billing", "plans"] {
        emu.cmd()
            .args(["chat", "--no-stream", "-m", q])
            .assert()
            .success();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.ndjson");
    // Stop after the first page: the cursor is kept beside the file.
    emu.cmd()
        .args([
            "conversations",
            "export",
            "--limit",
            "1",
            "--one-page",
            "-o",
        ])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 1);
    assert!(dir.path().join("all.ndjson.cursor").exists());
    emu.cmd()
        .args(["conversations", "export", "--limit", "1", "--resume", "-o"])
        .arg(&file)
        .assert()
        .success();
    let text = std::fs::read_to_string(&file).unwrap();
    let ids: std::collections::HashSet<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 3, "every conversation exactly once: {text}");
    assert_eq!(text.lines().count(), 3);
    assert!(!dir.path().join("all.ndjson.cursor").exists());
}

#[test]
fn sources_sync_defaults_follow_the_service_upload_rules() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("faq.json"),
        r#"{"q": "Can I return an item?", "a": "Within thirty days."}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("tiny.txt"), "too small").unwrap();
    std::fs::write(
        dir.path().join("notes.md"),
        "Markdown is not a file type the service accepts for uploads.",
    )
    .unwrap();
    emu.cmd()
        .args(["sources", "sync", "--dry-run"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("+ faq.json"))
        .stderr(predicate::str::contains("+ tiny.txt").not())
        .stderr(predicate::str::contains("skipped tiny.txt: 9 bytes"))
        .stderr(predicate::str::contains("+ notes.md").not())
        .stderr(predicate::str::contains(
            "skipped notes.md: .md files are not accepted as sources",
        ));
    emu.cmd()
        .args(["sources", "sync"])
        .arg(dir.path())
        .assert()
        .success();
}

#[test]
fn tickets_reply_offers_only_what_the_contract_accepts() {
    // createTicketMessage takes `type: reply` only, so there is no --note to offer.
    let emu = Emu::start();
    emu.cmd()
        .args(["tickets", "reply", "1", "-m", "hi", "--note"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--note"));
}
