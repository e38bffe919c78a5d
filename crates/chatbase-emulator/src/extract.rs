//! Axum extractors for what every handler used to unpack by hand: the ids in the route's path and the
//! JSON object body. Each rejects with the API's own error, exactly as the hand-written preamble did.
//! Authentication, rate limits and the body's check against the operation's schema in `openapi/` run
//! once for every operation in the gateway (`gateway`), before any extractor.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::AppState;
use crate::util::json_body;

/// One `{name}` segment of the matched route ("" when the route has none). A path axum cannot decode
/// gets the canonical error for axum's status, as the gateway renders any framework rejection.
async fn segment<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &str,
) -> Result<String, ApiError> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|r| ApiError::for_status(r.status()))?;
    Ok(params.get(name).cloned().unwrap_or_default())
}

macro_rules! path_segment {
    ($(#[$doc:meta])* $name:ident = $key:literal) => {
        $(#[$doc])*
        pub(crate) struct $name(pub String);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                segment(parts, state, $key).await.map(Self)
            }
        }
    };
}

path_segment!(
    /// `{agentId}`: the agent (v2, admin). Whether it exists is checked by the handler, inside the
    /// same store transaction that uses it.
    AgentId = "agentId"
);
path_segment!(
    /// `{chatbotId}`: the v1 chatbot (an agent seen through the v1 model).
    ChatbotId = "chatbotId"
);
path_segment!(
    /// `{conversationId}`.
    ConversationId = "conversationId"
);
path_segment!(
    /// `{messageId}`.
    MessageId = "messageId"
);
path_segment!(
    /// `{sourceId}`.
    SourceId = "sourceId"
);
path_segment!(
    /// `{userId}` (a conversation's end user).
    EndUserId = "userId"
);
path_segment!(
    /// `{contactId}` (v1: an external id or the internal one).
    ContactId = "contactId"
);
path_segment!(
    /// `{name}` of a v1 custom attribute.
    AttributeName = "name"
);

/// `{ticketNumber}`: a positive 32-bit ticket number, or a validation error naming the field.
pub(crate) struct TicketNumber(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for TicketNumber {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match segment(parts, state, "ticketNumber").await?.parse::<i64>() {
            Ok(n) if n > 0 && n <= 2_147_483_647 => Ok(Self(n)),
            _ => Err(ApiError::invalid_field(
                "ticketNumber",
                "Expected a positive integer",
            )),
        }
    }
}

/// Reads the whole body (axum's own rejection, e.g. over the body limit, passes through for the gateway
/// to render) and parses it as a JSON object; an empty body counts as `{}`. `wording` adapts the error to
/// the API version.
async fn object(
    req: Request,
    app: &AppState,
    wording: fn(ApiError) -> ApiError,
) -> Result<Map<String, Value>, Response> {
    let body = Bytes::from_request(req, app)
        .await
        .map_err(IntoResponse::into_response)?;
    json_body(&body, app.max_body).map_err(|e| wording(e).into_response())
}

/// The JSON object body of a v2 (or emulator admin, or pairing) request. For a published operation the
/// gateway has already held it to the operation's schema and dropped undeclared keys.
pub(crate) struct JsonObject(pub Map<String, Value>);

impl FromRequest<AppState> for JsonObject {
    type Rejection = Response;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, Response> {
        object(req, app, std::convert::identity).await.map(Self)
    }
}

/// [`JsonObject`] for v1 operations: a body that is not a JSON object is reported in v1's words.
pub(crate) struct V1JsonObject(pub Map<String, Value>);

impl FromRequest<AppState> for V1JsonObject {
    type Rejection = Response;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, Response> {
        object(req, app, ApiError::in_v1_words).await.map(Self)
    }
}
