//! Evaluating a check against one answer: the raw verdict, its score and the snippet of the answer it is about.

use super::*;

/// A check's raw verdict, before negation.
pub(super) struct Raw {
    pub(super) pass: bool,
    pub(super) score: f64,
    pub(super) detail: String,
    /// Byte offset in the answer the verdict is about.
    pub(super) at: Option<usize>,
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

pub(super) fn find(hay: &str, needle: &str, ignore_case: bool) -> Option<usize> {
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

pub(super) fn chars(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

/// Is every field of `want` present with an equal (or, for maps, containing) value in `got`?
pub(super) fn contains_json(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains_json(gv, wv))),
        (Value::Number(g), Value::Number(w)) => g.as_f64() == w.as_f64(),
        _ => got == want,
    }
}

pub(super) fn normalise(s: &str) -> String {
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
    pub(super) fn evaluate(&self, a: &Answer) -> Raw {
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

pub(super) fn head(s: &str) -> String {
    let mut out: String = s.chars().take(SNIPPET_CHARS).collect();
    if s.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    one_line(&out)
}

pub(super) fn window(s: &str, at: usize) -> String {
    let before: Vec<char> = s.get(..at).unwrap_or("").chars().collect();
    let start_chars = before.len().saturating_sub(SNIPPET_CHARS / 4);
    let prefix = if start_chars > 0 { "…" } else { "" };
    let tail: String = s.chars().skip(start_chars).collect();
    format!("{prefix}{}", head(&tail))
}

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
