//! The state every handler shares ([`App`]): the store, the key, limits, faults, the search-index cache,
//! the rate limiter and browser pairing. It imports no handler; handlers, the gateway and the router
//! build on it.

mod limiter;
mod pairing;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::config::Faults;
use crate::error::ApiError;
use crate::search::AgentIndex;
use crate::store::Store;

pub(crate) use limiter::{RateInfo, RateLimiter};
pub(crate) use pairing::{Decision, PairedKey, Pairing, PairingRequest};

pub(crate) type AppState = Arc<App>;

pub(crate) struct App {
    pub store: Store,
    pub api_key: String,
    pub stream_delay: Duration,
    pub max_body: usize,
    pub max_upload: usize,
    pub seed_demo: bool,
    /// Browser-pairing requests and the keys they minted.
    pub pairing: Pairing,
    faults: RwLock<Faults>,
    /// Mirrors `!faults.is_empty()` so the hot path skips the lock and the clone.
    faults_active: AtomicBool,
    pub limiter: RateLimiter,
    indexes: Mutex<HashMap<String, Arc<AgentIndex>>>,
    index_gen: AtomicU64,
}

impl App {
    pub fn new(store: Store, api_key: String, cfg: &crate::EmulatorConfig) -> Self {
        Self {
            store,
            api_key,
            stream_delay: cfg.stream_delay,
            max_body: cfg.max_body_bytes,
            max_upload: cfg.max_upload_bytes,
            seed_demo: cfg.seed_demo,
            pairing: Pairing::new(
                cfg.pairing_interval,
                cfg.pairing_expires_in,
                cfg.paired_key_lifetime,
            ),
            faults: RwLock::new(cfg.faults.clone()),
            faults_active: AtomicBool::new(!cfg.faults.is_empty()),
            limiter: RateLimiter::new(cfg.rate_limit),
            indexes: Mutex::new(HashMap::new()),
            index_gen: AtomicU64::new(0),
        }
    }

    pub fn faults(&self) -> Faults {
        if !self.faults_active.load(AtomicOrdering::Relaxed) {
            return Faults::default();
        }
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }

    pub fn set_faults(&self, faults: Faults) {
        let active = !faults.is_empty();
        if let Ok(mut f) = self.faults.write() {
            *f = faults;
        }
        self.faults_active.store(active, AtomicOrdering::Relaxed);
    }

    /// Forgets cached indexes after sources change.
    pub fn invalidate_index(&self, agent: &str) {
        self.index_gen.fetch_add(1, AtomicOrdering::SeqCst);
        if let Ok(mut m) = self.indexes.lock() {
            m.remove(agent);
        }
    }

    pub fn invalidate_all_indexes(&self) {
        self.index_gen.fetch_add(1, AtomicOrdering::SeqCst);
        if let Ok(mut m) = self.indexes.lock() {
            m.clear();
        }
    }

    /// The agent's search index, built from its trained sources on first use.
    pub async fn index(&self, agent: &str) -> Result<Arc<AgentIndex>, ApiError> {
        if let Some(idx) = self.indexes.lock().ok().and_then(|m| m.get(agent).cloned()) {
            return Ok(idx);
        }
        let generation = self.index_gen.load(AtomicOrdering::SeqCst);
        let agent_id = agent.to_string();
        let texts = self
            .store
            .run(move |db| crate::resources::sources::indexable_texts(db, &agent_id))
            .await?;
        let idx = tokio::task::spawn_blocking(move || Arc::new(AgentIndex::build(&texts)))
            .await
            .map_err(|e| ApiError::internal(format!("index build failed: {e}")))?;
        // Only cache when no source changed while building; otherwise the next call rebuilds.
        if self.index_gen.load(AtomicOrdering::SeqCst) == generation
            && let Ok(mut m) = self.indexes.lock()
        {
            m.insert(agent.to_string(), idx.clone());
        }
        Ok(idx)
    }
}
