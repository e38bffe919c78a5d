//! The run's result and its renderings: the JSON document (every answer and assertion result), JUnit XML for CI
//! systems (one testcase per case, written with `quick-junit`) and Markdown for a pull-request comment.

mod render;
#[cfg(test)]
mod tests;

pub use render::transcript;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::assertion::{Answer, AssertionResult};
use crate::runner::RunOptions;
use crate::suite::{Case, Suite};

/// Version of the JSON report's shape.
pub const REPORT_FORMAT: u32 = 1;

/// A case's or a run's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every assertion passed (or the score reached the threshold).
    Pass,
    /// An assertion failed.
    Fail,
    /// A request failed, so the answer could not be checked.
    Error,
    /// Not run (the run was stopped first).
    Skipped,
}

impl Verdict {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skipped => "skipped",
        }
    }
}

/// One turn of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TurnReport {
    /// The message sent.
    pub message: String,
    /// What came back.
    pub answer: Answer,
    /// Every assertion checked on it (the suite's defaults first).
    pub assertions: Vec<AssertionResult>,
}

/// One run of a case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// The run's verdict.
    pub verdict: Verdict,
    /// Weighted assertion score, 0 to 1.
    pub score: f64,
    /// The turns that were sent.
    pub turns: Vec<TurnReport>,
    /// Why the run stopped early, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall time of the whole run.
    pub total_ms: u64,
    /// Credits the run used.
    pub credits: f64,
}

impl RunReport {
    /// Scores a run: without `threshold` every weighted assertion must pass; with it the weighted score must
    /// reach it. Assertions of weight 0 are recorded only.
    pub fn new(
        turns: Vec<TurnReport>,
        error: Option<String>,
        threshold: Option<f64>,
        total_ms: u64,
    ) -> Self {
        let results = turns.iter().flat_map(|t| &t.assertions);
        let (mut sum, mut weights, mut all) = (0.0, 0.0, true);
        for r in results {
            sum += r.score * r.weight;
            weights += r.weight;
            if r.weight > 0.0 && !r.pass {
                all = false;
            }
        }
        let score = if weights > 0.0 { sum / weights } else { 1.0 };
        let verdict = if error.is_some() {
            Verdict::Error
        } else if match threshold {
            Some(t) => score >= t,
            None => all,
        } {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        // The answers' credits and those of the checks that asked an agent (the judge).
        let credits = turns
            .iter()
            .flat_map(|t| {
                t.answer
                    .credits
                    .into_iter()
                    .chain(t.assertions.iter().filter_map(|a| a.credits))
            })
            .sum();
        RunReport {
            verdict,
            score,
            turns,
            error,
            total_ms,
            credits,
        }
    }

    /// The first failed assertion with weight, as (turn index, result).
    pub fn first_failure(&self) -> Option<(usize, &AssertionResult)> {
        self.turns.iter().enumerate().find_map(|(i, t)| {
            t.assertions
                .iter()
                .find(|a| !a.pass && a.weight > 0.0)
                .map(|a| (i, a))
        })
    }
}

/// One case over all its runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseReport {
    /// The case's name.
    pub name: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Pass when the share of passing runs reaches the minimum pass rate; error when no run failed an
    /// assertion but some could not be checked; skipped when nothing ran.
    pub verdict: Verdict,
    /// Passing runs / runs that ran.
    pub pass_rate: f64,
    /// Runs in order (skipped ones included).
    pub runs: Vec<Option<RunReport>>,
    /// Credits used by every run.
    pub credits: f64,
    /// Wall time of the slowest run.
    pub max_ms: u64,
}

impl CaseReport {
    /// Aggregates a case's runs.
    pub fn new(case: &Case, runs: Vec<Option<RunReport>>, min_pass_rate: f64) -> Self {
        let ran: Vec<&RunReport> = runs.iter().flatten().collect();
        let passed = ran.iter().filter(|r| r.verdict == Verdict::Pass).count();
        let failed = ran.iter().filter(|r| r.verdict == Verdict::Fail).count();
        let pass_rate = if ran.is_empty() {
            0.0
        } else {
            passed as f64 / ran.len() as f64
        };
        let verdict = if ran.is_empty() {
            Verdict::Skipped
        } else if pass_rate >= min_pass_rate {
            Verdict::Pass
        } else if failed == 0 {
            Verdict::Error
        } else {
            Verdict::Fail
        };
        CaseReport {
            name: case.name.clone(),
            tags: case.tags.clone(),
            verdict,
            pass_rate,
            credits: ran.iter().map(|r| r.credits).sum(),
            max_ms: ran.iter().map(|r| r.total_ms).max().unwrap_or(0),
            runs,
        }
    }

    /// The run to explain a non-passing verdict with: the first failing (or erroring) one.
    pub fn worst_run(&self) -> Option<&RunReport> {
        let ran = || self.runs.iter().flatten();
        ran()
            .find(|r| r.verdict == Verdict::Fail)
            .or_else(|| ran().find(|r| r.verdict == Verdict::Error))
            .or_else(|| ran().next())
    }

    /// One line saying why the case did not pass (empty when it passed).
    pub fn reason(&self) -> String {
        if self.verdict == Verdict::Pass {
            return String::new();
        }
        if self.verdict == Verdict::Skipped {
            return "not run".to_owned();
        }
        let Some(run) = self.worst_run() else {
            return String::new();
        };
        if let Some(e) = &run.error {
            return e.clone();
        }
        let multi = run.turns.len() > 1;
        match run.first_failure() {
            Some((turn, a)) => {
                let at = if multi {
                    format!("turn {}: ", turn + 1)
                } else {
                    String::new()
                };
                format!("{at}{} ({})", a.assertion, a.detail)
            }
            None => format!("score {:.2} below the threshold", run.score),
        }
    }

    /// The answer snippet behind [`reason`](Self::reason), if any.
    pub fn snippet(&self) -> Option<&str> {
        self.worst_run()?
            .first_failure()
            .and_then(|(_, a)| a.snippet.as_deref())
    }
}

/// Counts of case verdicts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed an assertion.
    pub failed: usize,
    /// Cases whose requests failed.
    pub errored: usize,
    /// Cases not run.
    pub skipped: usize,
    /// Credits used by the whole run.
    pub credits: f64,
}

/// A whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_FORMAT`].
    pub format: u32,
    /// The suite's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The agent tested.
    pub agent_id: String,
    /// Runs per case.
    pub repeat: u32,
    /// Minimum share of passing runs.
    pub min_pass_rate: f64,
    /// True when the run was stopped before every case ran.
    pub incomplete: bool,
    /// Why it stopped early (Ctrl-C, the credit budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// Wall time of the whole run.
    pub total_ms: u64,
    /// Verdict counts.
    pub summary: Summary,
    /// Every selected case, in suite order.
    pub cases: Vec<CaseReport>,
    /// The comparison with `--baseline`, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<crate::baseline::Comparison>,
}

impl Report {
    /// Assembles the report of a run.
    pub fn new(
        suite: &Suite,
        agent_id: &str,
        opts: &RunOptions,
        cases: Vec<CaseReport>,
        stop_reason: Option<String>,
        total_ms: u64,
    ) -> Self {
        let mut summary = Summary::default();
        for c in &cases {
            match c.verdict {
                Verdict::Pass => summary.passed += 1,
                Verdict::Fail => summary.failed += 1,
                Verdict::Error => summary.errored += 1,
                Verdict::Skipped => summary.skipped += 1,
            }
            summary.credits += c.credits;
        }
        Report {
            format: REPORT_FORMAT,
            description: suite.description.clone(),
            agent_id: agent_id.to_owned(),
            repeat: opts.repeat,
            min_pass_rate: opts.min_pass_rate,
            incomplete: stop_reason.is_some(),
            stop_reason,
            total_ms,
            summary,
            cases,
            comparison: None,
        }
    }

    /// True when every case ran and passed.
    pub fn all_passed(&self) -> bool {
        !self.incomplete && self.cases.iter().all(|c| c.verdict == Verdict::Pass)
    }

    /// The JSON report.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
