//! The arguments of `chatbase config …`, `completions` and `man`.

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print one setting and where it came from
    Get { key: String },
    /// Change a setting in the profile (an empty value clears it)
    Set { key: String, value: String },
    /// Print every setting with its origin
    List,
    /// Print the path of the configuration file
    Path,
}

#[derive(Debug, Args)]
pub struct CompletionsCmd {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManCmd {
    /// Write one page per command into this directory (default: print `chatbase.1` to stdout)
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}
