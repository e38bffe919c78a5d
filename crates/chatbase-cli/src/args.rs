//! Argument groups shared by several commands: list paging, request bodies, confirmation, stream bounds, and the
//! stand-in for a command this build was compiled without.

use clap::Args;

#[derive(Debug, Args, Clone, Default)]
pub struct ListArgs {
    /// Items per page (1-100)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: Option<u32>,
    /// Start from this cursor (printed by a previous page)
    #[arg(long)]
    pub cursor: Option<String>,
    /// Follow every page, printing items as they arrive
    #[arg(long)]
    pub all: bool,
    /// Stop after this many items (with --all)
    #[arg(long, value_name = "N")]
    pub max_items: Option<u64>,
}

/// A request body from JSON and/or fields.
#[derive(Debug, Args, Clone, Default)]
pub struct BodyArgs {
    /// Request body as JSON, @FILE, or @- for stdin
    #[arg(long, value_name = "JSON|@FILE|@-")]
    pub data: Option<String>,
    /// Set a string field (dots nest: styles.buttonColor=#fff); overrides --data
    #[arg(short = 'f', long = "field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
    /// Set a typed field: numbers, true/false, null and JSON are parsed
    #[arg(short = 'F', long = "typed-field", value_name = "KEY=VALUE")]
    pub typed_fields: Vec<String>,
}

/// Confirmation for destructive commands.
#[derive(Debug, Args, Clone, Default)]
pub struct ConfirmArgs {
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Confirm by repeating the ID of what is being deleted (for scripts)
    #[arg(long, value_name = "ID")]
    pub confirm: Option<String>,
}

/// Bounds of a streamed answer, in seconds (0 turns one off). Each overrides its environment variable and config
/// key (`chatbase config set stream-idle-timeout 90`).
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct StreamArgs {
    /// Longest silence on the answer stream, keep-alives included [env: CHATBASE_STREAM_IDLE_TIMEOUT] [default: 60]
    #[arg(long, value_name = "SECS")]
    pub stream_idle_timeout: Option<u64>,
    /// Longest wait for the next piece of the answer; keep-alive pings do not count [env:
    /// CHATBASE_STREAM_EVENT_TIMEOUT] [default: 120]
    #[arg(long, value_name = "SECS")]
    pub stream_event_timeout: Option<u64>,
    /// Longest a whole answer may take [env: CHATBASE_STREAM_DEADLINE] [default: 0, off]
    #[arg(long, value_name = "SECS")]
    pub stream_deadline: Option<u64>,
}

impl StreamArgs {
    /// The flags in `config::STREAM_SETTINGS` order.
    pub fn values(&self) -> [Option<u64>; 3] {
        [
            self.stream_idle_timeout,
            self.stream_event_timeout,
            self.stream_deadline,
        ]
    }
}

/// The arguments of a command this build was compiled without (`eval`, `emulator`), taken as they come: the command
/// then fails naming the missing cargo feature, not a flag it cannot know.
#[derive(Debug, Args, Clone, Default)]
pub struct CompiledOut {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub args: Vec<std::ffi::OsString>,
}
