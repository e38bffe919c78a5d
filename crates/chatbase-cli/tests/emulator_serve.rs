//! `chatbase emulator serve`: the banner it prints once listening (address, storage, the key and where it
//! came from, the demo agent). The emulator library prints nothing; this pins the CLI's text. Only a binary
//! built with the `emulator` feature has the command.
#![cfg(feature = "emulator")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the server when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `chatbase emulator serve` with `args` and returns the first `n` lines it prints.
fn banner(home: &tempfile::TempDir, args: &[&str], key_env: Option<&str>, n: usize) -> Vec<String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chatbase"));
    cmd.args(["emulator", "serve", "--port", "0"])
        .args(args)
        .env_remove("CHATBASE_EMULATOR_API_KEY")
        .env_remove("CHATBASE_EMULATOR_DIR")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(k) = key_env {
        cmd.env("CHATBASE_EMULATOR_API_KEY", k);
    }
    let mut server = Server(cmd.spawn().expect("spawn chatbase"));
    let stdout = server.0.stdout.take().expect("piped stdout");
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(n)
        .map(|l| l.expect("utf-8 banner line"))
        .collect();
    assert_eq!(lines.len(), n, "banner ended early: {lines:?}");
    lines
}

fn port_of(first: &str) -> u16 {
    let addr = first
        .strip_prefix("Chatbase emulator listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    addr.parse().expect("port")
}

#[test]
fn serve_prints_address_storage_generated_key_and_demo_agent() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("emu");
    let dir_arg = dir.to_str().expect("utf-8 temp path");
    let lines = banner(&home, &["--data", dir_arg], None, 5);
    let port = port_of(&lines[0]);
    assert_ne!(port, 0);
    assert_eq!(
        lines[1],
        format!(
            "  v2 API:  http://127.0.0.1:{port}/api/v2   v1 API: http://127.0.0.1:{port}/api/v1"
        )
    );
    assert_eq!(lines[2], format!("  storage: {}", dir.display()));
    let key = std::fs::read_to_string(dir.join("api-key")).expect("key file written");
    assert!(key.starts_with("cbemu_"), "{key}");
    assert_eq!(
        lines[3],
        format!(
            "  API key: {key} (generated, saved to {})",
            dir.join("api-key").display()
        )
    );
    assert_eq!(lines[4], "  demo agent: demo-agent");
}

#[test]
fn serve_in_memory_names_a_key_from_the_environment_without_showing_it() {
    let home = tempfile::tempdir().expect("tempdir");
    let lines = banner(&home, &["--in-memory"], Some("sk-from-env"), 5);
    port_of(&lines[0]);
    assert_eq!(lines[2], "  storage: in memory");
    assert_eq!(lines[3], "  API key: from $CHATBASE_EMULATOR_API_KEY");
    assert!(
        lines.iter().all(|l| !l.contains("sk-from-env")),
        "{lines:?}"
    );
    assert_eq!(lines[4], "  demo agent: demo-agent");
}
