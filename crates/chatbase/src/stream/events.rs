//! The typed events of a v2 chat stream ([`ChatEvent`]) and the values they carry ([`FinishReason`],
//! [`ChatMetadata`]), with their wire shape for [`Serialize`]. Plain data: decoding is in `decode`,
//! accumulation in `accumulate`.

use serde::{Serialize, Serializer};
use serde_json::Value;

/// Why the agent stopped generating. Serializes as its wire value (`"stop"`, `"tool-calls"`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FinishReason {
    /// Normal completion.
    Stop,
    /// The agent wants client-side tool results (see [`crate::chat::ChatCall::run_tools`]).
    ToolCalls,
    /// Generation failed.
    Error,
    /// A value this crate does not know yet.
    Unknown(String),
}

impl FinishReason {
    /// Parses the wire value.
    pub fn parse(s: &str) -> Self {
        match s {
            "stop" => FinishReason::Stop,
            "tool-calls" => FinishReason::ToolCalls,
            "error" => FinishReason::Error,
            other => FinishReason::Unknown(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::ToolCalls => "tool-calls",
            FinishReason::Error => "error",
            FinishReason::Unknown(s) => s,
        }
    }
}

impl Serialize for FinishReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The metadata of an assistant message: ids, why it finished and the credits it cost. A stream sends it in
/// `message-metadata` and `finish` events (see [`ChatEvent`]); a whole answer carries the merged result in
/// [`ChatAnswer::metadata`](crate::ChatAnswer::metadata).
///
/// Serializes in the wire shape (`{"messageId", "userMessageId", "conversationId", "userId", "finishReason",
/// "usage": {"credits"}}`, absent fields left out).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatMetadata {
    /// Id of the assistant message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Id of the user message that triggered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_message_id: Option<String>,
    /// Conversation id (new conversations get one here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The conversation's user id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Finish reason, when carried in the metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<FinishReason>,
    /// Credits consumed (`usage.credits` on the wire).
    #[serde(
        rename = "usage",
        serialize_with = "usage",
        skip_serializing_if = "Option::is_none"
    )]
    pub credits: Option<f64>,
}

/// `credits` as the wire's `usage` object. A whole number is written as the server writes it (`2`, not `2.0`).
fn usage<S: Serializer>(credits: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    fn number<S: Serializer>(c: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        // Below 2^53 every whole f64 is exactly an i64.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        match *c {
            Some(c) if c.fract() == 0.0 && c.abs() < EXACT => s.serialize_i64(c as i64),
            other => other.serialize(s),
        }
    }
    #[derive(Serialize)]
    struct Usage {
        #[serde(serialize_with = "number")]
        credits: Option<f64>,
    }
    Usage { credits: *credits }.serialize(s)
}

impl ChatMetadata {
    pub(crate) fn from_value(v: &Value) -> Self {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        ChatMetadata {
            message_id: s("messageId"),
            user_message_id: s("userMessageId"),
            conversation_id: s("conversationId"),
            user_id: s("userId"),
            finish_reason: v
                .get("finishReason")
                .and_then(Value::as_str)
                .map(FinishReason::parse),
            credits: v
                .get("usage")
                .and_then(|u| u.get("credits"))
                .and_then(Value::as_f64),
        }
    }

    /// The one merge rule for metadata: every field `newer` carries replaces this one's; fields it lacks are
    /// kept. A stream's later events therefore win over earlier ones (the `finish` event's metadata over a
    /// `message-metadata` event's), and within one event the nested `messageMetadata` object wins over fields
    /// sent flat beside it.
    pub fn merge(&mut self, newer: &ChatMetadata) {
        fn set<T: Clone>(dst: &mut Option<T>, src: &Option<T>) {
            if src.is_some() {
                dst.clone_from(src);
            }
        }
        set(&mut self.message_id, &newer.message_id);
        set(&mut self.user_message_id, &newer.user_message_id);
        set(&mut self.conversation_id, &newer.conversation_id);
        set(&mut self.user_id, &newer.user_id);
        set(&mut self.finish_reason, &newer.finish_reason);
        set(&mut self.credits, &newer.credits);
    }
}

/// One event of a v2 chat stream.
///
/// Where the answer's facts arrive: the assistant message id in [`MessageStart`](Self::MessageStart); the
/// conversation id (new conversations get theirs here), the user message id, the finish reason and the credits
/// used (`usage.credits`) in [`MessageMetadata`](Self::MessageMetadata) and again in [`Finish`](Self::Finish)'s
/// metadata, both near the end. A [`ChatStream`](crate::ChatStream) merges them for you as they go by: see
/// [`ChatStream::response`](crate::ChatStream::response) and [`ChatStream::final_response`](crate::ChatStream::final_response).
///
/// Serializes in the wire shape, the JSON object the server sends in each `data:` line (`{"type":
/// "text-delta", "id": …, "delta": …}`); [`Unknown`](Self::Unknown) events serialize as the raw JSON received.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum ChatEvent {
    /// `start` / `message-start`: a new assistant message.
    #[serde(rename = "start")]
    MessageStart {
        /// Assistant message id.
        #[serde(skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
        /// Metadata sent with the start event, if any.
        #[serde(rename = "messageMetadata", skip_serializing_if = "Option::is_none")]
        metadata: Option<Box<ChatMetadata>>,
    },
    /// `start-step`.
    #[serde(rename = "start-step")]
    StepStart,
    /// `finish-step`.
    #[serde(rename = "finish-step")]
    StepFinish,
    /// `text-start`.
    #[serde(rename = "text-start")]
    TextStart {
        /// Text part id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// `text-delta`: a piece of the answer.
    #[serde(rename = "text-delta")]
    TextDelta {
        /// Text part id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The new text.
        delta: String,
    },
    /// `text-end`.
    #[serde(rename = "text-end")]
    TextEnd {
        /// Text part id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// `reasoning-start` (undocumented by Chatbase; AI SDK convention).
    #[serde(rename = "reasoning-start")]
    ReasoningStart {
        /// Reasoning part id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// `reasoning-delta`.
    #[serde(rename = "reasoning-delta")]
    ReasoningDelta {
        /// Reasoning part id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The new reasoning text.
        delta: String,
    },
    /// `reasoning-end`.
    #[serde(rename = "reasoning-end")]
    ReasoningEnd {
        /// Reasoning part id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// `tool-input-start`: the agent began calling a client action.
    #[serde(rename = "tool-input-start")]
    ToolInputStart {
        /// Tool call id.
        tool_call_id: String,
        /// Name of the custom action.
        tool_name: String,
    },
    /// `tool-input-delta`: partial JSON of the tool input.
    #[serde(rename = "tool-input-delta")]
    ToolInputDelta {
        /// Tool call id.
        tool_call_id: String,
        /// Next piece of the input JSON text.
        input_text_delta: String,
    },
    /// `tool-input-available`: the complete tool input; run the action and submit its result.
    #[serde(rename = "tool-input-available")]
    ToolInputAvailable {
        /// Tool call id.
        tool_call_id: String,
        /// Name of the custom action.
        tool_name: String,
        /// Parsed input.
        input: Value,
    },
    /// `tool-output-available`: a server-side tool finished.
    #[serde(rename = "tool-output-available")]
    ToolOutputAvailable {
        /// Tool call id.
        tool_call_id: String,
        /// Tool output.
        output: Value,
    },
    /// `tool-output-error`.
    #[serde(rename = "tool-output-error")]
    ToolOutputError {
        /// Tool call id.
        tool_call_id: String,
        /// Error text.
        error_text: String,
    },
    /// `message-metadata` (flat or nested form; serialized nested, as `messageMetadata`). Boxed to keep every
    /// event small.
    #[serde(rename = "message-metadata", serialize_with = "nested_metadata")]
    MessageMetadata(Box<ChatMetadata>),
    /// `finish`: the message is complete.
    #[serde(rename = "finish")]
    Finish {
        /// Finish reason, if present on the event or its metadata.
        #[serde(skip_serializing_if = "Option::is_none")]
        finish_reason: Option<FinishReason>,
        /// Metadata attached to the finish event, if any.
        #[serde(rename = "messageMetadata", skip_serializing_if = "Option::is_none")]
        metadata: Option<Box<ChatMetadata>>,
    },
    /// An event type this crate does not know; the raw JSON is kept.
    #[serde(untagged, serialize_with = "raw_event")]
    Unknown {
        /// The `type` field (or SSE `event:` name).
        kind: String,
        /// The whole event.
        raw: Value,
    },
}

/// `message-metadata`'s body: `{"messageMetadata": {…}}` (the `type` is added by the enum's tag).
fn nested_metadata<S: Serializer>(m: &ChatMetadata, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Nested<'a> {
        message_metadata: &'a ChatMetadata,
    }
    Nested {
        message_metadata: m,
    }
    .serialize(s)
}

/// An unknown event is written back exactly as it was received.
fn raw_event<S: Serializer>(_kind: &str, raw: &Value, s: S) -> Result<S::Ok, S::Error> {
    raw.serialize(s)
}
