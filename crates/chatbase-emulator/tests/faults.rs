//! Fault injection: latency, per-route errors, resets, stream cuts and stalls, set by
//! config and through the `/_emulator` admin API.

mod common;

use std::time::{Duration, Instant};

use chatbase_emulator::{ErrorFault, Faults, StallFault};
use common::{KEY, builder, sse_data, start, start_with};
use serde_json::json;

#[tokio::test]
async fn admin_api_sets_route_errors_and_latency() {
    let (_emu, api) = start().await;
    let faults = json!({"latencyMs": 150, "errors": [{"operation": "listAgents", "rate": 1.0, "status": 503}]});
    let r = api.put("/_emulator/faults", faults.clone()).await;
    assert_eq!(r.status, 200);
    let got = api.get("/_emulator/faults").await;
    assert_eq!(got.body["errors"][0]["status"], 503);
    let t = Instant::now();
    let r = api.get("/api/v2/agents").await;
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert_eq!(r.status, 503);
    assert_eq!(r.body["error"]["code"], "SERVICE_UNDER_MAINTENANCE");
    assert!(r.header("x-request-id").is_some());
    // Other operations are untouched.
    assert_eq!(api.get("/api/v2/agents/demo-agent").await.status, 200);
    let bad = api
        .put("/_emulator/faults", json!({"errors": [{"rate": 2.0}]}))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(api.delete("/_emulator/faults").await.status, 200);
    assert_eq!(api.get("/api/v2/agents").await.status, 200);
}

#[tokio::test]
async fn configured_error_rate_applies_to_all_routes() {
    let faults = Faults {
        errors: vec![ErrorFault {
            operation: None,
            rate: 1.0,
            status: 500,
        }],
        ..Faults::default()
    };
    let (_emu, api) = start_with(builder().faults(faults)).await;
    let r = api.get("/api/v2/agents/demo-agent/sources").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body["error"]["code"], "INTERNAL_SERVER_ERROR");
    let v1 = api.get("/api/v1/get-chatbots").await;
    assert_eq!(v1.status, 500);
    assert!(v1.body["message"].is_string());
}

#[tokio::test]
async fn resets_drop_the_connection() {
    let (_emu, api) = start().await;
    api.put(
        "/_emulator/faults",
        json!({"resets": [{"operation": "getAgent", "rate": 1.0}]}),
    )
    .await;
    let r = api
        .http
        .get(format!("{}/api/v2/agents/demo-agent", api.base))
        .bearer_auth(KEY)
        .send()
        .await;
    let failed = match r {
        Err(_) => true,
        Ok(resp) => resp.text().await.is_err(),
    };
    assert!(failed, "a reset must surface as a transport error");
    assert_eq!(api.get("/api/v2/agents").await.status, 200);
}

#[tokio::test]
async fn streams_can_be_cut_mid_event() {
    let (_emu, api) = start().await;
    api.put("/_emulator/faults", json!({"streamCutAfterEvents": 4}))
        .await;
    let resp = api
        .http
        .post(format!("{}/api/v2/agents/demo-agent/chat", api.base))
        .bearer_auth(KEY)
        .json(&json!({"message": "How do I reset my password?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    let mut errored = false;
    use futures::StreamExt;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(b) => body.extend_from_slice(&b),
            Err(_) => {
                errored = true;
                break;
            }
        }
    }
    assert!(errored, "the body must end with a transport error");
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("[DONE]"));
    assert!(!text.ends_with("\n\n"), "cut inside an event: {text:?}");
    assert_eq!(sse_data(&text).len(), 5);
    // v1 text streams are cut too.
    let resp = api
        .http
        .post(format!("{}/api/v1/chat", api.base))
        .bearer_auth(KEY)
        .json(&json!({"chatbotId": "demo-agent", "messages": [{"role": "user", "content": "reset password"}], "stream": true}))
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.is_err());
}

#[tokio::test]
async fn streams_can_stall() {
    let faults = Faults {
        stall: Some(StallFault {
            after_events: 2,
            duration_ms: 400,
        }),
        ..Faults::default()
    };
    let (_emu, api) = start_with(builder().faults(faults)).await;
    let t = Instant::now();
    let resp = api
        .http
        .post(format!("{}/api/v2/agents/demo-agent/chat", api.base))
        .bearer_auth(KEY)
        .json(&json!({"message": "How do I reset my password?"}))
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(400));
    assert!(
        text.ends_with("data: [DONE]\n\n"),
        "a stall delays but completes the stream"
    );
}

#[tokio::test]
async fn admin_reset_wipes_and_reseeds() {
    let (_emu, api) = start().await;
    api.post("/api/v2/agents", json!({"name": "Temp"})).await;
    assert_eq!(
        api.get("/api/v2/agents").await.body["pagination"]["total"],
        2
    );
    let r = api.post("/_emulator/reset", json!({})).await;
    assert_eq!(r.status, 200);
    let agents = api.get("/api/v2/agents").await;
    assert_eq!(agents.body["pagination"]["total"], 1);
    assert_eq!(agents.body["data"][0]["id"], "demo-agent");
    let info = api.get("/_emulator/info").await;
    assert_eq!(info.body["demoAgentId"], "demo-agent");
}

#[tokio::test]
async fn admin_seeds_conversations_for_paging() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/_emulator/agents/demo-agent/conversations",
            json!({"count": 45, "turns": 2, "userId": "bulk"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["conversationIds"].as_array().unwrap().len(), 45);
    let list = api
        .get("/api/v2/agents/demo-agent/conversations?limit=100")
        .await;
    assert_eq!(list.body["pagination"]["total"], 45);
    let export = api
        .get("/api/v2/agents/demo-agent/conversations/export")
        .await;
    assert_eq!(export.body["data"].as_array().unwrap().len(), 20);
    assert_eq!(
        export.body["data"][0]["messages"].as_array().unwrap().len(),
        4
    );
    assert_eq!(export.body["pagination"]["hasMore"], true);
    let mine = api
        .get("/api/v2/agents/demo-agent/users/bulk/conversations?limit=50")
        .await;
    assert_eq!(mine.body["pagination"]["total"], 45);
    let bad = api
        .post(
            "/_emulator/agents/demo-agent/conversations",
            json!({"count": 0}),
        )
        .await;
    assert_eq!(bad.status, 400);
}
