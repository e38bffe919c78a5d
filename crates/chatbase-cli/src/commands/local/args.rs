//! The arguments of `chatbase auth …`, `config …`, `completions` and `man`.

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuthCmd {
    /// Log in through the browser (offered first on a terminal), or store a pasted key (masked prompt, or
    /// --with-token from stdin)
    Login {
        /// Read the key from stdin
        #[arg(long, conflicts_with = "browser")]
        with_token: bool,
        /// Log in by approving a one-time code in the browser; the service mints a scoped key
        #[arg(long)]
        browser: bool,
        /// Browser login: stop waiting for approval after SECS [default: when the code expires]
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
        wait: Option<u64>,
        /// Store the key without checking it against the API
        #[arg(long)]
        no_verify: bool,
        /// Keep the key in the OS keyring; the config file only records that it is there
        #[cfg(feature = "keyring")]
        #[arg(long)]
        keyring: bool,
    },
    /// Show which key is in use, where it came from, and whether it works
    Status,
    /// Remove the stored key from the profile (a key from browser login is also revoked on the service)
    Logout,
}

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
