//! v1 resources: chatbots, settings, conversations and leads paging, icons, contacts and
//! custom attributes.

mod common;

use common::start;
use serde_json::json;

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 6, 0, 0, 0]);
    v
}

#[tokio::test]
async fn chatbots_lifecycle() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/api/v1/create-chatbot",
            json!({"chatbotName": "Support bot", "sourceText": "Our office opens at 9am."}),
        )
        .await;
    assert_eq!(r.status, 200);
    let id = r.body["chatbotId"].as_str().unwrap().to_string();
    let list = api.get("/api/v1/get-chatbots").await;
    assert_eq!(list.body["chatbots"].as_array().unwrap().len(), 2);
    let ask = |q: &str| json!({"chatbotId": id, "messages": [{"role": "user", "content": q}]});
    let a = api
        .post("/api/v1/chat", ask("When does the office open?"))
        .await;
    assert!(a.body["text"].as_str().unwrap().contains("9am"));
    let upd = api
        .post("/api/v1/update-chatbot-data", json!({"chatbotId": id, "chatbotName": "Renamed", "sourceText": "Our office opens at 10am."}))
        .await;
    assert_eq!(upd.status, 200);
    let a = api
        .post("/api/v1/chat", ask("When does the office open?"))
        .await;
    assert!(
        a.body["text"].as_str().unwrap().contains("10am"),
        "{}",
        a.text
    );
    let s = api
        .post(
            "/api/v1/update-chatbot-settings",
            json!({"chatbotId": id, "instructions": "Be brief", "suggestedMessages": ["Hours?"], "styles": {"theme": "dark"}, "temp": 0.3}),
        )
        .await;
    assert_eq!(s.status, 202);
    let agent = api.get(&format!("/api/v2/agents/{id}")).await;
    assert_eq!(agent.body["name"], "Renamed");
    assert_eq!(agent.body["instructions"], "Be brief");
    assert_eq!(agent.body["styles"]["chat"]["theme"], "dark");
    assert_eq!(agent.body["suggestedMessages"][0]["text"], "Hours?");

    let icon = reqwest::multipart::Form::new()
        .text("chatbotId", id.clone())
        .part(
            "chatbotIconFile",
            reqwest::multipart::Part::bytes(png(64, 64)).file_name("icon.png"),
        );
    let r = api
        .multipart("POST", "/api/v1/upload-chatbot-icon", icon)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let wide = reqwest::multipart::Form::new()
        .text("chatbotId", id.clone())
        .part(
            "profilePictureFile",
            reqwest::multipart::Part::bytes(png(64, 32)).file_name("p.png"),
        );
    let r = api
        .multipart("POST", "/api/v1/upload-chatbot-profile-picture", wide)
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body["message"].as_str().unwrap().contains("square"));
    assert_eq!(
        api.delete(&format!("/api/v1/delete-chatbot-icon?chatbotId={id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        api.delete(&format!(
            "/api/v1/delete-chatbot-profile-picture?chatbotId={id}"
        ))
        .await
        .status,
        200
    );
    assert_eq!(
        api.delete("/api/v1/delete-chatbot-icon?chatbotId=nope")
            .await
            .status,
        404
    );
    assert_eq!(api.delete("/api/v1/delete-chatbot-icon").await.status, 400);

    let d = api
        .delete(&format!("/api/v1/delete-chatbot?chatbotId={id}"))
        .await;
    assert_eq!(d.status, 200);
    let gone = api
        .delete(&format!("/api/v1/delete-chatbot?chatbotId={id}"))
        .await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["message"], "Chatbot not found");
}

#[tokio::test]
async fn conversations_and_leads_page_by_number() {
    let (_emu, api) = start().await;
    for i in 0..7 {
        let r = api
            .post(
                "/api/v1/chat",
                json!({"chatbotId": "demo-agent", "conversationId": format!("c{i}"), "messages": [{"role": "user", "content": "invoice"}]}),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let p1 = api
        .get("/api/v1/get-conversations?chatbotId=demo-agent&page=1&size=5")
        .await;
    assert_eq!(p1.body["data"].as_array().unwrap().len(), 5);
    assert_eq!(p1.body["data"][0]["id"], "c6");
    let p2 = api
        .get("/api/v1/get-conversations?chatbotId=demo-agent&page=2&size=5")
        .await;
    assert_eq!(p2.body["data"].as_array().unwrap().len(), 2);
    let api_only = api
        .get("/api/v1/get-conversations?chatbotId=demo-agent&filteredSources=WhatsApp")
        .await;
    assert_eq!(api_only.body["data"].as_array().unwrap().len(), 0);
    let bad = api
        .get("/api/v1/get-conversations?chatbotId=demo-agent&startDate=01-02-2024")
        .await;
    assert_eq!(bad.status, 400);
    let missing = api.get("/api/v1/get-conversations?chatbotId=nope").await;
    assert_eq!(missing.status, 404);
    api.post(
        "/_emulator/agents/demo-agent/leads",
        json!({"name": "New", "email": "new@example.com", "phone": "1"}),
    )
    .await;
    let leads = api
        .get("/api/v1/get-leads?chatbotId=demo-agent&size=2")
        .await;
    let list = leads.body["collectedCustomers"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["email"], "new@example.com");
    let page2 = api
        .get("/api/v1/get-leads?chatbotId=demo-agent&size=2&page=2")
        .await;
    assert_eq!(
        page2.body["collectedCustomers"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn contacts_and_custom_attributes() {
    let (_emu, api) = start().await;
    let base = "/api/v1/chatbots/demo-agent";
    let a = api
        .post(
            &format!("{base}/custom-attributes"),
            json!({"name": "plan", "type": "text", "label": "Plan"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    api.post(
        &format!("{base}/custom-attributes"),
        json!({"name": "vip", "type": "boolean"}),
    )
    .await;
    api.post(
        &format!("{base}/custom-attributes"),
        json!({"name": "seats", "type": "number"}),
    )
    .await;
    let reserved = api
        .post(
            &format!("{base}/custom-attributes"),
            json!({"name": "email", "type": "text"}),
        )
        .await;
    assert_eq!(reserved.status, 400);
    let bad_type = api
        .post(
            &format!("{base}/custom-attributes"),
            json!({"name": "x", "type": "color"}),
        )
        .await;
    assert_eq!(bad_type.body["issues"][0]["field"], "type");
    let users: Vec<_> = (0..25)
        .map(|i| {
            json!({"external_id": format!("u{i}"), "name": format!("User {i}"), "email": format!("u{i}@example.com"),
                   "custom_attributes": {"plan": "pro", "vip": "true", "unknown": 1}})
        })
        .collect();
    let c = api
        .post(&format!("{base}/contacts"), json!({"users": users}))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["data"].as_array().unwrap().len(), 25);
    assert_eq!(
        c.body["data"][0]["custom_attributes"],
        json!({"plan": "pro", "vip": true})
    );
    let dup = api
        .post(
            &format!("{base}/contacts"),
            json!({"users": [{"external_id": "zz", "email": "u1@example.com"}]}),
        )
        .await;
    assert_eq!(dup.status, 409);
    let wrong = api
        .post(
            &format!("{base}/contacts"),
            json!({"users": [{"external_id": "zz", "custom_attributes": {"seats": "many"}}]}),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        api.get(&format!("{base}/contacts/zz")).await.status,
        404,
        "a failed batch stores nothing"
    );
    let p = api
        .get(&format!("{base}/contacts?per_page=10&page=3"))
        .await;
    assert_eq!(p.body["data"].as_array().unwrap().len(), 5);
    assert_eq!(p.body["total"], 25);
    assert_eq!(p.body["pages"]["total_pages"], 3);
    // A page past the end is empty.
    let past = api
        .get(&format!("{base}/contacts?per_page=10&page=4"))
        .await;
    assert_eq!(past.status, 200);
    assert_eq!(past.body["data"].as_array().unwrap().len(), 0);
    let one = api.get(&format!("{base}/contacts/u3")).await;
    assert_eq!(one.body["data"]["name"], "User 3");
    let upd = api
        .patch(
            &format!("{base}/contacts/u3"),
            json!({"data": {"name": "Renamed", "custom_attributes": {"seats": 4, "plan": null}}}),
        )
        .await;
    assert_eq!(upd.status, 200, "{}", upd.text);
    assert_eq!(
        upd.body["data"]["custom_attributes"],
        json!({"vip": true, "seats": 4})
    );
    let taken = api
        .patch(
            &format!("{base}/contacts/u3"),
            json!({"data": {"email": "u4@example.com"}}),
        )
        .await;
    assert_eq!(taken.status, 409);
    let arch = api
        .put(
            &format!("{base}/custom-attributes/seats"),
            json!({"archived": true}),
        )
        .await;
    assert_eq!(arch.body["data"]["archived"], true);
    let blocked = api
        .patch(
            &format!("{base}/contacts/u3"),
            json!({"data": {"custom_attributes": {"seats": 5}}}),
        )
        .await;
    assert_eq!(blocked.status, 400);
    let attrs = api.get(&format!("{base}/custom-attributes")).await;
    assert_eq!(attrs.body["data"].as_array().unwrap().len(), 3);
    let del = api.delete(&format!("{base}/contacts/u3")).await;
    assert_eq!(del.body["data"]["external_id"], "u3");
    assert_eq!(api.get(&format!("{base}/contacts/u3")).await.status, 404);
    assert_eq!(
        api.put(
            &format!("{base}/custom-attributes/nope"),
            json!({"label": "x"})
        )
        .await
        .status,
        404
    );
}
