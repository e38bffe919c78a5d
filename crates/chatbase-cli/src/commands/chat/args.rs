//! The arguments of `chatbase chat`.

use crate::args::StreamArgs;
use clap::{Args, Subcommand};

// No `args_conflicts_with_subcommands`: it counted the global `-a` as a chat option; `chat::run` checks instead.
#[derive(Debug, Args)]
pub struct ChatCmd {
    #[command(flatten)]
    pub args: ChatArgs,
    #[command(subcommand)]
    pub sub: Option<ChatSub>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ChatArgs {
    /// The message to send (one-shot). Without it: stdin if piped, else an interactive session
    #[arg(short = 'm', long)]
    pub message: Option<String>,
    /// Continue this conversation
    #[arg(short = 'c', long, value_name = "ID")]
    pub conversation: Option<String>,
    /// Show the last messages of --conversation before the prompt
    #[arg(long, requires = "conversation")]
    pub resume: bool,
    /// Wait for the whole answer instead of streaming it
    #[arg(long)]
    pub no_stream: bool,
    /// Your own ID for the end user (groups conversations per user)
    #[arg(long, value_name = "ID")]
    pub user_id: Option<String>,
    #[command(flatten)]
    pub stream: StreamArgs,
}

#[derive(Debug, Subcommand)]
pub enum ChatSub {
    /// Regenerate an assistant message (it and everything after it is discarded)
    Retry {
        #[arg(short = 'c', long, value_name = "ID")]
        conversation: String,
        #[arg(long, value_name = "ID")]
        message_id: String,
        #[arg(long)]
        no_stream: bool,
    },
}
