//! Errors: the crate's public [`Error`] (startup and I/O failures) and the internal
//! [`ApiError`], an HTTP error rendered in the v2 envelope (the gateway rewrites it for v1).

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Failures starting or running the emulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Binding, accepting or file-system failures.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The SQLite database could not be opened or migrated.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// An HTTP error answer.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub details: Option<BTreeMap<String, String>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
            details: None,
        }
    }

    pub fn validation(details: BTreeMap<String, String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "VALIDATION_INVALID_BODY".into(),
            message: "Invalid request".into(),
            details: Some(details),
        }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut d = BTreeMap::new();
        d.insert(field.to_string(), message.into());
        Self::validation(d)
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// v1's wording for a request body that failed validation: "Invalid request body".
    pub fn in_v1_words(mut self) -> Self {
        if self.code == "VALIDATION_INVALID_BODY" {
            self.message = "Invalid request body".into();
        }
        self
    }

    pub fn agent_not_found() -> Self {
        Self::not_found("AGENT_NOT_FOUND", "Agent not found")
    }

    pub fn resource_not_found() -> Self {
        Self::not_found(
            "RESOURCE_NOT_FOUND",
            "The requested item could not be found",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        tracing::error!(%message, "internal emulator error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "Something went wrong, please try again",
        )
    }

    /// The canonical error for a status that has no more specific code.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status.as_u16() {
            400 => ("VALIDATION_INVALID_BODY", "Invalid request"),
            401 => ("AUTH_MISSING_API_KEY", "Authentication required"),
            402 => ("CHAT_CREDITS_EXHAUSTED", "Message limit reached"),
            403 => (
                "SUBSCRIPTION_API_RESTRICTED_PLAN",
                "A Standard plan or higher is required to access the API",
            ),
            404 => (
                "RESOURCE_NOT_FOUND",
                "The requested item could not be found",
            ),
            405 => ("METHOD_NOT_ALLOWED", "Method not allowed"),
            409 => ("CONFLICT", "The request conflicts with the current state"),
            413 => ("VALIDATION_INVALID_BODY", "Request body too large"),
            415 => ("VALIDATION_INVALID_BODY", "Unsupported content type"),
            422 => ("VALIDATION_INVALID_BODY", "Unprocessable request"),
            429 => (
                "RATE_LIMIT_TOO_MANY_REQUESTS",
                "Too many requests, please try again later",
            ),
            502 => ("BAD_GATEWAY", "Upstream service failed"),
            503 => (
                "SERVICE_UNDER_MAINTENANCE",
                "The service is temporarily unavailable for scheduled maintenance",
            ),
            _ => (
                "INTERNAL_SERVER_ERROR",
                "Something went wrong, please try again",
            ),
        };
        Self::new(status, code, message)
    }

    pub fn v2_body(&self) -> serde_json::Value {
        let mut err = json!({"code": self.code, "message": self.message});
        if let Some(d) = &self.details {
            err["details"] = json!(d);
        }
        json!({ "error": err })
    }

    /// v1 bodies carry only a message; validation failures add `issues` (as the contacts
    /// endpoints document).
    pub fn v1_body(&self) -> serde_json::Value {
        let mut body = json!({ "message": self.message });
        if let Some(d) = &self.details {
            body["issues"] = d
                .iter()
                .map(|(field, message)| json!({"field": field, "message": message}))
                .collect();
        }
        body
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("sqlite: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::internal(format!("json: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.v2_body())).into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;
