//! Response bodies sent event by event: the pause between streamed deltas and the stream faults
//! (cut mid-event, stall) that v1 and v2 chat streams share.

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;

use crate::config::Faults;

/// One event of a paced stream; `paced` events wait for the stream delay first.
pub(crate) struct Event {
    pub bytes: Bytes,
    pub paced: bool,
}

struct Pacer {
    events: std::vec::IntoIter<Event>,
    index: usize,
    delay: Duration,
    cut: Option<usize>,
    stall: Option<(usize, Duration)>,
    cut_done: bool,
    error_sent: bool,
}

/// A response body that sends `events` with the configured pacing and stream faults.
pub(crate) fn paced_body(events: Vec<Event>, delay: Duration, faults: &Faults) -> Body {
    let state = Pacer {
        events: events.into_iter(),
        index: 0,
        delay,
        cut: faults.stream_cut_after_events,
        stall: faults
            .stall
            .as_ref()
            .map(|s| (s.after_events, Duration::from_millis(s.duration_ms))),
        cut_done: false,
        error_sent: false,
    };
    let stream = futures::stream::unfold(state, |mut s| async move {
        if s.cut_done {
            // An error ends the body so hyper aborts the connection instead of
            // finishing the response cleanly.
            if s.error_sent {
                return None;
            }
            s.error_sent = true;
            // Let hyper flush the partial event first, so the client really receives a
            // stream that stops mid-event rather than no response at all.
            tokio::time::sleep(Duration::from_millis(20)).await;
            return Some((Err(std::io::Error::other("emulated stream cut")), s));
        }
        let ev = s.events.next()?;
        let i = s.index;
        s.index += 1;
        if let Some((at, dur)) = s.stall
            && at == i
        {
            tokio::time::sleep(dur).await;
        }
        if ev.paced && !s.delay.is_zero() {
            tokio::time::sleep(s.delay).await;
        }
        if s.cut == Some(i) {
            s.cut_done = true;
            tokio::time::sleep(Duration::from_millis(20)).await;
            let half = ev.bytes.slice(..ev.bytes.len() / 2);
            return Some((Ok::<Bytes, std::io::Error>(half), s));
        }
        Some((Ok(ev.bytes), s))
    });
    Body::from_stream(stream)
}
