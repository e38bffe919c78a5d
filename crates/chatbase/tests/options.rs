//! Request options and first-use ergonomics against an httpmock server: every builder takes the same
//! per-call options (retries, timeout, headers), the untyped request's `send()` has the shape of every other
//! `send()`, generated newtypes accept plain strings and builders, and API errors keep the server's details.

use std::time::Duration;

use chatbase::types::v2 as t2;
use chatbase::{Client, Error, RequestOptions, UploadSource};
use httpmock::prelude::*;
use serde_json::json;

const KEY: &str = "sk-test-0123456789abcdef";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .api_url(server.base_url())
        .files_url(server.base_url())
        .max_retries(0)
        .build()
        .unwrap()
}

const CHAT_JSON: &str = r#"{"data":{"id":"m2","role":"assistant","parts":[{"type":"text","text":"Hello"}],"metadata":{"userMessageId":"u1","conversationId":"c1","userId":null,"finishReason":"stop","usage":{"credits":1}}}}"#;

#[tokio::test]
async fn every_builder_takes_the_same_request_options() {
    let server = MockServer::start_async().await;
    let traced = |when: httpmock::When| when.header("x-trace", "t1");
    let list = server
        .mock_async(|when, then| {
            traced(when).method(GET).path("/api/v2/agents");
            then.status(200).json_body(
                json!({"data": [], "pagination": {"cursor": null, "hasMore": false, "total": 0}}),
            );
        })
        .await;
    let chat = server
        .mock_async(|when, then| {
            traced(when).method(POST).path("/api/v2/agents/a/chat");
            then.status(200).body(CHAT_JSON);
        })
        .await;
    let retry = server
        .mock_async(|when, then| {
            traced(when)
                .method(POST)
                .path("/api/v2/agents/a/conversations/c1/retry");
            then.status(200).body(CHAT_JSON);
        })
        .await;
    let upload = server
        .mock_async(|when, then| {
            traced(when).method(POST).path("/api/v2/agents/a/sources");
            then.status(201).json_body(json!({"id": "s9", "type": "file", "name": "doc.txt", "size": 3, "createdAt": "2026-01-01T00:00:00Z", "status": "untrained", "metadata": null}));
        })
        .await;
    let v1_chat = server
        .mock_async(|when, then| {
            traced(when).method(POST).path("/api/v1/chat");
            then.status(200).json_body(json!({"text": "hi"}));
        })
        .await;
    let image = server
        .mock_async(|when, then| {
            traced(when)
                .method(POST)
                .path("/api/v1/upload-chatbot-icon");
            then.status(200).json_body(json!({"message": "ok"}));
        })
        .await;
    let raw = server
        .mock_async(|when, then| {
            traced(when).method(GET).path("/api/v2/anything");
            then.status(200).json_body(json!({"ok": true}));
        })
        .await;

    let c = client(&server);
    let t = Duration::from_secs(30);
    // The same four setters on each builder, and `.options(…)` with the same meaning.
    c.agents()
        .list()
        .max_retries(0)
        .timeout(t)
        .header("x-trace", "t1")
        .send()
        .await
        .unwrap();
    let opts = RequestOptions::new()
        .max_retries(0)
        .timeout(t)
        .header("x-trace", "t1");
    c.agent("a")
        .chat("hi")
        .options(opts.clone())
        .send()
        .await
        .unwrap();
    c.agent("a")
        .conversation("c1")
        .retry("m1")
        .max_retries(0)
        .timeout(t)
        .stream_event_timeout(t)
        .header("x-trace", "t1")
        .send()
        .await
        .unwrap();
    c.agent("a")
        .sources()
        .upload(UploadSource::bytes("doc.txt", vec![b'x'; 60]))
        .max_retries(0)
        .timeout(t)
        .header("x-trace", "t1")
        .send()
        .await
        .unwrap();
    c.v1()
        .chat("bot")
        .user("hi")
        .options(opts.clone())
        .stream_idle_timeout(t)
        .send()
        .await
        .unwrap();
    c.v1()
        .chatbot("bot")
        .upload_icon(UploadSource::bytes("i.png", vec![1u8, 2, 3]))
        .options(opts)
        .send()
        .await
        .unwrap();
    c.request(chatbase::Method::GET, "/anything")
        .max_retries(0)
        .timeout(t)
        .header("x-trace", "t1")
        .send()
        .await
        .unwrap();
    for m in [list, chat, retry, upload, v1_chat, image, raw] {
        m.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn a_per_call_header_replaces_the_sdks_own() {
    let server = MockServer::start_async().await;
    let other_key = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a")
                .header("authorization", "Bearer sk-other");
            then.status(200).json_body(json!({"ok": true}));
        })
        .await;
    let c = client(&server);
    // A generated operation (its headers come from the pre-request hook) and a hand-built request.
    let err = c
        .agent("a")
        .get()
        .header("authorization", "Bearer sk-other")
        .send()
        .await
        .unwrap_err();
    // The mock answers `{"ok":true}`, not an agent: reaching the decoder proves the header matched.
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let v = c
        .request(chatbase::Method::GET, "/agents/a")
        .header("authorization", "Bearer sk-other")
        .send()
        .await
        .unwrap();
    assert_eq!(v, json!({"ok": true}));
    other_key.assert_calls_async(2).await;
}

#[tokio::test]
async fn an_invalid_header_fails_locally_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({}));
        })
        .await;
    let c = client(&server);
    let errors = [
        c.agents()
            .list()
            .header("bad name", "v")
            .send()
            .await
            .map(drop),
        c.agent("a")
            .chat("hi")
            .header("x-ok", "line\nbreak")
            .send()
            .await
            .map(drop),
        c.request(chatbase::Method::GET, "/agents")
            .header("bad name", "v")
            .send()
            .await
            .map(drop),
    ];
    for e in errors {
        let Err(Error::InvalidInput(m)) = e else {
            panic!("expected a local refusal, got {e:?}");
        };
        assert!(m.contains("header"), "{m}");
    }
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn the_untyped_request_sends_like_every_other_builder() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/thing");
            then.status(200)
                .header("x-request-id", "req_7")
                .json_body(json!({"n": 1}));
        })
        .await;
    let c = client(&server);
    // `send()` is the decoded body, `send_with_response()` adds the metadata, as on `Call`.
    let v: serde_json::Value = c
        .request(chatbase::Method::GET, "/thing")
        .send()
        .await
        .unwrap();
    assert_eq!(v["n"], 1);
    let r = c
        .request(chatbase::Method::GET, "/thing")
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(r.request_id(), Some("req_7"));
    assert_eq!(r.into_inner()["n"], 1);
    let bytes: bytes::Bytes = c
        .request(chatbase::Method::GET, "/thing")
        .send_bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], br#"{"n":1}"#);
}

/// Plain strings where a generated newtype is wanted, and `?` on the generated types' conversions.
#[tokio::test]
async fn strings_and_builders_work_where_generated_types_are_wanted() {
    let server = MockServer::start_async().await;
    let created = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents")
                .json_body(json!({"name": "Support bot"}));
            then.status(201).json_body(json!({"id": "ag1"}));
        })
        .await;
    let tickets = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/helpdesk/tickets")
                .query_param("assigneeId", "none");
            then.status(200)
                .json_body(json!({"data": [], "pagination": {"cursor": null, "hasMore": false}}));
        })
        .await;
    let c = client(&server);
    // A body builder takes plain strings; `?` turns its conversion error into a chatbase::Error.
    async fn create(c: &Client, name: String) -> chatbase::Result<t2::AgentCreatedResponse> {
        c.agents()
            .create(t2::CreateAgentBody::builder().name(name).try_into()?)
            .send()
            .await
    }
    create(&c, "Support bot".into()).await.unwrap();
    created.assert_calls_async(1).await;
    // A bad value is a clear error naming the field, and nothing is sent.
    let err = create(&c, "x".repeat(101)).await.unwrap_err();
    let Error::InvalidInput(m) = &err else {
        panic!("expected InvalidInput, got {err:?}");
    };
    assert!(m.contains("name"), "{m}");
    created.assert_calls_async(1).await;
    // A `&str` where a generated newtype is wanted.
    c.agent("a")
        .tickets()
        .list()
        .assignee_id("none")
        .send()
        .await
        .unwrap();
    tickets.assert_calls_async(1).await;

    // `?` on the generated types' conversions inside a function returning chatbase::Result.
    fn body(name: &str) -> chatbase::Result<t2::CreateAgentBody> {
        Ok(t2::CreateAgentBody {
            name: name.parse()?,
            instructions: None,
            model: None,
            temp: None,
            url: None,
            visibility: None,
        })
    }
    assert!(body("ok").is_ok());
    let Err(Error::InvalidInput(m)) = body(&"x".repeat(101)) else {
        panic!("expected InvalidInput");
    };
    assert!(!m.is_empty());
}

#[tokio::test]
async fn api_errors_keep_the_servers_details() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents")
                .query_param("limit", "1000");
            // The emulator's validation answer, byte for byte.
            then.status(400).json_body(json!({"error": {
                "code": "VALIDATION_INVALID_BODY",
                "message": "Invalid request",
                "details": {"limit": "Number must be between 1 and 100"}
            }}));
        })
        .await;
    let err = client(&server)
        .agents()
        .list()
        .limit(1000)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "API error 400 VALIDATION_INVALID_BODY: Invalid request (limit: Number must be between 1 and 100)"
    );
    assert_eq!(
        err.api().unwrap().detail_lines(),
        ["limit: Number must be between 1 and 100"]
    );
}

#[tokio::test]
async fn date_setters_take_text_or_chrono_values_and_name_bad_text() {
    let server = MockServer::start_async().await;
    let tickets = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/helpdesk/tickets")
                .query_param("createdAfter", "2025-01-31T00:00:00Z");
            then.status(200)
                .json_body(json!({"data": [], "pagination": {"cursor": null, "hasMore": false}}));
        })
        .await;
    let leads = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/get-leads")
                .query_param("chatbotId", "bot")
                .query_param("startDate", "2025-01-31")
                .query_param("endDate", "2025-02-28");
            then.status(200)
                .json_body(json!({"collectedCustomers": []}));
        })
        .await;
    let c = client(&server);
    // Text where a timestamp or a date is wanted, and the chrono value itself.
    c.agent("a")
        .tickets()
        .list()
        .created_after("2025-01-31T00:00:00Z")
        .first_page()
        .await
        .unwrap();
    tickets.assert_calls_async(1).await;
    let end = chrono::NaiveDate::from_ymd_opt(2025, 2, 28).unwrap();
    c.v1()
        .chatbot("bot")
        .list_leads()
        .start_date("2025-01-31")
        .end_date(end)
        .first_page()
        .await
        .unwrap();
    leads.assert_calls_async(1).await;
    // Text that is no date fails before anything is sent, naming the text.
    let err = c
        .v1()
        .chatbot("bot")
        .list_leads()
        .start_date("31/01/2025")
        .first_page()
        .await
        .unwrap_err();
    let Error::InvalidInput(m) = &err else {
        panic!("expected InvalidInput, got {err:?}");
    };
    assert!(m.contains("31/01/2025") && m.contains("YYYY-MM-DD"), "{m}");
    leads.assert_calls_async(1).await;
}
