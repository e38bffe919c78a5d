//! Chat, conversations, messages, users, export and paging every list.

use super::*;

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
