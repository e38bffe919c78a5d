//! The in-process emulator, its state between runs, key hygiene and export resume.

use super::*;

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
