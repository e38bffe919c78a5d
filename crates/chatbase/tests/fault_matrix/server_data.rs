//! Server data and connection lifetime: header numbers, retry rules, invalid UTF-8, v1 content types.

use super::*;

// ---- server data ----

#[tokio::test]
async fn absurd_wait_headers_never_panic_and_stay_capped() {
    let values: &[&[u8]] = &[
        b"inf",
        b"NaN",
        b"-5",
        b"1e400",
        b"1e30",
        b"18446744073709551615",
        b"18446744073709551616",
        b"\xff\xfe",
        b"12\xc3\xa9",
    ];
    for header in ["retry-after-ms", "retry-after", "x-ratelimit-reset"] {
        for value in values {
            let mut response = format!(
                "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 2\r\nconnection: close\r\n{header}: "
            )
            .into_bytes();
            response.extend_from_slice(value);
            response.extend_from_slice(b"\r\n\r\n{}");
            let response: &'static [u8] = response.leak();
            let server = Server::fixed(response).await;
            let c = client(&server.url).build().unwrap();
            let err = within(BOUND, "429", c.agent("a").chat("hi").send())
                .await
                .unwrap_err();
            assert!(err.is_rate_limited(), "{header}: {value:?}: {err:?}");
            let wait = err.retry_after();
            assert!(
                wait.is_none_or(|d| d <= Duration::from_secs(60)),
                "{header}: {value:?}: {wait:?}"
            );
            assert_eq!(server.requests(), 1);
        }
    }
}

#[tokio::test]
async fn retry_after_is_honoured_before_the_one_retry() {
    let server = Server::start(|n, _, mut sock| async move {
        let answer = if n == 0 {
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}".to_owned()
        } else {
            let body = r#"{"data":{"id":"m","role":"assistant","parts":[],"metadata":{"userMessageId":"u","conversationId":"c","userId":null,"finishReason":"stop","usage":{"credits":1}}}}"#;
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
        };
        sock.write_all(answer.as_bytes()).await.unwrap();
        sock.shutdown().await.ok();
    })
    .await;
    let c = client(&server.url)
        .retry_policy(fast_retries(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let answer = within(BOUND, "429 then 200", c.agent("a").chat("hi").send())
        .await
        .unwrap();
    assert_eq!(answer.metadata.message_id.as_deref(), Some("m"));
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        server.requests(),
        2,
        "a 429 provably did not run: one retry"
    );
}

#[tokio::test]
async fn a_server_error_on_a_chat_is_not_replayed() {
    let server = Server::fixed(
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    )
    .await;
    let c = client(&server.url)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    let err = within(BOUND, "500", c.agent("a").chat("hi").send())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn invalid_utf8_in_sse_is_a_clear_error_after_the_good_events() {
    let server = Server::start(|_, _, mut sock| async move {
        sock.write_all(SSE_HEAD.as_bytes()).await.unwrap();
        sock.write_all(DELTA.as_bytes()).await.unwrap();
        sock.write_all(b"data: {\"type\":\"text-delta\",\"delta\":\"\xff\xfe\"}\n\n")
            .await
            .unwrap();
        sock.write_all(FINISH.as_bytes()).await.unwrap();
    })
    .await;
    let c = client(&server.url).build().unwrap();
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    assert!(matches!(
        next_event(&mut s).await,
        Some(Ok(ChatEvent::TextDelta { .. }))
    ));
    let err = next_event(&mut s).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("utf"), "{err}");
    assert!(next_event(&mut s).await.is_none());
}

#[tokio::test]
async fn invalid_utf8_in_a_v1_text_stream_is_a_clear_error() {
    let server = Server::fixed(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nHello \xff world",
    )
    .await;
    let c = client(&server.url).build().unwrap();
    let s = c.v1().chat("bot").user("hi").stream().await.unwrap();
    let err = within(BOUND, "v1", s.collect_text()).await.unwrap_err();
    match &err {
        Error::Decode { message, .. } => assert!(message.contains("byte 6"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn v1_text_plain_answer_starting_with_data_comes_through_whole() {
    let server = Server::fixed(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\ndata: 42 is the answer\n\nand more",
    )
    .await;
    let c = client(&server.url).build().unwrap();
    let text = within(BOUND, "v1 text", async {
        c.v1()
            .chat("bot")
            .user("hi")
            .stream()
            .await
            .unwrap()
            .collect_text()
            .await
    })
    .await
    .unwrap();
    assert_eq!(text, "data: 42 is the answer\n\nand more");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn v1_event_stream_answer_is_read_as_sse() {
    let server = Server::fixed(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\ndata: Hel\n\ndata: lo\n\ndata: [DONE]\n\n",
    )
    .await;
    let c = client(&server.url).build().unwrap();
    let s = c.v1().chat("bot").user("hi").stream().await.unwrap();
    assert_eq!(
        within(BOUND, "v1 sse", s.collect_text()).await.unwrap(),
        "Hello"
    );
}

// ---- connection lifetime ----

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<bool>();
    let closed_tx = std::sync::Mutex::new(Some(closed_tx));
    let server = Server::start(move |_, _, mut sock| {
        let tx = closed_tx.lock().unwrap().take();
        async move {
            use tokio::io::AsyncReadExt;
            sock.write_all(SSE_HEAD.as_bytes()).await.unwrap();
            sock.write_all(DELTA.as_bytes()).await.unwrap();
            // Keep the stream open; a read returning 0 means the client hung up.
            let mut buf = [0u8; 64];
            let closed = matches!(
                tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf)).await,
                Ok(Ok(0)) | Ok(Err(_))
            );
            if let Some(tx) = tx {
                let _ = tx.send(closed);
            }
        }
    })
    .await;
    let c = client(&server.url).build().unwrap();
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    assert!(matches!(
        next_event(&mut s).await,
        Some(Ok(ChatEvent::TextDelta { .. }))
    ));
    drop(s);
    assert!(
        within(BOUND, "close", closed_rx).await.unwrap(),
        "server did not see the connection close"
    );
}
