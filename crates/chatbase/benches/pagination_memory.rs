//! Peak heap while walking 1k / 10k / 100k items through the paginator (pages of 100, decoded
//! from JSON on the fly). A counting global allocator records the high-water mark; flat
//! pagination means the peak does not grow with the number of items.
//!
//! Run: `cargo bench -p chatbase --bench pagination_memory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use chatbase::Paginated;
use chatbase::pagination::{PageCursor, WalkLimits, items_of, walk_pages};
use chatbase_api::v2::builder::ListConversations;
use chatbase_api::v2::types::ListConversationsResponse;
use futures::StreamExt;
use futures::executor::block_on;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn page_body(page: usize, pages: usize) -> Vec<u8> {
    let items: Vec<_> = (0..100)
        .map(|i| {
            serde_json::json!({"id": format!("conv_{page}_{i}"), "title": "Order question",
                "createdAt": 1_760_000_000 + i, "updatedAt": 1_760_000_100 + i,
                "userId": format!("user_{i}"), "status": "ongoing"})
        })
        .collect();
    let last = page + 1 == pages;
    let cursor = if last {
        serde_json::Value::Null
    } else {
        format!("cur{}", page + 1).into()
    };
    serde_json::to_vec(&serde_json::json!({"data": items,
        "pagination": {"cursor": cursor, "hasMore": !last, "total": pages * 100}}))
    .unwrap_or_default()
}

fn walk(items: usize) -> usize {
    let pages = items / 100;
    let fetch = move |at: PageCursor| {
        let idx = match &at {
            PageCursor::Cursor(c) => c.trim_start_matches("cur").parse().unwrap_or(0),
            _ => 0,
        };
        async move {
            let body = page_body(idx, pages);
            let out: ListConversationsResponse = serde_json::from_slice(&body)
                .map_err(|e| chatbase::Error::InvalidInput(e.to_string()))?;
            Ok(<ListConversations<'_> as Paginated>::into_page(
                out, &at, None,
            ))
        }
    };
    block_on(items_of(walk_pages(PageCursor::First, WalkLimits::default(), fetch)).count())
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent; keep it quick there.
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") {
        &[1_000, 10_000, 100_000]
    } else {
        &[1_000]
    };
    println!(
        "{:>8}  {:>14}  {:>14}",
        "items", "peak heap (B)", "after (B)"
    );
    for &n in sizes {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let seen = walk(n);
        assert_eq!(seen, n);
        let peak = PEAK.load(Ordering::Relaxed) - base;
        let after = LIVE.load(Ordering::Relaxed).saturating_sub(base);
        println!("{n:>8}  {peak:>14}  {after:>14}");
    }
}
