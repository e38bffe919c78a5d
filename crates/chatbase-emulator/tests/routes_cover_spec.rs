//! Every operation of both OpenAPI specs has a route with the same method and path.

mod common;

use chatbase_emulator::ROUTES;
use serde_json::Value;

fn check(file: &str, prefix: &str) -> usize {
    let Some(spec) = common::load_spec(file) else {
        panic!("openapi/{file} is missing or unreadable");
    };
    let mut n = 0;
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            n += 1;
            let full = if path.starts_with("/api/") {
                path.clone()
            } else {
                format!("{prefix}{path}")
            };
            let m = method.to_uppercase();
            if !ROUTES
                .iter()
                .any(|(o, rm, rp)| *o == id && *rm == m && *rp == full)
            {
                missing.push(format!("{id} {m} {full}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a route in {file}: {missing:#?}"
    );
    n
}

#[test]
fn every_v2_operation_has_a_route() {
    assert_eq!(check("chatbase-v2.yaml", "/api/v2"), 41);
}

#[test]
fn every_v1_operation_has_a_route() {
    assert_eq!(check("chatbase-v1.yaml", "/api/v1"), 20);
}

#[test]
fn conformance_checker_rejects_off_spec_bodies() {
    let good = common::Resp {
        status: 200,
        headers: Default::default(),
        text: String::new(),
        body: serde_json::json!({"status": "ok", "timestamp": 1}),
    };
    common::conform("GET", "/api/v2/health", &good);
    let bad = common::Resp {
        body: serde_json::json!({"status": "fine"}),
        ..good
    };
    let caught = std::panic::catch_unwind(|| common::conform("GET", "/api/v2/health", &bad));
    assert!(caught.is_err(), "an off-spec body must fail the check");
}
