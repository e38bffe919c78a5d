//! Behaviour against an httpmock server: auth, error mapping, retries, chat (stream and JSON),
//! pagination, uploads, v1 surface, tracing hygiene.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chatbase::types::v2 as t2;
use chatbase::{
    ChatEvent, Client, Error, ErrorCode, FinishReason, RetryPolicy, TimeoutKind, UploadSource,
};
use futures::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use serde_json::json;

const KEY: &str = "sk-test-0123456789abcdef";

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
        .jitter(false)
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .api_url(server.base_url())
        .files_url(server.base_url())
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn conversation(i: usize) -> serde_json::Value {
    json!({"id": format!("c{i}"), "title": null, "createdAt": 1, "updatedAt": 2, "userId": null, "status": "ongoing"})
}

fn source_item(id: &str) -> serde_json::Value {
    json!({"id": id, "type": "file", "name": "doc.pdf", "size": 3, "createdAt": "2026-01-01T00:00:00Z", "status": "untrained", "metadata": null})
}

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

#[tokio::test]
async fn non_streaming_chat_sends_stream_false_and_decodes_parts() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/chat")
                .json_body(json!({"message": "hi", "conversationId": "c1", "stream": false}));
            then.status(200).json_body(json!({"data": {
                "id": "m2", "role": "assistant",
                "parts": [{"type": "text", "text": "Hello"}, {"type": "tool-call", "toolCallId": "t1", "toolName": "lookup", "input": {"q": 1}}],
                "metadata": {"userMessageId": "m1", "conversationId": "c1", "userId": null, "finishReason": "tool-calls", "usage": {"credits": 1.5}}
            }}));
        })
        .await;
    let r = client(&server)
        .agent("a")
        .chat("hi")
        .conversation("c1")
        .send()
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(r.text, "Hello");
    assert_eq!(r.metadata.message_id.as_deref(), Some("m2"));
    assert_eq!(r.metadata.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(r.tool_calls[0].tool_name, "lookup");
    assert_eq!(r.metadata.credits, Some(1.5));
}

const SSE_BODY: &str = concat!(
    "data: {\"type\":\"start\",\"messageId\":\"m9\"}\n\n",
    "data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"Hi \"}\n\n",
    "data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"there\"}\n\n",
    "data: {\"type\":\"message-metadata\",\"messageMetadata\":{\"conversationId\":\"c7\",\"finishReason\":\"stop\",\"usage\":{\"credits\":1}}}\n\n",
    "data: {\"type\":\"finish\"}\n\n",
    "data: [DONE]\n\n",
);

#[tokio::test]
async fn streaming_chat_yields_events_and_final_response() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/chat")
                .json_body(json!({"message": "hello", "userId": "u-1", "stream": true}));
            then.status(200)
                .header("content-type", "text/event-stream")
                .header("x-request-id", "req_s")
                .body(SSE_BODY);
        })
        .await;
    let c = client(&server);
    let stream = c
        .agent("a")
        .chat("hello")
        .user("u-1")
        .stream()
        .await
        .unwrap();
    assert_eq!(stream.request_id(), Some("req_s"));
    let events: Vec<ChatEvent> = stream.try_collect().await.unwrap();
    assert_eq!(events.len(), 5);

    let r = c
        .agent("a")
        .chat("hello")
        .user("u-1")
        .stream()
        .await
        .unwrap()
        .final_response()
        .await
        .unwrap();
    assert_eq!(r.text, "Hi there");
    assert_eq!(r.metadata.conversation_id.as_deref(), Some("c7"));
    assert_eq!(r.metadata.message_id.as_deref(), Some("m9"));
    m.assert_calls_async(2).await;
}

#[tokio::test]
async fn stream_http_errors_come_back_before_any_event() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v2/agents/a/chat");
            then.status(402).json_body(json!({"error": {"code": "CHAT_CREDITS_EXHAUSTED", "message": "Message limit reached"}}));
        })
        .await;
    let err = client(&server)
        .agent("a")
        .chat("x")
        .stream()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::ChatCreditsExhausted));
}

#[tokio::test]
async fn invalid_chat_input_is_rejected_locally() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let c = client(&server);
    assert!(matches!(
        c.agent("a").chat("").send().await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        c.agent("a").chat("x").user("bad id!").send().await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        c.agent("a").continue_chat().send().await,
        Err(Error::InvalidInput(_))
    ));
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn retry_message_and_tool_result_hit_their_endpoints() {
    let server = MockServer::start_async().await;
    let retry = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/conversations/c/retry")
                .json_body(json!({"messageId": "m1", "stream": true}));
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(SSE_BODY);
        })
        .await;
    let tool = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/conversations/c/tool-result")
                .json_body(json!({"toolCallId": "call_1", "output": {"ok": true}}));
            then.status(200)
                .json_body(json!({"data": {"success": true}}));
        })
        .await;
    let c = client(&server);
    let text: Vec<String> = c
        .agent("a")
        .conversation("c")
        .retry("m1")
        .stream()
        .await
        .unwrap()
        .text_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(text.concat(), "Hi there");
    let r = c
        .agent("a")
        .conversation("c")
        .submit_tool_result("call_1", json!({"ok": true}))
        .send()
        .await
        .unwrap();
    assert!(r.data.success);
    retry.assert_async().await;
    tool.assert_async().await;
}

#[tokio::test]
async fn tool_loop_submits_results_and_continues_until_stop() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v2/agents/a/chat").json_body_includes(r#"{"message":"order?"}"#);
            then.status(200).json_body(json!({"data": {"id": "m1", "role": "assistant",
                "parts": [{"type": "tool-call", "toolCallId": "t1", "toolName": "lookup", "input": {"id": 42}}],
                "metadata": {"userMessageId": "u", "conversationId": "conv", "userId": null, "finishReason": "tool-calls", "usage": {"credits": 1}}}}));
        })
        .await;
    let submit = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/conversations/conv/tool-result")
                .json_body(json!({"toolCallId": "t1", "output": {"status": "shipped", "id": 42}}));
            then.status(200)
                .json_body(json!({"data": {"success": true}}));
        })
        .await;
    let cont = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/chat")
                .json_body(json!({"conversationId": "conv", "stream": false}));
            then.status(200).json_body(json!({"data": {"id": "m2", "role": "assistant",
                "parts": [{"type": "text", "text": "It shipped."}],
                "metadata": {"userMessageId": "u", "conversationId": "conv", "userId": null, "finishReason": "stop", "usage": {"credits": 1}}}}));
        })
        .await;
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let answer = client(&server)
        .agent("a")
        .chat("order?")
        .run_tools(3, move |call| {
            seen.lock().unwrap().push(call.tool_name.clone());
            let id = call.input["id"].clone();
            async move { Ok::<_, Error>(json!({"status": "shipped", "id": id})) }
        })
        .await
        .unwrap();
    assert_eq!(answer.text, "It shipped.");
    assert_eq!(*calls.lock().unwrap(), vec!["lookup".to_owned()]);
    first.assert_async().await;
    submit.assert_async().await;
    cont.assert_async().await;

    // A zero-round budget reports the limit instead of looping.
    let err = client(&server)
        .agent("a")
        .chat("order?")
        .run_tools(0, |_| async { Ok::<_, Error>(json!({})) })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ToolRoundsExceeded { rounds: 0 }));
}

/// A tool handler's own error type, which only has to take in the SDK's errors.
#[derive(Debug, PartialEq)]
enum ToolError {
    NotFound(String),
    Sdk(String),
}

impl From<Error> for ToolError {
    fn from(e: Error) -> Self {
        ToolError::Sdk(e.to_string())
    }
}

#[tokio::test]
async fn a_tool_handler_returns_its_own_error_type_unchanged() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v2/agents/a/chat");
            then.status(200).json_body(json!({"data": {"id": "m1", "role": "assistant",
                "parts": [{"type": "tool-call", "toolCallId": "t1", "toolName": "lookup", "input": {"id": 42}}],
                "metadata": {"userMessageId": "u", "conversationId": "conv", "userId": null, "finishReason": "tool-calls", "usage": {"credits": 1}}}}));
        })
        .await;
    let err = client(&server)
        .agent("a")
        .chat("order?")
        .run_tools(3, |call| async move {
            Err::<serde_json::Value, _>(ToolError::NotFound(call.input["id"].to_string()))
        })
        .await
        .unwrap_err();
    assert_eq!(err, ToolError::NotFound("42".into()));
    // The SDK's own failures arrive converted into it.
    let err = client(&server)
        .agent("a")
        .chat("order?")
        .run_tools(0, |_| async { Ok::<_, ToolError>(json!({})) })
        .await
        .unwrap_err();
    assert!(matches!(err, ToolError::Sdk(m) if m.contains("0")));
}

#[tokio::test]
async fn a_streamed_tool_loop_shows_every_round_and_returns_the_last_answer() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/chat")
                .json_body(json!({"message": "order?", "stream": true}));
            then.status(200).header("content-type", "text/event-stream").body(concat!(
                "data: {\"type\":\"start\",\"messageId\":\"m1\"}\n\n",
                "data: {\"type\":\"tool-input-available\",\"toolCallId\":\"t1\",\"toolName\":\"lookup\",\"input\":{\"id\":42}}\n\n",
                "data: {\"type\":\"finish\",\"finishReason\":\"tool-calls\",\"messageMetadata\":{\"conversationId\":\"conv\"}}\n\n",
                "data: [DONE]\n\n",
            ));
        })
        .await;
    let submit = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/conversations/conv/tool-result")
                .json_body(json!({"toolCallId": "t1", "output": {"status": "shipped"}}));
            then.status(200)
                .json_body(json!({"data": {"success": true}}));
        })
        .await;
    let cont = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/chat")
                .json_body(json!({"conversationId": "conv", "stream": true}));
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(SSE_BODY);
        })
        .await;
    let mut printed = String::new();
    let mut events = 0;
    let answer = client(&server)
        .agent("a")
        .chat("order?")
        .run_tools_streamed(
            2,
            |_| async { Ok::<_, Error>(json!({"status": "shipped"})) },
            |ev| {
                events += 1;
                if let ChatEvent::TextDelta { delta, .. } = ev {
                    printed.push_str(delta);
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(printed, "Hi there");
    assert_eq!(events, 3 + 5);
    assert_eq!(answer.text, "Hi there");
    assert_eq!(answer.metadata.conversation_id.as_deref(), Some("c7"));
    first.assert_async().await;
    submit.assert_async().await;
    cont.assert_async().await;
}

#[tokio::test]
async fn pagination_walks_1000_items_in_10_requests_and_stops_on_has_more_false() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 0..10usize {
        let items: Vec<_> = (page * 100..(page + 1) * 100).map(conversation).collect();
        let last = page == 9;
        let next = if last {
            json!(null)
        } else {
            json!(format!("cur{}", page + 1))
        };
        mocks.push(
            server
                .mock_async(move |when, then| {
                    let w = when.method(GET).path("/api/v2/agents/a/conversations").query_param("limit", "100");
                    if page == 0 {
                        w.query_param_missing("cursor");
                    } else {
                        w.query_param("cursor", format!("cur{page}"));
                    }
                    then.status(200).json_body(json!({"data": items, "pagination": {"cursor": next, "hasMore": !last, "total": 1000}}));
                })
                .await,
        );
    }
    let c = client(&server);
    let ids: Vec<String> = c
        .agent("a")
        .conversations()
        .list()
        .limit(100)
        .items()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), 1000);
    assert_eq!(ids[999], "c999");
    for m in &mocks {
        m.assert_calls_async(1).await;
    }

    let pages: Vec<_> = c
        .agent("a")
        .conversations()
        .list()
        .limit(100)
        .max_items(150)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].total(), Some(1000));
    assert_eq!(pages[1].items().len(), 50);
    mocks[2].assert_calls_async(1).await;

    let first = c
        .agent("a")
        .conversations()
        .list()
        .limit(100)
        .first_page()
        .await
        .unwrap();
    assert_eq!(first.next_cursor(), Some("cur1"));
}

#[tokio::test]
async fn pagination_reports_a_repeated_cursor_as_an_error() {
    // An empty page is the server's last page, whatever its cursor says.
    let server = MockServer::start_async().await;
    let loop_mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/conversations/c/messages");
            then.status(200).json_body(
                json!({"data": [], "pagination": {"cursor": "same", "hasMore": true, "total": 0}}),
            );
        })
        .await;
    let n = client(&server)
        .agent("a")
        .conversation("c")
        .messages()
        .items()
        .count()
        .await;
    assert_eq!(n, 0);
    loop_mock.assert_calls_async(1).await;

    let server = MockServer::start_async().await;
    let sticky = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources");
            then.status(200).json_body(json!({"data": [source_item("s")], "pagination": {"cursor": "same", "hasMore": true, "total": 9}}));
        })
        .await;
    let items: Vec<Result<_, Error>> = client(&server)
        .agent("a")
        .sources()
        .list()
        .items()
        .collect()
        .await;
    assert_eq!(items.len(), 3, "two items, then the error");
    assert!(items[..2].iter().all(Result::is_ok));
    match &items[2] {
        Err(Error::Pagination {
            reason: chatbase::PaginationStop::RepeatedCursor { cursor },
            pages: 2,
            items: 2,
        }) => assert_eq!(cursor, "same"),
        other => panic!("expected a repeated-cursor error, got {other:?}"),
    }
    assert!(!items[2].as_ref().unwrap_err().is_retryable());
    sticky.assert_calls_async(2).await;
}

#[tokio::test]
async fn pagination_stops_with_an_error_past_the_reported_total_and_at_the_page_cap() {
    // A fresh cursor on every page of a list whose total is 3.
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/sources")
                .query_param_missing("cursor");
            then.status(200).json_body(json!({"data": [source_item("s0")], "pagination": {"cursor": "c1", "hasMore": true, "total": 3}}));
        })
        .await;
    let mut next = Vec::new();
    for i in 1..=4 {
        next.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path("/api/v2/agents/a/sources")
                        .query_param("cursor", format!("c{i}"));
                    then.status(200).json_body(json!({"data": [source_item(&format!("s{i}"))], "pagination": {"cursor": format!("c{}", i + 1), "hasMore": true, "total": 3}}));
                })
                .await,
        );
    }
    let c = client(&server);
    let items: Vec<Result<_, Error>> = c.agent("a").sources().list().items().collect().await;
    assert_eq!(items.len(), 4, "three items, then the error: {items:?}");
    assert!(
        matches!(
            items[3],
            Err(Error::Pagination {
                reason: chatbase::PaginationStop::ExceededTotal {
                    total: 3,
                    received: 4
                },
                pages: 4,
                items: 4,
            })
        ),
        "{:?}",
        items[3]
    );
    first.assert_calls_async(1).await;
    next[3].assert_calls_async(0).await;

    let pages: Vec<Result<_, Error>> = c
        .agent("a")
        .sources()
        .list()
        .max_pages(2)
        .pages()
        .collect()
        .await;
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        matches!(
            pages[2],
            Err(Error::Pagination {
                reason: chatbase::PaginationStop::PageCap { max_pages: 2 },
                ..
            })
        ),
        "{:?}",
        pages[2]
    );
    next[1].assert_calls_async(1).await;
}

#[tokio::test]
async fn v1_numbered_pagination_uses_page_and_size() {
    let server = MockServer::start_async().await;
    let p1 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/get-leads")
                .query_param("chatbotId", "b")
                .query_param("page", "1")
                .query_param("size", "2");
            then.status(200)
                .json_body(json!({"collectedCustomers": [{"id": "l1"}, {"id": "l2"}]}));
        })
        .await;
    let p2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/get-leads")
                .query_param("page", "2");
            then.status(200)
                .json_body(json!({"collectedCustomers": [{"id": "l3"}]}));
        })
        .await;
    let leads: Vec<_> = client(&server)
        .v1()
        .chatbot("b")
        .leads()
        .size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(leads.len(), 3);
    p1.assert_calls_async(1).await;
    p2.assert_calls_async(1).await;
}

#[tokio::test]
async fn file_upload_streams_multipart_from_a_path_with_progress() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/sources")
                .header_includes("content-type", "multipart/form-data")
                .body_includes("name=\"name\"")
                .body_includes("Quarterly report")
                .body_includes("filename=\"report.txt\"")
                .body_includes("file body contents");
            then.status(201).json_body(source_item("s9"));
        })
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.txt");
    std::fs::write(
        &path,
        "file body contents, long enough for the 50-byte minimum",
    )
    .unwrap();
    let last = Arc::new(Mutex::new((0u64, 0u64)));
    let seen = last.clone();
    let src = client(&server)
        .agent("a")
        .sources()
        .upload(UploadSource::path(&path))
        .name("Quarterly report")
        .progress(move |sent, total| *seen.lock().unwrap() = (sent, total))
        .send()
        .await
        .unwrap();
    assert_eq!(src.id, "s9");
    assert_eq!(*last.lock().unwrap(), (55, 55));
    m.assert_async().await;
}

#[tokio::test]
async fn file_update_is_rebuilt_and_retried_after_503() {
    let server = MockServer::start_async().await;
    let fail = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/api/v2/agents/a/sources/s1")
                .body_includes("new text");
            then.status(503);
        })
        .await;
    fail.up_to_n_times_async(1).await;
    let ok = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/api/v2/agents/a/sources/s1")
                .body_includes("new text")
                .body_includes("filename=\"notes.txt\"");
            then.status(200).json_body(source_item("s1"));
        })
        .await;
    let src = client(&server)
        .agent("a")
        .source("s1")
        .update_file()
        .file(UploadSource::bytes(
            "notes.txt",
            "new text, long enough for the service's 50-byte minimum",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(src.id, "s1");
    fail.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn bad_uploads_fail_locally_with_clear_errors() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let c = client(&server);
    let err = c
        .agent("a")
        .sources()
        .upload(UploadSource::bytes("virus.exe", "x"))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(".pdf, .doc, .docx, .txt, .json"),
        "{err}"
    );
    let err = c
        .agent("a")
        .source("s")
        .update_file()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    let big = vec![b'x'; 2 * 1024 * 1024];
    let err = c
        .v1()
        .chatbot("b")
        .upload_icon(UploadSource::bytes("icon.png", big))
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn v1_icon_upload_sends_chatbot_id_and_file_field() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/upload-chatbot-profile-picture")
                .body_includes("name=\"chatbotId\"")
                .body_includes("bot-1")
                .body_includes("name=\"profilePictureFile\"; filename=\"me.png\"");
            then.status(200).json_body(json!({"message": "ok"}));
        })
        .await;
    let r = client(&server)
        .v1()
        .chatbot("bot-1")
        .upload_profile_picture(UploadSource::bytes("me.png", vec![1u8, 2, 3]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.message.as_deref(), Some("ok"));
    m.assert_async().await;
}

#[tokio::test]
async fn v1_chatbot_updates_send_the_handles_id_not_the_bodys() {
    let server = MockServer::start_async().await;
    let data = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/update-chatbot-data")
                .json_body_includes(r#"{"chatbotId": "bot-1"}"#);
            then.status(200).json_body(json!({"chatbotId": "bot-1"}));
        })
        .await;
    let settings = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/update-chatbot-settings")
                .json_body_includes(r#"{"chatbotId": "bot-1"}"#);
            then.status(202).json_body(json!({"message": "ok"}));
        })
        .await;
    let c = client(&server);
    let bot = c.v1().chatbot("bot-1");
    let body: chatbase::types::v1::UpdateChatbotDataRequest =
        serde_json::from_value(json!({"chatbotId": "other-bot", "chatbotName": "Support"}))
            .unwrap();
    bot.update_data(body).send().await.unwrap();
    let body: chatbase::types::v1::UpdateChatbotSettingsRequest =
        serde_json::from_value(json!({"chatbotId": "other-bot"})).unwrap();
    bot.update_settings(body).send().await.unwrap();
    data.assert_async().await;
    settings.assert_async().await;
}

#[tokio::test]
async fn v1_chat_streams_raw_text_and_sends_json() {
    let server = MockServer::start_async().await;
    let stream_mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/chat").json_body(json!({
                "chatbotId": "b", "messages": [{"role": "user", "content": "hi"}], "stream": true
            }));
            then.status(200)
                .header("content-type", "text/plain")
                .body("Hello from v1");
        })
        .await;
    let json_mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/chat")
                .json_body_includes(r#"{"stream":false,"temperature":0.2}"#);
            then.status(200).json_body(json!({"text": "JSON answer"}));
        })
        .await;
    let c = client(&server);
    let text = c
        .v1()
        .chat("b")
        .user("hi")
        .stream()
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(text, "Hello from v1");
    let r = c
        .v1()
        .chat("b")
        .user("hi")
        .temperature(0.2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text, "JSON answer");
    stream_mock.assert_async().await;
    json_mock.assert_async().await;
}

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
        .messages()
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
