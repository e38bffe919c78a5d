//! The run's result and its renderings: the JSON document (every answer and assertion result), JUnit XML for CI
//! systems (one testcase per case, written with `quick-junit`) and Markdown for a pull-request comment.

use std::fmt::Write as _;
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

    /// JUnit XML: one `testsuite` named `suite_name`, one `testcase` per case (classname = the suite name) with
    /// the failing assertion as the one-line message and the answers in `system-out`.
    pub fn to_junit(&self, suite_name: &str) -> Result<String, quick_junit::SerializeError> {
        self.to_junit_for_file(suite_name, None)
    }

    /// [`to_junit`](Self::to_junit) with each testcase's `file` attribute set to the suite file, which GitLab
    /// shows and annotation actions link to.
    pub fn to_junit_for_file(
        &self,
        suite_name: &str,
        file: Option<&str>,
    ) -> Result<String, quick_junit::SerializeError> {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
        let mut report = quick_junit::Report::new("chatbase eval");
        report.set_time(Duration::from_millis(self.total_ms));
        let mut ts = TestSuite::new(suite_name);
        ts.set_time(Duration::from_millis(self.total_ms));
        ts.add_property(("agent", self.agent_id.as_str()));
        if self.incomplete {
            ts.add_property(("incomplete", "true"));
        }
        for c in &self.cases {
            let mut status = match c.verdict {
                Verdict::Pass => TestCaseStatus::success(),
                Verdict::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
                Verdict::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
                Verdict::Skipped => TestCaseStatus::skipped(),
            };
            if c.verdict != Verdict::Pass {
                status.set_message(one_line(&c.reason(), 300));
                if let Some(s) = c.snippet() {
                    status.set_description(format!("answer: {s}"));
                }
                if c.verdict == Verdict::Fail {
                    status.set_type("assertion");
                }
            }
            let mut tc = TestCase::new(c.name.as_str(), status);
            tc.set_classname(suite_name);
            if let Some(f) = file {
                tc.extra.insert("file".into(), f.into());
            }
            tc.set_time(Duration::from_millis(c.max_ms));
            tc.set_assertions(
                c.worst_run()
                    .map(|r| r.turns.iter().map(|t| t.assertions.len()).sum())
                    .unwrap_or(0),
            );
            tc.add_property(("credits", c.credits.to_string().as_str()));
            if c.runs.len() > 1 {
                tc.add_property(("pass-rate", format!("{:.2}", c.pass_rate).as_str()));
            }
            if let Some(run) = c.worst_run() {
                tc.set_system_out(truncate(&transcript(run), 20_000));
            }
            ts.add_test_case(tc);
        }
        report.add_test_suite(ts);
        report.to_string()
    }

    /// Markdown for a pull-request comment: the counts, then a table of the cases that did not pass.
    pub fn to_markdown(&self) -> String {
        let s = &self.summary;
        let mut out = String::new();
        let icon = if self.all_passed() { "✅" } else { "❌" };
        let _ = writeln!(
            out,
            "### {icon} chatbase eval: {} of {} cases passed",
            s.passed,
            self.cases.len()
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} passed · {} failed · {} errored · {} skipped · {} credits · {:.1} s{}",
            s.passed,
            s.failed,
            s.errored,
            s.skipped,
            s.credits,
            self.total_ms as f64 / 1000.0,
            if self.incomplete {
                " · **incomplete**"
            } else {
                ""
            }
        );
        let bad: Vec<&CaseReport> = self
            .cases
            .iter()
            .filter(|c| c.verdict != Verdict::Pass)
            .collect();
        if !bad.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "| Case | Verdict | Why | Answer |");
            let _ = writeln!(out, "|---|---|---|---|");
            for c in bad {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    md_cell(&c.name),
                    c.verdict.as_str(),
                    md_cell(&c.reason()),
                    md_cell(c.snippet().unwrap_or(""))
                );
            }
        }
        if let Some(cmp) = &self.comparison {
            use crate::baseline::Change;
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "**Since the baseline:** {} newly failing · {} fixed · {} still failing · {} new{}",
                cmp.count(Change::NewlyFailing),
                cmp.count(Change::Fixed),
                cmp.count(Change::StillFailing),
                cmp.count(Change::New),
                if cmp.removed.is_empty() {
                    String::new()
                } else {
                    format!(" · {} removed", cmp.removed.len())
                }
            );
            let changed: Vec<_> = cmp
                .cases
                .iter()
                .filter(|c| c.change != Change::StillPassing || c.diff.is_some())
                .collect();
            if !changed.is_empty() {
                let _ = writeln!(out);
                let _ = writeln!(out, "| Case | Change | Answer diff |");
                let _ = writeln!(out, "|---|---|---|");
                for c in changed {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} |",
                        md_cell(&c.name),
                        c.change.as_str(),
                        md_cell(c.diff.as_deref().unwrap_or(""))
                    );
                }
            }
        }
        out
    }
}

/// The turns of a run as plain text (for JUnit's `system-out`).
pub fn transcript(run: &RunReport) -> String {
    let mut out = String::new();
    for (i, t) in run.turns.iter().enumerate() {
        let _ = writeln!(out, "> turn {}: {}", i + 1, t.message);
        let _ = writeln!(out, "{}", t.answer.text);
        for a in &t.assertions {
            let _ = writeln!(
                out,
                "  [{}] {} ({})",
                if a.pass { "pass" } else { "FAIL" },
                a.assertion,
                a.detail
            );
        }
    }
    if let Some(e) = &run.error {
        let _ = writeln!(out, "error: {e}");
    }
    out
}

fn one_line(s: &str, max: usize) -> String {
    truncate(&s.split_whitespace().collect::<Vec<_>>().join(" "), max)
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn md_cell(s: &str) -> String {
    let visible: String = s
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    one_line(&visible, 200)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assertion::Assertion;

    fn turn(text: &str, asserts: &[serde_json::Value]) -> TurnReport {
        let answer = Answer {
            text: text.to_owned(),
            ..Default::default()
        };
        let assertions = asserts
            .iter()
            .map(|a| {
                Assertion::from_value(a)
                    .expect("assertion")
                    .evaluate(&answer)
            })
            .collect();
        TurnReport {
            message: "q".to_owned(),
            answer,
            assertions,
        }
    }

    #[test]
    fn weights_and_thresholds_decide_a_run() {
        use serde_json::json;
        let checks = [
            json!({"contains": "a", "weight": 3}),
            json!({"contains": "zzz"}),
            json!({"contains": "nope", "weight": 0}),
        ];
        // Without a threshold every weighted assertion must pass; weight 0 never fails the run.
        let r = RunReport::new(vec![turn("abc", &checks)], None, None, 1);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!((r.score - 0.75).abs() < 1e-9, "{}", r.score);
        let only_zero = RunReport::new(vec![turn("abc", &checks[2..])], None, None, 1);
        assert_eq!(only_zero.verdict, Verdict::Pass);
        // With one, the weighted score decides.
        assert_eq!(
            RunReport::new(vec![turn("abc", &checks)], None, Some(0.7), 1).verdict,
            Verdict::Pass
        );
        assert_eq!(
            RunReport::new(vec![turn("abc", &checks)], None, Some(0.8), 1).verdict,
            Verdict::Fail
        );
        // A request error wins over any score.
        let e = RunReport::new(vec![], Some("boom".to_owned()), None, 1);
        assert_eq!(e.verdict, Verdict::Error);
    }

    #[test]
    fn the_pass_rate_decides_a_repeated_case() {
        use serde_json::json;
        let suite =
            crate::Suite::parse("cases:\n  - {name: a, message: q}\n", "s.yaml").expect("suite");
        let case = &suite.cases[0];
        let pass = || {
            Some(RunReport::new(
                vec![turn("a", &[json!({"contains": "a"})])],
                None,
                None,
                1,
            ))
        };
        let fail = || {
            Some(RunReport::new(
                vec![turn("b", &[json!({"contains": "a"})])],
                None,
                None,
                1,
            ))
        };
        let error = || Some(RunReport::new(vec![], Some("x".to_owned()), None, 1));
        let c = CaseReport::new(case, vec![pass(), pass(), fail()], 0.6);
        assert_eq!(c.verdict, Verdict::Pass);
        assert!((c.pass_rate - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(
            CaseReport::new(case, vec![pass(), pass(), fail()], 1.0).verdict,
            Verdict::Fail
        );
        assert_eq!(
            CaseReport::new(case, vec![pass(), error()], 1.0).verdict,
            Verdict::Error
        );
        assert_eq!(
            CaseReport::new(case, vec![None, None], 1.0).verdict,
            Verdict::Skipped
        );
        // A skipped repeat does not count against the runs that ran.
        assert_eq!(
            CaseReport::new(case, vec![pass(), None], 1.0).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn junit_and_markdown_survive_hostile_text() {
        use serde_json::json;
        let suite = crate::Suite::parse(
            "cases:\n  - {name: \"a|b <c> & ]]>\", message: q}\n",
            "s.yaml",
        )
        .expect("suite");
        let run = RunReport::new(
            vec![turn(
                "\u{1b}[31mred\u{0} | <b>]]>",
                &[json!({"contains": "zzz"})],
            )],
            None,
            None,
            1,
        );
        let cases = vec![CaseReport::new(&suite.cases[0], vec![Some(run)], 1.0)];
        let report = Report::new(
            &suite,
            "agent",
            &crate::RunOptions::new("agent"),
            cases,
            None,
            1,
        );
        let xml = report.to_junit("s").expect("junit");
        let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("valid XML");
        assert_eq!(parsed.failures, 1);
        assert_eq!(
            parsed.test_suites[0].test_cases[0].name.as_str(),
            "a|b <c> & ]]>"
        );
        let md = report.to_markdown();
        assert!(md.contains("a\\|b &lt;c&gt;"), "{md}");
        assert!(!md.contains('\u{1b}') && !md.contains('\u{0}'), "{md:?}");
        assert_eq!(md.lines().filter(|l| l.starts_with('|')).count(), 3, "{md}");
    }
}
