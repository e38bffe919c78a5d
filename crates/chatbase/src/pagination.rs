//! Lazy pagination for both API styles: v2 `cursor`/`limit` and v1 `page`/`size`.
//!
//! Nothing is fetched until the stream is polled, only one page is held at a time, and the walk
//! stops on `hasMore: false`, a null cursor, a cursor seen before, an empty page, a short v1 page
//! or the `max_items` cap, so a misbehaving server can never make it loop. How a page is
//! requested is up to the caller (the resource handles); this module only drives the walk.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};

use futures::stream::{self, Stream, TryStreamExt};

use crate::error::Result;

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
}

/// Walks pages lazily, starting at `start`, calling `fetch` for each page. The resource handles
/// use this; it is public so endpoints reached through [`crate::Client::raw_v2`] or custom
/// requests can be paginated with the same stop rules.
pub fn walk_pages<'a, T, F, Fut>(
    start: PageCursor,
    max_items: Option<usize>,
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
        remaining: max_items,
    };
    stream::try_unfold(walk, |mut w| async move {
        if w.remaining == Some(0) {
            return Ok(None);
        }
        let Some(cursor) = w.next.take() else {
            return Ok(None);
        };
        if !w.seen.insert(fingerprint(&cursor)) {
            tracing::debug!("chatbase: pagination cursor repeated; stopping");
            return Ok(None);
        }
        let mut page = (w.fetch)(cursor).await?;
        w.next = page.next();
        if let Some(rem) = w.remaining.as_mut() {
            if page.items.len() >= *rem {
                page.items.truncate(*rem);
                w.next = None;
            }
            *rem -= page.items.len();
        }
        if page.items.is_empty() {
            w.next = None;
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
            None,
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
            Some(250),
            cursor_api(1000, 100, &calls),
        ))
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items.len(), 250);
        assert_eq!(calls.get(), 3);
    }

    #[tokio::test]
    async fn stops_on_repeated_cursor_even_if_has_more_lies() {
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
        let pages: Vec<Page<i32>> = walk_pages(PageCursor::First, None, fetch)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(calls.get(), 2);
    }

    #[tokio::test]
    async fn stops_on_null_cursor_empty_page_and_has_more_false() {
        for page in [
            Page::from_cursor(vec![1], None, Some(true), None),
            Page::from_cursor(vec![1], Some("x".into()), Some(false), None),
            Page::from_cursor(vec![], Some("x".into()), Some(true), None),
        ] {
            let calls = Cell::new(0);
            let fetch = |_c| {
                calls.set(calls.get() + 1);
                std::future::ready(Ok(page.clone()))
            };
            let _: Vec<Page<i32>> = walk_pages(PageCursor::First, None, fetch)
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
        let items: Vec<u64> = items_of(walk_pages(PageCursor::Number(1), None, fetch))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 24);
        assert_eq!(calls.get(), 3);
    }

    #[tokio::test]
    async fn errors_end_the_walk() {
        let fetch = |_c| std::future::ready(Err::<Page<i32>, _>(crate::Error::invalid("boom")));
        let mut s = Box::pin(walk_pages(PageCursor::First, None, fetch));
        assert!(s.next().await.unwrap().is_err());
        assert!(s.next().await.is_none());
    }
}
