//! High-level Chatbase SDK (being built).

pub mod agents;
pub mod call;
pub mod chat;
pub mod client;
pub mod config;
pub mod error;
pub mod identity;
mod ops;
pub mod pagination;
pub mod retry;
pub mod stream;
pub mod upload;
pub mod v1;
pub mod webhook;

/// Request and response types generated from the OpenAPI specs (re-exported from `chatbase-api`).
pub mod types {
    pub use chatbase_api::v1::types as v1;
    pub use chatbase_api::v2::types as v2;
}

pub use call::{Call, Operation, Paginated};
pub use chat::{ChatRequest, ChatResponse, RetryRequest, ToolCall};
pub use client::{Client, RequestOptions, Response};
pub use config::ClientBuilder;
pub use error::{ApiError, Error, ErrorCode, Result, TimeoutKind, TransportKind};
pub use pagination::{Page, PageCursor};
pub use reqwest::StatusCode;
pub use reqwest::header::HeaderMap;
pub use retry::{Idempotency, RetryPolicy};
pub use stream::{ChatEvent, ChatStream, FinishReason, MessageMetadata};
pub use upload::{Progress, UploadSource};

/// Percent-encodes one path segment (ids come from users and must not inject `/` or `?`).
pub(crate) fn path(segment: &str) -> String {
    progenitor_client::encode_path(segment)
}
