//! Assertions: parsing the two spellings a suite may use (one-key maps such as `- icontains: reset link`, and
//! promptfoo's `- type: icontains` / `value:` / `threshold:` / `weight:` form with `not-` prefixes), checking them
//! once at load time (regexes, JSON Schemas, numbers), and evaluating them against one [`Answer`].

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

impl schemars::JsonSchema for Assertion {
    fn schema_name() -> String {
        "Assertion".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        serde_json::from_value(assertion_schema()).expect("the static assertion schema is valid")
    }
}

fn assertion_schema() -> Value {
    let text = serde_json::json!({"type": ["string", "number", "boolean"]});
    let texts = serde_json::json!({"type": "array", "items": {"type": ["string", "number"]}, "minItems": 1});
    let ms = serde_json::json!({"type": "integer", "minimum": 0});
    let one = |kind: &str, value: Value, doc: &str| {
        serde_json::json!({
            "type": "object",
            "description": doc,
            "properties": {kind: value, "weight": {"type": "number", "minimum": 0}, "metric": {"type": "string"}},
            "required": [kind],
            "additionalProperties": false,
        })
    };
    let mut variants = Vec::new();
    for (kind, value, doc) in [
        (
            "contains",
            text.clone(),
            "The answer contains the text (case-sensitive).",
        ),
        (
            "icontains",
            text.clone(),
            "The answer contains the text, ignoring case.",
        ),
        (
            "contains-any",
            texts.clone(),
            "The answer contains at least one of the texts.",
        ),
        (
            "icontains-any",
            texts.clone(),
            "Like contains-any, ignoring case.",
        ),
        (
            "contains-all",
            texts.clone(),
            "The answer contains every one of the texts.",
        ),
        (
            "icontains-all",
            texts.clone(),
            "Like contains-all, ignoring case.",
        ),
        (
            "equals",
            text.clone(),
            "The trimmed answer equals the text.",
        ),
        (
            "starts-with",
            text.clone(),
            "The answer starts with the text.",
        ),
        (
            "regex",
            serde_json::json!({"type": "string"}),
            "The regular expression (Rust regex syntax) matches.",
        ),
        (
            "min-chars",
            ms.clone(),
            "The answer has at least this many characters.",
        ),
        (
            "max-chars",
            ms.clone(),
            "The answer has at most this many characters.",
        ),
        (
            "finish-reason",
            serde_json::json!({"type": "string"}),
            "The stream finished for this reason (stop, tool-calls, error).",
        ),
        (
            "tool-called",
            serde_json::json!({"oneOf": [{"type": "string"}, {"type": "object", "properties": {"name": {"type": "string"}, "args": {"type": "object"}}, "required": ["name"], "additionalProperties": false}]}),
            "The agent called this tool; `args` must be contained in its input.",
        ),
        (
            "max-first-token-ms",
            ms.clone(),
            "The first text or tool event arrived within this many milliseconds.",
        ),
        (
            "max-total-ms",
            ms.clone(),
            "The whole answer arrived within this many milliseconds.",
        ),
        (
            "max-credits",
            serde_json::json!({"type": "number", "minimum": 0}),
            "The turn used at most this many credits.",
        ),
        (
            "json",
            serde_json::json!({"oneOf": [{"type": "null"}, {"type": "boolean", "const": true}, {"type": "object"}]}),
            "The answer parses as JSON; an object value is a JSON Schema it must match.",
        ),
        (
            "similar-to",
            serde_json::json!({"oneOf": [{"type": "string"}, {"type": "object", "properties": {"value": {"type": "string"}, "threshold": {"type": "number", "minimum": 0, "maximum": 1}}, "required": ["value"], "additionalProperties": false}]}),
            "Text similarity (Sørensen–Dice on character bigrams) to a reference answer is at least the threshold (default 0.8).",
        ),
        (
            "judge",
            serde_json::json!({"type": "string", "minLength": 1}),
            "A second agent (--judge-agent or the suite's judge-agent) is asked whether the answer meets this criterion and must reply PASS or FAIL on its first line; its credits are counted.",
        ),
        (
            "not",
            serde_json::json!({"$ref": "#/definitions/Assertion"}),
            "Negates another assertion.",
        ),
    ] {
        variants.push(one(kind, value.clone(), doc));
        if kind != "not" {
            let negated = format!("not-{kind}");
            variants.push(one(&negated, value, &format!("Negated {kind}.")));
        }
    }
    variants.push(serde_json::json!({
        "type": "object",
        "description": "promptfoo's spelling: `type` names the kind (a `not-` prefix negates it; `is-json`, `latency` and `llm-rubric` are accepted), `value` its argument, `threshold` the similarity or latency bound.",
        "properties": {
            "type": {"type": "string"},
            "value": {},
            "threshold": {"type": "number"},
            "weight": {"type": "number", "minimum": 0},
            "metric": {"type": "string"},
        },
        "required": ["type"],
        "additionalProperties": false,
    }));
    serde_json::json!({
        "description": "One assertion: a one-key map naming its kind (`- icontains: reset link`), or promptfoo's `- type: icontains` / `value:` form.",
        "oneOf": variants,
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn text(kind: &str, v: Option<&Value>) -> Result<String, String> {
    match v {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(b.to_string()),
        Some(other) => Err(format!("`{kind}` expects text, got {}", type_name(other))),
        None => Err(format!("`{kind}` needs a value")),
    }
}

fn texts(kind: &str, v: Option<&Value>) -> Result<Vec<String>, String> {
    match v {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|i| text(kind, Some(i)))
            .collect::<Result<_, _>>(),
        Some(Value::Array(_)) => Err(format!("`{kind}` needs at least one text")),
        Some(other) => Err(format!(
            "`{kind}` expects a list of texts, got {}",
            type_name(other)
        )),
        None => Err(format!("`{kind}` needs a list of texts")),
    }
}

fn count(kind: &str, v: Option<&Value>) -> Result<u64, String> {
    match v {
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| format!("`{kind}` expects a whole number of 0 or more, got {n}")),
        Some(other) => Err(format!(
            "`{kind}` expects a whole number, got {}",
            type_name(other)
        )),
        None => Err(format!("`{kind}` needs a number")),
    }
}

fn non_negative(kind: &str, v: Option<&Value>) -> Result<f64, String> {
    match v.and_then(Value::as_f64) {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Some(x) => Err(format!("`{kind}` must be 0 or more, got {x}")),
        None => Err(format!(
            "`{kind}` expects a number, got {}",
            v.map(type_name).unwrap_or("nothing")
        )),
    }
}

fn unit_interval(kind: &str, x: f64) -> Result<f64, String> {
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(format!(
            "`{kind}` threshold must be between 0 and 1, got {x}"
        ))
    }
}

fn suggest(kind: &str) -> String {
    let best = KINDS
        .iter()
        .map(|k| (strsim::jaro_winkler(kind, k), *k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((score, k)) if score > 0.8 => {
            format!("unknown assertion `{kind}`; did you mean `{k}`?")
        }
        _ => format!(
            "unknown assertion `{kind}`; known kinds: {}",
            KINDS.join(", ")
        ),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

impl Assertion {
    /// Parses an assertion from its JSON/YAML value (either spelling). The error says what is wrong; the suite
    /// loader adds the file, line and field.
    pub fn from_value(v: &Value) -> Result<Assertion, String> {
        let Value::Object(map) = v else {
            return Err(format!(
                "an assertion is a map such as `icontains: some text`, got {}",
                type_name(v)
            ));
        };
        let weight = match map.get("weight") {
            None => 1.0,
            w => non_negative("weight", w)?,
        };
        let metric = match map.get("metric") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => return Err(format!("`metric` expects text, got {}", type_name(other))),
        };
        let mut a = if let Some(kind) = map.get("type") {
            let Value::String(kind) = kind else {
                return Err(format!("`type` expects text, got {}", type_name(kind)));
            };
            if let Some(extra) = map.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "type" | "value" | "threshold" | "weight" | "metric"
                )
            }) {
                return Err(format!(
                    "unknown field `{extra}` in a `type:` assertion (allowed: type, value, threshold, weight, metric)"
                ));
            }
            let threshold = match map.get("threshold") {
                None => None,
                Some(t) => Some(t.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                    format!("`threshold` expects a number, got {}", type_name(t))
                })?),
            };
            build(kind, map.get("value"), threshold)?
        } else {
            let keys: Vec<&String> = map
                .keys()
                .filter(|k| !matches!(k.as_str(), "weight" | "metric"))
                .collect();
            match keys.as_slice() {
                [kind] => build(kind, map.get(kind.as_str()), None)?,
                [] => {
                    return Err("an assertion needs a kind, e.g. `icontains: some text`".to_owned());
                }
                several => {
                    let names: Vec<&str> = several.iter().map(|k| k.as_str()).collect();
                    return Err(format!(
                        "an assertion has one kind, found {} ({}); write each as its own list item",
                        names.len(),
                        names.join(", ")
                    ));
                }
            }
        };
        if map.contains_key("weight") {
            a.weight = weight;
        }
        if metric.is_some() {
            a.metric = metric;
        }
        Ok(a)
    }

    /// Evaluates the assertion against one answer. A `judge` assertion needs the runner (which asks the judge
    /// agent and calls [`judged`](Self::judged)); evaluated here it fails, saying so.
    pub fn evaluate(&self, answer: &Answer) -> AssertionResult {
        let raw = self.check.evaluate(answer);
        if matches!(self.check, Check::Judge { .. }) {
            return self.result(answer, false, 0.0, raw.detail, None);
        }
        let pass = raw.pass != self.negate;
        let score = if self.negate {
            1.0 - raw.score
        } else {
            raw.score
        };
        self.result(answer, pass, score, raw.detail, raw.at)
    }

    /// The criterion of a `judge` assertion (negated or not).
    pub fn judge_criterion(&self) -> Option<&str> {
        match &self.check {
            Check::Judge { criterion } => Some(criterion),
            _ => None,
        }
    }

    /// A result for this assertion; a failure carries the answer's text around `at` (else its start).
    pub(crate) fn result(
        &self,
        answer: &Answer,
        pass: bool,
        score: f64,
        detail: String,
        at: Option<usize>,
    ) -> AssertionResult {
        let snippet = if pass {
            None
        } else {
            Some(match at {
                Some(at) => window(&answer.text, at),
                None => head(&answer.text),
            })
            .filter(|s| !s.is_empty())
        };
        AssertionResult {
            assertion: self.label.clone(),
            pass,
            score,
            weight: self.weight,
            metric: self.metric.clone(),
            detail,
            snippet,
            credits: None,
        }
    }
}

/// Builds an assertion from a kind name (with an optional `not-` prefix) and its value.
fn build(kind: &str, value: Option<&Value>, threshold: Option<f64>) -> Result<Assertion, String> {
    if kind == "not" {
        let inner = value.ok_or("`not` needs an assertion, e.g. `not: {contains: sorry}`")?;
        let mut a = Assertion::from_value(inner).map_err(|e| format!("in `not`: {e}"))?;
        a.negate = !a.negate;
        a.label = format!("not {}", a.label);
        return Ok(a);
    }
    let (negate, base) = match kind.strip_prefix("not-") {
        Some(b) => (true, b),
        None => (false, kind),
    };
    if threshold.is_some() && !matches!(base, "latency" | "similar-to" | "cost") {
        return Err(format!(
            "`threshold` has no meaning for `{base}` (it applies to similar-to and latency)"
        ));
    }
    let t = || text(base, value);
    let check = match base {
        "contains" | "icontains" => Check::Contains {
            value: t()?,
            ignore_case: base == "icontains",
        },
        "contains-any" | "icontains-any" => Check::ContainsAny {
            values: texts(base, value)?,
            ignore_case: base.starts_with('i'),
        },
        "contains-all" | "icontains-all" => Check::ContainsAll {
            values: texts(base, value)?,
            ignore_case: base.starts_with('i'),
        },
        "equals" => Check::Equals(t()?),
        "starts-with" => Check::StartsWith(t()?),
        "regex" => {
            let pattern = t()?;
            Check::Regex(compiled(&pattern)?)
        }
        "min-chars" => Check::MinChars(count(base, value)?),
        "max-chars" => Check::MaxChars(count(base, value)?),
        "finish-reason" => Check::FinishReason(t()?),
        "tool-called" => match value {
            Some(Value::String(name)) if !name.is_empty() => Check::ToolCalled {
                name: name.clone(),
                args: None,
            },
            Some(Value::Object(m)) => {
                if let Some(extra) = m.keys().find(|k| !matches!(k.as_str(), "name" | "args")) {
                    return Err(format!(
                        "unknown field `{extra}` in `tool-called` (allowed: name, args)"
                    ));
                }
                let name = match m.get("name") {
                    Some(Value::String(n)) if !n.is_empty() => n.clone(),
                    _ => return Err("`tool-called` needs a `name`".to_owned()),
                };
                let args = match m.get("args") {
                    None => None,
                    Some(a @ Value::Object(_)) => Some(a.clone()),
                    Some(other) => {
                        return Err(format!(
                            "`tool-called` `args` expects a map, got {}",
                            type_name(other)
                        ));
                    }
                };
                Check::ToolCalled { name, args }
            }
            Some(other) => {
                return Err(format!(
                    "`tool-called` expects a tool name or {{name, args}}, got {}",
                    type_name(other)
                ));
            }
            None => return Err("`tool-called` needs a tool name".to_owned()),
        },
        "max-first-token-ms" => Check::MaxFirstTokenMs(count(base, value)?),
        "max-total-ms" => Check::MaxTotalMs(count(base, value)?),
        "latency" => Check::MaxTotalMs(match (threshold, value) {
            (Some(t), _) if t.is_finite() && t >= 0.0 => {
                // Checked finite and non-negative; `as` saturates at u64::MAX.
                t.round() as u64
            }
            (Some(t), _) => return Err(format!("`latency` threshold must be 0 or more, got {t}")),
            (None, v) => count(base, v)?,
        }),
        "max-credits" => Check::MaxCredits(non_negative(base, value)?),
        "cost" => {
            return Err(
                "promptfoo's `cost` is in US dollars; Chatbase counts credits: use `max-credits`"
                    .to_owned(),
            );
        }
        "json" | "is-json" => match value {
            None | Some(Value::Null) | Some(Value::Bool(true)) => Check::Json(None),
            Some(schema @ Value::Object(_)) => {
                let validator = jsonschema::validator_for(schema)
                    .map_err(|e| format!("`{base}` schema is not a valid JSON Schema: {e}"))?;
                Check::Json(Some(JsonSchemaCheck {
                    schema: schema.clone(),
                    validator: Arc::new(validator),
                }))
            }
            Some(other) => {
                return Err(format!(
                    "`{base}` expects nothing, `true` or an inline JSON Schema map, got {}",
                    type_name(other)
                ));
            }
        },
        "similar-to" => {
            let (reference, th) = match value {
                Some(Value::Object(m)) => {
                    if let Some(extra) = m
                        .keys()
                        .find(|k| !matches!(k.as_str(), "value" | "threshold"))
                    {
                        return Err(format!(
                            "unknown field `{extra}` in `similar-to` (allowed: value, threshold)"
                        ));
                    }
                    let th = match m.get("threshold") {
                        None => None,
                        Some(t) => Some(t.as_f64().ok_or_else(|| {
                            format!(
                                "`similar-to` threshold expects a number, got {}",
                                type_name(t)
                            )
                        })?),
                    };
                    (text(base, m.get("value"))?, th)
                }
                v => (text(base, v)?, None),
            };
            let threshold = unit_interval(base, th.or(threshold).unwrap_or(DEFAULT_SIMILARITY))?;
            Check::SimilarTo {
                reference,
                threshold,
            }
        }
        "judge" | "llm-rubric" => {
            let criterion = t()?;
            if criterion.trim().is_empty() {
                return Err(format!(
                    "`{base}` needs a criterion, e.g. `judge: the answer is polite`"
                ));
            }
            Check::Judge { criterion }
        }
        other => return Err(suggest(other)),
    };
    let label = match value {
        Some(v) if base != "json" && base != "is-json" => format!("{base} {}", describe(v)),
        _ => base.to_owned(),
    };
    let label = match &check {
        Check::MaxTotalMs(ms) if base == "latency" => format!("max-total-ms {ms}"),
        Check::SimilarTo {
            reference,
            threshold,
        } => format!("similar-to {reference:?} (≥ {threshold:.2})"),
        Check::Judge { criterion } => format!("judge {criterion:?}"),
        _ => label,
    };
    Ok(Assertion {
        check,
        negate,
        weight: 1.0,
        metric: None,
        label: if negate {
            format!("not {label}")
        } else {
            label
        },
    })
}

/// Compiles a `regex` assertion's pattern, or reuses the regex an assertion still alive compiled from the same
/// pattern on this thread. A compiled regex and its match caches take tens of kilobytes; a suite that puts the
/// same pattern on 500 cases would otherwise hold 500 of them.
fn compiled(pattern: &str) -> Result<Arc<regex::Regex>, String> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::sync::Weak;
    thread_local! {
        static LIVE: RefCell<HashMap<String, Weak<regex::Regex>>> = RefCell::new(HashMap::new());
    }
    if let Some(re) = LIVE.with(|l| l.borrow().get(pattern).and_then(Weak::upgrade)) {
        return Ok(re);
    }
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map(Arc::new)
        .map_err(|e| format!("`regex` {pattern:?} is not a valid pattern: {e}"))?;
    LIVE.with(|l| {
        let mut l = l.borrow_mut();
        // Forget the patterns no assertion uses any more, so the map stays as small as the live suites.
        if l.len() >= 64 {
            l.retain(|_, w| w.strong_count() > 0);
        }
        l.insert(pattern.to_owned(), Arc::downgrade(&re));
    });
    Ok(re)
}

/// A check's raw verdict, before negation.
struct Raw {
    pass: bool,
    score: f64,
    detail: String,
    /// Byte offset in the answer the verdict is about.
    at: Option<usize>,
}

impl Raw {
    fn yes_no(pass: bool, detail: String, at: Option<usize>) -> Raw {
        Raw {
            pass,
            score: if pass { 1.0 } else { 0.0 },
            detail,
            at,
        }
    }
}

fn find(hay: &str, needle: &str, ignore_case: bool) -> Option<usize> {
    if ignore_case {
        // Lowercasing can change byte lengths; search the lowercased text and map back by characters.
        let lower_hay: Vec<(usize, char)> = hay
            .char_indices()
            .flat_map(|(i, c)| c.to_lowercase().map(move |l| (i, l)))
            .collect();
        let needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
        if needle.is_empty() {
            return Some(0);
        }
        lower_hay
            .windows(needle.len())
            .find(|w| w.iter().map(|(_, c)| *c).eq(needle.iter().copied()))
            .and_then(|w| w.first().map(|(i, _)| *i))
    } else {
        hay.find(needle)
    }
}

fn chars(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

/// Is every field of `want` present with an equal (or, for maps, containing) value in `got`?
fn contains_json(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains_json(gv, wv))),
        (Value::Number(g), Value::Number(w)) => g.as_f64() == w.as_f64(),
        _ => got == want,
    }
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Text similarity used by `similar-to`: Sørensen–Dice over character bigrams of the lowercased,
/// whitespace-collapsed texts (0 to 1).
pub fn similarity(a: &str, b: &str) -> f64 {
    strsim::sorensen_dice(&normalise(a), &normalise(b))
}

impl Check {
    fn evaluate(&self, a: &Answer) -> Raw {
        let text = a.text.as_str();
        match self {
            Check::Contains { value, ignore_case } => {
                let at = find(text, value, *ignore_case);
                Raw::yes_no(
                    at.is_some(),
                    match at {
                        Some(_) => format!("found {value:?}"),
                        None => format!("{value:?} not found"),
                    },
                    at,
                )
            }
            Check::ContainsAny {
                values,
                ignore_case,
            } => {
                let hit = values
                    .iter()
                    .find_map(|v| find(text, v, *ignore_case).map(|at| (v, at)));
                match hit {
                    Some((v, at)) => Raw::yes_no(true, format!("found {v:?}"), Some(at)),
                    None => Raw::yes_no(false, "none of the texts found".to_owned(), None),
                }
            }
            Check::ContainsAll {
                values,
                ignore_case,
            } => {
                let missing: Vec<&String> = values
                    .iter()
                    .filter(|v| find(text, v, *ignore_case).is_none())
                    .collect();
                if missing.is_empty() {
                    Raw::yes_no(true, "found every text".to_owned(), None)
                } else {
                    Raw::yes_no(false, format!("missing {missing:?}"), None)
                }
            }
            Check::Equals(v) => {
                let pass = text.trim() == v.trim();
                Raw::yes_no(
                    pass,
                    if pass {
                        "equal".to_owned()
                    } else {
                        format!("answer differs from {v:?}")
                    },
                    None,
                )
            }
            Check::StartsWith(v) => {
                let pass = text.trim_start().starts_with(v.as_str());
                Raw::yes_no(
                    pass,
                    if pass {
                        format!("starts with {v:?}")
                    } else {
                        format!("does not start with {v:?}")
                    },
                    None,
                )
            }
            Check::Regex(re) => match re.find(text) {
                Some(m) => Raw::yes_no(true, format!("matched {:?}", m.as_str()), Some(m.start())),
                None => Raw::yes_no(false, format!("/{}/ did not match", re.as_str()), None),
            },
            Check::MinChars(n) => {
                let len = text.chars().count();
                Raw::yes_no(
                    u64::try_from(len).is_ok_and(|l| l >= *n),
                    format!("answer has {}, at least {n} wanted", chars(len)),
                    None,
                )
            }
            Check::MaxChars(n) => {
                let len = text.chars().count();
                Raw::yes_no(
                    u64::try_from(len).is_ok_and(|l| l <= *n),
                    format!("answer has {}, at most {n} allowed", chars(len)),
                    None,
                )
            }
            Check::FinishReason(want) => {
                let got = a.finish_reason.as_deref();
                Raw::yes_no(
                    got == Some(want.as_str()),
                    format!("finish reason is {}", got.unwrap_or("missing")),
                    None,
                )
            }
            Check::ToolCalled { name, args } => {
                let named: Vec<&ToolCallSeen> =
                    a.tool_calls.iter().filter(|c| &c.name == name).collect();
                let seen = || {
                    if a.tool_calls.is_empty() {
                        "no tool was called".to_owned()
                    } else {
                        let names: Vec<&str> =
                            a.tool_calls.iter().map(|c| c.name.as_str()).collect();
                        format!("tools called: {}", names.join(", "))
                    }
                };
                match args {
                    _ if named.is_empty() => Raw::yes_no(false, seen(), None),
                    None => Raw::yes_no(true, format!("{name} was called"), None),
                    Some(want) => match named.iter().find(|c| contains_json(&c.input, want)) {
                        Some(_) => {
                            Raw::yes_no(true, format!("{name} was called with {want}"), None)
                        }
                        None => Raw::yes_no(
                            false,
                            format!(
                                "{name} was called with {}, not {want}",
                                named
                                    .first()
                                    .map(|c| c.input.to_string())
                                    .unwrap_or_default()
                            ),
                            None,
                        ),
                    },
                }
            }
            Check::MaxFirstTokenMs(max) => match a.first_token_ms {
                Some(ms) => Raw::yes_no(ms <= *max, format!("first token after {ms} ms"), None),
                None => Raw::yes_no(false, "no text or tool event arrived".to_owned(), None),
            },
            Check::MaxTotalMs(max) => Raw::yes_no(
                a.total_ms <= *max,
                format!("answer took {} ms", a.total_ms),
                None,
            ),
            Check::MaxCredits(max) => match a.credits {
                Some(c) => Raw::yes_no(c <= *max, format!("used {c} credits"), None),
                None => Raw::yes_no(
                    false,
                    "the stream reported no credit usage".to_owned(),
                    None,
                ),
            },
            Check::Json(schema) => match serde_json::from_str::<Value>(text.trim()) {
                Err(e) => Raw::yes_no(false, format!("not JSON: {e}"), None),
                Ok(v) => match schema {
                    None => Raw::yes_no(true, "valid JSON".to_owned(), None),
                    Some(s) => {
                        let errors: Vec<String> = s
                            .validator
                            .iter_errors(&v)
                            .take(3)
                            .map(|e| {
                                let path = e.instance_path().to_string();
                                let path = if path.is_empty() {
                                    "/".to_owned()
                                } else {
                                    path
                                };
                                format!("{path}: {e}")
                            })
                            .collect();
                        if errors.is_empty() {
                            Raw::yes_no(true, "JSON matches the schema".to_owned(), None)
                        } else {
                            Raw::yes_no(
                                false,
                                format!("JSON does not match the schema: {}", errors.join("; ")),
                                None,
                            )
                        }
                    }
                },
            },
            Check::SimilarTo {
                reference,
                threshold,
            } => {
                let s = similarity(text, reference);
                Raw {
                    pass: s >= *threshold,
                    score: s,
                    detail: format!("similarity {s:.2}, threshold {threshold:.2}"),
                    at: None,
                }
            }
            Check::Judge { .. } => Raw::yes_no(
                false,
                "a judge assertion needs a judge agent to ask, and none was run".to_owned(),
                None,
            ),
        }
    }
}

fn head(s: &str) -> String {
    let mut out: String = s.chars().take(SNIPPET_CHARS).collect();
    if s.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    one_line(&out)
}

fn window(s: &str, at: usize) -> String {
    let before: Vec<char> = s.get(..at).unwrap_or("").chars().collect();
    let start_chars = before.len().saturating_sub(SNIPPET_CHARS / 4);
    let prefix = if start_chars > 0 { "…" } else { "" };
    let tail: String = s.chars().skip(start_chars).collect();
    format!("{prefix}{}", head(&tail))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses a list of assertions from JSON (used by tests and by callers building suites in code).
pub fn parse_list(v: &Value) -> Result<Vec<Assertion>, String> {
    match v {
        Value::Array(items) => items.iter().map(Assertion::from_value).collect(),
        other => Err(format!(
            "expected a list of assertions, got {}",
            type_name(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(text: &str) -> Answer {
        Answer {
            text: text.to_owned(),
            finish_reason: Some("stop".to_owned()),
            tool_calls: vec![ToolCallSeen {
                name: "lookup_order".to_owned(),
                input: json!({"order": 42, "detail": {"carrier": "ups", "fast": true}}),
            }],
            first_token_ms: Some(120),
            total_ms: 900,
            credits: Some(1.0),
            conversation_id: Some("c1".to_owned()),
            message_id: None,
        }
    }

    fn yaml(s: &str) -> Value {
        serde_yaml_ng::from_str(s).expect("test YAML parses")
    }

    fn passes(assertion: &str, a: &Answer) -> bool {
        let parsed = Assertion::from_value(&yaml(assertion)).expect("assertion parses");
        parsed.evaluate(a).pass
    }

    /// Each kind, once passing and once failing, in both spellings where promptfoo has one.
    #[test]
    fn every_kind_passes_and_fails() {
        let a = answer("Use the Reset link on the sign-in page. It expires in 30 minutes.");
        let cases: &[(&str, &str)] = &[
            ("contains: Reset link", "contains: reset link"),
            ("icontains: reset LINK", "icontains: refund"),
            (
                "contains-any: [nope, sign-in]",
                "contains-any: [nope, never]",
            ),
            ("icontains-any: [NOPE, SIGN-IN]", "icontains-any: [nope]"),
            (
                "contains-all: [Reset, minutes]",
                "contains-all: [Reset, hours]",
            ),
            (
                "icontains-all: [reset, MINUTES]",
                "icontains-all: [reset, hours]",
            ),
            (
                "equals: ' Use the Reset link on the sign-in page. It expires in 30 minutes. '",
                "equals: Use the Reset link",
            ),
            ("starts-with: Use the", "starts-with: the"),
            ("regex: '\\d+ minutes'", "regex: '\\d+ hours'"),
            ("min-chars: 10", "min-chars: 1000"),
            ("max-chars: 1000", "max-chars: 10"),
            ("finish-reason: stop", "finish-reason: tool-calls"),
            ("tool-called: lookup_order", "tool-called: cancel_order"),
            (
                "tool-called: {name: lookup_order, args: {order: 42, detail: {carrier: ups}}}",
                "tool-called: {name: lookup_order, args: {order: 43}}",
            ),
            ("max-first-token-ms: 500", "max-first-token-ms: 100"),
            ("max-total-ms: 1000", "max-total-ms: 899"),
            ("max-credits: 1", "max-credits: 0.5"),
            (
                "similar-to: use the reset link on the sign in page, it expires in 30 minutes",
                "similar-to: Our refund policy covers thirty days",
            ),
            (
                "similar-to: {value: Use the reset link, threshold: 0.3}",
                "similar-to: {value: Use the reset link, threshold: 0.9}",
            ),
            ("not: {contains: refund}", "not: {icontains: RESET}"),
            ("not-contains: refund", "not-icontains: reset"),
            (
                "type: icontains\nvalue: reset link",
                "type: icontains\nvalue: refund",
            ),
            (
                "type: not-icontains\nvalue: refund",
                "type: not-contains\nvalue: Reset",
            ),
            (
                "type: latency\nthreshold: 1000",
                "type: latency\nthreshold: 10",
            ),
            (
                "type: similar-to\nvalue: use the reset link on the sign-in page\nthreshold: 0.5",
                "type: similar-to\nvalue: use the reset link\nthreshold: 0.95",
            ),
        ];
        for (pass, fail) in cases {
            assert!(passes(pass, &a), "expected a pass: {pass}");
            assert!(!passes(fail, &a), "expected a failure: {fail}");
        }
    }

    #[test]
    fn json_parses_and_matches_an_inline_schema() {
        let schema = "json: {type: object, required: [status], properties: {status: {enum: [open, closed]}}}";
        assert!(passes("json:", &answer("{\"a\": 1}")));
        assert!(passes("json: true", &answer(" [1, 2] ")));
        assert!(!passes("json:", &answer("not json")));
        assert!(passes(schema, &answer("{\"status\": \"open\"}")));
        let a = answer("{\"status\": \"lost\"}");
        let r = Assertion::from_value(&yaml(schema))
            .expect("parses")
            .evaluate(&a);
        assert!(!r.pass);
        assert!(r.detail.contains("/status"), "{}", r.detail);
        assert!(passes("type: is-json", &answer("{}")));
    }

    #[test]
    fn missing_measurements_fail_rather_than_pass() {
        let mut a = answer("hi");
        a.first_token_ms = None;
        a.credits = None;
        a.tool_calls.clear();
        assert!(!passes("max-first-token-ms: 100000", &a));
        assert!(!passes("max-credits: 100", &a));
        let r = Assertion::from_value(&yaml("tool-called: x"))
            .expect("parses")
            .evaluate(&a);
        assert_eq!(r.detail, "no tool was called");
    }

    #[test]
    fn one_pattern_is_compiled_once_while_its_assertions_live() {
        let re = |a: &Assertion| match &a.check {
            Check::Regex(r) => Arc::clone(r),
            other => panic!("not a regex: {other:?}"),
        };
        let a = Assertion::from_value(&yaml("regex: '(?i)shared \\d+'")).expect("parses");
        let b = Assertion::from_value(&yaml("not-regex: '(?i)shared \\d+'")).expect("parses");
        let c = Assertion::from_value(&yaml("regex: other")).expect("parses");
        assert!(Arc::ptr_eq(&re(&a), &re(&b)));
        assert!(!Arc::ptr_eq(&re(&a), &re(&c)));
        assert!(passes("regex: '(?i)shared \\d+'", &answer("SHARED 42")));
        assert!(!b.evaluate(&answer("shared 7")).pass);
        let weak = Arc::downgrade(&re(&a));
        drop((a, b));
        assert!(
            weak.upgrade().is_none(),
            "the regex outlived its assertions"
        );
    }

    #[test]
    fn a_failure_carries_a_snippet_around_the_offending_text() {
        let text = format!(
            "{} I could not find that page. {}",
            "x".repeat(200),
            "y".repeat(200)
        );
        let r = Assertion::from_value(&yaml("not-contains: I could not find"))
            .expect("parses")
            .evaluate(&answer(&text));
        assert!(!r.pass);
        let snippet = r.snippet.expect("a snippet");
        assert!(snippet.contains("I could not find"), "{snippet}");
        assert!(snippet.starts_with('…'), "{snippet}");
        assert!(snippet.chars().count() < 100, "{snippet}");
        // Passing assertions carry none.
        let ok = Assertion::from_value(&yaml("contains: page"))
            .expect("parses")
            .evaluate(&answer(&text));
        assert!(ok.pass && ok.snippet.is_none());
    }

    #[test]
    fn icontains_handles_text_whose_lowercase_changes_length() {
        assert!(passes(
            "icontains: straße",
            &answer("Die STRASSE und die Straße")
        ));
        assert!(passes("icontains: İ", &answer("x İ y")));
        assert!(!passes("icontains: zz", &answer("İİİ")));
    }

    #[test]
    fn weights_metrics_and_labels_are_kept() {
        let a = Assertion::from_value(&yaml(
            "type: not-icontains\nvalue: sorry\nweight: 2\nmetric: tone",
        ))
        .expect("parses");
        assert!(a.negate);
        assert_eq!(a.weight, 2.0);
        assert_eq!(a.metric.as_deref(), Some("tone"));
        assert_eq!(a.label, "not icontains \"sorry\"");
        let b = Assertion::from_value(&yaml("contains: x\nweight: 0")).expect("parses");
        assert_eq!(b.weight, 0.0);
        let n = Assertion::from_value(&yaml("not: {not: {contains: x}}")).expect("parses");
        assert!(!n.negate);
    }

    #[test]
    fn bad_assertions_are_named() {
        let err = |s: &str| Assertion::from_value(&yaml(s)).expect_err(s);
        assert_eq!(
            err("contans: x"),
            "unknown assertion `contans`; did you mean `contains`?"
        );
        assert!(err("regex: '('").contains("not a valid pattern"));
        assert!(err("max-total-ms: fast").contains("expects a whole number, got text"));
        assert!(err("max-total-ms: -1").contains("0 or more"));
        assert!(err("max-credits: -1").contains("0 or more"));
        assert!(err("contains: x\nicontains: y").contains("one kind, found 2"));
        assert!(err("contains: [a]").contains("expects text, got a list"));
        assert!(err("json: {type: 12}").contains("not a valid JSON Schema"));
        assert!(err("similar-to: {value: x, threshold: 2}").contains("between 0 and 1"));
        assert!(err("type: contains\nvalu: x").contains("unknown field `valu`"));
        assert!(err("type: cost\nthreshold: 0.1").contains("max-credits"));
        assert!(err("tool-called: {args: {}}").contains("needs a `name`"));
        assert!(err("not: contains").contains("in `not`"));
        assert!(err("weight: -1\ncontains: x").contains("`weight` must be 0 or more"));
        assert!(err("- contains: x").contains("is a map"));
        assert!(err("zzzzzzzz: 1").contains("known kinds:"));
        assert!(
            err("type: contains\nvalue: x\nthreshold: 0.5").contains("no meaning for `contains`")
        );
    }

    #[test]
    fn similarity_ignores_case_and_spacing() {
        assert_eq!(similarity("Hello   World", "hello world"), 1.0);
        assert!(similarity("abc", "xyz") < 0.1);
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    /// The published schema and the parser list the same kinds, so neither can drift from the other.
    #[test]
    fn every_kind_the_parser_knows_is_in_the_schema() {
        let schema = assertion_schema();
        let variants = schema["oneOf"].as_array().expect("oneOf");
        let named: Vec<&str> = variants
            .iter()
            .filter_map(|v| v["required"][0].as_str())
            .collect();
        for kind in KINDS
            .iter()
            .filter(|k| !matches!(**k, "is-json" | "latency" | "llm-rubric"))
        {
            assert!(named.contains(kind), "{kind} missing from the schema");
            if *kind != "not" {
                let negated = format!("not-{kind}");
                assert!(named.contains(&negated.as_str()), "{negated} missing");
            }
        }
        for name in named.iter().filter(|n| **n != "type") {
            let base = name.strip_prefix("not-").unwrap_or(name);
            assert!(
                KINDS.contains(&base),
                "the schema names {name}, the parser does not know it"
            );
        }
    }
}
