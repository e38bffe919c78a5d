//! The arguments of `chatbase tickets …`, `helpdesk …`, `whatsapp …` and `voice …`.

use crate::args::{BodyArgs, ListArgs};
use clap::{Subcommand, ValueEnum};

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
