//! Agents and sources: CRUD, name resolution, source kinds, sync plans and upload rules.

use super::*;

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
