//! The suite file: `agent`, `defaults` and `cases` (each a `message` or a list of `turns`), loaded from YAML and
//! checked completely before any request, so a bad suite fails with its file, line and field named. Also the
//! suite's JSON Schema (`chatbase eval --schema`).

use std::collections::HashSet;
use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::assertion::Assertion;

/// A whole suite.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "chatbase eval suite")]
pub struct Suite {
    /// Free text shown in reports.
    #[serde(default)]
    pub description: Option<String>,
    /// The agent to test (the command line's `--agent` wins over it).
    #[serde(default)]
    pub agent: Option<String>,
    /// The agent that answers `judge` assertions (the command line's `--judge-agent` wins over it).
    #[serde(default)]
    pub judge_agent: Option<String>,
    /// Settings applied to every case.
    #[serde(default)]
    pub defaults: Defaults,
    /// The cases, run in any order, reported in this order.
    pub cases: Vec<Case>,
}

/// Settings applied to every case.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Defaults {
    /// Assertions checked on every answer of every case (each turn of a multi-turn case).
    #[serde(default)]
    pub assert: Vec<Assertion>,
    /// User id for cases that set none.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Score threshold for cases that set none.
    #[serde(default)]
    pub threshold: Option<f64>,
}

/// One case: a single message, or a conversation of several turns on one server-side conversation.
#[derive(Debug, Clone)]
pub struct Case {
    /// Unique name within the suite.
    pub name: String,
    /// The messages sent, in order; a `message` case has one turn.
    pub turns: Vec<Turn>,
    /// Tags for `--filter`.
    pub tags: Vec<String>,
    /// User id attached to the new conversation.
    pub user_id: Option<String>,
    /// Without it a case passes when every assertion passes; with it, when the weighted score (0 to 1) reaches
    /// it (promptfoo's `threshold`).
    pub threshold: Option<f64>,
    /// Runs of this case, overriding the run's `--repeat` (for an answer known to vary).
    pub repeat: Option<u32>,
    /// Share of this case's runs that must pass, overriding `--min-pass-rate`.
    pub min_pass_rate: Option<f64>,
}

/// One message of a case and the assertions on its answer.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Turn {
    /// The message sent.
    pub message: String,
    /// Assertions on this turn's answer.
    #[serde(default)]
    pub assert: Vec<Assertion>,
}

/// The case as written; [`Case`] is built from it after the checks that span several fields.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Case")]
struct RawCase {
    /// Unique name within the suite.
    name: String,
    /// The message to send (or use `turns`).
    #[serde(default)]
    message: Option<String>,
    /// A conversation: each turn is sent on the conversation the first one opened.
    #[serde(default)]
    turns: Option<Vec<Turn>>,
    /// Tags for `--filter`.
    #[serde(default)]
    tags: Vec<String>,
    /// User id attached to the new conversation.
    #[serde(default)]
    user_id: Option<String>,
    /// Assertions on the answer to `message`, or on the last answer of `turns`.
    #[serde(default)]
    assert: Vec<Assertion>,
    /// Pass on the weighted assertion score (0 to 1) instead of requiring every assertion.
    #[serde(default)]
    threshold: Option<f64>,
    /// Runs of this case (1 to 1000), overriding `--repeat`.
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    repeat: Option<u32>,
    /// Share of this case's runs that must pass (0 to 1), overriding `--min-pass-rate`.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1))]
    min_pass_rate: Option<f64>,
}

impl<'de> Deserialize<'de> for Case {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawCase::deserialize(d)?;
        Case::try_from(raw).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Case {
    fn schema_name() -> String {
        "Case".to_owned()
    }
    fn json_schema(g: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        RawCase::json_schema(g)
    }
}

/// The API's rule for user ids, checked at load so a bad one fails the suite rather than every case.
fn check_user_id(u: Option<String>) -> Result<Option<String>, String> {
    match u {
        Some(id)
            if id.is_empty()
                || id.len() > 128
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
        {
            Err(format!(
                "`user-id` {id:?} must be 1-128 characters of letters, digits, '.', '_' or '-'"
            ))
        }
        u => Ok(u),
    }
}

fn check_threshold(t: Option<f64>) -> Result<Option<f64>, String> {
    match t {
        Some(x) if !(x.is_finite() && (0.0..=1.0).contains(&x)) => {
            Err(format!("`threshold` must be between 0 and 1, got {x}"))
        }
        t => Ok(t),
    }
}

impl TryFrom<RawCase> for Case {
    type Error = String;

    fn try_from(raw: RawCase) -> Result<Self, String> {
        let name = raw.name.trim().to_owned();
        if name.is_empty() {
            return Err("a case needs a non-empty `name`".to_owned());
        }
        let turns = match (raw.message, raw.turns) {
            (Some(_), Some(_)) => {
                return Err(format!(
                    "case `{name}` has both `message` and `turns`; keep one"
                ));
            }
            (None, None) => {
                return Err(format!("case `{name}` needs a `message` or `turns`"));
            }
            (Some(message), None) => vec![Turn {
                message,
                assert: raw.assert,
            }],
            (None, Some(mut turns)) => {
                let Some(last) = turns.last_mut() else {
                    return Err(format!("case `{name}` has an empty `turns` list"));
                };
                last.assert.extend(raw.assert);
                turns
            }
        };
        if let Some(i) = turns.iter().position(|t| t.message.trim().is_empty()) {
            return Err(format!(
                "case `{name}`: the message of turn {} is empty",
                i + 1
            ));
        }
        let repeat = match raw.repeat {
            Some(n) if !(1..=1000).contains(&n) => {
                return Err(format!(
                    "case `{name}`: `repeat` must be 1 to 1000, got {n}"
                ));
            }
            r => r,
        };
        let min_pass_rate = check_threshold(raw.min_pass_rate)
            .map_err(|e| format!("case `{name}`: {}", e.replace("threshold", "min-pass-rate")))?;
        Ok(Case {
            name,
            turns,
            tags: raw.tags,
            user_id: check_user_id(raw.user_id)?,
            threshold: check_threshold(raw.threshold)?,
            repeat,
            min_pass_rate,
        })
    }
}

/// A suite that could not be loaded: where and what.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}{}: {message}", match .line { Some(l) => format!(":{l}"), None => String::new() })]
pub struct SuiteError {
    /// The file, as given.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong, with the field's path (e.g. `cases[2].assert[0]: unknown assertion ...`).
    pub message: String,
}

impl Suite {
    /// Reads and checks a suite file.
    pub fn load(path: &Path) -> Result<Suite, SuiteError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SuiteError {
            file: file.clone(),
            line: None,
            message: format!("cannot read the suite: {e}"),
        })?;
        Suite::parse(&text, &file)
    }

    /// Parses and checks a suite from YAML text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Suite, SuiteError> {
        let suite: Suite = serde_yaml_ng::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            // serde_yaml_ng appends " at line L column C"; the line goes in front instead.
            let msg = e.to_string();
            let mut message = match msg.rfind(" at line ") {
                Some(i) if line.is_some() => msg[..i].to_owned(),
                _ => msg,
            };
            if message.contains("mapping values are not allowed") {
                message.push_str(
                    " (quote a value that contains \": \", e.g. message: '/tool x {\"a\": 1}')",
                );
            }
            SuiteError {
                file: file.to_owned(),
                line,
                message,
            }
        })?;
        suite.check().map_err(|message| SuiteError {
            file: file.to_owned(),
            line: None,
            message,
        })?;
        Ok(suite)
    }

    fn check(&self) -> Result<(), String> {
        if self.cases.is_empty() {
            return Err("cases: the suite has no cases".to_owned());
        }
        check_threshold(self.defaults.threshold).map_err(|e| format!("defaults: {e}"))?;
        check_user_id(self.defaults.user_id.clone()).map_err(|e| format!("defaults: {e}"))?;
        let mut seen = HashSet::new();
        for (i, c) in self.cases.iter().enumerate() {
            if !seen.insert(c.name.as_str()) {
                return Err(format!(
                    "cases[{i}].name: `{}` is used by an earlier case; names must be unique",
                    c.name
                ));
            }
        }
        Ok(())
    }

    /// The suite's JSON Schema (draft 7), for editors and `chatbase eval --schema`.
    pub fn json_schema() -> serde_json::Value {
        let schema = schemars::schema_for!(Suite);
        serde_json::to_value(schema).unwrap_or_default()
    }

    /// Messages a run sends: every turn of the selected cases plus one judge message per `judge` assertion on
    /// it (the suite's defaults included), times each case's runs (its own `repeat`, else `repeat`).
    pub fn message_count<'a>(&self, cases: impl IntoIterator<Item = &'a Case>, repeat: u32) -> u64 {
        let judges = |list: &[Assertion]| {
            u64::try_from(
                list.iter()
                    .filter(|a| a.judge_criterion().is_some())
                    .count(),
            )
            .unwrap_or(u64::MAX)
        };
        let per_turn = judges(&self.defaults.assert).saturating_add(1);
        cases
            .into_iter()
            .map(|c| {
                c.turns
                    .iter()
                    .map(|t| per_turn.saturating_add(judges(&t.assert)))
                    .fold(0, u64::saturating_add)
                    .saturating_mul(u64::from(c.runs(repeat)))
            })
            .fold(0, u64::saturating_add)
    }

    /// Whether any assertion (in the defaults or a case) is a `judge`, so the run needs a judge agent.
    pub fn uses_judge(&self) -> bool {
        self.defaults
            .assert
            .iter()
            .chain(
                self.cases
                    .iter()
                    .flat_map(|c| c.turns.iter().flat_map(|t| &t.assert)),
            )
            .any(|a| a.judge_criterion().is_some())
    }

    /// Units of work a run has: each selected case times its runs.
    pub fn run_count<'a>(cases: impl IntoIterator<Item = &'a Case>, repeat: u32) -> u64 {
        cases
            .into_iter()
            .map(|c| u64::from(c.runs(repeat)))
            .fold(0, u64::saturating_add)
    }
}

impl Case {
    /// How many times this case runs when the run's default is `repeat`.
    pub fn runs(&self, repeat: u32) -> u32 {
        self.repeat.unwrap_or(repeat)
    }

    /// Whether `--filter` selects this case: a substring of its name (case-insensitive) or one of its tags
    /// (`tag:NAME` matches tags only).
    pub fn matches(&self, filter: &str) -> bool {
        if let Some(tag) = filter.strip_prefix("tag:") {
            return self.tags.iter().any(|t| t == tag);
        }
        self.name.to_lowercase().contains(&filter.to_lowercase())
            || self.tags.iter().any(|t| t == filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
agent: demo-agent
defaults:
  assert:
    - max-total-ms: 10000
cases:
  - name: password reset
    message: How do I reset my password?
    tags: [account, smoke]
    assert:
      - icontains: reset link
      - not: {contains: \"I could not find\"}
      - type: not-icontains
        value: sorry
        weight: 2
  - name: follow-up
    user-id: eval-user
    turns:
      - message: How do I reset my password?
        assert: [{icontains: reset}]
      - message: And if the link expired?
    assert:
      - min-chars: 5
";

    #[test]
    fn a_suite_loads_with_both_spellings_and_turns() {
        let s = Suite::parse(GOOD, "evals.yaml").expect("parses");
        assert_eq!(s.agent.as_deref(), Some("demo-agent"));
        assert_eq!(s.defaults.assert.len(), 1);
        assert_eq!(s.cases.len(), 2);
        assert_eq!(s.cases[0].turns.len(), 1);
        assert_eq!(s.cases[0].turns[0].assert.len(), 3);
        let conv = &s.cases[1];
        assert_eq!(conv.user_id.as_deref(), Some("eval-user"));
        assert_eq!(conv.turns.len(), 2);
        assert_eq!(conv.turns[0].assert.len(), 1);
        // The case-level list applies to the last turn.
        assert_eq!(conv.turns[1].assert.len(), 1);
        assert_eq!(s.message_count(&s.cases, 3), 9);
        assert!(!s.uses_judge());
        let flaky = Suite::parse(
            "cases:\n  - {name: a, message: x, repeat: 5, min-pass-rate: 0.8}\n  - {name: b, turns: [{message: x}, {message: y}]}\n",
            "f.yaml",
        )
        .expect("parses");
        assert_eq!(flaky.cases[0].runs(2), 5);
        assert_eq!(flaky.cases[0].min_pass_rate, Some(0.8));
        assert_eq!(flaky.message_count(&flaky.cases, 2), 5 + 2 * 2);
        assert_eq!(Suite::run_count(&flaky.cases, 2), 7);
        assert!(s.cases[0].matches("tag:smoke"));
        assert!(s.cases[0].matches("PASSWORD"));
        assert!(!s.cases[1].matches("tag:smoke"));
    }

    #[test]
    fn judge_messages_are_counted_in_the_messages_a_run_sends() {
        let s = Suite::parse(
            "judge-agent: grader\ndefaults:\n  assert: [{judge: polite}]\ncases:\n  - name: a\n    message: x\n    assert: [{judge: short}, {not: {llm-rubric: rude}}, {contains: x}]\n  - name: b\n    turns: [{message: x}, {message: y}]\n",
            "j.yaml",
        )
        .expect("parses");
        assert!(s.uses_judge());
        assert_eq!(s.judge_agent.as_deref(), Some("grader"));
        // a: 1 message + 3 judges; b: 2 turns, each 1 message + 1 judge.
        assert_eq!(s.message_count(&s.cases, 1), 4 + 4);
        assert_eq!(s.message_count(&s.cases[..1], 3), 12);
        let e = err("cases:\n  - {name: a, message: x, assert: [{judge: ''}]}\n");
        assert!(e.message.contains("needs a criterion"), "{e}");
    }

    fn err(text: &str) -> SuiteError {
        Suite::parse(text, "evals.yaml").expect_err("should fail")
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let bad_kind = GOOD.replace("- icontains: reset link", "- icontans: reset link");
        let e = err(&bad_kind);
        assert_eq!(e.line, Some(10), "{e}");
        assert!(e.message.contains("cases[0].assert:"), "{e}");
        assert!(e.message.contains("did you mean `icontains`"), "{e}");
        assert!(e.to_string().starts_with("evals.yaml:10: "), "{e}");

        let bad_regex = GOOD.replace("min-chars: 5", "regex: '[a-'");
        let e = err(&bad_regex);
        assert_eq!(e.line, Some(22), "{e}");
        assert!(e.message.contains("cases[1].assert:"), "{e}");

        let wrong_type = GOOD.replace("max-total-ms: 10000", "max-total-ms: soon");
        let e = err(&wrong_type);
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("defaults.assert:"), "{e}");

        let unknown_field = GOOD.replace("    tags: [account, smoke]", "    tag: [account, smoke]");
        let e = err(&unknown_field);
        assert_eq!(e.line, Some(8), "{e}");
        assert!(e.message.contains("unknown field `tag`"), "{e}");

        let both = GOOD.replace("    user-id: eval-user", "    message: hi");
        let e = err(&both);
        assert!(e.message.contains("both `message` and `turns`"), "{e}");
        assert!(e.line.is_some(), "{e}");

        let yaml = err("cases:\n  - name: a\n   message: b\n");
        assert!(yaml.line.is_some(), "{yaml}");
        let unquoted = err("cases:\n  - name: a\n    message: /tool x {\"a\": 1}\n");
        assert_eq!(unquoted.line, Some(3), "{unquoted}");
        assert!(unquoted.message.contains("quote a value"), "{unquoted}");

        let dup = err("cases:\n  - {name: a, message: x}\n  - {name: a, message: y}\n");
        assert!(dup.message.contains("cases[1].name"), "{dup}");
        assert!(err("cases: []\n").message.contains("no cases"));
        assert!(
            err("cases:\n  - {name: a}\n")
                .message
                .contains("needs a `message` or `turns`")
        );
        assert!(
            err("cases:\n  - {name: a, turns: []}\n")
                .message
                .contains("empty `turns`")
        );
        assert!(
            err("cases:\n  - {name: a, message: x, threshold: 3}\n")
                .message
                .contains("between 0 and 1")
        );
        let bad_user = err("cases:\n  - {name: a, message: x, user-id: \"a b\"}\n");
        assert!(bad_user.message.contains("`user-id`"), "{bad_user}");
        let bad_default = err("defaults: {user-id: \"\"}\ncases:\n  - {name: a, message: x}\n");
        assert!(
            bad_default.message.contains("defaults: `user-id`"),
            "{bad_default}"
        );
        let twice = err(
            "cases:\n  - name: a\n    message: hi\n    assert:\n      - contains: a\n        contains: b\n",
        );
        assert!(
            twice.message.contains("`contains` appears twice"),
            "{twice}"
        );
        assert_eq!(twice.line, Some(5), "{twice}");
        assert!(
            err("cases:\n  - {name: a, message: x, repeat: 0}\n")
                .message
                .contains("1 to 1000")
        );
        assert!(
            err("cases:\n  - {name: a, message: x, min-pass-rate: 2}\n")
                .message
                .contains("`min-pass-rate` must be between")
        );
        let promptfoo = err("tests:\n  - description: x\n");
        assert!(
            promptfoo.message.contains("unknown field `tests`"),
            "{promptfoo}"
        );
    }

    #[test]
    fn the_schema_describes_cases_and_assertions() {
        let s = Suite::json_schema();
        let defs = &s["definitions"];
        assert!(defs["Case"]["properties"]["turns"].is_object(), "{s}");
        assert!(defs["Case"]["properties"]["user-id"].is_object(), "{s}");
        let variants = defs["Assertion"]["oneOf"].as_array().expect("oneOf");
        assert!(variants.iter().any(|v| v["required"][0] == "not-icontains"));
        assert!(variants.iter().any(|v| v["required"][0] == "type"));
        // The example shipped with the CLI is valid against it (checked with the same validator).
        let suite: serde_json::Value = serde_yaml_ng::from_str(GOOD).expect("yaml");
        let validator = jsonschema::validator_for(&s).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&suite)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}
