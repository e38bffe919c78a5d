//! Auth (401), validation (400), unknown routes (404/405), oversized bodies (413), rate
//! limits (429 + Retry-After) and the headers every response carries.

mod common;

use std::time::Duration;

use chatbase_emulator::RateLimit;
use common::{builder, start, start_with};
use serde_json::{Value, json};

#[tokio::test]
async fn missing_and_wrong_keys_get_401_in_each_envelope() {
    let (_emu, api) = start().await;
    let r = api
        .http
        .get(format!("{}/api/v2/agents", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("x-request-id"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AUTH_MISSING_API_KEY");
    let r = api
        .http
        .get(format!("{}/api/v2/agents", api.base))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AUTH_INVALID_API_KEY");
    let r = api
        .http
        .get(format!("{}/api/v1/get-chatbots", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"].is_string());
    assert!(body.get("error").is_none());
    let r = api
        .http
        .get(format!("{}/_emulator/faults", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn validation_errors_name_each_field() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/api/v2/agents",
            json!({"name": "", "temp": 3, "visibility": "secret", "model": 5}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "VALIDATION_INVALID_BODY");
    let d = r.body["error"]["details"].as_object().unwrap();
    for f in ["name", "temp", "visibility", "model"] {
        assert!(d.contains_key(f), "missing {f} in {d:?}");
    }
    let raw = api
        .http
        .post(format!("{}/api/v2/agents", api.base))
        .bearer_auth(&api.key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["error"]["code"], "VALIDATION_INVALID_JSON");
    let r = api.get("/api/v2/agents?limit=0").await;
    assert_eq!(r.status, 400);
    assert!(r.body["error"]["details"]["limit"].is_string());
    let r = api.get("/api/v2/agents?cursor=%%%").await;
    assert_eq!(r.status, 400);
    let r = api
        .post("/api/v1/create-chatbot", json!({"chatbotName": "ab"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["issues"][0]["field"], "chatbotName");
    let r = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "", "userId": "no spaces"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body["error"]["details"]["userId"].is_string());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json() {
    let (_emu, api) = start().await;
    let r = api.get("/api/v2/nothing/here").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"]["code"], "RESOURCE_NOT_FOUND");
    let r = api.get("/totally/elsewhere").await;
    assert_eq!(r.status, 404);
    assert!(r.body["error"]["message"].is_string());
    let r = api.delete("/api/v2/agents").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.body["error"]["code"], "METHOD_NOT_ALLOWED");
    let r = api.get("/api/v1/nothing").await;
    assert_eq!(r.status, 404);
    assert!(r.body["message"].is_string());
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let (_emu, api) = start().await;
    let big = "x".repeat(6 * 1024 * 1024);
    let r = api.post("/api/v2/agents", json!({"name": big})).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.body["error"]["code"], "VALIDATION_INVALID_BODY");
    let huge = vec![b'a'; 22 * 1024 * 1024];
    let form = reqwest::multipart::Form::new().text("name", "big").part(
        "file",
        reqwest::multipart::Part::bytes(huge).file_name("big.txt"),
    );
    let r = api
        .http
        .post(format!("{}/api/v2/agents/demo-agent/sources", api.base))
        .bearer_auth(&api.key)
        .multipart(form)
        .send()
        .await;
    // Either a clean 4xx or a closed connection once the limit is hit; never a 2xx.
    if let Ok(resp) = r {
        assert!(resp.status().is_client_error(), "{}", resp.status());
    }
    assert_eq!(
        api.get("/api/v2/agents/demo-agent/sources").await.body["pagination"]["total"],
        7
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_recovers() {
    let limit = RateLimit {
        requests: 5,
        window: Duration::from_secs(1),
    };
    let (_emu, api) = start_with(builder().rate_limit(Some(limit))).await;
    let mut last_remaining = u32::MAX;
    for _ in 0..5 {
        let r = api.get("/api/v2/agents").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-ratelimit-limit"), Some("5"));
        let rem: u32 = r.header("x-ratelimit-remaining").unwrap().parse().unwrap();
        assert!(rem < last_remaining);
        last_remaining = rem;
        let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(
            (now..=now + 2).contains(&reset),
            "reset is the window's end in Unix seconds: {reset} (now {now})"
        );
    }
    let r = api.get("/api/v2/agents").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["error"]["code"], "RATE_LIMIT_TOO_MANY_REQUESTS");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let v1 = api.get("/api/v1/get-chatbots").await;
    assert_eq!(v1.status, 429);
    assert!(v1.body["message"].is_string());
    // Health is never limited.
    let h = api
        .http
        .get(format!("{}/api/v2/health", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(h.status(), 200);
    tokio::time::sleep(Duration::from_secs(retry + 1)).await;
    assert_eq!(api.get("/api/v2/agents").await.status, 200);
}
