//! The fault matrix: one scenario per transport guarantee, each on the raw loopback fixture (`support`), with the
//! error kind it must end in, the number of requests the server saw, and a generous time bound. Covers resets
//! (before headers, mid-body, after the whole upload), stalls (before headers, mid-stream, in an error body, only
//! keep-alives), the overall deadline, absurd header numbers, invalid UTF-8, v1 decoding by `Content-Type`, and the
//! retry rules (no replay of a credit-spending chat once its body was sent, `Retry-After` honoured).

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use chatbase::config::ClientBuilder;
use chatbase::{ChatEvent, Client, Error, RequestOptions, RetryPolicy, TimeoutKind, TransportKind};
use futures::StreamExt;
use support::{Server, reset, within, write_then_stall};
use tokio::io::AsyncWriteExt;

mod resets;
mod server_data;
mod stalls;

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
