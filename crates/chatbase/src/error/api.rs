//! The API's error answers: [`ApiError`], the [`ErrorCode`] table, and the parsing of every error
//! body shape Chatbase uses (v2 envelope, v1 `{message}`, foreign pages, in-stream `error` events).

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::{Error, request_id, server_wait, snippet};

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

    /// The server's [`details`](Self::details) as `field: message` lines (an object of field → message(s),
    /// or a list of `{field|path, message}` issues); other shapes become one line of compact JSON. Empty when
    /// there are none. The error's `Display` appends them, so `limit(1000)` reads
    /// `… Invalid request (limit: Number must be between 1 and 100)`.
    pub fn detail_lines(&self) -> Vec<String> {
        self.details.as_ref().map(detail_lines).unwrap_or_default()
    }
}

/// Longest details text `Display` appends, so a huge `details` value cannot bloat a log line.
const DETAILS_DISPLAY_LEN: usize = 400;

/// Flattens an error's `details` value (an object of field → message(s), or a list of `{field|path, message}`
/// issues) into `field: message` lines; other shapes become one line of compact JSON, `null` none. The one
/// rule behind [`ApiError::detail_lines`], public for callers that hold the `details` JSON on its own (the CLI).
pub fn detail_lines(details: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    match details {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                // v2's generic `{"message": "Required"}` needs no label.
                if k == "message" {
                    text(v)
                } else {
                    format!("{k}: {}", text(v))
                }
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .map(
                |item| match (item.get("field").or(item.get("path")), item.get("message")) {
                    (Some(f), Some(m)) => format!("{}: {}", text(f), text(m)),
                    _ => text(item),
                },
            )
            .collect(),
        Value::Null => Vec::new(),
        other => vec![text(other)],
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
        let details = self.detail_lines().join("; ");
        if !details.is_empty() {
            match details.char_indices().nth(DETAILS_DISPLAY_LEN) {
                Some((cut, _)) => write!(f, " ({}…)", &details[..cut])?,
                None => write!(f, " ({details})")?,
            }
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
