//! The rate limiter: a fixed window per key, O(1) per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::config::RateLimit;

/// Fixed-window counter per key, O(1) per request. A window opens with a key's first
/// request and lasts `window`; when it ends the whole budget is back, so a client that waits
/// for `Retry-After` (or until `X-RateLimit-Reset`) finds a fresh budget.
pub(crate) struct RateLimiter {
    cfg: Option<RateLimit>,
    origin: Instant,
    origin_unix_ms: u128,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    start: Duration,
    used: u32,
}

#[derive(Clone)]
pub(crate) struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    /// End of the current window, Unix seconds (rounded up, so the window is over by then).
    pub reset_unix_secs: u128,
    pub retry_after_secs: Option<u64>,
}

impl RateLimiter {
    pub(crate) fn new(cfg: Option<RateLimit>) -> Self {
        let origin_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Self {
            cfg: cfg.filter(|c| c.requests > 0 && !c.window.is_zero()),
            origin: Instant::now(),
            origin_unix_ms,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn clear(&self) {
        if let Ok(mut b) = self.buckets.lock() {
            b.clear();
        }
    }

    /// Counts one request for `key` (when `consume`) and reports the budget.
    pub(crate) fn check(&self, key: &str, consume: bool) -> Option<RateInfo> {
        let cfg = self.cfg?;
        let now = self.origin.elapsed();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            start: now,
            used: 0,
        });
        if now >= b.start + cfg.window {
            b.start = now;
            b.used = 0;
        }
        let end = b.start + cfg.window;
        let reset_unix_secs = (self.origin_unix_ms + end.as_millis()).div_ceil(1000);
        if consume && b.used >= cfg.requests {
            // Whole seconds, rounded up: waiting this long always reaches the next window.
            let wait = end.saturating_sub(now);
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Some(RateInfo {
                limit: cfg.requests,
                remaining: 0,
                reset_unix_secs,
                retry_after_secs: Some(secs.max(1)),
            });
        }
        if consume {
            b.used += 1;
        }
        Some(RateInfo {
            limit: cfg.requests,
            remaining: cfg.requests.saturating_sub(b.used),
            reset_unix_secs,
            retry_after_secs: None,
        })
    }
}
