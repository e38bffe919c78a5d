//! `chatbase eval` end to end: the real binary against the in-process emulator (passing and failing cases,
//! multi-turn, tool calls, JUnit read back, exit codes, the cost guard, a missing agent, a bad suite).

#[path = "../common/mod.rs"]
mod common;

use common::{Emu, stderr_of, stdout_of};
use serde_json::Value;
use std::path::{Path, PathBuf};

mod baseline_and_stops;
mod html;
mod judge;
mod runs;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/evals/demo.yaml")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write suite");
    p
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout_of(out)))
}

const PASSING: &str = r#"
cases:
  - name: reset passes
    message: How do I reset my password?
    tags: [account]
    assert:
      - icontains: reset link
      - contains: Forgot password
      - regex: 'valid for \d+ minutes'
      - starts-with: Here is what I found
      - min-chars: 50
      - max-chars: 5000
      - finish-reason: stop
      - max-first-token-ms: 30000
      - max-total-ms: 60000
      - max-credits: 1
      - similar-to: {value: "Here is what I found in Resetting your password", threshold: 0.1}
      - not: {contains: "couldn't find"}
      - type: not-icontains
        value: refund
  - name: tool passes
    message: '/tool lookup_order {"order": 42, "carrier": "ups"}'
    tags: [tools]
    assert:
      - tool-called: {name: lookup_order, args: {order: 42}}
      - finish-reason: tool-calls
  - name: bare tool passes
    message: '/tool ping'
    assert:
      - tool-called: ping
  - name: two turns pass
    turns:
      - message: Where do I find my invoices?
        assert: [{icontains: invoices}]
      - message: And how do I replace my card?
        assert: [{icontains: replace card}]
"#;

const FAILING: &str = r#"
cases:
  - name: reset fails
    message: How do I reset my password?
    assert:
      - icontains: reset link
      - not-icontains: forgot password
  - name: tool fails
    message: '/tool lookup_order {"order": 42}'
    assert:
      - tool-called: {name: lookup_order, args: {order: 43}}
  - name: chars fail
    message: How do I cancel my plan?
    assert:
      - max-chars: 10
  - name: similarity fails
    message: How do I cancel my plan?
    assert:
      - similar-to: The quick brown fox jumps over the lazy dog
  - name: second turn fails
    turns:
      - message: Where do I find my invoices?
      - message: And how do I replace my card?
        assert: [{equals: "no"}]
  - name: still passes
    message: How do I reset my password?
    assert: [{icontains: password}]
"#;
