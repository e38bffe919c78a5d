//! Inputs that used to crash or surprise the CLI: non-UTF-8 arguments on every command, the panic hook's crash
//! report, the chat `-m` hint, profile typos, `--emulator` with a configured agent, and `sources sync` under
//! failure and concurrency.

mod common;

use chatbase_cli::argv::{ParseExit, display_name, parse_from};
use clap::CommandFactory;
use common::{Emu, bare, stderr_of, stdout_of};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

fn bad_bytes() -> OsString {
    OsString::from_vec(vec![b'x', 0xff, 0xfe, b'y'])
}

/// A value clap accepts for a positional that must come before the one under test.
fn filler(arg: &clap::Arg) -> OsString {
    match arg.get_possible_values().first() {
        Some(v) => OsString::from(v.get_name()),
        None => OsString::from("1"),
    }
}

struct Case {
    argv: Vec<OsString>,
    path: Vec<String>,
    name: String,
    id: String,
}

fn cases(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Case>) {
    let positionals: Vec<&clap::Arg> = cmd.get_positionals().collect();
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if id == "help" || id == "version" || !arg.get_action().takes_values() {
            continue;
        }
        let mut argv: Vec<OsString> = std::iter::once("chatbase".into())
            .chain(path.iter().map(OsString::from))
            .collect();
        if arg.is_positional() {
            for p in positionals
                .iter()
                .take_while(|p| p.get_id() != arg.get_id())
            {
                argv.push(filler(p));
            }
            argv.push(bad_bytes());
            // Later positionals get valid values, so a path argument can parse in full (a
            // positional may be required only in the absence of some flag, which clap does not
            // report, so every one gets a value).
            for p in positionals
                .iter()
                .skip_while(|p| p.get_id() != arg.get_id())
                .skip(1)
            {
                argv.push(filler(p));
            }
        } else {
            let flag = match arg.get_long() {
                Some(long) => format!("--{long}"),
                None => format!("-{}", arg.get_short().expect("an option has a name")),
            };
            argv.push(flag.into());
            argv.push(bad_bytes());
            for p in &positionals {
                argv.push(filler(p));
            }
        }
        out.push(Case {
            argv,
            path: path.clone(),
            name: display_name(arg),
            id: id.to_owned(),
        });
    }
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_owned());
        cases(sub, path, out);
        path.pop();
    }
}

/// The matches of the deepest subcommand on `path`.
fn leaf<'a>(m: &'a clap::ArgMatches, path: &[String]) -> &'a clap::ArgMatches {
    let mut m = m;
    for name in path {
        m = m.subcommand_matches(name).expect("subcommand matched");
    }
    m
}

#[test]
fn every_argument_of_every_command_refuses_non_utf8_by_name() {
    let mut all = Vec::new();
    cases(
        &chatbase_cli::cli::Cli::command(),
        &mut Vec::new(),
        &mut all,
    );
    assert!(
        all.len() > 150,
        "the walk found only {} arguments",
        all.len()
    );
    let mut checked_errors = 0;
    for case in &all {
        let argv = case.argv.clone();
        let result = std::panic::catch_unwind(|| parse_from(argv));
        let result = result.unwrap_or_else(|_| panic!("parsing panicked: {:?}", case.argv));
        match result {
            Err(e @ ParseExit::Usage(_)) => {
                let text = e.text();
                assert_eq!(e.exit_code(), 2, "{:?}: {text}", case.argv);
                assert!(text.contains("UTF-8"), "{:?}: {text}", case.argv);
                assert!(
                    text.contains(&case.name),
                    "{:?}: the error does not name {}: {text}",
                    case.argv,
                    case.name
                );
                checked_errors += 1;
            }
            Err(e) => panic!("{:?}: not a UTF-8 usage error: {}", case.argv, e.text()),
            // Only a path may hold arbitrary bytes, and then it must arrive intact.
            Ok(m) => {
                let m = leaf(&m, &case.path);
                let got = m
                    .try_get_one::<std::path::PathBuf>(&case.id)
                    .unwrap_or_else(|e| panic!("{:?}: accepted as a non-path ({e})", case.argv));
                assert_eq!(
                    got.map(|p| p.as_os_str().to_owned()),
                    Some(bad_bytes()),
                    "{:?}",
                    case.argv
                );
            }
        }
    }
    assert!(checked_errors > 150, "only {checked_errors} errors checked");
}

#[test]
fn non_utf8_arguments_exit_2_with_the_argument_named() {
    let home = tempfile::tempdir().unwrap();
    let ff = || OsString::from_vec(vec![0xff]);
    let runs: Vec<(Vec<OsString>, &str)> = vec![
        (vec![ff()], "argument 1"),
        (vec!["chat".into(), "-m".into(), ff()], "--message"),
        (
            vec!["config".into(), "set".into(), "agent".into(), ff()],
            "<VALUE>",
        ),
        (
            vec![
                "tickets".into(),
                "reply".into(),
                "1".into(),
                "-m".into(),
                ff(),
            ],
            "--message",
        ),
    ];
    for (args, name) in runs {
        let out = bare(&home).args(&args).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(name) && err.contains("UTF-8"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // An environment variable behind a flag is named too.
    let out = bare(&home)
        .env("CHATBASE_AGENT_ID", ff())
        .args(["config", "get", "agent"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("CHATBASE_AGENT_ID"), "{err}");
}

#[cfg(debug_assertions)]
#[test]
fn a_panic_prints_one_line_writes_a_private_crash_file_and_exits_70() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(&home)
        .env(chatbase_cli::crash::DEBUG_PANIC_ENV, "1")
        .env("RUST_BACKTRACE", "1")
        .args(["chat", "-m", "a private question"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(70), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("please report it at"), "{err}");
    assert!(
        !err.contains("panicked at") && !err.contains("backtrace"),
        "{err}"
    );
    let dir = home.path().join("state").join("chatbase");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("crash-")
        })
        .unwrap_or_else(|| panic!("no crash file in {}", dir.display()));
    assert!(err.contains(&file.display().to_string()), "{err}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let report = std::fs::read_to_string(&file).unwrap();
    for needle in [
        "message: CHATBASE_DEBUG_PANIC is set",
        "location: ",
        "backtrace:",
        env!("CARGO_PKG_VERSION"),
        "args: chatbase chat -m <redacted>",
    ] {
        assert!(report.contains(needle), "{needle:?} missing:\n{report}");
    }
    assert!(!report.contains("private question"), "{report}");
}

#[test]
fn chat_with_a_question_but_no_m_suggests_m_even_with_agent() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["chat", "-a", "some-agent", "how do I reset it"][..],
        &["chat", "how do I reset it"][..],
    ] {
        let out = bare(&home).args(args).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("chatbase chat -m 'how do I reset it'"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("cannot be used with"), "{err}");
    }
    // The global -a does not conflict with `chat retry` any more.
    let argv = [
        "chatbase",
        "chat",
        "-a",
        "x",
        "retry",
        "-c",
        "c1",
        "--message-id",
        "m1",
    ];
    assert!(parse_from(argv.iter().map(OsString::from).collect()).is_ok());
}

fn write_docs(dir: &std::path::Path, names: &[&str]) {
    for name in names {
        std::fs::write(
            dir.join(name),
            format!("{name}: a document long enough to be uploaded as a file source."),
        )
        .unwrap();
    }
}

#[test]
fn an_interrupted_sync_keeps_the_record_of_every_completed_upload() {
    use std::io::BufRead;
    let emu = Emu::with(|b| {
        b.faults(chatbase_emulator::Faults {
            latency_ms: 300,
            ..Default::default()
        })
    });
    let dir = tempfile::tempdir().unwrap();
    write_docs(dir.path(), &["a.txt", "b.txt", "c.txt"]);
    let mut child = emu
        .std_cmd()
        .args(["sources", "sync"])
        .arg(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line == "+ a.txt" {
            // Ctrl-C while b.txt is uploading.
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        }
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen:?}");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".chatbase-sync.json")).unwrap(),
    )
    .unwrap();
    assert!(
        manifest["agents"]["demo-agent"]["a.txt"]["sha256"].is_string(),
        "{manifest}"
    );
    let out = emu
        .cmd()
        .args(["sources", "sync", "--dry-run"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(err.contains("(1 unchanged)"), "{err}");
    assert!(!err.contains("~ a.txt"), "{err}");
}

#[test]
fn a_second_sync_of_the_same_folder_stops_at_the_lock() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().unwrap();
    write_docs(dir.path(), &["a.txt"]);
    let held = std::fs::File::create(dir.path().join(".chatbase-sync.lock")).unwrap();
    held.try_lock().unwrap();
    let out = emu
        .cmd()
        .args(["sources", "sync"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another `chatbase sources sync` is running"),
        "{err}"
    );
    assert!(!err.contains("+ a.txt\n"), "{err}");
    drop(held);
    emu.cmd()
        .args(["sources", "sync"])
        .arg(dir.path())
        .assert()
        .success();
}

#[test]
fn sync_takes_every_accepted_type_and_says_what_it_skipped() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().unwrap();
    write_docs(
        dir.path(),
        &[
            "a.txt",
            "b.json",
            "c.PDF",
            "notes.md",
            "table.csv",
            ".hidden.txt",
        ],
    );
    std::fs::write(dir.path().join("tiny.txt"), "too small").unwrap();
    let out = emu
        .cmd()
        .args(["sources", "sync", "--dry-run"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    for needle in [
        "+ a.txt",
        "+ b.json",
        "+ c.PDF",
        "skipped notes.md: .md files are not accepted",
        "skipped table.csv: .csv files are not accepted",
        "skipped tiny.txt: 9 bytes",
        "skipped .hidden.txt: hidden file",
    ] {
        assert!(err.contains(needle), "{needle:?} missing:\n{err}");
    }
    let help = stdout_of(
        &emu.cmd()
            .args(["sources", "sync", "--help"])
            .output()
            .unwrap(),
    );
    assert!(help.contains(".pdf .doc .docx .txt .json"), "{help}");
    assert!(!help.contains("md, csv"), "{help}");
}

#[test]
fn profile_typos_are_refused_with_the_known_profiles() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(&home)
        .args(["--profile", "typo", "config", "list"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unknown profile \"typo\"") && err.contains("known profiles: default"),
        "{err}"
    );
    // Writing to a new profile creates it, and says so.
    let out = bare(&home)
        .args(["--profile", "work", "config", "set", "agent", "agent-w"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("created profile work"));
    for (env, args) in [
        (None, &["--profile", "wrok", "config", "get", "agent"][..]),
        (Some("wrok"), &["config", "get", "agent"][..]),
        (None, &["config", "set", "default-profile", "nosuch"][..]),
    ] {
        let mut cmd = bare(&home);
        if let Some(p) = env {
            cmd.env("CHATBASE_PROFILE", p);
        }
        let out = cmd.args(args).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("known profiles: default, work"),
            "{args:?}: {err}"
        );
    }
    bare(&home)
        .args(["config", "set", "default-profile", "work"])
        .assert()
        .success();
    let out = bare(&home)
        .args(["config", "get", "agent"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out).trim(), "agent-w");
}

#[test]
fn emulator_falls_back_to_the_demo_agent_for_a_configured_agent_it_lacks() {
    let home = tempfile::tempdir().unwrap();
    bare(&home)
        .args(["config", "set", "agent", "my-production-agent"])
        .assert()
        .success();
    for env in [None, Some("env-agent")] {
        let mut cmd = bare(&home);
        if let Some(a) = env {
            cmd.env("CHATBASE_AGENT_ID", a);
        }
        let out = cmd
            .args(["--emulator", "chat", "-m", "How do I reset my password?"])
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert!(out.status.success(), "{env:?}: {err}");
        assert!(!stdout_of(&out).trim().is_empty());
        assert!(
            err.contains("using its demo agent demo-agent"),
            "{env:?}: {err}"
        );
    }
    // An explicit -a still wins, and fails when the emulator does not have it.
    let out = bare(&home)
        .args(["--emulator", "-a", "no-such-agent", "chat", "-m", "hi"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("demo agent"), "{err}");
}
