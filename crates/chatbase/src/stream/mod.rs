//! The v2 chat stream: [`ChatStream`] turns a response body into typed [`ChatEvent`]s, enforcing the stream's
//! bounds and reporting truncation.
//!
//! Accepts SSE `data:` blocks ending in `data: [DONE]`, SSE with `event:` fields, and bare
//! newline-delimited JSON (see `frame`). A stream that ends before
//! `finish`/`[DONE]` yields [`Error::StreamTruncated`]; an `error` event yields [`Error::Api`].
//! No task is spawned: dropping a [`ChatStream`] drops the response and closes the connection.
//! Sending requests is not done here (see [`crate::chat`]).
//!
//! Layering (each module only uses those below it): `frame` (bytes → payloads) and `events` (the types) at the
//! bottom, `decode` (payload → event) and `accumulate` (events → [`ChatAnswer`]) above them, and
//! [`ChatStream`] here on top.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::stream::{Stream, StreamExt};
use reqwest::header::HeaderMap;

use crate::body::erase;
use crate::error::{Error, Result, stream_error};

mod accumulate;
pub(crate) mod decode;
mod events;
pub(crate) mod frame;
mod raw;

pub use accumulate::{ChatAnswer, ToolCall};
pub(crate) use decode::{Decoded, decode_payload};
pub use events::{ChatEvent, ChatMetadata, FinishReason};
use frame::Framer;
pub(crate) use frame::sse_error;
pub use raw::{RawChatStream, RawEvent};

/// A live v2 chat stream: a `Stream<Item = Result<ChatEvent, Error>>` that is `Unpin` (no `pin!` needed) and
/// accumulates the answer as its events go by, so one stream can both print the text as it arrives and hand back
/// the whole [`ChatAnswer`] (ids, credits, tool calls) at the end.
///
/// Where the facts arrive: the assistant message id in [`ChatEvent::MessageStart`]; the conversation id (a new
/// conversation gets its id here), the finish reason and the credits used (`usage.credits`) in
/// [`ChatEvent::MessageMetadata`] and [`ChatEvent::Finish`], at the end of the stream. [`response`](Self::response)
/// has them merged as far as the stream has got; [`final_response`](Self::final_response) reads to the end first.
///
/// Print the text, then keep the answer:
///
/// ```no_run
/// # async fn demo(client: chatbase::Client) -> Result<(), chatbase::Error> {
/// let mut stream = client.agent("agent-id").chat("Hello").stream().await?;
/// while let Some(text) = stream.next_text().await? {
///     print!("{text}");
/// }
/// let answer = stream.final_response().await?;
/// println!("\nconversation {:?}, {:?} credits", answer.metadata.conversation_id, answer.metadata.credits);
/// # Ok(()) }
/// ```
///
/// Or look at every event:
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
/// let conversation = stream.response().metadata.conversation_id.clone();
/// # Ok(()) }
/// ```
pub struct ChatStream {
    frames: Framer,
    headers: HeaderMap,
    /// Everything yielded so far, merged (its `text` is also the partial text of a truncated stream).
    answer: ChatAnswer,
    finished: bool,
    done: bool,
    /// Event idle and deadline: marked per event, polled while the framer waits.
    bounds: Option<crate::idle::Watchdog>,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream")
            .field("request_id", &self.request_id())
            .field("text_len", &self.answer.text.len())
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
            answer: ChatAnswer::default(),
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

    /// The answer as far as the stream has got: the text, tool calls and metadata of every event yielded so far,
    /// merged. Complete once the stream has ended (see [`final_response`](Self::final_response)).
    pub fn response(&self) -> &ChatAnswer {
        &self.answer
    }

    /// The next piece of answer text, taking in every other event on the way (so [`response`](Self::response)
    /// stays complete); `None` once the stream has ended.
    pub async fn next_text(&mut self) -> Result<Option<String>> {
        while let Some(ev) = self.next().await {
            if let ChatEvent::TextDelta { delta, .. } = ev? {
                return Ok(Some(delta));
            }
        }
        Ok(None)
    }

    /// Only the answer text, as it arrives; [`TextDeltas::final_response`] then gives the whole answer.
    pub fn text_stream(self) -> TextDeltas {
        TextDeltas { inner: self }
    }

    /// Reads the rest of the stream and returns the whole answer, including what was read before this call.
    pub async fn final_response(mut self) -> Result<ChatAnswer> {
        while let Some(ev) = self.next().await {
            ev?;
        }
        Ok(self.answer)
    }
}

/// The text of a [`ChatStream`], one delta at a time (`Stream<Item = Result<String, Error>>`, `Unpin`), from
/// [`ChatStream::text_stream`]. The stream still takes in every event, so the whole answer is there at the end.
///
/// ```no_run
/// use futures::StreamExt;
/// # async fn demo(client: chatbase::Client) -> Result<(), chatbase::Error> {
/// let mut text = client.agent("agent-id").chat("Hello").stream().await?.text_stream();
/// while let Some(delta) = text.next().await {
///     print!("{}", delta?);
/// }
/// let credits = text.final_response().await?.metadata.credits;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TextDeltas {
    inner: ChatStream,
}

impl TextDeltas {
    /// The answer as far as the stream has got (see [`ChatStream::response`]).
    pub fn response(&self) -> &ChatAnswer {
        self.inner.response()
    }

    /// Reads the rest of the stream and returns the whole answer (see [`ChatStream::final_response`]).
    pub async fn final_response(self) -> Result<ChatAnswer> {
        self.inner.final_response().await
    }

    /// The underlying event stream.
    pub fn into_inner(self) -> ChatStream {
        self.inner
    }
}

impl Stream for TextDeltas {
    type Item = Result<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match ready!(Pin::new(&mut self.inner).poll_next(cx)) {
                Some(Ok(ChatEvent::TextDelta { delta, .. })) => {
                    return Poll::Ready(Some(Ok(delta)));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_event(cx)
            .map(|item| item.map(|res| res.map(|(event, _)| event)))
    }
}

impl ChatStream {
    /// Every event together with the JSON text it was decoded from (see [`RawEvent`]).
    pub fn with_raw(self) -> RawChatStream {
        RawChatStream(self)
    }

    /// The next event and the frame it was decoded from.
    #[inline]
    fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(ChatEvent, frame::Frame)>>> {
        let this = self;
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
                        partial: this.answer.text.clone(),
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
                            partial: this.answer.text.clone(),
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
                            this.finished |= matches!(ev, ChatEvent::Finish { .. });
                            this.answer.absorb(&ev);
                            return Poll::Ready(Some(Ok((ev, frame))));
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
    use futures::TryStreamExt;
    use futures::stream;

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
        assert_eq!(r.metadata.message_id.as_deref(), Some("m1"));
        assert_eq!(r.metadata.conversation_id.as_deref(), Some("c1"));
        assert_eq!(r.metadata.user_message_id.as_deref(), Some("u1"));
        assert_eq!(r.metadata.credits, Some(2.0));
        assert_eq!(r.metadata.finish_reason, Some(FinishReason::Stop));
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

    #[tokio::test]
    async fn text_stream_yields_only_deltas() {
        let s = ChatStream::from_bytes(chunks(&[SSE.as_bytes()]), HeaderMap::new());
        let parts: Vec<String> = s.text_stream().try_collect().await.unwrap();
        assert_eq!(parts, vec!["Hel", "lo"]);
    }

    #[test]
    fn streams_are_unpin() {
        fn unpin<T: Unpin>() {}
        unpin::<ChatStream>();
        unpin::<TextDeltas>();
    }

    #[tokio::test]
    async fn one_stream_prints_the_text_and_returns_the_whole_answer() {
        let mut s = ChatStream::from_bytes(chunks(&[SSE.as_bytes()]), HeaderMap::new());
        let mut printed = String::new();
        while let Some(t) = s.next_text().await.unwrap() {
            printed.push_str(&t);
        }
        assert_eq!(printed, "Hello");
        assert_eq!(s.response().metadata.conversation_id.as_deref(), Some("c1"));
        let r = s.final_response().await.unwrap();
        assert_eq!(r.text, "Hello");
        assert_eq!(r.metadata.credits, Some(2.0));
        assert_eq!(r.metadata.message_id.as_deref(), Some("m1"));

        let mut text =
            ChatStream::from_bytes(chunks(&[SSE.as_bytes()]), HeaderMap::new()).text_stream();
        let first = text.next().await.unwrap().unwrap();
        assert_eq!(first, "Hel");
        let r = text.final_response().await.unwrap();
        assert_eq!(r.text, "Hello");
        assert_eq!(r.metadata.user_message_id.as_deref(), Some("u1"));
    }

    #[tokio::test]
    async fn events_serialize_back_to_what_was_sent() {
        let (evs, err) = collect(&[SSE.as_bytes()]).await;
        assert!(err.is_none(), "{err:?}");
        let sent: Vec<&str> = SSE
            .split("\n\n")
            .filter_map(|b| b.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .collect();
        assert_eq!(evs.len(), sent.len());
        for (ev, data) in evs.iter().zip(sent) {
            let want: serde_json::Value = serde_json::from_str(data).unwrap();
            assert_eq!(serde_json::to_value(ev).unwrap(), want, "{data}");
            // And reading the written form back gives the same event.
            let again = serde_json::to_string(ev).unwrap();
            match decode_payload(&again, None).unwrap() {
                Decoded::Event(back) => assert_eq!(&back, ev),
                other => panic!("{other:?}"),
            }
        }
        let unknown = r#"{"type":"data-weather","data":{"t":1}}"#;
        match decode_payload(unknown, None).unwrap() {
            Decoded::Event(ev) => assert_eq!(
                serde_json::to_value(&ev).unwrap(),
                serde_json::from_str::<serde_json::Value>(unknown).unwrap()
            ),
            other => panic!("{other:?}"),
        }
    }
}
