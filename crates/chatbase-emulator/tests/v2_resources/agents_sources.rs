//! Health, agents (CRUD and pagination) and the source lifecycle including file uploads.

use super::*;

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
