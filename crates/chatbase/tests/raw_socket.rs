//! Stream failure modes httpmock cannot produce, served from a raw `TcpListener`: a body cut
//! mid-event, a stall (idle timeout, before and after the headers), a reset after the headers, and a dropped
//! stream closing the connection.

use std::time::Duration;

use chatbase::{ChatEvent, Client, Error, TimeoutKind};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HEADERS: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-request-id: req_raw\r\nconnection: close\r\n\r\n";
const DELTA: &str = "data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"partial \"}\n\n";

/// Accepts one connection, reads the request head, and hands the socket to `serve`.
async fn one_shot<F, Fut>(serve: F) -> (String, tokio::task::JoinHandle<()>)
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let mut seen = Vec::new();
        // Read until the end of headers plus the (small) JSON body has arrived.
        loop {
            let n = sock.read(&mut buf).await.unwrap();
            seen.extend_from_slice(&buf[..n]);
            if let Some(pos) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&seen[..pos]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .unwrap_or(0);
                if seen.len() >= pos + 4 + len {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        serve(sock).await;
    });
    (url, handle)
}

fn client(url: &str, read_timeout: Duration) -> Client {
    Client::builder()
        .api_key("sk-raw")
        .api_url(url)
        .read_timeout(read_timeout)
        .max_retries(0)
        .build()
        .unwrap()
}

#[tokio::test]
async fn stream_cut_mid_event_reports_truncation_with_partial_text() {
    let (url, server) = one_shot(|mut sock| async move {
        sock.write_all(HEADERS.as_bytes()).await.unwrap();
        sock.write_all(DELTA.as_bytes()).await.unwrap();
        sock.write_all(b"data: {\"type\":\"text-del").await.unwrap();
        sock.shutdown().await.unwrap();
    })
    .await;
    let c = client(&url, Duration::from_secs(5));
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    assert_eq!(s.request_id(), Some("req_raw"));
    assert!(matches!(
        s.next().await,
        Some(Ok(ChatEvent::TextDelta { .. }))
    ));
    match s.next().await {
        Some(Err(Error::StreamTruncated { partial })) => assert_eq!(partial, "partial "),
        other => panic!("expected truncation, got {other:?}"),
    }
    assert!(s.next().await.is_none());
    server.await.unwrap();
}

#[tokio::test]
async fn stalled_stream_hits_the_idle_timeout() {
    let (url, server) = one_shot(|mut sock| async move {
        sock.write_all(HEADERS.as_bytes()).await.unwrap();
        sock.write_all(DELTA.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
    })
    .await;
    let c = client(&url, Duration::from_millis(300));
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    assert!(matches!(
        s.next().await,
        Some(Ok(ChatEvent::TextDelta { .. }))
    ));
    let started = std::time::Instant::now();
    match s.next().await {
        Some(Err(Error::Timeout(TimeoutKind::Idle))) => {}
        other => panic!("expected idle timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    server.abort();
}

#[tokio::test]
async fn a_server_that_never_answers_a_stream_hits_the_idle_timeout() {
    let (url, server) = one_shot(|sock| async move {
        // The request was read; no response ever comes (the socket stays open).
        let _open = sock;
        tokio::time::sleep(Duration::from_secs(3)).await;
    })
    .await;
    let c = client(&url, Duration::from_millis(300));
    let started = std::time::Instant::now();
    match c.agent("a").chat("hi").stream().await {
        Err(Error::Timeout(TimeoutKind::Idle)) => {}
        other => panic!("expected idle timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    server.abort();
}

#[tokio::test]
async fn a_steady_stream_outlives_its_idle_timeout() {
    // Fifteen deltas 100 ms apart: 1.5 s in all, three times the idle timeout, never silent for a fifth of it.
    let (url, server) = one_shot(|mut sock| async move {
        sock.write_all(HEADERS.as_bytes()).await.unwrap();
        for _ in 0..15 {
            sock.write_all(DELTA.as_bytes()).await.unwrap();
            sock.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        sock.write_all(b"data: {\"type\":\"finish\"}\n\ndata: [DONE]\n\n")
            .await
            .unwrap();
    })
    .await;
    let c = client(&url, Duration::from_millis(500));
    let s = c.agent("a").chat("hi").stream().await.unwrap();
    let answer = s.final_response().await.unwrap();
    assert_eq!(answer.text, "partial ".repeat(15));
    server.await.unwrap();
}

#[tokio::test]
async fn reset_after_headers_is_reported_as_truncation() {
    let (url, server) = one_shot(|mut sock| async move {
        sock.write_all(HEADERS.as_bytes()).await.unwrap();
        sock.write_all(DELTA.as_bytes()).await.unwrap();
        sock.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Linger 0 turns the close into a TCP RST.
        sock.set_zero_linger().unwrap();
        drop(sock);
    })
    .await;
    let c = client(&url, Duration::from_secs(5));
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    let mut got_text = false;
    let err = loop {
        match s.next().await {
            Some(Ok(ChatEvent::TextDelta { .. })) => got_text = true,
            Some(Ok(_)) => {}
            Some(Err(e)) => break e,
            None => panic!("stream ended cleanly after a reset"),
        }
    };
    assert!(got_text);
    assert!(matches!(err, Error::StreamTruncated { .. }), "{err:?}");
    server.await.unwrap();
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<bool>();
    let (url, server) = one_shot(move |mut sock| async move {
        sock.write_all(HEADERS.as_bytes()).await.unwrap();
        sock.write_all(DELTA.as_bytes()).await.unwrap();
        // Keep the stream open; a read returning 0 means the client hung up.
        let mut buf = [0u8; 64];
        let closed = matches!(
            tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf)).await,
            Ok(Ok(0)) | Ok(Err(_))
        );
        let _ = closed_tx.send(closed);
    })
    .await;
    let c = client(&url, Duration::from_secs(30));
    let mut s = c.agent("a").chat("hi").stream().await.unwrap();
    assert!(matches!(
        s.next().await,
        Some(Ok(ChatEvent::TextDelta { .. }))
    ));
    drop(s);
    assert!(
        closed_rx.await.unwrap(),
        "server did not see the connection close"
    );
    server.await.unwrap();
}
