//! The clap argument tree: global flags and every `noun verb` command. Parsing only; behaviour lives in `commands`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Aligned columns fitted to the terminal (default on a terminal).
    Table,
    /// The API's own JSON shape, pretty-printed.
    Json,
    /// One JSON object per line; lists stream item by item.
    Ndjson,
    /// Tab-separated with a header row, tabs and newlines escaped (default when piped).
    Tsv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Tsv => "tsv",
        }
    }
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
    Eval(EvalCmd),
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
}

// ---------------------------------------------------------------------------------------------------------------
// Shared argument groups

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

// ---------------------------------------------------------------------------------------------------------------
// agents

#[derive(Debug, Subcommand)]
pub enum AgentsCmd {
    /// List agents
    List(ListArgs),
    /// Show one agent (defaults to the selected agent)
    Get { agent_id: Option<String> },
    /// Create an agent; prints the new ID with -q
    Create {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        instructions: Option<String>,
        #[arg(long)]
        model: Option<String>,
        /// Website to train the new agent on
        #[arg(long)]
        url: Option<String>,
        /// Sampling temperature (0-1)
        #[arg(long)]
        temp: Option<f64>,
        /// private or public
        #[arg(long)]
        visibility: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Update an agent's settings
    Update {
        agent_id: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        instructions: Option<String>,
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        temp: Option<f64>,
        #[arg(long)]
        visibility: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Delete an agent (asks first; --yes or --confirm ID in scripts)
    Delete {
        agent_id: String,
        #[command(flatten)]
        confirm: ConfirmArgs,
    },
    /// Clone an agent with its sources
    Clone { agent_id: Option<String> },
    /// Queue training of an agent's sources (deprecated by the API)
    Train { agent_id: Option<String> },
    /// Turn automatic retraining on or off
    AutoRetrain {
        agent_id: Option<String>,
        #[arg(
            long,
            conflicts_with = "disabled",
            required_unless_present = "disabled"
        )]
        enabled: bool,
        #[arg(long)]
        disabled: bool,
    },
    /// Update the chat widget styles
    Styles {
        agent_id: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
    },
}

// ---------------------------------------------------------------------------------------------------------------
// sources

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SourceType {
    Text,
    Qna,
    Link,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LinkType {
    Individual,
    Sitemap,
    Crawl,
}

#[derive(Debug, Subcommand)]
pub enum SourcesCmd {
    /// List sources
    List {
        #[command(flatten)]
        list: ListArgs,
        /// Comma-separated types: link, file, qna, notionPage, text
        #[arg(long = "type")]
        type_: Option<String>,
        /// Partial, case-insensitive name match
        #[arg(long)]
        name: Option<String>,
    },
    /// Show one source
    Get { source_id: String },
    /// Create a text, Q&A or link source, or upload a file
    Create {
        #[arg(long = "type", value_enum, conflicts_with = "file", required_unless_present_any = ["file", "data"])]
        type_: Option<SourceType>,
        /// Upload this file (50 bytes to 20 MB) with a progress bar
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        #[arg(long)]
        name: Option<String>,
        /// Text content, @FILE or @- (text sources)
        #[arg(long, value_name = "TEXT|@FILE|@-")]
        content: Option<String>,
        /// Question (Q&A sources; repeat for several)
        #[arg(long = "question")]
        questions: Vec<String>,
        /// Answer (Q&A sources)
        #[arg(long)]
        answer: Option<String>,
        /// URL to crawl (link sources)
        #[arg(long)]
        url: Option<String>,
        #[arg(long, value_enum)]
        link_type: Option<LinkType>,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Update a source's content, or replace a file source with --file
    Update {
        source_id: String,
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "TEXT|@FILE|@-")]
        content: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Delete a source (asks first; --yes or --confirm ID in scripts)
    Delete {
        source_id: String,
        #[command(flatten)]
        confirm: ConfirmArgs,
    },
    /// Restore a deleted source (deprecated by the API)
    Restore { source_id: String },
    /// Count sources by type
    Summary,
    /// Make the agent's file sources match a folder (content hashes)
    Sync {
        /// Folder to mirror [default: `sync.dir` of chatbase.json, else .]
        dir: Option<PathBuf>,
        /// Print the plan and change nothing
        #[arg(short = 'n', long)]
        dry_run: bool,
        /// Apply deletions without asking
        #[arg(short = 'y', long)]
        yes: bool,
        /// Only files matching this glob (repeatable; default: `sync.include` of chatbase.json, else .pdf .doc .docx .txt .json, the types the service accepts)
        #[arg(long, value_name = "GLOB")]
        include: Vec<String>,
        /// Skip files matching this glob (repeatable; default: `sync.exclude` of chatbase.json)
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
    },
}

// ---------------------------------------------------------------------------------------------------------------
// chat

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

// ---------------------------------------------------------------------------------------------------------------
// conversations, messages, users

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

// ---------------------------------------------------------------------------------------------------------------
// helpdesk

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SortBy {
    CreatedAt,
    UpdatedAt,
    LastMessageAt,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Subcommand)]
pub enum TicketsCmd {
    /// List tickets
    List {
        #[command(flatten)]
        list: ListArgs,
        /// Comma-separated: new, on_you, on_customer, on_hold, closed, cancelled
        #[arg(long)]
        status: Option<String>,
        /// Comma-separated channels
        #[arg(long)]
        channel: Option<String>,
        /// Assignee user ID, or none
        #[arg(long)]
        assignee_id: Option<String>,
        /// Team ID, or none
        #[arg(long)]
        team_id: Option<String>,
        /// Comma-separated: none, low, normal, high, urgent
        #[arg(long)]
        priority: Option<String>,
        #[arg(long)]
        created_after: Option<String>,
        #[arg(long)]
        created_before: Option<String>,
        #[arg(long, value_enum)]
        sort_by: Option<SortBy>,
        #[arg(long, value_enum)]
        order: Option<Order>,
        /// Ask the server for the total count
        #[arg(long)]
        include_total: bool,
    },
    /// Show one ticket
    Get { ticket_number: u64 },
    /// Open a ticket; prints the ticket number with -q
    Create {
        #[arg(long)]
        subject: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        customer_email: Option<String>,
        #[arg(long, requires = "customer_email")]
        customer_name: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Change a ticket's status, assignee, team or priority
    Update {
        ticket_number: u64,
        #[arg(long)]
        status_category: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        #[arg(long)]
        assignee_email: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Search tickets by text
    Search {
        query: String,
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50))]
        limit: Option<u32>,
    },
    /// List a ticket's messages
    Messages {
        ticket_number: u64,
        /// Comma-separated: reply, note, event
        #[arg(long)]
        types: Option<String>,
        #[arg(long, value_enum)]
        order: Option<Order>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Post a customer-visible reply on a ticket (the API has no internal notes)
    Reply {
        ticket_number: u64,
        /// Markdown content, @FILE or @-
        #[arg(short = 'm', long, value_name = "TEXT|@FILE|@-")]
        message: String,
        #[arg(long, conflicts_with = "author_email")]
        author_id: Option<String>,
        #[arg(long)]
        author_email: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum HelpdeskCmd {
    /// List ticket statuses
    Statuses,
    /// List helpdesk teams
    Teams,
}

#[derive(Debug, Subcommand)]
pub enum WhatsappCmd {
    /// List approved message templates
    Templates,
    /// Send a template message
    SendTemplate {
        /// Template name
        template: String,
        /// Recipient phone number (E.164)
        #[arg(long)]
        to: String,
        /// Sender phone number ID
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        language: Option<String>,
        /// Variables as a JSON object, @FILE or @-
        #[arg(long, value_name = "JSON|@FILE|@-")]
        variables: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum VoiceCmd {
    /// Start a voice session and print its connection details
    Start {
        #[arg(short = 'c', long, value_name = "ID")]
        conversation: Option<String>,
        #[arg(long, value_name = "ID")]
        user: Option<String>,
        /// IANA time zone, e.g. Europe/Paris
        #[arg(long)]
        timezone: Option<String>,
    },
}

// ---------------------------------------------------------------------------------------------------------------
// v1

#[derive(Debug, Subcommand)]
pub enum V1Cmd {
    /// Chat with a v1 chatbot
    Chat {
        /// The message
        #[arg(short = 'm', long)]
        message: Option<String>,
        #[arg(long, value_name = "ID")]
        chatbot: Option<String>,
        #[arg(short = 'c', long, value_name = "ID")]
        conversation: Option<String>,
        #[arg(long)]
        no_stream: bool,
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        temperature: Option<f64>,
        #[arg(long, value_name = "ID")]
        contact_id: Option<String>,
        #[command(flatten)]
        stream: StreamArgs,
    },
    /// Chatbots: list, create, update, delete, icons
    #[command(subcommand)]
    Chatbots(V1ChatbotsCmd),
    /// Conversations of a chatbot
    #[command(subcommand)]
    Conversations(V1PagedCmd),
    /// Leads collected by a chatbot
    #[command(subcommand)]
    Leads(V1PagedCmd),
    /// Contacts of a chatbot
    #[command(subcommand)]
    Contacts(V1ContactsCmd),
    /// Custom contact attributes of a chatbot
    #[command(subcommand)]
    Attributes(V1AttributesCmd),
}

#[derive(Debug, Subcommand)]
pub enum V1ChatbotsCmd {
    /// List chatbots
    List,
    /// Create a chatbot from text
    Create {
        #[arg(long)]
        name: String,
        /// Training text, @FILE or @-
        #[arg(long, value_name = "TEXT|@FILE|@-")]
        source_text: Option<String>,
    },
    /// Replace a chatbot's name and training text
    UpdateData {
        chatbot_id: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "TEXT|@FILE|@-")]
        source_text: Option<String>,
    },
    /// Update a chatbot's settings
    UpdateSettings {
        chatbot_id: String,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Delete a chatbot (asks first)
    Delete {
        chatbot_id: String,
        #[command(flatten)]
        confirm: ConfirmArgs,
    },
    /// Upload the chatbot icon
    UploadIcon { chatbot_id: String, file: PathBuf },
    /// Upload the chatbot profile picture
    UploadPicture { chatbot_id: String, file: PathBuf },
    /// Remove the chatbot icon
    DeleteIcon {
        chatbot_id: String,
        #[command(flatten)]
        confirm: ConfirmArgs,
    },
    /// Remove the chatbot profile picture
    DeletePicture {
        chatbot_id: String,
        #[command(flatten)]
        confirm: ConfirmArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum V1PagedCmd {
    /// List page by page
    List {
        #[arg(long, value_name = "ID")]
        chatbot: String,
        #[arg(long)]
        start_date: Option<String>,
        #[arg(long)]
        end_date: Option<String>,
        /// Page number (1-based)
        #[arg(long)]
        page: Option<u32>,
        /// Page size
        #[arg(long)]
        size: Option<u32>,
        /// Fetch every page
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum V1ContactsCmd {
    /// List contacts
    List {
        #[arg(long, value_name = "ID")]
        chatbot: String,
        #[arg(long)]
        page: Option<u32>,
        #[arg(long)]
        per_page: Option<u32>,
        #[arg(long)]
        all: bool,
    },
    /// Create contacts from a JSON array (up to 1000)
    Create {
        #[arg(long, value_name = "ID")]
        chatbot: String,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Show one contact
    Get {
        contact_id: String,
        #[arg(long, value_name = "ID")]
        chatbot: String,
    },
    /// Update a contact
    Update {
        contact_id: String,
        #[arg(long, value_name = "ID")]
        chatbot: String,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Delete a contact (asks first)
    Delete {
        contact_id: String,
        #[arg(long, value_name = "ID")]
        chatbot: String,
        #[command(flatten)]
        confirm: ConfirmArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum V1AttributesCmd {
    /// List custom attributes
    List {
        #[arg(long, value_name = "ID")]
        chatbot: String,
    },
    /// Create a custom attribute
    Create {
        #[arg(long, value_name = "ID")]
        chatbot: String,
        #[arg(long)]
        name: String,
        /// text, number, boolean or date
        #[arg(long = "type")]
        type_: String,
        #[arg(long)]
        label: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Update a custom attribute's label, description or archived flag
    Update {
        name: String,
        #[arg(long, value_name = "ID")]
        chatbot: String,
        #[command(flatten)]
        body: BodyArgs,
    },
}

// ---------------------------------------------------------------------------------------------------------------
// eval

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 every case passed, 1 a case failed or errored, 2 bad suite or arguments, \
130 interrupted (reports still written).\n\nExample: chatbase --emulator eval crates/chatbase-cli/examples/evals/demo.yaml --junit report.xml"
)]
pub struct EvalCmd {
    /// The suite file (YAML) [default: `eval.suite` of chatbase.json]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print the suite file's JSON Schema and exit
    #[arg(long, conflicts_with = "file")]
    pub schema: bool,
    /// Cases in flight at once
    #[arg(short = 'j', long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,
    /// Only cases whose name contains TEXT or that carry the tag (tag:NAME for tags only); repeatable
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// Run each case N times (for answers that vary)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// Share of a case's runs that must pass, 0 to 1 [default: 1]
    #[arg(long, value_name = "RATE")]
    pub min_pass_rate: Option<f64>,
    /// Write every answer and assertion result as JSON (global --json prints it to stdout instead)
    #[arg(long, value_name = "FILE")]
    pub json_report: Option<PathBuf>,
    /// Write a JUnit XML report for CI
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary (for a pull-request comment)
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML page (no network): counts, answers, failed assertions, baseline diffs
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Compare with an earlier --json-report: changed verdicts and a word diff of changed answers
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// What makes the exit status 1: any case not passing, or only regressions against --baseline
    #[arg(long, value_enum, default_value_t = FailOn::Failure, value_name = "WHEN")]
    pub fail_on: FailOn,
    /// List the cases that would run and the messages they would send; send nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Stop starting cases once the run has used this many credits (the report is then incomplete)
    #[arg(long, value_name = "CREDITS")]
    pub budget: Option<f64>,
    /// The agent that answers `judge` assertions (overrides the suite's judge-agent); its credits count
    #[arg(long, value_name = "ID")]
    pub judge_agent: Option<String>,
    /// Send without asking, however many messages the run needs
    #[arg(short = 'y', long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any case that does not pass
    Failure,
    /// A case that passed in the baseline (or is new) and does not pass now
    Regression,
}

// ---------------------------------------------------------------------------------------------------------------
// api, auth, config, completions, man, emulator

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

#[cfg(feature = "emulator")]
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
