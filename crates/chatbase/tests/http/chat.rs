//! Chat: JSON and SSE answers, local input checks, retries of messages and tool loops.

use super::*;

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
