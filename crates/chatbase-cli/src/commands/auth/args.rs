//! The arguments of `chatbase auth …`.

use clap::Subcommand;

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
