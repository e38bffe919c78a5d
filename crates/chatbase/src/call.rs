//! [`Call`]: the wrapper around every generated operation builder. It adds retries, the
//! per-attempt deadline, tracing, error mapping, `send_with_response()`, the lossless
//! `send_raw()` (the server's bytes, checked against the generated type) and, for list
//! operations, lazy pagination (typed or raw). Which builder belongs to which operation (and whether the
//! operation is safe to replay) is declared in the private `ops` module, with the typed setters.

use std::future::Future;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::client::{Client, Op};
use crate::error::{Error, Result, decode_json, snippet};
use crate::options::RequestOptions;
use crate::pagination::{Page, PageCursor, WalkLimits, items_of, walk_pages};
pub use crate::response::Raw;
use crate::response::Response;
use crate::retry::Idempotency;

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A generated operation builder this crate knows how to run. Implemented for every builder in
/// `chatbase_api::{v1,v2}::builder`; not implementable outside this crate.
pub trait Operation: sealed::Sealed + Clone + Send + Sync {
    /// Decoded success body.
    type Output: DeserializeOwned + Send;
    /// The OpenAPI `operationId`.
    fn operation_id() -> &'static str;
    /// Whether a replay is harmless (decides which failures are retried).
    fn idempotency() -> Idempotency;
    /// Sends the request once.
    #[doc(hidden)]
    fn execute(self) -> impl Future<Output = Result<ResponseValue<Self::Output>>> + Send;
    /// Sends the request once and returns the success body undecoded.
    #[doc(hidden)]
    fn execute_raw(self) -> impl Future<Output = Result<ResponseValue<Bytes>>> + Send;
}

/// A list operation that can be walked page by page.
pub trait Paginated: Operation {
    /// One list element.
    type Item: Send;
    /// Where an untouched builder starts.
    #[doc(hidden)]
    fn first() -> PageCursor;
    /// Points the builder at `cursor` (`First` leaves it unchanged).
    #[doc(hidden)]
    fn start_at(self, cursor: &PageCursor) -> Self;
    /// Splits a response into a page.
    #[doc(hidden)]
    fn into_page(output: Self::Output, at: &PageCursor, page_size: Option<u64>)
    -> Page<Self::Item>;
    /// The response field holding the list's array.
    #[doc(hidden)]
    fn items_field() -> &'static str {
        "data"
    }
}

/// The pages of a paginated call ([`Call::pages`], [`Call::raw_pages`]): a named stream that is `Unpin`, so
/// `while let Some(page) = pages.next().await` needs no `pin!`.
pub type Pages<'c, T> = BoxStream<'c, Result<Page<T>>>;

/// The items of a paginated call across its pages ([`Call::items`]): a named, `Unpin` stream.
pub type Items<'c, T> = BoxStream<'c, Result<T>>;

/// A prepared API call. Configure it with the typed setters, then `.send().await`.
#[derive(Clone)]
#[must_use = "a call does nothing until `.send()` is awaited"]
pub struct Call<'c, B> {
    pub(crate) client: &'c Client,
    pub(crate) builder: B,
    pub(crate) options: RequestOptions,
    pub(crate) max_items: Option<usize>,
    pub(crate) max_pages: Option<u64>,
    pub(crate) page_size: Option<u64>,
    pub(crate) start: Option<PageCursor>,
}

impl<B: Operation> std::fmt::Debug for Call<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &B::operation_id())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'c, B: Operation> Call<'c, B> {
    crate::options::request_options!();

    pub(crate) fn new(client: &'c Client, builder: B) -> Self {
        Call {
            client,
            builder,
            options: RequestOptions::default(),
            max_items: None,
            max_pages: None,
            page_size: None,
            start: None,
        }
    }

    /// Changes the underlying generated builder (escape hatch for parameters without a setter).
    pub fn map_builder(mut self, f: impl FnOnce(B) -> B) -> Self {
        self.builder = f(self.builder);
        self
    }

    /// Sends the request and returns the decoded body.
    pub async fn send(self) -> Result<B::Output> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Sends the request and returns the body with status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<B::Output>> {
        run(self.client, &self.builder, &self.options).await
    }

    /// Sends the request (same retries, deadline and errors as [`send`](Self::send)) and returns
    /// the success body exactly as the server sent it, checked to decode into the generated type.
    pub async fn send_raw(self) -> Result<Raw<B::Output>> {
        Ok(self.send_raw_with_response().await?.into_inner())
    }

    /// [`send_raw`](Self::send_raw) with status, headers and request id.
    pub async fn send_raw_with_response(self) -> Result<Response<Raw<B::Output>>> {
        let resp = run_raw(self.client, &self.builder, &self.options).await?;
        let raw = Raw::from_bytes(resp.value_ref())?;
        Ok(resp.map(|_| raw))
    }
}

async fn run_raw<B: Operation>(
    client: &Client,
    builder: &B,
    options: &RequestOptions,
) -> Result<Response<Bytes>> {
    let op = Op {
        id: B::operation_id(),
        idempotency: B::idempotency(),
    };
    client
        .run_generated(op, options, || builder.clone().execute_raw())
        .await
}

/// Splits a raw list answer into a page of raw items, with the cursor, `hasMore` and total of its
/// decoded form. The items are the server's text, one per element of the list's array.
fn raw_page<B: Paginated>(
    body: &[u8],
    at: &PageCursor,
    page_size: Option<u64>,
) -> Result<Page<Box<RawValue>>> {
    let typed = decode_json::<B::Output>(body)?;
    let page = B::into_page(typed, at, page_size);
    let field = B::items_field();
    let mut fields: std::collections::HashMap<String, &RawValue> = serde_json::from_slice(body)
        .map_err(|e| Error::Decode {
            path: ".".into(),
            message: e.to_string(),
            snippet: snippet(body),
        })?;
    let items: Vec<Box<RawValue>> = match fields.remove(field) {
        Some(list) => serde_json::from_str(list.get()).map_err(|e| Error::Decode {
            path: format!(".{field}"),
            message: e.to_string(),
            snippet: snippet(body),
        })?,
        None => Vec::new(),
    };
    if items.len() != page.items().len() {
        return Err(Error::Decode {
            path: format!(".{field}"),
            message: format!(
                "{} raw items but {} decoded ones",
                items.len(),
                page.items().len()
            ),
            snippet: snippet(body),
        });
    }
    Ok(page.with_items(items))
}

async fn run<B: Operation>(
    client: &Client,
    builder: &B,
    options: &RequestOptions,
) -> Result<Response<B::Output>> {
    let op = Op {
        id: B::operation_id(),
        idempotency: B::idempotency(),
    };
    client
        .run_generated(op, options, || builder.clone().execute())
        .await
}

impl<'c, B> Call<'c, B>
where
    B: Paginated + 'c,
    B::Item: 'c,
{
    /// Stop after `n` items in total (applies to [`pages`](Self::pages) and [`items`](Self::items)).
    pub fn max_items(mut self, n: usize) -> Self {
        self.max_items = Some(n);
        self
    }

    /// Fetch at most `n` pages in [`pages`](Self::pages)/[`items`](Self::items) (default
    /// [`crate::pagination::DEFAULT_MAX_PAGES`]); a server that still reports more after that
    /// ends the stream with [`crate::Error::Pagination`].
    pub fn max_pages(mut self, n: u64) -> Self {
        self.max_pages = Some(n);
        self
    }

    fn limits(&self) -> WalkLimits {
        let limits = WalkLimits::default().max_items(self.max_items);
        match self.max_pages {
            Some(n) => limits.max_pages(n),
            None => limits,
        }
    }

    /// Fetches one page.
    pub async fn first_page(self) -> Result<Page<B::Item>> {
        let at = self.start.clone().unwrap_or_else(B::first);
        let builder = self.builder.clone().start_at(&at);
        let out = run(self.client, &builder, &self.options).await?;
        Ok(B::into_page(out.into_inner(), &at, self.page_size))
    }

    /// All pages, fetched lazily one at a time.
    ///
    /// The stream ends without error only on the server's last page or the
    /// [`max_items`](Self::max_items) cap; a repeated cursor, more items than the reported total
    /// or the [`max_pages`](Self::max_pages) cap end it with [`crate::Error::Pagination`].
    pub fn pages(self) -> Pages<'c, B::Item> {
        self.walk(|client, builder, options, at, page_size| async move {
            let out = run(client, &builder, &options).await?;
            Ok(B::into_page(out.into_inner(), &at, page_size))
        })
    }

    /// All items across pages, fetched lazily.
    pub fn items(self) -> Items<'c, B::Item> {
        items_of(self.pages()).boxed()
    }

    /// Fetches one page whose items are the server's JSON text (see [`Raw`]); each answer is
    /// checked to decode into the generated type first.
    pub async fn first_raw_page(self) -> Result<Page<Box<RawValue>>> {
        let at = self.start.clone().unwrap_or_else(B::first);
        let builder = self.builder.clone().start_at(&at);
        let out = run_raw(self.client, &builder, &self.options).await?;
        raw_page::<B>(out.value_ref(), &at, self.page_size)
    }

    /// Like [`pages`](Self::pages), with the same stop rules and errors, but each item is the
    /// server's JSON text, unknown fields and number lexemes included.
    pub fn raw_pages(self) -> Pages<'c, Box<RawValue>> {
        self.walk(|client, builder, options, at, page_size| async move {
            let out = run_raw(client, &builder, &options).await?;
            raw_page::<B>(out.value_ref(), &at, page_size)
        })
    }

    /// The one page walk behind [`pages`](Self::pages) and [`raw_pages`](Self::raw_pages): the call's
    /// limits and start, and `fetch` for each page (the builder already pointed at that page).
    fn walk<T, F, Fut>(self, fetch: F) -> Pages<'c, T>
    where
        T: Send + 'c,
        F: Fn(&'c Client, B, RequestOptions, PageCursor, Option<u64>) -> Fut + Send + 'c,
        Fut: Future<Output = Result<Page<T>>> + Send + 'c,
    {
        let limits = self.limits();
        let Call {
            client,
            builder,
            options,
            page_size,
            start,
            ..
        } = self;
        let start = start.unwrap_or_else(B::first);
        walk_pages(start, limits, move |at| {
            let b = builder.clone().start_at(&at);
            fetch(client, b, options.clone(), at, page_size)
        })
        .boxed()
    }
}

#[cfg(test)]
mod unpin_tests {
    use super::{Items, Pages};

    #[test]
    fn page_and_item_streams_are_unpin() {
        fn unpin<T: Unpin>() {}
        unpin::<Pages<'static, u8>>();
        unpin::<Items<'static, u8>>();
    }
}
