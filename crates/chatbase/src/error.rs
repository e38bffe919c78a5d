//! The crate's single error type: API errors (v1 and v2 bodies), transport, timeouts, decoding,
//! truncated streams and invalid input. It owns the mapping from `reqwest` and progenitor errors;
//! it does not decide retry timing (see [`crate::retry`]).

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

/// Longest body excerpt kept in an error, so a huge HTML error page cannot bloat logs.
const SNIPPET_LEN: usize = 512;
/// Server-requested waits longer than this are clamped (a misconfigured proxy must not park us for hours).
pub(crate) const MAX_SERVER_WAIT: Duration = Duration::from_secs(60);

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to Chatbase.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success status (v2 `{error:{code,message,details}}`,
    /// v1 `{message}`, or an unparseable body).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request could not be sent or the response body could not be read.
    #[error("transport error ({kind}): {message}")]
    Transport {
        /// What part of the exchange failed.
        kind: TransportKind,
        /// Human-readable summary (never contains headers or the API key).
        message: String,
        /// The underlying cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A configured timeout elapsed.
    #[error("timed out ({0})")]
    Timeout(TimeoutKind),
    /// A response body did not match the expected shape.
    #[error("could not decode response at `{path}`: {message}; body starts with: {snippet}")]
    Decode {
        /// JSON path of the offending value (`.` for the root).
        path: String,
        /// What the decoder complained about.
        message: String,
        /// The first bytes of the body, for diagnosis.
        snippet: String,
    },
    /// A stream ended before its terminator (`finish` / `[DONE]`).
    #[error("stream ended before completion after {} characters of text", partial.chars().count())]
    StreamTruncated {
        /// Text received before the stream was cut.
        partial: String,
    },
    /// The client-action loop hit its round limit while the agent still wanted tools.
    #[error("the agent still requested tools after {rounds} rounds")]
    ToolRoundsExceeded {
        /// Rounds completed.
        rounds: usize,
    },
    /// A paginated walk stopped before the server's last page (repeated cursor, more items than
    /// the reported total, page cap). The pages before it were yielded; the list is incomplete.
    #[error("pagination stopped after {pages} pages and {items} items: {reason}")]
    Pagination {
        /// Why the walk stopped.
        reason: crate::pagination::PaginationStop,
        /// Pages received before the stop.
        pages: u64,
        /// Items received before the stop.
        items: u64,
    },
    /// The request was rejected locally before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Local file access failed (uploads).
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Which part of an HTTP exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be established (the request provably never ran).
    Connect,
    /// Sending the request failed after connecting.
    Request,
    /// Reading the response body failed (connection reset, closed mid-body).
    Body,
    /// Anything else reported by the HTTP stack.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connect",
            TransportKind::Request => "request",
            TransportKind::Body => "body",
            TransportKind::Other => "other",
        })
    }
}

/// Which timeout elapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the connection took too long.
    Connect,
    /// No bytes arrived within the idle (per-read) timeout.
    Idle,
    /// A non-streaming call exceeded its total timeout.
    Total,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Idle => "idle read",
            TimeoutKind::Total => "total",
        })
    }
}

/// An error answer from the API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code (v2); v1 answers carry none and get `HTTP_<status>`.
    pub code: ErrorCode,
    /// Human-readable message from the server.
    pub message: String,
    /// Field-level details (v2 `details`, v1 `issues`), if any.
    pub details: Option<serde_json::Value>,
    /// The `x-request-id` header: quote it to Chatbase support.
    pub request_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After` / `X-RateLimit-Reset`), capped at 60 s.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "API error {} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

macro_rules! error_codes {
    ($($variant:ident => $wire:literal),* $(,)?) => {
        /// Chatbase v2 error codes. Unknown codes are kept verbatim in [`ErrorCode::Unknown`],
        /// because the server adds codes before this crate learns them.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )*
            /// A code this version of the crate does not know (or `HTTP_<status>` when the body had none).
            Unknown(String),
        }

        impl ErrorCode {
            /// The code as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                    ErrorCode::Unknown(s) => s,
                }
            }

            /// Parses a wire code, falling back to [`ErrorCode::Unknown`].
            pub fn parse(s: &str) -> Self {
                match s {
                    $($wire => ErrorCode::$variant,)*
                    other => ErrorCode::Unknown(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    ValidationInvalidBody => "VALIDATION_INVALID_BODY",
    ValidationInvalidJson => "VALIDATION_INVALID_JSON",
    ValidationInvalidDateRange => "VALIDATION_INVALID_DATE_RANGE",
    AuthMissingApiKey => "AUTH_MISSING_API_KEY",
    AuthInvalidApiKey => "AUTH_INVALID_API_KEY",
    AuthExpiredApiKey => "AUTH_EXPIRED_API_KEY",
    AuthInsufficientPermissions => "AUTH_INSUFFICIENT_PERMISSIONS",
    SubscriptionApiRestrictedPlan => "SUBSCRIPTION_API_RESTRICTED_PLAN",
    SubscriptionPlanRequired => "SUBSCRIPTION_PLAN_REQUIRED",
    PlanFeatureNotAvailable => "PLAN_FEATURE_NOT_AVAILABLE",
    AgentLimitReached => "AGENT_LIMIT_REACHED",
    AgentNotFound => "AGENT_NOT_FOUND",
    AgentNotTrained => "AGENT_NOT_TRAINED",
    ResourceNotFound => "RESOURCE_NOT_FOUND",
    ResourceMessageNotFound => "RESOURCE_MESSAGE_NOT_FOUND",
    ResourceMessageNotAssistant => "RESOURCE_MESSAGE_NOT_ASSISTANT",
    ResourceToolCallNotFound => "RESOURCE_TOOL_CALL_NOT_FOUND",
    ChatCreditsExhausted => "CHAT_CREDITS_EXHAUSTED",
    ChatAgentCreditsExhausted => "CHAT_AGENT_CREDITS_EXHAUSTED",
    ChatModelNotAllowed => "CHAT_MODEL_NOT_ALLOWED",
    ChatConversationMismatch => "CHAT_CONVERSATION_MISMATCH",
    ChatConversationNotOngoing => "CHAT_CONVERSATION_NOT_ONGOING",
    ChatRetryMessageNotFound => "CHAT_RETRY_MESSAGE_NOT_FOUND",
    ChatRetryNoUserMessage => "CHAT_RETRY_NO_USER_MESSAGE",
    ChatStreamingError => "CHAT_STREAMING_ERROR",
    ConversationUserMismatch => "CONVERSATION_USER_MISMATCH",
    ConversationNotTakenOver => "CONVERSATION_NOT_TAKEN_OVER",
    ConversationSearchUnavailable => "CONVERSATION_SEARCH_UNAVAILABLE",
    SourceNotFound => "SOURCE_NOT_FOUND",
    SourceDuplicate => "SOURCE_DUPLICATE",
    SourceAlreadyPendingDeletion => "SOURCE_ALREADY_PENDING_DELETION",
    SourcePendingDeletion => "SOURCE_PENDING_DELETION",
    SourceSizeLimitExceeded => "SOURCE_SIZE_LIMIT_EXCEEDED",
    TicketNotFound => "TICKET_NOT_FOUND",
    TicketInvalidStatus => "TICKET_INVALID_STATUS",
    TicketTeamMemberNotFound => "TICKET_TEAM_MEMBER_NOT_FOUND",
    TicketTeamNotFound => "TICKET_TEAM_NOT_FOUND",
    TeamMemberNotFound => "TEAM_MEMBER_NOT_FOUND",
    MessageContentNotRenderable => "MESSAGE_CONTENT_NOT_RENDERABLE",
    WhatsappNotConnected => "WHATSAPP_NOT_CONNECTED",
    WhatsappSendFailed => "WHATSAPP_SEND_FAILED",
    MediaUploadFailed => "MEDIA_UPLOAD_FAILED",
    PhoneNumberRequired => "PHONE_NUMBER_REQUIRED",
    PhoneNumberNotFound => "PHONE_NUMBER_NOT_FOUND",
    TemplateLanguageRequired => "TEMPLATE_LANGUAGE_REQUIRED",
    TemplateNotFound => "TEMPLATE_NOT_FOUND",
    TemplateNotApproved => "TEMPLATE_NOT_APPROVED",
    SendBlocked => "SEND_BLOCKED",
    MissingTemplateVariables => "MISSING_TEMPLATE_VARIABLES",
    InvalidTemplateVariables => "INVALID_TEMPLATE_VARIABLES",
    TemplateButtonsUnsupported => "TEMPLATE_BUTTONS_UNSUPPORTED",
    TemplateParamsRejected => "TEMPLATE_PARAMS_REJECTED",
    RecipientInvalid => "RECIPIENT_INVALID",
    RecipientNotReachable => "RECIPIENT_NOT_REACHABLE",
    RateLimitTooManyRequests => "RATE_LIMIT_TOO_MANY_REQUESTS",
    InternalServerError => "INTERNAL_SERVER_ERROR",
    ServiceUnderMaintenance => "SERVICE_UNDER_MAINTENANCE",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// HTTP status of an API error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            _ => None,
        }
    }

    /// Chatbase error code of an API error.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The `x-request-id` of the failed call, when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The API error details, if this is an API error.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// True for HTTP 429 / `RATE_LIMIT_TOO_MANY_REQUESTS`.
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Error::Api(e) => {
                e.status == StatusCode::TOO_MANY_REQUESTS
                    || e.code == ErrorCode::RateLimitTooManyRequests
            }
            _ => false,
        }
    }

    /// Whether trying again might succeed (408, 409, 429, 5xx, connection failures, timeouts).
    ///
    /// This says nothing about whether a retry is *safe*: the retry policy additionally refuses to
    /// replay credit-spending POSTs unless the request provably did not run.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => retryable_status(e.status),
            Error::Transport { kind, .. } => {
                matches!(
                    kind,
                    TransportKind::Connect | TransportKind::Request | TransportKind::Body
                )
            }
            Error::Timeout(_) => true,
            _ => false,
        }
    }

    /// True when the request provably never reached the server's handler (connection refused or
    /// rate-limited), so even a non-idempotent request may be replayed.
    pub fn request_not_executed(&self) -> bool {
        match self {
            Error::Api(e) => e.status == StatusCode::TOO_MANY_REQUESTS,
            Error::Transport { kind, .. } => *kind == TransportKind::Connect,
            Error::Timeout(TimeoutKind::Connect) => true,
            _ => false,
        }
    }

    /// Server-requested wait before retrying, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            _ => None,
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub(crate) fn api_from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        Error::Api(Box::new(parse_api_error(status, headers, body)))
    }

    /// Maps a `reqwest` error, classifying connect failures and timeouts.
    pub(crate) fn from_reqwest(e: reqwest::Error, during_body: bool) -> Self {
        if e.is_timeout() {
            let kind = if e.is_connect() {
                TimeoutKind::Connect
            } else {
                TimeoutKind::Idle
            };
            return Error::Timeout(kind);
        }
        let kind = if e.is_connect() {
            TransportKind::Connect
        } else if during_body || e.is_body() || e.is_decode() {
            TransportKind::Body
        } else if e.is_request() {
            TransportKind::Request
        } else {
            TransportKind::Other
        };
        // reqwest's Display includes the URL but never headers, so the key cannot leak here.
        let message = e.to_string();
        Error::Transport {
            kind,
            message,
            source: Box::new(e),
        }
    }

    /// Converts a generated-client error. Reads the body of unexpected responses, hence async.
    pub(crate) async fn from_progenitor<E: serde::Serialize>(
        e: progenitor_client::Error<E>,
    ) -> Self {
        use progenitor_client::Error as P;
        match e {
            P::InvalidRequest(s) => Error::InvalidInput(s),
            P::Custom(s) => Error::InvalidInput(s),
            P::CommunicationError(e) => Error::from_reqwest(e, false),
            P::InvalidUpgrade(e) => Error::from_reqwest(e, false),
            P::ResponseBodyError(e) => Error::from_reqwest(e, true),
            P::ErrorResponse(rv) => {
                let status = rv.status();
                let headers = rv.headers().clone();
                let body = serde_json::to_vec(rv.as_ref()).unwrap_or_default();
                Error::api_from_parts(status, &headers, &body)
            }
            P::InvalidResponsePayload(bytes, err) => Error::Decode {
                path: ".".into(),
                message: err.to_string(),
                snippet: snippet(&bytes),
            },
            P::UnexpectedResponse(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                let body = match resp.bytes().await {
                    Ok(b) => b,
                    Err(e) => return Error::from_reqwest(e, true),
                };
                if status.is_success() {
                    Error::Decode {
                        path: ".".into(),
                        message: format!("unexpected success status {}", status.as_u16()),
                        snippet: snippet(&body),
                    }
                } else {
                    Error::api_from_parts(status, &headers, &body)
                }
            }
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

/// Decodes `bytes` as `T`, reporting the JSON path of the first mismatch.
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            path,
            message: e.into_inner().to_string(),
            snippet: snippet(bytes),
        }
    })
}

pub(crate) fn snippet(bytes: &[u8]) -> String {
    let cut = bytes.len().min(SNIPPET_LEN);
    let mut s = String::from_utf8_lossy(&bytes[..cut]).into_owned();
    if bytes.len() > cut {
        s.push('…');
    }
    s
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads the server's requested wait: `retry-after-ms`, `Retry-After` (seconds or HTTP date),
/// then `X-RateLimit-Reset` (Unix milliseconds; second-resolution values are accepted too).
pub(crate) fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let wait = if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0))
    } else if let Some(ra) = get("retry-after") {
        if let Ok(secs) = ra.parse::<f64>() {
            Duration::try_from_secs_f64(secs.max(0.0)).ok()
        } else {
            httpdate::parse_http_date(ra)
                .ok()
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
        }
    } else if let Some(reset) = get("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok()) {
        // The docs say milliseconds, one spec text says seconds: anything before 2001-09-09 in ms
        // is implausible, so small values are read as seconds.
        let reset_ms = if reset < 1_000_000_000_000 {
            reset.saturating_mul(1000)
        } else {
            reset
        };
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(reset_ms);
        Some(at.duration_since(now).unwrap_or(Duration::ZERO))
    } else {
        None
    };
    wait.map(|w| w.min(MAX_SERVER_WAIT))
}

/// Builds an [`ApiError`] from any of the body shapes Chatbase uses.
pub(crate) fn parse_api_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
    let request_id = request_id(headers);
    let retry_after = server_wait(headers, SystemTime::now());
    let fallback_code = || ErrorCode::Unknown(format!("HTTP_{}", status.as_u16()));
    let fallback_message = || {
        let text = snippet(body);
        if text.trim().is_empty() {
            status.canonical_reason().unwrap_or("error").to_owned()
        } else {
            text
        }
    };
    let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let (code, message, details) = match value {
        Some(serde_json::Value::Object(mut obj)) => match obj.remove("error") {
            // v2 envelope
            Some(serde_json::Value::Object(mut err)) => {
                let code = err
                    .get("code")
                    .and_then(|c| c.as_str())
                    .map(ErrorCode::parse)
                    .unwrap_or_else(fallback_code);
                let message = err
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(fallback_message);
                (code, message, err.remove("details"))
            }
            Some(serde_json::Value::String(message)) => (fallback_code(), message, None),
            _ => {
                // v1 `{message, issues?}`
                let message = obj
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(fallback_message);
                let code = obj
                    .get("code")
                    .and_then(|c| c.as_str())
                    .map(ErrorCode::parse)
                    .unwrap_or_else(fallback_code);
                (
                    code,
                    message,
                    obj.remove("issues").or_else(|| obj.remove("details")),
                )
            }
        },
        _ => (fallback_code(), fallback_message(), None),
    };
    ApiError {
        status,
        code,
        message,
        details,
        request_id,
        retry_after,
    }
}

/// Error for an in-stream `error` event: the HTTP status was 200, so it is reported as 200 with
/// the code from the event (default `CHAT_STREAMING_ERROR`).
pub(crate) fn stream_error(
    code: Option<&str>,
    message: String,
    request_id: Option<String>,
) -> Error {
    Error::Api(Box::new(ApiError {
        status: StatusCode::OK,
        code: code
            .map(ErrorCode::parse)
            .unwrap_or(ErrorCode::ChatStreamingError),
        message,
        details: None,
        request_id,
        retry_after: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn v2_envelope_maps_code_details_and_request_id() {
        let body = br#"{"error":{"code":"VALIDATION_INVALID_BODY","message":"Invalid request","details":{"message":"Required"}}}"#;
        let e = parse_api_error(
            StatusCode::BAD_REQUEST,
            &headers(&[("x-request-id", "req_1")]),
            body,
        );
        assert_eq!(e.code, ErrorCode::ValidationInvalidBody);
        assert_eq!(e.message, "Invalid request");
        assert_eq!(e.details.unwrap()["message"], "Required");
        assert_eq!(e.request_id.as_deref(), Some("req_1"));
    }

    #[test]
    fn unknown_codes_are_kept_verbatim() {
        let body = br#"{"error":{"code":"BRAND_NEW_CODE","message":"m"}}"#;
        let e = parse_api_error(StatusCode::FORBIDDEN, &HeaderMap::new(), body);
        assert_eq!(e.code, ErrorCode::Unknown("BRAND_NEW_CODE".into()));
        assert_eq!(e.code.as_str(), "BRAND_NEW_CODE");
    }

    #[test]
    fn v1_message_body_maps_onto_same_type() {
        let body = br#"{"message":"Chatbot not found"}"#;
        let e = parse_api_error(StatusCode::NOT_FOUND, &HeaderMap::new(), body);
        assert_eq!(e.code.as_str(), "HTTP_404");
        assert_eq!(e.message, "Chatbot not found");
    }

    #[test]
    fn non_json_body_becomes_snippet() {
        let e = parse_api_error(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>bad</html>",
        );
        assert_eq!(e.message, "<html>bad</html>");
        let e = parse_api_error(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"");
        assert_eq!(e.message, "Bad Gateway");
    }

    #[test]
    fn retry_after_seconds_date_and_reset_are_understood_and_capped() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            server_wait(&headers(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(
            server_wait(&headers(&[("retry-after", &date)]), now),
            Some(Duration::from_secs(5))
        );
        let reset_ms = (1_700_000_000u64 + 7) * 1000;
        assert_eq!(
            server_wait(
                &headers(&[("x-ratelimit-reset", &reset_ms.to_string())]),
                now
            ),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            server_wait(&headers(&[("retry-after", "3600")]), now),
            Some(MAX_SERVER_WAIT)
        );
        assert_eq!(server_wait(&HeaderMap::new(), now), None);
    }

    #[test]
    fn helpers_classify_errors() {
        let e = Error::api_from_parts(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "2")]),
            br#"{"error":{"code":"RATE_LIMIT_TOO_MANY_REQUESTS","message":"slow down"}}"#,
        );
        assert!(e.is_rate_limited());
        assert!(e.is_retryable());
        assert!(e.request_not_executed());
        assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        let e = Error::api_from_parts(StatusCode::NOT_FOUND, &HeaderMap::new(), b"{}");
        assert!(!e.is_retryable());
        assert!(!e.is_rate_limited());
        assert!(
            !Error::StreamTruncated {
                partial: "x".into()
            }
            .is_retryable()
        );
    }

    #[test]
    fn decode_error_reports_json_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            data: Vec<Inner>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            id: String,
        }
        let err = decode_json::<Outer>(br#"{"data":[{"id":"a"},{"id":5}]}"#).unwrap_err();
        match err {
            Error::Decode { path, snippet, .. } => {
                assert_eq!(path, "data[1].id");
                assert!(snippet.starts_with("{\"data\""));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
