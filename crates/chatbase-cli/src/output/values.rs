//! JSON values as text: the server's JSON re-laid out without touching a scalar, dotted-path lookup, and the cell
//! text of tables and tsv (plain scalars, ISO times, escaping).

use super::Kind;
use crate::sanitize::{sanitize, sanitize_cell};
use serde_json::Value;
use serde_json::value::RawValue;

/// A raw item as a `Value`, for tables and tsv.
pub fn parse_raw(raw: &RawValue) -> std::io::Result<Value> {
    serde_json::from_str(raw.get()).map_err(std::io::Error::other)
}

/// Re-lays out JSON text: `indent: None` puts it on one line, `Some(n)` indents nested levels by `n` spaces,
/// starting at nesting `level` (for items inside an array). Only whitespace between tokens changes: strings,
/// numbers, `true`/`false`/`null` and key order are copied byte for byte, so `5564` stays `5564` and
/// `1.50` stays `1.50`. The input must be valid JSON (a [`RawValue`] is).
pub fn relayout(json: &str, indent: Option<usize>, level: usize) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 4);
    let mut depth = level;
    let mut chars = json.char_indices().peekable();
    let newline = |out: &mut String, depth: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', n * depth));
        }
    };
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    out.push(c);
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
            }
            ' ' | '\t' | '\n' | '\r' => {}
            '{' | '[' => {
                out.push(c);
                while chars
                    .next_if(|(_, c)| matches!(c, ' ' | '\t' | '\n' | '\r'))
                    .is_some()
                {}
                if let Some((_, close)) = chars.next_if(|(_, n)| matches!(n, '}' | ']')) {
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => {
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Follows a dotted path (`pagination.cursor`, `customer.email`).
pub fn lookup<'v>(value: &'v Value, path: &str) -> &'v Value {
    let mut v = value;
    for key in path.split('.') {
        v = match v {
            Value::Object(map) => map.get(key).unwrap_or(&Value::Null),
            Value::Array(items) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    v
}

/// A scalar as text; arrays of scalars joined with commas; other structures as compact JSON; null as empty.
pub fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            // Counts and sizes arrive as floats from some schemas; `183.0` reads better as `183`.
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(plain).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    }
}

pub(super) fn table_cell(v: &Value, kind: Kind) -> String {
    let text = match kind {
        Kind::Time => iso_time(v).unwrap_or_else(|| plain(v)),
        Kind::Text => plain(v),
    };
    if text.is_empty() {
        "-".to_owned()
    } else {
        sanitize_cell(&text)
    }
}

pub(super) fn looks_like_time_key(k: &str) -> bool {
    k.ends_with("At") || k.ends_with("_at") || k == "createdAt"
}

/// Epoch seconds (or milliseconds) as `2026-01-02T03:04:05Z`.
pub fn iso_time(v: &Value) -> Option<String> {
    if let Some(s) = v.as_str() {
        // ISO strings are shortened to seconds so time columns stay narrow.
        let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
        return Some(
            dt.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        );
    }
    let n = v.as_f64()?;
    let secs = if n > 1e11 { n / 1000.0 } else { n };
    let dt = chrono::DateTime::from_timestamp(secs as i64, 0)?;
    Some(dt.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Escapes backslash, tab, newline and carriage return so each record stays on one line with fixed columns.
pub fn tsv_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in sanitize(s).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    // sanitize turned lone CRs into newlines, so they are escaped above; keep the literal form for CR inputs too.
    out
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

pub(super) fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn time_columns_accept_epochs_and_iso_strings() {
        assert_eq!(iso_time(&json!(0)).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            iso_time(&json!(1_700_000_000_000u64)).unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            iso_time(&json!("2026-11-26T13:29:32.316Z")).unwrap(),
            "2026-11-26T13:29:32Z"
        );
        assert_eq!(iso_time(&json!("not a time")), None);
    }

    const SERVER: &str = "{\"b\": 5564, \"a\": null, \"f\": 1.50, \"e\": -0.0, \"big\": 12345678901234567890123,\n \"s\": \"x, y: {z} \\\"q\\\" \\\\\", \"empty\": {}, \"list\": [ ], \"new\": [1, {\"k\": true}]}";

    #[test]
    fn relayout_keeps_every_scalar_key_and_null_as_sent() {
        let compact = relayout(SERVER, None, 0);
        assert_eq!(
            compact,
            "{\"b\":5564,\"a\":null,\"f\":1.50,\"e\":-0.0,\"big\":12345678901234567890123,\"s\":\"x, y: {z} \\\"q\\\" \\\\\",\"empty\":{},\"list\":[],\"new\":[1,{\"k\":true}]}"
        );
        let pretty = relayout(SERVER, Some(2), 0);
        assert!(
            pretty.contains("\n  \"b\": 5564,\n  \"a\": null,"),
            "{pretty}"
        );
        assert!(pretty.contains("\"f\": 1.50,"), "{pretty}");
        assert!(pretty.contains("\"empty\": {},"), "{pretty}");
        assert!(
            pretty.contains("\"new\": [\n    1,\n    {\n      \"k\": true\n    }\n  ]\n}"),
            "{pretty}"
        );
        // Both parse to the same document as the original, and relayout is idempotent.
        let original: Value = serde_json::from_str(SERVER).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&compact).unwrap(), original);
        assert_eq!(serde_json::from_str::<Value>(&pretty).unwrap(), original);
        assert_eq!(relayout(&pretty, None, 0), compact);
    }

    /// A seeded random JSON document: nested containers, strings with quotes, backslashes, escapes, whitespace and
    /// non-ASCII, integers of every size and floats.
    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn random_value(state: &mut u64, depth: u32) -> Value {
        let pick = rng(state) % if depth > 3 { 5 } else { 7 };
        match pick {
            0 => Value::Null,
            1 => Value::Bool(rng(state).is_multiple_of(2)),
            2 => match rng(state) % 3 {
                0 => Value::from(rng(state) as i64),
                1 => Value::from(rng(state)),
                _ => serde_json::Number::from_f64((rng(state) % 100_000) as f64 / 7.0)
                    .map_or(Value::Null, Value::Number),
            },
            3 | 4 => {
                const PIECES: &[&str] = &[
                    "a",
                    " ",
                    "\"",
                    "\\",
                    "\n",
                    "\t",
                    "{",
                    "}",
                    "[",
                    "]",
                    ",",
                    ":",
                    "é",
                    "\u{1F600}",
                    "\u{7}",
                ];
                let n = rng(state) % 8;
                Value::String(
                    (0..n)
                        .map(|_| PIECES[(rng(state) % PIECES.len() as u64) as usize])
                        .collect(),
                )
            }
            5 => {
                let n = rng(state) % 4;
                Value::Array((0..n).map(|_| random_value(state, depth + 1)).collect())
            }
            _ => {
                let n = rng(state) % 4;
                let mut map = serde_json::Map::new();
                for i in 0..n {
                    let key = format!("k{i}\"{}", rng(state) % 10);
                    map.insert(key, random_value(state, depth + 1));
                }
                Value::Object(map)
            }
        }
    }

    /// Property: relayout only moves whitespace. From serde_json's compact or pretty text it gives exactly
    /// serde_json's compact and pretty text. Seeded; `PROPTEST_CASES` runs more.
    #[test]
    fn relayout_matches_serde_json_layouts_on_random_documents() {
        let cases: u64 = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(500);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..cases {
            let v = random_value(&mut state, 0);
            let compact = serde_json::to_string(&v).unwrap();
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            assert_eq!(relayout(&pretty, None, 0), compact);
            assert_eq!(relayout(&compact, None, 0), compact);
            assert_eq!(relayout(&compact, Some(2), 0), pretty);
            assert_eq!(relayout(&pretty, Some(2), 0), pretty);
        }
    }

    #[test]
    fn lookup_follows_dotted_paths() {
        let v = json!({"customer": {"email": "a@b"}, "list": [1, 2]});
        assert_eq!(lookup(&v, "customer.email"), &json!("a@b"));
        assert_eq!(lookup(&v, "list.1"), &json!(2));
        assert_eq!(lookup(&v, "nope.x"), &Value::Null);
    }
}
