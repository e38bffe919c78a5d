//! Multipart uploads, their retries and local checks, and the v1 chatbot and chat surface.

use super::*;

#[tokio::test]
async fn file_upload_streams_multipart_from_a_path_with_progress() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v2/agents/a/sources")
                .header_includes("content-type", "multipart/form-data")
                .body_includes("name=\"name\"")
                .body_includes("Quarterly report")
                .body_includes("filename=\"report.txt\"")
                .body_includes("file body contents");
            then.status(201).json_body(source_item("s9"));
        })
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.txt");
    std::fs::write(
        &path,
        "file body contents, long enough for the 50-byte minimum",
    )
    .unwrap();
    let last = Arc::new(Mutex::new((0u64, 0u64)));
    let seen = last.clone();
    let src = client(&server)
        .agent("a")
        .sources()
        .upload(UploadSource::path(&path))
        .name("Quarterly report")
        .progress(move |sent, total| *seen.lock().unwrap() = (sent, total))
        .send()
        .await
        .unwrap();
    assert_eq!(src.id, "s9");
    assert_eq!(*last.lock().unwrap(), (55, 55));
    m.assert_async().await;
}

#[tokio::test]
async fn file_update_is_rebuilt_and_retried_after_503() {
    let server = MockServer::start_async().await;
    let fail = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/api/v2/agents/a/sources/s1")
                .body_includes("new text");
            then.status(503);
        })
        .await;
    fail.up_to_n_times_async(1).await;
    let ok = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/api/v2/agents/a/sources/s1")
                .body_includes("new text")
                .body_includes("filename=\"notes.txt\"");
            then.status(200).json_body(source_item("s1"));
        })
        .await;
    let src = client(&server)
        .agent("a")
        .source("s1")
        .update_file()
        .file(UploadSource::bytes(
            "notes.txt",
            "new text, long enough for the service's 50-byte minimum",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(src.id, "s1");
    fail.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn bad_uploads_fail_locally_with_clear_errors() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let c = client(&server);
    let err = c
        .agent("a")
        .sources()
        .upload(UploadSource::bytes("virus.exe", "x"))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(".pdf, .doc, .docx, .txt, .json"),
        "{err}"
    );
    let err = c
        .agent("a")
        .source("s")
        .update_file()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    let big = vec![b'x'; 2 * 1024 * 1024];
    let err = c
        .v1()
        .chatbot("b")
        .upload_icon(UploadSource::bytes("icon.png", big))
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn v1_icon_upload_sends_chatbot_id_and_file_field() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/upload-chatbot-profile-picture")
                .body_includes("name=\"chatbotId\"")
                .body_includes("bot-1")
                .body_includes("name=\"profilePictureFile\"; filename=\"me.png\"");
            then.status(200).json_body(json!({"message": "ok"}));
        })
        .await;
    let r = client(&server)
        .v1()
        .chatbot("bot-1")
        .upload_profile_picture(UploadSource::bytes("me.png", vec![1u8, 2, 3]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.message.as_deref(), Some("ok"));
    m.assert_async().await;
}

#[tokio::test]
async fn v1_chatbot_updates_send_the_handles_id_not_the_bodys() {
    let server = MockServer::start_async().await;
    let data = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/update-chatbot-data")
                .json_body_includes(r#"{"chatbotId": "bot-1"}"#);
            then.status(200).json_body(json!({"chatbotId": "bot-1"}));
        })
        .await;
    let settings = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/update-chatbot-settings")
                .json_body_includes(r#"{"chatbotId": "bot-1"}"#);
            then.status(202).json_body(json!({"message": "ok"}));
        })
        .await;
    let c = client(&server);
    let bot = c.v1().chatbot("bot-1");
    let body: chatbase::types::v1::UpdateChatbotDataRequest =
        serde_json::from_value(json!({"chatbotId": "other-bot", "chatbotName": "Support"}))
            .unwrap();
    bot.update_data(body).send().await.unwrap();
    let body: chatbase::types::v1::UpdateChatbotSettingsRequest =
        serde_json::from_value(json!({"chatbotId": "other-bot"})).unwrap();
    bot.update_settings(body).send().await.unwrap();
    data.assert_async().await;
    settings.assert_async().await;
}

#[tokio::test]
async fn v1_chat_streams_raw_text_and_sends_json() {
    let server = MockServer::start_async().await;
    let stream_mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/chat").json_body(json!({
                "chatbotId": "b", "messages": [{"role": "user", "content": "hi"}], "stream": true
            }));
            then.status(200)
                .header("content-type", "text/plain")
                .body("Hello from v1");
        })
        .await;
    let json_mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/chat")
                .json_body_includes(r#"{"stream":false,"temperature":0.2}"#);
            then.status(200).json_body(json!({"text": "JSON answer"}));
        })
        .await;
    let c = client(&server);
    let text = c
        .v1()
        .chat("b")
        .user("hi")
        .stream()
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(text, "Hello from v1");
    let r = c
        .v1()
        .chat("b")
        .user("hi")
        .temperature(0.2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text, "JSON answer");
    stream_mock.assert_async().await;
    json_mock.assert_async().await;
}
