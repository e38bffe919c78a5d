//! Parsing an assertion from either spelling and checking its value once, at load time.

use super::*;

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

pub(super) fn text(kind: &str, v: Option<&Value>) -> Result<String, String> {
    match v {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(b.to_string()),
        Some(other) => Err(format!("`{kind}` expects text, got {}", type_name(other))),
        None => Err(format!("`{kind}` needs a value")),
    }
}

pub(super) fn texts(kind: &str, v: Option<&Value>) -> Result<Vec<String>, String> {
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

pub(super) fn count(kind: &str, v: Option<&Value>) -> Result<u64, String> {
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

pub(super) fn non_negative(kind: &str, v: Option<&Value>) -> Result<f64, String> {
    match v.and_then(Value::as_f64) {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Some(x) => Err(format!("`{kind}` must be 0 or more, got {x}")),
        None => Err(format!(
            "`{kind}` expects a number, got {}",
            v.map(type_name).unwrap_or("nothing")
        )),
    }
}

pub(super) fn unit_interval(kind: &str, x: f64) -> Result<f64, String> {
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(format!(
            "`{kind}` threshold must be between 0 and 1, got {x}"
        ))
    }
}

pub(super) fn suggest(kind: &str) -> String {
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

pub(super) fn describe(v: &Value) -> String {
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
pub(super) fn build(
    kind: &str,
    value: Option<&Value>,
    threshold: Option<f64>,
) -> Result<Assertion, String> {
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
pub(super) fn compiled(pattern: &str) -> Result<Arc<regex::Regex>, String> {
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
