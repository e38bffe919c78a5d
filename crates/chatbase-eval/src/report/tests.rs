//! Unit tests of building and rendering reports.

use super::*;
use crate::assertion::Assertion;

fn turn(text: &str, asserts: &[serde_json::Value]) -> TurnReport {
    let answer = Answer {
        text: text.to_owned(),
        ..Default::default()
    };
    let assertions = asserts
        .iter()
        .map(|a| {
            Assertion::from_value(a)
                .expect("assertion")
                .evaluate(&answer)
        })
        .collect();
    TurnReport {
        message: "q".to_owned(),
        answer,
        assertions,
    }
}

#[test]
fn weights_and_thresholds_decide_a_run() {
    use serde_json::json;
    let checks = [
        json!({"contains": "a", "weight": 3}),
        json!({"contains": "zzz"}),
        json!({"contains": "nope", "weight": 0}),
    ];
    // Without a threshold every weighted assertion must pass; weight 0 never fails the run.
    let r = RunReport::new(vec![turn("abc", &checks)], None, None, 1);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!((r.score - 0.75).abs() < 1e-9, "{}", r.score);
    let only_zero = RunReport::new(vec![turn("abc", &checks[2..])], None, None, 1);
    assert_eq!(only_zero.verdict, Verdict::Pass);
    // With one, the weighted score decides.
    assert_eq!(
        RunReport::new(vec![turn("abc", &checks)], None, Some(0.7), 1).verdict,
        Verdict::Pass
    );
    assert_eq!(
        RunReport::new(vec![turn("abc", &checks)], None, Some(0.8), 1).verdict,
        Verdict::Fail
    );
    // A request error wins over any score.
    let e = RunReport::new(vec![], Some("boom".to_owned()), None, 1);
    assert_eq!(e.verdict, Verdict::Error);
}

#[test]
fn the_pass_rate_decides_a_repeated_case() {
    use serde_json::json;
    let suite =
        crate::Suite::parse("cases:\n  - {name: a, message: q}\n", "s.yaml").expect("suite");
    let case = &suite.cases[0];
    let pass = || {
        Some(RunReport::new(
            vec![turn("a", &[json!({"contains": "a"})])],
            None,
            None,
            1,
        ))
    };
    let fail = || {
        Some(RunReport::new(
            vec![turn("b", &[json!({"contains": "a"})])],
            None,
            None,
            1,
        ))
    };
    let error = || Some(RunReport::new(vec![], Some("x".to_owned()), None, 1));
    let c = CaseReport::new(case, vec![pass(), pass(), fail()], 0.6);
    assert_eq!(c.verdict, Verdict::Pass);
    assert!((c.pass_rate - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        CaseReport::new(case, vec![pass(), pass(), fail()], 1.0).verdict,
        Verdict::Fail
    );
    assert_eq!(
        CaseReport::new(case, vec![pass(), error()], 1.0).verdict,
        Verdict::Error
    );
    assert_eq!(
        CaseReport::new(case, vec![None, None], 1.0).verdict,
        Verdict::Skipped
    );
    // A skipped repeat does not count against the runs that ran.
    assert_eq!(
        CaseReport::new(case, vec![pass(), None], 1.0).verdict,
        Verdict::Pass
    );
}

#[test]
fn junit_and_markdown_survive_hostile_text() {
    use serde_json::json;
    let suite = crate::Suite::parse(
        "cases:\n  - {name: \"a|b <c> & ]]>\", message: q}\n",
        "s.yaml",
    )
    .expect("suite");
    let run = RunReport::new(
        vec![turn(
            "\u{1b}[31mred\u{0} | <b>]]>",
            &[json!({"contains": "zzz"})],
        )],
        None,
        None,
        1,
    );
    let cases = vec![CaseReport::new(&suite.cases[0], vec![Some(run)], 1.0)];
    let report = Report::new(
        &suite,
        "agent",
        &crate::RunOptions::new("agent"),
        cases,
        None,
        1,
    );
    let xml = report.to_junit("s").expect("junit");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("valid XML");
    assert_eq!(parsed.failures, 1);
    assert_eq!(
        parsed.test_suites[0].test_cases[0].name.as_str(),
        "a|b <c> & ]]>"
    );
    let md = report.to_markdown();
    assert!(md.contains("a\\|b &lt;c&gt;"), "{md}");
    assert!(!md.contains('\u{1b}') && !md.contains('\u{0}'), "{md:?}");
    assert_eq!(md.lines().filter(|l| l.starts_with('|')).count(), 3, "{md}");
}
