//! Connection resets: before headers, mid-body, mid-stream and after the whole upload.

use super::*;

// ---- resets ----

#[tokio::test]
async fn reset_before_headers_of_an_idempotent_call_is_retried_then_reported() {
    let server = Server::start(|_, _, sock| async move { reset(sock) }).await;
    let c = client(&server.url)
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let err = within(BOUND, "reset GET", c.agents().list().send())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.requests(), 3, "one attempt and two retries");
}

#[tokio::test]
async fn reset_after_the_whole_chat_body_is_not_replayed() {
    let server = Server::start(|_, req, sock| async move {
        assert!(req.body.starts_with(b"{"), "the whole JSON body arrived");
        reset(sock)
    })
    .await;
    let c = client(&server.url)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    let err = within(BOUND, "reset chat", c.agent("a").chat("hi").stream())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.request_not_executed());
    assert_eq!(
        server.requests(),
        1,
        "a credit-spending chat must not be replayed"
    );
}

#[tokio::test]
async fn reset_mid_stream_is_reported_as_truncation_with_the_partial_text() {
    let server = Server::start(|_, _, mut sock| async move {
        sock.write_all(SSE_HEAD.as_bytes()).await.unwrap();
        sock.write_all(DELTA.as_bytes()).await.unwrap();
        sock.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        reset(sock);
    })
    .await;
    let c = client(&server.url).build().unwrap();
    let mut s = within(BOUND, "headers", c.agent("a").chat("hi").stream())
        .await
        .unwrap();
    assert!(matches!(
        next_event(&mut s).await,
        Some(Ok(ChatEvent::TextDelta { .. }))
    ));
    match next_event(&mut s).await {
        Some(Err(Error::StreamTruncated { partial })) => assert_eq!(partial, "partial "),
        other => panic!("expected truncation, got {other:?}"),
    }
    assert!(next_event(&mut s).await.is_none());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_body_cut_mid_event_is_reported_as_truncation() {
    let server = Server::start(|_, _, mut sock| async move {
        sock.write_all(SSE_HEAD.as_bytes()).await.unwrap();
        sock.write_all(DELTA.as_bytes()).await.unwrap();
        sock.write_all(b"data: {\"type\":\"text-del").await.unwrap();
        sock.shutdown().await.unwrap();
    })
    .await;
    let c = client(&server.url).build().unwrap();
    let mut s = within(BOUND, "headers", c.agent("a").chat("hi").stream())
        .await
        .unwrap();
    assert_eq!(s.request_id(), Some("req_raw"));
    assert!(matches!(
        next_event(&mut s).await,
        Some(Ok(ChatEvent::TextDelta { .. }))
    ));
    assert!(matches!(
        next_event(&mut s).await,
        Some(Err(Error::StreamTruncated { partial })) if partial == "partial "
    ));
}

#[tokio::test]
async fn reset_mid_body_of_a_normal_call_is_retried_when_idempotent() {
    let server = Server::start(|_, _, mut sock| async move {
        sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"data\":[")
            .await
            .unwrap();
        sock.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        reset(sock);
    })
    .await;
    let c = client(&server.url)
        .retry_policy(fast_retries(1))
        .build()
        .unwrap();
    let err = within(BOUND, "reset mid-body", c.agents().list().send())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Body,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests(), 2);
}
