//! The type-erased response body every stream reads ([`Body`]) and the mapping of its errors back to
//! [`Error`]: transport failures, `reqwest` timeouts and the idle guard's [`IdleElapsed`]. Sits below both
//! [`crate::idle`] and [`crate::stream`], importing neither.

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};

use crate::error::{Error, TimeoutKind, TransportKind};

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

pub(crate) fn transport(inner: Box<dyn std::error::Error + Send + Sync>) -> Error {
    if let Some(idle) = inner.downcast_ref::<IdleElapsed>() {
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

/// The error a body yields when nothing arrived for the idle timeout; it carries which setting governs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdleElapsed(pub(crate) TimeoutKind);

impl std::fmt::Display for IdleElapsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "timed out ({})", self.0)
    }
}

impl std::error::Error for IdleElapsed {}
