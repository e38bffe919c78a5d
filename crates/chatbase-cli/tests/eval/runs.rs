//! Plain runs: the example suite, every assertion kind, failures, bad suites, filters and guards.

use super::*;

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
