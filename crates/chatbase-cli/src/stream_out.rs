//! Printing a streamed answer as it arrives, for v2 events and v1 text alike: one buffered stdout, written at once
//! when output follows a quiet spell and at most once per [`FLUSH_EVERY`] while it pours in; Ctrl-C stops it.

use std::future::Future;
use std::io::{BufWriter, Stdout, Write};
use std::pin::Pin;
use std::time::Duration;

use futures::{FutureExt, Stream, StreamExt};
use tokio::time::{Instant, sleep};

use crate::error::Result;

/// Longest time printed text waits in the buffer while more keeps arriving: far below what a reader can see.
pub const FLUSH_EVERY: Duration = Duration::from_millis(4);

/// Items handled back to back before Ctrl-C is checked even though the stream has more ready.
const CTRL_C_EVERY: u32 = 64;

/// The buffered stdout a stream is printed through.
pub type Out = BufWriter<Stdout>;

/// Stdout with a 64 KiB buffer, for [`pump`].
pub fn stdout() -> Out {
    BufWriter::with_capacity(64 * 1024, std::io::stdout())
}

/// What the item handler wants next.
pub enum Next {
    Continue,
    Stop,
}

/// How a printed stream ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The stream ended, or the handler said [`Next::Stop`].
    Done,
    /// Ctrl-C.
    Interrupted,
}

/// Feeds every item of `stream` to `on_item`, which writes into `out`. Output that follows a quiet spell of
/// [`FLUSH_EVERY`] is flushed at once, so a delta that arrives alone is on the terminal immediately; later output is
/// flushed by a timer at most once per [`FLUSH_EVERY`], so a burst of 100,000 deltas costs a few dozen `write` calls,
/// not 100,000. The stream is polled first: Ctrl-C is checked whenever it has nothing ready (a hyper body does that
/// at every chunk) and at least every 64 items. Everything is flushed before returning.
pub async fn pump<S: Stream + Unpin, W: Write>(
    mut stream: S,
    out: &mut BufWriter<W>,
    ctrl_c: &mut Pin<&mut impl Future<Output = std::io::Result<()>>>,
    mut on_item: impl FnMut(S::Item, &mut BufWriter<W>) -> Result<Next>,
) -> Result<Ended> {
    let flush_timer = sleep(Duration::ZERO);
    tokio::pin!(flush_timer);
    // Armed: a flush happened less than FLUSH_EVERY ago, and the timer does the next one.
    let mut armed = false;
    let mut handled = 0u32;
    let ended = loop {
        tokio::select! {
            biased;
            item = stream.next() => {
                let Some(item) = item else { break Ended::Done };
                if let Next::Stop = on_item(item, out)? {
                    break Ended::Done;
                }
                // A stream that is never pending (a fast local server) still sees Ctrl-C within CTRL_C_EVERY items.
                handled = handled.wrapping_add(1);
                if handled.is_multiple_of(CTRL_C_EVERY) && ctrl_c.as_mut().now_or_never().is_some() {
                    break Ended::Interrupted;
                }
                if !armed && !out.buffer().is_empty() {
                    out.flush()?;
                    flush_timer.as_mut().reset(Instant::now() + FLUSH_EVERY);
                    armed = true;
                }
            }
            _ = flush_timer.as_mut(), if armed => {
                if out.buffer().is_empty() {
                    // A quiet spell: the next output goes out at once.
                    armed = false;
                } else {
                    out.flush()?;
                    flush_timer.as_mut().reset(Instant::now() + FLUSH_EVERY);
                }
            }
            _ = ctrl_c.as_mut() => break Ended::Interrupted,
        }
    };
    out.flush()?;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer that records what reached it and in how many `write` calls.
    #[derive(Clone, Default)]
    struct Counting(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Counting {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut g = self.0.lock().unwrap();
            g.0.extend_from_slice(buf);
            g.1 += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Counting {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().0.clone()).unwrap()
        }
        fn writes(&self) -> usize {
            self.0.lock().unwrap().1
        }
    }

    fn write_item(item: String, out: &mut BufWriter<Counting>) -> Result<Next> {
        out.write_all(item.as_bytes())?;
        Ok(Next::Continue)
    }

    #[tokio::test]
    async fn a_burst_of_ready_items_costs_a_few_writes_not_one_per_item() {
        let sink = Counting::default();
        let mut out = BufWriter::with_capacity(64 * 1024, sink.clone());
        let items = futures::stream::iter((0..10_000).map(|i| format!("w{i} ")));
        let mut never = std::pin::pin!(std::future::pending::<std::io::Result<()>>());
        let ended = pump(items, &mut out, &mut never, write_item).await.unwrap();
        assert_eq!(ended, Ended::Done);
        let want: String = (0..10_000).map(|i| format!("w{i} ")).collect();
        assert_eq!(sink.text(), want);
        // The first item at once, the rest (under 64 KiB) at the end.
        assert!(sink.writes() <= 3, "{} writes", sink.writes());
    }

    #[tokio::test]
    async fn an_item_that_arrives_alone_is_written_at_once() {
        let sink = Counting::default();
        let mut out = BufWriter::with_capacity(64 * 1024, sink.clone());
        let (tx, rx) = futures::channel::mpsc::unbounded::<String>();
        let watcher = sink.clone();
        let feeder = async move {
            for word in ["first ", "second"] {
                tx.unbounded_send(word.to_owned()).unwrap();
                // The stream stays open: the word must reach the writer without waiting for more.
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while !watcher.text().ends_with(word) {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "{word:?} was not written: {:?}",
                        watcher.text()
                    );
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                // A quiet spell longer than FLUSH_EVERY before the next word.
                tokio::time::sleep(FLUSH_EVERY * 3).await;
            }
        };
        let mut never = std::pin::pin!(std::future::pending::<std::io::Result<()>>());
        let (ended, ()) = tokio::join!(pump(rx, &mut out, &mut never, write_item), feeder);
        assert_eq!(ended.unwrap(), Ended::Done);
        assert_eq!(sink.text(), "first second");
    }

    #[tokio::test]
    async fn ctrl_c_stops_a_stream_that_is_never_pending() {
        let sink = Counting::default();
        let mut out = BufWriter::new(sink.clone());
        let endless = futures::stream::repeat("x".to_owned());
        let mut pressed = std::pin::pin!(std::future::ready(Ok(())));
        let mut handled = 0u32;
        let ended = pump(endless, &mut out, &mut pressed, |item, out| {
            handled += 1;
            write_item(item, out)
        })
        .await
        .unwrap();
        assert_eq!(ended, Ended::Interrupted);
        assert!(
            handled <= CTRL_C_EVERY,
            "{handled} items before Ctrl-C was seen"
        );
        assert_eq!(
            sink.text().len(),
            handled as usize,
            "what was handled is flushed"
        );
    }

    #[tokio::test]
    async fn the_handler_can_stop_the_stream_and_its_output_is_kept() {
        let sink = Counting::default();
        let mut out = BufWriter::new(sink.clone());
        let items = futures::stream::iter(["a", "b", "stop", "c"].map(str::to_owned));
        let mut never = std::pin::pin!(std::future::pending::<std::io::Result<()>>());
        let ended = pump(items, &mut out, &mut never, |item, out| {
            if item == "stop" {
                return Ok(Next::Stop);
            }
            write_item(item, out)
        })
        .await
        .unwrap();
        assert_eq!(ended, Ended::Done);
        assert_eq!(sink.text(), "ab");
    }
}
