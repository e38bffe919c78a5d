//! The arguments of `chatbase conversations …`, `messages …` and `users …`.

use crate::args::ListArgs;
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportInclude {
    Summary,
    Messages,
}

#[derive(Debug, Subcommand)]
pub enum ConversationsCmd {
    /// List API conversations (use export for every channel)
    List {
        #[command(flatten)]
        list: ListArgs,
        /// Only this user's conversations
        #[arg(long, value_name = "USER_ID")]
        user: Option<String>,
        /// From this date (YYYY-MM-DD or ISO 8601)
        #[arg(long)]
        start_date: Option<String>,
        /// Up to this date (YYYY-MM-DD or ISO 8601)
        #[arg(long)]
        end_date: Option<String>,
    },
    /// Show one conversation with its first page of messages
    Get { conversation_id: String },
    /// Export conversations from every channel as NDJSON, resumably
    Export {
        /// Write to this file instead of stdout (appends when resuming)
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Page size (1-20)
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=20))]
        limit: Option<u32>,
        /// Start from this cursor
        #[arg(long)]
        cursor: Option<String>,
        /// Continue an interrupted export to --output from its saved cursor
        #[arg(long, requires = "output")]
        resume: bool,
        /// Only the first page
        #[arg(long)]
        one_page: bool,
        /// Stop after this many conversations
        #[arg(long, value_name = "N")]
        max_items: Option<u64>,
        #[arg(long)]
        start_date: Option<String>,
        #[arg(long)]
        end_date: Option<String>,
        /// Only this conversation
        #[arg(long, value_name = "ID")]
        conversation: Option<String>,
        /// summary omits message bodies
        #[arg(long, value_enum)]
        include: Option<ExportInclude>,
        /// Comma-separated sources, e.g. API,WhatsApp
        #[arg(long)]
        source: Option<String>,
    },
    /// Pause the agent in a conversation (a human takes over)
    Pause { conversation_id: String },
    /// Let the agent answer again in a conversation
    Resume { conversation_id: String },
    /// Send the result of a client-side tool call
    ToolResult {
        conversation_id: String,
        #[arg(long, value_name = "ID")]
        tool_call_id: String,
        /// The output: JSON, @FILE or @-; non-JSON text is sent as a string
        #[arg(long, value_name = "JSON|@FILE|@-")]
        output: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Rating {
    Positive,
    Negative,
    Clear,
}

#[derive(Debug, Subcommand)]
pub enum MessagesCmd {
    /// List a conversation's messages
    List {
        #[arg(short = 'c', long, value_name = "ID")]
        conversation: String,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Rate an assistant message
    Feedback {
        message_id: String,
        #[arg(short = 'c', long, value_name = "ID")]
        conversation: String,
        #[arg(long, value_enum)]
        rating: Rating,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// List one user's conversations
    Conversations {
        user_id: String,
        #[command(flatten)]
        list: ListArgs,
    },
}
