//! Auth headers, error mapping and decoding, and which calls are retried.

use super::*;

#[tokio::test]
async fn sends_bearer_key_and_user_agent_and_returns_metadata() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a1/conversations")
                .header("authorization", format!("Bearer {KEY}"))
                .header_exists("user-agent")
                .query_param("limit", "5");
            then.status(200)
                .header("x-request-id", "req_42")
                .header("x-ratelimit-remaining", "99")
                .json_body(json!({"data": [conversation(1)], "pagination": {"cursor": null, "hasMore": false, "total": 1}}));
        })
        .await;
    let c = client(&server);
    let resp = c
        .agent("a1")
        .conversations()
        .list()
        .limit(5)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.request_id(), Some("req_42"));
    assert_eq!(resp.rate_limit_remaining(), Some(99));
    assert_eq!(resp.data[0].id, "c1");
    m.assert_async().await;
}

#[tokio::test]
async fn v2_error_maps_code_details_and_request_id() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/missing/sources/s1");
            then.status(404).header("x-request-id", "req_nf").json_body(
                json!({"error": {"code": "SOURCE_NOT_FOUND", "message": "Source not found", "details": {"sourceId": "bad"}}}),
            );
        })
        .await;
    let err = client(&server)
        .agent("missing")
        .source("s1")
        .get()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some(&ErrorCode::SourceNotFound));
    assert_eq!(err.request_id(), Some("req_nf"));
    assert_eq!(
        err.api().unwrap().details.as_ref().unwrap()["sourceId"],
        "bad"
    );
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("Source not found") && text.contains("req_nf"),
        "{text}"
    );
    assert!(!text.contains(KEY) && !format!("{err:?}").contains(KEY));
}

#[tokio::test]
async fn v1_message_errors_map_onto_the_same_type() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/get-chatbots");
            then.status(401)
                .json_body(json!({"message": "Unauthorized access"}));
        })
        .await;
    let err = client(&server)
        .v1()
        .chatbots()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.code(), None, "v1 bodies carry no code");
    assert!(err.is_auth_failure());
    assert_eq!(err.api().unwrap().message, "Unauthorized access");
}

#[tokio::test]
async fn unexpected_json_shape_is_a_decode_error_not_a_panic() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s");
            then.status(200).json_body(json!({"id": 5}));
        })
        .await;
    let err = client(&server)
        .agent("a")
        .source("s")
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn decode_error_names_the_json_path_of_the_mismatch() {
    let server = MockServer::start_async().await;
    let mut bad = source_item("s");
    bad["size"] = json!("three bytes");
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s");
            then.status(200).json_body(bad);
        })
        .await;
    let err = client(&server)
        .agent("a")
        .source("s")
        .get()
        .send()
        .await
        .unwrap_err();
    let Error::Decode { path, snippet, .. } = &err else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!(path, "size");
    assert!(snippet.contains("three bytes"), "{snippet}");
}

#[tokio::test]
async fn html_error_page_keeps_its_status_and_is_retried() {
    let server = MockServer::start_async().await;
    let page = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents");
            then.status(503)
                .header("content-type", "text/html")
                .body("<html><body>Service Unavailable</body></html>");
        })
        .await;
    let err = client(&server).agents().list().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert!(err.is_retryable());
    // One first attempt plus the two default retries.
    page.assert_calls_async(3).await;
}

#[tokio::test]
async fn a_conflict_is_not_retried_even_when_replay_is_safe() {
    let server = MockServer::start_async().await;
    let conflict = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s");
            then.status(409).json_body(
                json!({"error": {"code": "SOURCE_PENDING_DELETION", "message": "pending"}}),
            );
        })
        .await;
    let err = client(&server)
        .agent("a")
        .source("s")
        .get()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::SourcePendingDeletion));
    assert!(!err.is_retryable());
    conflict.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_foreign_server_is_named_in_the_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents");
            then.status(404)
                .header("content-type", "text/html")
                .body("<html><body>Welcome to nginx</body></html>");
        })
        .await;
    let err = client(&server).agents().list().send().await.unwrap_err();
    let api = err.api().expect("an API error");
    assert!(api.foreign);
    assert_eq!(api.code, None);
    let expected = format!(
        "the server at {}/api/v2/agents did not answer like the Chatbase API (HTTP 404, text/html)",
        server.base_url()
    );
    assert_eq!(api.message, expected);
    assert!(std::str::from_utf8(&api.body).unwrap().contains("nginx"));
}

#[tokio::test]
async fn get_is_retried_on_503_then_succeeds() {
    let server = MockServer::start_async().await;
    let fail = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s");
            then.status(503).json_body(
                json!({"error": {"code": "SERVICE_UNDER_MAINTENANCE", "message": "later"}}),
            );
        })
        .await;
    fail.up_to_n_times_async(2).await;
    let ok = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s");
            then.status(200).json_body(source_item("s"));
        })
        .await;
    let src = client(&server)
        .agent("a")
        .source("s")
        .get()
        .send()
        .await
        .unwrap();
    assert_eq!(src.id, "s");
    fail.assert_calls_async(2).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn max_retries_zero_per_call_disables_retries() {
    let server = MockServer::start_async().await;
    let fail = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s");
            then.status(500)
                .json_body(json!({"error": {"code": "INTERNAL_SERVER_ERROR", "message": "x"}}));
        })
        .await;
    let err = client(&server)
        .agent("a")
        .source("s")
        .get()
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    fail.assert_calls_async(1).await;
}

#[tokio::test]
async fn credit_spending_chat_is_not_retried_on_500_but_is_on_429() {
    let server = MockServer::start_async().await;
    let m500 = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/chat")
                .json_body_includes(r#"{"message":"boom"}"#);
            then.status(500)
                .json_body(json!({"error": {"code": "INTERNAL_SERVER_ERROR", "message": "x"}}));
        })
        .await;
    let err = client(&server)
        .agent("a")
        .chat("boom")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    m500.assert_calls_async(1).await;

    let m429 = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/chat")
                .json_body_includes(r#"{"message":"busy"}"#);
            then.status(429).header("retry-after", "0").json_body(
                json!({"error": {"code": "RATE_LIMIT_TOO_MANY_REQUESTS", "message": "slow"}}),
            );
        })
        .await;
    let err = client(&server)
        .agent("a")
        .chat("busy")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_rate_limited());
    m429.assert_calls_async(3).await;
}
