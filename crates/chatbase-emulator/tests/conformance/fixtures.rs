//! The emulator fixture, raw calls, answer checks and the seeded proptest runner.

use super::*;

// ------------------------------------------------------------------ fixtures and calls

pub(crate) struct Env {
    pub(crate) emu: RunningEmulator,
    pub(crate) http: reqwest::Client,
    pub(crate) ids: HashMap<&'static str, String>,
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) text: String,
}

impl Env {
    pub(crate) async fn new(b: chatbase_emulator::EmulatorBuilder) -> Env {
        let emu = b.start().await.expect("emulator starts");
        let http = reqwest::Client::new();
        let mut env = Env {
            emu,
            http,
            ids: HashMap::new(),
        };
        env.seed().await;
        env
    }

    pub(crate) async fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(m, format!("{}{path}", self.emu.base_url()))
            .bearer_auth(KEY);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("emulator answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = resp.text().await.expect("body reads");
        Answer {
            status,
            content_type,
            headers,
            text,
        }
    }

    pub(crate) async fn json(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let a = self.raw(method, path, body.as_ref()).await;
        assert!(a.status < 300, "{method} {path}: {} {}", a.status, a.text);
        serde_json::from_str(&a.text).expect("JSON answer")
    }

    /// Real ids for every path parameter the specs use.
    pub(crate) async fn seed(&mut self) {
        let agent = "demo-agent".to_string();
        let seeded = self
            .json(
                "POST",
                &format!("/_emulator/agents/{agent}/conversations"),
                Some(json!({"count": 2, "turns": 1, "userId": "user-1"})),
            )
            .await;
        let conv = seeded["conversationIds"][0]
            .as_str()
            .expect("conversation id")
            .to_string();
        let msgs = self
            .json(
                "GET",
                &format!("/api/v2/agents/{agent}/conversations/{conv}/messages"),
                None,
            )
            .await;
        let msg = msgs["data"]
            .as_array()
            .and_then(|a| a.iter().find(|m| m["role"] == "assistant"))
            .and_then(|m| m["id"].as_str())
            .expect("an assistant message")
            .to_string();
        let sources = self
            .json("GET", &format!("/api/v2/agents/{agent}/sources"), None)
            .await;
        let source = sources["data"][0]["id"]
            .as_str()
            .expect("a source")
            .to_string();
        let ticket = self
            .json(
                "POST",
                &format!("/api/v2/agents/{agent}/helpdesk/tickets"),
                Some(json!({"subject": "Seed", "description": "Seeded ticket", "customer": {"email": "seed@example.com"}})),
            )
            .await;
        let ticket = ticket["data"]["ticketNumber"]
            .as_i64()
            .or_else(|| ticket["ticketNumber"].as_i64())
            .expect("ticket number")
            .to_string();
        let contacts = self
            .json(
                "POST",
                &format!("/api/v1/chatbots/{agent}/contacts"),
                Some(json!({"users": [{"external_id": "ext-1", "name": "Ann"}]})),
            )
            .await;
        let contact = contacts["created"][0]["id"]
            .as_str()
            .or_else(|| contacts[0]["id"].as_str())
            .or_else(|| contacts["data"][0]["id"].as_str())
            .unwrap_or("ext-1")
            .to_string();
        let _ = self
            .raw(
                "POST",
                &format!("/api/v1/chatbots/{agent}/custom-attributes"),
                Some(&json!({"name": "plan", "type": "text", "label": "Plan"})),
            )
            .await;
        self.ids.insert("agentId", agent.clone());
        self.ids.insert("chatbotId", agent);
        self.ids.insert("conversationId", conv);
        self.ids.insert("messageId", msg);
        self.ids.insert("userId", "user-1".into());
        self.ids.insert("sourceId", source);
        self.ids.insert("ticketNumber", ticket);
        self.ids.insert("contactId", contact);
        self.ids.insert("name", "plan".into());
    }
}

pub(crate) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

pub(crate) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Builds the request path from generated parameter values.
pub(crate) fn build_path(op: &Op, params: &BTreeMap<String, Value>) -> String {
    let mut path = op.path.clone();
    let mut query = Vec::new();
    for p in &op.params {
        let Some(v) = params.get(&p.name) else {
            continue;
        };
        match p.location.as_str() {
            "path" => path = path.replace(&format!("{{{}}}", p.name), &encode(&scalar(v))),
            "query" => query.push(format!("{}={}", p.name, encode(&scalar(v)))),
            _ => {}
        }
    }
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Everything wrong with one answer; empty when it conforms.
pub(crate) fn check_answer(spec: &Spec, op: &Op, a: &Answer) -> Vec<String> {
    let mut problems = Vec::new();
    if a.status >= 500 {
        problems.push(format!("server error {}: {}", a.status, a.text));
        return problems;
    }
    let Some(resp) = spec.response(op, a.status) else {
        problems.push(format!("undeclared status {}: {}", a.status, a.text));
        return problems;
    };
    let ct = a
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let content = resp.get("content");
    let Some(media) = content.and_then(|c| c.get(&ct)) else {
        if !(a.text.is_empty() && content.is_none()) {
            problems.push(format!("undeclared content type {ct:?} for {}", a.status));
        }
        return problems;
    };
    let schema = to_json_schema(media.get("schema").unwrap_or(&json!({})));
    let key = format!("{}:{}:{}:{ct}", spec.version, op.id, a.status);
    if ct == "application/json" {
        match serde_json::from_str::<Value>(&a.text) {
            Ok(body) => {
                problems.extend(spec.errors(&key, &schema, &body));
                if a.status >= 400 && spec.version == "v2" {
                    let code = body["error"]["code"].as_str().unwrap_or_default();
                    if let Some(codes) = op
                        .raw
                        .pointer(&format!("/x-chatbase-error-codes/{}", a.status))
                        .and_then(Value::as_array)
                        && !codes.iter().any(|c| c == code)
                    {
                        problems.push(format!("error code {code} not declared for {}", a.status));
                    }
                }
            }
            Err(e) => problems.push(format!("body is not JSON ({e}): {}", a.text)),
        }
    } else if ct == "text/event-stream" {
        let mut events = 0;
        for block in a.text.split("\n\n").filter(|b| !b.trim().is_empty()) {
            for line in block.lines() {
                if line.starts_with(':') {
                    continue;
                }
                let Some(data) = line.strip_prefix("data:") else {
                    problems.push(format!("stream line other than data: {line:?}"));
                    continue;
                };
                let data = data.strip_prefix(' ').unwrap_or(data);
                if data == "[DONE]" {
                    continue;
                }
                events += 1;
                match serde_json::from_str::<Value>(data) {
                    Ok(ev) => {
                        for e in spec.errors(&key, &schema, &ev) {
                            problems.push(format!("event {ev}: {e}"));
                        }
                    }
                    Err(e) => problems.push(format!("event is not JSON ({e}): {data}")),
                }
            }
        }
        if events == 0 {
            problems.push("empty event stream".into());
        }
    }
    problems
}

pub(crate) fn cases() -> u32 {
    std::env::var("CONFORMANCE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

pub(crate) fn runner() -> TestRunner {
    let seed = std::env::var("CONFORMANCE_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0x00C0_FFEE);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

pub(crate) fn sample(runner: &mut TestRunner, st: &BoxedStrategy<Value>) -> Value {
    st.new_tree(runner)
        .expect("strategy yields a value")
        .current()
}

/// Parameter values: fixture ids for path parameters (sometimes a generated one, which must
/// then be a declared 404 or 400), generated values for query parameters.
pub(crate) fn gen_params(
    spec: &Spec,
    env: &Env,
    op: &Op,
    runner: &mut TestRunner,
    mix: bool,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for p in &op.params {
        let fixture = env.ids.get(p.name.as_str());
        let use_fixture = !mix || runner.rng().random_range(0..4) != 0;
        let optional_query = p.required || runner.rng().random_bool(0.5);
        let v = match (p.location.as_str(), fixture) {
            ("path", Some(id)) if use_fixture => json!(id),
            ("query", Some(id)) => json!(id),
            ("path", _) => sample(runner, &strategy(spec, &p.schema, 0)),
            ("query", None) if optional_query => sample(runner, &strategy(spec, &p.schema, 0)),
            _ => continue,
        };
        // Parameters travel as text: an integer is written without a fraction.
        let v = match v.as_f64() {
            Some(f) if v.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => json!(f as i64),
            _ => v,
        };
        out.insert(p.name.clone(), v);
    }
    out
}

pub(crate) async fn fresh() -> Env {
    Env::new(builder()).await
}

pub(crate) fn specs() -> Vec<Spec> {
    vec![
        spec("chatbase-v2.yaml", "v2"),
        spec("chatbase-v1.yaml", "v1"),
    ]
}
