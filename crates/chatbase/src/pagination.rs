//! Lazy pagination for both API styles: v2 `cursor`/`limit` and v1 `page`/`size`.
//!
//! Nothing is fetched until the stream is polled and only one page is held at a time. The walk
//! ends cleanly on the server's own last page (`hasMore: false`, a null cursor without
//! `hasMore: true`, an empty page, a short v1 page) or on the caller's `max_items` cap. Any other
//! reason to stop is an error the stream yields as its last item ([`Error::Pagination`]), after
//! every page received: a cursor seen before, more items than the server's reported `total`,
//! `hasMore: true` without a cursor, or the page cap ([`DEFAULT_MAX_PAGES`] unless set with
//! [`WalkLimits::max_pages`]). So a misbehaving server can never make a walk loop forever, and a
//! walk that was cut short is never mistaken for a complete one. How a page is requested is up
//! to the caller (the resource handles); this module only drives the walk.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};

use futures::stream::{self, Stream, TryStreamExt};

use crate::error::{Error, Result};

/// Pages a walk may fetch unless told otherwise: far above any real list (100,000 pages of 100
/// items is ten million records), low enough that an endless cursor chain ends.
pub const DEFAULT_MAX_PAGES: u64 = 100_000;

pub use crate::error::PaginationStop;

/// Bounds of one walk besides the server's own last page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkLimits {
    max_items: Option<usize>,
    max_pages: u64,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            max_items: None,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl WalkLimits {
    /// Stop cleanly after `n` items (the caller asked for no more; not an error).
    pub fn max_items(mut self, n: Option<usize>) -> Self {
        self.max_items = n;
        self
    }

    /// Fetch at most `n` pages; a server that still reports more after that is an error.
    /// `0` is treated as `1`.
    pub fn max_pages(mut self, n: u64) -> Self {
        self.max_pages = n.max(1);
        self
    }
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageCursor {
    /// The first page (no cursor / page 1).
    First,
    /// An opaque v2 cursor.
    Cursor(String),
    /// A 1-based v1 page number.
    Number(u64),
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
    has_more: Option<bool>,
    total: Option<u64>,
    number: Option<u64>,
    page_size: Option<u64>,
}

impl<T> Page<T> {
    /// A v2 cursor page.
    pub fn from_cursor(
        items: Vec<T>,
        next_cursor: Option<String>,
        has_more: Option<bool>,
        total: Option<u64>,
    ) -> Self {
        Page {
            items,
            next_cursor,
            has_more,
            total,
            number: None,
            page_size: None,
        }
    }

    /// A v1 numbered page requested with `page_size` items per page (when known: a shorter
    /// page then ends the walk without an extra request).
    pub fn from_number(items: Vec<T>, number: u64, page_size: Option<u64>) -> Self {
        Page {
            items,
            next_cursor: None,
            has_more: None,
            total: None,
            number: Some(number),
            page_size,
        }
    }

    /// Sets the reported total and `hasMore` (v1 contacts report both).
    pub(crate) fn with_totals(mut self, total: Option<u64>, has_more: Option<bool>) -> Self {
        self.total = total;
        self.has_more = has_more;
        self
    }

    /// The same page with other items (e.g. the raw text of the decoded ones).
    pub fn with_items<U>(self, items: Vec<U>) -> Page<U> {
        Page {
            items,
            next_cursor: self.next_cursor,
            has_more: self.has_more,
            total: self.total,
            number: self.number,
            page_size: self.page_size,
        }
    }

    /// Items on this page.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// Takes the items.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// Total number of items across all pages, when the API reports it.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The server's `hasMore` flag (v2).
    pub fn has_more(&self) -> Option<bool> {
        self.has_more
    }

    /// Cursor for the next page (v2), if any.
    pub fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_deref()
    }

    /// Page number (v1).
    pub fn number(&self) -> Option<u64> {
        self.number
    }

    /// Where the following page starts, or `None` when this is the last one.
    fn next(&self) -> Option<PageCursor> {
        if self.items.is_empty() {
            return None;
        }
        if let Some(n) = self.number {
            let full = self.page_size.is_none_or(|s| self.items.len() as u64 >= s);
            return (full && self.has_more != Some(false)).then(|| PageCursor::Number(n + 1));
        }
        if self.has_more == Some(false) {
            return None;
        }
        self.next_cursor
            .as_ref()
            .filter(|c| !c.is_empty())
            .map(|c| PageCursor::Cursor(c.clone()))
    }
}

fn fingerprint(c: &PageCursor) -> u64 {
    let mut h = DefaultHasher::new();
    c.hash(&mut h);
    h.finish()
}

impl Hash for PageCursor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            PageCursor::First => 0u8.hash(state),
            PageCursor::Cursor(c) => {
                1u8.hash(state);
                c.hash(state);
            }
            PageCursor::Number(n) => {
                2u8.hash(state);
                n.hash(state);
            }
        }
    }
}

struct Walk<F> {
    fetch: F,
    next: Option<PageCursor>,
    // Fingerprints only (8 bytes per page), so memory stays flat even over long walks.
    seen: HashSet<u64>,
    remaining: Option<usize>,
    max_pages: u64,
    pages: u64,
    received: u64,
    /// A stop found on the last page yielded, reported on the next poll.
    pending: Option<PaginationStop>,
}

impl<F> Walk<F> {
    fn stopped(&self, reason: PaginationStop) -> Error {
        tracing::debug!(%reason, "chatbase: pagination stopped early");
        Error::Pagination {
            reason,
            pages: self.pages,
            items: self.received,
        }
    }
}

/// Walks pages lazily, starting at `start`, calling `fetch` for each page. The resource handles
/// use this; it is public so endpoints reached through [`crate::Client::raw_v2`] or custom
/// requests can be paginated with the same stop rules.
///
/// The stream ends without error only on the server's last page or the `max_items` cap; any
/// other stop is an [`Error::Pagination`] yielded as its last item, after every page received.
pub fn walk_pages<'a, T, F, Fut>(
    start: PageCursor,
    limits: WalkLimits,
    fetch: F,
) -> impl Stream<Item = Result<Page<T>>> + 'a
where
    T: 'a,
    F: FnMut(PageCursor) -> Fut + 'a,
    Fut: Future<Output = Result<Page<T>>> + 'a,
{
    let walk = Walk {
        fetch,
        next: Some(start),
        seen: HashSet::new(),
        remaining: limits.max_items,
        pending: None,
        max_pages: limits.max_pages,
        pages: 0,
        received: 0,
    };
    stream::try_unfold(walk, |mut w| async move {
        if let Some(reason) = w.pending.take() {
            return Err(w.stopped(reason));
        }
        if w.remaining == Some(0) {
            return Ok(None);
        }
        let Some(cursor) = w.next.take() else {
            return Ok(None);
        };
        if !w.seen.insert(fingerprint(&cursor)) {
            let repeated = match cursor {
                PageCursor::Cursor(c) => c,
                PageCursor::Number(n) => n.to_string(),
                PageCursor::First => String::new(),
            };
            return Err(w.stopped(PaginationStop::RepeatedCursor { cursor: repeated }));
        }
        if w.pages >= w.max_pages {
            return Err(w.stopped(PaginationStop::PageCap {
                max_pages: w.max_pages,
            }));
        }
        let mut page = (w.fetch)(cursor).await?;
        w.pages += 1;
        w.next = page.next();
        let received = w.received.saturating_add(page.items.len() as u64);
        if let Some(total) = page.total
            && received > total
        {
            w.received = received;
            return Err(w.stopped(PaginationStop::ExceededTotal { total, received }));
        }
        w.received = received;
        if let Some(rem) = w.remaining.as_mut() {
            if page.items.len() >= *rem {
                page.items.truncate(*rem);
                w.next = None;
            }
            *rem -= page.items.len();
        }
        if page.items.is_empty() {
            w.next = None;
        } else if w.next.is_none()
            && w.remaining != Some(0)
            && page.number.is_none()
            && page.has_more == Some(true)
        {
            w.pending = Some(PaginationStop::MissingCursor);
        }
        Ok(Some((page, w)))
    })
}

/// Flattens a page stream into items.
pub fn items_of<'a, T: 'a>(
    pages: impl Stream<Item = Result<Page<T>>> + 'a,
) -> impl Stream<Item = Result<T>> + 'a {
    pages
        .map_ok(|p| stream::iter(p.items.into_iter().map(Ok)))
        .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use std::cell::Cell;

    /// A fake cursor API over `n` items, `limit` per page.
    fn cursor_api(
        n: usize,
        limit: usize,
        calls: &Cell<usize>,
    ) -> impl FnMut(PageCursor) -> std::future::Ready<Result<Page<usize>>> + '_ {
        move |c| {
            calls.set(calls.get() + 1);
            let start = match c {
                PageCursor::First => 0,
                PageCursor::Cursor(s) => s.parse().unwrap(),
                PageCursor::Number(_) => unreachable!(),
            };
            let end = (start + limit).min(n);
            let more = end < n;
            std::future::ready(Ok(Page::from_cursor(
                (start..end).collect(),
                more.then(|| end.to_string()),
                Some(more),
                Some(n as u64),
            )))
        }
    }

    #[tokio::test]
    async fn walks_a_thousand_items_in_ten_requests() {
        let calls = Cell::new(0);
        let items: Vec<usize> = items_of(walk_pages(
            PageCursor::First,
            WalkLimits::default(),
            cursor_api(1000, 100, &calls),
        ))
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, (0..1000).collect::<Vec<_>>());
        assert_eq!(calls.get(), 10);
    }

    #[tokio::test]
    async fn max_items_stops_early_without_extra_requests() {
        let calls = Cell::new(0);
        let items: Vec<usize> = items_of(walk_pages(
            PageCursor::First,
            WalkLimits::default().max_items(Some(250)),
            cursor_api(1000, 100, &calls),
        ))
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items.len(), 250);
        assert_eq!(calls.get(), 3);
    }

    /// Collects a walk's pages until its first error.
    async fn collect<T>(s: impl Stream<Item = Result<Page<T>>>) -> (Vec<Page<T>>, Option<Error>) {
        let mut s = std::pin::pin!(s);
        let mut pages = Vec::new();
        while let Some(p) = s.next().await {
            match p {
                Ok(p) => pages.push(p),
                Err(e) => {
                    assert!(s.next().await.is_none(), "an error ends the walk");
                    return (pages, Some(e));
                }
            }
        }
        (pages, None)
    }

    #[tokio::test]
    async fn a_repeated_cursor_is_an_error_after_the_pages_received() {
        let calls = Cell::new(0);
        let fetch = |_c: PageCursor| {
            calls.set(calls.get() + 1);
            std::future::ready(Ok(Page::from_cursor(
                vec![1],
                Some("same".into()),
                Some(true),
                None,
            )))
        };
        let (pages, err) =
            collect(walk_pages(PageCursor::First, WalkLimits::default(), fetch)).await;
        assert_eq!(pages.len(), 2);
        assert_eq!(calls.get(), 2);
        match err {
            Some(Error::Pagination {
                reason: PaginationStop::RepeatedCursor { cursor },
                pages: 2,
                items: 2,
            }) => assert_eq!(cursor, "same"),
            other => panic!("expected a repeated-cursor error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn more_items_than_the_reported_total_is_an_error() {
        // A fresh cursor forever, over a list whose total is 3.
        let calls = Cell::new(0);
        let fetch = |_c: PageCursor| {
            let n = calls.get() + 1;
            calls.set(n);
            std::future::ready(Ok(Page::from_cursor(
                vec![n],
                Some(format!("c{n}")),
                Some(true),
                Some(3),
            )))
        };
        let (pages, err) =
            collect(walk_pages(PageCursor::First, WalkLimits::default(), fetch)).await;
        assert_eq!(pages.len(), 3);
        assert_eq!(calls.get(), 4);
        assert!(
            matches!(
                err,
                Some(Error::Pagination {
                    reason: PaginationStop::ExceededTotal {
                        total: 3,
                        received: 4
                    },
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn the_page_cap_is_an_error_when_the_server_reports_more() {
        let calls = Cell::new(0);
        let fetch = |_c: PageCursor| {
            let n = calls.get() + 1;
            calls.set(n);
            std::future::ready(Ok(Page::from_cursor(
                vec![n],
                Some(format!("c{n}")),
                Some(true),
                None,
            )))
        };
        let limits = WalkLimits::default().max_pages(5);
        let (pages, err) = collect(walk_pages(PageCursor::First, limits, fetch)).await;
        assert_eq!(pages.len(), 5);
        assert_eq!(calls.get(), 5, "no request beyond the cap");
        assert!(
            matches!(
                err,
                Some(Error::Pagination {
                    reason: PaginationStop::PageCap { max_pages: 5 },
                    pages: 5,
                    ..
                })
            ),
            "{err:?}"
        );
        // A list that ends exactly at the cap is complete.
        let calls = Cell::new(0);
        let (pages, err) = collect(walk_pages(
            PageCursor::First,
            WalkLimits::default().max_pages(10),
            cursor_api(100, 10, &calls),
        ))
        .await;
        assert_eq!((pages.len(), err.is_none()), (10, true), "{err:?}");
        assert_eq!(DEFAULT_MAX_PAGES, 100_000);
    }

    #[tokio::test]
    async fn has_more_without_a_cursor_is_an_error_after_the_page() {
        let fetch = |_c| std::future::ready(Ok(Page::from_cursor(vec![1], None, Some(true), None)));
        let (pages, err) =
            collect(walk_pages(PageCursor::First, WalkLimits::default(), fetch)).await;
        assert_eq!(pages.len(), 1);
        assert!(
            matches!(
                err,
                Some(Error::Pagination {
                    reason: PaginationStop::MissingCursor,
                    pages: 1,
                    items: 1
                })
            ),
            "{err:?}"
        );
        // Unless the caller's max_items ended the walk there anyway.
        let fetch = |_c| std::future::ready(Ok(Page::from_cursor(vec![1], None, Some(true), None)));
        let limits = WalkLimits::default().max_items(Some(1));
        let (_, err) = collect(walk_pages(PageCursor::First, limits, fetch)).await;
        assert!(err.is_none(), "{err:?}");
    }

    #[tokio::test]
    async fn stops_on_null_cursor_empty_page_and_has_more_false() {
        for page in [
            Page::from_cursor(vec![1], None, None, None),
            Page::from_cursor(vec![1], Some("x".into()), Some(false), None),
            Page::from_cursor(vec![], Some("x".into()), Some(true), None),
        ] {
            let calls = Cell::new(0);
            let fetch = |_c| {
                calls.set(calls.get() + 1);
                std::future::ready(Ok(page.clone()))
            };
            let _: Vec<Page<i32>> = walk_pages(PageCursor::First, WalkLimits::default(), fetch)
                .try_collect()
                .await
                .unwrap();
            assert_eq!(calls.get(), 1);
        }
    }

    #[tokio::test]
    async fn numbered_pages_stop_on_short_or_empty_page() {
        let calls = Cell::new(0);
        let fetch = |c: PageCursor| {
            calls.set(calls.get() + 1);
            let PageCursor::Number(n) = c else {
                unreachable!()
            };
            let items: Vec<u64> = if n < 3 { vec![n; 10] } else { vec![n; 4] };
            std::future::ready(Ok(Page::from_number(items, n, Some(10))))
        };
        let items: Vec<u64> = items_of(walk_pages(
            PageCursor::Number(1),
            WalkLimits::default(),
            fetch,
        ))
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items.len(), 24);
        assert_eq!(calls.get(), 3);
    }

    #[tokio::test]
    async fn errors_end_the_walk() {
        let fetch = |_c| std::future::ready(Err::<Page<i32>, _>(crate::Error::invalid("boom")));
        let mut s = Box::pin(walk_pages(PageCursor::First, WalkLimits::default(), fetch));
        assert!(s.next().await.unwrap().is_err());
        assert!(s.next().await.is_none());
    }
}
