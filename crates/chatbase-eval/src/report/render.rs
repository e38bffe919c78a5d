//! Rendering a report as JUnit XML and Markdown.

use std::fmt::Write as _;

use super::*;

impl Report {
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

pub(super) fn one_line(s: &str, max: usize) -> String {
    truncate(&s.split_whitespace().collect::<Vec<_>>().join(" "), max)
}

pub(super) fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

pub(super) fn md_cell(s: &str) -> String {
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
