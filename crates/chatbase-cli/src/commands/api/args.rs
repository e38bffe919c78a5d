//! The arguments of `chatbase api`.

use crate::args::BodyArgs;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
#[value(rename_all = "UPPER")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

#[derive(Debug, Args)]
pub struct ApiCmd {
    /// HTTP method
    #[arg(value_enum, ignore_case = true)]
    pub method: HttpMethod,
    /// Path relative to the v2 root, e.g. /agents
    pub path: String,
    /// Query parameter (repeatable)
    #[arg(long = "query", value_name = "KEY=VALUE")]
    pub query: Vec<String>,
    #[command(flatten)]
    pub body: BodyArgs,
    /// Shorthand for --data
    #[arg(long, value_name = "JSON|@FILE|@-", conflicts_with = "data")]
    pub body_json: Option<String>,
    /// Print the status line and response headers to stderr
    #[arg(short = 'i', long)]
    pub include: bool,
}
