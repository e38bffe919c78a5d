//! Conversations, messages, feedback, export, helpdesk tickets, WhatsApp and voice.

use super::*;

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
