//! The generated v2 client against progenitor's generated httpmock helpers: each test checks
//! what the server saw (method, path, query, body, bearer token) and what the client decoded.

use chatbase_api::mock::v2::MockServerExt;
use chatbase_api::v2::{Client, types};
use httpmock::MockServer;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::json;

const KEY: &str = "test-key-v2";

fn client(server: &MockServer) -> Client {
    let mut auth = HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap();
    auth.set_sensitive(true);
    // A plain client: the key reaches every request through the generated pre-request hook.
    let headers = chatbase_api::RequestHeaders(HeaderMap::from_iter([(AUTHORIZATION, auth)]));
    Client::new_with_client(&server.base_url(), reqwest::Client::new(), headers)
}

fn agent_json(id: &str) -> serde_json::Value {
    json!({
        "id": id, "name": "Support", "instructions": "Be kind.", "channelInstructions": null,
        "model": "gpt-4o-mini", "autoRetrain": false, "temp": 0.2, "visibility": "private",
        "allowedDomains": [], "suggestedMessages": null, "initialMessages": ["Hi!"],
        "creditLimit": null, "creditsUsed": 3, "notificationsSettings": null, "ipRateLimits": {"limit": 20, "timeframe": 240, "message": "Slow down"},
        "spamSettings": null, "blockedCountries": [], "voiceSettings": null, "styles": null,
        "createdAt": "2026-01-01T00:00:00.000Z", "lastMessageAt": null, "lastTrainedAt": null,
        "status": "trained", "size": 1024
    })
}

#[tokio::test]
async fn list_agents_sends_cursor_and_limit_query() {
    let server = MockServer::start_async().await;
    let page: types::ListAgentsResponse = serde_json::from_value(json!({
        "data": [agent_json("agent-1")],
        "pagination": {"cursor": "next-1", "hasMore": true, "total": 7}
    }))
    .unwrap();
    let mock = server.list_agents(|when, then| {
        when.cursor("c0")
            .limit(std::num::NonZeroU64::new(2).unwrap())
            .into_inner()
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&page);
    });

    let response = client(&server)
        .list_agents()
        .cursor("c0")
        .limit(std::num::NonZeroU64::new(2).unwrap())
        .send()
        .await
        .unwrap();

    mock.assert_calls(1);
    assert_eq!(response.status(), 200);
    let body = response.into_inner();
    assert_eq!(body.data.len(), 1);
    assert_eq!(body.data[0].id, "agent-1");
    assert_eq!(body.pagination.cursor.as_deref(), Some("next-1"));
    assert!(body.pagination.has_more);
}

#[tokio::test]
async fn get_agent_puts_id_in_path() {
    let server = MockServer::start_async().await;
    let agent: types::Agent = serde_json::from_value(agent_json("agent-42")).unwrap();
    let mock = server.get_agent(|when, then| {
        when.agent_id(&"agent-42".try_into().unwrap())
            .into_inner()
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&agent);
    });

    let got = client(&server)
        .get_agent()
        .agent_id("agent-42")
        .send()
        .await
        .unwrap()
        .into_inner();

    mock.assert_calls(1);
    assert_eq!(got.id, "agent-42");
    assert_eq!(got.name, "Support");
}

#[tokio::test]
async fn create_agent_sends_json_body() {
    let server = MockServer::start_async().await;
    let body: types::CreateAgentBody = serde_json::from_value(
        json!({"name": "Docs bot", "instructions": "Answer from the docs."}),
    )
    .unwrap();
    let mock = server.create_agent(|when, then| {
        when.body(&body)
            .into_inner()
            .header("authorization", format!("Bearer {KEY}"))
            .header("content-type", "application/json");
        then.created(&serde_json::from_value(json!({"id": "new-agent"})).unwrap());
    });

    let created = client(&server)
        .create_agent()
        .body(body.clone())
        .send()
        .await
        .unwrap();

    mock.assert_calls(1);
    assert_eq!(created.status(), 201);
    assert_eq!(created.into_inner().id, "new-agent");
}

#[tokio::test]
async fn list_conversations_combines_path_and_date_filters() {
    let server = MockServer::start_async().await;
    let mock = server.list_conversations(|when, then| {
        when.agent_id(&"a1".try_into().unwrap())
            .start_date("2026-01-01")
            .end_date("2026-01-31")
            .into_inner()
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&serde_json::from_value(json!({
            "data": [{"id": "c1", "title": null, "createdAt": 1, "updatedAt": 2, "userId": "u1", "status": "ongoing"}],
            "pagination": {"cursor": null, "hasMore": false, "total": 1}
        }))
        .unwrap());
    });

    let page = client(&server)
        .list_conversations()
        .agent_id("a1")
        .start_date("2026-01-01")
        .end_date("2026-01-31")
        .send()
        .await
        .unwrap()
        .into_inner();

    mock.assert_calls(1);
    assert_eq!(page.data[0].id, "c1");
    assert_eq!(page.data[0].user_id.as_deref(), Some("u1"));
    assert!(page.pagination.cursor.is_none());
}

#[tokio::test]
async fn chat_json_variant_decodes_envelope() {
    let server = MockServer::start_async().await;
    let request: types::ChatRequest =
        serde_json::from_value(json!({"message": "Hello", "stream": false})).unwrap();
    let mock = server.chat_with_agent(|when, then| {
        when.agent_id(&"a1".try_into().unwrap())
            .body(&request)
            .into_inner()
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&serde_json::from_value(json!({"data": {
            "id": "m2", "role": "assistant",
            "parts": [{"type": "text", "text": "Hi there"}],
            "metadata": {"conversationId": "c9", "userMessageId": "m1", "userId": null, "finishReason": "stop", "usage": {"credits": 1}}
        }}))
        .unwrap());
    });

    let reply = client(&server)
        .chat_with_agent()
        .agent_id("a1")
        .body(request)
        .send()
        .await
        .unwrap()
        .into_inner();

    mock.assert_calls(1);
    assert_eq!(reply.data.id, "m2");
    let data = serde_json::to_value(&reply.data).unwrap();
    assert_eq!(data["parts"][0]["text"], "Hi there");
    assert_eq!(data["metadata"]["conversationId"], "c9");
    assert_eq!(data["metadata"]["usage"]["credits"], 1.0);
}

#[tokio::test]
async fn errors_arrive_untyped_with_status_and_body() {
    let server = MockServer::start_async().await;
    let mock = server.delete_agent(|when, then| {
        when.agent_id(&"missing".try_into().unwrap());
        then.into_inner()
            .status(404)
            .header("x-request-id", "req-404")
            .json_body(json!({"error": {"code": "AGENT_NOT_FOUND", "message": "No such agent"}}));
    });

    let err = client(&server)
        .delete_agent()
        .agent_id("missing")
        .send()
        .await
        .unwrap_err();

    mock.assert_calls(1);
    let chatbase_api::v2::Error::UnexpectedResponse(response) = err else {
        panic!("expected the raw error response, got {err:?}");
    };
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-request-id"], "req-404");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AGENT_NOT_FOUND");
}

#[tokio::test]
async fn non_json_error_keeps_its_status() {
    let server = MockServer::start_async().await;
    server.list_agents(|_, then| {
        then.into_inner()
            .status(503)
            .header("content-type", "text/html")
            .body("<html>maintenance</html>");
    });

    let err = client(&server).list_agents().send().await.unwrap_err();

    let chatbase_api::v2::Error::UnexpectedResponse(response) = err else {
        panic!("expected the raw error response, got {err:?}");
    };
    assert_eq!(response.status(), 503);
    assert_eq!(response.text().await.unwrap(), "<html>maintenance</html>");
}

#[test]
fn unknown_enum_values_decode_and_round_trip() {
    let mut json = agent_json("agent-7");
    json["model"] = json!("gpt-99-turbo");
    json["status"] = json!("archived");
    let agent: types::Agent = serde_json::from_value(json).unwrap();
    assert!(matches!(&agent.model, types::AgentModel::Unknown(m) if m == "gpt-99-turbo"));
    assert!(matches!(&agent.status, types::AgentStatus::Unknown(s) if s == "archived"));
    assert_eq!(agent.status.to_string(), "archived");
    let back = serde_json::to_value(&agent).unwrap();
    assert_eq!(back["model"], "gpt-99-turbo");
    // Known values still decode to their own variants.
    assert_eq!(
        "trained".parse::<types::AgentStatus>().unwrap(),
        types::AgentStatus::Trained
    );
}

#[test]
fn button_color_is_a_checked_plain_string() {
    for ok in ["#1f6feb", "#FFF", "transparent"] {
        let color: types::ButtonColor = serde_json::from_value(json!(ok)).unwrap();
        assert_eq!(color.as_str(), ok);
    }
    for bad in ["blue", "#12345", "#1f6feb/i"] {
        assert!(
            serde_json::from_value::<types::ButtonColor>(json!(bad)).is_err(),
            "{bad}"
        );
    }
}
