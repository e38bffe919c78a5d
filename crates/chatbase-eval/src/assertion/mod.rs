//! Assertions: parsing the two spellings a suite may use (one-key maps such as `- icontains: reset link`, and
//! promptfoo's `- type: icontains` / `value:` / `threshold:` / `weight:` form with `not-` prefixes), checking them
//! once at load time (regexes, JSON Schemas, numbers), and evaluating them against one [`Answer`].

mod check;
mod parse;
mod schema;
#[cfg(test)]
mod tests;

// The parts share their helpers through this module.
use check::*;

pub use check::similarity;
pub use parse::parse_list;

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

/// What one chat turn produced, as the assertions see it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Answer {
    /// The answer text (every text part, concatenated).
    pub text: String,
    /// The stream's finish reason (`stop`, `tool-calls`, `error` or a newer value, verbatim).
    pub finish_reason: Option<String>,
    /// Tool calls the agent made, in stream order.
    pub tool_calls: Vec<ToolCallSeen>,
    /// Milliseconds from sending the message to the first text or tool event.
    pub first_token_ms: Option<u64>,
    /// Milliseconds from sending the message to the end of the stream.
    pub total_ms: u64,
    /// Credits the turn used, as reported in the stream's usage metadata.
    pub credits: Option<f64>,
    /// The conversation the turn belongs to.
    pub conversation_id: Option<String>,
    /// The assistant message id.
    pub message_id: Option<String>,
}

/// One tool call seen in the stream.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ToolCallSeen {
    /// Name of the action.
    pub name: String,
    /// Its parsed input.
    pub input: Value,
}

/// A compiled JSON Schema (kept with its source for reports).
#[derive(Clone)]
pub struct JsonSchemaCheck {
    /// The schema as written in the suite.
    pub schema: Value,
    validator: Arc<jsonschema::Validator>,
}

impl fmt::Debug for JsonSchemaCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonSchemaCheck")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// The check an assertion performs (before negation).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Check {
    /// The answer contains `value` (`ignore_case` for `icontains`).
    Contains { value: String, ignore_case: bool },
    /// The answer contains at least one of `values`.
    ContainsAny {
        values: Vec<String>,
        ignore_case: bool,
    },
    /// The answer contains every one of `values`.
    ContainsAll {
        values: Vec<String>,
        ignore_case: bool,
    },
    /// The answer, trimmed, equals `value`.
    Equals(String),
    /// The answer, with leading whitespace removed, starts with the text.
    StartsWith(String),
    /// The pattern matches somewhere in the answer. Assertions with the same pattern share one compiled regex
    /// (and its match caches), so a suite repeating a pattern on every case pays for it once.
    Regex(Arc<regex::Regex>),
    /// At least this many characters.
    MinChars(u64),
    /// At most this many characters.
    MaxChars(u64),
    /// The stream finished for this reason.
    FinishReason(String),
    /// The agent called this tool; with `args`, its input contains them (recursive subset match).
    ToolCalled { name: String, args: Option<Value> },
    /// The first text or tool event arrived within this many milliseconds.
    MaxFirstTokenMs(u64),
    /// The whole answer arrived within this many milliseconds.
    MaxTotalMs(u64),
    /// The turn used at most this many credits.
    MaxCredits(f64),
    /// The answer parses as JSON and, with a schema, matches it.
    Json(Option<JsonSchemaCheck>),
    /// Sørensen–Dice similarity (character bigrams, case and spacing ignored) to `reference` is at least
    /// `threshold` (0 to 1).
    SimilarTo { reference: String, threshold: f64 },
    /// A second agent (the judge) says the answer meets this criterion; see [`crate::judge`]. The runner asks
    /// it; evaluated without a judge, it fails.
    Judge { criterion: String },
}

/// One assertion of a suite.
#[derive(Debug, Clone)]
pub struct Assertion {
    /// What it checks.
    pub check: Check,
    /// `not:` / `not-` prefix: passes when the check fails.
    pub negate: bool,
    /// Weight in the case score (default 1; 0 records the result without failing the case).
    pub weight: f64,
    /// Optional metric name (promptfoo's `metric`), carried into reports.
    pub metric: Option<String>,
    /// A short human label, e.g. `not icontains "I could not find"`.
    pub label: String,
}

/// The result of evaluating one assertion.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssertionResult {
    /// The assertion's label.
    pub assertion: String,
    /// Whether it passed (after negation).
    pub pass: bool,
    /// Score from 0 to 1 (1 or 0 for yes/no checks; the similarity for `similar-to`).
    pub score: f64,
    /// Weight in the case score.
    pub weight: f64,
    /// Metric name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// What was found, e.g. `answer has 812 characters`.
    pub detail: String,
    /// The part of the answer the verdict is about (around a match, else its start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Credits the check itself used (a `judge` asks an agent), counted in the run's credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<f64>,
}

/// Every kind name a suite may use (without the `not-` prefix), for error messages and suggestions.
pub const KINDS: &[&str] = &[
    "contains",
    "icontains",
    "contains-any",
    "icontains-any",
    "contains-all",
    "icontains-all",
    "equals",
    "starts-with",
    "regex",
    "min-chars",
    "max-chars",
    "finish-reason",
    "tool-called",
    "max-first-token-ms",
    "max-total-ms",
    "max-credits",
    "json",
    "similar-to",
    "judge",
    "not",
    // promptfoo spellings
    "is-json",
    "latency",
    "llm-rubric",
];

/// Default `similar-to` threshold.
pub const DEFAULT_SIMILARITY: f64 = 0.8;

const SNIPPET_CHARS: usize = 80;

impl<'de> Deserialize<'de> for Assertion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let StrictValue(v) = StrictValue::deserialize(d)?;
        Assertion::from_value(&v).map_err(serde::de::Error::custom)
    }
}

/// A JSON value read from any serde format that refuses duplicate map keys at every depth (a plain
/// `serde_json::Value` keeps the last one, so `{contains: a, contains: b}` would silently check only `b`).
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an assertion")
    }
    fn visit_bool<E>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<StrictValue, E> {
        serde_json::Number::from_f64(v)
            .map(|n| StrictValue(Value::Number(n)))
            .ok_or_else(|| E::custom(format!("{v} is not a finite number")))
    }
    fn visit_str<E>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_none<E>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<StrictValue, D::Error> {
        StrictValue::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(StrictValue(Value::Array(out)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(v) = map.next_value()?;
            if out.insert(key.clone(), v).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "`{key}` appears twice in one map; write each assertion as its own list item"
                )));
            }
        }
        Ok(StrictValue(Value::Object(out)))
    }
}
