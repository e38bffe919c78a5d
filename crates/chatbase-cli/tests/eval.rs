//! `chatbase eval` end to end: the real binary against the in-process emulator (passing and failing cases,
//! multi-turn, tool calls, JUnit read back, exit codes, the cost guard, a missing agent, a bad suite).

mod common;

use common::{Emu, stderr_of, stdout_of};
use serde_json::Value;
use std::path::{Path, PathBuf};

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

#[test]
fn the_example_suite_passes_offline_and_its_junit_reads_back() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("report.xml");
    let md = dir.path().join("report.md");
    let out = emu
        .cmd()
        .arg("eval")
        .arg(example())
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&md)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    assert_eq!(report.tests, 4);
    assert_eq!(report.failures, 0);
    let suite = &report.test_suites[0];
    assert_eq!(suite.name.as_str(), "demo");
    let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "password reset",
            "cancel the plan",
            "invoices, then the card",
            "order lookup calls the client action"
        ]
    );
    let markdown = std::fs::read_to_string(&md).expect("markdown written");
    assert!(markdown.contains("4 of 4 cases passed"), "{markdown}");
}

#[test]
fn every_kind_passes_in_a_passing_suite_with_turns_and_tools() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "pass.yaml", PASSING);
    let out = emu
        .cmd()
        .args(["--json", "eval"])
        .arg(&suite)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let report = json_of(&out);
    assert_eq!(report["summary"]["passed"], 4, "{report:#}");
    let cases = report["cases"].as_array().expect("cases");
    let reset = &cases[0]["runs"][0]["turns"][0];
    assert!(
        reset["answer"]["text"]
            .as_str()
            .expect("text")
            .contains("reset link")
    );
    assert_eq!(reset["answer"]["credits"], 1.0);
    assert!(reset["answer"]["first_token_ms"].is_u64());
    assert_eq!(reset["assertions"].as_array().expect("list").len(), 13);
    let tool = &cases[1]["runs"][0]["turns"][0]["answer"];
    assert_eq!(tool["tool_calls"][0]["name"], "lookup_order");
    assert_eq!(tool["tool_calls"][0]["input"]["carrier"], "ups");
    // Both turns of the conversation ran on the same server-side conversation.
    let turns = cases[3]["runs"][0]["turns"].as_array().expect("turns");
    assert_eq!(turns.len(), 2);
    let conv = turns[0]["answer"]["conversation_id"]
        .as_str()
        .expect("conversation id");
    assert_eq!(turns[1]["answer"]["conversation_id"], conv);
    let listed = emu
        .cmd()
        .args(["--json", "conversations", "get", conv])
        .output()
        .expect("get conversation");
    let text = stdout_of(&listed);
    assert!(text.contains("Where do I find my invoices?"), "{text}");
    assert!(text.contains("And how do I replace my card?"), "{text}");
    assert_eq!(cases[3]["credits"], 2.0);
}

#[test]
fn failing_cases_exit_1_with_the_failed_assertion_and_a_snippet() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "fail.yaml", FAILING);
    let junit = dir.path().join("junit.xml");
    let json = dir.path().join("report.json");
    let out = emu
        .cmd()
        .args(["--format", "tsv", "eval", "--jobs", "3"])
        .arg(&suite)
        .arg("--junit")
        .arg(&junit)
        .arg("--json-report")
        .arg(&json)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let table = stdout_of(&out);
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name}: {table}"))
            .to_owned()
    };
    assert!(
        row("reset fails").contains("not icontains \"forgot password\""),
        "{table}"
    );
    assert!(
        row("reset fails").contains("Forgot password?"),
        "snippet missing: {table}"
    );
    assert!(
        row("tool fails").contains("lookup_order was called with"),
        "{table}"
    );
    assert!(row("chars fail").contains("at most 10 allowed"), "{table}");
    assert!(row("similarity fails").contains("similarity"), "{table}");
    assert!(
        row("second turn fails").contains("turn 2: equals"),
        "{table}"
    );
    assert!(row("still passes").contains("\tpass\t"), "{table}");
    assert!(
        stderr_of(&out).contains("5 of 6 cases did not pass"),
        "{}",
        stderr_of(&out)
    );

    let xml = std::fs::read_to_string(&junit).expect("junit written");
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    assert_eq!(report.tests, 6);
    assert_eq!(report.failures, 5);
    let suite = &report.test_suites[0];
    let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "reset fails",
            "tool fails",
            "chars fail",
            "similarity fails",
            "second turn fails",
            "still passes"
        ],
        "suite order whatever the concurrency"
    );
    match &suite.test_cases[0].status {
        quick_junit::TestCaseStatus::NonSuccess { kind, message, .. } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            let m = message.as_ref().expect("message").as_str();
            assert!(m.contains("not icontains \"forgot password\""), "{m}");
        }
        other => panic!("expected a failure: {other:?}"),
    }
    assert!(matches!(
        suite.test_cases[5].status,
        quick_junit::TestCaseStatus::Success { .. }
    ));
    let file = suite.test_cases[0]
        .extra
        .get("file")
        .expect("file attribute");
    assert!(file.as_str().ends_with("fail.yaml"), "{file:?}");
    let answers = suite.test_cases[0].system_out.as_ref().expect("system-out");
    assert!(answers.as_str().contains("Forgot password?"));

    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    assert_eq!(saved["summary"]["failed"], 5);
    assert_eq!(saved["summary"]["passed"], 1);
}

#[test]
fn a_bad_suite_exits_2_naming_file_line_and_field_before_any_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(
        &dir,
        "bad.yaml",
        "cases:\n  - name: a\n    message: hi\n    assert:\n      - icontans: x\n",
    );
    // Nothing listens on this address: an error other than the suite's would mean a request was tried.
    let out = common::bare(&dir)
        .env("CHATBASE_API_URL", "http://127.0.0.1:9")
        .env("CHATBASE_API_KEY", common::KEY)
        .env("CHATBASE_AGENT_ID", "demo-agent")
        .arg("eval")
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("bad.yaml:5"), "{err}");
    assert!(err.contains("cases[0].assert"), "{err}");
    assert!(err.contains("did you mean `icontains`"), "{err}");

    let regex = write(
        &dir,
        "regex.yaml",
        "cases:\n  - name: a\n    message: hi\n    assert: [{regex: '(['}]\n",
    );
    let out = common::bare(&dir)
        .arg("eval")
        .arg(&regex)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("regex.yaml:4"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_missing_agent_fails_once_not_once_per_case() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "pass.yaml", PASSING);
    let out = emu
        .cmd()
        .args(["eval", "--agent", "no-such-agent", "--jobs", "1"])
        .arg(&suite)
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("first hit by case").count(), 1, "{err}");
    assert!(err.contains("`reset passes`"), "{err}");
}

#[test]
fn filter_and_repeat_select_and_multiply_runs() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "pass.yaml", PASSING);
    let out = emu
        .cmd()
        .args([
            "--json",
            "eval",
            "--filter",
            "tag:tools",
            "--repeat",
            "3",
            "--min-pass-rate",
            "0.6",
        ])
        .arg(&suite)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let report = json_of(&out);
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["name"], "tool passes");
    assert_eq!(cases[0]["runs"].as_array().expect("runs").len(), 3);
    assert_eq!(cases[0]["pass_rate"], 1.0);
    assert_eq!(report["repeat"], 3);

    // A case can carry its own repeat and pass rate.
    let flaky = write(
        &dir,
        "flaky.yaml",
        "cases:\n  - {name: flaky, message: How do I reset my password?, repeat: 3, min-pass-rate: 0.5}\n  - {name: once, message: How do I cancel my plan?}\n",
    );
    let out = emu
        .cmd()
        .args(["--json", "eval"])
        .arg(&flaky)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let report = json_of(&out);
    assert_eq!(
        report["cases"][0]["runs"].as_array().expect("runs").len(),
        3
    );
    assert_eq!(
        report["cases"][1]["runs"].as_array().expect("runs").len(),
        1
    );
    assert_eq!(report["summary"]["credits"], 4.0);

    let none = emu
        .cmd()
        .args(["eval", "--filter", "nothing-matches"])
        .arg(&suite)
        .output()
        .expect("run");
    assert_eq!(none.status.code(), Some(2), "{}", stderr_of(&none));
}

#[test]
fn many_messages_to_a_real_host_need_yes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "one.yaml", "cases:\n  - {name: a, message: hi}\n");
    let run = |extra: &[&str]| {
        common::bare(&dir)
            // TEST-NET-1: never routed; the guard must stop the run before any connection.
            .env("CHATBASE_API_URL", "http://192.0.2.1:9")
            .env("CHATBASE_API_KEY", common::KEY)
            .env("CHATBASE_AGENT_ID", "demo-agent")
            .env("CHATBASE_TIMEOUT", "2")
            .args(["--no-input", "eval"])
            .arg(&suite)
            .args(extra)
            .output()
            .expect("run")
    };
    // A dry run lists what would be sent and sends nothing, whatever the count.
    let out = run(&["--repeat", "21", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("a\t1\t"), "{}", stdout_of(&out));
    assert!(
        stderr_of(&out).contains("Would send 21 messages"),
        "{}",
        stderr_of(&out)
    );
    let out = run(&["--repeat", "21"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("21 messages"), "{err}");
    assert!(err.contains("--yes"), "{err}");
}

#[test]
fn schema_prints_the_suite_json_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = common::bare(&dir)
        .args(["eval", "--schema"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let schema = json_of(&out);
    assert_eq!(schema["title"], "chatbase eval suite");
    assert!(schema["definitions"]["Assertion"]["oneOf"].is_array());
}

#[test]
fn a_baseline_classifies_changes_diffs_answers_and_decides_the_exit_code() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let case = |name: &str, message: &str, assert: &str| {
        format!("  - name: {name}\n    message: {message}\n    assert: [{assert}]\n")
    };
    let a = case("reset", "How do I reset my password?", "{icontains: reset}");
    let b_ok = case(
        "billing",
        "Where do I find my invoices?",
        "{icontains: invoices}",
    );
    let b_bad = case(
        "billing",
        "How do I cancel my plan?",
        "{icontains: invoices}",
    );
    let c = case(
        "always fails",
        "How do I reset my password?",
        "{contains: nothing like this}",
    );
    let d = case(
        "new case",
        "How do I cancel my plan?",
        "{icontains: cancel}",
    );
    let base = write(&dir, "base.yaml", &format!("cases:\n{a}{b_ok}{c}"));
    let worse = write(&dir, "worse.yaml", &format!("cases:\n{a}{b_bad}{c}{d}"));
    let same = write(&dir, "same.yaml", &format!("cases:\n{a}{b_ok}{c}"));
    let base_json = dir.path().join("base.json");
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&base)
        .arg("--json-report")
        .arg(&base_json)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));

    let md = dir.path().join("pr.md");
    let html_file = dir.path().join("report.html");
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&worse)
        .arg("--baseline")
        .arg(&base_json)
        .args(["--fail-on", "regression", "--markdown"])
        .arg(&md)
        .arg("--html")
        .arg(&html_file)
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("1 regression since the baseline (billing)"),
        "{err}"
    );
    assert!(
        err.contains("1 newly failing, 0 fixed, 1 still failing, 1 new, 0 removed"),
        "{err}"
    );
    assert!(err.contains("newly-failing: billing"), "{err}");
    let diff_line = err
        .lines()
        .find(|l| l.trim_start().starts_with("answer:"))
        .expect("a diff line");
    assert!(
        diff_line.contains("[-") && diff_line.contains("{+"),
        "{diff_line}"
    );
    let markdown = std::fs::read_to_string(&md).expect("markdown");
    assert!(
        markdown.contains("**Since the baseline:** 1 newly failing"),
        "{markdown}"
    );
    let html = std::fs::read_to_string(&html_file).expect("html");
    assert!(
        html.contains("Baseline answer") && html.contains("<del>") && html.contains("<ins>"),
        "{html}"
    );
    assert_eq!(html.matches("<details class=\"case").count(), 4);
    assert!(
        markdown.contains("| billing | newly-failing |"),
        "{markdown}"
    );

    // Only a still-failing case: no regression, so exit 0 with --fail-on regression, 1 with the default.
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&same)
        .arg("--baseline")
        .arg(&base_json)
        .args(["--fail-on", "regression"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&same)
        .arg("--baseline")
        .arg(&base_json)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));

    // A baseline that is not a report is refused before the run.
    let junk = write(&dir, "junk.json", "{\"not\": \"a report\"}");
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&same)
        .arg("--baseline")
        .arg(&junk)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("junk.json"), "{}", stderr_of(&out));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_new_cases_and_still_writes_reports_marked_incomplete() {
    use std::io::BufRead;
    // Every answer stalls for 1.5 s after its first events, so the first case is in flight when we interrupt.
    let emu = Emu::stalling(4, 1_500);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut suite = String::from("cases:\n");
    for i in 0..5 {
        suite.push_str(&format!(
            "  - name: case {i}\n    message: How do I reset my password?\n    assert: [{{icontains: reset}}]\n"
        ));
    }
    let suite = write(&dir, "slow.yaml", &suite);
    let json = dir.path().join("partial.json");
    let junit = dir.path().join("partial.xml");
    let mut child = emu
        .std_cmd()
        .args(["eval", "--jobs", "1"])
        .arg(&suite)
        .arg("--json-report")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut first = String::new();
    stderr.read_line(&mut first).expect("read stderr");
    assert!(first.starts_with("Running 5 cases"), "{first}");
    // Long enough for the signal handler to be in place, well inside the first case's 1.5 s stall.
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: sends SIGINT to our own child process, whose pid is valid until we wait on it.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("read stderr");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{rest}");
    assert!(rest.contains("stopping"), "{rest}");
    assert!(rest.contains("incomplete run"), "{rest}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written"))
            .expect("parse");
    assert_eq!(report["incomplete"], true);
    assert_eq!(
        report["cases"][0]["verdict"], "pass",
        "the case in flight finished: {report:#}"
    );
    assert!(
        report["summary"]["skipped"].as_u64().expect("count") >= 3,
        "{report:#}"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    assert!(parsed.test_suites[0].skipped >= 3);
}

#[test]
fn a_credit_budget_stops_the_run_with_exit_1_and_an_incomplete_report() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "pass.yaml", PASSING);
    let json = dir.path().join("budget.json");
    let out = emu
        .cmd()
        .args(["eval", "--jobs", "1", "--budget", "1"])
        .arg(&suite)
        .arg("--json-report")
        .arg(&json)
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("the credit budget of 1 was reached"), "{err}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    assert_eq!(report["incomplete"], true);
    assert_eq!(report["summary"]["credits"], 1.0);
    assert_eq!(report["summary"]["skipped"], 3);
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_abandons_the_cases_in_flight_and_still_writes_reports() {
    use std::io::BufRead;
    // Answers stall for 60 s: without cancelling, the run could not end inside the bound below.
    let emu = Emu::stalling(4, 60_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(
        &dir,
        "stalled.yaml",
        "cases:\n  - {name: one, message: How do I reset my password?}\n  - {name: two, message: How do I cancel my plan?}\n  - {name: three, message: Where are my invoices?}\n",
    );
    let json = dir.path().join("cancelled.json");
    let mut child = emu
        .std_cmd()
        .args(["eval", "--jobs", "2"])
        .arg(&suite)
        .arg("--json-report")
        .arg(&json)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("read stderr");
    assert!(line.starts_with("Running 3 cases"), "{line}");
    std::thread::sleep(std::time::Duration::from_millis(700));
    let started = std::time::Instant::now();
    let interrupt = || {
        // SAFETY: sends SIGINT to our own child process, whose pid is valid until we wait on it.
        let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        assert_eq!(rc, 0);
    };
    interrupt();
    line.clear();
    stderr.read_line(&mut line).expect("read stderr");
    assert!(line.contains("stopping"), "{line}");
    interrupt();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("read stderr");
    let out = child.wait_with_output().expect("wait");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the stalled cases were waited for"
    );
    assert_eq!(out.status.code(), Some(130), "{rest}");
    assert!(rest.contains("cancelling"), "{rest}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written"))
            .expect("parse");
    assert_eq!(report["incomplete"], true);
    assert_eq!(report["summary"]["skipped"], 3, "{report:#}");
}

/// Judge criteria the emulator answers verbatim through its `/reply` convention: a PASS, a FAIL and a reply
/// with no verdict (negated too, which must still fail).
const JUDGED: &str = r#"
cases:
  - name: judge passes
    message: How do I reset my password?
    assert:
      - icontains: reset link
      - judge: "/reply PASS It names the reset link."
  - name: judge fails
    message: How do I reset my password?
    assert:
      - judge: "/reply FAIL - It gives no price."
  - name: judge is unclear
    message: How do I reset my password?
    assert:
      - llm-rubric: "/reply I think it is mostly fine"
  - name: negated unclear judge
    message: How do I reset my password?
    assert:
      - not: {judge: "/reply Perhaps"}
"#;

#[test]
fn the_judge_passes_fails_and_never_passes_an_unparseable_verdict() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "judged.yaml", JUDGED);
    let out = emu
        .cmd()
        .args([
            "--json",
            "eval",
            "--judge-agent",
            "demo-agent",
            "--jobs",
            "2",
        ])
        .arg(&suite)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let report = json_of(&out);
    let verdicts: Vec<&str> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["verdict"].as_str().expect("verdict"))
        .collect();
    assert_eq!(verdicts, ["pass", "fail", "fail", "fail"], "{report:#}");
    let judged = |case: usize| {
        let turn = &report["cases"][case]["runs"][0]["turns"][0];
        let list = turn["assertions"].as_array().expect("assertions");
        list.last().expect("the judge's result").clone()
    };
    let pass = judged(0);
    assert_eq!(pass["pass"], true, "{pass:#}");
    assert!(
        pass["detail"]
            .as_str()
            .is_some_and(|d| d.contains("PASS: It names the reset link.")),
        "{pass:#}"
    );
    let fail = judged(1);
    assert_eq!(fail["pass"], false);
    assert!(
        fail["detail"]
            .as_str()
            .is_some_and(|d| d.contains("FAIL: It gives no price.")),
        "{fail:#}"
    );
    for case in [2, 3] {
        let unclear = judged(case);
        assert_eq!(unclear["pass"], false, "{unclear:#}");
        assert!(
            unclear["detail"]
                .as_str()
                .is_some_and(|d| d.contains("no PASS or FAIL")),
            "{unclear:#}"
        );
    }
    // Each case: one credit for the answer, one for the judge.
    for c in report["cases"].as_array().expect("cases") {
        assert_eq!(c["credits"], 2.0, "{c:#}");
        assert_eq!(c["runs"][0]["turns"][0]["answer"]["credits"], 1.0);
    }
    assert_eq!(report["summary"]["credits"], 8.0);
}

#[test]
fn a_judge_without_a_judge_agent_is_a_bad_suite_and_judges_count_as_messages() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "judged.yaml", JUDGED);
    let out = emu.cmd().arg("eval").arg(&suite).output().expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no judge agent"), "{err}");
    assert!(err.contains("--judge-agent"), "{err}");

    // The suite's own judge-agent is enough; a dry run counts the judge's messages.
    let with_judge = write(
        &dir,
        "with-judge.yaml",
        &format!("judge-agent: demo-agent\n{JUDGED}"),
    );
    let out = emu
        .cmd()
        .args(["eval", "--dry-run"])
        .arg(&with_judge)
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Would send 8 messages to agent demo-agent and judge agent demo-agent"),
        "{err}"
    );

    // The cost guard counts them too: 11 runs of one judged case are 22 messages, over the limit of 20.
    let one = write(
        &dir,
        "one.yaml",
        "judge-agent: grader\ncases:\n  - {name: a, message: hi, assert: [{judge: polite}]}\n",
    );
    let out = common::bare(&dir)
        .env("CHATBASE_API_URL", "http://192.0.2.1:9")
        .env("CHATBASE_API_KEY", common::KEY)
        .env("CHATBASE_AGENT_ID", "demo-agent")
        .env("CHATBASE_TIMEOUT", "2")
        .args(["--no-input", "eval", "--repeat", "11"])
        .arg(&one)
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("22 messages"), "{err}");
}

#[test]
fn a_missing_judge_agent_fails_once() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(&dir, "judged.yaml", JUDGED);
    let out = emu
        .cmd()
        .args(["eval", "--judge-agent", "no-such-judge", "--jobs", "1"])
        .arg(&suite)
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err.matches("the judge agent no-such-judge").count(),
        1,
        "{err}"
    );
    assert!(err.contains("`judge passes`"), "{err}");
}

/// Runs Debian's `chromium` (or `$CHROMIUM`) headless on a local file, offline: every request the browser itself
/// would make goes to a closed local port. Fails, never skips, when the browser is missing.
fn chromium(args: &[&str], page: &Path) -> std::process::Output {
    let bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    std::process::Command::new(&bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=http://127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
        ])
        // A throwaway profile next to the page, so nothing lands in the user's home.
        .arg(format!(
            "--user-data-dir={}",
            page.with_file_name("chromium-profile").display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {bin} ({e}); install it: apt-get update && apt-get install -y chromium"
            )
        })
}

/// Injected at the top of a copy of the page: records errors and blocked requests, then, after load, checks what
/// a person would see and does what they would do (open a passing case, press "Failures"), and writes the
/// findings into the DOM as JSON for `--dump-dom`.
const PROBE: &str = r#"<script>
(function(){
  var p={errors:[],blocked:[]};
  addEventListener('error',function(e){p.errors.push(String(e.message||e.type));},true);
  addEventListener('securitypolicyviolation',function(e){p.blocked.push(e.blockedURI+' '+e.violatedDirective);});
  var ce=console.error;console.error=function(){p.errors.push([].join.call(arguments,' '));ce.apply(console,arguments);};
  function visible(el){if(!el)return false;var r=el.getBoundingClientRect();return r.width>0&&r.height>0&&el.checkVisibility({opacityProperty:true,visibilityProperty:true});}
  addEventListener('load',function(){
    p.resources=performance.getEntriesByType('resource').map(function(e){return e.name;});
    p.cards={};[].forEach.call(document.querySelectorAll('.card'),function(c){p.cards[c.textContent.replace(/^[0-9.]+/,'')]={n:c.querySelector('b').textContent,visible:visible(c)};});
    var fail=document.querySelector('details.case.fail');
    p.failed={name:fail&&fail.querySelector('.name').firstChild.textContent,visible:visible(fail&&fail.querySelector('summary')),why:fail&&fail.querySelector('.why').textContent,open:!!(fail&&fail.open),badVisible:visible(fail&&fail.querySelector('li.bad'))};
    var pass=document.querySelector('details.case.pass:not([open])');var bot=pass&&pass.querySelector('.msg.bot');
    p.expand={before:visible(bot)};if(pass){pass.querySelector('summary').click();}
    p.expand.after=visible(bot);p.expand.text=bot?bot.textContent.slice(0,40):null;
    document.querySelector('button[data-mode=failures]').click();
    p.shownAfterFilter=[].filter.call(document.querySelectorAll('details.case'),visible).length;
    p.count=document.getElementById('count').textContent;
    p.diff={del:document.querySelectorAll('.sbs del').length,ins:document.querySelectorAll('.sbs ins').length};
    var out=document.createElement('pre');out.id='probe';out.textContent=JSON.stringify(p);document.body.appendChild(out);
  });
})();
</script>"#;

#[test]
fn the_html_report_renders_in_a_headless_browser_offline_and_without_errors() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(
        &dir,
        "browser.yaml",
        "description: Acme help centre\ncases:\n  - {name: password reset, message: How do I reset my password?, tags: [account], assert: [{icontains: reset link}]}\n  - {name: free trial, message: Is there a free trial?, assert: [{icontains: 14-day}, {not-icontains: credit card}]}\n  - {name: the card, message: How do I replace my card?, assert: [{icontains: Replace card}]}\n",
    );
    // A baseline whose free-trial answer differs, so the page has a side-by-side diff too.
    let base = dir.path().join("base.json");
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&suite)
        .arg("--json-report")
        .arg(&base)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(&base).expect("read")).expect("json");
    let text = &mut old["cases"][1]["runs"][0]["turns"][0]["answer"]["text"];
    let changed = text.as_str().expect("text").replace("14-day", "30-day");
    *text = Value::String(changed);
    std::fs::write(&base, old.to_string()).expect("write baseline");
    let page = dir.path().join("report.html");
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&suite)
        .arg("--baseline")
        .arg(&base)
        .arg("--html")
        .arg(&page)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let html = std::fs::read_to_string(&page).expect("html");

    let probed = dir.path().join("probed.html");
    std::fs::write(
        &probed,
        html.replacen("<head>", &format!("<head>{PROBE}"), 1),
    )
    .expect("write");
    let out = chromium(&["--virtual-time-budget=3000", "--dump-dom"], &probed);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let dom = stdout_of(&out);
    let log = stderr_of(&out);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    let json = dom
        .split_once("<pre id=\"probe\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(j, _)| {
            j.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .unwrap_or_else(|| panic!("the probe did not run: {dom}"));
    let p: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(p["errors"], serde_json::json!([]), "{p:#}");
    assert_eq!(p["blocked"], serde_json::json!([]), "{p:#}");
    assert_eq!(p["resources"], serde_json::json!([]), "{p:#}");
    for (label, n) in [("passed", "2"), ("failed", "1"), ("errored", "0")] {
        assert_eq!(p["cards"][label]["n"], n, "{label}: {p:#}");
        assert_eq!(p["cards"][label]["visible"], true, "{label}: {p:#}");
    }
    assert_eq!(p["failed"]["name"], "free trial", "{p:#}");
    assert_eq!(p["failed"]["visible"], true, "{p:#}");
    assert!(
        p["failed"]["why"]
            .as_str()
            .is_some_and(|w| w.contains("credit card")),
        "{p:#}"
    );
    // A failure opens on its own, with the failed assertion in view.
    assert_eq!(p["failed"]["open"], true, "{p:#}");
    assert_eq!(p["failed"]["badVisible"], true, "{p:#}");
    // A passing case's answer is hidden until its row is clicked.
    assert_eq!(p["expand"]["before"], false, "{p:#}");
    assert_eq!(p["expand"]["after"], true, "{p:#}");
    assert!(
        p["expand"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Here is what I found")),
        "{p:#}"
    );
    assert_eq!(p["shownAfterFilter"], 1, "{p:#}");
    assert_eq!(p["count"], "1 of 3 cases", "{p:#}");
    assert!(p["diff"]["del"].as_u64().is_some_and(|n| n > 0), "{p:#}");
    assert!(p["diff"]["ins"].as_u64().is_some_and(|n| n > 0), "{p:#}");

    // The untouched page as people see it; CHATBASE_EVAL_SCREENSHOT=FILE keeps a copy to look at.
    let shot = dir.path().join("report.png");
    let out = chromium(
        &[
            "--window-size=1280,1400",
            &format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // 1280 × 1400, from the IHDR chunk.
    assert_eq!(&png[16..24], &[0, 0, 5, 0, 0, 0, 5, 120]);
    if let Some(keep) = std::env::var_os("CHATBASE_EVAL_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("copy the screenshot");
    }
}

#[test]
fn the_judge_is_shown_the_criterion_the_earlier_turns_and_the_answer() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(
        &dir,
        "follow-up.yaml",
        "judge-agent: demo-agent\ncases:\n  - name: follow-up judged\n    turns:\n      - message: Where do I find my invoices?\n      - message: And how do I replace my card?\n        assert: [{judge: \"/reply PASS it follows on\"}]\n",
    );
    let out = emu.cmd().arg("eval").arg(&suite).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let list = emu
        .cmd()
        .args(["--format", "ndjson", "conversations", "list"])
        .output()
        .expect("list");
    let judged: Vec<Value> = stdout_of(&list)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("ndjson"))
        .filter(|c| {
            c["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("You are grading"))
        })
        .collect();
    assert_eq!(judged.len(), 1, "{}", stdout_of(&list));
    let id = judged[0]["id"].as_str().expect("id");
    let messages = emu
        .cmd()
        .args(["--format", "ndjson", "messages", "list", "-c", id])
        .output()
        .expect("messages");
    let prompt = stdout_of(&messages)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("ndjson"))
        .find(|m| m["role"] == "user")
        .and_then(|m| m["parts"][0]["text"].as_str().map(str::to_owned))
        .expect("the judge's prompt");
    let at = |s: &str| {
        prompt
            .find(s)
            .unwrap_or_else(|| panic!("{s:?} missing from the prompt:\n{prompt}"))
    };
    assert!(at("Criterion:\n/reply PASS it follows on") < at("Earlier in the same conversation"));
    assert!(
        at("User: Where do I find my invoices?")
            < at("Question (between the markers):\n<<<\nAnd how do I replace my card?")
    );
    assert!(
        at("Download an invoice")
            < at(
                "Answer (between the markers):\n<<<\nHere is what I found in \"Billing and invoices › Update your payment method\""
            )
    );
    at("PASS or FAIL alone on the first line");
}
