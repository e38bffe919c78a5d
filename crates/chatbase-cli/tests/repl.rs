//! The interactive chat session, driven through a pseudo-terminal (`script`): slash commands, and Ctrl-C that
//! cancels the answer in progress while the session goes on.

mod common;

use common::{Emu, KEY};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Session {
    child: Child,
    out: Arc<Mutex<String>>,
}

impl Session {
    fn start(emu: &Emu) -> Session {
        common::require_script();
        let bin = env!("CARGO_BIN_EXE_chatbase");
        // `exec`: without it a shell that does not exec its last command (dash, /bin/sh when SHELL is unset) sits
        // between script and chatbase, dies of the SIGINT itself, and script reports 130 for it.
        let mut child = Command::new("script")
            .args([
                "-q",
                "-e",
                "-c",
                &format!("exec '{}' chat", bin.replace('\'', r"'\''")),
                "/dev/null",
            ])
            .env("SHELL", "/bin/sh")
            .env("CHATBASE_API_URL", &emu.url)
            .env("CHATBASE_API_KEY", KEY)
            .env("CHATBASE_AGENT_ID", "demo-agent")
            .env("HOME", emu.home.path())
            .env("XDG_CONFIG_HOME", emu.home.path())
            .env("XDG_STATE_HOME", emu.home.path().join("state"))
            .env_remove("CHATBASE_HISTORY_FILE")
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Session { child, out }
    }

    fn send(&mut self, text: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits until the output (after `from`) contains `needle`; returns the output length at that point.
    fn wait_for(&self, needle: &str, from: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            {
                let out = self.out.lock().unwrap();
                if let Some(i) = out[from.min(out.len())..].find(needle) {
                    return from + i + needle.len();
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {needle:?} in:\n{out}"
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let out = self.out.lock().unwrap().clone();
        (status.code(), out)
    }
}

#[test]
fn slash_commands_work_in_the_interactive_session() {
    let emu = Emu::start();
    let mut s = Session::start(&emu);
    let at = s.wait_for("> ", 0);
    s.send("/id\n");
    let at = s.wait_for("no conversation yet", at);
    s.send("How do I reset my password?\n");
    let at = s.wait_for("Sources:", at);
    let at = s.wait_for("> ", at);
    s.send("/id\n");
    let at = s.wait_for("-", at);
    s.send("/new\n");
    let at = s.wait_for("new conversation", at);
    s.send("/exit\n");
    let (code, out) = s.finish();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.len() > at);

    // What was typed is kept for the next session, readable by the owner only.
    let history = emu.home.path().join("state/chatbase/chat_history");
    let text = std::fs::read_to_string(&history).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["/id", "How do I reset my password?", "/id", "/new", "/exit"]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&history).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_the_answer_but_not_the_session() {
    let emu = Emu::stalling(4, 30_000);
    let mut s = Session::start(&emu);
    let at = s.wait_for("> ", 0);
    s.send("How do I reset my password?\n");
    let at = s.wait_for("Here", at);
    // ETX on the terminal: the line discipline turns it into SIGINT for the foreground process.
    s.send("\x03");
    let at = s.wait_for("cancelled", at);
    let at = s.wait_for("> ", at);
    s.send("/exit\n");
    let (code, out) = s.finish();
    assert_eq!(
        code,
        Some(0),
        "the session ends normally after a cancelled answer:\n{out}"
    );
    assert!(out.len() >= at);
}

#[test]
fn lines_typed_while_an_answer_streams_are_all_sent_in_order() {
    let emu = Emu::with(|b| b.stream_delay(Duration::from_millis(40)));
    let mut s = Session::start(&emu);
    let at = s.wait_for("> ", 0);
    s.send("How do I reset my password?\n");
    let at = s.wait_for("Here", at);
    // Typed during the answer: both must be sent, in this order, after it.
    s.send("What about billing?\nAnd refunds?\n");
    let at = s.wait_for("> And refunds?", at);
    let at = s.wait_for("Sources:", at);
    let at = s.wait_for("> ", at);
    s.send("/id\n");
    s.send("/exit\n");
    let (code, out) = s.finish();
    assert_eq!(code, Some(0), "{out}");
    let conv = out[at..]
        .split_whitespace()
        .find(|w| w.len() > 8 && !w.starts_with('/'))
        .unwrap_or_else(|| panic!("no conversation id after /id in:\n{out}"))
        .to_owned();
    let listed = emu
        .cmd()
        .args([
            "messages", "list", "-c", &conv, "--all", "--format", "ndjson",
        ])
        .output()
        .unwrap();
    let users: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["role"] == "user")
        .map(|m| {
            m["parts"][0]["text"]
                .as_str()
                .or(m["content"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        users,
        [
            "How do I reset my password?",
            "What about billing?",
            "And refunds?"
        ],
        "user messages: {users:?}\n{out}"
    );
}
