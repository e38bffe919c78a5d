//! State survives a restart on the same data directory; concurrent writers lose nothing.

mod common;

use chatbase_emulator::Emulator;
use common::{Api, builder, start};
use serde_json::json;

#[tokio::test]
async fn state_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let emu = builder().data_dir(dir.path()).start().await.unwrap();
    let api = Api::new(&emu);
    let id = api
        .agent_with_text("Durable", "Penguins live in the southern hemisphere.")
        .await;
    let chat = api
        .post(
            &format!("/api/v2/agents/{id}/chat"),
            json!({"message": "Where do penguins live?", "stream": false}),
        )
        .await;
    let cid = chat.body["data"]["metadata"]["conversationId"]
        .as_str()
        .unwrap()
        .to_string();
    api.delete("/api/v2/agents/demo-agent").await;
    emu.shutdown().await;

    let emu = builder().data_dir(dir.path()).start().await.unwrap();
    let api = Api::new(&emu);
    let agents = api.get("/api/v2/agents").await;
    assert_eq!(
        agents.body["pagination"]["total"], 1,
        "demo agent stays deleted: {}",
        agents.text
    );
    assert_eq!(
        api.get(&format!("/api/v2/agents/{id}")).await.body["name"],
        "Durable"
    );
    let conv = api
        .get(&format!("/api/v2/agents/{id}/conversations/{cid}"))
        .await;
    assert_eq!(conv.body["data"]["messages"].as_array().unwrap().len(), 2);
    let again = api
        .post(
            &format!("/api/v2/agents/{id}/chat"),
            json!({"message": "Where do penguins live?", "stream": false}),
        )
        .await;
    assert_eq!(again.body["data"]["parts"], chat.body["data"]["parts"]);
    emu.shutdown().await;
}

#[tokio::test]
async fn generated_key_is_saved_privately_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let key = emu.api_key().to_string();
    emu.shutdown().await;
    let path = dir.path().join(chatbase_emulator::API_KEY_FILE);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), key);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    assert_eq!(emu.api_key(), key);
    assert!(!format!("{emu:?}").contains(&key));
}

#[tokio::test]
async fn concurrent_writers_lose_nothing() {
    let (_emu, api) = start().await;
    let api = std::sync::Arc::new(api);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let r = api.post("/api/v2/agents", json!({"name": format!("A{i}")})).await;
            assert_eq!(r.status, 201);
            let id = r.body["id"].as_str().unwrap().to_string();
            for j in 0..3 {
                let s = api
                    .post(&format!("/api/v2/agents/{id}/sources"), json!({"type": "text", "name": format!("s{j}"), "content": "c"}))
                    .await;
                assert_eq!(s.status, 201);
            }
            let t = api
                .post(
                    "/api/v2/agents/demo-agent/helpdesk/tickets",
                    json!({"subject": format!("t{i}"), "description": "d", "customer": {"email": "x@example.com"}}),
                )
                .await;
            assert_eq!(t.status, 201);
            t.body["ticketNumber"].as_i64().unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
    let agents = api.get("/api/v2/agents?limit=100").await;
    assert_eq!(agents.body["pagination"]["total"], 41);
    for a in agents.body["data"].as_array().unwrap() {
        if a["id"] != "demo-agent" {
            let id = a["id"].as_str().unwrap();
            assert_eq!(
                api.get(&format!("/api/v2/agents/{id}/sources")).await.body["pagination"]["total"],
                3
            );
        }
    }
}

#[tokio::test]
async fn two_emulators_can_share_a_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = tokio::join!(
        builder().data_dir(dir.path()).start(),
        builder().data_dir(dir.path()).start()
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let (api_a, api_b) = (Api::new(&a), Api::new(&b));
    let mut tasks = Vec::new();
    for i in 0..10 {
        let api = if i % 2 == 0 {
            Api::new(&a)
        } else {
            Api::new(&b)
        };
        tasks.push(tokio::spawn(async move {
            let t = api
                .post(
                    "/api/v2/agents/demo-agent/helpdesk/tickets",
                    json!({"subject": format!("t{i}"), "description": "d", "customer": {"email": "x@example.com"}}),
                )
                .await;
            assert_eq!(t.status, 201, "{}", t.text);
            t.body["ticketNumber"].as_i64().unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    assert_eq!(
        api_a.get("/api/v2/agents").await.body["pagination"]["total"],
        1
    );
    assert_eq!(
        api_b.get("/api/v2/agents").await.body["pagination"]["total"],
        1
    );
}
