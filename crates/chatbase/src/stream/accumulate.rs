//! Accumulation of a chat stream's events into one [`ChatAnswer`] (text, tool calls, metadata); the same type
//! is what a non-streamed chat call returns, converted from the generated wire type.

use chatbase_api::v2::types as t2;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::events::{ChatEvent, ChatMetadata, FinishReason};

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
///
/// The ids, the finish reason and the credits are in [`metadata`](Self::metadata) (one [`ChatMetadata`], merged
/// by its one rule: later values win). Serializes in the wire shape of a non-streamed answer's `data` object:
/// `{"id", "role": "assistant", "parts": [text and tool-call parts], "metadata": {…}}`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ChatAnswer {
    /// Full answer text (all text parts concatenated; empty when the agent only called tools).
    pub text: String,
    /// Client actions to run when the finish reason is [`FinishReason::ToolCalls`].
    pub tool_calls: Vec<ToolCall>,
    /// Message id, conversation id (use it to continue the conversation), user message id, user id, finish
    /// reason and credits used.
    pub metadata: ChatMetadata,
}

impl ChatAnswer {
    /// Whether the agent stopped to have client actions run (finish reason `tool-calls` with at least one call).
    pub fn wants_tools(&self) -> bool {
        self.metadata.finish_reason == Some(FinishReason::ToolCalls) && !self.tool_calls.is_empty()
    }

    /// Takes in one event of the stream ([`ChatStream`](crate::ChatStream) calls this for every event it yields;
    /// a text delta costs one `push_str`, the rarer events a clone of what they carry).
    pub(crate) fn absorb(&mut self, ev: &ChatEvent) {
        match ev {
            ChatEvent::MessageStart {
                message_id,
                metadata,
            } => {
                if self.metadata.message_id.is_none() {
                    self.metadata.message_id.clone_from(message_id);
                }
                if let Some(m) = metadata {
                    self.metadata.merge(m);
                }
            }
            ChatEvent::TextDelta { delta, .. } => self.text.push_str(delta),
            ChatEvent::ToolInputAvailable {
                tool_call_id,
                tool_name,
                input,
            } => self.tool_calls.push(ToolCall {
                tool_call_id: tool_call_id.clone(),
                tool_name: tool_name.clone(),
                input: input.clone(),
            }),
            ChatEvent::MessageMetadata(m) => self.metadata.merge(m),
            ChatEvent::Finish {
                finish_reason,
                metadata,
            } => {
                if let Some(m) = metadata {
                    self.metadata.merge(m);
                }
                if finish_reason.is_some() {
                    self.metadata.finish_reason.clone_from(finish_reason);
                }
            }
            _ => {}
        }
    }
}

/// A non-streamed answer (the generated wire type) as a [`ChatAnswer`]. Only `text` and `tool-call` parts
/// carry into it; other part types are skipped.
impl From<t2::ChatResponse> for ChatAnswer {
    fn from(msg: t2::ChatResponse) -> Self {
        let mut out = ChatAnswer::default();
        for part in Vec::from(msg.parts) {
            match part {
                t2::MessagePart::TextPart(t) if t.type_ == t2::TextPartType::Text => {
                    out.text.push_str(&t.text)
                }
                t2::MessagePart::ToolCallPart(c) if c.type_ == t2::ToolCallPartType::ToolCall => {
                    out.tool_calls.push(ToolCall {
                        tool_call_id: c.tool_call_id,
                        tool_name: c.tool_name,
                        input: c.input.unwrap_or(Value::Null),
                    })
                }
                _ => {}
            }
        }
        let m = msg.metadata;
        out.metadata = ChatMetadata {
            message_id: Some(msg.id),
            user_message_id: Some(m.user_message_id),
            conversation_id: Some(m.conversation_id),
            user_id: m.user_id,
            finish_reason: Some(FinishReason::parse(&m.finish_reason.to_string())),
            credits: Some(m.usage.credits),
        };
        out
    }
}

impl Serialize for ChatAnswer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(
            tag = "type",
            rename_all = "kebab-case",
            rename_all_fields = "camelCase"
        )]
        enum Part<'a> {
            Text {
                text: &'a str,
            },
            ToolCall {
                tool_call_id: &'a str,
                tool_name: &'a str,
                input: &'a Value,
            },
        }
        #[derive(Serialize)]
        struct Wire<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            id: Option<&'a str>,
            role: &'static str,
            parts: Vec<Part<'a>>,
            metadata: ChatMetadata,
        }
        let text = (!self.text.is_empty()).then_some(Part::Text { text: &self.text });
        let calls = self.tool_calls.iter().map(|c| Part::ToolCall {
            tool_call_id: &c.tool_call_id,
            tool_name: &c.tool_name,
            input: &c.input,
        });
        Wire {
            id: self.metadata.message_id.as_deref(),
            role: "assistant",
            parts: text.into_iter().chain(calls).collect(),
            // The message id is the answer's `id` on the wire, not a metadata field.
            metadata: ChatMetadata {
                message_id: None,
                ..self.metadata.clone()
            },
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(conversation: Option<&str>, credits: Option<f64>) -> ChatMetadata {
        ChatMetadata {
            conversation_id: conversation.map(str::to_owned),
            credits,
            ..Default::default()
        }
    }

    #[test]
    fn merge_lets_newer_values_win_and_keeps_what_they_lack() {
        let mut m = meta(Some("c1"), Some(2.0));
        m.merge(&meta(Some("c2"), None));
        assert_eq!(m.conversation_id.as_deref(), Some("c2"));
        assert_eq!(m.credits, Some(2.0));
    }

    #[test]
    fn accumulation_uses_the_same_rule_as_decoding() {
        let mut a = ChatAnswer::default();
        a.absorb(&ChatEvent::MessageMetadata(Box::new(meta(
            Some("c1"),
            Some(1.0),
        ))));
        a.absorb(&ChatEvent::Finish {
            finish_reason: Some(FinishReason::Stop),
            metadata: Some(Box::new(meta(Some("c2"), None))),
        });
        assert_eq!(a.metadata.conversation_id.as_deref(), Some("c2"));
        assert_eq!(a.metadata.credits, Some(1.0));
        assert_eq!(a.metadata.finish_reason, Some(FinishReason::Stop));
    }

    #[test]
    fn a_serialized_answer_reads_back_as_the_generated_wire_type() {
        let answer = ChatAnswer {
            text: "Hello".into(),
            tool_calls: vec![ToolCall {
                tool_call_id: "t1".into(),
                tool_name: "lookup".into(),
                input: serde_json::json!({"q": 1}),
            }],
            metadata: ChatMetadata {
                message_id: Some("m2".into()),
                user_message_id: Some("m1".into()),
                conversation_id: Some("c1".into()),
                user_id: None,
                finish_reason: Some(FinishReason::ToolCalls),
                credits: Some(1.5),
            },
        };
        let mut json = serde_json::to_value(&answer).unwrap();
        assert_eq!(json["id"], "m2");
        assert_eq!(json["parts"][1]["toolCallId"], "t1");
        assert_eq!(json["metadata"]["usage"]["credits"], 1.5);
        // The server always sends `userId` (null when none); the SDK leaves absent fields out.
        json["metadata"]["userId"] = Value::Null;
        let wire: t2::ChatResponse = serde_json::from_value(json).unwrap();
        assert_eq!(ChatAnswer::from(wire), answer);
    }
}
