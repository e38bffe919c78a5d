//! Schemas: folding `$ref`, `allOf`, `anyOf` and `oneOf` into one node and flattening it into field paths.

use super::*;

/// A schema with `$ref`, `allOf`, `anyOf` and `oneOf` folded in; children stay unexpanded so
/// that flattening controls recursion.
#[derive(Debug, Default)]
pub(super) struct Node {
    pub(super) types: BTreeSet<String>,
    pub(super) nullable: bool,
    pub(super) format: Option<String>,
    pub(super) enum_values: Option<BTreeSet<String>>,
    pub(super) properties: BTreeMap<String, Value>,
    pub(super) required: BTreeSet<String>,
    pub(super) items: Option<Value>,
    pub(super) additional: Option<Value>,
    pub(super) read_only: bool,
    pub(super) write_only: bool,
    /// Every `$ref` passed through, so that flattening can stop at a cycle.
    pub(super) refs: Vec<String>,
}

impl Node {
    pub(super) fn field(&self, required: bool) -> Field {
        Field {
            types: self.types.clone(),
            nullable: self.nullable,
            format: self.format.clone(),
            enum_values: self.enum_values.clone(),
            required,
        }
    }

    /// `{type: null}` (3.1) or an enum of only `null`: contributes nullability, nothing else.
    pub(super) fn is_null_only(&self) -> bool {
        self.nullable
            && self.types.is_empty()
            && self.enum_values.is_none()
            && self.properties.is_empty()
            && self.items.is_none()
            && self.additional.is_none()
    }

    /// Folds in a schema that must hold as well (`allOf`, or the target of a `$ref`).
    pub(super) fn intersect(&mut self, other: Node) {
        self.types = match (self.types.is_empty(), other.types.is_empty()) {
            (true, _) => other.types,
            (false, true) => std::mem::take(&mut self.types),
            (false, false) => {
                let common: BTreeSet<String> =
                    self.types.intersection(&other.types).cloned().collect();
                // Contradictory parts are a spec bug; keeping both types shows it in the report.
                if common.is_empty() {
                    self.types.union(&other.types).cloned().collect()
                } else {
                    common
                }
            }
        };
        // OR, not AND: 3.0 writes a nullable reference as `nullable: true` beside `allOf: [$ref]`.
        self.nullable |= other.nullable;
        self.format = self.format.take().or(other.format);
        self.enum_values = match (self.enum_values.take(), other.enum_values) {
            (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
            (a, b) => a.or(b),
        };
        merge_schemas(&mut self.properties, other.properties, "allOf");
        self.required.extend(other.required);
        merge_optional(&mut self.items, other.items, "allOf");
        merge_optional(&mut self.additional, other.additional, "allOf");
        self.read_only |= other.read_only;
        self.write_only |= other.write_only;
        self.refs.extend(other.refs);
    }

    /// Any of the variants may hold (`anyOf`/`oneOf`): the union of types, values and fields.
    pub(super) fn union(variants: Vec<Node>) -> Node {
        let mut out = Node::default();
        let mut any_type = false;
        let mut open_enum = false;
        let mut values = BTreeSet::new();
        let mut formats = BTreeSet::new();
        let mut required: Option<BTreeSet<String>> = None;
        let mut concrete = 0;
        for variant in variants {
            out.refs.extend(variant.refs.iter().cloned());
            if variant.is_null_only() {
                out.nullable = true;
                continue;
            }
            concrete += 1;
            out.nullable |= variant.nullable;
            any_type |= variant.types.is_empty();
            out.types.extend(variant.types.iter().cloned());
            match &variant.enum_values {
                Some(v) => values.extend(v.iter().cloned()),
                None => open_enum = true,
            }
            formats.insert(variant.format.clone());
            if variant.types.contains("object") {
                // A field is required in the union only if every object variant requires it.
                required = Some(match required {
                    None => variant.required.clone(),
                    Some(r) => r.intersection(&variant.required).cloned().collect(),
                });
            }
            merge_schemas(&mut out.properties, variant.properties, "anyOf");
            merge_optional(&mut out.items, variant.items, "anyOf");
            merge_optional(&mut out.additional, variant.additional, "anyOf");
        }
        if any_type {
            out.types.clear();
        }
        out.enum_values = (concrete > 0 && !open_enum).then_some(values);
        if formats.len() == 1 {
            out.format = formats.pop_first().flatten();
        }
        out.required = required.unwrap_or_default();
        out
    }
}

/// Two schemas for the same property become one `allOf`/`anyOf` schema, so they are folded by
/// the same rules when the property is flattened.
pub(super) fn merge_schemas(
    into: &mut BTreeMap<String, Value>,
    from: BTreeMap<String, Value>,
    how: &str,
) {
    for (name, schema) in from {
        let mut slot = into.remove(&name);
        merge_optional(&mut slot, Some(schema), how);
        if let Some(merged) = slot {
            into.insert(name, merged);
        }
    }
}

pub(super) fn merge_optional(into: &mut Option<Value>, from: Option<Value>, how: &str) {
    *into = match (into.take(), from) {
        (Some(a), Some(b)) if a == b => Some(a),
        (Some(a), Some(b)) => Some(json!({ how: [a, b] })),
        (a, b) => a.or(b),
    };
}

/// Reads one schema object, following `$ref`, `allOf`, `anyOf` and `oneOf`; `chain` holds the
/// references being resolved right now, so a reference that includes itself stops.
pub(super) fn collect(doc: &Value, schema: &Value, chain: &[String]) -> Node {
    let Some(object) = schema.as_object() else {
        // 3.1 allows `true`/`false` as schemas; both compare as "any".
        return Node::default();
    };
    let mut node = own_keywords(object);
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        node.refs.push(reference.to_owned());
        if !chain.iter().any(|r| r == reference)
            && chain.len() < MAX_DEPTH
            && let Some(target) = lookup(doc, reference)
        {
            let mut chain = chain.to_vec();
            chain.push(reference.to_owned());
            node.intersect(collect(doc, target, &chain));
        }
    }
    for part in object
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        node.intersect(collect(doc, part, chain));
    }
    for keyword in ["anyOf", "oneOf"] {
        if let Some(variants) = object.get(keyword).and_then(Value::as_array) {
            let variants = variants.iter().map(|v| collect(doc, v, chain)).collect();
            node.intersect(Node::union(variants));
        }
    }
    if node.types.is_empty() && !node.is_null_only() {
        if !node.properties.is_empty() || node.additional.is_some() {
            node.types.insert("object".to_owned());
        } else if node.items.is_some() {
            node.types.insert("array".to_owned());
        }
    }
    node
}

/// The keywords of one schema object itself, with every spelling of "nullable" folded into
/// `nullable`: 3.0 `nullable: true`, 3.1 `type: [T, "null"]`, and `null` among enum values.
pub(super) fn own_keywords(object: &serde_json::Map<String, Value>) -> Node {
    let mut node = Node::default();
    let declared: Vec<&str> = match object.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for t in declared {
        match t {
            "null" => node.nullable = true,
            // Swagger 2's `file` still shows up in 3.x documents; 3.0 spells it string/binary.
            "file" => {
                node.types.insert("string".to_owned());
                node.format.get_or_insert_with(|| "binary".to_owned());
            }
            other => {
                node.types.insert(other.to_owned());
            }
        }
    }
    node.nullable |= object.get("nullable") == Some(&Value::Bool(true));
    if let Some(format) = object.get("format").and_then(Value::as_str) {
        node.format = Some(format.to_owned());
    }
    let listed = match (object.get("enum"), object.get("const")) {
        (Some(Value::Array(values)), _) => Some(values.clone()),
        (_, Some(value)) => Some(vec![value.clone()]),
        _ => None,
    };
    if let Some(listed) = listed {
        let mut values = BTreeSet::new();
        for value in listed {
            if value.is_null() {
                node.nullable = true;
                continue;
            }
            if object.get("type").is_none() {
                node.types.insert(json_type(&value).to_owned());
            }
            values.insert(enum_text(&value));
        }
        node.enum_values = (!values.is_empty()).then_some(values);
    }
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        node.properties = properties
            .iter()
            .map(|(name, schema)| (name.clone(), schema.clone()))
            .collect();
    }
    if let Some(required) = object.get("required").and_then(Value::as_array) {
        node.required = required
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
    }
    node.items = object.get("items").filter(|i| i.is_object()).cloned();
    // `additionalProperties: true` (or absent) is a free-form map with nothing to compare.
    node.additional = object
        .get("additionalProperties")
        .filter(|a| a.as_object().is_some_and(|o| !o.is_empty()))
        .cloned();
    node.read_only = object.get("readOnly") == Some(&Value::Bool(true));
    node.write_only = object.get("writeOnly") == Some(&Value::Bool(true));
    node
}

pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(super) fn enum_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Records `schema` at `path` and every field below it; `ancestors` are the `$ref`s on the
/// way down, so a recursive schema is recorded once and not expanded again.
pub(super) fn flatten(
    doc: &Value,
    schema: &Value,
    path: &str,
    required: bool,
    direction: Direction,
    ancestors: &[String],
    out: &mut Fields,
) {
    let node = collect(doc, schema, &[]);
    out.insert(path.to_owned(), node.field(required));
    let depth = ancestors.len();
    if depth >= MAX_DEPTH || node.refs.iter().any(|r| ancestors.contains(r)) {
        return;
    }
    let mut below = ancestors.to_vec();
    below.extend(node.refs.iter().cloned());
    // A marker path element keeps `ancestors` growing even through inline schemas.
    below.push(String::new());
    for (name, sub) in &node.properties {
        let sub_node = collect(doc, sub, &[]);
        let hidden = match direction {
            Direction::Request => sub_node.read_only,
            Direction::Response => sub_node.write_only,
        };
        if hidden {
            continue;
        }
        let child = join_path(path, name);
        let child_required = node.required.contains(name);
        flatten(doc, sub, &child, child_required, direction, &below, out);
    }
    if let Some(items) = &node.items {
        flatten(
            doc,
            items,
            &format!("{path}[]"),
            true,
            direction,
            &below,
            out,
        );
    }
    if let Some(additional) = &node.additional {
        let child = join_path(path, "*");
        flatten(doc, additional, &child, false, direction, &below, out);
    }
}

pub(super) fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}
