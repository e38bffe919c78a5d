//! [`RequestOptions`]: the per-call overrides every request builder holds (retries, deadline,
//! stream bounds, extra headers), and the one macro that gives each builder the same setters for
//! them. The executor in [`crate::client`] applies them; nothing here sends a request.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// Per-call overrides of the client's settings: retries, the per-attempt deadline, the bounds of a
/// streamed answer and extra headers. Unset fields fall back to the [`ClientBuilder`](crate::ClientBuilder)
/// settings.
///
/// Every request builder ([`Call`](crate::Call), the chat builders, uploads, [`RawRequest`](crate::RawRequest))
/// holds one and offers the same setters (`max_retries`, `timeout`, `header`, `options`; streaming builders
/// also the `stream_*` bounds), so options can be set one by one on the builder or prepared once and
/// passed with `.options(…)`.
///
/// ```
/// use std::time::Duration;
/// let opts = chatbase::RequestOptions::new()
///     .max_retries(0)
///     .timeout(Duration::from_secs(5))
///     .header("x-trace-id", "abc-123");
/// # let _ = opts;
/// ```
///
/// The Chatbase API documents no idempotency-key header, so there is no idempotency-key option: which calls
/// may be replayed is decided per operation (see [`RetryPolicy`](crate::RetryPolicy)). A proxy that wants
/// one can be given it with [`header`](Self::header).
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub(crate) max_retries: Option<usize>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) stream_idle: Option<Duration>,
    pub(crate) stream_event: Option<Duration>,
    pub(crate) stream_deadline: Option<Duration>,
    /// Extra headers; values are marked sensitive so `Debug` never prints them.
    pub(crate) headers: HeaderMap,
    /// The first header that could not be built, reported by [`check`](Self::check) at send time.
    pub(crate) invalid: Option<String>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Retries for this call only (`0` disables). Credit-spending calls are still replayed only when they
    /// provably did not run.
    pub fn max_retries(mut self, n: usize) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Deadline of each attempt of a non-streaming call (see [`ClientBuilder::timeout`](crate::ClientBuilder::timeout));
    /// for an upload it covers the whole upload. A streamed answer is bounded by the `stream_*` settings instead.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Stream transport idle for this call (see
    /// [`ClientBuilder::stream_idle_timeout`](crate::ClientBuilder::stream_idle_timeout); zero turns it off).
    pub fn stream_idle_timeout(mut self, d: Duration) -> Self {
        self.stream_idle = Some(d);
        self
    }

    /// Stream event idle for this call (see
    /// [`ClientBuilder::stream_event_timeout`](crate::ClientBuilder::stream_event_timeout); zero turns it off).
    pub fn stream_event_timeout(mut self, d: Duration) -> Self {
        self.stream_event = Some(d);
        self
    }

    /// Overall stream deadline for this call (see
    /// [`ClientBuilder::stream_deadline`](crate::ClientBuilder::stream_deadline); zero turns it off).
    pub fn stream_deadline(mut self, d: Duration) -> Self {
        self.stream_deadline = Some(d);
        self
    }

    /// Adds a header to every attempt of this call, replacing any header of that name the SDK would send
    /// (`Authorization` included: a per-call key). A name or value that is not a valid header fails the call
    /// with [`Error::InvalidInput`] when it is sent, before anything goes out. The value is kept out of `Debug`
    /// output.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: fmt::Display,
    {
        let name = match name.try_into() {
            Ok(n) => n,
            Err(e) => return self.reject(format!("invalid header name: {e}")),
        };
        match value.try_into() {
            Ok(mut v) => {
                v.set_sensitive(true);
                self.headers.append(name, v);
            }
            Err(e) => return self.reject(format!("invalid value for header `{name}`: {e}")),
        }
        self
    }

    pub(crate) fn reject(mut self, message: String) -> Self {
        self.invalid.get_or_insert(message);
        self
    }

    /// Fails with the first invalid header given to [`header`](Self::header).
    pub(crate) fn check(&self) -> Result<()> {
        match &self.invalid {
            Some(m) => Err(Error::invalid(m.clone())),
            None => Ok(()),
        }
    }
}

/// The setters of [`RequestOptions`], forwarded by a builder that has an `options: RequestOptions` field.
/// `request_options!()` gives the setters every builder has; `request_options!(stream)` adds the bounds of a
/// streamed answer.
macro_rules! request_options {
    () => {
        /// Retries for this call only (`0` disables); see [`RequestOptions::max_retries`](crate::RequestOptions::max_retries).
        pub fn max_retries(mut self, n: usize) -> Self {
            self.options = self.options.max_retries(n);
            self
        }

        /// Deadline of each attempt of this call; see [`RequestOptions::timeout`](crate::RequestOptions::timeout).
        pub fn timeout(mut self, d: std::time::Duration) -> Self {
            self.options = self.options.timeout(d);
            self
        }

        /// Adds a header to this call; see [`RequestOptions::header`](crate::RequestOptions::header).
        pub fn header<K, V>(mut self, name: K, value: V) -> Self
        where
            K: TryInto<reqwest::header::HeaderName>,
            K::Error: std::fmt::Display,
            V: TryInto<reqwest::header::HeaderValue>,
            V::Error: std::fmt::Display,
        {
            self.options = self.options.header(name, value);
            self
        }

        /// Replaces all per-call options at once (see [`RequestOptions`](crate::RequestOptions)).
        pub fn options(mut self, options: crate::RequestOptions) -> Self {
            self.options = options;
            self
        }
    };
    (stream) => {
        crate::options::request_options!();

        /// Stream transport idle for this call; see
        /// [`RequestOptions::stream_idle_timeout`](crate::RequestOptions::stream_idle_timeout).
        pub fn stream_idle_timeout(mut self, d: std::time::Duration) -> Self {
            self.options = self.options.stream_idle_timeout(d);
            self
        }

        /// Stream event idle for this call; see
        /// [`RequestOptions::stream_event_timeout`](crate::RequestOptions::stream_event_timeout).
        pub fn stream_event_timeout(mut self, d: std::time::Duration) -> Self {
            self.options = self.options.stream_event_timeout(d);
            self
        }

        /// Overall deadline of the streamed answer; see
        /// [`RequestOptions::stream_deadline`](crate::RequestOptions::stream_deadline).
        pub fn stream_deadline(mut self, d: std::time::Duration) -> Self {
            self.options = self.options.stream_deadline(d);
            self
        }
    };
}
pub(crate) use request_options;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_stay_out_of_debug_and_bad_headers_fail_at_check() {
        let o = RequestOptions::new().header("x-secret", "s3cr3t-value");
        assert!(o.check().is_ok());
        assert!(!format!("{o:?}").contains("s3cr3t-value"), "{o:?}");
        let bad = RequestOptions::new()
            .header("bad name", "v")
            .header("x-ok", "line\nbreak");
        let Err(Error::InvalidInput(m)) = bad.check() else {
            panic!("expected InvalidInput");
        };
        assert!(m.contains("invalid header name"), "{m}");
    }
}
