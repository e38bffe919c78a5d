//! The crate's single error type: API errors (v1 and v2 bodies), transport, timeouts, decoding,
//! truncated streams and invalid input. It owns the mapping from `reqwest` and progenitor errors;
//! it does not decide retry timing (see [`crate::retry`]).

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

mod api;

pub use api::{ApiError, ErrorCode, detail_lines};
pub(crate) use api::{parse_api_error, stream_error};

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
        reason: PaginationStop,
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

/// Why a walk stopped before the server's last page (see [`Error::Pagination`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationStop {
    /// The server handed out a cursor it had already handed out in this walk.
    RepeatedCursor {
        /// The repeated cursor.
        cursor: String,
    },
    /// The pages held more items than the `total` the server reported.
    ExceededTotal {
        /// The reported total.
        total: u64,
        /// Items received, including the page that went over.
        received: u64,
    },
    /// The server reported more results (`hasMore: true`) but sent no cursor to fetch them with.
    MissingCursor,
    /// The walk fetched its page cap and the server still reported more.
    PageCap {
        /// The cap that was hit.
        max_pages: u64,
    },
}

impl std::fmt::Display for PaginationStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaginationStop::RepeatedCursor { cursor } => {
                write!(f, "the server repeated the cursor {cursor:?}")
            }
            PaginationStop::ExceededTotal { total, received } => write!(
                f,
                "the server sent {received} items but reported a total of {total}"
            ),
            PaginationStop::MissingCursor => {
                f.write_str("the server reported more results but sent no cursor")
            }
            PaginationStop::PageCap { max_pages } => write!(
                f,
                "the page cap of {max_pages} pages was reached and the server still reported more"
            ),
        }
    }
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
    /// stream timers: [`RequestOptions`](crate::RequestOptions) methods of the same name).
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

/// A generated type rejected a value (a name too long, a malformed id): `"x".parse::<t2::…>()?` and
/// `builder.try_into()?` work in a function returning [`Result`].
impl From<chatbase_api::v2::types::error::ConversionError> for Error {
    fn from(e: chatbase_api::v2::types::error::ConversionError) -> Self {
        Error::InvalidInput(e.to_string())
    }
}

/// The v1 twin of the v2 conversion (the generated modules each declare their own error type).
impl From<chatbase_api::v1::types::error::ConversionError> for Error {
    fn from(e: chatbase_api::v1::types::error::ConversionError) -> Self {
        Error::InvalidInput(e.to_string())
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

#[cfg(test)]
mod tests;
