//! Comparing a run with an earlier one (`--baseline old.json`): which cases changed verdict (newly failing,
//! fixed, still failing, new), which answers changed (with a short word diff), and whether the run counts as a
//! regression for `--fail-on regression`.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::report::{CaseReport, REPORT_FORMAT, Report, Verdict};

/// How a case moved since the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Passed before, does not now.
    NewlyFailing,
    /// Did not pass before, passes now.
    Fixed,
    /// Did not pass before or now.
    StillFailing,
    /// Passed before and now.
    StillPassing,
    /// Not in the baseline.
    New,
}

impl Change {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewlyFailing => "newly-failing",
            Change::Fixed => "fixed",
            Change::StillFailing => "still-failing",
            Change::StillPassing => "still-passing",
            Change::New => "new",
        }
    }
}

/// One case compared with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseChange {
    /// The case's name (the key cases are matched on).
    pub name: String,
    /// Its verdict in the baseline, if it was there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Verdict>,
    /// Its verdict now.
    pub after: Verdict,
    /// The class of change.
    pub change: Change,
    /// The answer before and now, when they differ (last turn of the first run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_answer: Option<String>,
    /// The answer now, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_answer: Option<String>,
    /// A short word diff, `[-removed-]{+added+}`, unchanged stretches shortened to `…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// A run compared with its baseline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Every case of the run, in its order.
    pub cases: Vec<CaseChange>,
    /// Cases of the baseline that this run did not have.
    pub removed: Vec<String>,
}

impl Comparison {
    /// Cases that count as a regression: newly failing, or new and not passing.
    pub fn regressions(&self) -> impl Iterator<Item = &CaseChange> {
        self.cases.iter().filter(|c| {
            c.change == Change::NewlyFailing
                || (c.change == Change::New && c.after != Verdict::Pass)
        })
    }

    /// How many cases are in `change`.
    pub fn count(&self, change: Change) -> usize {
        self.cases.iter().filter(|c| c.change == change).count()
    }
}

/// Reads a JSON report written by an earlier run.
pub fn load(path: &std::path::Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    let report: Report = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}: not a chatbase eval JSON report: {e}",
            path.display(),
            e.line()
        )
    })?;
    if report.format != REPORT_FORMAT {
        return Err(format!(
            "{}: report format {} is not the {REPORT_FORMAT} this version reads",
            path.display(),
            report.format
        ));
    }
    Ok(report)
}

fn last_answer(c: &CaseReport) -> Option<&str> {
    c.runs
        .iter()
        .flatten()
        .next()
        .and_then(|r| r.turns.last())
        .map(|t| t.answer.text.as_str())
}

/// Compares `now` with `baseline`, matching cases by name.
pub fn compare(baseline: &Report, now: &Report) -> Comparison {
    let before: HashMap<&str, &CaseReport> = baseline
        .cases
        .iter()
        .map(|c| (c.name.as_str(), c))
        .collect();
    let cases = now
        .cases
        .iter()
        .map(|c| {
            let old = before.get(c.name.as_str());
            let was = old.map(|o| o.verdict);
            let passed = |v: Verdict| v == Verdict::Pass;
            let change = match was {
                None => Change::New,
                Some(w) if passed(w) && passed(c.verdict) => Change::StillPassing,
                Some(w) if passed(w) => Change::NewlyFailing,
                Some(_) if passed(c.verdict) => Change::Fixed,
                Some(_) => Change::StillFailing,
            };
            let (old_text, new_text) = (old.and_then(|o| last_answer(o)), last_answer(c));
            let (old_answer, new_answer, diff) = match (old_text, new_text) {
                (Some(a), Some(b)) if a != b => (
                    Some(a.to_owned()),
                    Some(b.to_owned()),
                    Some(word_diff(a, b, 240)),
                ),
                _ => (None, None, None),
            };
            CaseChange {
                name: c.name.clone(),
                before: was,
                after: c.verdict,
                change,
                old_answer,
                new_answer,
                diff,
            }
        })
        .collect();
    let names: std::collections::HashSet<&str> =
        now.cases.iter().map(|c| c.name.as_str()).collect();
    let removed = baseline
        .cases
        .iter()
        .filter(|c| !names.contains(c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    Comparison { cases, removed }
}

/// One piece of a word diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// In both texts.
    Same(String),
    /// Only in the old text.
    Removed(String),
    /// Only in the new text.
    Added(String),
}

/// The word-level diff of two answers (bounded in time: very long, very different texts fall back to a coarser
/// diff rather than taking long).
pub fn word_pieces(old: &str, new: &str) -> Vec<Piece> {
    let diff = similar::TextDiff::configure()
        .timeout(Duration::from_millis(250))
        .diff_words(old, new);
    diff.iter_all_changes()
        .map(|c| match c.tag() {
            similar::ChangeTag::Equal => Piece::Same(c.value().to_owned()),
            similar::ChangeTag::Delete => Piece::Removed(c.value().to_owned()),
            similar::ChangeTag::Insert => Piece::Added(c.value().to_owned()),
        })
        .collect()
}

/// A short one-line word diff: `[-old-]{+new+}`, unchanged stretches longer than a few words shortened to `…`,
/// the whole cut at about `max_chars`.
pub fn word_diff(old: &str, new: &str, max_chars: usize) -> String {
    const CONTEXT: usize = 3;
    let pieces = word_pieces(old, new);
    let mut out = String::new();
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Same(_) => {
                let start = i;
                while i < pieces.len() && matches!(pieces[i], Piece::Same(_)) {
                    i += 1;
                }
                let run: Vec<&str> = pieces[start..i]
                    .iter()
                    .filter_map(|p| match p {
                        Piece::Same(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect();
                let words: Vec<&str> = run
                    .iter()
                    .copied()
                    .filter(|w| !w.trim().is_empty())
                    .collect();
                let lead = start > 0;
                let tail = i < pieces.len();
                if words.len() <= 2 * CONTEXT {
                    out.push_str(&run.concat());
                } else {
                    let mut parts = Vec::new();
                    if lead {
                        parts.push(words[..CONTEXT].join(" "));
                    }
                    parts.push("…".to_owned());
                    if tail {
                        parts.push(words[words.len() - CONTEXT..].join(" "));
                    }
                    out.push_str(&format!(" {} ", parts.join(" ")));
                }
            }
            Piece::Removed(_) | Piece::Added(_) => {
                let mut removed = String::new();
                let mut added = String::new();
                while i < pieces.len() {
                    match &pieces[i] {
                        Piece::Removed(s) => removed.push_str(s),
                        Piece::Added(s) => added.push_str(s),
                        Piece::Same(_) => break,
                    }
                    i += 1;
                }
                if !removed.trim().is_empty() {
                    out.push_str(&format!("[-{}-]", removed.trim()));
                }
                if !added.trim().is_empty() {
                    out.push_str(&format!("{{+{}+}}", added.trim()));
                }
            }
        }
    }
    let line = out.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_diff_marks_changes_and_shortens_the_rest() {
        let old = "Click Forgot password on the sign-in page. The link is valid for 60 minutes and can be used once.";
        let new = "Click Forgot password on the sign-in page. The link is valid for 30 minutes and can be used once.";
        let d = word_diff(old, new, 240);
        assert!(d.contains("[-60-]{+30+}"), "{d}");
        assert!(d.contains('…'), "{d}");
        assert!(d.len() < old.len(), "{d}");
        assert_eq!(word_diff("same text", "same text", 240), "same text");
        let long = word_diff(&"a ".repeat(1000), &"b ".repeat(1000), 50);
        assert!(long.chars().count() <= 51, "{long}");
    }
}
