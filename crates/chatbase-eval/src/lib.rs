//! Regression tests for Chatbase agents, usable from the `chatbase eval` command and from Rust tests alike.
//!
//! A [`Suite`] (YAML: `agent`, `defaults`, `cases`) lists messages or multi-turn conversations and the
//! [`Assertion`]s their answers must meet; none of them needs a model. [`runner::run`] sends the cases through the
//! SDK's streaming chat (so retries, 429 handling and idle bounds are the SDK's), concurrently, and returns a
//! [`report::Report`] in suite order, which renders as JSON, JUnit XML, Markdown or a self-contained HTML page,
//! and compares with an earlier run ([`baseline`]).
//!
//! The engine is its own crate rather than a feature of `chatbase`: it needs YAML, JSON Schema, regex and JUnit
//! dependencies an SDK user should not pay for, and it only uses the SDK's public API, so it can evolve (and be
//! depended on from a project's own `#[test]`s) without widening the SDK.

pub mod assertion;
pub mod baseline;
pub mod html;
pub mod report;
pub mod runner;
pub mod suite;

pub use assertion::{Answer, Assertion, AssertionResult, Check, ToolCallSeen};
pub use report::{Report, Verdict};
pub use runner::{RunError, RunOptions, StopFlag};

pub use suite::{Case, Defaults, Suite, SuiteError, Turn};
