//! Browser-pairing state: open requests (by device code), what the user decided, how the client polled,
//! and the keys pairing minted. The handlers in `pairing` drive it; the gateway asks it whether a key is live.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Pending,
    Approved,
    Denied,
    /// Approved and its key handed out; kept so the admin view still shows how the client polled.
    Exchanged,
}

impl Decision {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Decision::Pending => "pending",
            Decision::Approved => "approved",
            Decision::Denied => "denied",
            Decision::Exchanged => "exchanged",
        }
    }
}

pub(crate) struct PairingRequest {
    pub(crate) user_code: String,
    pub(crate) device_name: String,
    pub(crate) created: Instant,
    pub(crate) expires: Instant,
    pub(crate) decision: Decision,
    /// The interval the client must keep now (doubled by every slow-down).
    pub(crate) interval: Duration,
    /// Answer the next poll with `PAIRING_SLOW_DOWN` (set through the admin route).
    pub(crate) slow_down_next: bool,
    pub(crate) last_poll: Option<Instant>,
    /// Each poll: milliseconds since creation and the code it was answered with.
    pub(crate) polls: Vec<(u128, &'static str)>,
}

pub(crate) struct PairedKey {
    pub(crate) workspace_id: String,
    pub(crate) expires_at: chrono::DateTime<chrono::Utc>,
}

/// Pending requests (by device code) and the keys they minted.
pub(crate) struct Pairing {
    pub(crate) interval: Duration,
    pub(crate) expires_in: Duration,
    pub(crate) key_lifetime: chrono::Duration,
    pub(crate) inner: Mutex<Inner>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) requests: HashMap<String, PairingRequest>,
    pub(crate) keys: HashMap<String, PairedKey>,
}

impl Pairing {
    pub fn new(interval: Duration, expires_in: Duration, key_lifetime: Duration) -> Self {
        Self {
            interval,
            expires_in,
            // Out of chrono's range only for absurd lifetimes; those never expire.
            key_lifetime: chrono::Duration::from_std(key_lifetime).unwrap_or(chrono::Duration::MAX),
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a handler panicked between two plain map updates.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `key` is a paired key that is neither revoked nor expired.
    pub fn accepts(&self, key: &str) -> bool {
        self.lock()
            .keys
            .get(key)
            .is_some_and(|k| k.expires_at > chrono::Utc::now())
    }

    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }
}
