//! Decoding of one framed payload into a [`ChatEvent`] (or `[DONE]`, an in-stream error, or nothing), with a
//! fast path for the plain text/reasoning deltas that make up almost every event.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::events::{ChatEvent, ChatMetadata, FinishReason};
use crate::error::{Error, Result};

/// Single-pass view of any event: only the fields present are filled; unknown ones are skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    #[serde(rename = "type", borrow, default)]
    ty: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(default)]
    delta: Option<String>,
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    tool_call_id: Option<String>,
    #[serde(default)]
    tool_name: Option<String>,
    #[serde(default)]
    input_text_delta: Option<String>,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    output: Option<Value>,
    #[serde(default)]
    error_text: Option<String>,
    #[serde(default)]
    finish_reason: Option<String>,
    #[serde(default)]
    message_metadata: Option<Value>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    user_message_id: Option<String>,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    usage: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    code: Option<String>,
}

#[derive(Deserialize)]
struct DeltaWire<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(default)]
    delta: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeltaKind {
    Text,
    Reasoning,
}

/// Recognises a compact, flat delta object: `type` ("text-delta" or "reasoning-delta"), `delta` and an optional
/// `id`, in any order, each a string with nothing to unescape. Returns borrowed slices; `None` means "use serde"
/// (escapes, whitespace, other or repeated keys, non-string values), so this only ever skips work.
fn plain_delta(s: &str) -> Option<(DeltaKind, Option<&str>, &str)> {
    // A JSON string body with nothing to unescape: no quote, backslash or control character.
    fn plain_string(s: &str) -> Option<(&str, &str)> {
        let rest = s.strip_prefix('"')?;
        let end = rest
            .bytes()
            .position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
        (rest.as_bytes()[end] == b'"').then(|| (&rest[..end], &rest[end + 1..]))
    }
    // The service's own order (`type` first) skips straight to the remaining keys.
    let (mut kind, mut rest) = if let Some(r) = s.strip_prefix(r#"{"type":"text-delta","#) {
        (Some(DeltaKind::Text), r)
    } else if let Some(r) = s.strip_prefix(r#"{"type":"reasoning-delta","#) {
        (Some(DeltaKind::Reasoning), r)
    } else {
        (None, s.strip_prefix('{')?)
    };
    let (mut id, mut delta) = (None, None);
    loop {
        let (key, r) = plain_string(rest)?;
        let (value, r) = plain_string(r.strip_prefix(':')?)?;
        let slot = match key {
            "type" => {
                let k = match value {
                    "text-delta" => DeltaKind::Text,
                    "reasoning-delta" => DeltaKind::Reasoning,
                    _ => return None,
                };
                kind.replace(k).is_none()
            }
            "id" => id.replace(value).is_none(),
            "delta" => delta.replace(value).is_none(),
            _ => false,
        };
        if !slot {
            return None;
        }
        if let Some(r) = r.strip_prefix(',') {
            rest = r;
        } else {
            return (r == "}").then_some((kind?, id, delta?));
        }
    }
}

/// What a single data payload decoded to.
#[derive(Debug)]
pub(crate) enum Decoded {
    Event(ChatEvent),
    Done,
    /// An in-stream error: (code, message).
    Error(Option<String>, String),
    Skip,
}

fn own(c: Option<Cow<'_, str>>) -> Option<String> {
    c.map(Cow::into_owned)
}

/// Decodes one JSON payload; `sse_event` is the SSE `event:` name, used when the JSON has no `type`.
pub(crate) fn decode_payload(data: &str, sse_event: Option<&str>) -> Result<Decoded> {
    let trimmed = data.trim();
    if trimmed.is_empty() {
        return Ok(Decoded::Skip);
    }
    if trimmed == "[DONE]" {
        return Ok(Decoded::Done);
    }
    // Hot path: almost every event is a delta of the exact form the AI SDK writes. Those are
    // sliced out directly; anything else (escapes, other key orders, extra fields) goes through
    // serde below, so this only ever skips work, never changes a result.
    if let Some((kind, id, delta)) = plain_delta(trimmed) {
        let id = id.map(str::to_owned);
        let delta = delta.to_owned();
        return Ok(Decoded::Event(match kind {
            DeltaKind::Text => ChatEvent::TextDelta { id, delta },
            DeltaKind::Reasoning => ChatEvent::ReasoningDelta { id, delta },
        }));
    }
    if (trimmed.contains(r#""text-delta""#) || trimmed.contains(r#""reasoning-delta""#))
        && let Ok(d) = serde_json::from_str::<DeltaWire<'_>>(trimmed)
    {
        match d.ty.as_ref() {
            "text-delta" => {
                return Ok(Decoded::Event(ChatEvent::TextDelta {
                    id: own(d.id),
                    delta: d.delta.unwrap_or_default(),
                }));
            }
            "reasoning-delta" => {
                return Ok(Decoded::Event(ChatEvent::ReasoningDelta {
                    id: own(d.id),
                    delta: d.delta.unwrap_or_default(),
                }));
            }
            _ => {}
        }
    }
    let wire: Wire<'_> = match serde_json::from_str(trimmed) {
        Ok(w) => w,
        Err(e) => {
            if sse_event == Some("error") {
                return Ok(Decoded::Error(None, trimmed.to_owned()));
            }
            return Err(Error::Decode {
                path: ".".into(),
                message: format!("stream event is not JSON: {e}"),
                snippet: crate::error::snippet(trimmed.as_bytes()),
            });
        }
    };
    let kind: Cow<'_, str> = match (&wire.ty, sse_event) {
        (Some(t), _) => t.clone(),
        (None, Some(ev)) if !ev.is_empty() && ev != "message" => Cow::Borrowed(ev),
        // `{error:{code,message}}` / `{message}` without a type are error bodies.
        (None, _) if wire.error.is_some() => Cow::Borrowed("error"),
        (None, _) => Cow::Borrowed(""),
    };
    let s = |o: Option<String>| o.unwrap_or_default();
    let ev = match kind.as_ref() {
        "text-delta" => ChatEvent::TextDelta {
            id: own(wire.id),
            delta: s(wire.delta),
        },
        "text-start" => ChatEvent::TextStart { id: own(wire.id) },
        "text-end" => ChatEvent::TextEnd { id: own(wire.id) },
        "start" | "message-start" => ChatEvent::MessageStart {
            message_id: wire.message_id,
            metadata: wire
                .message_metadata
                .as_ref()
                .map(|v| Box::new(ChatMetadata::from_value(v))),
        },
        "start-step" => ChatEvent::StepStart,
        "finish-step" => ChatEvent::StepFinish,
        "reasoning-start" => ChatEvent::ReasoningStart { id: own(wire.id) },
        "reasoning-delta" => ChatEvent::ReasoningDelta {
            id: own(wire.id),
            delta: s(wire.delta),
        },
        "reasoning-end" => ChatEvent::ReasoningEnd { id: own(wire.id) },
        "tool-input-start" => ChatEvent::ToolInputStart {
            tool_call_id: s(wire.tool_call_id),
            tool_name: s(wire.tool_name),
        },
        "tool-input-delta" => ChatEvent::ToolInputDelta {
            tool_call_id: s(wire.tool_call_id),
            input_text_delta: s(wire.input_text_delta),
        },
        "tool-input-available" => ChatEvent::ToolInputAvailable {
            tool_call_id: s(wire.tool_call_id),
            tool_name: s(wire.tool_name),
            input: wire.input.unwrap_or(Value::Null),
        },
        "tool-output-available" => ChatEvent::ToolOutputAvailable {
            tool_call_id: s(wire.tool_call_id),
            output: wire.output.unwrap_or(Value::Null),
        },
        "tool-output-error" => ChatEvent::ToolOutputError {
            tool_call_id: s(wire.tool_call_id),
            error_text: s(wire.error_text),
        },
        "message-metadata" => {
            // Flat fields first, then the nested object over them (see `ChatMetadata::merge`).
            let mut meta = ChatMetadata {
                message_id: wire.message_id,
                user_message_id: wire.user_message_id,
                conversation_id: wire.conversation_id,
                user_id: wire.user_id,
                finish_reason: wire.finish_reason.as_deref().map(FinishReason::parse),
                credits: wire
                    .usage
                    .as_ref()
                    .and_then(|u| u.get("credits"))
                    .and_then(Value::as_f64),
            };
            if let Some(nested) = wire.message_metadata.as_ref().or(wire.metadata.as_ref()) {
                meta.merge(&ChatMetadata::from_value(nested));
            }
            ChatEvent::MessageMetadata(Box::new(meta))
        }
        "finish" => {
            let mut metadata = wire
                .message_metadata
                .as_ref()
                .or(wire.metadata.as_ref())
                .map(|v| Box::new(ChatMetadata::from_value(v)));
            let finish_reason = wire
                .finish_reason
                .as_deref()
                .map(FinishReason::parse)
                .or_else(|| metadata.as_ref().and_then(|m| m.finish_reason.clone()));
            if let (Some(m), Some(r)) = (metadata.as_mut(), finish_reason.as_ref()) {
                m.finish_reason.get_or_insert_with(|| r.clone());
            }
            ChatEvent::Finish {
                finish_reason,
                metadata,
            }
        }
        "error" => {
            let (code, message) = match (&wire.error, wire.error_text, &wire.message) {
                (Some(Value::Object(o)), _, _) => (
                    o.get("code").and_then(Value::as_str).map(str::to_owned),
                    o.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("stream error")
                        .to_owned(),
                ),
                (Some(Value::String(m)), _, _) => (wire.code, m.clone()),
                (_, Some(t), _) => (wire.code, t),
                (_, None, Some(Value::String(m))) => (wire.code, m.clone()),
                _ => (wire.code, "stream error".to_owned()),
            };
            return Ok(Decoded::Error(code, message));
        }
        other => {
            let raw: Value = serde_json::from_str(trimmed).unwrap_or(Value::Null);
            ChatEvent::Unknown {
                kind: other.to_owned(),
                raw,
            }
        }
    };
    Ok(Decoded::Event(ev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_fast_path_agrees_with_serde_or_declines() {
        let cases = [
            r#"{"type":"text-delta","id":"t","delta":"plain"}"#,
            r#"{"type":"text-delta","delta":"no id"}"#,
            r#"{"type":"reasoning-delta","id":"r","delta":"why"}"#,
            r#"{"type":"text-delta","id":"t","delta":"esc \"q\" \n \u00e9"}"#,
            r#"{"type":"text-delta","id":"t","delta":"x","extra":1}"#,
            r#"{"type":"text-delta","delta":"x","id":"t"}"#,
            r#"{"type":"text-delta","id":"t","delta":"unterminated}"#,
            r#"{"type":"text-delta","id":"t","delta":""}"#,
            r#"{"type":"text-delta","id":"t","delta":"ünïcödé 🚀"}"#,
            r#"{"delta":"sorted","id":"t","type":"text-delta"}"#,
            r#"{"id":"t","delta":"x","type":"reasoning-delta"}"#,
            r#"{"type":"text-delta", "delta":"spaced"}"#,
        ];
        for c in cases {
            let fast = plain_delta(c);
            if let Some((_, id, delta)) = fast {
                let v: Value = serde_json::from_str(c).unwrap();
                assert_eq!(v["delta"].as_str(), Some(delta), "{c}");
                assert_eq!(v["id"].as_str(), id, "{c}");
            }
            // Whatever path is taken, decoding matches a plain serde reading (or errors alike).
            match (decode_payload(c, None), serde_json::from_str::<Value>(c)) {
                (
                    Ok(Decoded::Event(
                        ChatEvent::TextDelta { delta, id }
                        | ChatEvent::ReasoningDelta { delta, id },
                    )),
                    Ok(v),
                ) => {
                    assert_eq!(Some(delta.as_str()), v["delta"].as_str(), "{c}");
                    assert_eq!(id.as_deref(), v["id"].as_str(), "{c}");
                }
                (Err(_), Err(_)) => {}
                (got, want) => panic!("{c}: {got:?} vs {want:?}"),
            }
        }
        assert!(plain_delta(r#"{"type":"text-delta","id":"t","delta":"x","extra":1}"#).is_none());
        assert!(plain_delta(r#"{"type":"text-delta","id":"t","delta":"a\"b"}"#).is_none());
        assert!(plain_delta(r#"{"type":"text-delta","id":"t","delta":"a","delta":"b"}"#).is_none());
        assert!(plain_delta(r#"{"type":"text-start","id":"t"}"#).is_none());
        assert!(plain_delta(r#"{"id":"t","delta":"x"}"#).is_none());
        assert!(plain_delta(r#"{"type":"text-delta","id":7,"delta":"x"}"#).is_none());
        assert_eq!(
            plain_delta(r#"{"delta":"w0 ","id":"txt_0","type":"text-delta"}"#),
            Some((DeltaKind::Text, Some("txt_0"), "w0 "))
        );
    }
}
