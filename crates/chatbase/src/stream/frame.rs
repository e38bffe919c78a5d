//! Framing of a chat response body into payloads: SSE (`data:` blocks, `event:` fields, comments; parsed by
//! `sse-stream`) or bare newline-delimited JSON, chosen by sniffing the first meaningful byte. Knows nothing of
//! what a payload means (see [`super::decode`]).

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BytesMut};
use futures::stream::{self, Stream, StreamExt};

use crate::body::{Body, body_error, transport};
use crate::error::{Error, Result};

/// A framed payload: the SSE event name (if any) and its data.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) event: Option<String>,
    pub(crate) data: String,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

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
