//! The project file (`chatbase.json`, found by walking up), its place in the precedence chain and its refusal of
//! secrets; `chatbase docs`; and `FORCE_COLOR` over `--no-color`/`NO_COLOR`.

mod common;

use common::{Emu, bare, stderr_of, stdout_of};
use std::path::{Path, PathBuf};

/// A project root holding `chatbase.json` with `json`, and a nested working directory below it.
fn project(json: &str) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("chatbase.json"), json).unwrap();
    let deep = root.path().join("src/nested");
    std::fs::create_dir_all(&deep).unwrap();
    (root, deep)
}

fn get_agent(emu: &Emu, cwd: &Path, extra_env: &[(&str, &str)], args: &[&str]) -> (String, String) {
    let mut cmd = bare(&emu.home);
    cmd.current_dir(cwd).env("CHATBASE_API_URL", &emu.url);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .args(args)
        .args(["config", "get", "agent", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    (
        v["value"].as_str().unwrap().to_owned(),
        v["origin"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn agent_precedence_is_flag_then_env_then_project_file_then_profile() {
    let emu = Emu::start();
    let (root, deep) = project(r#"{"agent": "project-agent"}"#);
    let set = bare(&emu.home)
        .args(["config", "set", "agent", "profile-agent"])
        .output()
        .unwrap();
    assert!(set.status.success(), "{}", stderr_of(&set));

    let (value, origin) = get_agent(&emu, &deep, &[], &[]);
    assert_eq!(value, "project-agent");
    let file = root.path().join("chatbase.json");
    assert_eq!(origin, format!("project file {}", file.display()));

    let (value, origin) = get_agent(&emu, &deep, &[("CHATBASE_AGENT_ID", "env-agent")], &[]);
    assert_eq!(
        (value.as_str(), origin.as_str()),
        ("env-agent", "env CHATBASE_AGENT_ID")
    );

    let (value, origin) = get_agent(
        &emu,
        &deep,
        &[("CHATBASE_AGENT_ID", "env-agent")],
        &["-a", "flag-agent"],
    );
    assert_eq!(
        (value.as_str(), origin.as_str()),
        ("flag-agent", "flag --agent")
    );

    // Outside the project the profile applies again.
    let elsewhere = tempfile::tempdir().unwrap();
    let (value, origin) = get_agent(&emu, elsewhere.path(), &[], &[]);
    assert_eq!(
        (value.as_str(), origin.as_str()),
        ("profile-agent", "profile default")
    );
}

#[test]
fn the_project_agent_is_the_one_commands_use() {
    let emu = Emu::start();
    let run = |cwd: &Path| {
        bare(&emu.home)
            .current_dir(cwd)
            .env("CHATBASE_API_URL", &emu.url)
            .env("CHATBASE_API_KEY", common::KEY)
            .args(["agents", "get", "--format", "json"])
            .output()
            .unwrap()
    };
    // No agent anywhere: a usage error.
    let elsewhere = tempfile::tempdir().unwrap();
    assert_eq!(run(elsewhere.path()).status.code(), Some(2));
    let (_root, deep) = project(r#"{"agent": "demo-agent"}"#);
    let out = run(&deep);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["id"], "demo-agent", "{v}");
    let (_root, deep) = project(r#"{"agent": "no-such-agent"}"#);
    let out = run(&deep);
    assert!(
        stderr_of(&out).contains("AGENT_NOT_FOUND"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_project_file_with_a_secret_is_refused_naming_the_key() {
    let emu = Emu::start();
    for (json, key) in [
        (r#"{"agent": "a", "apiKey": "cb_live_123"}"#, "apiKey"),
        (r#"{"sync": {"dir": "docs", "token": "t"}}"#, "sync.token"),
    ] {
        let (_root, deep) = project(json);
        let out = bare(&emu.home)
            .current_dir(&deep)
            .args(["config", "list"])
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("\"{key}\"")), "{err}");
        assert!(err.contains("secret"), "{err}");
        assert!(
            !err.contains("cb_live_123"),
            "the value is never echoed: {err}"
        );
    }
}

#[test]
fn config_list_shows_the_project_file_as_an_origin() {
    let emu = Emu::start();
    let (root, deep) = project(
        r#"{"agent": "project-agent", "sync": {"dir": "docs", "include": ["*.txt"]}, "eval": {"suite": "evals.yaml"}}"#,
    );
    let out = bare(&emu.home)
        .current_dir(&deep)
        .args(["config", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout_of(&out)).unwrap();
    let origin = format!(
        "project file {}",
        root.path().join("chatbase.json").display()
    );
    let row = |k: &str| {
        rows.iter()
            .find(|r| r["key"] == k)
            .unwrap_or_else(|| panic!("no {k}: {rows:?}"))
            .clone()
    };
    assert_eq!(row("agent")["origin"], origin.as_str());
    assert_eq!(
        row("sync-dir")["value"],
        root.path().join("docs").display().to_string()
    );
    assert_eq!(row("sync-include")["value"], "*.txt");
    assert_eq!(row("eval-suite")["origin"], origin.as_str());
}

#[test]
fn sync_and_eval_take_their_defaults_from_the_project_file() {
    let emu = Emu::start();
    let (root, deep) = project(
        r#"{"sync": {"dir": "docs", "include": ["*.txt"]}, "eval": {"suite": "missing-suite.yaml"}}"#,
    );
    std::fs::create_dir_all(root.path().join("docs")).unwrap();
    std::fs::write(
        root.path().join("docs/guide.txt"),
        "A guide long enough to pass the fifty byte minimum of the service.",
    )
    .unwrap();
    std::fs::write(root.path().join("docs/skip.pdf"), vec![b'x'; 100]).unwrap();
    let out = emu
        .cmd()
        .current_dir(&deep)
        .args(["sources", "sync", "--dry-run"])
        .output()
        .unwrap();
    let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("guide.txt"), "{text}");
    assert!(
        text.contains("skip.pdf") && text.contains("--include"),
        "{text}"
    );

    let out = emu
        .cmd()
        .current_dir(&deep)
        .args(["eval"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("missing-suite.yaml"), "{err}");
}

#[test]
fn docs_prints_the_url_without_a_terminal_or_with_no_input() {
    let home = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--no-input"][..]] {
        let out = bare(&home)
            .args(["docs", "sources", "sync"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert_eq!(
            stdout_of(&out),
            "https://www.chatbase.co/docs/cli/sources-sync\n"
        );
    }
    let out = bare(&home)
        .env("CHATBASE_DOCS_URL", "http://127.0.0.1:9/docs/")
        .args(["docs"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "http://127.0.0.1:9/docs\n");
}

/// `chatbase docs auth` on a pseudo-terminal with `PATH` set to `path_dir` only.
fn docs_on_a_terminal(path_dir: &Path, home: &Path, extra: &str) -> String {
    common::require_script();
    let bin = env!("CARGO_BIN_EXE_chatbase");
    // Found on the test's PATH: the child's PATH deliberately lacks it.
    let script = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("script"))
        .find(|p| p.is_file())
        .expect("script(1) on PATH");
    let out = std::process::Command::new(script)
        .args([
            "-q",
            "-e",
            "-c",
            &format!("{bin} docs auth {extra}"),
            "/dev/null",
        ])
        .env("PATH", path_dir)
        .env("SHELL", "/bin/sh")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("NO_COLOR", "1")
        .env_remove("CHATBASE_DOCS_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(out.status.success(), "{text}");
    text
}

#[test]
fn docs_on_a_terminal_uses_the_opener_and_prints_the_url_when_there_is_none() {
    let home = tempfile::tempdir().unwrap();
    // No opener on PATH: the URL is printed.
    let empty = tempfile::tempdir().unwrap();
    let text = docs_on_a_terminal(empty.path(), home.path(), "");
    assert!(
        text.contains("https://www.chatbase.co/docs/cli/auth"),
        "{text}"
    );
    assert!(!text.contains("Opened"), "{text}");

    // A stand-in opener records what it was asked to open (no browser ever starts in a test).
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::PermissionsExt;
        let bin = tempfile::tempdir().unwrap();
        let log = bin.path().join("opened.txt");
        let opener = bin.path().join("xdg-open");
        std::fs::write(
            &opener,
            format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", log.display()),
        )
        .unwrap();
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
        let text = docs_on_a_terminal(bin.path(), home.path(), "");
        assert!(
            text.contains("Opened https://www.chatbase.co/docs/cli/auth"),
            "{text}"
        );
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "https://www.chatbase.co/docs/cli/auth"
        );
        // --no-input never opens anything, terminal or not.
        std::fs::remove_file(&log).unwrap();
        let text = docs_on_a_terminal(bin.path(), home.path(), "--no-input");
        assert!(
            text.contains("https://www.chatbase.co/docs/cli/auth"),
            "{text}"
        );
        assert!(!log.exists());
    }
}

#[test]
fn force_color_beats_no_color_and_the_flag_and_zero_does_not_force() {
    let home = tempfile::tempdir().unwrap();
    // No key: the error is rendered on stderr, in red when colour is on. `bare` sets NO_COLOR=1.
    let run = |force: Option<&str>, flag: bool| {
        let mut cmd = bare(&home);
        if let Some(f) = force {
            cmd.env("FORCE_COLOR", f);
        }
        if flag {
            cmd.arg("--no-color");
        }
        let out = cmd.args(["agents", "list"]).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
        stderr_of(&out).contains('\u{1b}')
    };
    assert!(
        run(Some("1"), true),
        "FORCE_COLOR=1 over --no-color and NO_COLOR"
    );
    assert!(run(Some("true"), false));
    assert!(!run(Some("0"), false));
    assert!(!run(Some(""), true));
    assert!(!run(None, false));
}
