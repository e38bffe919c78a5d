//! Every operation of both OpenAPI specs is in the generated registry the router is built from, with the
//! same method and path, and the running emulator routes each one: none gets the answer of an unknown
//! path or method.

mod common;

use chatbase_api::operations::OPERATIONS;
use serde_json::{Value, json};

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
            if !OPERATIONS
                .iter()
                .any(|o| o.operation_id == id && o.method.as_str() == m && o.full_path == full)
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

#[tokio::test]
async fn the_emulator_routes_every_registry_operation() {
    let (_emu, api) = common::start().await;
    for op in OPERATIONS {
        let path: String = op
            .full_path
            .split('/')
            .map(|seg| match seg {
                "{agentId}" | "{chatbotId}" => "demo-agent",
                "{ticketNumber}" => "1",
                s if s.starts_with('{') => "x-1",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = op.method.as_str();
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = api
            .http
            .request(m, format!("{}{path}", api.base))
            .bearer_auth(&api.key);
        if op.multipart {
            req = req.multipart(reqwest::multipart::Form::new().text("name", "n"));
        } else if method != "GET" && method != "DELETE" {
            req = req.json(&json!({}));
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let unrouted = status == 405 || (status == 404 && text.contains("No route for"));
        assert!(
            !unrouted,
            "{} {method} {path} is not routed: {status} {text}",
            op.operation_id
        );
    }
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
