//! `chatbase-emulator`: a local, stateful Chatbase API server (v1 under `/api/v1`, v2 under
//! `/api/v2`, files-host uploads on the v2 source paths) for offline use, tests and
//! benchmarks. This module owns the public entry points (builder, [`bind`]). Layers, each using only
//! those below it: `store`, `search`, `spec` and `util` at the bottom; `resources` (stored documents);
//! `state` (what handlers share); `extract` (axum extractors); the handlers in `v1`, `v2`, `admin` and
//! `pairing`; `gateway` (middleware); `server` (the router, built from `chatbase_api`'s operation
//! registry, with `ops` naming each routed request's operation).
//!
//! ```no_run
//! # async fn demo() -> Result<(), chatbase_emulator::Error> {
//! let emu = chatbase_emulator::Emulator::builder().in_memory().start().await?;
//! println!("{} {}", emu.base_url(), emu.api_key());
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod config;
mod error;
mod extract;
mod gateway;
mod ops;
mod paced;
mod pairing;
mod resources;
mod search;
mod seed;
mod server;
mod spec;
mod state;
mod store;
mod util;
mod v1;
mod v2;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{
    API_KEY_ENV, EmulatorConfig, ErrorFault, Faults, RateLimit, ResetFault, StallFault, Storage,
    default_data_dir,
};
pub use error::Error;
#[doc(hidden)]
pub use spec::to_json_schema;

/// Id of the seeded demo agent (also a v1 chatbot id).
pub const DEMO_AGENT_ID: &str = "demo-agent";

/// File in the data directory that keeps a generated API key between runs (mode 0600).
pub const API_KEY_FILE: &str = "api-key";

/// Entry point for the builder.
pub struct Emulator;

impl Emulator {
    /// A builder with defaults: in memory, `127.0.0.1:0`, 100 req/10 s, demo seeded.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            config: EmulatorConfig::default(),
        }
    }
}

/// Configures and starts an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    config: EmulatorConfig,
}

impl EmulatorBuilder {
    /// Starts from a full configuration.
    pub fn config(mut self, config: EmulatorConfig) -> Self {
        self.config = config;
        self
    }

    /// The key clients must send as `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.config.api_key = Some(key.into());
        self
    }

    /// Keeps all state in memory.
    pub fn in_memory(mut self) -> Self {
        self.config.storage = Storage::InMemory;
        self
    }

    /// Keeps state in a SQLite database inside `dir` (created if missing).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.storage = Storage::Dir(dir.into());
        self
    }

    /// Address to bind (default `127.0.0.1:0`).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.config.bind = addr;
        self
    }

    /// Sets the rate limit; `None` disables it.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.config.rate_limit = limit;
        self
    }

    /// Pause between streamed chat deltas (zero for tests and benchmarks).
    pub fn stream_delay(mut self, delay: Duration) -> Self {
        self.config.stream_delay = delay;
        self
    }

    /// Whether to seed the demo workspace on first start.
    pub fn seed_demo(mut self, seed: bool) -> Self {
        self.config.seed_demo = seed;
        self
    }

    /// Browser pairing: the poll interval handed to clients and how long a request stays open (tests use
    /// short ones so a full login takes milliseconds).
    pub fn pairing_timing(mut self, interval: Duration, expires_in: Duration) -> Self {
        self.config.pairing_interval = interval;
        self.config.pairing_expires_in = expires_in;
        self
    }

    /// How long a key minted by pairing lives (default 90 days), e.g. to test expiry warnings.
    pub fn paired_key_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.paired_key_lifetime = lifetime;
        self
    }

    /// Initial faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.config.faults = faults;
        self
    }

    /// Binds and serves in the background.
    pub async fn start(self) -> Result<RunningEmulator, Error> {
        start(self.config).await
    }
}

/// A running emulator. Dropping it stops the server too; [`RunningEmulator::shutdown`]
/// also waits for it to finish.
pub struct RunningEmulator {
    addr: SocketAddr,
    api_key: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), Error>>>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addr", &self.addr)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl RunningEmulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: the origin serving `/api/v1`, `/api/v2` and the files-host paths.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://<addr>/api/v1`.
    pub fn v1_url(&self) -> String {
        format!("{}/api/v1", self.base_url())
    }

    /// `http://<addr>/api/v2`.
    pub fn v2_url(&self) -> String {
        format!("{}/api/v2", self.base_url())
    }

    /// The API key the emulator accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn generate_key() -> String {
    format!("cbemu_{}", util::random_alnum(32))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())
}

/// Resolves the key: explicit config, then [`API_KEY_ENV`], then the key file in the data
/// directory, else a new key (saved there with mode 0600 when there is a directory).
/// Returns the key and where it came from.
fn resolve_api_key(cfg: &EmulatorConfig) -> Result<(String, KeySource), Error> {
    if let Some(k) = cfg.api_key.as_ref().filter(|k| !k.trim().is_empty()) {
        return Ok((k.trim().to_string(), KeySource::Configured));
    }
    if let Ok(k) = std::env::var(API_KEY_ENV)
        && !k.trim().is_empty()
    {
        return Ok((k.trim().to_string(), KeySource::Env));
    }
    match &cfg.storage {
        Storage::InMemory => Ok((generate_key(), KeySource::Generated(None))),
        Storage::Dir(dir) => {
            std::fs::create_dir_all(dir)?;
            let path = dir.join(API_KEY_FILE);
            if let Ok(k) = std::fs::read_to_string(&path)
                && !k.trim().is_empty()
            {
                return Ok((k.trim().to_string(), KeySource::File(path)));
            }
            let k = generate_key();
            write_private(&path, &k)?;
            Ok((k, KeySource::Generated(Some(path))))
        }
    }
}

/// Where the emulator's API key came from (see [`ServeInfo`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// Set in the configuration ([`EmulatorBuilder::api_key`], [`EmulatorConfig::api_key`]).
    Configured,
    /// Read from [`API_KEY_ENV`].
    Env,
    /// Read from the key file in the data directory.
    File(PathBuf),
    /// Generated for this run; saved to the path when there is a data directory.
    Generated(Option<PathBuf>),
}

/// What a caller needs to tell the user about a bound emulator: the library prints nothing, the CLI shows
/// this (address, storage and the key, which the user has no other way to learn when it was generated).
#[derive(Clone)]
#[non_exhaustive]
pub struct ServeInfo {
    /// The bound address.
    pub addr: SocketAddr,
    /// The key clients must send.
    pub api_key: String,
    /// Where the key came from.
    pub key_source: KeySource,
    /// Where state is kept.
    pub storage: Storage,
    /// The seeded demo agent, when seeding is on.
    pub demo_agent_id: Option<&'static str>,
}

impl std::fmt::Debug for ServeInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeInfo")
            .field("addr", &self.addr)
            .field("api_key", &"<redacted>")
            .field("key_source", &self.key_source)
            .field("storage", &self.storage)
            .field("demo_agent_id", &self.demo_agent_id)
            .finish()
    }
}

struct Prepared {
    listener: tokio::net::TcpListener,
    app: state::AppState,
    key_source: KeySource,
}

async fn prepare(config: EmulatorConfig) -> Result<Prepared, Error> {
    // The request checks come from the embedded specs; refuse to start without them.
    spec::contract().map_err(Error::Config)?;
    let (api_key, key_source) = resolve_api_key(&config)?;
    let dir = match &config.storage {
        Storage::InMemory => None,
        Storage::Dir(d) => Some(d.clone()),
    };
    let store = tokio::task::spawn_blocking(move || store::Store::open(dir.as_deref()))
        .await
        .map_err(|e| Error::Config(format!("storage task failed: {e}")))??;
    let app = Arc::new(state::App::new(store, api_key, &config));
    if config.seed_demo {
        seed::seed_if_needed(&app).await.map_err(|e| {
            Error::Config(format!("seeding the demo workspace failed: {}", e.message))
        })?;
    }
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    Ok(Prepared {
        listener,
        app,
        key_source,
    })
}

async fn start(config: EmulatorConfig) -> Result<RunningEmulator, Error> {
    let p = prepare(config).await?;
    let addr = p.listener.local_addr()?;
    let api_key = p.app.api_key.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let router = server::router(p.app);
    let task = tokio::spawn(async move {
        axum::serve(p.listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
            .map_err(Error::from)
    });
    Ok(RunningEmulator {
        addr,
        api_key,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// Binds an emulator for running in the foreground (the CLI's `chatbase emulator serve`). Nothing is
/// printed: show [`BoundEmulator::info`] to the user, then call [`BoundEmulator::serve`].
pub async fn bind(config: EmulatorConfig) -> Result<BoundEmulator, Error> {
    let storage = config.storage.clone();
    let p = prepare(config).await?;
    let info = ServeInfo {
        addr: p.listener.local_addr()?,
        api_key: p.app.api_key.clone(),
        key_source: p.key_source,
        storage,
        demo_agent_id: p.app.seed_demo.then_some(DEMO_AGENT_ID),
    };
    Ok(BoundEmulator {
        listener: p.listener,
        app: p.app,
        info,
    })
}

/// An emulator bound to its address and ready to serve in the foreground (see [`bind`]).
pub struct BoundEmulator {
    listener: tokio::net::TcpListener,
    app: state::AppState,
    info: ServeInfo,
}

impl std::fmt::Debug for BoundEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundEmulator")
            .field("info", &self.info)
            .finish()
    }
}

impl BoundEmulator {
    /// Address, key and storage, for the caller to show.
    pub fn info(&self) -> &ServeInfo {
        &self.info
    }

    /// Serves until Ctrl-C.
    pub async fn serve(self) -> Result<(), Error> {
        self.serve_with_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    }

    /// Serves until `shutdown` completes.
    pub async fn serve_with_shutdown(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let router = server::router(self.app);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}
