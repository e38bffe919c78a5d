//! The [`Client`] (cheap to clone, shares one connection pool) and the request executor every
//! handle goes through: retries, the per-attempt deadline for non-streaming calls, one `tracing`
//! span per attempt, and error mapping. Resource handles live in their own modules.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, USER_AGENT};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::config::{ClientBuilder, Config, builder_from_env};
use crate::error::{Error, Result, TimeoutKind, request_id};
use crate::idle::{GuardedStream, MAX_ERROR_BODY, StreamBounds, nonzero, read_body};
use crate::options::RequestOptions;
use crate::response::Raw;
pub use crate::response::Response;
use crate::retry::{Idempotency, RetryPolicy};

/// Entry point of the SDK. Cloning is cheap (an `Arc`).
///
/// ```no_run
/// # async fn demo() -> Result<(), chatbase::Error> {
/// let client = chatbase::Client::from_env()?;
/// let page = client.agents().list().limit(10).send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) v2: chatbase_api::v2::Client,
    pub(crate) v1: chatbase_api::v1::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the public Chatbase API with default settings.
    pub fn new(api_key: impl Into<String>) -> Result<Self> {
        ClientBuilder::default().api_key(api_key).build()
    }

    /// A client configured from `CHATBASE_API_KEY`, `CHATBASE_API_URL` (host root, e.g.
    /// `https://www.chatbase.co`) and `CHATBASE_FILES_URL`.
    pub fn from_env() -> Result<Self> {
        builder_from_env()?.build()
    }

    /// A builder preloaded with the environment (`CHATBASE_*`), for callers that want to adjust it.
    pub fn builder_from_env() -> Result<ClientBuilder> {
        builder_from_env()
    }

    /// A builder with default settings and no API key.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    fn from_config(config: Config) -> Self {
        // A caller's own `reqwest::Client` lacks our default headers: the generated operations then add them
        // through their pre-request hook, as `run_raw` does for the hand-written requests.
        let headers = if config.add_headers_per_request {
            chatbase_api::RequestHeaders(HeaderMap::from_iter([
                (AUTHORIZATION, config.auth.clone()),
                (USER_AGENT, config.user_agent.clone()),
            ]))
        } else {
            chatbase_api::RequestHeaders::default()
        };
        let v2 = chatbase_api::v2::Client::new_with_client(
            &config.v2_base,
            config.http.clone(),
            headers.clone(),
        );
        let v1 = chatbase_api::v1::Client::new_with_client(
            &config.v1_base,
            config.http.clone(),
            headers,
        );
        Client {
            inner: Arc::new(Inner { config, v2, v1 }),
        }
    }

    #[cfg(test)]
    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The generated low-level v2 client, for anything this crate does not wrap.
    pub fn raw_v2(&self) -> &chatbase_api::v2::Client {
        &self.inner.v2
    }

    /// The generated low-level v1 client.
    pub fn raw_v1(&self) -> &chatbase_api::v1::Client {
        &self.inner.v1
    }

    /// Base URL of the v2 API (`…/api/v2`).
    pub fn v2_base_url(&self) -> &str {
        &self.inner.config.v2_base
    }

    /// Base URL of the v1 API (`…/api/v1`).
    pub fn v1_base_url(&self) -> &str {
        &self.inner.config.v1_base
    }

    /// Root URL of the files host.
    pub fn files_base_url(&self) -> &str {
        &self.inner.config.files_base
    }

    /// The bounds of a streamed answer: the call's overrides over the client's settings.
    pub(crate) fn stream_bounds(&self, opts: &RequestOptions) -> StreamBounds {
        let base = self.inner.config.stream;
        StreamBounds {
            idle: opts.stream_idle.map_or(base.idle, nonzero),
            event_idle: opts.stream_event.map_or(base.event_idle, nonzero),
            deadline: opts.stream_deadline.map_or(base.deadline, nonzero),
        }
    }
}

/// Static facts about an operation, used for retry decisions and tracing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Op {
    pub(crate) id: &'static str,
    pub(crate) idempotency: Idempotency,
}

impl Op {
    pub(crate) const fn safe(id: &'static str) -> Self {
        Op {
            id,
            idempotency: Idempotency::Idempotent,
        }
    }
    pub(crate) const fn unsafe_(id: &'static str) -> Self {
        Op {
            id,
            idempotency: Idempotency::NonIdempotent,
        }
    }
}

/// Whether a call's body is consumed inside the attempt (and so bounded by the deadline), or streamed afterwards
/// (its headers and error body bounded by the stream idle timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deadline {
    Total,
    Stream(Option<Duration>),
}

fn span_for(op: &Op, attempt: u32) -> tracing::Span {
    tracing::debug_span!(
        "chatbase.request",
        operation = op.id,
        attempt,
        status = tracing::field::Empty,
        request_id = tracing::field::Empty,
    )
}

fn record_outcome<T>(span: &tracing::Span, res: &Result<(StatusCode, Option<String>, T)>) {
    match res {
        Ok((status, rid, _)) => {
            span.record("status", status.as_u16());
            if let Some(rid) = rid {
                span.record("request_id", rid.as_str());
            }
        }
        Err(e) => {
            if let Some(s) = e.status() {
                span.record("status", s.as_u16());
            }
            if let Some(rid) = e.request_id() {
                span.record("request_id", rid);
            }
        }
    }
}

impl Client {
    fn policy(&self, opts: &RequestOptions) -> RetryPolicy {
        let base = self.inner.config.retry.clone();
        match opts.max_retries {
            Some(n) => base.max_retries(n),
            None => base,
        }
    }

    fn deadline(&self, opts: &RequestOptions) -> Option<Duration> {
        opts.timeout.or(self.inner.config.timeout)
    }

    async fn with_deadline<T>(
        limit: Option<Duration>,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        match limit {
            Some(d) => tokio::time::timeout(d, fut)
                .await
                .unwrap_or(Err(Error::Timeout(TimeoutKind::Total))),
            None => fut.await,
        }
    }

    /// Runs a generated operation with retries, deadline and tracing. `call` is invoked once per
    /// attempt so that the generated builder is rebuilt each time.
    pub(crate) async fn run_generated<T, F, Fut>(
        &self,
        op: Op,
        opts: &RequestOptions,
        mut call: F,
    ) -> Result<Response<T>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>>>,
    {
        opts.check()?;
        let deadline = self.deadline(opts);
        self.policy(opts)
            .run(op.idempotency, |attempt| {
                let span = span_for(&op, attempt);
                // The generated builders take no per-call headers: their pre-request hook adds these.
                let fut = chatbase_api::with_call_headers(opts.headers.clone(), call());
                let span2 = span.clone();
                async move {
                    let res = Self::with_deadline(deadline, fut).await.map(|rv| {
                        let rid = request_id(rv.headers());
                        (rv.status(), rid, rv)
                    });
                    record_outcome(&span2, &res);
                    res.map(|(_, _, rv)| Response::from_value(rv))
                }
                .instrument(span)
            })
            .await
    }

    /// Sends a hand-built request and reads the whole body (bounded by the deadline).
    pub(crate) async fn run_bytes<B>(
        &self,
        op: Op,
        opts: &RequestOptions,
        build: B,
    ) -> Result<Response<Bytes>>
    where
        B: FnMut(&reqwest::Client) -> Result<reqwest::RequestBuilder>,
    {
        let idle = nonzero(self.inner.config.read_timeout);
        self.run_raw(op, opts, Deadline::Total, build, |resp| async move {
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = read_body(resp, idle, TimeoutKind::Idle, None).await?;
            Ok(Response::new(body, status, headers))
        })
        .await
    }

    /// Sends a hand-built request and decodes a JSON body.
    pub(crate) async fn run_json<T, B>(
        &self,
        op: Op,
        opts: &RequestOptions,
        build: B,
    ) -> Result<Response<T>>
    where
        T: DeserializeOwned,
        B: FnMut(&reqwest::Client) -> Result<reqwest::RequestBuilder>,
    {
        Ok(self
            .run_json_raw(op, opts, build)
            .await?
            .map(Raw::into_value))
    }

    /// Sends a hand-built request and keeps the JSON body as the server sent it, checked to
    /// decode into `T`.
    pub(crate) async fn run_json_raw<T, B>(
        &self,
        op: Op,
        opts: &RequestOptions,
        build: B,
    ) -> Result<Response<Raw<T>>>
    where
        T: DeserializeOwned,
        B: FnMut(&reqwest::Client) -> Result<reqwest::RequestBuilder>,
    {
        let resp = self.run_bytes(op, opts, build).await?;
        let raw = Raw::<T>::from_bytes(resp.value_ref().as_ref())?;
        Ok(resp.map(|_| raw))
    }

    /// Sends a hand-built request whose body will be streamed: only the status and headers are
    /// awaited (and retried), bounded by the stream idle timeout and, when set, by the stream deadline, which the
    /// returned stream keeps enforcing together with the idle and event timers.
    pub(crate) async fn run_streaming<B>(
        &self,
        op: Op,
        opts: &RequestOptions,
        build: B,
    ) -> Result<GuardedStream>
    where
        B: FnMut(&reqwest::Client) -> Result<reqwest::RequestBuilder>,
    {
        let bounds = self.stream_bounds(opts);
        let due = bounds.deadline_from_now();
        let run = self.run_raw(
            op,
            opts,
            Deadline::Stream(bounds.idle),
            build,
            |resp| async move { Ok(resp) },
        );
        let resp = match due {
            Some(at) => tokio::time::timeout_at(at, run)
                .await
                .map_err(|_| Error::Timeout(TimeoutKind::StreamDeadline))??,
            None => run.await?,
        };
        Ok(GuardedStream::new(resp, bounds, due))
    }

    async fn run_raw<B, R, RF, RFut>(
        &self,
        op: Op,
        opts: &RequestOptions,
        deadline: Deadline,
        mut build: B,
        read: RF,
    ) -> Result<R>
    where
        B: FnMut(&reqwest::Client) -> Result<reqwest::RequestBuilder>,
        RF: Fn(reqwest::Response) -> RFut,
        RFut: Future<Output = Result<R>>,
    {
        opts.check()?;
        let limit = match deadline {
            Deadline::Total => self.deadline(opts),
            Deadline::Stream(_) => None,
        };
        let cfg = &self.inner.config;
        // Streams go out on the client without a per-frame read timeout; the wait for their response headers is
        // bounded by the stream idle timeout here, and every body (an error body too) by `crate::idle`.
        let (http, header_wait, idle, idle_kind) = match deadline {
            Deadline::Total => (
                &cfg.http,
                None,
                nonzero(cfg.read_timeout),
                TimeoutKind::Idle,
            ),
            Deadline::Stream(idle) => (&cfg.stream_http, idle, idle, TimeoutKind::StreamIdle),
        };
        self.policy(opts)
            .run(op.idempotency, |attempt| {
                let span = span_for(&op, attempt);
                let span2 = span.clone();
                let req = build(http).map(|mut rb| {
                    if cfg.add_headers_per_request {
                        rb = rb
                            .header(AUTHORIZATION, cfg.auth.clone())
                            .header(USER_AGENT, cfg.user_agent.clone());
                    }
                    // Last, so a per-call header replaces the SDK's own of the same name.
                    if opts.headers.is_empty() {
                        rb
                    } else {
                        rb.headers(opts.headers.clone())
                    }
                });
                let read = &read;
                let fut = async move {
                    let send = req?.send();
                    let sent = match header_wait {
                        Some(t) => tokio::time::timeout(t, send)
                            .await
                            .map_err(|_| Error::Timeout(idle_kind))?,
                        None => send.await,
                    };
                    let resp = sent.map_err(|e| Error::from_reqwest(e, false))?;
                    let status = resp.status();
                    let rid = request_id(resp.headers());
                    if !status.is_success() {
                        let headers = resp.headers().clone();
                        let url = resp.url().clone();
                        let body = read_body(resp, idle, idle_kind, Some(MAX_ERROR_BODY)).await?;
                        return Err(Error::api_from_parts(status, &headers, &body, Some(&url)));
                    }
                    Ok((status, rid, resp))
                };
                async move {
                    let res = Self::with_deadline(limit, async {
                        let (status, rid, resp) = fut.await?;
                        Ok((status, rid, read(resp).await?))
                    })
                    .await;
                    record_outcome(&span2, &res);
                    res.map(|(_, _, r)| r)
                }
                .instrument(span)
            })
            .await
    }
}

impl ClientBuilder {
    /// Builds the client: checks the key, the user agent and the URLs (an `https://` URL needs a TLS feature) and
    /// makes the HTTP clients. Fails with [`Error::InvalidInput`] naming what is wrong.
    pub fn build(self) -> Result<Client> {
        Ok(Client::from_config(self.into_config()?))
    }
}
