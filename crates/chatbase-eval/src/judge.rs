//! The optional judge: the prompt that asks a second agent whether an answer meets a `judge:` criterion, and the
//! parsing of its reply into a verdict. Only a reply whose first line is `PASS` or `FAIL` counts; anything else is
//! a failed assertion, never a pass.

use crate::assertion::{Answer, Assertion, AssertionResult};

/// The most characters of the question and the answer quoted in a judge prompt (longer text is cut, marked).
pub const MAX_QUOTED_CHARS: usize = 6000;

/// The most characters of the judge's reason kept in a report.
const MAX_REASON_CHARS: usize = 300;

/// The judge's verdict on one answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The first line said PASS; the reason follows it.
    Pass(String),
    /// The first line said FAIL; the reason follows it.
    Fail(String),
    /// The reply had no verdict on its first line (the reply, cut short).
    Unparseable(String),
}

fn quote(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    if text.chars().nth(MAX_QUOTED_CHARS).is_some() {
        out.push_str(" […cut]");
    }
    out
}

/// The message sent to the judge agent. The criterion sits on its own lines, before the quoted conversation,
/// and the reply format is stated twice so a model that drifts while reading the answer is reminded. `earlier`
/// holds the (message, answer) pairs of a multi-turn case's previous turns, so a criterion can refer to them;
/// they are quoted within the same bound as the answer, most recent first kept.
pub fn prompt(criterion: &str, earlier: &[(&str, &str)], question: &str, answer: &str) -> String {
    let mut context = String::new();
    let mut budget = MAX_QUOTED_CHARS;
    let mut kept = Vec::new();
    for (q, a) in earlier.iter().rev() {
        let len = q.chars().count() + a.chars().count();
        if len > budget {
            break;
        }
        budget -= len;
        kept.push(format!("User: {q}\nAssistant: {a}\n"));
    }
    if !kept.is_empty() {
        kept.reverse();
        context = format!(
            "Earlier in the same conversation (between the markers):\n<<<\n{}>>>\n\n",
            kept.concat()
        );
    }
    format!(
        "You are grading another assistant's answer for an automated test. Decide only whether the answer \
         meets the criterion below; do not answer the question yourself.\n\
         Reply with PASS or FAIL alone on the first line, then one sentence giving the reason.\n\
         \n\
         Criterion:\n{criterion}\n\
         \n\
         {context}\
         Question (between the markers):\n<<<\n{}\n>>>\n\
         \n\
         Answer (between the markers):\n<<<\n{}\n>>>\n\
         \n\
         First line: PASS or FAIL. Second line: the reason.",
        quote(question),
        quote(answer),
    )
}

fn cut(s: &str, max: usize) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Reads a verdict from the judge's reply: the first non-blank line, after markdown emphasis and an optional
/// `Verdict:` label, must be the word PASS or FAIL (any case), alone or followed by punctuation and a reason.
pub fn parse(reply: &str) -> Verdict {
    let mut lines = reply.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return Verdict::Unparseable(String::new());
    };
    let plain =
        first.trim_matches(|c: char| matches!(c, '*' | '_' | '`' | '#' | '>') || c.is_whitespace());
    let plain = match plain.get(..8) {
        Some(p) if p.eq_ignore_ascii_case("verdict:") => plain[8..]
            .trim_start_matches(|c: char| matches!(c, '*' | '_' | '`') || c.is_whitespace()),
        _ => plain,
    };
    let word_end = plain
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(plain.len());
    let (word, rest) = plain.split_at(word_end);
    let reason = || {
        let same_line = rest.trim_start_matches(|c: char| {
            matches!(c, ':' | '-' | '–' | '—' | '.' | ',' | '*' | '_' | '`') || c.is_whitespace()
        });
        let mut parts: Vec<&str> = Vec::new();
        if !same_line.is_empty() {
            parts.push(same_line);
        }
        parts.extend(lines.clone());
        cut(&parts.join(" "), MAX_REASON_CHARS)
    };
    if word.eq_ignore_ascii_case("pass") {
        Verdict::Pass(reason())
    } else if word.eq_ignore_ascii_case("fail") {
        Verdict::Fail(reason())
    } else {
        Verdict::Unparseable(cut(reply, MAX_REASON_CHARS))
    }
}

impl Assertion {
    /// The result of a `judge` assertion given the judge's reply and the credits the judge used. Negation
    /// applies to a PASS or FAIL; a reply without a verdict fails either way.
    pub fn judged(&self, answer: &Answer, reply: &str, credits: Option<f64>) -> AssertionResult {
        let (pass, detail) = match parse(reply) {
            Verdict::Pass(r) => (!self.negate, format!("the judge says PASS: {r}")),
            Verdict::Fail(r) => (self.negate, format!("the judge says FAIL: {r}")),
            Verdict::Unparseable(r) => (
                false,
                format!("the judge's reply has no PASS or FAIL on its first line: {r:?}"),
            ),
        };
        let mut result = self.result(answer, pass, if pass { 1.0 } else { 0.0 }, detail, None);
        result.credits = credits;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_are_read_from_the_first_line_only() {
        assert_eq!(
            parse("PASS\nIt names the reset link."),
            Verdict::Pass("It names the reset link.".into())
        );
        assert_eq!(
            parse("  **FAIL** - no price given\n"),
            Verdict::Fail("no price given".into())
        );
        assert_eq!(parse("Verdict: pass."), Verdict::Pass(String::new()));
        assert_eq!(
            parse("\n\nfail: wrong plan\nand more"),
            Verdict::Fail("wrong plan and more".into())
        );
        for bad in [
            "",
            "   \n ",
            "Passing grade",
            "The answer is fine.\nPASS",
            "Maybe",
            "PASSFAIL",
            "Failure",
        ] {
            assert!(
                matches!(parse(bad), Verdict::Unparseable(_)),
                "{bad:?} gave {:?}",
                parse(bad)
            );
        }
    }

    #[test]
    fn the_prompt_quotes_the_criterion_question_and_answer() {
        let p = prompt(
            "names the reset link",
            &[],
            "How do I reset?",
            "Click the link.",
        );
        assert!(p.contains("Criterion:\nnames the reset link\n"), "{p}");
        assert!(p.contains("<<<\nHow do I reset?\n>>>"), "{p}");
        assert!(p.contains("<<<\nClick the link.\n>>>"), "{p}");
        assert!(p.contains("PASS or FAIL alone on the first line"), "{p}");
        assert!(!p.contains("Earlier in the same conversation"), "{p}");
        let long = "x".repeat(MAX_QUOTED_CHARS + 10);
        let p = prompt("c", &[], "q", &long);
        assert!(p.contains("[…cut]"));
        assert!(p.len() < MAX_QUOTED_CHARS + 1000);
        // Earlier turns are quoted in order; the oldest go first when they do not fit.
        let huge = "y".repeat(MAX_QUOTED_CHARS);
        let p = prompt(
            "c",
            &[
                ("first?", &huge),
                ("invoices?", "Admin → Billing."),
                ("card?", "Replace card."),
            ],
            "and then?",
            "Done.",
        );
        let (inv, card) = (p.find("User: invoices?"), p.find("User: card?"));
        assert!(inv.is_some() && card.is_some() && inv < card, "{p}");
        assert!(p.contains("Assistant: Admin → Billing.\n"), "{p}");
        assert!(!p.contains("first?"), "{p}");
        assert!(
            p.find("Earlier in the same") < p.find("Question (between"),
            "{p}"
        );
    }

    #[test]
    fn negation_flips_a_verdict_but_never_an_unparseable_reply() {
        let yes: Assertion = serde_yaml_ng::from_str("judge: polite").expect("parses");
        let no: Assertion = serde_yaml_ng::from_str("not: {judge: polite}").expect("parses");
        let a = Answer {
            text: "Hello there".into(),
            ..Answer::default()
        };
        assert!(yes.judged(&a, "PASS\nok", Some(1.0)).pass);
        assert!(!no.judged(&a, "PASS\nok", Some(1.0)).pass);
        assert!(!yes.judged(&a, "FAIL\nrude", None).pass);
        assert!(no.judged(&a, "FAIL\nrude", None).pass);
        for judge in [&yes, &no] {
            let r = judge.judged(&a, "I think so", Some(2.0));
            assert!(!r.pass, "{r:?}");
            assert_eq!(r.score, 0.0);
            assert!(r.detail.contains("no PASS or FAIL"), "{}", r.detail);
            assert_eq!(r.credits, Some(2.0));
        }
        assert_eq!(yes.judge_criterion(), Some("polite"));
        assert_eq!(yes.judge_criterion(), no.judge_criterion());
    }
}
