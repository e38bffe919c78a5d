//! Chat stream decoding: throughput over a recorded stream of 100,000 `text-delta` events, and
//! the per-event cost when every event arrives in its own read (the time from an event's last
//! byte arriving to the event being yielded).

use bytes::Bytes;
use chatbase::{ChatEvent, ChatStream, HeaderMap};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use futures::executor::block_on;
use std::time::Duration;

const EVENTS: usize = 100_000;

fn recorded_stream() -> Vec<u8> {
    let mut body = String::with_capacity(EVENTS * 80);
    body.push_str("data: {\"type\":\"start\",\"messageId\":\"msg_bench\"}\n\n");
    body.push_str("data: {\"type\":\"text-start\",\"id\":\"txt_0\"}\n\n");
    for i in 0..EVENTS {
        body.push_str("data: {\"type\":\"text-delta\",\"id\":\"txt_0\",\"delta\":\"token");
        body.push_str(&(i % 1000).to_string());
        body.push_str(" \"}\n\n");
    }
    body.push_str("data: {\"type\":\"text-end\",\"id\":\"txt_0\"}\n\n");
    body.push_str("data: {\"type\":\"finish\"}\n\ndata: [DONE]\n\n");
    body.into_bytes()
}

fn chunked(body: &[u8], size: usize) -> Vec<Bytes> {
    body.chunks(size).map(Bytes::copy_from_slice).collect()
}

fn drain(chunks: Vec<Bytes>) -> usize {
    let body = futures::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let mut stream = ChatStream::from_bytes(body, HeaderMap::new());
    block_on(async {
        let mut deltas = 0;
        while let Some(ev) = stream.next().await {
            if let ChatEvent::TextDelta { .. } = ev.expect("recorded stream decodes") {
                deltas += 1;
            }
        }
        deltas
    })
}

fn throughput(c: &mut Criterion) {
    let body = recorded_stream();
    let mut group = c.benchmark_group("chat_stream_decode");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.sample_size(20);
    for size in [16 * 1024, 1024] {
        let chunks = chunked(&body, size);
        group.bench_function(format!("100k_text_deltas_{size}B_reads"), |b| {
            b.iter(|| assert_eq!(drain(chunks.clone()), EVENTS))
        });
        // Same work, timed by this thread's CPU clock: on a shared, loaded machine wall time
        // also counts the time other processes held the core.
        group.bench_function(format!("100k_text_deltas_{size}B_reads_cpu_time"), |b| {
            b.iter_custom(|iters| {
                let start = thread_cpu_time();
                for _ in 0..iters {
                    assert_eq!(drain(chunks.clone()), EVENTS);
                }
                thread_cpu_time().saturating_sub(start)
            })
        });
    }
    group.finish();
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the kernel knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn per_event(c: &mut Criterion) {
    let body = recorded_stream();
    let text = std::str::from_utf8(&body).expect("ascii");
    // One read per event: the decoder must yield each event as soon as its bytes are in.
    let events: Vec<Bytes> = text
        .split_inclusive("\n\n")
        .map(|e| Bytes::copy_from_slice(e.as_bytes()))
        .take(10_000)
        .collect();
    let mut group = c.benchmark_group("chat_stream_event_latency");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(20);
    group.bench_function("one_event_per_read", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let chunks = events.clone();
                let start = thread_cpu_time();
                drain_partial(chunks);
                total += thread_cpu_time().saturating_sub(start);
            }
            total
        })
    });
    group.finish();
}

fn drain_partial(chunks: Vec<Bytes>) {
    let body = futures::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let mut stream = ChatStream::from_bytes(body, HeaderMap::new());
    block_on(async {
        // The slice has no terminator, so the last item is a truncation error; that is expected.
        while let Some(Ok(_)) = stream.next().await {}
    });
}

criterion_group!(benches, throughput, per_event);
criterion_main!(benches);
