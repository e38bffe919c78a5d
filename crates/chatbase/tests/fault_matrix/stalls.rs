//! Stalls and deadlines: idle timeouts before headers, mid-stream, in error bodies, keep-alives only.

use super::*;

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
