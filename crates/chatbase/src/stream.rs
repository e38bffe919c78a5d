//! Decoding of the v2 chat stream (AI SDK UI-message stream) into typed [`ChatEvent`]s.
//!
//! Accepts SSE `data:` blocks ending in `data: [DONE]`, SSE with `event:` fields, and bare
//! newline-delimited JSON; SSE parsing itself is done by `sse-stream`. A stream that ends before
//! `finish`/`[DONE]` yields [`Error::StreamTruncated`]; an `error` event yields [`Error::Api`].
//! No task is spawned: dropping a [`ChatStream`] drops the response and closes the connection.
//! Sending requests is not done here (see [`crate::chat`]).

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result, TransportKind, stream_error};

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
    fn from_value(v: &Value) -> Self {
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
                .map(|v| Box::new(MessageMetadata::from_value(v))),
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
            let mut meta = match wire.message_metadata.as_ref().or(wire.metadata.as_ref()) {
                Some(nested) => MessageMetadata::from_value(nested),
                None => MessageMetadata::default(),
            };
            meta.merge(&MessageMetadata {
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
            });
            ChatEvent::MessageMetadata(Box::new(meta))
        }
        "finish" => {
            let mut metadata = wire
                .message_metadata
                .as_ref()
                .or(wire.metadata.as_ref())
                .map(|v| Box::new(MessageMetadata::from_value(v)));
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

/// A framed payload: the SSE event name (if any) and its data.
#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) event: Option<String>,
    pub(crate) data: String,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Error type of the type-erased body, so `sse-stream` (which wants `std::error::Error`) can
/// carry any transport error and we can recover a `reqwest::Error` from it afterwards.
#[derive(Debug)]
pub(crate) struct BodyError(pub(crate) Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

pub(crate) type Body = BoxStream<'static, std::result::Result<Bytes, BodyError>>;

/// Erases the body's concrete stream and error types (one allocation per stream).
pub(crate) fn erase<S, E>(body: S) -> Body
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    body.map_err(|e| BodyError(Box::new(e))).boxed()
}

fn transport(inner: Box<dyn std::error::Error + Send + Sync>) -> Error {
    if let Some(idle) = inner.downcast_ref::<crate::idle::IdleElapsed>() {
        return Error::Timeout(idle.0);
    }
    match inner.downcast::<reqwest::Error>() {
        Ok(re) => Error::from_reqwest(*re, true),
        Err(other) => match other.downcast::<BodyError>() {
            Ok(be) => transport(be.0),
            Err(other) => Error::Transport {
                kind: TransportKind::Body,
                message: other.to_string(),
                source: other,
            },
        },
    }
}

pub(crate) fn body_error(e: BodyError) -> Error {
    transport(e.0)
}

/// Maps any body error, recovering `reqwest` timeouts and resets.
pub(crate) fn any_body_error<E>(e: E) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    transport(Box::new(e))
}

pub(crate) fn sse_error(e: sse_stream::Error) -> Error {
    match e {
        sse_stream::Error::Body(inner) => transport(inner),
        other => Error::Decode {
            path: ".".into(),
            message: other.to_string(),
            snippet: String::new(),
        },
    }
}

/// Looks at the first meaningful byte: `{` means NDJSON, anything else SSE.
fn detect(prefix: &[u8]) -> Option<Framing> {
    if prefix.len() < BOM.len() && BOM.starts_with(prefix) {
        return None; // could still be a BOM split across reads
    }
    let body = prefix.strip_prefix(BOM).unwrap_or(prefix);
    body.iter().find(|b| !b.is_ascii_whitespace()).map(|&b| {
        if b == b'{' {
            Framing::Ndjson
        } else {
            Framing::Sse
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Sse,
    Ndjson,
}

/// Splits a body into payloads. Hand-polled (no combinator chain per event) because this sits
/// on the hot path of every chat stream.
pub(crate) enum Framer {
    Sniff { body: Body, prefix: BytesMut },
    Sse(Box<sse_stream::SseByteStream<Body>>),
    Ndjson(Ndjson),
    Done,
}

impl Framer {
    pub(crate) fn new(body: Body) -> Self {
        Framer::Sniff {
            body,
            prefix: BytesMut::new(),
        }
    }

    pub(crate) fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame>>> {
        loop {
            match self {
                Framer::Done => return Poll::Ready(None),
                Framer::Sniff { body, prefix } => {
                    let framing = match body.as_mut().poll_next(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Some(Ok(chunk))) => {
                            prefix.extend_from_slice(&chunk);
                            match detect(prefix) {
                                Some(f) => f,
                                None => continue,
                            }
                        }
                        Poll::Ready(Some(Err(e))) => {
                            *self = Framer::Done;
                            return Poll::Ready(Some(Err(body_error(e))));
                        }
                        Poll::Ready(None) => Framing::Sse,
                    };
                    let head = std::mem::take(prefix).freeze();
                    let rest = std::mem::replace(body, stream::empty().boxed());
                    let body: Body = stream::iter([Ok(head)]).chain(rest).boxed();
                    *self = match framing {
                        Framing::Sse => Framer::Sse(Box::new(sse_stream::SseByteStream::new(body))),
                        Framing::Ndjson => Framer::Ndjson(Ndjson::new(body)),
                    };
                }
                Framer::Sse(sse) => {
                    return match Pin::new(sse.as_mut()).poll_next(cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(None) => {
                            *self = Framer::Done;
                            Poll::Ready(None)
                        }
                        Poll::Ready(Some(Err(e))) => {
                            *self = Framer::Done;
                            Poll::Ready(Some(Err(sse_error(e))))
                        }
                        Poll::Ready(Some(Ok(ev))) => match ev.data {
                            // Comment-only / metadata-only blocks carry nothing to decode.
                            None => continue,
                            Some(data) => Poll::Ready(Some(Ok(Frame {
                                event: ev.event,
                                data,
                            }))),
                        },
                    };
                }
                Framer::Ndjson(nd) => {
                    let res = ready!(nd.poll_line(cx));
                    if !matches!(res, Some(Ok(_))) {
                        *self = Framer::Done;
                    }
                    return Poll::Ready(res);
                }
            }
        }
    }
}

/// Newline-delimited JSON, tolerating a BOM, CRLF, blank lines and stray SSE `data:` prefixes.
pub(crate) struct Ndjson {
    body: Body,
    buf: BytesMut,
    scanned: usize,
    first: bool,
    eof: bool,
}

impl Ndjson {
    fn new(body: Body) -> Self {
        Ndjson {
            body,
            buf: BytesMut::new(),
            scanned: 0,
            first: true,
            eof: false,
        }
    }

    fn poll_line(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame>>> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.scanned..]) {
                let line = self.buf.split_to(self.scanned + pos + 1);
                self.scanned = 0;
                match ndjson_line(&line, &mut self.first) {
                    Ok(Some(frame)) => return Poll::Ready(Some(Ok(frame))),
                    Ok(None) => continue,
                    Err(e) => return Poll::Ready(Some(Err(e))),
                }
            }
            self.scanned = self.buf.len();
            if self.eof {
                // A final line without a newline still counts.
                if self.buf.is_empty() {
                    return Poll::Ready(None);
                }
                let line = self.buf.split();
                self.scanned = 0;
                match ndjson_line(&line, &mut self.first) {
                    Ok(Some(frame)) => return Poll::Ready(Some(Ok(frame))),
                    Ok(None) => return Poll::Ready(None),
                    Err(e) => return Poll::Ready(Some(Err(e))),
                }
            }
            match ready!(self.body.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) => self.buf.extend_from_slice(chunk.chunk()),
                Some(Err(e)) => return Poll::Ready(Some(Err(body_error(e)))),
                None => self.eof = true,
            }
        }
    }
}

fn ndjson_line(line: &[u8], first: &mut bool) -> Result<Option<Frame>> {
    let mut line = line;
    if *first {
        *first = false;
        line = line.strip_prefix(BOM).unwrap_or(line);
    }
    let text = std::str::from_utf8(line).map_err(|e| Error::Decode {
        path: ".".into(),
        message: format!("stream line is not UTF-8: {e}"),
        snippet: crate::error::snippet(line),
    })?;
    let text = text.trim();
    if text.is_empty() || text.starts_with(':') || text.starts_with("event:") {
        return Ok(None);
    }
    let data = text
        .strip_prefix("data:")
        .map(str::trim_start)
        .unwrap_or(text);
    Ok(Some(Frame {
        event: None,
        data: data.to_owned(),
    }))
}

/// A live v2 chat stream. Implements `Stream<Item = Result<ChatEvent, Error>>`.
///
/// ```no_run
/// use futures::StreamExt;
/// # async fn demo(client: chatbase::Client) -> Result<(), chatbase::Error> {
/// let mut stream = client.agent("agent-id").chat("Hello").stream().await?;
/// while let Some(event) = stream.next().await {
///     if let chatbase::ChatEvent::TextDelta { delta, .. } = event? {
///         print!("{delta}");
///     }
/// }
/// # Ok(()) }
/// ```
pub struct ChatStream {
    frames: Framer,
    headers: HeaderMap,
    text: String,
    finished: bool,
    done: bool,
    /// Event idle and deadline: marked per event, polled while the framer waits.
    bounds: Option<crate::idle::Watchdog>,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream")
            .field("request_id", &self.request_id())
            .field("text_len", &self.text.len())
            .field("finished", &self.finished)
            .field("done", &self.done)
            .finish()
    }
}

impl ChatStream {
    /// Decodes an already-checked (2xx) response with its guards on (see [`crate::idle::GuardedStream`]).
    pub(crate) fn from_guarded(g: crate::idle::GuardedStream) -> Self {
        let mut s = Self::from_bytes(g.body, g.headers);
        s.bounds = g.events;
        s
    }

    /// Decodes any byte stream (used by tests and benchmarks, and by callers with recorded streams).
    pub fn from_bytes<S, E>(body: S, headers: HeaderMap) -> Self
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        ChatStream {
            frames: Framer::new(erase(body)),
            headers,
            text: String::new(),
            finished: false,
            done: false,
            bounds: None,
        }
    }

    /// The `x-request-id` of the chat call.
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
    }

    /// Response headers of the chat call.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Only the answer text, as it arrives.
    pub fn text_stream(self) -> impl Stream<Item = Result<String>> + Send {
        self.try_filter_map(|ev| async move {
            Ok(match ev {
                ChatEvent::TextDelta { delta, .. } => Some(delta),
                _ => None,
            })
        })
    }

    /// Drains the stream and returns the accumulated answer.
    pub async fn final_response(mut self) -> Result<crate::chat::ChatResponse> {
        let mut acc = crate::chat::ChatResponse::default();
        while let Some(ev) = self.next().await {
            acc.absorb(ev?);
        }
        Ok(acc)
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Err(e) = crate::idle::check_overdue(&this.bounds) {
                this.done = true;
                return Poll::Ready(Some(Err(e)));
            }
            match this.frames.poll_frame(cx) {
                Poll::Pending => {
                    let fired = ready!(crate::idle::poll_event_bounds(&mut this.bounds, cx));
                    this.done = true;
                    return Poll::Ready(Some(Err(fired)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    if this.finished {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Err(Error::StreamTruncated {
                        partial: std::mem::take(&mut this.text),
                    })));
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    // A connection dying mid-stream after `finish` is harmless; before, it is
                    // reported as truncation so callers keep the partial text.
                    if this.finished {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Err(match e {
                        Error::Transport { .. } => Error::StreamTruncated {
                            partial: std::mem::take(&mut this.text),
                        },
                        other => other,
                    })));
                }
                Poll::Ready(Some(Ok(frame))) => {
                    match decode_payload(&frame.data, frame.event.as_deref()) {
                        Err(e) => {
                            this.done = true;
                            return Poll::Ready(Some(Err(e)));
                        }
                        Ok(Decoded::Skip) => continue,
                        Ok(Decoded::Done) => {
                            this.done = true;
                            return Poll::Ready(None);
                        }
                        Ok(Decoded::Error(code, message)) => {
                            this.done = true;
                            let rid = this.request_id().map(str::to_owned);
                            return Poll::Ready(Some(Err(stream_error(
                                code.as_deref(),
                                message,
                                rid,
                            ))));
                        }
                        Ok(Decoded::Event(ev)) => {
                            if let Some(b) = &mut this.bounds {
                                b.mark();
                            }
                            match &ev {
                                ChatEvent::TextDelta { delta, .. } => this.text.push_str(delta),
                                ChatEvent::Finish { .. } => this.finished = true,
                                _ => {}
                            }
                            return Poll::Ready(Some(Ok(ev)));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(
        parts: &[&[u8]],
    ) -> impl Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + 'static {
        let v: Vec<_> = parts
            .iter()
            .map(|p| Ok(Bytes::copy_from_slice(p)))
            .collect();
        stream::iter(v)
    }

    async fn collect(parts: &[&[u8]]) -> (Vec<ChatEvent>, Option<Error>) {
        let mut s = ChatStream::from_bytes(chunks(parts), HeaderMap::new());
        let mut evs = Vec::new();
        while let Some(item) = s.next().await {
            match item {
                Ok(ev) => evs.push(ev),
                Err(e) => return (evs, Some(e)),
            }
        }
        (evs, None)
    }

    fn texts(evs: &[ChatEvent]) -> String {
        evs.iter()
            .filter_map(|e| match e {
                ChatEvent::TextDelta { delta, .. } => Some(delta.as_str()),
                _ => None,
            })
            .collect()
    }

    const SSE: &str = concat!(
        "data: {\"type\":\"start\",\"messageId\":\"m1\"}\n\n",
        "data: {\"type\":\"start-step\"}\n\n",
        "data: {\"type\":\"text-start\",\"id\":\"t\"}\n\n",
        "data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"Hel\"}\n\n",
        "data: {\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"lo\"}\n\n",
        "data: {\"type\":\"text-end\",\"id\":\"t\"}\n\n",
        "data: {\"type\":\"finish-step\"}\n\n",
        "data: {\"type\":\"message-metadata\",\"messageMetadata\":{\"conversationId\":\"c1\",\"userMessageId\":\"u1\",\"finishReason\":\"stop\",\"usage\":{\"credits\":2}}}\n\n",
        "data: {\"type\":\"finish\"}\n\n",
        "data: [DONE]\n\n",
    );

    #[tokio::test]
    async fn sse_data_framing_decodes_every_event() {
        let (evs, err) = collect(&[SSE.as_bytes()]).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(texts(&evs), "Hello");
        assert_eq!(evs.len(), 9);
        assert!(
            matches!(&evs[0], ChatEvent::MessageStart { message_id: Some(m), .. } if m == "m1")
        );
        match &evs[7] {
            ChatEvent::MessageMetadata(m) => {
                assert_eq!(m.conversation_id.as_deref(), Some("c1"));
                assert_eq!(m.credits, Some(2.0));
                assert_eq!(m.finish_reason, Some(FinishReason::Stop));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn bom_crlf_and_byte_by_byte_reads_work() {
        let crlf = format!("\u{feff}{}", SSE.replace('\n', "\r\n"));
        let bytes = crlf.as_bytes();
        let parts: Vec<&[u8]> = bytes.chunks(1).collect();
        let (evs, err) = collect(&parts).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(texts(&evs), "Hello");
        assert_eq!(evs.len(), 9);
    }

    #[tokio::test]
    async fn event_field_framing_and_multiline_data() {
        let body = concat!(
            "event: text-delta\n",
            "data: {\"id\":\"t\",\n",
            "data:  \"delta\":\"multi\"}\n\n",
            "event: finish\ndata: {}\n\n",
            ": keepalive comment\n\n",
            "data: [DONE]\n\n"
        );
        let (evs, err) = collect(&[body.as_bytes()]).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(texts(&evs), "multi");
        assert!(matches!(evs.last(), Some(ChatEvent::Finish { .. })));
    }

    #[tokio::test]
    async fn bare_ndjson_with_bom_and_crlf() {
        let body = "\u{feff}{\"type\":\"text-delta\",\"delta\":\"a\"}\r\n\r\n{\"type\":\"text-delta\",\"delta\":\"b\"}\n{\"type\":\"finish\",\"finishReason\":\"stop\",\"metadata\":{\"conversationId\":\"c\"}}";
        let parts: Vec<&[u8]> = body.as_bytes().chunks(3).collect();
        let (evs, err) = collect(&parts).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(texts(&evs), "ab");
        match evs.last() {
            Some(ChatEvent::Finish {
                finish_reason: Some(FinishReason::Stop),
                metadata: Some(m),
            }) => assert_eq!(m.conversation_id.as_deref(), Some("c")),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn truncated_stream_reports_partial_text() {
        let body = concat!(
            "data: {\"type\":\"text-delta\",\"delta\":\"par\"}\n\n",
            "data: {\"type\":\"text-delta\",\"delta\":\"tial\"}\n\n",
            "data: {\"type\":\"text-del"
        );
        let (evs, err) = collect(&[body.as_bytes()]).await;
        assert_eq!(evs.len(), 2);
        match err {
            Some(Error::StreamTruncated { partial }) => assert_eq!(partial, "partial"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn finish_without_done_is_a_clean_end() {
        let body =
            "data: {\"type\":\"text-delta\",\"delta\":\"x\"}\n\ndata: {\"type\":\"finish\"}\n\n";
        let (evs, err) = collect(&[body.as_bytes()]).await;
        assert!(err.is_none());
        assert_eq!(evs.len(), 2);
    }

    #[tokio::test]
    async fn error_event_becomes_api_error() {
        let body = "data: {\"type\":\"text-delta\",\"delta\":\"x\"}\n\ndata: {\"type\":\"error\",\"errorText\":\"model overloaded\"}\n\n";
        let (evs, err) = collect(&[body.as_bytes()]).await;
        assert_eq!(evs.len(), 1);
        let err = err.unwrap();
        assert_eq!(err.code().map(|c| c.as_str()), Some("CHAT_STREAMING_ERROR"));
        assert!(err.to_string().contains("model overloaded"));

        let body = "data: {\"error\":{\"code\":\"CHAT_CREDITS_EXHAUSTED\",\"message\":\"no credits\"}}\n\n";
        let (_, err) = collect(&[body.as_bytes()]).await;
        assert_eq!(
            err.unwrap().code(),
            Some(&crate::ErrorCode::ChatCreditsExhausted)
        );
    }

    #[tokio::test]
    async fn unknown_events_keep_raw_json_and_tools_decode() {
        let body = concat!(
            "data: {\"type\":\"data-weather\",\"data\":{\"t\":1}}\n\n",
            "data: {\"type\":\"tool-input-start\",\"toolCallId\":\"c1\",\"toolName\":\"lookup\"}\n\n",
            "data: {\"type\":\"tool-input-delta\",\"toolCallId\":\"c1\",\"inputTextDelta\":\"{\\\"id\\\"\"}\n\n",
            "data: {\"type\":\"tool-input-available\",\"toolCallId\":\"c1\",\"toolName\":\"lookup\",\"input\":{\"id\":7}}\n\n",
            "data: {\"type\":\"reasoning-delta\",\"id\":\"r\",\"delta\":\"hmm\"}\n\n",
            "data: {\"type\":\"finish\",\"messageMetadata\":{\"finishReason\":\"tool-calls\"}}\n\n",
            "data: [DONE]\n\n"
        );
        let (evs, err) = collect(&[body.as_bytes()]).await;
        assert!(err.is_none(), "{err:?}");
        match &evs[0] {
            ChatEvent::Unknown { kind, raw } => {
                assert_eq!(kind, "data-weather");
                assert_eq!(raw["data"]["t"], 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&evs[3], ChatEvent::ToolInputAvailable { input, .. } if input["id"] == 7));
        assert!(matches!(&evs[4], ChatEvent::ReasoningDelta { delta, .. } if delta == "hmm"));
        assert!(matches!(
            &evs[5],
            ChatEvent::Finish {
                finish_reason: Some(FinishReason::ToolCalls),
                ..
            }
        ));
    }

    #[tokio::test]
    async fn final_response_accumulates_text_ids_and_credits() {
        let s = ChatStream::from_bytes(chunks(&[SSE.as_bytes()]), HeaderMap::new());
        let r = s.final_response().await.unwrap();
        assert_eq!(r.text, "Hello");
        assert_eq!(r.message_id.as_deref(), Some("m1"));
        assert_eq!(r.conversation_id.as_deref(), Some("c1"));
        assert_eq!(r.user_message_id.as_deref(), Some("u1"));
        assert_eq!(r.credits, Some(2.0));
        assert_eq!(r.finish_reason, Some(FinishReason::Stop));
    }

    #[tokio::test]
    async fn event_is_yielded_as_soon_as_its_last_byte_arrives() {
        use futures::FutureExt;
        let (tx, rx) =
            futures::channel::mpsc::unbounded::<std::result::Result<Bytes, std::io::Error>>();
        let mut s = ChatStream::from_bytes(rx, HeaderMap::new());
        let send = |b: &'static str| {
            tx.unbounded_send(Ok(Bytes::from_static(b.as_bytes())))
                .unwrap()
        };
        send("data: {\"type\":\"text-delta\",\"delta\":\"a\"}\n");
        assert!(
            s.next().now_or_never().is_none(),
            "yielded before the event was complete"
        );
        send("\n");
        match s.next().now_or_never() {
            Some(Some(Ok(ChatEvent::TextDelta { delta, .. }))) => assert_eq!(delta, "a"),
            other => panic!("event not yielded immediately: {other:?}"),
        }
        send("data: {\"type\":\"finish\"}\n\n");
        assert!(matches!(
            s.next().now_or_never(),
            Some(Some(Ok(ChatEvent::Finish { .. })))
        ));
    }

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

    #[tokio::test]
    async fn text_stream_yields_only_deltas() {
        let s = ChatStream::from_bytes(chunks(&[SSE.as_bytes()]), HeaderMap::new());
        let parts: Vec<String> = s.text_stream().try_collect().await.unwrap();
        assert_eq!(parts, vec!["Hel", "lo"]);
    }
}
