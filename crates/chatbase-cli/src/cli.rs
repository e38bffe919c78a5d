//! The top of the clap argument tree: the parser, the global flags and the list of commands. Each command's own
//! arguments live beside it (`commands/<noun>/args.rs`), shared groups in `args`. Parsing only; behaviour lives
//! in `commands`.

use clap::{Args, Parser, Subcommand};

pub use crate::args::{BodyArgs, CompiledOut, ConfirmArgs, ListArgs, StreamArgs};
pub use crate::commands::agents::args::AgentsCmd;
pub use crate::commands::api::args::{ApiCmd, HttpMethod};
pub use crate::commands::auth::args::AuthCmd;
pub use crate::commands::chat::args::{ChatArgs, ChatCmd, ChatSub};
pub use crate::commands::conversations::args::{
    ConversationsCmd, ExportInclude, MessagesCmd, Rating, UsersCmd,
};
#[cfg(feature = "emulator")]
pub use crate::commands::emulator::args::EmulatorCmd;
#[cfg(feature = "eval")]
pub use crate::commands::eval::args::{EvalCmd, FailOn};
pub use crate::commands::helpdesk::args::{
    HelpdeskCmd, Order, SortBy, TicketsCmd, VoiceCmd, WhatsappCmd,
};
pub use crate::commands::local::args::{CompletionsCmd, ConfigCmd, ManCmd};
pub use crate::commands::sources::args::{LinkType, SourceType, SourcesCmd};
pub use crate::commands::v1::args::{
    V1AttributesCmd, V1ChatbotsCmd, V1Cmd, V1ContactsCmd, V1PagedCmd,
};
pub use crate::output::Format;

/// Chatbase from the shell: agents, sources, chat, conversations, helpdesk and more.
#[derive(Debug, Parser)]
#[command(
    name = "chatbase",
    version,
    about = "Chatbase from the shell: agents, sources, streaming chat, conversations, helpdesk and more.",
    long_about = "Chatbase from the shell: agents, sources, streaming chat, conversations, helpdesk and more.\n\n\
Data goes to stdout, notes and progress to stderr. Credentials come from CHATBASE_API_KEY_FILE, \
CHATBASE_API_KEY or the profile written by `chatbase auth login`; no key is ever taken from argv.",
    arg_required_else_help = true,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Output format [default: table on a terminal, tsv when piped]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Shorthand for --format json
    #[arg(long, global = true)]
    pub json: bool,
    /// Configuration profile to use (several workspaces)
    #[arg(
        long,
        global = true,
        env = "CHATBASE_PROFILE",
        hide_env_values = true,
        value_name = "NAME"
    )]
    pub profile: Option<String>,
    /// Agent ID for agent-scoped commands
    #[arg(
        short = 'a',
        long,
        global = true,
        env = "CHATBASE_AGENT_ID",
        hide_env_values = true,
        value_name = "ID"
    )]
    pub agent: Option<String>,
    /// Pick the agent by its exact name (resolved by listing agents)
    #[arg(long, global = true, value_name = "NAME")]
    pub agent_name: Option<String>,
    /// API host root, e.g. http://127.0.0.1:8787 (v2 is reached at {url}/api/v2)
    #[arg(
        long,
        global = true,
        env = "CHATBASE_API_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub api_url: Option<String>,
    /// Run against a local in-process emulator: no account, no network
    #[arg(long, global = true)]
    pub emulator: bool,
    /// Print only data (and bare IDs for creates); no notes or hints
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Log requests and diagnostics to stderr (CHATBASE_LOG=debug for more)
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
    /// Disable colour (NO_COLOR is honoured too)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Never prompt; fail instead where input would be needed
    #[arg(long, global = true)]
    pub no_input: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, inspect, update, clone, train and delete agents
    #[command(subcommand)]
    Agents(AgentsCmd),
    /// Manage an agent's knowledge sources (text, Q&A, links, files)
    #[command(subcommand)]
    Sources(SourcesCmd),
    /// Chat with an agent: one-shot with -m, piped stdin, or an interactive session
    Chat(ChatCmd),
    /// List, read, export, pause and resume conversations
    #[command(subcommand)]
    Conversations(ConversationsCmd),
    /// Messages inside a conversation
    #[command(subcommand)]
    Messages(MessagesCmd),
    /// Per-user views
    #[command(subcommand)]
    Users(UsersCmd),
    /// Helpdesk tickets
    #[command(subcommand)]
    Tickets(TicketsCmd),
    /// Helpdesk settings: ticket statuses and teams
    #[command(subcommand)]
    Helpdesk(HelpdeskCmd),
    /// WhatsApp templates and template messages
    #[command(subcommand)]
    Whatsapp(WhatsappCmd),
    /// Voice sessions
    #[command(subcommand)]
    Voice(VoiceCmd),
    /// Check that the API is reachable
    Health,
    /// Check an agent's answers against a YAML suite (regression tests for CI)
    #[cfg(feature = "eval")]
    Eval(EvalCmd),
    /// Not in this build (cargo feature `eval`): says how to get it
    #[cfg(not(feature = "eval"))]
    #[command(hide = true)]
    Eval(CompiledOut),
    /// The legacy v1 API (chatbots, contacts, custom attributes, leads)
    #[command(subcommand)]
    V1(V1Cmd),
    /// Send any request to the v2 API: the escape hatch
    Api(ApiCmd),
    /// Log in, check credentials, log out
    #[command(subcommand)]
    Auth(AuthCmd),
    /// Read and write settings, showing where each value comes from
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print a shell completion script
    Completions(CompletionsCmd),
    /// Write man pages for every command
    Man(ManCmd),
    /// Open the CLI documentation for a topic, or print its URL
    Docs {
        /// Topic words, e.g. `auth` or `sources sync`
        topic: Vec<String>,
    },
    /// Run the local Chatbase emulator
    #[cfg(feature = "emulator")]
    #[command(subcommand)]
    Emulator(EmulatorCmd),
    /// Not in this build (cargo feature `emulator`): says how to get it
    #[cfg(not(feature = "emulator"))]
    #[command(hide = true)]
    Emulator(CompiledOut),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
