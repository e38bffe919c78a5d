//! The arguments of `chatbase agents …`.

use crate::args::{BodyArgs, ConfirmArgs, ListArgs};
use clap::Subcommand;

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
