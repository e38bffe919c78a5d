//! The generated v1 client against progenitor's generated httpmock helpers: each test checks
//! what the server saw (method, path, query, body, bearer token) and what the client decoded.

use chatbase_api::mock::v1::MockServerExt;
use chatbase_api::v1::{Client, types};
use httpmock::MockServer;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::json;

const KEY: &str = "test-key-v1";

fn client(server: &MockServer) -> Client {
    let mut auth = HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap();
    auth.set_sensitive(true);
    let http = reqwest::Client::builder()
        .default_headers(HeaderMap::from_iter([(AUTHORIZATION, auth)]))
        .build()
        .unwrap();
    // The key in the client's default headers; no extra headers for the hook to add.
    Client::new_with_client(&server.base_url(), http, Default::default())
}

#[tokio::test]
async fn list_chatbots_is_a_bearer_get() {
    let server = MockServer::start_async().await;
    let mock = server.list_chatbots(|when, then| {
        when.into_inner()
            .method("GET")
            .path("/get-chatbots")
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&serde_json::from_value(json!({"chatbots": [
            {"id": "bot-1", "name": "Helper", "model": "gpt-4o-mini"}
        ]}))
        .unwrap());
    });

    let bots = client(&server)
        .list_chatbots()
        .send()
        .await
        .unwrap()
        .into_inner();

    mock.assert_calls(1);
    assert_eq!(bots.chatbots.len(), 1);
    assert_eq!(bots.chatbots[0].id.as_deref(), Some("bot-1"));
    assert_eq!(bots.chatbots[0].model.as_deref(), Some("gpt-4o-mini"));
}

#[tokio::test]
async fn create_chatbot_sends_json_body() {
    let server = MockServer::start_async().await;
    let request: types::CreateChatbotRequest = serde_json::from_value(
        json!({"chatbotName": "Docs", "sourceText": "Our refund window is 30 days."}),
    )
    .unwrap();
    let mock = server.create_chatbot(|when, then| {
        when.body(&request)
            .into_inner()
            .method("POST")
            .path("/create-chatbot")
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&serde_json::from_value(json!({"chatbotId": "bot-9"})).unwrap());
    });

    let created = client(&server)
        .create_chatbot()
        .body(request.clone())
        .send()
        .await
        .unwrap()
        .into_inner();

    mock.assert_calls(1);
    assert_eq!(created.chatbot_id.as_deref(), Some("bot-9"));
}

#[tokio::test]
async fn list_leads_sends_page_and_size_query() {
    let server = MockServer::start_async().await;
    let mock = server.list_leads(|when, then| {
        when.chatbot_id("bot-1")
            .page("2")
            .size("50")
            .into_inner()
            .method("GET")
            .path("/get-leads")
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&serde_json::from_value(json!({"collectedCustomers": [
            {"id": "lead-7", "name": "Ada", "email": "ada@example.com", "phone": null, "created_at": "2026-01-05T10:00:00Z"}
        ]}))
        .unwrap());
    });

    let leads = client(&server)
        .list_leads()
        .chatbot_id("bot-1")
        .page("2")
        .size("50")
        .send()
        .await
        .unwrap()
        .into_inner();

    mock.assert_calls(1);
    assert_eq!(leads.collected_customers.len(), 1);
    let lead = serde_json::to_value(&leads.collected_customers[0]).unwrap();
    assert_eq!(lead["email"], "ada@example.com");
}

#[tokio::test]
async fn get_contact_puts_both_ids_in_path() {
    let server = MockServer::start_async().await;
    let mock = server.get_contact(|when, then| {
        when.chatbot_id("bot-1")
            .contact_id("ext-77")
            .into_inner()
            .method("GET")
            .path("/chatbots/bot-1/contacts/ext-77")
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&serde_json::from_value(json!({"data": {
            "id": "c-1", "external_id": "ext-77", "name": "Grace", "email": "grace@example.com",
            "created_at": 1767225600
        }}))
        .unwrap());
    });

    let contact = client(&server)
        .get_contact()
        .chatbot_id("bot-1")
        .contact_id("ext-77")
        .send()
        .await
        .unwrap()
        .into_inner();

    mock.assert_calls(1);
    let contact = serde_json::to_value(&contact).unwrap();
    assert_eq!(contact["data"]["external_id"], "ext-77");
    assert_eq!(contact["data"]["name"], "Grace");
}

#[tokio::test]
async fn chat_json_answer_decodes_text() {
    let server = MockServer::start_async().await;
    let request: types::ChatRequest = serde_json::from_value(json!({
        "chatbotId": "bot-1",
        "messages": [{"role": "user", "content": "What is the refund window?"}],
        "stream": false
    }))
    .unwrap();
    let mock = server.chat(|when, then| {
        when.body(&request)
            .into_inner()
            .method("POST")
            .path("/chat")
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&serde_json::from_value(json!({"text": "30 days."})).unwrap());
    });

    let answer = client(&server)
        .chat()
        .body(request.clone())
        .send()
        .await
        .unwrap()
        .into_inner();

    mock.assert_calls(1);
    assert_eq!(answer.text.as_deref(), Some("30 days."));
}

#[tokio::test]
async fn message_error_arrives_with_status_and_body() {
    let server = MockServer::start_async().await;
    let mock = server.delete_chatbot(|when, then| {
        when.chatbot_id("nope");
        then.into_inner()
            .status(404)
            .json_body(json!({"message": "Chatbot not found"}));
    });

    let err = client(&server)
        .delete_chatbot()
        .chatbot_id("nope")
        .send()
        .await
        .unwrap_err();

    mock.assert_calls(1);
    let chatbase_api::v1::Error::UnexpectedResponse(response) = err else {
        panic!("expected the raw error response, got {err:?}");
    };
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Chatbot not found");
}
