//! Property checks over untrusted input, shared by the `proptest` suites in `cargo test` and the cargo-fuzz targets
//! in `fuzz/`: each `check_*` function feeds raw bytes to one decoder and panics only when a property is broken
//! (or the decoder itself panics). Not part of the stable API.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::error::Error;
use crate::stream::{ChatEvent, ChatStream};
use crate::v1::TextStream;

/// What a decoder produced: the items up to the first error, and that error's message.
#[derive(Debug, PartialEq)]
pub struct Outcome<T> {
    /// Items in order.
    pub items: Vec<T>,
    /// The error that ended the stream, if any.
    pub error: Option<String>,
}

/// Cuts `bytes` at the positions in `splits` (taken modulo the length + 1, sorted; repeats give empty chunks).
pub fn chunk(bytes: &[u8], splits: &[u16]) -> Vec<Bytes> {
    let mut cuts: Vec<usize> = splits
        .iter()
        .map(|&s| usize::from(s) % (bytes.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut at = 0;
    for cut in cuts {
        out.push(Bytes::copy_from_slice(&bytes[at..cut]));
        at = cut;
    }
    out.push(Bytes::copy_from_slice(&bytes[at..]));
    out
}

fn body(
    chunks: Vec<Bytes>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::iter(chunks.into_iter().map(Ok))
}

fn drain<S, T>(mut s: S) -> Outcome<T>
where
    S: futures::Stream<Item = Result<T, Error>> + Unpin,
{
    futures::executor::block_on(async {
        let mut items = Vec::new();
        while let Some(item) = s.next().await {
            match item {
                Ok(v) => items.push(v),
                Err(e) => {
                    return Outcome {
                        items,
                        error: Some(e.to_string()),
                    };
                }
            }
        }
        Outcome { items, error: None }
    })
}

/// Decodes a v2 chat stream delivered in `chunks`.
pub fn decode_chat(chunks: Vec<Bytes>) -> Outcome<ChatEvent> {
    drain(ChatStream::from_bytes(body(chunks), HeaderMap::new()))
}

/// Decodes a v1 answer delivered in `chunks`, as SSE or as raw text.
pub fn decode_v1(chunks: Vec<Bytes>, sse: bool) -> Outcome<String> {
    let mut headers = HeaderMap::new();
    let media = if sse {
        "text/event-stream"
    } else {
        "text/plain"
    };
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static(media),
    );
    drain(TextStream::from_bytes(body(chunks), headers))
}

/// Property: however a v2 chat stream is cut into reads (empty reads, cuts inside CRLF or inside a UTF-8
/// sequence), it decodes to the same events and the same ending as when it arrives whole.
pub fn check_chat_chunking(bytes: &[u8], splits: &[u16]) {
    let whole = decode_chat(vec![Bytes::copy_from_slice(bytes)]);
    let cut = decode_chat(chunk(bytes, splits));
    assert_eq!(whole, cut, "chunking changed the result");
}

/// Property: LF, CRLF and lone CR line endings are equivalent in an SSE stream. Inputs that already hold a CR, or
/// that are newline-delimited JSON (LF only by definition), are not tested.
pub fn check_chat_line_endings(bytes: &[u8], splits: &[u16]) {
    let first = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    if bytes.contains(&b'\r') || first == Some(&b'{') {
        return;
    }
    let lf = decode_chat(chunk(bytes, splits));
    for ending in [b"\r\n".as_slice(), b"\r"] {
        let mut other = Vec::with_capacity(bytes.len() * 2);
        for &b in bytes {
            if b == b'\n' {
                other.extend_from_slice(ending);
            } else {
                other.push(b);
            }
        }
        let got = decode_chat(chunk(&other, splits));
        assert_eq!(lf, got, "line ending {ending:?} changed the result");
    }
}

/// Property: no single event payload panics the event decoder, whatever its SSE event name.
pub fn check_event_decoder(data: &[u8], event: &[u8]) {
    let data = String::from_utf8_lossy(data);
    let event = String::from_utf8_lossy(event);
    let _ = crate::stream::decode_payload(&data, Some(&event));
    let _ = crate::stream::decode_payload(&data, None);
}

/// Properties of the v1 decoder: chunking never changes the result (raw text and SSE); valid UTF-8 raw text comes
/// through byte for byte (less one leading BOM); invalid UTF-8 is an error, never a silent replacement.
pub fn check_v1_text(bytes: &[u8], splits: &[u16]) {
    for sse in [false, true] {
        let whole = decode_v1(vec![Bytes::copy_from_slice(bytes)], sse);
        let cut = decode_v1(chunk(bytes, splits), sse);
        assert_eq!(
            whole.error, cut.error,
            "chunking changed the ending (sse: {sse})"
        );
        if sse {
            assert_eq!(whole.items, cut.items, "chunking changed the events");
        } else {
            assert_eq!(
                whole.items.concat(),
                cut.items.concat(),
                "chunking changed the text"
            );
        }
    }
    let raw = decode_v1(chunk(bytes, splits), false);
    let text = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(bytes);
    match std::str::from_utf8(text) {
        Ok(s) => {
            assert_eq!(raw.error, None);
            assert_eq!(raw.items.concat(), s, "raw text was altered");
        }
        Err(_) => assert!(raw.error.is_some(), "invalid UTF-8 passed silently"),
    }
}

/// Property: no status and body panic the error-envelope parser, its status is the one given,
/// the body is kept verbatim (up to its cap) and a foreign answer never has a code.
pub fn check_error_envelope(status: u16, body: &[u8]) {
    let status = StatusCode::from_u16(400 + status % 200).unwrap_or(StatusCode::BAD_REQUEST);
    let url = reqwest::Url::parse("http://127.0.0.1:9/api/v2/agents").ok();
    let e = crate::error::parse_api_error(status, &HeaderMap::new(), body, url.as_ref());
    assert_eq!(e.status, status);
    assert!(
        body.starts_with(&e.body),
        "the kept body differs from the one received"
    );
    assert!(
        !e.foreign || e.code.is_none(),
        "a foreign answer got a code"
    );
}

/// Property: no header value panics the number parsers, and no wait exceeds the cap.
pub fn check_header_numbers(raw: &[u8], now_secs: u64) {
    const CAP: Duration = Duration::from_secs(60);
    let now = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(now_secs % 10_000_000_000))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    for wait in [
        crate::headers::retry_after_ms(raw, CAP),
        crate::headers::retry_after(raw, now, CAP),
        crate::headers::rate_limit_reset(raw, now, CAP),
    ] {
        assert!(wait.is_none_or(|w| w <= CAP), "{raw:?} gave {wait:?}");
    }
    if let Ok(v) = reqwest::header::HeaderValue::from_bytes(raw) {
        let _ = crate::headers::count(&v);
        let mut h = HeaderMap::new();
        for name in ["retry-after-ms", "retry-after", "x-ratelimit-reset"] {
            h.insert(name, v.clone());
        }
        let wait = crate::headers::server_wait(&h, now, CAP);
        assert!(wait.is_none_or(|w| w <= CAP));
    }
}
