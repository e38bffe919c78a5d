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

/// Which timeout elapsed. Each names the [`ClientBuilder`](crate::config::ClientBuilder) setting that governs it
/// ([`setting`](Self::setting)), so a message can say what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the connection took too long.
    Connect,
    /// No bytes arrived within the idle (per-read) timeout of a non-streaming call.
    Idle,
    /// A non-streaming call exceeded its total timeout.
    Total,
    /// A streamed answer (or its response headers) sent no byte at all for the stream idle timeout.
    StreamIdle,
    /// A streamed answer sent no event for the stream event timeout (keep-alive comments do not count).
    EventIdle,
    /// A streamed answer did not finish before the stream deadline.
    StreamDeadline,
}

impl TimeoutKind {
    /// The [`ClientBuilder`](crate::config::ClientBuilder) method that sets this timer (per-call overrides of the
    /// stream timers: [`RequestOptions`](crate::client::RequestOptions) methods of the same name).
    pub fn setting(&self) -> &'static str {
        match self {
            TimeoutKind::Connect => "connect_timeout",
            TimeoutKind::Idle => "read_timeout",
            TimeoutKind::Total => "timeout",
            TimeoutKind::StreamIdle => "stream_idle_timeout",
            TimeoutKind::EventIdle => "stream_event_timeout",
            TimeoutKind::StreamDeadline => "stream_deadline",
        }
    }

    /// What happened, without the setting.
    pub fn describe(&self) -> &'static str {
        match self {
            TimeoutKind::Connect => "no connection within the connect timeout",
            TimeoutKind::Idle => "no data arrived within the read timeout",
            TimeoutKind::Total => "the call did not complete within its timeout",
            TimeoutKind::StreamIdle => "the stream sent no data within the stream idle timeout",
            TimeoutKind::EventIdle => {
                "the stream sent no event within the stream event timeout (keep-alives do not count)"
            }
            TimeoutKind::StreamDeadline => "the stream did not finish before the stream deadline",
        }
    }
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; set by ClientBuilder::{}",
            self.describe(),
            self.setting()
        )
    }
}

/// An error answer from the API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code, when the body carried one (v2 envelopes do; v1 answers and bodies
    /// that are not the API's JSON do not, and get `None`).
    pub code: Option<ErrorCode>,
    /// Human-readable message from the server.
    pub message: String,
    /// Field-level details (v2 `details`, v1 `issues`), if any.
    pub details: Option<serde_json::Value>,
    /// The `x-request-id` header: quote it to Chatbase support.
    pub request_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After` / `X-RateLimit-Reset`), capped at 60 s.
    pub retry_after: Option<Duration>,
    /// The URL that answered, when known.
    pub url: Option<String>,
    /// The `Content-Type` the answer declared, if any.
    pub content_type: Option<String>,
    /// The first bytes of the body exactly as received (at most 64 KiB), for diagnosis.
    pub body: bytes::Bytes,
    /// True when the answer did not look like the Chatbase API at all (not JSON: an HTML page
    /// from a proxy, a different server on that port); `message` then says so.
    pub foreign: bool,
}

impl ApiError {
    /// True for failures of the credentials themselves: HTTP 401 (missing, invalid or expired
    /// key) and 403 (the key or plan may not do this). Decided by status, whatever the code.
    pub fn is_auth_failure(&self) -> bool {
        matches!(self.status.as_u16(), 401 | 403)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(
                f,
                "API error {} {}: {}",
                self.status.as_u16(),
                code,
                self.message
            )?,
            None => write!(f, "API error {}: {}", self.status.as_u16(), self.message)?,
        }
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
            /// A code this version of the crate does not know, kept verbatim.
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
            Error::Api(e) => e.code.as_ref(),
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
                    || e.code == Some(ErrorCode::RateLimitTooManyRequests)
            }
            _ => false,
        }
    }

    /// True for HTTP 401 and 403: the credentials are missing, invalid, expired or not allowed
    /// to do this (see [`ApiError::is_auth_failure`]).
    pub fn is_auth_failure(&self) -> bool {
        self.api().is_some_and(ApiError::is_auth_failure)
    }

    /// Whether trying again might succeed (408, 429, 5xx, connection failures, timeouts).
    /// A 409 is a permanent conflict in every documented Chatbase case (a duplicate source, a
    /// source pending deletion, an untrained agent), so it is not retryable.
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

    pub(crate) fn api_from_parts(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        url: Option<&reqwest::Url>,
    ) -> Self {
        Error::Api(Box::new(parse_api_error(status, headers, body, url)))
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
                Error::api_from_parts(status, &headers, &body, None)
            }
            P::InvalidResponsePayload(bytes, err) => Error::Decode {
                path: ".".into(),
                message: err.to_string(),
                snippet: snippet(&bytes),
            },
            P::UnexpectedResponse(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                let url = resp.url().clone();
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
                    Error::api_from_parts(status, &headers, &body, Some(&url))
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
    matches!(status.as_u16(), 408 | 429) || status.is_server_error()
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

/// The server's requested wait, capped at [`MAX_SERVER_WAIT`]; parsed by [`crate::headers`].
pub(crate) fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    crate::headers::server_wait(headers, now, MAX_SERVER_WAIT)
}

/// Longest error body kept verbatim in [`ApiError::body`].
const KEPT_BODY_LEN: usize = 64 * 1024;

/// Builds an [`ApiError`] from any of the body shapes Chatbase uses. A body that is not JSON at
/// all (an HTML page from a proxy, another server on that port) is reported as such rather than
/// dumped into the message.
pub(crate) fn parse_api_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    url: Option<&reqwest::Url>,
) -> ApiError {
    let request_id = request_id(headers);
    let retry_after = server_wait(headers, SystemTime::now());
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let canonical = || status.canonical_reason().unwrap_or("error").to_owned();
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let mut foreign = false;
    let (code, message, details) = match value {
        Some(serde_json::Value::Object(mut obj)) => match obj.remove("error") {
            // v2 envelope
            Some(serde_json::Value::Object(mut err)) => (
                err.get("code").and_then(text).map(|c| ErrorCode::parse(&c)),
                err.get("message").and_then(text).unwrap_or_else(canonical),
                err.remove("details"),
            ),
            Some(serde_json::Value::String(message)) => (None, message, None),
            _ => (
                // v1 `{message, issues?}`
                obj.get("code").and_then(text).map(|c| ErrorCode::parse(&c)),
                obj.get("message").and_then(text).unwrap_or_else(canonical),
                obj.remove("issues").or_else(|| obj.remove("details")),
            ),
        },
        Some(serde_json::Value::String(message)) => (None, message, None),
        Some(_) => (None, canonical(), None),
        None if body.iter().all(u8::is_ascii_whitespace) => (None, canonical(), None),
        None => {
            foreign = true;
            let at = url
                .map(|u| format!(" at {}", redact_url(u)))
                .unwrap_or_default();
            let kind = content_type.as_deref().unwrap_or("no content type");
            tracing::debug!(
                status = status.as_u16(),
                content_type = kind,
                body = %snippet(body),
                "error answer is not the Chatbase API's JSON"
            );
            let message = format!(
                "the server{at} did not answer like the Chatbase API (HTTP {}, {kind})",
                status.as_u16()
            );
            (None, message, None)
        }
    };
    ApiError {
        status,
        code,
        message,
        details,
        request_id,
        retry_after,
        url: url.map(redact_url),
        content_type,
        body: bytes::Bytes::copy_from_slice(&body[..body.len().min(KEPT_BODY_LEN)]),
        foreign,
    }
}

/// A URL fit for messages: scheme, host, port and path; no user info, query or fragment.
fn redact_url(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
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
        code: Some(
            code.map(ErrorCode::parse)
                .unwrap_or(ErrorCode::ChatStreamingError),
        ),
        message,
        details: None,
        request_id,
        retry_after: None,
        url: None,
        content_type: None,
        body: bytes::Bytes::new(),
        foreign: false,
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
            None,
        );
        assert_eq!(e.code, Some(ErrorCode::ValidationInvalidBody));
        assert_eq!(e.message, "Invalid request");
        assert_eq!(e.details.unwrap()["message"], "Required");
        assert_eq!(e.request_id.as_deref(), Some("req_1"));
    }

    #[test]
    fn unknown_codes_are_kept_verbatim() {
        let body = br#"{"error":{"code":"BRAND_NEW_CODE","message":"m"}}"#;
        let e = parse_api_error(StatusCode::FORBIDDEN, &HeaderMap::new(), body, None);
        assert_eq!(e.code, Some(ErrorCode::Unknown("BRAND_NEW_CODE".into())));
        assert_eq!(e.code.unwrap().as_str(), "BRAND_NEW_CODE");
    }

    #[test]
    fn v1_message_body_maps_onto_same_type() {
        let body = br#"{"message":"Chatbot not found"}"#;
        let e = parse_api_error(StatusCode::NOT_FOUND, &HeaderMap::new(), body, None);
        assert_eq!(e.code, None, "a body without a code has no code");
        assert_eq!(e.message, "Chatbot not found");
        assert!(!e.foreign);
        assert_eq!(e.to_string(), "API error 404: Chatbot not found");
    }

    #[test]
    fn a_foreign_answer_is_named_not_dumped() {
        let url = reqwest::Url::parse("http://user:pw@127.0.0.1:9/api/v2/agents?q=1").unwrap();
        let page = b"<html><body>Not Found</body></html>";
        let e = parse_api_error(
            StatusCode::NOT_FOUND,
            &headers(&[("content-type", "text/html; charset=utf-8")]),
            page,
            Some(&url),
        );
        assert!(e.foreign);
        assert_eq!(e.code, None);
        assert_eq!(
            e.message,
            "the server at http://127.0.0.1:9/api/v2/agents did not answer like the Chatbase API \
             (HTTP 404, text/html; charset=utf-8)"
        );
        assert!(!e.message.contains("<html>"));
        assert_eq!(
            &e.body[..],
            &page[..],
            "the body is kept verbatim for diagnosis"
        );
        let e = parse_api_error(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"", None);
        assert_eq!(e.message, "Bad Gateway");
        assert!(!e.foreign);
    }

    #[test]
    fn auth_failures_are_recognised_by_status_whatever_the_code() {
        for (status, body) in [
            (401, &b"{}"[..]),
            (401, br#"{"error":{"code":"SOMETHING_NEW","message":"m"}}"#),
            (
                403,
                br#"{"error":{"code":"SUBSCRIPTION_API_RESTRICTED_PLAN","message":"m"}}"#,
            ),
        ] {
            let e = Error::api_from_parts(
                StatusCode::from_u16(status).unwrap(),
                &HeaderMap::new(),
                body,
                None,
            );
            assert!(e.is_auth_failure(), "{status} {body:?}");
        }
        let e = Error::api_from_parts(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            br#"{"error":{"code":"AUTH_LOOKALIKE","message":"m"}}"#,
            None,
        );
        assert!(!e.is_auth_failure());
    }

    #[test]
    fn a_conflict_is_permanent() {
        let e = Error::api_from_parts(
            StatusCode::CONFLICT,
            &HeaderMap::new(),
            br#"{"error":{"code":"SOURCE_DUPLICATE","message":"exists"}}"#,
            None,
        );
        assert!(!e.is_retryable());
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
            None,
        );
        assert!(e.is_rate_limited());
        assert!(e.is_retryable());
        assert!(e.request_not_executed());
        assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        let e = Error::api_from_parts(StatusCode::NOT_FOUND, &HeaderMap::new(), b"{}", None);
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
