//! The `chatbase` SDK end to end against the emulator: resources, pagination, streaming in
//! both versions, uploads, rate limiting with retry, and each fault kind.

mod common;

use std::time::{Duration, Instant};

use chatbase::{Client, UploadSource};
use chatbase_emulator::{RateLimit, RunningEmulator};
use common::{Api, KEY, builder, start};
use futures::TryStreamExt;
use serde_json::{Value, json};

fn client(emu: &RunningEmulator, retries: usize) -> Client {
    Client::builder()
        .api_key(KEY)
        .api_url(emu.base_url())
        .files_url(emu.base_url())
        .max_retries(retries)
        .build()
        .unwrap()
}

fn body<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn val<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap()
}

#[tokio::test]
async fn sdk_sources_conversations_and_tickets() {
    let (emu, api) = start().await;
    let c = client(&emu, 0);
    let created = c
        .agents()
        .create(body(json!({"name": "SDK agent"})))
        .send()
        .await
        .unwrap();
    let id = val(&created)["id"].as_str().unwrap().to_string();
    let agent = c.agent(id.clone());
    let listed: Vec<_> = c
        .agents()
        .list()
        .limit(1u64)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(val(&agent.get().send().await.unwrap())["name"], "SDK agent");
    for i in 0..5 {
        let s = agent
            .sources()
            .create(body(json!({"type": "text", "name": format!("Doc {i}"), "content": format!("Fact number {i} is about otters.")})))
            .send()
            .await
            .unwrap();
        assert_eq!(val(&s)["status"], "untrained");
    }
    let up = agent
        .sources()
        .upload(UploadSource::bytes(
            "otters.txt",
            b"Sea otters hold hands while sleeping so that they do not drift apart.".to_vec(),
        ))
        .name("Otter facts")
        .send()
        .await
        .unwrap();
    let file_id = val(&up)["id"].as_str().unwrap().to_string();
    let all: Vec<_> = agent
        .sources()
        .list()
        .limit(2u64)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    let got = agent.source(file_id.clone()).get().send().await.unwrap();
    assert_eq!(val(&got)["name"], "Otter facts");
    let upd = agent
        .source(file_id.clone())
        .update(body(json!({"name": "Renamed"})))
        .send()
        .await
        .unwrap();
    assert_eq!(val(&upd)["name"], "Renamed");

    let reply = agent
        .chat("Why do otters hold hands?")
        .send()
        .await
        .unwrap();
    assert!(reply.text.contains("hold hands"), "{}", reply.text);
    let cid = reply.metadata.conversation_id.clone().unwrap();
    let streamed = agent
        .chat("Why do otters hold hands?")
        .conversation(cid.clone())
        .stream()
        .await
        .unwrap()
        .final_response()
        .await
        .unwrap();
    assert_eq!(streamed.text, reply.text);
    assert_eq!(
        streamed.metadata.conversation_id.as_deref(),
        Some(cid.as_str())
    );
    let msgs: Vec<_> = agent
        .conversation(cid.clone())
        .messages()
        .limit(3u64)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(msgs.len(), 4);
    api.post(
        &format!("/_emulator/agents/{id}/conversations"),
        json!({"count": 7}),
    )
    .await;
    let convs: Vec<_> = agent
        .conversations()
        .list()
        .limit(3u64)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(convs.len(), 8);
    let deleted = agent.source(file_id).delete().send().await.unwrap();
    assert_eq!(val(&deleted)["status"], "toBeDeleted");

    let t = agent
        .tickets()
        .create(body(json!({"subject": "Help", "description": "It broke", "customer": {"email": "a@example.com"}})))
        .send()
        .await
        .unwrap();
    let n = val(&t)["ticketNumber"].as_u64().unwrap();
    let t = agent
        .ticket(n)
        .update(body(json!({"priority": "urgent"})))
        .send()
        .await
        .unwrap();
    assert_eq!(val(&t)["priority"], "urgent");
    let tickets: Vec<_> = agent.tickets().list().items().try_collect().await.unwrap();
    assert_eq!(tickets.len(), 1);
    let err = c
        .agent("missing")
        .sources()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        err.code().map(|c| c.as_str().to_string()).as_deref(),
        Some("AGENT_NOT_FOUND")
    );
    agent.delete().send().await.unwrap();
}

#[tokio::test]
async fn sdk_v1_chat_and_contacts() {
    let (emu, _api) = start().await;
    let c = client(&emu, 0);
    let text = c
        .v1()
        .chat("demo-agent")
        .user("How do I reset my password?")
        .stream()
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert!(text.contains("Forgot password?"), "{text}");
    let json = c
        .v1()
        .chat("demo-agent")
        .user("How do I reset my password?")
        .send()
        .await
        .unwrap();
    assert_eq!(json.text, text);
    let bot = c.v1().chatbot("demo-agent");
    bot.create_contacts(body(
        json!({"users": [{"external_id": "e1", "name": "Eve", "email": "eve@example.com"}]}),
    ))
    .send()
    .await
    .unwrap();
    let one = bot.contact("e1").get().send().await.unwrap();
    assert_eq!(val(&one)["data"]["name"], "Eve");
    bot.contact("e1")
        .update(body(json!({"data": {"name": "Eva"}})))
        .send()
        .await
        .unwrap();
    let list = bot.contacts().send().await.unwrap();
    assert_eq!(val(&list)["data"][0]["name"], "Eva");
    bot.contact("e1").delete().send().await.unwrap();
    let bots = c.v1().chatbots().list().send().await.unwrap();
    assert_eq!(val(&bots)["chatbots"][0]["id"], "demo-agent");
}

#[tokio::test]
async fn sdk_retries_through_rate_limits() {
    let limit = RateLimit {
        requests: 3,
        window: Duration::from_secs(1),
    };
    let emu = builder().rate_limit(Some(limit)).start().await.unwrap();
    let c = client(&emu, 4);
    let start = Instant::now();
    for _ in 0..7 {
        c.agent("demo-agent").sources().list().send().await.unwrap();
    }
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "the SDK must have waited for the window"
    );
    let strict = client(&emu, 0);
    let mut limited = None;
    for _ in 0..5 {
        if let Err(e) = strict.agent("demo-agent").sources().list().send().await {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("a client without retries sees the 429");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(429));
    assert!(e.is_rate_limited());
}

#[tokio::test]
async fn sdk_sees_each_fault_kind() {
    let (emu, api) = start().await;
    let c = client(&emu, 0);
    let agent = c.agent("demo-agent");

    api.put(
        "/_emulator/faults",
        json!({"errors": [{"operation": "listSources", "rate": 1.0, "status": 503}]}),
    )
    .await;
    let e = agent.sources().list().send().await.unwrap_err();
    assert!(
        e.status().map(|s| s.as_u16()) == Some(503) || matches!(e, chatbase::Error::Decode { .. }),
        "{e:?}"
    );

    api.put("/_emulator/faults", json!({"latencyMs": 200}))
        .await;
    let t = Instant::now();
    agent.sources().summary().send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(200));

    api.put(
        "/_emulator/faults",
        json!({"resets": [{"operation": "getSourcesSummary", "rate": 1.0}]}),
    )
    .await;
    let e = agent.sources().summary().send().await.unwrap_err();
    assert!(
        !matches!(e, chatbase::Error::Api(_)),
        "a reset is a transport failure: {e:?}"
    );

    api.put("/_emulator/faults", json!({"streamCutAfterEvents": 6}))
        .await;
    let e = agent
        .chat("How do I reset my password?")
        .stream()
        .await
        .unwrap()
        .final_response()
        .await
        .unwrap_err();
    assert!(
        !matches!(e, chatbase::Error::Api(_)),
        "a cut stream is not an API answer: {e:?}"
    );

    api.put(
        "/_emulator/faults",
        json!({"stall": {"afterEvents": 3, "durationMs": 300}}),
    )
    .await;
    let t = Instant::now();
    let r = agent
        .chat("How do I reset my password?")
        .stream()
        .await
        .unwrap()
        .final_response()
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert!(r.text.contains("Forgot password?"));
    let _ = Api::new(&emu);
}

/// Drops `null` object members (the SDK leaves absent fields out where the server may send `null`).
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The SDK's `ChatEvent` and `ChatAnswer` serialize back to the JSON the emulator sent (its `data:` payloads
/// and its non-streamed `data` object), so writing them out loses nothing.
#[tokio::test]
async fn sdk_events_and_answers_serialize_in_the_wire_shape() {
    let (_emu, api) = start().await;
    for message in [
        "How do I reset my password?",
        "/tool lookupOrder {\"orderId\": \"A1\"}",
    ] {
        let resp = api
            .http
            .post(format!("{}/api/v2/agents/demo-agent/chat", api.base))
            .bearer_auth(KEY)
            .json(&json!({ "message": message }))
            .send()
            .await
            .unwrap();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.unwrap();
        let text = String::from_utf8(raw.to_vec()).unwrap();
        let wire = common::sse_data(&text);
        let stream = chatbase::ChatStream::from_bytes(
            futures::stream::iter([Ok::<_, std::io::Error>(raw)]),
            headers,
        );
        let events: Vec<chatbase::ChatEvent> = stream.try_collect().await.unwrap();
        assert_eq!(events.len(), wire.len() - 1, "{text}");
        for (ev, data) in events.iter().zip(&wire) {
            let sent: Value = serde_json::from_str(data).unwrap();
            let expected = if sent["type"] == "message-metadata" {
                // Sent flat and nested at once; the SDK writes the nested form (the same values).
                json!({"type": "message-metadata", "messageMetadata": sent["messageMetadata"]})
            } else {
                sent
            };
            assert_eq!(val(ev), without_nulls(expected), "{data}");
        }

        let r = api
            .post(
                "/api/v2/agents/demo-agent/chat",
                json!({ "message": message, "stream": false }),
            )
            .await;
        let data = r.body["data"].clone();
        let wire: chatbase::types::v2::ChatResponse = body(data.clone());
        let answer = chatbase::ChatAnswer::from(wire);
        assert_eq!(val(&answer), without_nulls(data));
    }
}
