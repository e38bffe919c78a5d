//! Client-side pagination cost per page of 100 items (JSON decoding, page splitting and the
//! lazy walk), with the network replaced by pre-recorded response bodies.

use bytes::Bytes;
use chatbase::Paginated;
use chatbase::pagination::{PageCursor, WalkLimits, items_of, walk_pages};
use chatbase_api::v2::builder::ListConversations;
use chatbase_api::v2::types::ListConversationsResponse;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use futures::executor::block_on;

const PAGES: usize = 10;

fn recorded_pages() -> Vec<Bytes> {
    (0..PAGES)
        .map(|p| {
            let items: Vec<_> = (0..100)
                .map(|i| {
                    serde_json::json!({"id": format!("conv_{p}_{i}"), "title": "Order question",
                        "createdAt": 1_760_000_000 + i, "updatedAt": 1_760_000_100 + i,
                        "userId": format!("user_{i}"), "status": "ongoing"})
                })
                .collect();
            let last = p + 1 == PAGES;
            let cursor = if last {
                serde_json::Value::Null
            } else {
                format!("cur{}", p + 1).into()
            };
            Bytes::from(
                serde_json::to_vec(&serde_json::json!({"data": items,
                    "pagination": {"cursor": cursor, "hasMore": !last, "total": PAGES * 100}}))
                .expect("serializable"),
            )
        })
        .collect()
}

fn walk(pages: &[Bytes]) -> usize {
    let fetch = |at: PageCursor| {
        let idx = match &at {
            PageCursor::Cursor(c) => c.trim_start_matches("cur").parse().unwrap_or(0),
            _ => 0,
        };
        let body = pages[idx].clone();
        async move {
            let out: ListConversationsResponse = serde_json::from_slice(&body)
                .map_err(|e| chatbase::Error::InvalidInput(e.to_string()))?;
            Ok(<ListConversations<'_> as Paginated>::into_page(
                out, &at, None,
            ))
        }
    };
    block_on(items_of(walk_pages(PageCursor::First, WalkLimits::default(), fetch)).count())
}

fn per_page(c: &mut Criterion) {
    let pages = recorded_pages();
    let mut group = c.benchmark_group("pagination");
    group.throughput(Throughput::Elements(PAGES as u64));
    group.bench_function("10_pages_of_100_conversations", |b| {
        b.iter(|| assert_eq!(walk(&pages), PAGES * 100))
    });
    group.finish();
}

criterion_group!(benches, per_page);
criterion_main!(benches);
