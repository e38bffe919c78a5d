//! Test harness: an emulator running inside the test process, and `chatbase` commands pointed at it with an
//! isolated HOME/XDG layout, so no test reads the developer's config or touches the network.

#![allow(dead_code)]

use chatbase_emulator::{Emulator, EmulatorBuilder, RunningEmulator};
use std::time::Duration;

pub const KEY: &str = "cbtest_0123456789abcdefSECRET";

pub struct Emu {
    pub url: String,
    server: Option<RunningEmulator>,
    rt: tokio::runtime::Runtime,
    pub home: tempfile::TempDir,
}

impl Emu {
    pub fn start() -> Self {
        Self::with(|b| b)
    }

    /// An emulator whose chat streams send `after_events` events, then go silent for `ms` milliseconds.
    pub fn stalling(after_events: usize, ms: u64) -> Self {
        Self::with(|b| {
            b.faults(chatbase_emulator::Faults {
                stall: Some(chatbase_emulator::StallFault {
                    after_events,
                    duration_ms: ms,
                }),
                ..Default::default()
            })
        })
    }

    pub fn with(f: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let builder = Emulator::builder()
            .in_memory()
            .api_key(KEY)
            .rate_limit(None)
            .stream_delay(Duration::ZERO);
        let server = rt.block_on(f(builder).start()).unwrap();
        Emu {
            url: server.base_url(),
            server: Some(server),
            rt,
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// `chatbase` with the emulator's URL and key in the environment and the demo agent selected.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = bare(&self.home);
        c.env("CHATBASE_API_URL", &self.url)
            .env("CHATBASE_API_KEY", KEY)
            .env("CHATBASE_AGENT_ID", "demo-agent");
        c
    }

    /// Same as `cmd` for a `std::process::Command` (for tests that read output while the child runs).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_chatbase"));
        isolate_std(&mut c, &self.home);
        c.env("CHATBASE_API_URL", &self.url)
            .env("CHATBASE_API_KEY", KEY)
            .env("CHATBASE_AGENT_ID", "demo-agent");
        c
    }
}

impl Emu {
    /// Calls the emulator's admin API (`/_emulator/…`) with its key; fails the test on an error status.
    pub fn admin(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let client = chatbase::Client::builder()
            .api_key(KEY)
            .api_url(&self.url)
            .build()
            .unwrap();
        let method = chatbase::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = client
            .request(method, &format!("{}{path}", self.url))
            .max_retries(0);
        if let Some(b) = body {
            req = req.json(b);
        }
        self.rt
            .block_on(req.send())
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

const CLEARED: &[&str] = &[
    "CHATBASE_API_KEY",
    "CHATBASE_API_KEY_FILE",
    "CHATBASE_API_URL",
    "CHATBASE_AGENT_ID",
    "CHATBASE_PROFILE",
    "CHATBASE_TIMEOUT",
    "CHATBASE_STREAM_IDLE_TIMEOUT",
    "CHATBASE_STREAM_EVENT_TIMEOUT",
    "CHATBASE_STREAM_DEADLINE",
    "CHATBASE_LOG",
    "CHATBASE_FILES_URL",
    "CHATBASE_EMULATOR_DIR",
    "CHATBASE_CONFIG_DIR",
    "COLUMNS",
    "FORCE_COLOR",
    "CHATBASE_DOCS_URL",
    "CHATBASE_HISTORY_FILE",
];

/// `chatbase` with an isolated home and no inherited Chatbase settings.
pub fn bare(home: &tempfile::TempDir) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_chatbase"));
    for v in CLEARED {
        c.env_remove(v);
    }
    c.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("NO_COLOR", "1");
    c
}

fn isolate_std(c: &mut std::process::Command, home: &tempfile::TempDir) {
    for v in CLEARED {
        c.env_remove(v);
    }
    c.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("NO_COLOR", "1");
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Panics unless `script(1)` (util-linux, in Debian's essential `bsdutils`) can run: the terminal
/// tests drive the CLI through it, and a test that skipped itself would pass having checked nothing.
pub fn require_script() {
    if let Err(e) = std::process::Command::new("script")
        .arg("--version")
        .output()
    {
        panic!("script(1) is required for the terminal tests (Debian package bsdutils): {e}");
    }
}
