//! v1 chat: the [`V1ChatCall`] builder (its body is the generated `t1::ChatRequest`), the whole answer
//! ([`V1ChatAnswer`]) and the [`TextStream`] of a streamed answer (raw text or SSE, chosen by content type).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use chatbase_api::v1::types as t1;
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::body::any_body_error;
use crate::client::{Client, Op, RequestOptions, Response};
use crate::error::{Error, Result};

/// Who wrote a v1 chat message: the generated wire enum.
pub use chatbase_api::v1::types::MessageRole as Role;

/// A whole v1 chat answer.
///
/// `text` is a `String`, as in v2's [`ChatAnswer`](crate::ChatAnswer): the wire field is optional, and an answer
/// without one is an answer with no text, so both read as `""` and callers need no `Option` to print it. The exact
/// body, absent field and all, is still there through [`V1ChatCall::send_raw`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct V1ChatAnswer {
    /// The chatbot's answer.
    pub text: String,
}

impl From<t1::ChatResponse> for V1ChatAnswer {
    fn from(r: t1::ChatResponse) -> Self {
        V1ChatAnswer {
            text: r.text.unwrap_or_default(),
        }
    }
}

/// Builder for v1 `POST /chat`.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send()` or `.stream()` is awaited"]
pub struct V1ChatCall {
    client: Client,
    body: t1::ChatRequest,
    options: RequestOptions,
}

const V1_CHAT: Op = Op::unsafe_("chat");

impl V1ChatCall {
    pub(crate) fn new(client: Client, chatbot_id: String) -> Self {
        V1ChatCall {
            client,
            body: t1::ChatRequest {
                chatbot_id,
                messages: Vec::new(),
                conversation_id: None,
                contact_id: None,
                model: None,
                temperature: None,
                stream: false,
            },
            options: RequestOptions::default(),
        }
    }

    /// Appends one message to the history.
    pub fn message(mut self, role: Role, content: impl Into<String>) -> Self {
        self.body.messages.push(t1::ChatRequestMessage {
            role,
            content: content.into(),
        });
        self
    }

    /// Appends a user message.
    pub fn user(self, content: impl Into<String>) -> Self {
        self.message(Role::User, content)
    }

    /// Appends an assistant message.
    pub fn assistant(self, content: impl Into<String>) -> Self {
        self.message(Role::Assistant, content)
    }

    /// Appends many messages.
    pub fn messages<I, S>(mut self, messages: I) -> Self
    where
        I: IntoIterator<Item = (Role, S)>,
        S: Into<String>,
    {
        for (role, content) in messages {
            self = self.message(role, content);
        }
        self
    }

    /// Caller-chosen conversation id (saves the exchange to the dashboard).
    pub fn conversation_id(mut self, id: impl Into<String>) -> Self {
        self.body.conversation_id = Some(id.into());
        self
    }

    /// External contact id.
    pub fn contact_id(mut self, id: impl Into<String>) -> Self {
        self.body.contact_id = Some(id.into());
        self
    }

    /// Model override (free string: the accepted list changes often).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        // Read as the wire would be: a known model, another model name, or (never failing) the raw string.
        let model = serde_json::Value::String(model.into());
        self.body.model =
            Some(serde_json::from_value(model.clone()).unwrap_or(t1::AiModelValue::Unknown(model)));
        self
    }

    /// Temperature 0–1.
    pub fn temperature(mut self, t: f64) -> Self {
        self.body.temperature = Some(t);
        self
    }

    /// Retries for this call only.
    pub fn max_retries(mut self, n: usize) -> Self {
        self.options = self.options.max_retries(n);
        self
    }

    /// Per-call options (retries, timeout, stream bounds).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.body.messages.is_empty() {
            return Err(Error::invalid("v1 chat needs at least one message"));
        }
        if let Some(t) = self.body.temperature
            && !(0.0..=1.0).contains(&t)
        {
            return Err(Error::invalid("temperature must be between 0 and 1"));
        }
        Ok(())
    }

    /// Sends with `"stream": false` and returns the whole answer.
    pub async fn send(self) -> Result<V1ChatAnswer> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<V1ChatAnswer>> {
        Ok(self
            .send_raw_with_response()
            .await?
            .map(|raw| V1ChatAnswer::from(raw.into_value())))
    }

    /// Like [`send`](Self::send), returning the answer exactly as the server sent it.
    pub async fn send_raw(self) -> Result<crate::Raw<t1::ChatResponse>> {
        Ok(self.send_raw_with_response().await?.into_inner())
    }

    /// [`send_raw`](Self::send_raw), keeping status, headers and request id.
    pub async fn send_raw_with_response(
        mut self,
    ) -> Result<Response<crate::Raw<t1::ChatResponse>>> {
        self.validate()?;
        self.body.stream = false;
        let url = format!("{}/chat", self.client.v1_base_url());
        let body = &self.body;
        self.client
            .run_json_raw(V1_CHAT, &self.options, |http| {
                Ok(http.post(&url).json(body))
            })
            .await
    }

    /// Streams the answer as text chunks.
    pub async fn stream(mut self) -> Result<TextStream> {
        self.validate()?;
        self.body.stream = true;
        let url = format!("{}/chat", self.client.v1_base_url());
        let body = &self.body;
        let guarded = self
            .client
            .run_streaming(V1_CHAT, &self.options, |http| {
                Ok(http.post(&url).json(body))
            })
            .await?;
        let mut stream = TextStream::from_bytes(guarded.body, guarded.headers);
        stream.bounds = guarded.events;
        Ok(stream)
    }
}

/// Text chunks of a v1 chat answer. The decoder follows the response's `Content-Type`, never the body:
/// `text/event-stream` is read as SSE `data:` events ending in `data: [DONE]`; anything else (the documented
/// `text/plain`) is raw UTF-8 text, passed through whole.
pub struct TextStream {
    inner: BoxStream<'static, Result<String>>,
    headers: HeaderMap,
    /// Event idle and deadline: marked per chunk of text, polled while the body waits.
    bounds: Option<crate::idle::Watchdog>,
    done: bool,
}

impl std::fmt::Debug for TextStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextStream")
            .field("request_id", &self.request_id())
            .finish_non_exhaustive()
    }
}

impl TextStream {
    /// Decodes any byte stream (tests, recorded answers); `headers` decide the decoder (see the type's docs).
    pub fn from_bytes<S, E>(body: S, headers: HeaderMap) -> Self
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        TextStream {
            inner: text_chunks(Box::pin(body), is_event_stream(&headers)),
            headers,
            bounds: None,
            done: false,
        }
    }

    /// The `x-request-id` of the call.
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
    }

    /// Concatenates the whole answer.
    pub async fn collect_text(self) -> Result<String> {
        self.try_collect::<Vec<String>>().await.map(|v| v.concat())
    }
}

impl Stream for TextStream {
    type Item = Result<String>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if let Err(e) = crate::idle::check_overdue(&this.bounds) {
            this.done = true;
            return Poll::Ready(Some(Err(e)));
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(text))) => {
                if let Some(b) = &mut this.bounds {
                    b.mark();
                }
                Poll::Ready(Some(Ok(text)))
            }
            Poll::Ready(other) => {
                this.done = other.is_none() || this.done;
                Poll::Ready(other)
            }
            Poll::Pending => {
                let fired = std::task::ready!(crate::idle::poll_event_bounds(&mut this.bounds, cx));
                this.done = true;
                Poll::Ready(Some(Err(fired)))
            }
        }
    }
}

/// Whether the media type is `text/event-stream` (parameters and case ignored).
fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream"))
}

/// The v1 decoder: SSE `data:` events up to `[DONE]`, or raw UTF-8 text.
pub(crate) fn text_chunks<S, E>(body: S, sse: bool) -> BoxStream<'static, Result<String>>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Send + Unpin + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    if sse {
        sse_stream::SseByteStream::new(body)
            .map_err(crate::stream::sse_error)
            .try_take_while(|sse| {
                let done = sse.data.as_deref().map(str::trim) == Some("[DONE]");
                std::future::ready(Ok(!done))
            })
            .try_filter_map(|sse| std::future::ready(Ok(sse.data.filter(|d| !d.is_empty()))))
            .boxed()
    } else {
        utf8_chunks(body).boxed()
    }
}

/// Raw bytes to UTF-8 strings, holding back a code point split across reads and dropping one leading BOM.
/// Invalid UTF-8 is an error naming its byte offset, after all the valid text before it: never replaced, never
/// dropped. The result does not depend on how the body was cut into reads.
fn utf8_chunks<S, E>(body: S) -> impl Stream<Item = Result<String>> + Send + 'static
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Send + Unpin + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    fn invalid(at: usize, bytes: &[u8]) -> Error {
        Error::Decode {
            path: ".".into(),
            message: format!("the v1 answer is not valid UTF-8 at byte {at}"),
            snippet: crate::error::snippet(bytes),
        }
    }
    // (body, undecoded bytes, bytes already handed out, still looking for a BOM)
    stream::try_unfold(
        (body, Vec::<u8>::new(), 0usize, true),
        |(mut body, mut pending, mut consumed, mut first)| async move {
            loop {
                if !first {
                    let (cut, bad) = match std::str::from_utf8(&pending) {
                        Ok(_) => (pending.len(), None),
                        Err(e) => (e.valid_up_to(), e.error_len()),
                    };
                    if cut > 0 {
                        let rest = pending.split_off(cut);
                        consumed += cut;
                        let text = String::from_utf8(pending)
                            .map_err(|e| invalid(consumed - cut, e.as_bytes()))?;
                        return Ok(Some((text, (body, rest, consumed, first))));
                    }
                    if let Some(len) = bad {
                        return Err(invalid(consumed, &pending[..len]));
                    }
                }
                match body.next().await {
                    Some(Ok(chunk)) => {
                        pending.extend_from_slice(&chunk);
                        if first && !(pending.len() < BOM.len() && BOM.starts_with(&pending)) {
                            first = false;
                            if pending.starts_with(BOM) {
                                pending.drain(..BOM.len());
                                consumed += BOM.len();
                            }
                        }
                    }
                    Some(Err(e)) => return Err(any_body_error(e)),
                    None if pending.is_empty() => return Ok(None),
                    // An unfinished code point (or BOM) at the very end.
                    None => return Err(invalid(consumed, &pending)),
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(content_type: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_str(content_type).unwrap(),
        );
        h
    }

    async fn decode(parts: &[&[u8]], headers: HeaderMap) -> Result<String> {
        let v: Vec<std::result::Result<Bytes, std::io::Error>> = parts
            .iter()
            .map(|p| Ok(Bytes::copy_from_slice(p)))
            .collect();
        TextStream::from_bytes(stream::iter(v), headers)
            .collect_text()
            .await
    }

    async fn text(parts: &[&[u8]]) -> String {
        decode(parts, typed("text/plain; charset=utf-8"))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn raw_text_chunks_pass_through_and_split_utf8_is_rejoined() {
        let s = "Grüße aus Köln";
        let bytes = s.as_bytes();
        let parts: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(text(&parts).await, s);
    }

    #[tokio::test]
    async fn an_event_stream_content_type_reads_sse_data_up_to_done() {
        let body = b"data: Hello\n\ndata:  world\n\ndata: [DONE]\n\ndata: ignored\n\n";
        let got = decode(
            &[&body[..7], &body[7..]],
            typed("Text/Event-Stream; charset=utf-8"),
        )
        .await
        .unwrap();
        assert_eq!(got, "Hello world");
    }

    #[tokio::test]
    async fn plain_text_is_never_sniffed_as_sse() {
        assert_eq!(text(&[b"da"]).await, "da");
        assert_eq!(text(&[b"Hi"]).await, "Hi");
        let body = b"data: [DONE]\n\ndata: x";
        assert_eq!(text(&[body]).await, "data: [DONE]\n\ndata: x");
        // No content type at all: raw text too.
        assert_eq!(
            decode(&[body], HeaderMap::new()).await.unwrap(),
            "data: [DONE]\n\ndata: x"
        );
    }

    #[tokio::test]
    async fn a_bom_is_dropped_only_at_the_start() {
        assert_eq!(text(&[b"\xEF", b"\xBB\xBFok"]).await, "ok");
        assert_eq!(text(&[b"a", b"\xEF\xBB\xBFb"]).await, "a\u{feff}b");
        assert_eq!(text(&[b"\xEF\xBB\xBF"]).await, "");
    }

    #[tokio::test]
    async fn invalid_utf8_is_an_error_naming_the_offset() {
        for parts in [
            &[b"ok \xff rest".as_slice()][..],
            &[b"ok ", b"\xff", b" rest"],
            &[b"ok \xC3"], // cut inside a code point at the end
        ] {
            match decode(parts, typed("text/plain")).await {
                Err(Error::Decode { message, .. }) => {
                    assert!(message.contains("byte 3"), "{message}")
                }
                other => panic!("{parts:?}: {other:?}"),
            }
        }
    }
}
