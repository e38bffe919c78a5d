//! Regression tests for Chatbase agents, usable from the `chatbase eval` command and from Rust tests alike.
//!
//! A [`Suite`] (YAML: `agent`, `defaults`, `cases`) lists messages or multi-turn conversations and the
//! [`Assertion`]s their answers must meet; none of them needs a model. [`runner::run`] sends the cases through the
//! SDK's streaming chat (so retries, 429 handling and idle bounds are the SDK's), concurrently, and returns a
//! [`report::Report`] in suite order, which renders as JSON, JUnit XML, Markdown or a self-contained HTML page,
//! and compares with an earlier run ([`baseline`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use chatbase_eval::{RunOptions, StopFlag, Suite, runner};
//!
//! let suite = Suite::load("evals.yaml".as_ref())?; // every check happens here, before any request
//! let client = chatbase::Client::from_env()?;
//! let opts = RunOptions::new("my-agent-id");
//! let report = runner::run(&client, &suite, &opts, &StopFlag::default(), &|_, _| {}).await?;
//! std::fs::write("report.xml", report.to_junit("evals")?)?;
//! assert!(report.all_passed(), "{}", report.to_markdown());
//! # Ok(()) }
//! ```
//!
//! The engine is its own crate rather than a feature of `chatbase`: it needs YAML, JSON Schema, regex and JUnit
//! dependencies an SDK user should not pay for, and it only uses the SDK's public API, so it can evolve (and be
//! depended on from a project's own `#[test]`s) without widening the SDK.

pub mod assertion;
pub mod baseline;
pub mod html;
pub mod judge;
pub mod report;
pub mod runner;
pub mod suite;

pub use assertion::{Answer, Assertion, AssertionResult, Check, ToolCallSeen};
pub use report::{Report, Verdict};
pub use runner::{RunError, RunOptions, StopFlag};

pub use suite::{Case, Defaults, Suite, SuiteError, Turn};
