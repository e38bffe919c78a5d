//! The arguments of `chatbase eval`.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
