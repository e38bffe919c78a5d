//! The arguments of `chatbase sources …`.

use crate::args::{BodyArgs, ConfirmArgs, ListArgs};
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;

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
