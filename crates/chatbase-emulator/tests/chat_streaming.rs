//! Chat wire formats: v2 SSE and JSON, v1 raw text stream and JSON, retry, tool calls,
//! and answers from the demo knowledge base.

mod common;

use common::{KEY, sse_data, start};
use serde_json::{Value, json};

#[tokio::test]
async fn v2_chat_streams_ai_sdk_events_and_matches_json_answer() {
    let (_emu, api) = start().await;
    let resp = api
        .http
        .post(format!("{}/api/v2/agents/demo-agent/chat", api.base))
        .bearer_auth(KEY)
        .json(&json!({"message": "How do I reset my password?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert_eq!(resp.headers()["x-vercel-ai-ui-message-stream"], "v1");
    assert!(resp.headers().contains_key("x-request-id"));
    let text = resp.text().await.unwrap();
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    let data = sse_data(&text);
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    // Written like the service (the AI SDK): `type` is the first key, and a delta is exactly type, id, delta.
    for d in &data[..data.len() - 1] {
        assert!(d.starts_with(r#"{"type":""#), "{d}");
    }
    let delta = data.iter().find(|d| d.contains(r#""text-delta""#)).unwrap();
    assert!(
        delta.starts_with(r#"{"type":"text-delta","id":"txt_0","delta":""#),
        "{delta}"
    );
    let events: Vec<Value> = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types[..3], ["start", "start-step", "text-start"]);
    assert_eq!(
        types[types.len() - 4..],
        ["text-end", "finish-step", "message-metadata", "finish"]
    );
    let deltas: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "text-delta")
        .collect();
    assert!(deltas.len() > 10, "expected many small deltas");
    let answer: String = deltas
        .iter()
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    assert!(answer.contains("Forgot password?"), "{answer}");
    assert!(
        answer.contains("Sources: Resetting your password"),
        "{answer}"
    );
    let meta = &events[types.len() - 2]["messageMetadata"];
    common::conform_v2_component("StreamFinishMetadata", meta);
    assert_eq!(meta["finishReason"], "stop");
    assert_eq!(meta["usage"]["credits"], 1);
    assert_eq!(meta["messageId"], events[0]["messageId"]);
    let cid = meta["conversationId"].as_str().unwrap();
    assert_eq!(events.last().unwrap()["finishReason"], "stop");

    // The same question in the same state gives the same answer as JSON.
    let r = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "How do I reset my password?", "stream": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"]["parts"][0]["text"], answer);
    assert_eq!(r.body["data"]["role"], "assistant");
    assert_ne!(r.body["data"]["metadata"]["conversationId"], cid);

    // The streamed turn was stored.
    let conv = api
        .get(&format!("/api/v2/agents/demo-agent/conversations/{cid}"))
        .await;
    assert_eq!(conv.status, 200);
    let msgs = conv.body["data"]["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1]["parts"][0]["text"], answer);
}

#[tokio::test]
async fn unknown_topics_are_admitted_and_greetings_answered() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "Quantum chromodynamics of zebras", "stream": false}),
        )
        .await;
    let text = r.body["data"]["parts"][0]["text"].as_str().unwrap();
    assert!(text.contains("couldn't find anything"), "{text}");
    let r = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "Hello!", "stream": false}),
        )
        .await;
    let text = r.body["data"]["parts"][0]["text"].as_str().unwrap();
    assert!(text.contains("help centre assistant"), "{text}");
    let r = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "Can I try Acme for free?", "stream": false}),
        )
        .await;
    let text = r.body["data"]["parts"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Yes. Every Team plan starts with a 14-day free trial"),
        "{text}"
    );
}

#[tokio::test]
async fn conversation_continues_and_user_id_sticks() {
    let (_emu, api) = start().await;
    let first = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "How do refunds work?", "stream": false, "userId": "user-1"}),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let cid = first.body["data"]["metadata"]["conversationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(first.body["data"]["metadata"]["userId"], "user-1");
    let second = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "And invoices?", "conversationId": cid, "stream": false, "userId": "other"}),
        )
        .await;
    assert_eq!(
        second.body["data"]["metadata"]["conversationId"],
        cid.as_str()
    );
    assert_eq!(second.body["data"]["metadata"]["userId"], "user-1");
    let msgs = api
        .get(&format!(
            "/api/v2/agents/demo-agent/conversations/{cid}/messages"
        ))
        .await;
    assert_eq!(msgs.body["data"].as_array().unwrap().len(), 4);
    let missing = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "hi", "conversationId": "nope", "stream": false}),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["code"], "RESOURCE_NOT_FOUND");
}

#[tokio::test]
async fn retry_replaces_the_answer_and_streams() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "How do I enable two-factor authentication?", "stream": false}),
        )
        .await;
    let cid = r.body["data"]["metadata"]["conversationId"]
        .as_str()
        .unwrap()
        .to_string();
    let mid = r.body["data"]["id"].as_str().unwrap().to_string();
    let retried = api
        .post(
            &format!("/api/v2/agents/demo-agent/conversations/{cid}/retry"),
            json!({"messageId": mid, "stream": false}),
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_ne!(retried.body["data"]["id"], mid.as_str());
    assert_eq!(retried.body["data"]["parts"], r.body["data"]["parts"]);
    let msgs = api
        .get(&format!(
            "/api/v2/agents/demo-agent/conversations/{cid}/messages"
        ))
        .await;
    let ids: Vec<&str> = msgs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&mid.as_str()));
    let new_id = retried.body["data"]["id"].as_str().unwrap();
    let resp = api
        .http
        .post(format!(
            "{}/api/v2/agents/demo-agent/conversations/{cid}/retry",
            api.base
        ))
        .bearer_auth(KEY)
        .json(&json!({"messageId": new_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert!(resp.text().await.unwrap().ends_with("data: [DONE]\n\n"));
    let gone = api
        .post(
            &format!("/api/v2/agents/demo-agent/conversations/{cid}/retry"),
            json!({"messageId": mid, "stream": false}),
        )
        .await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["error"]["code"], "CHAT_RETRY_MESSAGE_NOT_FOUND");
}

#[tokio::test]
async fn tool_call_round_trip() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"message": "/tool lookupOrder {\"orderId\": \"A1\"}", "stream": false}),
        )
        .await;
    assert_eq!(r.body["data"]["metadata"]["finishReason"], "tool-calls");
    let part = &r.body["data"]["parts"][0];
    assert_eq!(part["type"], "tool-call");
    assert_eq!(part["input"]["orderId"], "A1");
    let call = part["toolCallId"].as_str().unwrap();
    let cid = r.body["data"]["metadata"]["conversationId"]
        .as_str()
        .unwrap();
    let tr = format!("/api/v2/agents/demo-agent/conversations/{cid}/tool-result");
    let ok = api
        .post(
            &tr,
            json!({"toolCallId": call, "output": {"status": "shipped"}}),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["data"]["success"], true);
    let again = api
        .post(&tr, json!({"toolCallId": call, "output": 1}))
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.body["error"]["code"], "RESOURCE_TOOL_CALL_NOT_FOUND");
    let cont = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            json!({"conversationId": cid, "stream": false}),
        )
        .await;
    assert_eq!(cont.status, 200, "{}", cont.text);
    let text = cont.body["data"]["parts"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("lookupOrder") && text.contains("shipped"),
        "{text}"
    );
    // Streaming tool calls announce the input.
    let resp = api
        .http
        .post(format!("{}/api/v2/agents/demo-agent/chat", api.base))
        .bearer_auth(KEY)
        .json(&json!({"message": "/tool ping"}))
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert!(text.contains("\"type\":\"tool-input-available\""), "{text}");
    assert!(text.contains("\"finishReason\":\"tool-calls\""), "{text}");
}

#[tokio::test]
async fn v1_chat_streams_raw_text_and_answers_json() {
    let (_emu, api) = start().await;
    let body = json!({
        "chatbotId": "demo-agent",
        "messages": [{"role": "user", "content": "How do I reset my password?"}],
        "stream": true,
        "conversationId": "v1-conv-1"
    });
    let resp = api
        .http
        .post(format!("{}/api/v1/chat", api.base))
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let streamed = resp.text().await.unwrap();
    assert!(!streamed.contains("data:"));
    assert!(streamed.contains("Forgot password?"));
    let mut body = body;
    body["stream"] = json!(false);
    let r = api.post("/api/v1/chat", body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["text"], streamed.as_str());
    // The legacy `chatId` is not in the contract, which requires `chatbotId` (a declared 400).
    let legacy = api
        .post(
            "/api/v1/chat",
            json!({"chatId": "demo-agent", "messages": [{"role": "user", "content": "billing"}]}),
        )
        .await;
    assert_eq!(legacy.status, 400, "{}", legacy.text);
    assert_eq!(
        legacy.body["issues"][0]["field"], "chatbotId",
        "{}",
        legacy.text
    );
    let convs = api
        .get("/api/v1/get-conversations?chatbotId=demo-agent")
        .await;
    let list = convs.body["data"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], "v1-conv-1");
    assert_eq!(list[0]["messages"].as_array().unwrap().len(), 4);
    let bad = api
        .post(
            "/api/v1/chat",
            json!({"chatbotId": "demo-agent", "messages": [{"role": "assistant", "content": "x"}]}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["message"].is_string());
}

#[tokio::test]
async fn answers_come_from_the_agents_own_sources() {
    let (_emu, api) = start().await;
    let id = api
        .agent_with_text("Pets", "# Feeding cats\n\nCats should be fed twice a day with high-protein food.\n\n# Walking dogs\n\nDogs need a walk every morning.")
        .await;
    let r = api
        .post(
            &format!("/api/v2/agents/{id}/chat"),
            json!({"message": "How often should I feed my cat?", "stream": false}),
        )
        .await;
    let text = r.body["data"]["parts"][0]["text"].as_str().unwrap();
    assert!(text.contains("twice a day"), "{text}");
    assert!(text.contains("Feeding cats"), "{text}");
    let empty = api.post("/api/v2/agents", json!({"name": "Empty"})).await;
    let eid = empty.body["id"].as_str().unwrap();
    let r = api
        .post(
            &format!("/api/v2/agents/{eid}/chat"),
            json!({"message": "anything?", "stream": false}),
        )
        .await;
    assert!(
        r.body["data"]["parts"][0]["text"]
            .as_str()
            .unwrap()
            .contains("don't have any knowledge sources")
    );
}
