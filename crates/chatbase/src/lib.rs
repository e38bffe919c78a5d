//! High-level Chatbase SDK (being built).

pub mod client;
pub mod config;
pub mod error;
pub mod retry;

pub use client::{Client, RequestOptions, Response};
pub use config::ClientBuilder;
pub use error::{ApiError, Error, ErrorCode, Result, TimeoutKind, TransportKind};
pub use reqwest::StatusCode;
pub use reqwest::header::HeaderMap;
pub use retry::{Idempotency, RetryPolicy};
