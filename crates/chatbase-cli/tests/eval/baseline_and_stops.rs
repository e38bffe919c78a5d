//! Baselines and their exit code, Ctrl-C and the credit budget stopping a run.

use super::*;

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
