//! Exact answers where routing and the handlers' extractors refuse a request before any resource code
//! runs: unknown paths (404) and methods (405) in each envelope and without a key, undecodable path
//! segments, a bad ticket number, bodies that are not JSON objects. Pins today's bodies so moving routing
//! or the extractors cannot change them.

mod common;

use common::start;
use serde_json::{Value, json};

async fn raw(
    api: &common::Api,
    method: &str,
    path: &str,
    key: bool,
    body: Option<&str>,
) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = api.http.request(m, format!("{}{path}", api.base));
    if key {
        req = req.bearer_auth(&api.key);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_owned());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn unknown_paths_and_methods_name_the_request_before_auth() {
    let (_emu, api) = start().await;
    for key in [true, false] {
        let (s, b) = raw(&api, "GET", "/api/v2/nothing/here", key, None).await;
        assert_eq!(s, 404);
        assert_eq!(
            b,
            json!({"error": {"code": "RESOURCE_NOT_FOUND", "message": "No route for GET /api/v2/nothing/here"}})
        );
        let (s, b) = raw(&api, "DELETE", "/api/v2/agents", key, None).await;
        assert_eq!(s, 405);
        assert_eq!(
            b,
            json!({"error": {"code": "METHOD_NOT_ALLOWED", "message": "DELETE is not allowed on /api/v2/agents"}})
        );
        let (s, b) = raw(&api, "PUT", "/api/v1/get-chatbots", key, None).await;
        assert_eq!(s, 405);
        assert_eq!(
            b,
            json!({"message": "PUT is not allowed on /api/v1/get-chatbots"})
        );
        let (s, b) = raw(&api, "GET", "/api/cli-pairing/create", key, None).await;
        assert_eq!(s, 405);
        assert_eq!(
            b["error"]["message"],
            "GET is not allowed on /api/cli-pairing/create"
        );
        // Literal segments win over parameters, as in the spec.
        let (s, _) = raw(
            &api,
            "DELETE",
            "/api/v2/agents/demo-agent/sources/summary",
            key,
            None,
        )
        .await;
        assert_eq!(s, 405);
    }
    // A route's own path with a trailing slash is not that route.
    let (s, b) = raw(&api, "GET", "/api/v2/agents/", false, None).await;
    assert_eq!(s, 404);
    assert_eq!(b["error"]["message"], "No route for GET /api/v2/agents/");
    // A 405 names the methods of the path's operations.
    let r = api
        .http
        .delete(format!("{}/api/v2/agents", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let allow = r.headers().get("allow").and_then(|v| v.to_str().ok());
    assert_eq!(allow, Some("GET,HEAD,POST"));
    let (s, b) = raw(&api, "GET", "/api/v1/nothing", true, None).await;
    assert_eq!(s, 404);
    assert_eq!(b, json!({"message": "No route for GET /api/v1/nothing"}));
    // HEAD is answered by a GET route, as the 405's `Allow` says.
    let r = api
        .http
        .head(format!("{}/api/v2/agents", api.base))
        .bearer_auth(&api.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_admin_api_needs_the_key_and_has_its_own_404() {
    let (_emu, api) = start().await;
    let (s, b) = raw(&api, "GET", "/_emulator/nothing", false, None).await;
    assert_eq!(s, 401);
    assert_eq!(b["error"]["code"], "AUTH_MISSING_API_KEY");
    let (s, b) = raw(&api, "GET", "/_emulator/nothing", true, None).await;
    assert_eq!(s, 404);
    assert_eq!(
        b,
        json!({"error": {"code": "RESOURCE_NOT_FOUND", "message": "No such route"}})
    );
    let (s, b) = raw(&api, "DELETE", "/_emulator/info", true, None).await;
    assert_eq!(s, 404);
    assert_eq!(b["error"]["message"], "No such route");
}

#[tokio::test]
async fn path_segments_that_do_not_decode_or_parse_are_validation_errors() {
    let (_emu, api) = start().await;
    let (s, b) = raw(&api, "GET", "/api/v2/agents/%FF", true, None).await;
    assert_eq!(s, 400);
    assert_eq!(
        b,
        json!({"error": {"code": "VALIDATION_INVALID_BODY", "message": "Invalid request"}})
    );
    for n in ["abc", "0", "-3", "2147483648"] {
        let path = format!("/api/v2/agents/demo-agent/helpdesk/tickets/{n}");
        let (s, b) = raw(&api, "GET", &path, true, None).await;
        assert_eq!(s, 400, "{n}");
        assert_eq!(
            b,
            json!({"error": {
                "code": "VALIDATION_INVALID_BODY",
                "message": "Invalid request",
                "details": {"ticketNumber": "Expected a positive integer"},
            }}),
            "{n}"
        );
    }
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_refused_in_the_api_words() {
    let (_emu, api) = start().await;
    let leads = "/_emulator/agents/demo-agent/leads";
    let (s, b) = raw(&api, "POST", leads, true, Some("[1, 2]")).await;
    assert_eq!(s, 400);
    assert_eq!(
        b,
        json!({"error": {
            "code": "VALIDATION_INVALID_BODY",
            "message": "Invalid request",
            "details": {"body": "Expected object"},
        }})
    );
    let (s, b) = raw(&api, "POST", leads, true, Some("{\"name\":")).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["code"], "VALIDATION_INVALID_JSON");
    let message = b["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Request body is not valid JSON: "),
        "{message}"
    );
    // An empty body counts as `{}`: pairing creates a request without a device name.
    let (s, b) = raw(&api, "POST", "/api/cli-pairing/create", false, Some("")).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["device_code"].is_string());
}

#[tokio::test]
async fn faults_target_the_operation_a_request_was_routed_to() {
    let (_emu, api) = start().await;
    // The files-host upload shares its method and path with the JSON source operation; the body decides.
    let faults = json!({"errors": [
        {"operation": "createFileSource", "rate": 1.0, "status": 502},
        {"operation": "listConversations", "rate": 1.0, "status": 503},
    ]});
    assert_eq!(api.put("/_emulator/faults", faults).await.status, 200);
    let sources = "/api/v2/agents/demo-agent/sources";
    let form = reqwest::multipart::Form::new().text("name", "notes").part(
        "file",
        reqwest::multipart::Part::bytes(b"some notes".to_vec()).file_name("notes.txt"),
    );
    let r = api.multipart("POST", sources, form).await;
    assert_eq!(r.status, 502, "{}", r.text);
    let r = api
        .post(
            sources,
            json!({"type": "text", "name": "Notes", "content": "Some notes."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // v1 and v2 share the operationId `listConversations`; a rule naming it hits both.
    let r = api.get("/api/v2/agents/demo-agent/conversations").await;
    assert_eq!(r.status, 503);
    let r = api
        .get("/api/v1/get-conversations?chatbotId=demo-agent")
        .await;
    assert_eq!(r.status, 503);
    assert_eq!(api.get("/api/v2/agents").await.status, 200);
}
