//! [`Call`]: the wrapper around every generated operation builder. It adds retries, the
//! per-attempt deadline, tracing, error mapping, `send_with_response()` and, for list
//! operations, lazy pagination. Which builder belongs to which operation (and whether the
//! operation is safe to replay) is declared in the private `ops` module, with the typed setters.

use std::future::Future;
use std::time::Duration;

use futures::Stream;
use progenitor_client::ResponseValue;

use crate::client::{Client, Op, RequestOptions, Response};
use crate::error::Result;
use crate::pagination::{Page, PageCursor, items_of, walk_pages};
use crate::retry::Idempotency;

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A generated operation builder this crate knows how to run. Implemented for every builder in
/// `chatbase_api::{v1,v2}::builder`; not implementable outside this crate.
pub trait Operation: sealed::Sealed + Clone + Send + Sync {
    /// Decoded success body.
    type Output: Send;
    /// The OpenAPI `operationId`.
    fn operation_id() -> &'static str;
    /// Whether a replay is harmless (decides which failures are retried).
    fn idempotency() -> Idempotency;
    /// Sends the request once.
    #[doc(hidden)]
    fn execute(self) -> impl Future<Output = Result<ResponseValue<Self::Output>>> + Send;
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
}

/// A prepared API call. Configure it with the typed setters, then `.send().await`.
#[derive(Clone)]
#[must_use = "a call does nothing until `.send()` is awaited"]
pub struct Call<'c, B> {
    pub(crate) client: &'c Client,
    pub(crate) builder: B,
    pub(crate) options: RequestOptions,
    pub(crate) max_items: Option<usize>,
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
    pub(crate) fn new(client: &'c Client, builder: B) -> Self {
        Call {
            client,
            builder,
            options: RequestOptions::default(),
            max_items: None,
            page_size: None,
            start: None,
        }
    }

    /// Changes the underlying generated builder (escape hatch for parameters without a setter).
    pub fn map_builder(mut self, f: impl FnOnce(B) -> B) -> Self {
        self.builder = f(self.builder);
        self
    }

    /// Retries for this call only (`0` disables).
    pub fn max_retries(mut self, n: usize) -> Self {
        self.options = self.options.max_retries(n);
        self
    }

    /// Per-attempt deadline for this call.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.options = self.options.timeout(d);
        self
    }

    /// Replaces the per-call options.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
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

    /// Fetches one page.
    pub async fn first_page(self) -> Result<Page<B::Item>> {
        let at = self.start.clone().unwrap_or_else(B::first);
        let builder = self.builder.clone().start_at(&at);
        let out = run(self.client, &builder, &self.options).await?;
        Ok(B::into_page(out.into_inner(), &at, self.page_size))
    }

    /// All pages, fetched lazily one at a time.
    pub fn pages(self) -> impl Stream<Item = Result<Page<B::Item>>> + 'c {
        let Call {
            client,
            builder,
            options,
            max_items,
            page_size,
            start,
        } = self;
        let start = start.unwrap_or_else(B::first);
        walk_pages(start, max_items, move |at| {
            let b = builder.clone().start_at(&at);
            let options = options.clone();
            async move {
                let out = run(client, &b, &options).await?;
                Ok(B::into_page(out.into_inner(), &at, page_size))
            }
        })
    }

    /// All items across pages, fetched lazily.
    pub fn items(self) -> impl Stream<Item = Result<B::Item>> + 'c {
        items_of(self.pages())
    }
}
