//! Accumulation of a chat stream's events into one [`ChatResponse`] (text, tool calls, ids, credits); the same
//! type is what a non-streamed chat call returns.

use serde_json::Value;

use super::events::{ChatEvent, FinishReason, MessageMetadata};

/// A client action the agent asked the caller to run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolCall {
    /// Id to quote in [`crate::agents::Conversation::submit_tool_result`].
    pub tool_call_id: String,
    /// Name of the custom action.
    pub tool_name: String,
    /// Input arguments.
    pub input: Value,
}

/// A complete assistant answer, from a non-streaming call or accumulated from a stream.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ChatResponse {
    /// Assistant message id.
    pub message_id: Option<String>,
    /// Full answer text (all text parts concatenated).
    pub text: String,
    /// Client actions to run when `finish_reason` is [`FinishReason::ToolCalls`].
    pub tool_calls: Vec<ToolCall>,
    /// Why generation stopped.
    pub finish_reason: Option<FinishReason>,
    /// Conversation id (use it to continue the conversation).
    pub conversation_id: Option<String>,
    /// Id of the user message.
    pub user_message_id: Option<String>,
    /// The conversation's user id.
    pub user_id: Option<String>,
    /// Credits used.
    pub credits: Option<f64>,
}

impl ChatResponse {
    pub(crate) fn absorb(&mut self, ev: ChatEvent) {
        match ev {
            ChatEvent::MessageStart {
                message_id,
                metadata,
            } => {
                if self.message_id.is_none() {
                    self.message_id = message_id;
                }
                if let Some(m) = metadata {
                    self.absorb_meta(&m);
                }
            }
            ChatEvent::TextDelta { delta, .. } => self.text.push_str(&delta),
            ChatEvent::ToolInputAvailable {
                tool_call_id,
                tool_name,
                input,
            } => self.tool_calls.push(ToolCall {
                tool_call_id,
                tool_name,
                input,
            }),
            ChatEvent::MessageMetadata(m) => self.absorb_meta(&m),
            ChatEvent::Finish {
                finish_reason,
                metadata,
            } => {
                if let Some(m) = metadata {
                    self.absorb_meta(&m);
                }
                if finish_reason.is_some() {
                    self.finish_reason = finish_reason;
                }
            }
            _ => {}
        }
    }

    pub(crate) fn absorb_meta(&mut self, m: &MessageMetadata) {
        fn set<T: Clone>(dst: &mut Option<T>, src: &Option<T>) {
            if src.is_some() {
                dst.clone_from(src);
            }
        }
        set(&mut self.message_id, &m.message_id);
        set(&mut self.user_message_id, &m.user_message_id);
        set(&mut self.conversation_id, &m.conversation_id);
        set(&mut self.user_id, &m.user_id);
        set(&mut self.finish_reason, &m.finish_reason);
        set(&mut self.credits, &m.credits);
    }
}
