//! The one guard every response body is read through, and the timers of a stream: transport idle (any byte
//! resets it), event idle (only a decoded event resets it; comments and keep-alives do not) and an overall
//! deadline. [`Watchdog`] is the single timer behind all three; [`IdleTimeout`] applies it to a byte stream and
//! [`read_body`] uses that to read a whole body (success or error), so no body read can wait forever.
//!
//! `reqwest`'s `read_timeout` re-arms a timer, reading the clock, on every body frame. A chat stream delivers one
//! frame per event, so on a fast stream that re-arming is a large share of the client's work. A [`Watchdog`]
//! therefore only sets a flag per frame, and a timer that ticks every eighth of the timeout checks it: a body that
//! stays silent for the whole timeout fails after between 1 and 1⅛ timeouts, and one that keeps delivering costs no
//! clock read per frame. A deadline fires exactly when it is due.

use crate::body::{BodyError, IdleElapsed};
use crate::error::{Error, Result, TimeoutKind};
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Ticks of the idle timer per timeout.
const SLICES: u32 = 8;

/// The longest an error body may be before the rest is dropped: an endless error body must not hang a caller.
pub(crate) const MAX_ERROR_BODY: usize = 1 << 20;

/// The bounds of one streamed answer, resolved from the client and the call's options. `None` is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamBounds {
    /// Transport idle: the longest silence on the connection (any byte resets it), and the wait for headers.
    pub(crate) idle: Option<Duration>,
    /// Event idle: the longest time without a decoded event (comments and `: ping` do not count).
    pub(crate) event_idle: Option<Duration>,
    /// Overall deadline from the start of the call.
    pub(crate) deadline: Option<Duration>,
}

impl StreamBounds {
    /// When the deadline is due, counted from now (`None` when off or beyond any representable instant).
    pub(crate) fn deadline_from_now(&self) -> Option<Instant> {
        self.deadline.and_then(|d| Instant::now().checked_add(d))
    }
}

/// A zero duration switches a bound off.
pub(crate) fn nonzero(d: Duration) -> Option<Duration> {
    (!d.is_zero()).then_some(d)
}

/// Which timer fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fired {
    Idle,
    Deadline,
}

/// An idle timer (reset by [`mark`](Self::mark)) and/or a fixed deadline, polled only while the guarded stream
/// is pending.
pub(crate) struct Watchdog {
    /// Tick length, when there is an idle timer.
    slice: Option<Duration>,
    deadline: Option<Instant>,
    tick: Pin<Box<Sleep>>,
    /// Activity since the last tick.
    active: bool,
    /// Ticks in a row without activity.
    quiet: u32,
    /// The waker the tick was last polled with.
    registered: Option<Waker>,
}

impl Watchdog {
    /// `None` when both timers are off.
    pub(crate) fn new(idle: Option<Duration>, deadline: Option<Instant>) -> Option<Self> {
        if idle.is_none() && deadline.is_none() {
            return None;
        }
        let slice = idle.map(|t| (t / SLICES).max(Duration::from_millis(1)));
        let mut w = Watchdog {
            slice,
            deadline,
            tick: Box::pin(tokio::time::sleep(Duration::ZERO)),
            active: false,
            quiet: 0,
            registered: None,
        };
        let next = w.next_tick(Instant::now());
        w.tick.as_mut().reset(next);
        Some(w)
    }

    fn next_tick(&self, now: Instant) -> Instant {
        // `checked_add`: a huge timeout means "practically never", not an overflow panic.
        let far = || {
            now.checked_add(Duration::from_secs(86_400 * 365))
                .unwrap_or(now)
        };
        let idle = self
            .slice
            .map(|s| now.checked_add(s).unwrap_or_else(far))
            .unwrap_or_else(far);
        match self.deadline {
            Some(d) => idle.min(d),
            None => idle,
        }
    }

    /// Something that counts as progress arrived.
    pub(crate) fn mark(&mut self) {
        self.active = true;
    }

    /// Whether the deadline has passed, for a stream that is never pending (a flood). Reads the clock only once a
    /// tick has elapsed, so a steady stream pays nothing per item.
    pub(crate) fn overdue(&self) -> bool {
        self.tick.is_elapsed() && self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// `Ready` once a timer has fired; `Pending` (with the tick registered) otherwise.
    pub(crate) fn poll_fired(&mut self, cx: &mut Context<'_>) -> Poll<Fired> {
        loop {
            // The tick's waker registration outlives a poll: while the same task polls, an unelapsed tick needs
            // no poll (a timer poll per frame is what this type exists to avoid).
            if !self.tick.is_elapsed() {
                if self
                    .registered
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    return Poll::Pending;
                }
                if self.tick.as_mut().poll(cx).is_pending() {
                    self.registered = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
            let now = Instant::now();
            if self.deadline.is_some_and(|d| now >= d) {
                return Poll::Ready(Fired::Deadline);
            }
            if self.slice.is_some() {
                if std::mem::take(&mut self.active) {
                    self.quiet = 0;
                } else {
                    self.quiet += 1;
                    if self.quiet >= SLICES {
                        return Poll::Ready(Fired::Idle);
                    }
                }
            }
            let next = self.next_tick(now);
            self.tick.as_mut().reset(next);
            self.registered = None;
        }
    }
}

/// A body stream that fails with [`IdleElapsed`] after `timeout` without a frame (no timer when `None`).
pub(crate) struct IdleTimeout<S> {
    inner: S,
    dog: Option<Watchdog>,
    kind: TimeoutKind,
    failed: bool,
}

impl<S> IdleTimeout<S> {
    pub(crate) fn new(inner: S, timeout: Option<Duration>, kind: TimeoutKind) -> Self {
        IdleTimeout {
            inner,
            dog: Watchdog::new(timeout, None),
            kind,
            failed: false,
        }
    }
}

impl<S, E> Stream for IdleTimeout<S>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Item = std::result::Result<Bytes, BodyError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            if let Some(dog) = &mut this.dog {
                dog.mark();
            }
            return Poll::Ready(item.map(|r| r.map_err(|e| BodyError(e.into()))));
        }
        let Some(dog) = &mut this.dog else {
            return Poll::Pending;
        };
        std::task::ready!(dog.poll_fired(cx));
        this.failed = true;
        Poll::Ready(Some(Err(BodyError(Box::new(IdleElapsed(this.kind))))))
    }
}

/// A response body behind the idle guard.
pub(crate) type GuardedBody =
    IdleTimeout<futures::stream::BoxStream<'static, reqwest::Result<Bytes>>>;

/// The body of `resp` through the idle guard.
pub(crate) fn guarded_body(
    resp: reqwest::Response,
    idle: Option<Duration>,
    kind: TimeoutKind,
) -> GuardedBody {
    IdleTimeout::new(resp.bytes_stream().boxed(), idle, kind)
}

/// A streamed answer with its guards on: the only way a stream's body and timers are set up, for v1 and v2 alike.
pub(crate) struct GuardedStream {
    pub(crate) headers: reqwest::header::HeaderMap,
    /// Bytes through the stream idle guard.
    pub(crate) body: GuardedBody,
    /// Event idle and deadline, for the decoder to mark per event and poll while waiting.
    pub(crate) events: Option<Watchdog>,
}

impl GuardedStream {
    /// `due` is the deadline fixed when the call started (it also bounded the wait for `resp`).
    pub(crate) fn new(resp: reqwest::Response, bounds: StreamBounds, due: Option<Instant>) -> Self {
        GuardedStream {
            headers: resp.headers().clone(),
            body: guarded_body(resp, bounds.idle, TimeoutKind::StreamIdle),
            events: Watchdog::new(bounds.event_idle, due),
        }
    }
}

/// Reads a whole body through the idle guard, keeping at most `limit` bytes (the rest is not read).
pub(crate) async fn read_body(
    resp: reqwest::Response,
    idle: Option<Duration>,
    kind: TimeoutKind,
    limit: Option<usize>,
) -> Result<Bytes> {
    let mut body = guarded_body(resp, idle, kind);
    let mut buf = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(crate::body::body_error)?;
        match limit {
            Some(max) if buf.len() + chunk.len() >= max => {
                buf.extend_from_slice(&chunk[..max - buf.len()]);
                break;
            }
            _ => buf.extend_from_slice(&chunk),
        }
    }
    Ok(buf.freeze())
}

/// The deadline error when a stream that keeps delivering is past its deadline (checked before each item).
pub(crate) fn check_overdue(dog: &Option<Watchdog>) -> Result<()> {
    match dog {
        Some(d) if d.overdue() => Err(Error::Timeout(TimeoutKind::StreamDeadline)),
        _ => Ok(()),
    }
}

/// Polls a stream's event/deadline watchdog while the stream has nothing: `Ready` with the timeout error once a
/// timer fired. Streams call this from their `Pending` branch and [`Watchdog::mark`] on each event.
pub(crate) fn poll_event_bounds(dog: &mut Option<Watchdog>, cx: &mut Context<'_>) -> Poll<Error> {
    match dog {
        Some(d) => d.poll_fired(cx).map(|fired| {
            Error::Timeout(match fired {
                Fired::Idle => TimeoutKind::EventIdle,
                Fired::Deadline => TimeoutKind::StreamDeadline,
            })
        }),
        None => Poll::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_silent_body_fails_after_the_timeout() {
        let body = futures::stream::pending::<Result<Bytes, std::io::Error>>();
        let mut s = IdleTimeout::new(body, Some(Duration::from_secs(8)), TimeoutKind::Idle);
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
        let s = IdleTimeout::new(
            Box::pin(body),
            Some(Duration::from_secs(1)),
            TimeoutKind::Idle,
        );
        let frames: Vec<_> = s.collect().await;
        assert_eq!(frames.len(), 20);
        assert!(frames.iter().all(Result::is_ok));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stall_after_frames_is_detected() {
        let body = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"a"))])
            .chain(futures::stream::pending());
        let mut s = IdleTimeout::new(body, Some(Duration::from_millis(800)), TimeoutKind::Idle);
        assert_eq!(s.next().await.unwrap().unwrap(), Bytes::from_static(b"a"));
        let started = Instant::now();
        assert!(s.next().await.unwrap().unwrap_err().0.is::<IdleElapsed>());
        assert!(started.elapsed() <= Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn the_tick_wakes_whichever_task_polls_now() {
        let body = futures::stream::pending::<Result<Bytes, std::io::Error>>();
        let mut s = IdleTimeout::new(body, Some(Duration::from_secs(8)), TimeoutKind::Idle);
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

    /// Drives a watchdog the way a stream does: `mark` on each of `events` (at those offsets), poll in between.
    async fn fired_after(dog: &mut Watchdog, events: &[u64]) -> (Fired, Duration) {
        let started = Instant::now();
        let mut events = events.iter().peekable();
        loop {
            let next = events
                .peek()
                .map(|ms| started + Duration::from_millis(**ms));
            let fired = std::future::poll_fn(|cx| dog.poll_fired(cx));
            match next {
                Some(at) => {
                    tokio::select! {
                        f = fired => return (f, started.elapsed()),
                        _ = tokio::time::sleep_until(at) => {
                            dog.mark();
                            events.next();
                        }
                    }
                }
                None => return (fired.await, started.elapsed()),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_fires_exactly_when_due_even_with_steady_events() {
        let due = Instant::now() + Duration::from_millis(2500);
        let mut dog = Watchdog::new(Some(Duration::from_secs(1)), Some(due)).unwrap();
        let events: Vec<u64> = (1..100).map(|i| i * 100).collect();
        let (fired, waited) = fired_after(&mut dog, &events).await;
        assert_eq!(fired, Fired::Deadline);
        assert_eq!(waited, Duration::from_millis(2500));
    }

    #[tokio::test(start_paused = true)]
    async fn event_idle_fires_a_timeout_after_the_last_mark() {
        let mut dog = Watchdog::new(Some(Duration::from_secs(8)), None).unwrap();
        let (fired, waited) = fired_after(&mut dog, &[5_000, 10_000]).await;
        assert_eq!(fired, Fired::Idle);
        assert!(waited >= Duration::from_secs(18), "{waited:?}");
        assert!(waited <= Duration::from_secs(19), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn overdue_is_seen_without_a_pending_poll() {
        let due = Instant::now() + Duration::from_millis(100);
        let mut dog = Watchdog::new(None, Some(due)).unwrap();
        let noop = futures::task::noop_waker();
        assert!(dog.poll_fired(&mut Context::from_waker(&noop)).is_pending());
        assert!(!dog.overdue());
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(dog.overdue());
        assert!(check_overdue(&Some(dog)).is_err());
        assert!(Watchdog::new(None, None).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn huge_timeouts_do_not_overflow_the_clock() {
        let mut dog = Watchdog::new(Some(Duration::MAX), None).unwrap();
        let noop = futures::task::noop_waker();
        assert!(dog.poll_fired(&mut Context::from_waker(&noop)).is_pending());
        let far = Instant::now().checked_add(Duration::from_secs(u64::MAX / 4));
        assert!(far.is_none() || Watchdog::new(None, far).is_some());
    }
}
