//! Retry policy: which failures are retried for which kind of operation, and how long to wait.
//! Backoff arithmetic, jitter and sleeping are delegated to `backon`; this module only classifies
//! errors and honours the server's `Retry-After` / `X-RateLimit-Reset` (parsed in [`crate::error`]).

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

use crate::error::{Error, MAX_SERVER_WAIT};

/// Whether replaying an operation is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Idempotency {
    /// GET, PUT, PATCH, DELETE and read-only POSTs (search): retried on 408, 429, 5xx,
    /// timeouts and connection errors.
    Idempotent,
    /// POSTs that create things or spend credits (chat, retry, create*): retried only when the
    /// request provably did not run (connection refused, 429), since Chatbase has no idempotency key.
    NonIdempotent,
}

/// How many times and how patiently to retry.
///
/// Defaults: 2 retries, exponential backoff from 0.5 s doubling up to 8 s, with jitter; server
/// waits (`Retry-After`, `X-RateLimit-Reset`) are honoured up to 60 s.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_retries: usize,
    initial_delay: Duration,
    max_delay: Duration,
    jitter: bool,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            jitter: true,
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Number of retries after the first attempt (`0` disables retrying).
    pub fn max_retries(mut self, n: usize) -> Self {
        self.max_retries = n;
        self
    }

    /// First backoff delay (doubled on each retry).
    pub fn initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }

    /// Upper bound for a computed backoff delay.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Enables or disables random jitter (on by default; tests turn it off for exact timing).
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Opt in to retrying credit-spending POSTs on every retryable error, accepting that a
    /// replay may duplicate messages or spend credits twice.
    pub fn retry_non_idempotent(mut self, on: bool) -> Self {
        self.retry_non_idempotent = on;
        self
    }

    /// Configured retry count.
    pub fn retries(&self) -> usize {
        self.max_retries
    }

    /// Whether `err` should be retried for an operation of the given kind.
    pub fn should_retry(&self, idempotency: Idempotency, err: &Error) -> bool {
        if !err.is_retryable() {
            return false;
        }
        match idempotency {
            Idempotency::Idempotent => true,
            Idempotency::NonIdempotent => self.retry_non_idempotent || err.request_not_executed(),
        }
    }

    fn backoff(&self) -> ExponentialBuilder {
        let b = ExponentialBuilder::default()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_retries);
        if self.jitter { b.with_jitter() } else { b }
    }

    /// Runs `attempt` (given the 1-based attempt number) until it succeeds, fails with a
    /// non-retryable error, or the retries are used up.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        idempotency: Idempotency,
        mut attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut n = 0u32;
        let max_delay = self.max_delay;
        (move || {
            n += 1;
            attempt(n)
        })
        .retry(self.backoff())
        .sleep(tokio::time::sleep)
        .when(|e| self.should_retry(idempotency, e))
        .adjust(move |e, planned| {
            // `planned` is None once the retry budget is spent; the server's wait never adds attempts.
            planned.map(|d| match e.retry_after() {
                Some(server) => server.min(MAX_SERVER_WAIT),
                None => d.min(max_delay),
            })
        })
        .notify(|e, d| {
            tracing::debug!(error = %e, wait_ms = d.as_millis() as u64, "chatbase: retrying");
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{TimeoutKind, TransportKind};
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::time::Instant;

    fn api(status: u16, retry_after: Option<&str>) -> Error {
        let mut h = HeaderMap::new();
        if let Some(r) = retry_after {
            h.insert("retry-after", HeaderValue::from_str(r).unwrap());
        }
        Error::api_from_parts(StatusCode::from_u16(status).unwrap(), &h, b"{}", None)
    }

    fn connect_refused() -> Error {
        Error::Transport {
            kind: TransportKind::Connect,
            message: "refused".into(),
            source: "refused".into(),
        }
    }

    #[test]
    fn classifier_follows_method_safety() {
        let p = RetryPolicy::default();
        for s in [408, 429, 500, 502, 503] {
            assert!(
                p.should_retry(Idempotency::Idempotent, &api(s, None)),
                "{s}"
            );
        }
        for s in [400, 401, 402, 403, 404, 409, 422] {
            assert!(
                !p.should_retry(Idempotency::Idempotent, &api(s, None)),
                "{s}"
            );
        }
        assert!(p.should_retry(Idempotency::NonIdempotent, &api(429, None)));
        assert!(p.should_retry(Idempotency::NonIdempotent, &connect_refused()));
        assert!(!p.should_retry(Idempotency::NonIdempotent, &api(500, None)));
        assert!(!p.should_retry(Idempotency::NonIdempotent, &api(409, None)));
        assert!(!p.should_retry(
            Idempotency::NonIdempotent,
            &Error::Timeout(TimeoutKind::Idle)
        ));
        assert!(p.should_retry(Idempotency::Idempotent, &Error::Timeout(TimeoutKind::Idle)));
        let bold = RetryPolicy::default().retry_non_idempotent(true);
        assert!(bold.should_retry(Idempotency::NonIdempotent, &api(500, None)));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_one_second_is_honoured_exactly_once() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let out = RetryPolicy::default()
            .run(Idempotency::NonIdempotent, |_| {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        Err(api(429, Some("1")))
                    } else {
                        Ok(n)
                    }
                }
            })
            .await
            .unwrap();
        assert_eq!(out, 1);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(1), "{waited:?}");
        assert!(waited < Duration::from_millis(1100), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_doubles_from_half_a_second_without_jitter() {
        let stamps = std::sync::Mutex::new(Vec::new());
        let start = Instant::now();
        let err = RetryPolicy::default()
            .jitter(false)
            .max_retries(3)
            .run(Idempotency::Idempotent, |_| {
                stamps.lock().unwrap().push(start.elapsed());
                async { Err::<(), _>(api(503, None)) }
            })
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        let stamps = stamps.into_inner().unwrap();
        let ms: Vec<u128> = stamps.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, vec![0, 500, 1500, 3500]);
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_is_capped_and_server_wait_capped_at_sixty_seconds() {
        let start = Instant::now();
        let calls = AtomicU32::new(0);
        let _ = RetryPolicy::default()
            .max_retries(1)
            .run(Idempotency::Idempotent, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(api(429, Some("86400"))) }
            })
            .await;
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(start.elapsed().as_secs(), 60);

        let start = Instant::now();
        let _ = RetryPolicy::default()
            .jitter(true)
            .initial_delay(Duration::from_secs(20))
            .max_retries(1)
            .run(Idempotency::Idempotent, |_| async {
                Err::<(), _>(api(500, None))
            })
            .await;
        assert!(start.elapsed() <= Duration::from_secs(8));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_retries_and_non_retryable_errors_make_one_attempt() {
        for (policy, err) in [
            (RetryPolicy::none(), api(503, None)),
            (RetryPolicy::default(), api(404, None)),
        ] {
            let calls = AtomicU32::new(0);
            let start = Instant::now();
            let _ = policy
                .run(Idempotency::Idempotent, |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    let e = api(err.status().unwrap().as_u16(), None);
                    async move { Err::<(), _>(e) }
                })
                .await;
            assert_eq!(calls.load(Ordering::SeqCst), 1);
            assert_eq!(start.elapsed(), Duration::ZERO);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn credit_spending_post_is_not_retried_after_server_error() {
        let calls = AtomicU32::new(0);
        let _ = RetryPolicy::default()
            .run(Idempotency::NonIdempotent, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(api(500, None)) }
            })
            .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
