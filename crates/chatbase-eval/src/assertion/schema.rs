//! The JSON Schema of an assertion, published for editors (`chatbase eval --schema`).

use super::*;

impl schemars::JsonSchema for Assertion {
    fn schema_name() -> String {
        "Assertion".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        serde_json::from_value(assertion_schema()).expect("the static assertion schema is valid")
    }
}

pub(super) fn assertion_schema() -> Value {
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
