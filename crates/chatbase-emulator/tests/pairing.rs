//! The browser-pairing routes on their own: create and exchange need no key, a minted key authenticates the API
//! and `GET /api/cli-pairing/me` describes it, revoke takes only paired keys, and expiry and denial answer with
//! their codes. The admin routes under `/_emulator/pairing` play the user.

mod common;

use std::time::Duration;

use serde_json::{Value, json};

async fn unauthenticated(base: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn with_key(base: &str, method: &str, path: &str, key: &str) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let resp = reqwest::Client::new()
        .request(m, format!("{base}{path}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_code_is_created_without_a_key_approved_exchanged_for_a_working_key_and_revoked() {
    let (emu, api) = common::start_with(
        common::builder().pairing_timing(Duration::from_millis(2500), Duration::from_secs(60)),
    )
    .await;
    let base = emu.base_url();
    let (status, created) = unauthenticated(
        &base,
        "/api/cli-pairing/create",
        json!({"device_name": "laptop"}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["interval"], 2.5, "{created}");
    assert_eq!(created["expires_in"], 60, "{created}");
    let device = created["device_code"].as_str().unwrap().to_owned();
    let user = created["user_code"].as_str().unwrap().to_owned();
    assert!(
        created["verification_uri_complete"]
            .as_str()
            .unwrap()
            .ends_with(&format!("?code={user}"))
    );

    let exchange = || {
        unauthenticated(
            &base,
            "/api/cli-pairing/exchange",
            json!({"device_code": device}),
        )
    };
    let (status, pending) = exchange().await;
    assert_eq!(
        (status, pending["error"]["code"].as_str()),
        (400, Some("PAIRING_PENDING"))
    );
    // At once again: far sooner than the 2.5 s interval, so the client is told to slow down.
    let (_, fast) = exchange().await;
    assert_eq!(fast["error"]["code"], "PAIRING_SLOW_DOWN", "{fast}");

    let listed = api.get("/_emulator/pairing").await.body;
    assert_eq!(listed["requests"][0]["deviceName"], "laptop", "{listed}");
    assert_eq!(
        listed["requests"][0]["intervalMs"], 5000,
        "doubled: {listed}"
    );
    let r = api
        .post(&format!("/_emulator/pairing/{user}/approve"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // An approved request hands out its key at once; patience only matters while it is pending.
    let (status, paired) = exchange().await;
    assert_eq!(status, 200, "{paired}");
    let key = paired["api_key"].as_str().unwrap().to_owned();
    assert_eq!(paired["workspace"]["name"], "Chatbase emulator");
    let (_, again) = exchange().await;
    assert_eq!(again["error"]["code"], "PAIRING_ALREADY_USED", "{again}");

    let (status, _) = with_key(&base, "GET", "/api/v2/agents", &key).await;
    assert_eq!(status, 200);
    let (_, me) = with_key(&base, "GET", "/api/cli-pairing/me", &key).await;
    assert_eq!(me["credential"]["source"], "pairing", "{me}");
    assert!(me["credential"]["expiresAt"].is_string(), "{me}");

    // The emulator's own key is not a paired key and cannot be revoked here.
    let (status, refused) = with_key(&base, "POST", "/api/cli-pairing/revoke", common::KEY).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("PAIRING_NOT_PAIRED_KEY"))
    );
    let (status, _) = with_key(&base, "POST", "/api/cli-pairing/revoke", &key).await;
    assert_eq!(status, 200);
    let (status, _) = with_key(&base, "GET", "/api/v2/agents", &key).await;
    assert_eq!(status, 401, "a revoked key no longer works");
    emu.shutdown().await;
}

#[tokio::test]
async fn denied_and_expired_requests_answer_with_their_codes() {
    let (emu, api) = common::start_with(
        common::builder().pairing_timing(Duration::from_millis(1), Duration::from_secs(60)),
    )
    .await;
    let base = emu.base_url();
    let (_, a) = unauthenticated(&base, "/api/cli-pairing/create", json!({})).await;
    let user = a["user_code"].as_str().unwrap();
    let r = api
        .post(&format!("/_emulator/pairing/{user}/deny"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (status, denied) = unauthenticated(
        &base,
        "/api/cli-pairing/exchange",
        json!({"device_code": a["device_code"]}),
    )
    .await;
    assert_eq!(
        (status, denied["error"]["code"].as_str()),
        (403, Some("PAIRING_DENIED"))
    );
    let r = api
        .post("/_emulator/pairing/NOPE-NOPE/approve", json!({}))
        .await;
    assert_eq!(r.status, 404);
    emu.shutdown().await;

    let (emu, _) = common::start_with(
        common::builder().pairing_timing(Duration::from_millis(1), Duration::from_millis(50)),
    )
    .await;
    let base = emu.base_url();
    let (_, b) = unauthenticated(&base, "/api/cli-pairing/create", json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, expired) = unauthenticated(
        &base,
        "/api/cli-pairing/exchange",
        json!({"device_code": b["device_code"]}),
    )
    .await;
    assert_eq!(
        (status, expired["error"]["code"].as_str()),
        (410, Some("PAIRING_EXPIRED"))
    );
    emu.shutdown().await;
}
