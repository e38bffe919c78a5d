//! [`RequestOptions`]: the per-call overrides every request builder holds (retries, deadline,
//! stream bounds), applied by the executor in [`crate::client`].

use std::time::Duration;

/// Per-call overrides of the client's retry policy, deadline and stream bounds.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub(crate) max_retries: Option<usize>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) stream_idle: Option<Duration>,
    pub(crate) stream_event: Option<Duration>,
    pub(crate) stream_deadline: Option<Duration>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Retries for this call only (`0` disables).
    pub fn max_retries(mut self, n: usize) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Per-attempt deadline for this call (non-streaming calls only).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Stream transport idle for this call (see [`ClientBuilder::stream_idle_timeout`]; zero turns it off).
    pub fn stream_idle_timeout(mut self, d: Duration) -> Self {
        self.stream_idle = Some(d);
        self
    }

    /// Stream event idle for this call (see [`ClientBuilder::stream_event_timeout`]; zero turns it off).
    pub fn stream_event_timeout(mut self, d: Duration) -> Self {
        self.stream_event = Some(d);
        self
    }

    /// Overall stream deadline for this call (see [`ClientBuilder::stream_deadline`]; zero turns it off).
    pub fn stream_deadline(mut self, d: Duration) -> Self {
        self.stream_deadline = Some(d);
        self
    }
}
