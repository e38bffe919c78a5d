//! Tracing hygiene, in its own test binary: `tracing` caches per-callsite interest globally, so
//! a scoped subscriber is only reliable when no other test runs concurrently.

use std::sync::{Arc, Mutex};

use chatbase::Client;
use httpmock::prelude::*;
use serde_json::json;

const KEY: &str = "sk-test-0123456789abcdef";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_records_operation_and_status_but_never_the_key() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources/s");
            then.status(404)
                .header("x-request-id", "req_trace")
                .json_body(json!({"error": {"code": "SOURCE_NOT_FOUND", "message": "nope"}}));
        })
        .await;
    let buf = Captured::default();
    let sink = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let c = Client::builder()
        .api_key(KEY)
        .api_url(server.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let _ = c.agent("a").source("s").get().send().await;
    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains("chatbase.request"), "{out}");
    assert!(out.contains("getSource"), "{out}");
    assert!(out.contains("404"), "{out}");
    assert!(out.contains("req_trace"), "{out}");
    assert!(!out.contains(KEY), "{out}");
}
