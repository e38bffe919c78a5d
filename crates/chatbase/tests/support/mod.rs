//! The raw loopback HTTP fixture shared by the socket-level suites: a `TcpListener` that reads each request (head
//! and `content-length` body), counts it, and hands the socket to a per-test script that writes whatever bytes,
//! stalls or resets the scenario needs. Nothing here parses or answers HTTP on the script's behalf.

#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request line and headers, lower-cased.
    pub head: String,
    /// The body, as far as it arrived.
    pub body: Vec<u8>,
}

/// A running fixture. Dropping it stops accepting connections.
pub struct Server {
    pub url: String,
    seen: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Serves every connection with `script(n, request, socket)`, `n` counting requests from 0.
    pub async fn start<F, Fut>(script: F) -> Server
    where
        F: Fn(usize, Request, TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        let script = Arc::new(script);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let counter = counter.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else {
                        return;
                    };
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    script(n, req, sock).await;
                });
            }
        });
        Server { url, seen, task }
    }

    /// Every request is answered by writing `response` and closing.
    pub async fn fixed(response: &'static [u8]) -> Server {
        Server::start(move |_, _, mut sock| async move {
            sock.write_all(response).await.unwrap();
            sock.shutdown().await.ok();
        })
        .await
    }

    /// How many complete request heads arrived.
    pub fn requests(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }
}

async fn read_request(sock: &mut TcpStream) -> Option<Request> {
    let mut buf = vec![0u8; 8192];
    let mut seen = Vec::new();
    loop {
        let n = sock.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(pos) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..pos]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if seen.len() >= pos + 4 + len {
                return Some(Request {
                    head,
                    body: seen[pos + 4..].to_vec(),
                });
            }
        }
    }
}

/// Closes `sock` with a TCP reset (linger 0) instead of a clean FIN.
pub fn reset(sock: TcpStream) {
    sock.set_zero_linger().unwrap();
    drop(sock);
}

/// Writes `bytes`, flushes, and keeps the socket open (silent) for `hold`.
pub async fn write_then_stall(mut sock: TcpStream, bytes: &[u8], hold: Duration) {
    sock.write_all(bytes).await.unwrap();
    sock.flush().await.unwrap();
    tokio::time::sleep(hold).await;
}

/// Awaits `fut`, failing the test if it takes longer than `bound` (a correctness bound, not a speed check).
pub async fn within<T>(bound: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(bound, fut).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: no result within {bound:?} (a hang)"),
    }
}
