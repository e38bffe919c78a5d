//! The fault matrix: one scenario per transport guarantee, each on the raw loopback fixture (`support`), with the
//! error kind it must end in, the number of requests the server saw, and a generous time bound. Covers resets
//! (before headers, mid-body, after the whole upload), stalls (before headers, mid-stream, in an error body, only
//! keep-alives), the overall deadline, absurd header numbers, invalid UTF-8, v1 decoding by `Content-Type`, and the
//! retry rules (no replay of a credit-spending chat once its body was sent, `Retry-After` honoured).

mod support;

use std::time::{Duration, Instant};

use chatbase::config::ClientBuilder;
use chatbase::{ChatEvent, Client, Error, RequestOptions, RetryPolicy, TimeoutKind, TransportKind};
use futures::StreamExt;
use support::{Server, reset, within, write_then_stall};
use tokio::io::AsyncWriteExt;

/// Generous: every scenario is meant to end in well under a second or two.
const BOUND: Duration = Duration::from_secs(10);
const SSE_HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-request-id: req_raw\r\nconnection: close\r\n\r\n";
const DELTA: &str = "data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"partial \"}\n\n";
const FINISH: &str = "data: {\"type\":\"finish\"}\n\ndata: [DONE]\n\n";
const STALLED_502: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"error\"";

fn client(url: &str) -> ClientBuilder {
    Client::builder()
        .api_key("sk-fault")
        .api_url(url)
        .max_retries(0)
}

/// Retries quickly, so retry scenarios stay short.
fn fast_retries(n: usize) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(n)
        .initial_delay(Duration::from_millis(10))
        .jitter(false)
}

async fn next_event(s: &mut chatbase::ChatStream) -> Option<chatbase::Result<ChatEvent>> {
    within(BOUND, "next event", s.next()).await
}

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

// ---- stalls ----

#[tokio::test]
async fn stall_before_headers_hits_the_stream_idle_timeout() {
    let server = Server::start(|_, _, sock| async move {
        let _open = sock;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let c = client(&server.url)
        .stream_idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = within(BOUND, "no headers", c.agent("a").chat("hi").stream())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::StreamIdle)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.requests(), 1, "a timed-out chat is not replayed");
}

#[tokio::test]
async fn stall_mid_stream_hits_the_stream_idle_timeout_and_names_its_setting() {
    let server = Server::start(|_, _, sock| {
        write_then_stall(
            sock,
            format!("{SSE_HEAD}{DELTA}").leak().as_bytes(),
            Duration::from_secs(30),
        )
    })
    .await;
    let c = client(&server.url)
        .stream_idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    assert!(matches!(
        next_event(&mut s).await,
        Some(Ok(ChatEvent::TextDelta { .. }))
    ));
    let started = Instant::now();
    let err = next_event(&mut s).await.unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::StreamIdle)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.to_string().contains("stream_idle_timeout"), "{err}");
}

#[tokio::test]
async fn the_read_timeout_still_governs_the_stream_when_no_stream_idle_is_set() {
    let server = Server::start(|_, _, sock| {
        write_then_stall(sock, SSE_HEAD.as_bytes(), Duration::from_secs(30))
    })
    .await;
    let c = client(&server.url)
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    let err = next_event(&mut s).await.unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::StreamIdle)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_steady_stream_outlives_its_idle_timeout() {
    // Fifteen deltas 100 ms apart: 1.5 s in all, three times the idle timeout, never silent for a fifth of it.
    let server = Server::start(|_, _, mut sock| async move {
        sock.write_all(SSE_HEAD.as_bytes()).await.unwrap();
        for _ in 0..15 {
            sock.write_all(DELTA.as_bytes()).await.unwrap();
            sock.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        sock.write_all(FINISH.as_bytes()).await.unwrap();
    })
    .await;
    let c = client(&server.url)
        .stream_idle_timeout(Duration::from_millis(500))
        .stream_event_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let s = c.agent("a").chat("hi").stream().await.unwrap();
    let answer = within(BOUND, "steady", s.final_response()).await.unwrap();
    assert_eq!(answer.text, "partial ".repeat(15));
}

#[tokio::test]
async fn a_stalled_error_body_of_a_stream_hits_the_idle_timeout() {
    let server =
        Server::start(|_, _, sock| write_then_stall(sock, STALLED_502, Duration::from_secs(30)))
            .await;
    let c = client(&server.url)
        .stream_idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = within(BOUND, "502 then stall", c.agent("a").chat("hi").stream())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::StreamIdle)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_stalled_error_body_of_a_normal_call_hits_the_idle_timeout() {
    let server =
        Server::start(|_, _, sock| write_then_stall(sock, STALLED_502, Duration::from_secs(30)))
            .await;
    // A caller's own client has no read timeout and the total deadline is off: only the SDK's guard can end this.
    let c = client(&server.url)
        .http_client(reqwest::Client::new())
        .read_timeout(Duration::from_millis(300))
        .no_timeout()
        .build()
        .unwrap();
    let err = within(BOUND, "502 then stall", c.agent("a").chat("hi").send())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(TimeoutKind::Idle)), "{err:?}");
    assert!(err.to_string().contains("read_timeout"), "{err}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_stalled_v1_text_stream_hits_the_idle_timeout() {
    let server = Server::start(|_, _, sock| {
        write_then_stall(
            sock,
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nHello",
            Duration::from_secs(30),
        )
    })
    .await;
    let c = client(&server.url)
        .stream_idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut s = c.v1().chat("bot").user("hi").stream().await.unwrap();
    assert_eq!(
        within(BOUND, "v1", s.next()).await.unwrap().unwrap(),
        "Hello"
    );
    let err = within(BOUND, "v1 stall", s.next())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::StreamIdle)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_keepalive_only_stream_ends_with_the_event_idle_error() {
    let server = Server::start(|_, _, mut sock| async move {
        sock.write_all(SSE_HEAD.as_bytes()).await.unwrap();
        for _ in 0..300 {
            if sock.write_all(b": ping\n\nretry: 1000\n\n").await.is_err() {
                return;
            }
            sock.flush().await.ok();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let c = client(&server.url)
        .stream_idle_timeout(Duration::from_millis(300))
        .stream_event_timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let started = Instant::now();
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    let err = next_event(&mut s).await.unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::EventIdle)),
        "{err:?}"
    );
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(600), "{waited:?}");
    assert!(waited < Duration::from_secs(4), "{waited:?}");
    assert!(err.to_string().contains("stream_event_timeout"), "{err}");
    assert!(next_event(&mut s).await.is_none());
}

#[tokio::test]
async fn the_stream_deadline_ends_a_never_ending_answer() {
    let server = Server::start(|_, _, mut sock| async move {
        sock.write_all(SSE_HEAD.as_bytes()).await.unwrap();
        for _ in 0..300 {
            if sock.write_all(DELTA.as_bytes()).await.is_err() {
                return;
            }
            sock.flush().await.ok();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let c = client(&server.url).build().unwrap();
    let started = Instant::now();
    let mut s = c
        .agent("a")
        .chat("hi")
        .options(RequestOptions::new().stream_deadline(Duration::from_millis(700)))
        .stream()
        .await
        .unwrap();
    let err = loop {
        match next_event(&mut s).await {
            Some(Ok(_)) => {}
            Some(Err(e)) => break e,
            None => panic!("ended without the deadline"),
        }
    };
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::StreamDeadline)),
        "{err:?}"
    );
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(700), "{waited:?}");
    assert!(waited < Duration::from_secs(4), "{waited:?}");
    assert!(err.to_string().contains("stream_deadline"), "{err}");
}

#[tokio::test]
async fn the_stream_deadline_also_bounds_the_wait_for_headers() {
    let server = Server::start(|_, _, sock| async move {
        let _open = sock;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let c = client(&server.url)
        .stream_deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = within(BOUND, "no headers", c.v1().chat("bot").user("hi").stream())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::StreamDeadline)),
        "{err:?}"
    );
}

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
