//! The idle (per-read) timeout of streamed bodies.
//!
//! `reqwest`'s `read_timeout` re-arms a timer, reading the clock, on every body frame. A chat stream delivers one
//! frame per event, so on a fast stream that re-arming is a large share of the client's work. Streams are therefore
//! sent on a client without `read_timeout` and wrapped here instead: each frame only sets a flag, and a timer that
//! ticks every eighth of the timeout checks it. A body that stays silent for the whole timeout fails with
//! [`IdleElapsed`] after between 1 and 1⅛ timeouts; a body that keeps delivering costs no clock read per frame.

use crate::stream::BodyError;
use bytes::Bytes;
use futures::Stream;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Ticks of the idle timer per timeout.
const SLICES: u32 = 8;

/// The error a body yields when nothing arrived for the idle timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdleElapsed;

impl std::fmt::Display for IdleElapsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no data arrived within the idle read timeout")
    }
}

impl std::error::Error for IdleElapsed {}

/// A body stream that fails with [`IdleElapsed`] after `timeout` without a frame.
pub(crate) struct IdleTimeout<S> {
    inner: S,
    tick: Pin<Box<Sleep>>,
    slice: Duration,
    /// A frame arrived since the last tick.
    active: bool,
    /// Ticks in a row without a frame.
    quiet: u32,
    /// The waker the tick was last polled with.
    registered: Option<Waker>,
    failed: bool,
}

impl<S> IdleTimeout<S> {
    pub(crate) fn new(inner: S, timeout: Duration) -> Self {
        let slice = (timeout / SLICES).max(Duration::from_millis(1));
        IdleTimeout {
            inner,
            tick: Box::pin(tokio::time::sleep(slice)),
            slice,
            active: false,
            quiet: 0,
            registered: None,
            failed: false,
        }
    }
}

impl<S, E> Stream for IdleTimeout<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Item = Result<Bytes, BodyError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            this.active = true;
            return Poll::Ready(item.map(|r| r.map_err(|e| BodyError(e.into()))));
        }
        loop {
            // The tick's waker registration outlives a poll: while the same task polls, an unelapsed tick needs
            // no poll (a timer poll per frame is what this type exists to avoid).
            if !this.tick.is_elapsed() {
                if this
                    .registered
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    return Poll::Pending;
                }
                if this.tick.as_mut().poll(cx).is_pending() {
                    this.registered = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
            if std::mem::take(&mut this.active) {
                this.quiet = 0;
            } else {
                this.quiet += 1;
                if this.quiet >= SLICES {
                    this.failed = true;
                    return Poll::Ready(Some(Err(BodyError(Box::new(IdleElapsed)))));
                }
            }
            let next = Instant::now() + this.slice;
            this.tick.as_mut().reset(next);
            this.registered = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test(start_paused = true)]
    async fn a_silent_body_fails_after_the_timeout() {
        let body = futures::stream::pending::<Result<Bytes, std::io::Error>>();
        let mut s = IdleTimeout::new(body, Duration::from_secs(8));
        let started = Instant::now();
        let err = s.next().await.unwrap().unwrap_err();
        assert!(err.0.is::<IdleElapsed>());
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(8), "{waited:?}");
        assert!(waited <= Duration::from_secs(9), "{waited:?}");
        assert!(s.next().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_but_steady_body_never_times_out() {
        // A frame every 0.9 timeouts: never idle for a whole timeout.
        let body = futures::stream::unfold(0, |n| async move {
            if n == 20 {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(900)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"x")), n + 1))
        });
        let s = IdleTimeout::new(Box::pin(body), Duration::from_secs(1));
        let frames: Vec<_> = s.collect().await;
        assert_eq!(frames.len(), 20);
        assert!(frames.iter().all(Result::is_ok));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stall_after_frames_is_detected() {
        let body = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"a"))])
            .chain(futures::stream::pending());
        let mut s = IdleTimeout::new(body, Duration::from_millis(800));
        assert_eq!(s.next().await.unwrap().unwrap(), Bytes::from_static(b"a"));
        let started = Instant::now();
        assert!(s.next().await.unwrap().unwrap_err().0.is::<IdleElapsed>());
        assert!(started.elapsed() <= Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn the_tick_wakes_whichever_task_polls_now() {
        let body = futures::stream::pending::<Result<Bytes, std::io::Error>>();
        let mut s = IdleTimeout::new(body, Duration::from_secs(8));
        let noop = futures::task::noop_waker();
        assert!(
            Pin::new(&mut s)
                .poll_next(&mut Context::from_waker(&noop))
                .is_pending()
        );
        // Polled from here on by this task: its waker, not the first one, must get the ticks.
        let next = tokio::time::timeout(Duration::from_secs(60), s.next()).await;
        let err = next
            .expect("the tick never woke the polling task")
            .unwrap()
            .unwrap_err();
        assert!(err.0.is::<IdleElapsed>());
    }
}
