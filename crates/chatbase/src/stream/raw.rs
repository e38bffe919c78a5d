//! Events together with the JSON text they were decoded from ([`ChatStream::with_raw`]), for callers that pass the
//! server's own payload on unchanged, such as the CLI's `--format ndjson`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::Stream;
use reqwest::header::HeaderMap;

use super::events::ChatEvent;
use super::frame::Frame;
use super::{ChatAnswer, ChatStream};
use crate::error::Result;

/// A [`ChatEvent`] together with the JSON text it was decoded from. Yielded by [`RawChatStream`].
#[derive(Debug, Clone)]
pub struct RawEvent {
    event: ChatEvent,
    frame: Frame,
}

impl RawEvent {
    pub(super) fn new(event: ChatEvent, frame: Frame) -> Self {
        RawEvent { event, frame }
    }

    /// The decoded event.
    pub fn event(&self) -> &ChatEvent {
        &self.event
    }

    /// The decoded event, without its text.
    pub fn into_event(self) -> ChatEvent {
        self.event
    }

    /// The event's JSON exactly as the server sent it, without surrounding whitespace: the SSE `data:` payload
    /// (several `data:` lines joined by `\n`, which is whitespace between JSON tokens) or the NDJSON line. Always
    /// one JSON value, since the event was decoded from it.
    pub fn json(&self) -> &str {
        self.frame.data.trim()
    }

    /// The SSE `event:` name sent with it, if any; it is the event's kind when the JSON has no `type`.
    pub fn sse_event(&self) -> Option<&str> {
        self.frame.event.as_deref()
    }
}

/// A [`ChatStream`] that yields each event with the JSON text it came from. The same decoding, errors and guards;
/// the text is the frame the decoder read, so keeping it costs no copy.
#[derive(Debug)]
pub struct RawChatStream(pub(super) ChatStream);

impl RawChatStream {
    /// The `x-request-id` of the chat call.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id()
    }

    /// Response headers of the chat call.
    pub fn headers(&self) -> &HeaderMap {
        self.0.headers()
    }

    /// The answer as far as the stream has got (see [`ChatStream::response`]).
    pub fn response(&self) -> &ChatAnswer {
        self.0.response()
    }

    /// The stream of typed events, from where this one stopped.
    pub fn into_inner(self) -> ChatStream {
        self.0
    }
}

impl Stream for RawChatStream {
    type Item = Result<RawEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0
            .poll_event(cx)
            .map(|item| item.map(|res| res.map(|(event, frame)| RawEvent::new(event, frame))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use futures::TryStreamExt;

    fn raw_events(parts: &[&[u8]]) -> Vec<RawEvent> {
        let v: Vec<std::result::Result<Bytes, std::io::Error>> = parts
            .iter()
            .map(|p| Ok(Bytes::copy_from_slice(p)))
            .collect();
        let s = ChatStream::from_bytes(futures::stream::iter(v), HeaderMap::new()).with_raw();
        futures::executor::block_on(s.try_collect()).unwrap()
    }

    #[test]
    fn raw_events_carry_the_payload_as_sent() {
        let body = concat!(
            "data: {\"type\":\"start\", \"messageId\":\"m1\",\"usage\":{\"credits\":1e3}}\n\n",
            "event: text-delta\r\ndata: {\"id\":\"t\",\r\ndata:  \"delta\":\"a\"}\r\n\r\n",
            ": comment\n\n",
            "data: {\"type\":\"finish\"}\n\n",
            "data: [DONE]\n\n",
        );
        let parts: Vec<&[u8]> = body.as_bytes().chunks(7).collect();
        let evs = raw_events(&parts);
        let json: Vec<&str> = evs.iter().map(RawEvent::json).collect();
        assert_eq!(
            json,
            [
                "{\"type\":\"start\", \"messageId\":\"m1\",\"usage\":{\"credits\":1e3}}",
                "{\"id\":\"t\",\n \"delta\":\"a\"}",
                "{\"type\":\"finish\"}",
            ]
        );
        assert_eq!(evs[0].sse_event(), None);
        assert_eq!(evs[1].sse_event(), Some("text-delta"));
        assert!(matches!(evs[1].event(), ChatEvent::TextDelta { delta, .. } if delta == "a"));

        let nd = "{\"type\":\"text-delta\",\"delta\":\"b\"} \r\n{\"type\":\"finish\"}";
        let evs = raw_events(&[nd.as_bytes()]);
        let json: Vec<&str> = evs.iter().map(RawEvent::json).collect();
        assert_eq!(
            json,
            [
                "{\"type\":\"text-delta\",\"delta\":\"b\"}",
                "{\"type\":\"finish\"}"
            ]
        );
    }
}
