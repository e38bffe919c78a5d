//! The arguments of `chatbase emulator …`.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum EmulatorCmd {
    /// Serve the emulator on 127.0.0.1 until Ctrl-C
    Serve {
        #[arg(long, default_value_t = 8787)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Keep state in this directory (default: $XDG_DATA_HOME/chatbase/emulator)
        #[arg(long, value_name = "DIR", conflicts_with = "in_memory")]
        data: Option<PathBuf>,
        /// Keep nothing after shutdown
        #[arg(long)]
        in_memory: bool,
        /// Turn off the emulated rate limit (100 requests per 10 s per key)
        #[arg(long)]
        no_rate_limit: bool,
        /// Pause between streamed chat deltas, in milliseconds (default: the emulator's)
        #[arg(long, value_name = "MS")]
        stream_delay_ms: Option<u64>,
    },
}
