//! Unit tests of parsing and evaluating assertions.

use super::*;
use serde_json::json;

fn answer(text: &str) -> Answer {
    Answer {
        text: text.to_owned(),
        finish_reason: Some("stop".to_owned()),
        tool_calls: vec![ToolCallSeen {
            name: "lookup_order".to_owned(),
            input: json!({"order": 42, "detail": {"carrier": "ups", "fast": true}}),
        }],
        first_token_ms: Some(120),
        total_ms: 900,
        credits: Some(1.0),
        conversation_id: Some("c1".to_owned()),
        message_id: None,
    }
}

fn yaml(s: &str) -> Value {
    serde_yaml_ng::from_str(s).expect("test YAML parses")
}

fn passes(assertion: &str, a: &Answer) -> bool {
    let parsed = Assertion::from_value(&yaml(assertion)).expect("assertion parses");
    parsed.evaluate(a).pass
}

/// Each kind, once passing and once failing, in both spellings where promptfoo has one.
#[test]
fn every_kind_passes_and_fails() {
    let a = answer("Use the Reset link on the sign-in page. It expires in 30 minutes.");
    let cases: &[(&str, &str)] = &[
        ("contains: Reset link", "contains: reset link"),
        ("icontains: reset LINK", "icontains: refund"),
        (
            "contains-any: [nope, sign-in]",
            "contains-any: [nope, never]",
        ),
        ("icontains-any: [NOPE, SIGN-IN]", "icontains-any: [nope]"),
        (
            "contains-all: [Reset, minutes]",
            "contains-all: [Reset, hours]",
        ),
        (
            "icontains-all: [reset, MINUTES]",
            "icontains-all: [reset, hours]",
        ),
        (
            "equals: ' Use the Reset link on the sign-in page. It expires in 30 minutes. '",
            "equals: Use the Reset link",
        ),
        ("starts-with: Use the", "starts-with: the"),
        ("regex: '\\d+ minutes'", "regex: '\\d+ hours'"),
        ("min-chars: 10", "min-chars: 1000"),
        ("max-chars: 1000", "max-chars: 10"),
        ("finish-reason: stop", "finish-reason: tool-calls"),
        ("tool-called: lookup_order", "tool-called: cancel_order"),
        (
            "tool-called: {name: lookup_order, args: {order: 42, detail: {carrier: ups}}}",
            "tool-called: {name: lookup_order, args: {order: 43}}",
        ),
        ("max-first-token-ms: 500", "max-first-token-ms: 100"),
        ("max-total-ms: 1000", "max-total-ms: 899"),
        ("max-credits: 1", "max-credits: 0.5"),
        (
            "similar-to: use the reset link on the sign in page, it expires in 30 minutes",
            "similar-to: Our refund policy covers thirty days",
        ),
        (
            "similar-to: {value: Use the reset link, threshold: 0.3}",
            "similar-to: {value: Use the reset link, threshold: 0.9}",
        ),
        ("not: {contains: refund}", "not: {icontains: RESET}"),
        ("not-contains: refund", "not-icontains: reset"),
        (
            "type: icontains\nvalue: reset link",
            "type: icontains\nvalue: refund",
        ),
        (
            "type: not-icontains\nvalue: refund",
            "type: not-contains\nvalue: Reset",
        ),
        (
            "type: latency\nthreshold: 1000",
            "type: latency\nthreshold: 10",
        ),
        (
            "type: similar-to\nvalue: use the reset link on the sign-in page\nthreshold: 0.5",
            "type: similar-to\nvalue: use the reset link\nthreshold: 0.95",
        ),
    ];
    for (pass, fail) in cases {
        assert!(passes(pass, &a), "expected a pass: {pass}");
        assert!(!passes(fail, &a), "expected a failure: {fail}");
    }
}

#[test]
fn json_parses_and_matches_an_inline_schema() {
    let schema =
        "json: {type: object, required: [status], properties: {status: {enum: [open, closed]}}}";
    assert!(passes("json:", &answer("{\"a\": 1}")));
    assert!(passes("json: true", &answer(" [1, 2] ")));
    assert!(!passes("json:", &answer("not json")));
    assert!(passes(schema, &answer("{\"status\": \"open\"}")));
    let a = answer("{\"status\": \"lost\"}");
    let r = Assertion::from_value(&yaml(schema))
        .expect("parses")
        .evaluate(&a);
    assert!(!r.pass);
    assert!(r.detail.contains("/status"), "{}", r.detail);
    assert!(passes("type: is-json", &answer("{}")));
}

#[test]
fn missing_measurements_fail_rather_than_pass() {
    let mut a = answer("hi");
    a.first_token_ms = None;
    a.credits = None;
    a.tool_calls.clear();
    assert!(!passes("max-first-token-ms: 100000", &a));
    assert!(!passes("max-credits: 100", &a));
    let r = Assertion::from_value(&yaml("tool-called: x"))
        .expect("parses")
        .evaluate(&a);
    assert_eq!(r.detail, "no tool was called");
}

#[test]
fn one_pattern_is_compiled_once_while_its_assertions_live() {
    let re = |a: &Assertion| match &a.check {
        Check::Regex(r) => Arc::clone(r),
        other => panic!("not a regex: {other:?}"),
    };
    let a = Assertion::from_value(&yaml("regex: '(?i)shared \\d+'")).expect("parses");
    let b = Assertion::from_value(&yaml("not-regex: '(?i)shared \\d+'")).expect("parses");
    let c = Assertion::from_value(&yaml("regex: other")).expect("parses");
    assert!(Arc::ptr_eq(&re(&a), &re(&b)));
    assert!(!Arc::ptr_eq(&re(&a), &re(&c)));
    assert!(passes("regex: '(?i)shared \\d+'", &answer("SHARED 42")));
    assert!(!b.evaluate(&answer("shared 7")).pass);
    let weak = Arc::downgrade(&re(&a));
    drop((a, b));
    assert!(
        weak.upgrade().is_none(),
        "the regex outlived its assertions"
    );
}

#[test]
fn a_failure_carries_a_snippet_around_the_offending_text() {
    let text = format!(
        "{} I could not find that page. {}",
        "x".repeat(200),
        "y".repeat(200)
    );
    let r = Assertion::from_value(&yaml("not-contains: I could not find"))
        .expect("parses")
        .evaluate(&answer(&text));
    assert!(!r.pass);
    let snippet = r.snippet.expect("a snippet");
    assert!(snippet.contains("I could not find"), "{snippet}");
    assert!(snippet.starts_with('…'), "{snippet}");
    assert!(snippet.chars().count() < 100, "{snippet}");
    // Passing assertions carry none.
    let ok = Assertion::from_value(&yaml("contains: page"))
        .expect("parses")
        .evaluate(&answer(&text));
    assert!(ok.pass && ok.snippet.is_none());
}

#[test]
fn icontains_handles_text_whose_lowercase_changes_length() {
    assert!(passes(
        "icontains: straße",
        &answer("Die STRASSE und die Straße")
    ));
    assert!(passes("icontains: İ", &answer("x İ y")));
    assert!(!passes("icontains: zz", &answer("İİİ")));
}

#[test]
fn weights_metrics_and_labels_are_kept() {
    let a = Assertion::from_value(&yaml(
        "type: not-icontains\nvalue: sorry\nweight: 2\nmetric: tone",
    ))
    .expect("parses");
    assert!(a.negate);
    assert_eq!(a.weight, 2.0);
    assert_eq!(a.metric.as_deref(), Some("tone"));
    assert_eq!(a.label, "not icontains \"sorry\"");
    let b = Assertion::from_value(&yaml("contains: x\nweight: 0")).expect("parses");
    assert_eq!(b.weight, 0.0);
    let n = Assertion::from_value(&yaml("not: {not: {contains: x}}")).expect("parses");
    assert!(!n.negate);
}

#[test]
fn bad_assertions_are_named() {
    let err = |s: &str| Assertion::from_value(&yaml(s)).expect_err(s);
    assert_eq!(
        err("contans: x"),
        "unknown assertion `contans`; did you mean `contains`?"
    );
    assert!(err("regex: '('").contains("not a valid pattern"));
    assert!(err("max-total-ms: fast").contains("expects a whole number, got text"));
    assert!(err("max-total-ms: -1").contains("0 or more"));
    assert!(err("max-credits: -1").contains("0 or more"));
    assert!(err("contains: x\nicontains: y").contains("one kind, found 2"));
    assert!(err("contains: [a]").contains("expects text, got a list"));
    assert!(err("json: {type: 12}").contains("not a valid JSON Schema"));
    assert!(err("similar-to: {value: x, threshold: 2}").contains("between 0 and 1"));
    assert!(err("type: contains\nvalu: x").contains("unknown field `valu`"));
    assert!(err("type: cost\nthreshold: 0.1").contains("max-credits"));
    assert!(err("tool-called: {args: {}}").contains("needs a `name`"));
    assert!(err("not: contains").contains("in `not`"));
    assert!(err("weight: -1\ncontains: x").contains("`weight` must be 0 or more"));
    assert!(err("- contains: x").contains("is a map"));
    assert!(err("zzzzzzzz: 1").contains("known kinds:"));
    assert!(err("type: contains\nvalue: x\nthreshold: 0.5").contains("no meaning for `contains`"));
}

#[test]
fn similarity_ignores_case_and_spacing() {
    assert_eq!(similarity("Hello   World", "hello world"), 1.0);
    assert!(similarity("abc", "xyz") < 0.1);
}
