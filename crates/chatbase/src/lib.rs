//! High-level Chatbase SDK (being built).

pub mod chat;
pub mod client;
pub mod config;
pub mod error;
pub mod identity;
pub mod pagination;
pub mod retry;
pub mod stream;
pub mod upload;
pub mod webhook;

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
