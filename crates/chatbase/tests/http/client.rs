//! Client plumbing: timeouts, connect errors, caller-supplied HTTP clients, raw requests, unknown values.

use super::*;

#[tokio::test]
async fn total_timeout_applies_to_non_streaming_calls() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s");
            then.status(200)
                .delay(Duration::from_millis(800))
                .json_body(source_item("s"));
        })
        .await;
    let err = client(&server)
        .agent("a")
        .source("s")
        .get()
        .timeout(Duration::from_millis(100))
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(TimeoutKind::Total)), "{err:?}");
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = Client::builder()
        .api_key(KEY)
        .api_url(format!("http://{addr}"))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let err = c.health().send().await.unwrap_err();
    assert!(err.request_not_executed(), "{err:?}");
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn health_works_and_call_futures_are_send() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/health");
            then.status(200)
                .json_body(json!({"status": "ok", "timestamp": 1700000000}));
        })
        .await;
    let c = client(&server);
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let h = tokio::spawn(async move {
        let fut = assert_send(c.health().send());
        fut.await
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(h.status, t2::HealthResponseStatus::Ok);
}

#[tokio::test]
async fn streaming_chat_is_retried_after_429_before_any_event() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v2/agents/a/chat");
            then.status(429).header("retry-after", "0").json_body(
                json!({"error": {"code": "RATE_LIMIT_TOO_MANY_REQUESTS", "message": "slow"}}),
            );
        })
        .await;
    limited.up_to_n_times_async(1).await;
    let ok = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v2/agents/a/chat");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(SSE_BODY);
        })
        .await;
    let r = client(&server)
        .agent("a")
        .chat("hi")
        .stream()
        .await
        .unwrap()
        .final_response()
        .await
        .unwrap();
    assert_eq!(r.text, "Hi there");
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn export_and_backward_message_paging_use_the_same_paginator() {
    let server = MockServer::start_async().await;
    let export = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/conversations/export")
                .query_param("limit", "20")
                .query_param("include", "summary");
            then.status(200).json_body(json!({"data": [
                {"id": "e1", "title": null, "createdAt": 1, "updatedAt": 2, "userId": null, "source": "API", "status": "ended"}
            ], "pagination": {"cursor": null, "hasMore": false, "total": 1}}));
        })
        .await;
    let c = client(&server);
    let exported: Vec<_> = c
        .agent("a")
        .conversations()
        .export()
        .limit(20)
        .include(t2::ExportConversationsInclude::Summary)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(exported.len(), 1);
    export.assert_async().await;

    // Newest page first; the cursor fetches older messages.
    let message = |id: &str| json!({"id": id, "role": "user", "parts": [{"type": "text", "text": id}], "createdAt": 1, "feedback": null, "metadata": null});
    let newest = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/conversations/c/messages").query_param_missing("cursor");
            then.status(200).json_body(json!({"data": [message("m3"), message("m4")], "pagination": {"cursor": "older", "hasMore": true, "total": 4}}));
        })
        .await;
    let older = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/conversations/c/messages").query_param("cursor", "older");
            then.status(200).json_body(json!({"data": [message("m1"), message("m2")], "pagination": {"cursor": null, "hasMore": false, "total": 4}}));
        })
        .await;
    let ids: Vec<String> = c
        .agent("a")
        .conversation("c")
        .list_messages()
        .items()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["m3", "m4", "m1", "m2"]);
    newest.assert_async().await;
    older.assert_async().await;
}

/// A client on a plain `reqwest::Client` of the caller's, without the SDK's default headers.
fn with_callers_http_client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .api_url(server.base_url())
        .http_client(reqwest::Client::new())
        .build()
        .unwrap()
}

#[tokio::test]
async fn caller_supplied_http_client_gets_auth_on_hand_built_requests() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/chat")
                .header("authorization", format!("Bearer {KEY}"));
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(SSE_BODY);
        })
        .await;
    let c = with_callers_http_client(&server);
    let r = c
        .agent("a")
        .chat("hi")
        .stream()
        .await
        .unwrap()
        .final_response()
        .await
        .unwrap();
    assert_eq!(r.text, "Hi there");
    m.assert_async().await;
}

#[tokio::test]
async fn caller_supplied_http_client_gets_auth_on_generated_operations() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/sources/summary")
                .header("authorization", format!("Bearer {KEY}"))
                .header_exists("user-agent");
            then.status(200).json_body(json!({"data": {}}));
        })
        .await;
    let c = with_callers_http_client(&server);
    // Generated operation; whatever its body decodes to, the request must have carried the key.
    let _ = c.agent("a").sources().summary().send().await;
    m.assert_async().await;
}

#[tokio::test]
async fn raw_requests_resolve_paths_and_decode_json() {
    let server = MockServer::start_async().await;
    let v2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/sources/summary")
                .query_param("x", "1")
                .header("authorization", format!("Bearer {KEY}"));
            then.status(200).json_body(json!({"ok": true}));
        })
        .await;
    let v1 = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/create-chatbot")
                .json_body(json!({"chatbotName": "bot"}));
            then.status(400)
                .json_body(json!({"message": "Invalid request body"}));
        })
        .await;
    let c = client(&server);
    let r = c
        .request(chatbase::Method::GET, "/agents/a/sources/summary")
        .query("x", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r["ok"], true);
    let err = c
        .request(chatbase::Method::POST, "/api/v1/create-chatbot")
        .json(json!({"chatbotName": "bot"}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    v2.assert_async().await;
    v1.assert_calls_async(1).await;
}

#[tokio::test]
async fn raw_requests_never_send_the_key_off_the_configured_origins() {
    let server = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({"ok": true}));
        })
        .await;
    let on_origin = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents");
            then.status(200).json_body(json!({"data": []}));
        })
        .await;
    let c = client(&server);
    let err = c
        .request(
            chatbase::Method::GET,
            &format!("{}/collect", elsewhere.base_url()),
        )
        .send()
        .await
        .unwrap_err();
    let Error::InvalidInput(msg) = &err else {
        panic!("expected a local refusal, got {err:?}");
    };
    assert!(msg.contains("refusing to send the API key"), "{msg}");
    assert!(msg.contains(&elsewhere.base_url()), "{msg}");
    stolen.assert_calls_async(0).await;
    // A full URL on the configured origin is fine.
    c.request(
        chatbase::Method::GET,
        &format!("{}/api/v2/agents", server.base_url()),
    )
    .send()
    .await
    .unwrap();
    on_origin.assert_calls_async(1).await;
}

/// A conversation from a newer server: an unknown channel, an unknown part type, unknown fields, nulls.
const FUTURE_CONVERSATION: &str = r#"{"id":"c1","title":null,"createdAt":1700000000,"updatedAt":5564,"userId":null,"source":"Telegram","status":"archived","tags":["vip"],"messages":[{"id":"m1","role":"system","parts":[{"type":"image","url":"https://example.test/a.png"},{"type":"text","text":"hi"}],"createdAt":1700000000,"attachments":[]}]}"#;

#[tokio::test]
async fn unknown_enum_values_and_part_types_do_not_fail_an_export_page() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/conversations/export");
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"data": [{FUTURE_CONVERSATION}], "pagination": {{"cursor": null, "hasMore": false, "total": 1}}}}"#
                ));
        })
        .await;
    let c = client(&server);
    let items: Vec<t2::ExportConversation> = c
        .agent("a")
        .conversations()
        .export()
        .items()
        .try_collect()
        .await
        .unwrap();
    let conv = &items[0];
    assert_eq!(
        conv.source,
        Some(t2::ExportConversationSource::Unknown("Telegram".into()))
    );
    assert_eq!(conv.source.as_ref().unwrap().to_string(), "Telegram");
    assert_eq!(
        conv.status,
        t2::ExportConversationStatus::Unknown("archived".into())
    );
    let message = &conv.messages[0];
    assert_eq!(
        message.role,
        t2::ExportMessageRole::Unknown("system".into())
    );
    match &message.parts[0] {
        t2::ExportMessagePart::Unknown(v) => {
            assert_eq!(
                v,
                &json!({"type": "image", "url": "https://example.test/a.png"})
            )
        }
        other => panic!("an unknown part type is kept as it arrived: {other:?}"),
    }
    assert!(matches!(
        message.parts[1],
        t2::ExportMessagePart::TextPart(_)
    ));

    // Raw pages carry the server's text of each item, byte for byte.
    let pages: Vec<_> = c
        .agent("a")
        .conversations()
        .export()
        .raw_pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].items()[0].get(), FUTURE_CONVERSATION);
    assert_eq!(pages[0].total(), Some(1));
}

#[tokio::test]
async fn send_raw_returns_the_servers_bytes_after_checking_them() {
    let server = MockServer::start_async().await;
    let body = r#"{"id": "s1", "type": "file", "name": null, "size": 5564, "createdAt": "2026-01-01T00:00:00Z", "status": "trained", "metadata": null, "tags": ["new"]}"#;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s1");
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/bad");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"id": 5}"#);
        })
        .await;
    let c = client(&server);
    let raw = c.agent("a").source("s1").get().send_raw().await.unwrap();
    assert_eq!(raw.json().get(), body);
    assert_eq!(raw.value().size, 5564.0);
    let err = c
        .agent("a")
        .source("bad")
        .get()
        .send_raw()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}
