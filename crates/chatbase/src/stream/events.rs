//! The typed events of a v2 chat stream ([`ChatEvent`]) and the values they carry ([`FinishReason`],
//! [`MessageMetadata`]). Plain data: decoding is in [`super::decode`], accumulation in [`super::accumulate`].

use serde_json::Value;

/// Why the agent stopped generating.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FinishReason {
    /// Normal completion.
    Stop,
    /// The agent wants client-side tool results (see [`crate::chat::ChatRequest::run_tools`]).
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

/// Message metadata sent with (or inside) `finish` / `message-metadata` events.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MessageMetadata {
    /// Id of the assistant message.
    pub message_id: Option<String>,
    /// Id of the user message that triggered it.
    pub user_message_id: Option<String>,
    /// Conversation id (new conversations get one here).
    pub conversation_id: Option<String>,
    /// The conversation's user id, if any.
    pub user_id: Option<String>,
    /// Finish reason, when carried in the metadata.
    pub finish_reason: Option<FinishReason>,
    /// Credits consumed (`usage.credits`).
    pub credits: Option<f64>,
}

impl MessageMetadata {
    pub(crate) fn from_value(v: &Value) -> Self {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        MessageMetadata {
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

    /// Fills fields that are still empty from `other`.
    pub(crate) fn merge(&mut self, other: &MessageMetadata) {
        fn fill<T: Clone>(a: &mut Option<T>, b: &Option<T>) {
            if a.is_none() {
                a.clone_from(b);
            }
        }
        fill(&mut self.message_id, &other.message_id);
        fill(&mut self.user_message_id, &other.user_message_id);
        fill(&mut self.conversation_id, &other.conversation_id);
        fill(&mut self.user_id, &other.user_id);
        fill(&mut self.finish_reason, &other.finish_reason);
        fill(&mut self.credits, &other.credits);
    }
}

pub(crate) fn metadata_from_value(v: &Value) -> MessageMetadata {
    MessageMetadata::from_value(v)
}

/// One event of a v2 chat stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ChatEvent {
    /// `start` / `message-start`: a new assistant message.
    MessageStart {
        /// Assistant message id.
        message_id: Option<String>,
        /// Metadata sent with the start event, if any.
        metadata: Option<Box<MessageMetadata>>,
    },
    /// `start-step`.
    StepStart,
    /// `finish-step`.
    StepFinish,
    /// `text-start`.
    TextStart {
        /// Text part id.
        id: Option<String>,
    },
    /// `text-delta`: a piece of the answer.
    TextDelta {
        /// Text part id.
        id: Option<String>,
        /// The new text.
        delta: String,
    },
    /// `text-end`.
    TextEnd {
        /// Text part id.
        id: Option<String>,
    },
    /// `reasoning-start` (undocumented by Chatbase; AI SDK convention).
    ReasoningStart {
        /// Reasoning part id.
        id: Option<String>,
    },
    /// `reasoning-delta`.
    ReasoningDelta {
        /// Reasoning part id.
        id: Option<String>,
        /// The new reasoning text.
        delta: String,
    },
    /// `reasoning-end`.
    ReasoningEnd {
        /// Reasoning part id.
        id: Option<String>,
    },
    /// `tool-input-start`: the agent began calling a client action.
    ToolInputStart {
        /// Tool call id.
        tool_call_id: String,
        /// Name of the custom action.
        tool_name: String,
    },
    /// `tool-input-delta`: partial JSON of the tool input.
    ToolInputDelta {
        /// Tool call id.
        tool_call_id: String,
        /// Next piece of the input JSON text.
        input_text_delta: String,
    },
    /// `tool-input-available`: the complete tool input; run the action and submit its result.
    ToolInputAvailable {
        /// Tool call id.
        tool_call_id: String,
        /// Name of the custom action.
        tool_name: String,
        /// Parsed input.
        input: Value,
    },
    /// `tool-output-available`: a server-side tool finished.
    ToolOutputAvailable {
        /// Tool call id.
        tool_call_id: String,
        /// Tool output.
        output: Value,
    },
    /// `tool-output-error`.
    ToolOutputError {
        /// Tool call id.
        tool_call_id: String,
        /// Error text.
        error_text: String,
    },
    /// `message-metadata` (flat or nested form). Boxed to keep every event small.
    MessageMetadata(Box<MessageMetadata>),
    /// `finish`: the message is complete.
    Finish {
        /// Finish reason, if present on the event or its metadata.
        finish_reason: Option<FinishReason>,
        /// Metadata attached to the finish event, if any.
        metadata: Option<Box<MessageMetadata>>,
    },
    /// An event type this crate does not know; the raw JSON is kept.
    Unknown {
        /// The `type` field (or SSE `event:` name).
        kind: String,
        /// The whole event.
        raw: Value,
    },
}
