//! Runs the emulator in the foreground (what `chatbase emulator serve` does), for manual
//! testing and external load generators such as `wrk`.
//!
//! ```text
//! cargo run --release -p chatbase-emulator --example serve -- [PORT] [DATA_DIR]
//! ```
//! Without DATA_DIR state is kept in memory. Set `EMULATOR_NO_RATE_LIMIT=1` to turn the
//! rate limit off (benchmarks) and `CHATBASE_EMULATOR_API_KEY` to choose the key.

use std::net::SocketAddr;
use std::time::Duration;

use chatbase_emulator::{EmulatorConfig, Storage, bind};

#[tokio::main]
async fn main() -> Result<(), chatbase_emulator::Error> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8787);
    let storage = match args.next() {
        Some(dir) => Storage::Dir(dir.into()),
        None => Storage::InMemory,
    };
    let mut config = EmulatorConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], port)),
        storage,
        ..EmulatorConfig::default()
    };
    if std::env::var_os("EMULATOR_NO_RATE_LIMIT").is_some() {
        config.rate_limit = None;
        config.stream_delay = Duration::ZERO;
    }
    let emulator = bind(config).await?;
    let info = emulator.info();
    println!("Chatbase emulator listening on http://{}", info.addr);
    println!("  API key: {}", info.api_key);
    emulator.serve().await
}
