//! v2 resources end to end: agents, sources (JSON and multipart), conversations, messages,
//! feedback, export, helpdesk, WhatsApp and voice. Bodies are checked against the spec.

mod common;

use common::start;
use serde_json::{Value, json};

fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn health_needs_no_key() {
    let (_emu, api) = start().await;
    let r = api
        .http
        .get(format!("{}/api/v2/health", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn agents_crud_and_pagination() {
    let (_emu, api) = start().await;
    for i in 0..24 {
        let r = api
            .post(
                "/api/v2/agents",
                json!({"name": format!("Agent {i}"), "temp": 0.5}),
            )
            .await;
        assert_eq!(r.status, 201);
        assert_eq!(r.body["pendingSteps"], json!(["ADD_SOURCE", "TRAIN_AGENT"]));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v2/agents?limit=10&cursor={c}"),
            None => "/api/v2/agents?limit=10".to_string(),
        };
        let r = api.get(&path).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["pagination"]["total"], 25);
        seen.extend(ids(&r.body));
        if !r.body["pagination"]["hasMore"].as_bool().unwrap() {
            assert!(r.body["pagination"]["cursor"].is_null());
            break;
        }
        cursor = Some(r.body["pagination"]["cursor"].as_str().unwrap().to_string());
    }
    assert_eq!(seen.len(), 25);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25);

    let id = api
        .post("/api/v2/agents", json!({"name": "Edit me"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v2/agents/{id}");
    let r = api
        .put(&path, json!({"name": "Edited", "temp": 0.2, "ipRateLimits": {"limit": 5}, "blockedCountries": ["FR"]}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"success": true}));
    let got = api.get(&path).await;
    assert_eq!(got.body["name"], "Edited");
    assert_eq!(got.body["ipRateLimits"]["limit"], 5);
    assert_eq!(got.body["ipRateLimits"]["timeframe"], 240);
    let styles = api
        .put(
            &format!("{path}/styles"),
            json!({"styles": {"chat": {"theme": "dark", "buttonColor": "#abc"}}}),
        )
        .await;
    assert_eq!(styles.status, 200);
    assert_eq!(api.get(&path).await.body["styles"]["chat"]["theme"], "dark");
    let bad = api
        .put(
            &format!("{path}/styles"),
            json!({"styles": {"chat": {"buttonColor": "red"}}}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"]["details"]["styles.chat.buttonColor"].is_string());
    let untrained = api
        .put(&format!("{path}/auto-retrain"), json!({"enabled": true}))
        .await;
    assert_eq!(untrained.status, 409);
    assert_eq!(untrained.body["error"]["code"], "AGENT_NOT_TRAINED");
    api.post(
        &format!("{path}/sources"),
        json!({"type": "text", "name": "t", "content": "hello world"}),
    )
    .await;
    let ok = api
        .put(&format!("{path}/auto-retrain"), json!({"enabled": true}))
        .await;
    assert_eq!(ok.status, 200);
    let got = api.get(&path).await;
    assert_eq!(got.body["autoRetrain"], true);
    assert_eq!(got.body["status"], "trained");
    let clone = api.post(&format!("{path}/clone"), json!({})).await;
    assert_eq!(clone.status, 201);
    let cid = clone.body["id"].as_str().unwrap();
    let cloned = api.get(&format!("/api/v2/agents/{cid}")).await;
    assert_eq!(cloned.body["name"], "Edited (copy)");
    assert_eq!(
        api.get(&format!("/api/v2/agents/{cid}/sources")).await.body["pagination"]["total"],
        1
    );
    let train = api.post(&format!("{path}/train"), json!({})).await;
    assert_eq!(train.body["deprecated"], true);
    assert_eq!(api.delete(&path).await.status, 200);
    let gone = api.get(&path).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["error"]["code"], "AGENT_NOT_FOUND");
}

#[tokio::test]
async fn sources_lifecycle_including_file_uploads() {
    let (_emu, api) = start().await;
    let id = api
        .post("/api/v2/agents", json!({"name": "Docs"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = format!("/api/v2/agents/{id}/sources");
    let text = api
        .post(
            &base,
            json!({"type": "text", "name": "Intro", "content": "The moon is made of basalt."}),
        )
        .await;
    assert_eq!(text.status, 201);
    assert_eq!(text.body["status"], "untrained");
    assert_eq!(text.body["size"], 27);
    let qna = api
        .post(&base, json!({"type": "qna", "name": "Moon", "questions": ["How far is the moon?"], "answer": "About 384,400 km."}))
        .await;
    assert_eq!(qna.status, 201);
    let link = api
        .post(
            &base,
            json!({"type": "link", "url": "https://example.com/docs", "linkType": "crawl"}),
        )
        .await;
    assert_eq!(link.status, 201);
    assert_eq!(link.body["metadata"]["type"], "crawl");
    let dup = api
        .post(
            &base,
            json!({"type": "link", "url": "https://example.com/docs", "linkType": "crawl"}),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.body["error"]["code"], "SOURCE_DUPLICATE");
    let invalid = api
        .post(&base, json!({"type": "qna", "name": "", "questions": []}))
        .await;
    assert_eq!(invalid.status, 400);
    let d = &invalid.body["error"]["details"];
    assert!(
        d["name"].is_string() && d["questions"].is_string() && d["answer"].is_string(),
        "{d}"
    );

    let form = reqwest::multipart::Form::new().text("name", "Guide").part(
        "file",
        reqwest::multipart::Part::bytes(
            b"# Lunar eclipses\n\nA lunar eclipse happens when Earth's shadow covers the moon."
                .to_vec(),
        )
        .file_name("guide.txt"),
    );
    let file = api.multipart("POST", &base, form).await;
    assert_eq!(file.status, 201, "{}", file.text);
    assert_eq!(file.body["type"], "file");
    let fid = file.body["id"].as_str().unwrap().to_string();
    let bad = reqwest::multipart::Form::new().text("name", "x").part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("x.exe"),
    );
    let r = api.multipart("POST", &base, bad).await;
    assert_eq!(r.status, 400);
    assert!(r.body["error"]["details"]["file"].is_string());
    let chat = api
        .post(
            &format!("/api/v2/agents/{id}/chat"),
            json!({"message": "What causes a lunar eclipse?", "stream": false}),
        )
        .await;
    assert!(
        chat.body["data"]["parts"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Earth's shadow")
    );
    let replace = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(
            b"Solar eclipses happen when the moon blocks the sun.".to_vec(),
        )
        .file_name("guide.txt"),
    );
    let r = api
        .multipart("PUT", &format!("{base}/{fid}"), replace)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "updated");
    let chat = api
        .post(
            &format!("/api/v2/agents/{id}/chat"),
            json!({"message": "When do solar eclipses happen?", "stream": false}),
        )
        .await;
    assert!(
        chat.body["data"]["parts"][0]["text"]
            .as_str()
            .unwrap()
            .contains("blocks the sun")
    );

    let list = api.get(&format!("{base}?type=text,qna")).await;
    assert_eq!(list.body["pagination"]["total"], 2);
    let page = api.get(&format!("{base}?limit=2")).await;
    assert_eq!(page.body["pagination"]["hasMore"], true);
    let tid = text.body["id"].as_str().unwrap();
    let upd = api
        .put(
            &format!("{base}/{tid}"),
            json!({"content": "The moon is made of cheese."}),
        )
        .await;
    assert_eq!(upd.status, 200);
    assert_eq!(api.get(&format!("{base}/{tid}")).await.body["size"], 27);
    let del = api.delete(&format!("{base}/{tid}")).await;
    assert_eq!(del.status, 200);
    assert_eq!(del.body["status"], "toBeDeleted");
    let again = api.delete(&format!("{base}/{tid}")).await;
    assert_eq!(
        again.body["error"]["code"],
        "SOURCE_ALREADY_PENDING_DELETION"
    );
    let pending = api
        .put(&format!("{base}/{tid}"), json!({"name": "x"}))
        .await;
    assert_eq!(pending.body["error"]["code"], "SOURCE_PENDING_DELETION");
    let summary = api.get(&format!("{base}/summary")).await;
    assert_eq!(summary.status, 200);
    assert_eq!(summary.body["shouldRetrain"], true);
    assert_eq!(summary.body["qnas"]["count"], 1);
    assert_eq!(summary.body["files"]["count"], 1);
    let restore = api.post(&format!("{base}/{tid}/restore"), json!({})).await;
    assert_eq!(restore.body["deprecated"], true);
    assert_eq!(
        api.get(&format!("{base}/{tid}")).await.body["status"],
        "trained"
    );
    assert_eq!(
        api.get(&format!("{base}/nope")).await.body["error"]["code"],
        "SOURCE_NOT_FOUND"
    );
}

#[tokio::test]
async fn conversations_messages_feedback_and_export() {
    let (_emu, api) = start().await;
    let chat = |msg: &str, cid: Option<&str>| {
        let mut b = json!({"message": msg, "stream": false, "userId": "alice"});
        if let Some(c) = cid {
            b["conversationId"] = json!(c);
        }
        b
    };
    let first = api
        .post(
            "/api/v2/agents/demo-agent/chat",
            chat("How do I cancel?", None),
        )
        .await;
    let cid = first.body["data"]["metadata"]["conversationId"]
        .as_str()
        .unwrap()
        .to_string();
    for i in 0..11 {
        api.post(
            "/api/v2/agents/demo-agent/chat",
            chat(&format!("question {i} about invoices"), Some(&cid)),
        )
        .await;
    }
    // 12 turns = 24 messages; pages go backwards from the newest, each oldest-first.
    let base = format!("/api/v2/agents/demo-agent/conversations/{cid}");
    let p1 = api.get(&format!("{base}/messages?limit=10")).await;
    assert_eq!(p1.body["pagination"]["total"], 24);
    let msgs = p1.body["data"].as_array().unwrap();
    assert_eq!(msgs.len(), 10);
    assert!(msgs[0]["createdAt"].as_f64() <= msgs[9]["createdAt"].as_f64());
    assert_eq!(msgs[9]["role"], "assistant");
    let c = p1.body["pagination"]["cursor"].as_str().unwrap();
    let p2 = api
        .get(&format!("{base}/messages?limit=10&cursor={c}"))
        .await;
    let c2 = p2.body["pagination"]["cursor"].as_str().unwrap();
    let p3 = api
        .get(&format!("{base}/messages?limit=10&cursor={c2}"))
        .await;
    assert_eq!(p3.body["data"].as_array().unwrap().len(), 4);
    assert_eq!(p3.body["pagination"]["hasMore"], false);
    assert_eq!(p3.body["data"][0]["parts"][0]["text"], "How do I cancel?");

    let conv = api.get(&base).await;
    assert_eq!(conv.body["data"]["messages"].as_array().unwrap().len(), 20);
    assert_eq!(conv.body["data"]["title"], "How do I cancel?");
    let cursor = conv.body["pagination"]["cursor"].as_str().unwrap();
    let rest = api.get(&format!("{base}/messages?cursor={cursor}")).await;
    assert_eq!(rest.body["data"].as_array().unwrap().len(), 4);

    let aid = msgs[9]["id"].as_str().unwrap();
    let uid = msgs[8]["id"].as_str().unwrap();
    let fb = api
        .patch(
            &format!("{base}/messages/{aid}/feedback"),
            json!({"feedback": "positive"}),
        )
        .await;
    assert_eq!(fb.status, 200);
    assert_eq!(fb.body["data"]["feedback"], "positive");
    let user_fb = api
        .patch(
            &format!("{base}/messages/{uid}/feedback"),
            json!({"feedback": "negative"}),
        )
        .await;
    assert_eq!(user_fb.status, 422);
    assert_eq!(
        user_fb.body["error"]["code"],
        "RESOURCE_MESSAGE_NOT_ASSISTANT"
    );
    let clear = api
        .patch(
            &format!("{base}/messages/{aid}/feedback"),
            json!({"feedback": null}),
        )
        .await;
    assert!(clear.body["data"]["feedback"].is_null());
    let extra = api
        .patch(
            &format!("{base}/messages/{aid}/feedback"),
            json!({"feedback": "positive", "x": 1}),
        )
        .await;
    assert_eq!(extra.status, 400);

    let paused = api.patch(&base, json!({"paused": true})).await;
    assert_eq!(paused.body["data"]["status"], "paused");
    let blocked = api
        .post("/api/v2/agents/demo-agent/chat", chat("hello?", Some(&cid)))
        .await;
    assert_eq!(blocked.status, 409);
    api.patch(&base, json!({"paused": false})).await;

    api.post(
        "/api/v2/agents/demo-agent/chat",
        json!({"message": "other", "stream": false, "userId": "bob"}),
    )
    .await;
    let list = api.get("/api/v2/agents/demo-agent/conversations").await;
    assert_eq!(list.body["pagination"]["total"], 2);
    let mine = api
        .get("/api/v2/agents/demo-agent/users/alice/conversations")
        .await;
    assert_eq!(mine.body["pagination"]["total"], 1);
    assert_eq!(mine.body["data"][0]["id"], cid.as_str());
    let bad_user = api
        .get("/api/v2/agents/demo-agent/users/bad%20user/conversations")
        .await;
    assert_eq!(bad_user.status, 400);

    let export = api
        .get("/api/v2/agents/demo-agent/conversations/export")
        .await;
    assert_eq!(export.status, 200);
    assert_eq!(
        export.body["data"][1]["messages"].as_array().unwrap().len(),
        24
    );
    assert_eq!(export.body["data"][0]["source"], "API");
    let summary = api
        .get("/api/v2/agents/demo-agent/conversations/export?include=summary")
        .await;
    assert!(summary.body["data"][0].get("messages").is_none());
    let too_many = api
        .get("/api/v2/agents/demo-agent/conversations/export?limit=21")
        .await;
    assert_eq!(too_many.status, 400);
    let range = api
        .get("/api/v2/agents/demo-agent/conversations?startDate=2030-01-02&endDate=2030-01-01")
        .await;
    assert_eq!(range.body["error"]["code"], "VALIDATION_INVALID_DATE_RANGE");
    let future = api
        .get("/api/v2/agents/demo-agent/conversations?startDate=2099-01-01")
        .await;
    assert_eq!(future.body["pagination"]["total"], 0);
}

#[tokio::test]
async fn helpdesk_tickets_and_messages() {
    let (_emu, api) = start().await;
    let base = "/api/v2/agents/demo-agent/helpdesk";
    let statuses = api.get(&format!("{base}/ticket-statuses")).await;
    assert_eq!(statuses.body.as_array().unwrap().len(), 6);
    let closed = statuses
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["category"] == "closed")
        .unwrap()["id"]
        .clone();
    let teams = api.get(&format!("{base}/teams")).await;
    assert_eq!(teams.body[0]["memberCount"], 2);
    let billing = teams.body[1]["id"].as_str().unwrap().to_string();
    let mut numbers = Vec::new();
    for i in 0..5 {
        let t = api
            .post(
                &format!("{base}/tickets"),
                json!({"subject": format!("Printer {i} is on fire"), "description": "Smoke everywhere", "customer": {"email": "c@example.com", "name": "Cee"}, "priority": "high"}),
            )
            .await;
        assert_eq!(t.status, 201, "{}", t.text);
        numbers.push(t.body["ticketNumber"].as_i64().unwrap());
    }
    assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
    let bad = api
        .post(
            &format!("{base}/tickets"),
            json!({"subject": "", "customer": {"email": "nope"}}),
        )
        .await;
    assert_eq!(bad.status, 400);
    let d = &bad.body["error"]["details"];
    assert!(
        d["subject"].is_string() && d["description"].is_string() && d["customer.email"].is_string(),
        "{d}"
    );
    let p1 = api
        .get(&format!(
            "{base}/tickets?limit=2&sortBy=createdAt&order=asc&includeTotal=true"
        ))
        .await;
    assert_eq!(p1.body["pagination"]["total"], 5);
    assert_eq!(p1.body["data"][0]["ticketNumber"], 1);
    let c = p1.body["pagination"]["cursor"].as_str().unwrap();
    let p2 = api
        .get(&format!(
            "{base}/tickets?limit=2&sortBy=createdAt&order=asc&cursor={c}"
        ))
        .await;
    assert_eq!(p2.body["data"][0]["ticketNumber"], 3);
    assert!(p2.body["pagination"].get("total").is_none());
    let mismatch = api
        .get(&format!(
            "{base}/tickets?limit=2&sortBy=updatedAt&cursor={c}"
        ))
        .await;
    assert_eq!(mismatch.status, 400);

    let upd = api
        .patch(
            &format!("{base}/tickets/2"),
            json!({"statusId": closed, "assigneeEmail": "bo@example.com"}),
        )
        .await;
    assert_eq!(upd.status, 200, "{}", upd.text);
    assert_eq!(upd.body["statusCategory"], "closed");
    assert_eq!(upd.body["teamId"], billing.as_str());
    let filtered = api.get(&format!("{base}/tickets?status=closed")).await;
    assert_eq!(filtered.body["data"].as_array().unwrap().len(), 1);
    let unknown = api
        .patch(
            &format!("{base}/tickets/2"),
            json!({"assigneeEmail": "ghost@example.com"}),
        )
        .await;
    assert_eq!(
        unknown.body["error"]["code"],
        "TICKET_TEAM_MEMBER_NOT_FOUND"
    );
    assert_eq!(
        api.get(&format!("{base}/tickets/99")).await.body["error"]["code"],
        "TICKET_NOT_FOUND"
    );
    assert_eq!(api.get(&format!("{base}/tickets/abc")).await.status, 400);

    let reply = api
        .post(
            &format!("{base}/tickets/2/messages"),
            json!({"type": "reply", "content": "On it!"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["sender"]["type"], "agent");
    let msgs = api.get(&format!("{base}/tickets/2/messages")).await;
    assert_eq!(msgs.body["pagination"]["total"], 2);
    let all = api
        .get(&format!(
            "{base}/tickets/2/messages?types=reply,note,event&order=desc"
        ))
        .await;
    assert_eq!(all.body["data"].as_array().unwrap().len(), 4);
    assert_eq!(all.body["data"][0]["contentText"], "On it!");
    let found = api
        .post(
            &format!("{base}/tickets/search"),
            json!({"query": "printer 3"}),
        )
        .await;
    assert_eq!(found.body["data"].as_array().unwrap().len(), 1);
    assert!(found.body["pagination"]["cursor"].is_null());
    let got = api.get(&format!("{base}/tickets/3")).await;
    assert_eq!(got.body["description"], "Smoke everywhere");
}

#[tokio::test]
async fn whatsapp_templates_and_voice_sessions() {
    let (_emu, api) = start().await;
    let list = api
        .get("/api/v2/agents/demo-agent/whatsapp/templates")
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["templates"].as_array().unwrap().len(), 4);
    let send = "/api/v2/agents/demo-agent/whatsapp/messages/template";
    let ok = api
        .post(send, json!({"to": "+15551234567", "template": {"name": "order_update", "variables": {"body": {"1": "Ada", "2": "#42"}}}}))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    let cid = ok.body["conversationId"].as_str().unwrap();
    let missing = api
        .post(
            send,
            json!({"to": "+15551234567", "template": {"name": "order_update"}}),
        )
        .await;
    assert_eq!(missing.body["error"]["code"], "MISSING_TEMPLATE_VARIABLES");
    let lang = api
        .post(
            send,
            json!({"to": "+15551234567", "template": {"name": "welcome"}}),
        )
        .await;
    assert_eq!(lang.body["error"]["code"], "TEMPLATE_LANGUAGE_REQUIRED");
    let pending = api
        .post(
            send,
            json!({"to": "+15551234567", "template": {"name": "spring_promo"}}),
        )
        .await;
    assert_eq!(pending.body["error"]["code"], "TEMPLATE_NOT_APPROVED");
    let bad_to = api
        .post(send, json!({"to": "hello", "template": {"name": "welcome", "language": "es", "variables": {"body": {"name": "Ana"}}}}))
        .await;
    assert_eq!(bad_to.body["error"]["code"], "RECIPIENT_INVALID");
    // WhatsApp conversations show up in the export only.
    let export = api
        .get(&format!(
            "/api/v2/agents/demo-agent/conversations/export?source=WhatsApp&conversationId={cid}"
        ))
        .await;
    assert_eq!(
        export.body["data"][0]["messages"][0]["parts"][0]["text"],
        "Hi Ada, your order #42 has shipped."
    );
    assert_eq!(
        api.get("/api/v2/agents/demo-agent/conversations")
            .await
            .body["pagination"]["total"],
        0
    );

    let v = api
        .post(
            "/api/v2/agents/demo-agent/voice/sessions",
            json!({"userId": "caller-1"}),
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.body["data"]["userId"], "caller-1");
    let vcid = v.body["data"]["conversationId"].as_str().unwrap();
    let again = api
        .post(
            "/api/v2/agents/demo-agent/voice/sessions",
            json!({"conversationId": vcid, "userId": "someone-else"}),
        )
        .await;
    assert_eq!(again.status, 409);
    let bad = api
        .post(
            "/api/v2/agents/demo-agent/voice/sessions",
            json!({"conversationId": "not-a-uuid"}),
        )
        .await;
    assert_eq!(bad.status, 400);
}
