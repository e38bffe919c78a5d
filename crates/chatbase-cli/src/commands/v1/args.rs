//! The arguments of `chatbase v1 …`.

use crate::args::{BodyArgs, ConfirmArgs, StreamArgs};
use clap::Subcommand;
use std::path::PathBuf;

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
