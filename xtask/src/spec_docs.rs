//! Carries the spec's descriptions into the generated docs where progenitor/typify would drop them.
//!
//! Two spec shapes lose their words on the way through progenitor 0.15 and typify 0.8:
//!
//! - a property that is a `$ref` with a `description` beside it: OpenAPI 3.0 ignores siblings of
//!   `$ref`, so the field would be undocumented. [`carry_descriptions`] wraps the reference in a
//!   one-element `allOf`, which typify turns into the same type, documented.
//! - enum values: a plain `enum` has nowhere to describe each value. Our specs describe them in
//!   `x-chatbase-enum-descriptions` (value → description) beside the `enum`; this step rewrites the
//!   schema to the equivalent `oneOf` of one-value enums, each with its description, which typify
//!   turns into the same enum with documented variants. Every string enum must describe every value
//!   and nothing else: a missing or stray description is an error, so the generated docs stay
//!   complete by construction.
//!
//! Both rewrites act on the copy handed to progenitor only; `openapi/` and the copies shipped in
//! `chatbase-api` keep the plain form the emulator and `spec-diff` read. `builder_docs`
//! then documents what typify and progenitor emit without any words (builders and their setters).

use anyhow::{Result, bail};
use serde_json::{Map, Value};

/// The extension that describes each value of an `enum`.
pub const ENUM_DESCRIPTIONS: &str = "x-chatbase-enum-descriptions";

/// What [`carry_descriptions`] rewrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    /// `$ref` properties whose description was kept by an `allOf` wrapper.
    pub refs: usize,
    /// Enums whose values were turned into described `oneOf` branches.
    pub enums: usize,
}

/// Rewrites `spec` so that progenitor keeps every property and enum-value description.
///
/// Fails, naming each place, when a string enum lacks a description for one of its values or
/// describes a value it does not have.
pub fn carry_descriptions(spec: &mut Value) -> Result<Carried> {
    let mut carried = Carried::default();
    let mut problems = Vec::new();
    walk(spec, "#", false, &mut carried, &mut problems);
    if !problems.is_empty() {
        bail!(
            "enum values without a description in `{ENUM_DESCRIPTIONS}`:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(carried)
}

/// Visits every JSON object; `in_not` is true below a `not` (such enums generate no type).
fn walk(
    node: &mut Value,
    at: &str,
    in_not: bool,
    carried: &mut Carried,
    problems: &mut Vec<String>,
) {
    match node {
        Value::Object(map) => {
            if map.contains_key("enum") || map.contains_key(ENUM_DESCRIPTIONS) {
                match describe_enum(map, in_not) {
                    Ok(true) => carried.enums += 1,
                    Ok(false) => {}
                    Err(problem) => problems.push(format!("{at}: {problem}")),
                }
            }
            for (key, child) in map.iter_mut() {
                // A `properties` map is keyed by property names, not keywords: a property may be
                // called `enum` without being one.
                if key == "properties"
                    && let Value::Object(props) = child
                {
                    for (name, prop) in props.iter_mut() {
                        if wrap_described_ref(prop) {
                            carried.refs += 1;
                        }
                        walk(
                            prop,
                            &format!("{at}/properties/{name}"),
                            in_not,
                            carried,
                            problems,
                        );
                    }
                    continue;
                }
                walk(
                    child,
                    &format!("{at}/{key}"),
                    in_not || key == "not",
                    carried,
                    problems,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &format!("{at}/{i}"), in_not, carried, problems);
            }
        }
        _ => {}
    }
}

/// `{$ref, description}` → `{allOf: [{$ref}], description}`; true when it rewrote.
fn wrap_described_ref(prop: &mut Value) -> bool {
    let Some(map) = prop.as_object_mut() else {
        return false;
    };
    if !map.contains_key("$ref") || !map.contains_key("description") {
        return false;
    }
    let Some(reference) = map.remove("$ref") else {
        return false;
    };
    let mut target = Map::new();
    target.insert("$ref".into(), reference);
    map.insert("allOf".into(), Value::Array(vec![Value::Object(target)]));
    true
}

/// Turns a described string enum into `oneOf` branches; `Ok(false)` for enums that generate no
/// variants (non-string enums, enums under `not`), which need no descriptions.
fn describe_enum(map: &mut Map<String, Value>, in_not: bool) -> Result<bool, String> {
    let is_string = map.get("type").and_then(Value::as_str) == Some("string");
    if in_not || !is_string {
        if map.contains_key(ENUM_DESCRIPTIONS) {
            return Err(format!(
                "`{ENUM_DESCRIPTIONS}` on an enum that generates no variants (not a string enum, or under `not`)"
            ));
        }
        return Ok(false);
    }
    let Some(Value::Array(values)) = map.get("enum") else {
        return Err(format!("`{ENUM_DESCRIPTIONS}` without an `enum` list"));
    };
    // A one-value enum is a constant (often the tag of a union, which typify recognises only in
    // this plain form); its one variant is documented by `builder_docs`.
    if values.len() < 2 {
        if map.contains_key(ENUM_DESCRIPTIONS) {
            return Err(format!(
                "`{ENUM_DESCRIPTIONS}` on a one-value enum (a constant; describe it in `description`)"
            ));
        }
        return Ok(false);
    }
    let empty = Map::new();
    let descriptions = match map.get(ENUM_DESCRIPTIONS) {
        Some(Value::Object(d)) => d,
        Some(_) => return Err(format!("`{ENUM_DESCRIPTIONS}` is not a map")),
        None => &empty,
    };
    let mut missing = Vec::new();
    let mut branches = Vec::new();
    for value in values {
        let Some(text) = value.as_str() else {
            return Err(format!("enum value {value} is not a string"));
        };
        match descriptions.get(text).and_then(Value::as_str) {
            Some(description) if !description.trim().is_empty() => {
                branches.push(serde_json::json!({
                    "type": "string",
                    "enum": [text],
                    "description": description,
                }));
            }
            _ => missing.push(format!("`{text}`")),
        }
    }
    let stray: Vec<String> = descriptions
        .keys()
        .filter(|k| !values.iter().any(|v| v.as_str() == Some(k.as_str())))
        .map(|k| format!("`{k}`"))
        .collect();
    if !missing.is_empty() || !stray.is_empty() {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("undescribed {}", missing.join(", ")));
        }
        if !stray.is_empty() {
            parts.push(format!("described but not in `enum`: {}", stray.join(", ")));
        }
        return Err(parts.join("; "));
    }
    map.remove("enum");
    map.remove("type");
    map.remove(ENUM_DESCRIPTIONS);
    map.insert("oneOf".into(), Value::Array(branches));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn described_enum_becomes_one_of_and_ref_keeps_its_description() {
        let mut spec = json!({"components": {"schemas": {"Thing": {
            "type": "object",
            "properties": {
                "colour": {"$ref": "#/components/schemas/Colour", "description": "Its colour."},
                "size": {
                    "type": "string", "enum": ["s", "l"], "default": "s", "description": "How big.",
                    "x-chatbase-enum-descriptions": {"s": "Small.", "l": "Large."}
                }
            }
        }}}});
        let carried = carry_descriptions(&mut spec).unwrap();
        assert_eq!(carried, Carried { refs: 1, enums: 1 });
        let thing = &spec["components"]["schemas"]["Thing"]["properties"];
        assert_eq!(
            thing["colour"],
            json!({"allOf": [{"$ref": "#/components/schemas/Colour"}], "description": "Its colour."})
        );
        assert_eq!(
            thing["size"],
            json!({"default": "s", "description": "How big.", "oneOf": [
                {"type": "string", "enum": ["s"], "description": "Small."},
                {"type": "string", "enum": ["l"], "description": "Large."}
            ]})
        );
    }

    #[test]
    fn undescribed_or_stray_values_are_errors_naming_the_place() {
        let mut spec = json!({"components": {"schemas": {"Size": {
            "type": "string", "enum": ["s", "l"],
            "x-chatbase-enum-descriptions": {"s": "Small.", "xl": "Huge."}
        }, "Plain": {"type": "string", "enum": ["a", "b"]}}}});
        let err = carry_descriptions(&mut spec).unwrap_err().to_string();
        assert!(
            err.contains("#/components/schemas/Size: undescribed `l`"),
            "{err}"
        );
        assert!(err.contains("not in `enum`: `xl`"), "{err}");
        assert!(
            err.contains("#/components/schemas/Plain: undescribed `a`, `b`"),
            "{err}"
        );
    }

    #[test]
    fn enums_without_variants_need_no_descriptions() {
        let mut spec = json!({"components": {"schemas": {
            "Flag": {"type": "boolean", "enum": [true]},
            "Constant": {"type": "string", "enum": ["only"]},
            "Other": {"type": "string", "not": {"type": "string", "enum": ["a"]}},
            "Named": {"type": "object", "properties": {"enum": {"type": "string"}}}
        }}});
        let before = spec.clone();
        assert_eq!(carry_descriptions(&mut spec).unwrap(), Carried::default());
        assert_eq!(spec, before);
    }
}
