//! Generative conformance suite: reads `openapi/*.yaml` at test time, generates valid and
//! invalid requests per operation from the request schemas (proptest, fixed seed, bounded
//! cases; `CONFORMANCE_CASES` raises the count) and checks every answer of a fresh emulator:
//! the status is declared, the body validates against that status's schema, SSE events
//! validate against the event schema, invalid requests get a declared 4xx, and stateful
//! sequences (create → partial update → get → list) keep every document valid.
//!
//! The oracle (spec loading and OpenAPI → JSON Schema) lives in `tests/common`, apart from
//! the emulator's own request validation, so the two cannot share a mistake.

#[path = "../common/mod.rs"]
mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chatbase_emulator::{RateLimit, RunningEmulator};
use common::{KEY, builder, load_spec, to_json_schema};
use proptest::prelude::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Number, Value, json};

mod generators;
use generators::*;
mod fixtures;
use fixtures::*;
mod examples;
mod generated;

// ------------------------------------------------------------------ spec model

struct Spec {
    version: &'static str,
    raw: Value,
    /// `components.schemas`, converted to JSON Schema.
    schemas: Value,
    validators: std::sync::Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

#[derive(Clone)]
struct Param {
    name: String,
    location: String,
    required: bool,
    schema: Value,
}

#[derive(Clone)]
struct Op {
    id: String,
    method: String,
    /// Full path template (`/api/v2/...`).
    path: String,
    params: Vec<Param>,
    /// Converted JSON request body schema (JSON bodies only).
    body: Option<Value>,
    multipart: bool,
    raw: Value,
}

fn spec(file: &str, version: &'static str) -> Spec {
    // A spec that does not parse fails the suite: there is nothing to check against.
    let raw =
        load_spec(file).unwrap_or_else(|| panic!("openapi/{file} is missing or not valid YAML"));
    let schemas = to_json_schema(&raw["components"]["schemas"]);
    assert!(
        schemas.is_object(),
        "openapi/{file} has no components.schemas"
    );
    Spec {
        version,
        raw,
        schemas,
        validators: Default::default(),
    }
}

impl Spec {
    fn prefix(&self) -> &'static str {
        if self.version == "v1" {
            "/api/v1"
        } else {
            "/api/v2"
        }
    }

    fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => self
                .raw
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("{}: dangling $ref {r}", self.version)),
            None => v,
        }
    }

    fn ops(&self) -> Vec<Op> {
        let mut out = Vec::new();
        let paths = self.raw["paths"].as_object().expect("spec has paths");
        for (path, item) in paths {
            let shared: Vec<Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (method, o) in item.as_object().expect("path item is an object") {
                let Some(id) = o.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                let mut params = Vec::new();
                let own = o.get("parameters").and_then(Value::as_array).cloned();
                for p in shared.iter().chain(own.iter().flatten()) {
                    let p = self.resolve(p);
                    params.push(Param {
                        name: p["name"].as_str().unwrap_or_default().to_string(),
                        location: p["in"].as_str().unwrap_or_default().to_string(),
                        required: p["required"].as_bool().unwrap_or(false),
                        schema: to_json_schema(p.get("schema").unwrap_or(&json!({}))),
                    });
                }
                let rb = o.get("requestBody").map(|r| self.resolve(r));
                let body = rb
                    .and_then(|r| r.pointer("/content/application~1json/schema"))
                    .map(to_json_schema);
                let multipart = rb
                    .and_then(|r| r.pointer("/content/multipart~1form-data"))
                    .is_some();
                out.push(Op {
                    id: id.to_string(),
                    method: method.to_uppercase(),
                    path: format!("{}{path}", self.prefix()),
                    params,
                    body,
                    multipart,
                    raw: o.clone(),
                });
            }
        }
        out
    }

    /// A validator for `schema` (converted), with `#/components/schemas/*` resolvable.
    fn validator(&self, key: &str, schema: &Value) -> Arc<jsonschema::Validator> {
        if let Some(v) = self.validators.lock().unwrap().get(key) {
            return v.clone();
        }
        let root = json!({"allOf": [schema], "components": {"schemas": self.schemas}});
        let v = Arc::new(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .build(&root)
                .unwrap_or_else(|e| panic!("{key}: schema does not compile: {e}")),
        );
        self.validators
            .lock()
            .unwrap()
            .insert(key.to_string(), v.clone());
        v
    }

    fn errors(&self, key: &str, schema: &Value, value: &Value) -> Vec<String> {
        self.validator(key, schema)
            .iter_errors(value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect()
    }

    /// The declared response for `status` (exact, `4XX`-style or `default`).
    fn response<'a>(&'a self, op: &'a Op, status: u16) -> Option<&'a Value> {
        let r = &op.raw["responses"];
        let s = status.to_string();
        r.get(&s)
            .or_else(|| r.get(format!("{}XX", &s[..1])))
            .or_else(|| r.get("default"))
            .map(|x| self.resolve(x))
    }
}

fn report(failures: Vec<String>) {
    if failures.is_empty() {
        return;
    }
    // Similar failures repeat per case; show each distinct one once.
    let mut seen = std::collections::BTreeSet::new();
    let distinct: Vec<&String> = failures
        .iter()
        .filter(|f| {
            seen.insert(
                f.lines().next().unwrap_or_default().to_string()
                    + f.lines().last().unwrap_or_default(),
            )
        })
        .collect();
    panic!(
        "{} conformance failures ({} distinct):\n{}",
        failures.len(),
        distinct.len(),
        distinct
            .iter()
            .take(
                std::env::var("CONFORMANCE_SHOW")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(60)
            )
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
