//! The contract the emulator enforces on request bodies: `openapi/chatbase-v1.yaml` and
//! `openapi/chatbase-v2.yaml`, embedded at build time, turned into one JSON Schema validator
//! per operation. The gateway rejects a body the schema rejects (400 with per-field
//! `details`), rejects a missing body the operation requires, and drops keys the schema does
//! not declare before a handler sees the body, so unknown keys are never stored or echoed.
//! Enum values, integer handling (`12.0` is an integer) and bounds therefore come from the
//! spec, never from hand-typed lists.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};

// The copies shipped inside `chatbase-api` (identical to `openapi/`), so this crate packages on its own.
const V1_YAML: &str = chatbase_api::spec::V1_YAML;
const V2_YAML: &str = chatbase_api::spec::V2_YAML;

/// What the contract says about one operation's JSON request body.
pub(crate) struct BodyRule {
    /// `requestBody.required`: an absent or empty body is refused.
    pub required: bool,
    validator: jsonschema::Validator,
    /// For bodies that are one of several shapes told apart by `type` (createSource):
    /// each shape's `type` values and validator, so errors name the fields of the shape
    /// the client meant instead of "matches none of the shapes".
    shapes: Vec<(Vec<Value>, jsonschema::Validator)>,
    /// The body schema with `$ref`s resolved lazily through `components`.
    schema: Value,
}

pub(crate) struct Contract {
    /// Keyed by `v1:<operationId>` / `v2:<operationId>`.
    bodies: HashMap<String, BodyRule>,
    /// `components.schemas` per version, converted to JSON Schema.
    schemas: HashMap<&'static str, Value>,
}

static CONTRACT: LazyLock<Result<Contract, String>> = LazyLock::new(Contract::load);

/// The embedded contract; `Err` names what in the embedded specs could not be used.
pub(crate) fn contract() -> Result<&'static Contract, String> {
    CONTRACT.as_ref().map_err(Clone::clone)
}

impl Contract {
    fn load() -> Result<Contract, String> {
        let mut bodies = HashMap::new();
        let mut schemas = HashMap::new();
        for (version, text) in [("v1", V1_YAML), ("v2", V2_YAML)] {
            let raw: Value = serde_yaml_ng::from_str(text)
                .map_err(|e| format!("openapi/chatbase-{version}.yaml does not parse: {e}"))?;
            let components = to_json_schema(&raw["components"]["schemas"]);
            for item in raw["paths"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                for op in item.as_object().into_iter().flat_map(|m| m.values()) {
                    let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                        continue;
                    };
                    let Some(rb) = op.get("requestBody") else {
                        continue;
                    };
                    let Some(schema) = rb.pointer("/content/application~1json/schema") else {
                        continue;
                    };
                    let schema = to_json_schema(schema);
                    let compile = |s: &Value| {
                        let root = json!({"allOf": [s], "components": {"schemas": components}});
                        jsonschema::options()
                            .with_draft(jsonschema::Draft::Draft7)
                            .build(&root)
                            .map_err(|e| format!("{version} {id}: request schema: {e}"))
                    };
                    let validator = compile(&schema)?;
                    let mut shapes = Vec::new();
                    let top = deref(&schema, &components);
                    for branch in top
                        .get("oneOf")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let b = deref(branch, &components);
                        if let Some(types) =
                            b.pointer("/properties/type/enum").and_then(Value::as_array)
                        {
                            shapes.push((types.clone(), compile(b)?));
                        }
                    }
                    bodies.insert(
                        format!("{version}:{id}"),
                        BodyRule {
                            required: rb.get("required").and_then(Value::as_bool) == Some(true),
                            validator,
                            shapes,
                            schema,
                        },
                    );
                }
            }
            schemas.insert(version, components);
        }
        Ok(Contract { bodies, schemas })
    }

    /// Whether `value` is valid against `components.schemas` + `pointer` (e.g.
    /// `/Agent/properties/model`) of one version's spec.
    pub fn valid_at(&self, version: &str, pointer: &str, value: &Value) -> bool {
        let Some(components) = self.schemas.get(version) else {
            return false;
        };
        let Some(schema) = components.pointer(pointer) else {
            return false;
        };
        let root = json!({"allOf": [schema], "components": {"schemas": components}});
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&root)
            .is_ok_and(|v| v.is_valid(value))
    }

    /// Brings numbers in `value` into the bounds of `components.schemas.<schema>`, for the
    /// few places where the contract accepts a wider range on write than it promises on read
    /// (for example a style's `tintedGrayscale.shade`: 0 to 10 in, -4 to 4 out).
    pub fn clamp_to(&self, version: &str, schema: &str, value: &mut Value) {
        if let Some(components) = self.schemas.get(version)
            && let Some(s) = components.get(schema)
        {
            clamp(s, components, value, 0);
        }
    }

    pub fn body_rule(&self, version: &str, op: &str) -> Option<&BodyRule> {
        self.bodies.get(&format!("{version}:{op}"))
    }

    /// Validates `body` (raw bytes, possibly empty) for an operation and returns it with
    /// undeclared keys removed, ready for the handler.
    pub fn check_body(&self, version: &str, op: &str, body: &[u8]) -> ApiResult<Option<Value>> {
        let Some(rule) = self.body_rule(version, op) else {
            return Ok(None);
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            if rule.required {
                return Err(ApiError::invalid_field("body", "Required"));
            }
            return Ok(None);
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(
                "VALIDATION_INVALID_JSON",
                format!("Request body is not valid JSON: {e}"),
            )
        })?;
        let mut details = BTreeMap::new();
        let shape = value.get("type").and_then(|t| {
            rule.shapes
                .iter()
                .find(|(types, _)| types.contains(t))
                .map(|(_, v)| v)
        });
        let validator = match shape {
            Some(v) if !rule.validator.is_valid(&value) => v,
            _ => &rule.validator,
        };
        for e in validator.iter_errors(&value) {
            let mut field = pointer_to_field(&e.instance_path().to_string());
            if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
                let p = property.as_str().map(String::from).unwrap_or_default();
                field = if field.is_empty() {
                    p
                } else {
                    format!("{field}.{p}")
                };
            }
            let field = if field.is_empty() {
                "body".to_string()
            } else {
                field
            };
            details.entry(field).or_insert_with(|| message(&e));
        }
        if !details.is_empty() {
            return Err(ApiError::validation(details));
        }
        let components = self.schemas.get(version).unwrap_or(&Value::Null);
        Ok(Some(prune(&rule.schema, components, value, 0)))
    }
}

fn message(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    match e.kind() {
        K::Required { .. } => "Required".into(),
        K::AdditionalProperties { unexpected } => {
            format!("Unrecognized key(s): {}", unexpected.join(", "))
        }
        _ => e.to_string(),
    }
}

fn pointer_to_field(ptr: &str) -> String {
    ptr.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

fn deref<'a>(schema: &'a Value, components: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .rsplit('/')
            .next()
            .and_then(|name| components.get(name))
            .unwrap_or(schema),
        None => schema,
    }
}

/// Every subschema that applies to an object at this level (`allOf`, `oneOf`, `anyOf`
/// branches included), `$ref`s resolved.
fn branches<'a>(schema: &'a Value, components: &'a Value, depth: usize, out: &mut Vec<&'a Value>) {
    let s = deref(schema, components);
    if depth > 16 {
        return;
    }
    out.push(s);
    for key in ["allOf", "oneOf", "anyOf"] {
        for b in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            branches(b, components, depth + 1, out);
        }
    }
}

/// Removes object keys no applicable schema declares. Objects whose schema allows any key
/// (a free-form map, or no `properties` at all) are kept whole.
fn prune(schema: &Value, components: &Value, value: Value, depth: usize) -> Value {
    if depth > 32 {
        return value;
    }
    let mut all = Vec::new();
    branches(schema, components, 0, &mut all);
    match value {
        Value::Object(m) => {
            let declares = all.iter().any(|s| s.get("properties").is_some());
            let open_map = all.iter().any(|s| {
                s.get("additionalProperties")
                    .is_some_and(|a| a.is_object() || a == &Value::Bool(true))
            });
            let mut out = Map::new();
            for (k, v) in m {
                let subs: Vec<&Value> = all
                    .iter()
                    .filter_map(|s| s.get("properties").and_then(|p| p.get(&k)))
                    .collect();
                match subs.first() {
                    Some(sub) => {
                        let v = prune(sub, components, v, depth + 1);
                        out.insert(k, v);
                    }
                    None if open_map || !declares => {
                        out.insert(k, v);
                    }
                    None => {}
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let item_schema = all.iter().find_map(|s| s.get("items"));
            match item_schema {
                Some(is) => Value::Array(
                    items
                        .into_iter()
                        .map(|x| prune(is, components, x, depth + 1))
                        .collect(),
                ),
                None => Value::Array(items),
            }
        }
        other => other,
    }
}

fn clamp(schema: &Value, components: &Value, value: &mut Value, depth: usize) {
    if depth > 32 {
        return;
    }
    let mut all = Vec::new();
    branches(schema, components, 0, &mut all);
    match value {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if let Some(sub) = all
                    .iter()
                    .find_map(|s| s.get("properties").and_then(|p| p.get(k)))
                {
                    clamp(sub, components, v, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            if let Some(is) = all.iter().find_map(|s| s.get("items")) {
                for x in items {
                    clamp(is, components, x, depth + 1);
                }
            }
        }
        Value::Number(n) => {
            let Some(f) = n.as_f64() else { return };
            let lo = all
                .iter()
                .find_map(|s| s.get("minimum").and_then(Value::as_f64));
            let hi = all
                .iter()
                .find_map(|s| s.get("maximum").and_then(Value::as_f64));
            let c = f.max(lo.unwrap_or(f)).min(hi.unwrap_or(f));
            if c != f {
                *value = json!(c);
            }
        }
        _ => {}
    }
}

/// OpenAPI 3.0 schema → JSON Schema (draft 7): `nullable` becomes a `null` type (and a
/// `null` enum value), boolean exclusive bounds become numeric ones, and annotations that
/// are not JSON Schema are dropped. Public (hidden) so the conformance tests read the spec the way the
/// emulator validates with it.
#[doc(hidden)]
pub fn to_json_schema(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(to_json_schema).collect()),
        Value::Object(o) => {
            let mut out: Map<String, Value> = Map::new();
            for (k, val) in o {
                if matches!(
                    k.as_str(),
                    "example" | "examples" | "discriminator" | "xml" | "externalDocs"
                ) || k.starts_with("x-")
                {
                    continue;
                }
                // Property maps hold schemas keyed by name, never keywords.
                if matches!(
                    k.as_str(),
                    "properties" | "patternProperties" | "definitions" | "schemas"
                ) {
                    let m: Map<String, Value> = val
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .map(|(n, s)| (n.clone(), to_json_schema(s)))
                                .collect()
                        })
                        .unwrap_or_default();
                    out.insert(k.clone(), Value::Object(m));
                    continue;
                }
                out.insert(k.clone(), to_json_schema(val));
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                match out.get(flag) {
                    Some(Value::Bool(true)) => {
                        if let Some(b) = out.remove(bound) {
                            out.insert(flag.into(), b);
                        } else {
                            out.remove(flag);
                        }
                    }
                    Some(Value::Bool(false)) => {
                        out.remove(flag);
                    }
                    _ => {}
                }
            }
            if out.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(t) = out.get("type").cloned() {
                    if let Some(s) = t.as_str() {
                        out.insert("type".into(), json!([s, "null"]));
                    }
                    if let Some(Value::Array(e)) = out.get_mut("enum")
                        && !e.contains(&Value::Null)
                    {
                        e.push(Value::Null);
                    }
                } else {
                    return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_specs_load() {
        let c = contract().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.body_rule("v2", "updateAgent").is_some());
        assert!(c.body_rule("v1", "updateChatbotSettings").is_some());
    }

    #[test]
    fn integral_floats_pass_and_unknown_keys_are_dropped() {
        let c = contract().unwrap_or_else(|e| panic!("{e}"));
        let body = br#"{"ipRateLimits":{"limit":12.0,"zz":1},"zzTop":true}"#;
        let out = c.check_body("v2", "updateAgent", body).unwrap_or_else(|e| {
            panic!("{:?}", e.details);
        });
        assert_eq!(out, Some(json!({"ipRateLimits": {"limit": 12.0}})));
    }

    #[test]
    fn missing_required_body_and_nested_required_fail() {
        let c = contract().unwrap_or_else(|e| panic!("{e}"));
        let e = c
            .check_body(
                "v2",
                "updateAgentStyles",
                br#"{"styles":{"centerStage":{"notificationMessage":{"enabled":true}}}}"#,
            )
            .err()
            .map(|e| e.details);
        assert!(
            e.clone()
                .flatten()
                .is_some_and(|d| d.contains_key("styles.centerStage.notificationMessage.text")),
            "{e:?}"
        );
        assert!(c.check_body("v2", "createVoiceSession", b"").is_err());
    }
}
