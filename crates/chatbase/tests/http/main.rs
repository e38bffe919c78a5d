//! Behaviour against an httpmock server: auth, error mapping, retries, chat (stream and JSON),
//! pagination, uploads, v1 surface, tracing hygiene.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chatbase::types::v2 as t2;
use chatbase::{
    ChatEvent, Client, Error, ErrorCode, FinishReason, RetryPolicy, TimeoutKind, UploadSource,
};
use futures::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use serde_json::json;

mod chat;
mod client;
mod errors;
mod pagination;
mod uploads_v1;

const KEY: &str = "sk-test-0123456789abcdef";

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
        .jitter(false)
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .api_url(server.base_url())
        .files_url(server.base_url())
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn conversation(i: usize) -> serde_json::Value {
    json!({"id": format!("c{i}"), "title": null, "createdAt": 1, "updatedAt": 2, "userId": null, "status": "ongoing"})
}

fn source_item(id: &str) -> serde_json::Value {
    json!({"id": id, "type": "file", "name": "doc.pdf", "size": 3, "createdAt": "2026-01-01T00:00:00Z", "status": "untrained", "metadata": null})
}

const SSE_BODY: &str = concat!(
    "data: {\"type\":\"start\",\"messageId\":\"m9\"}\n\n",
    "data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"Hi \"}\n\n",
    "data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"there\"}\n\n",
    "data: {\"type\":\"message-metadata\",\"messageMetadata\":{\"conversationId\":\"c7\",\"finishReason\":\"stop\",\"usage\":{\"credits\":1}}}\n\n",
    "data: {\"type\":\"finish\"}\n\n",
    "data: [DONE]\n\n",
);
