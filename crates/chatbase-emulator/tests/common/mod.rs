//! Test harness: starts emulators on 127.0.0.1, sends requests with reqwest, and checks
//! every JSON response body against the matching response schema in `openapi/*.yaml`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use chatbase_api::operations::{Host, OPERATIONS};
use chatbase_emulator::{Emulator, EmulatorBuilder, RunningEmulator};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const KEY: &str = "test-key";

pub fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .api_key(KEY)
        .in_memory()
        .rate_limit(None)
        .stream_delay(Duration::ZERO)
}

pub struct Api {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn start() -> (RunningEmulator, Api) {
    start_with(builder()).await
}

pub async fn start_with(b: EmulatorBuilder) -> (RunningEmulator, Api) {
    let emu = b.start().await.unwrap();
    let api = Api::new(&emu);
    (emu, api)
}

impl Api {
    pub fn new(emu: &RunningEmulator) -> Self {
        Self {
            base: emu.base_url(),
            key: emu.api_key().to_string(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder, method: &str, path: &str) -> Resp {
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let is_json = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json"));
        let body = if is_json {
            serde_json::from_str(&text).unwrap()
        } else {
            Value::Null
        };
        let r = Resp {
            status,
            headers,
            text,
            body,
        };
        if is_json {
            conform(method, path, &r);
        }
        r
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(m, format!("{}{}", self.base, path))
            .bearer_auth(&self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req, method, path).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.call("PUT", path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.call("DELETE", path, None).await
    }

    pub async fn multipart(
        &self,
        method: &str,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let req = self
            .http
            .request(m, format!("{}{}", self.base, path))
            .bearer_auth(&self.key)
            .multipart(form);
        self.send(req, method, path).await
    }

    /// Creates an agent with one text source and returns its id.
    pub async fn agent_with_text(&self, name: &str, text: &str) -> String {
        let r = self.post("/api/v2/agents", json!({"name": name})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_string();
        let s = self
            .post(
                &format!("/api/v2/agents/{id}/sources"),
                json!({"type": "text", "name": "Notes", "content": text}),
            )
            .await;
        assert_eq!(s.status, 201, "{}", s.text);
        id
    }
}

// ------------------------------------------------------------------ conformance

struct Specs {
    v1: Value,
    v2: Value,
}

fn openapi_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi")
}

pub fn load_spec(name: &str) -> Option<Value> {
    let text = std::fs::read_to_string(openapi_dir().join(name)).ok()?;
    serde_yaml_ng::from_str(&text).ok()
}

/// Both specs; a spec that is missing or does not parse fails the test instead of
/// silently skipping the conformance check.
fn specs() -> Option<&'static Specs> {
    static SPECS: OnceLock<Specs> = OnceLock::new();
    Some(SPECS.get_or_init(|| {
        let load = |name: &str| {
            load_spec(name).unwrap_or_else(|| panic!("openapi/{name} is missing or not valid YAML"))
        };
        Specs {
            v1: load("chatbase-v1.yaml"),
            v2: load("chatbase-v2.yaml"),
        }
    }))
}

/// OpenAPI 3.0 schema → JSON Schema: the emulator's own conversion.
pub use chatbase_emulator::to_json_schema;

fn literal_score(template: &str, path: &str) -> Option<usize> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut n = 0;
    for (a, b) in t.iter().zip(&p) {
        if a.starts_with('{') {
            if b.is_empty() {
                return None;
            }
        } else if a == b {
            n += 1;
        } else {
            return None;
        }
    }
    Some(n)
}

/// The operationId and route template for a request (JSON flavour of shared paths).
pub fn operation(method: &str, path: &str) -> Option<(&'static str, &'static str)> {
    let path = path.split('?').next().unwrap_or(path);
    OPERATIONS
        .iter()
        .filter(|o| o.method.as_str() == method && o.host != Host::Files)
        .filter_map(|o| literal_score(o.full_path, path).map(|s| (s, o.operation_id, o.full_path)))
        .max_by_key(|(s, _, _)| *s)
        .map(|(_, op, t)| (op, t))
}

fn resolve_response<'a>(spec: &'a Value, r: &'a Value) -> &'a Value {
    match r.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let ptr = reference.trim_start_matches('#');
            spec.pointer(ptr).unwrap_or(r)
        }
        None => r,
    }
}

/// Validates a JSON body against the spec's schema for this operation and status.
pub fn conform(method: &str, path: &str, r: &Resp) {
    let Some(specs) = specs() else { return };
    let path_only = path.split('?').next().unwrap_or(path);
    // Multipart uploads share paths with the JSON source operations, whose response
    // schemas are the same, so they are checked under the JSON operation.
    let Some((op, template)) = operation(method, path_only) else {
        return;
    };
    let (spec, version) = if template.starts_with("/api/v1") {
        (&specs.v1, "v1")
    } else {
        (&specs.v2, "v2")
    };
    let Some(operation) = find_op(spec, op) else {
        panic!("{version} spec has no operation {op}");
    };
    let responses = &operation["responses"];
    let status = r.status.to_string();
    let resp_obj = responses
        .get(&status)
        .or_else(|| responses.get(format!("{}XX", &status[..1])))
        .or_else(|| responses.get("default"));
    let schema = match resp_obj {
        Some(ro) => {
            let ro = resolve_response(spec, ro);
            match ro.pointer("/content/application~1json/schema") {
                Some(s) => s.clone(),
                None => panic!(
                    "{op} {status}: spec has no application/json body but the emulator sent one: {}",
                    r.text
                ),
            }
        }
        None => {
            // Statuses the spec does not list (e.g. 405, 413, 429 on some ops) still use the
            // common error body.
            assert!(
                r.status >= 400,
                "{op}: undocumented success status {status}"
            );
            if version == "v2" {
                json!({"$ref": "#/components/schemas/ErrorResponse"})
            } else {
                json!({"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}})
            }
        }
    };
    let validator = cached_validator(&format!("{version}:{op}:{status}"), || {
        let mut root = to_json_schema(&schema);
        let components = json!({"schemas": to_json_schema(&spec["components"]["schemas"])});
        match root.as_object_mut() {
            Some(o) => {
                o.insert("components".into(), components);
            }
            None => root = json!({"allOf": [root], "components": components}),
        }
        root
    });
    let errors: Vec<String> = validator
        .iter_errors(&r.body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} ({op} {status}) does not match the spec:\n{}\nbody: {}",
        errors.join("\n"),
        r.text
    );
}

/// Compiling a schema per response is slow; validators are cached per operation and status.
fn cached_validator(
    key: &str,
    root: impl FnOnce() -> Value,
) -> std::sync::Arc<jsonschema::Validator> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(v) = cache.lock().unwrap().get(key) {
        return v.clone();
    }
    let root = root();
    let validator = Arc::new(
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&root)
            .unwrap_or_else(|e| panic!("{key}: schema does not compile: {e}")),
    );
    cache
        .lock()
        .unwrap()
        .insert(key.to_string(), validator.clone());
    validator
}

fn find_op<'a>(spec: &'a Value, op: &str) -> Option<&'a Value> {
    spec["paths"].as_object()?.values().find_map(|item| {
        item.as_object()?
            .values()
            .find(|o| o.get("operationId").and_then(Value::as_str) == Some(op))
    })
}

/// Parses an SSE body into its `data:` payloads.
pub fn sse_data(text: &str) -> Vec<String> {
    text.split("\n\n")
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(String::from)
        .collect()
}

/// Validates `value` against `components.schemas.<name>` of the v2 spec.
pub fn conform_v2_component(name: &str, value: &Value) {
    let Some(specs) = specs() else { return };
    let root = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": {"schemas": to_json_schema(&specs.v2["components"]["schemas"])},
    });
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&root)
        .unwrap_or_else(|e| panic!("{name}: schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} mismatch:\n{}\nvalue: {value}",
        errors.join("\n")
    );
}
