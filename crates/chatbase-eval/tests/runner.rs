//! The engine as a library, against the in-process emulator: suite order under concurrency, conversations
//! across turns, stopping a run part-way (the Ctrl-C path), and a missing agent reported once.

use std::time::Duration;

use chatbase_eval::Suite;
use chatbase_eval::report::Verdict;
use chatbase_eval::runner::{self, RunError, RunOptions, StopFlag};

const KEY: &str = "cbtest_0123456789abcdefSECRET";

async fn emulator() -> (chatbase_emulator::RunningEmulator, chatbase::Client) {
    let server = chatbase_emulator::Emulator::builder()
        .in_memory()
        .api_key(KEY)
        .rate_limit(None)
        .stream_delay(Duration::ZERO)
        .start()
        .await
        .expect("emulator starts");
    let client = chatbase::Client::builder()
        .api_key(KEY)
        .api_url(server.base_url())
        .build()
        .expect("client");
    (server, client)
}

fn suite() -> Suite {
    let mut text = String::from("cases:\n");
    for i in 0..8 {
        text.push_str(&format!(
            "  - name: case {i}\n    message: How do I reset my password? ({i})\n    assert: [{{icontains: reset}}]\n"
        ));
    }
    text.push_str(
        "  - name: conversation\n    turns:\n      - message: Where do I find my invoices?\n      - message: How do I replace my card?\n        assert: [{icontains: card}]\n",
    );
    Suite::parse(&text, "inline.yaml").expect("suite parses")
}

#[tokio::test]
async fn results_come_back_in_suite_order_with_conversations_kept() {
    let (server, client) = emulator().await;
    let s = suite();
    let mut opts = RunOptions::new("demo-agent");
    opts.jobs = 5;
    let report = runner::run(&client, &s, &opts, &StopFlag::default(), &|_, _| {})
        .await
        .expect("run");
    let names: Vec<&str> = report.cases.iter().map(|c| c.name.as_str()).collect();
    let want: Vec<&str> = s.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, want);
    assert!(report.all_passed(), "{}", report.to_json());
    assert_eq!(report.summary.passed, 9);
    assert_eq!(report.summary.credits, 10.0);
    let conv = report.cases[8].runs[0].as_ref().expect("ran");
    assert_eq!(conv.turns.len(), 2);
    assert!(conv.turns[0].answer.conversation_id.is_some());
    assert_eq!(
        conv.turns[0].answer.conversation_id,
        conv.turns[1].answer.conversation_id
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_stopped_run_reports_what_finished_and_is_marked_incomplete() {
    let (server, client) = emulator().await;
    let s = suite();
    let mut opts = RunOptions::new("demo-agent");
    opts.jobs = 1;
    let stop = StopFlag::default();
    // Stop as soon as the first unit is done, as Ctrl-C would.
    let report = runner::run(&client, &s, &opts, &stop, &|done, _| {
        if done == 1 {
            stop.stop();
        }
    })
    .await
    .expect("run");
    assert!(report.incomplete);
    assert!(!report.all_passed());
    assert_eq!(report.cases[0].verdict, Verdict::Pass);
    assert!(
        report.cases[1..]
            .iter()
            .all(|c| c.verdict == Verdict::Skipped)
    );
    assert_eq!(report.summary.skipped, 8);
    let xml = report.to_junit("inline").expect("junit");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    assert_eq!(parsed.tests, 9);
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.skipped, 8);
    assert!(xml.contains("name=\"incomplete\" value=\"true\""), "{xml}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_missing_agent_is_one_error_and_stops_the_run() {
    let (server, client) = emulator().await;
    let s = suite();
    let mut opts = RunOptions::new("no-such-agent");
    opts.jobs = 3;
    let progress = std::sync::atomic::AtomicUsize::new(0);
    let err = runner::run(&client, &s, &opts, &StopFlag::default(), &|_, _| {
        progress.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    })
    .await
    .expect_err("fails");
    match err {
        RunError::Fatal { error, .. } => assert_eq!(error.status().map(|s| s.as_u16()), Some(404)),
        other => panic!("expected a fatal error: {other}"),
    }
    // At most the units already in flight were sent, not all nine.
    let sent = progress.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        sent <= 3,
        "{sent} units ran after the agent was found missing"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn out_of_range_options_are_refused() {
    let (server, client) = emulator().await;
    let s = suite();
    for change in [
        |o: &mut RunOptions| o.jobs = 0,
        |o: &mut RunOptions| o.repeat = 0,
        |o: &mut RunOptions| o.min_pass_rate = f64::NAN,
        |o: &mut RunOptions| o.filters = vec!["nothing".to_owned()],
        |o: &mut RunOptions| o.budget = Some(-1.0),
    ] {
        let mut opts = RunOptions::new("demo-agent");
        change(&mut opts);
        let err = runner::run(&client, &s, &opts, &StopFlag::default(), &|_, _| {})
            .await
            .expect_err("refused");
        assert!(matches!(err, RunError::Invalid(_)), "{err}");
    }
    server.shutdown().await;
}

/// The example shipped with the CLI loads, and is valid against the schema `chatbase eval --schema` prints.
#[test]
fn the_shipped_example_matches_the_published_schema() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../chatbase-cli/examples/evals/demo.yaml"
    );
    let suite = Suite::load(std::path::Path::new(path)).expect("example loads");
    assert_eq!(suite.cases.len(), 4);
    let text = std::fs::read_to_string(path).expect("read example");
    let value: serde_json::Value = serde_yaml_ng::from_str(&text).expect("yaml");
    let schema = Suite::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[tokio::test]
async fn a_credit_budget_stops_the_run_once_spent() {
    let (server, client) = emulator().await;
    let s = suite();
    let mut opts = RunOptions::new("demo-agent");
    opts.jobs = 1;
    opts.budget = Some(2.0);
    let report = runner::run(&client, &s, &opts, &StopFlag::default(), &|_, _| {})
        .await
        .expect("run");
    assert!(report.incomplete);
    assert_eq!(report.summary.credits, 2.0);
    assert_eq!(report.summary.passed, 2);
    assert_eq!(report.summary.skipped, 7);
    let reason = report.stop_reason.as_deref().expect("a reason");
    assert!(reason.contains("budget of 2"), "{reason}");
    // A budget the run stays under changes nothing.
    opts.budget = Some(100.0);
    let report = runner::run(&client, &s, &opts, &StopFlag::default(), &|_, _| {})
        .await
        .expect("run");
    assert!(!report.incomplete && report.stop_reason.is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn a_judge_needs_an_agent_and_its_credits_count_against_the_budget() {
    let (server, client) = emulator().await;
    let s = Suite::parse(
        "cases:\n  - name: judged\n    message: How do I reset my password?\n    assert: [{judge: '/reply PASS names the link'}]\n  - name: second\n    message: How do I reset my password?\n    assert: [{judge: '/reply PASS again'}]\n",
        "judged.yaml",
    )
    .expect("suite parses");
    let mut opts = RunOptions::new("demo-agent");
    opts.jobs = 1;
    let err = runner::run(&client, &s, &opts, &StopFlag::default(), &|_, _| {})
        .await
        .expect_err("no judge agent");
    assert!(
        matches!(err, RunError::Invalid(ref m) if m.contains("judge agent")),
        "{err}"
    );
    opts.judge_agent = Some("demo-agent".to_owned());
    // The first case's answer and judge use 2 credits: the budget of 2 stops the run there.
    opts.budget = Some(2.0);
    let report = runner::run(&client, &s, &opts, &StopFlag::default(), &|_, _| {})
        .await
        .expect("run");
    assert_eq!(
        report.cases[0].verdict,
        Verdict::Pass,
        "{}",
        report.to_json()
    );
    assert_eq!(report.cases[0].credits, 2.0);
    assert_eq!(report.cases[1].verdict, Verdict::Skipped);
    assert!(report.incomplete);
    server.shutdown().await;
}
