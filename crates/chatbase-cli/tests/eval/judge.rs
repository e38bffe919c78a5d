//! Judge criteria: verdicts, the judge agent, and what the judge is shown.

use super::*;

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
