//! Hostile input on every route: wrong types, nulls, odd JSON and bogus ids never produce a
//! 5xx, and the server keeps serving (with its data intact) afterwards.

mod common;

use chatbase_api::operations::OPERATIONS;
use common::start;
use serde_json::{Value, json};

fn fill(template: &str, agent: &str) -> String {
    template
        .split('/')
        .map(|seg| match seg {
            "{agentId}" | "{chatbotId}" => agent.to_string(),
            "{ticketNumber}" => "1".to_string(),
            s if s.starts_with('{') => "x-1".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn weird_bodies() -> Vec<Value> {
    let keys = [
        "name",
        "message",
        "content",
        "type",
        "questions",
        "answer",
        "url",
        "linkType",
        "stream",
        "conversationId",
        "userId",
        "messageId",
        "toolCallId",
        "paused",
        "feedback",
        "styles",
        "enabled",
        "subject",
        "description",
        "customer",
        "statusId",
        "priority",
        "query",
        "limit",
        "to",
        "template",
        "chatbotId",
        "chatbotName",
        "messages",
        "users",
        "data",
        "temp",
        "model",
        "creditLimit",
        "voiceSettings",
        "sourceText",
        "archived",
        "label",
    ];
    let mut out = vec![json!({}), json!([]), json!(null), json!("text"), json!(12)];
    for filler in [
        json!(null),
        json!(-1),
        json!(1e308),
        json!(""),
        json!([null]),
        json!({"a": {"b": []}}),
        json!(true),
    ] {
        out.push(Value::Object(
            keys.iter()
                .map(|k| (k.to_string(), filler.clone()))
                .collect(),
        ));
    }
    out
}

#[tokio::test]
async fn no_input_causes_a_server_error() {
    let (_emu, api) = start().await;
    let control = api
        .agent_with_text(
            "Control",
            "Lighthouses guide ships with rotating beams of light.",
        )
        .await;
    let mut checked = 0;
    for info in OPERATIONS {
        let (op, method, template) = (info.operation_id, info.method.as_str(), info.full_path);
        for agent in ["demo-agent", "missing-agent"] {
            let path = fill(template, agent);
            for body in weird_bodies() {
                let r = api.call(method, &path, Some(body.clone())).await;
                assert!(
                    r.status < 500,
                    "{op} {method} {path} with {body} gave {}: {}",
                    r.status,
                    r.text
                );
                checked += 1;
            }
            let raw = api
                .http
                .request(
                    reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                    format!("{}{path}?limit=abc&cursor=%FF&page=-1", api.base),
                )
                .bearer_auth(&api.key)
                .header("content-type", "application/json")
                .body("{\"unterminated")
                .send()
                .await
                .unwrap();
            assert!(
                raw.status().as_u16() < 500,
                "{op} raw gave {}",
                raw.status()
            );
        }
    }
    assert!(checked > 1000);
    // Still alive, and an agent the requests did not target is intact. (The demo agent may
    // legitimately be gone: deleteAgent and deleteChatbot were among the routes.)
    let r = api
        .post(
            &format!("/api/v2/agents/{control}/chat"),
            json!({"message": "What do lighthouses do?", "stream": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["data"]["parts"][0]["text"]
            .as_str()
            .unwrap()
            .contains("rotating beams")
    );
}

#[tokio::test]
async fn credit_limits_stop_chat_with_402() {
    let (_emu, api) = start().await;
    let r = api
        .put("/api/v2/agents/demo-agent", json!({"creditLimit": 1}))
        .await;
    assert_eq!(r.status, 200);
    let ok = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "hi", "stream": false}),
        )
        .await;
    assert_eq!(ok.status, 200);
    let spent = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "hi", "stream": false}),
        )
        .await;
    assert_eq!(spent.status, 402);
    assert_eq!(spent.body["error"]["code"], "CHAT_CREDITS_EXHAUSTED");
    let v1 = api
        .post(
            "/api/v1/chat",
            json!({"chatbotId": "demo-agent", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(v1.status, 403);
    assert_eq!(
        api.get("/api/v2/agents/demo-agent").await.body["creditsUsed"],
        1
    );
}
