//! `cargo xtask spec-diff`: compares one of our OpenAPI specs with an upstream OpenAPI 3.0/3.1
//! document and lists missing, extra and changed operations, parameters, fields and enum values.
//! It reads both documents as plain JSON values (so either OpenAPI version loads); it neither
//! validates nor edits specs, and it ignores constraints such as lengths, patterns and bounds.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

const USAGE: &str = "\
usage: cargo xtask spec-diff --upstream PATH [--ours PATH]

  --upstream PATH   upstream OpenAPI 3.0/3.1 document (JSON or YAML)
  --ours PATH       our spec; default: openapi/chatbase-v1.yaml or openapi/chatbase-v2.yaml,
                    chosen from the upstream servers[0].url (/api/v1 or /api/v2), else from
                    its OpenAPI version (3.1 means v2)

Relative paths are taken from the current directory when they exist there, else from the
workspace root. Exit status is 1 when anything upstream is missing from ours; extra and
changed items are reported but do not fail.
";

const OURS_V1: &str = "openapi/chatbase-v1.yaml";
const OURS_V2: &str = "openapi/chatbase-v2.yaml";

/// HTTP methods an OpenAPI path item may hold, in the order they are read.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Deeper field paths than this are not expanded: real schemas stay far below it, and it
/// bounds the work on pathological (but acyclic) documents.
const MAX_DEPTH: usize = 64;

pub fn run(args: &[String]) -> Result<ExitCode> {
    let args = match parse_args(args) {
        Ok(Command::Diff(args)) => args,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Err(problem) => {
            eprint!("error: {problem}\n\n{USAGE}");
            return Ok(ExitCode::from(2));
        }
    };
    let root = crate::workspace_root()?;
    let upstream_doc = load_document(&resolve_path(&root, &args.upstream))?;
    let ours = match args.ours {
        Some(ours) => ours,
        None => {
            let (chosen, reason) = choose_ours(&upstream_doc);
            println!("spec-diff: comparing with {chosen} ({reason})");
            PathBuf::from(chosen)
        }
    };
    let ours_doc = load_document(&resolve_path(&root, &ours))?;

    let report = diff(
        &Model::from_document(&ours_doc),
        &Model::from_document(&upstream_doc),
    );
    print!("{}", report.render());
    println!(
        "{}",
        report.summary(
            &ours.display().to_string(),
            &args.upstream.display().to_string()
        )
    );
    Ok(exit_code(&report))
}

/// Only items missing from ours fail the run: extras and changes are often deliberate.
fn exit_code(report: &Report) -> ExitCode {
    if report.missing() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

// ---------------------------------------------------------------------------------------------
// Command line and files

#[derive(Debug, PartialEq)]
struct DiffArgs {
    upstream: PathBuf,
    ours: Option<PathBuf>,
}

#[derive(Debug, PartialEq)]
enum Command {
    Diff(DiffArgs),
    Help,
}

fn parse_args(args: &[String]) -> std::result::Result<Command, String> {
    let mut upstream = None;
    let mut ours = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let slot = match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "--upstream" => &mut upstream,
            "--ours" => &mut ours,
            _ => return Err(format!("unexpected argument `{arg}`")),
        };
        let value = match inline_value.or_else(|| rest.next().cloned()) {
            Some(value) if !value.is_empty() => value,
            _ => return Err(format!("`{flag}` needs a PATH")),
        };
        if slot.replace(PathBuf::from(value)).is_some() {
            return Err(format!("`{flag}` given more than once"));
        }
    }
    let upstream = upstream.ok_or_else(|| "missing required `--upstream PATH`".to_owned())?;
    Ok(Command::Diff(DiffArgs { upstream, ours }))
}

fn resolve_path(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() || path.exists() {
        path.to_path_buf()
    } else {
        root.join(path)
    }
}

fn load_document(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let doc = parse_document(&text)
        .with_context(|| format!("cannot parse {} as JSON or YAML", path.display()))?;
    check_openapi(&doc).with_context(|| format!("{} is not usable", path.display()))?;
    Ok(doc)
}

fn parse_document(text: &str) -> Result<Value> {
    if text.trim_start().starts_with('{') {
        return Ok(serde_json::from_str(text)?);
    }
    let mut yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text)?;
    yaml.apply_merge()?;
    Ok(yaml_to_json(yaml))
}

/// YAML allows non-string keys (an unquoted `200:` status code is an integer), which
/// `serde_json::Value` rejects, so the conversion is done by hand with keys stringified.
fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Yaml;
    match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (json_key(yaml_to_json(key)), yaml_to_json(value)))
                .collect(),
        ),
        Yaml::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn json_key(key: Value) -> String {
    match key {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn check_openapi(doc: &Value) -> Result<()> {
    let Some(version) = doc.get("openapi").and_then(Value::as_str) else {
        bail!("no `openapi` version field: not an OpenAPI 3.x document");
    };
    if !version.starts_with("3.") {
        bail!("OpenAPI version {version} is not supported (3.0 or 3.1 expected)");
    }
    if !doc.get("paths").is_some_and(Value::is_object) {
        bail!("no `paths` object");
    }
    Ok(())
}

/// Picks our spec for an upstream document; the reason is printed so a wrong guess is visible.
fn choose_ours(upstream: &Value) -> (&'static str, String) {
    if let Some(url) = upstream.pointer("/servers/0/url").and_then(Value::as_str) {
        let (_, path) = split_url(url);
        if path.ends_with("/api/v1") {
            return (
                OURS_V1,
                format!("upstream servers[0].url {url} ends in /api/v1"),
            );
        }
        if path.ends_with("/api/v2") {
            return (
                OURS_V2,
                format!("upstream servers[0].url {url} ends in /api/v2"),
            );
        }
    }
    let version = upstream
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    if version.starts_with("3.1") {
        (OURS_V2, format!("upstream is OpenAPI {version}"))
    } else {
        (
            OURS_V1,
            format!("upstream is OpenAPI {version} without an /api/vN server"),
        )
    }
}

/// Splits `https://host/base/` into (`host`, `/base`); a relative URL has an empty host.
fn split_url(url: &str) -> (&str, &str) {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (host, path) = if url.contains("://") {
        without_scheme
            .find('/')
            .map_or((without_scheme, ""), |at| without_scheme.split_at(at))
    } else {
        ("", without_scheme)
    };
    (host, path.trim_end_matches('/'))
}

// ---------------------------------------------------------------------------------------------
// The flat model

/// One field of a schema (or a parameter), reduced to what the comparison looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Field {
    /// JSON types without `null`; empty means any type.
    types: BTreeSet<String>,
    nullable: bool,
    format: Option<String>,
    /// `None` when any value of the type is accepted.
    enum_values: Option<BTreeSet<String>>,
    required: bool,
}

/// Field path (`data[].pagination.cursor`, `""` for the body itself) to field.
type Fields = BTreeMap<String, Field>;

#[derive(Debug, Default)]
struct Parameter {
    label: String,
    field: Field,
}

#[derive(Debug, Default)]
struct Operation {
    /// `METHOD path` as written in the document, for the report.
    label: String,
    /// Keyed by `in name`; path parameters by position, since their names do not reach the wire.
    parameters: BTreeMap<String, Parameter>,
    /// Media type to fields; `None` when the operation takes no body.
    request: Option<BTreeMap<String, Fields>>,
    /// Status code to media type to fields.
    responses: BTreeMap<String, BTreeMap<String, Fields>>,
}

/// A document normalised for comparison: operations keyed by `METHOD path`, path templates
/// with parameter names erased (`/agents/{}`).
#[derive(Debug, Default)]
pub struct Model {
    operations: BTreeMap<String, Operation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

impl Model {
    pub fn from_document(doc: &Value) -> Model {
        let base = doc.pointer("/servers/0/url").and_then(Value::as_str);
        let mut operations = BTreeMap::new();
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return Model { operations };
        };
        for (path, item) in paths {
            let item = resolve(doc, item);
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let servers = op.get("servers").or_else(|| item.get("servers"));
                let prefix = server_prefix(base, servers);
                let upper = method.to_ascii_uppercase();
                let operation = Operation {
                    label: format!("{upper} {prefix}{path}"),
                    parameters: parameters(doc, path, item.get("parameters"), op),
                    request: request_body(doc, op.get("requestBody")),
                    responses: responses(doc, op.get("responses")),
                };
                let key = format!("{upper} {prefix}{}", normalise_path(path));
                operations.insert(key, operation);
            }
        }
        Model { operations }
    }
}

/// Operations served from another host (upstream's file uploads) are keyed with that host
/// and its base path, so they never collide with same-path operations on the main host.
fn server_prefix(base: Option<&str>, servers: Option<&Value>) -> String {
    let Some(url) = servers
        .and_then(|s| s.pointer("/0/url"))
        .and_then(Value::as_str)
    else {
        return String::new();
    };
    if base.is_some_and(|base| base.trim_end_matches('/') == url.trim_end_matches('/')) {
        return String::new();
    }
    let (host, path) = split_url(url);
    format!("{host}{path}")
}

fn normalise_path(path: &str) -> String {
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    trimmed
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn path_template_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// Follows local `$ref`s (`#/components/...`) until a non-reference; a dangling or looping
/// reference yields the last object reached.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| lookup(doc, r))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

fn lookup<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    let decoded = pointer
        .split('/')
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join("/");
    doc.pointer(&decoded)
}

fn parameters(
    doc: &Value,
    path: &str,
    shared: Option<&Value>,
    op: &Value,
) -> BTreeMap<String, Parameter> {
    let template = path_template_names(path);
    let mut out = BTreeMap::new();
    // Operation-level parameters come last so they override path-level ones with the same key.
    let lists = [shared, op.get("parameters")];
    for param in lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
    {
        let param = resolve(doc, param);
        let (Some(name), Some(location)) = (
            param.get("name").and_then(Value::as_str),
            param.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        let (key, label) = match location {
            "path" => match template.iter().position(|n| *n == name) {
                Some(at) => (format!("path #{}", at + 1), format!("path `{{{name}}}`")),
                None => (format!("path {name}"), format!("path `{{{name}}}`")),
            },
            "header" => {
                let name = name.to_ascii_lowercase();
                (format!("header {name}"), format!("header `{name}`"))
            }
            other => (format!("{other} {name}"), format!("{other} `{name}`")),
        };
        let schema = param
            .get("schema")
            .or_else(|| first_media_schema(param.get("content")));
        let node = schema.map_or_else(Node::default, |s| collect(doc, s, &[]));
        let required = location == "path" || param.get("required") == Some(&Value::Bool(true));
        let field = node.field(required);
        out.insert(key, Parameter { label, field });
    }
    out
}

fn first_media_schema(content: Option<&Value>) -> Option<&Value> {
    content?
        .as_object()?
        .values()
        .find_map(|media| media.get("schema"))
}

fn request_body(doc: &Value, body: Option<&Value>) -> Option<BTreeMap<String, Fields>> {
    let body = resolve(doc, body?);
    Some(media_fields(doc, body.get("content"), Direction::Request))
}

fn responses(doc: &Value, responses: Option<&Value>) -> BTreeMap<String, BTreeMap<String, Fields>> {
    let Some(responses) = responses.and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    responses
        .iter()
        .map(|(status, response)| {
            let response = resolve(doc, response);
            let media = media_fields(doc, response.get("content"), Direction::Response);
            (normalise_status(status), media)
        })
        .collect()
}

/// `default` stays lower-case as OpenAPI spells it; ranges compare as `4XX`.
fn normalise_status(status: &str) -> String {
    if status.eq_ignore_ascii_case("default") {
        "default".to_owned()
    } else {
        status.to_ascii_uppercase()
    }
}

fn media_fields(
    doc: &Value,
    content: Option<&Value>,
    direction: Direction,
) -> BTreeMap<String, Fields> {
    let Some(content) = content.and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    content
        .iter()
        .map(|(media_type, media)| {
            let mut fields = Fields::new();
            if let Some(schema) = media.get("schema") {
                flatten(doc, schema, "", true, direction, &[], &mut fields);
            }
            (normalise_media_type(media_type), fields)
        })
        .collect()
}

fn normalise_media_type(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or(media_type)
        .trim()
        .to_ascii_lowercase()
}

// ---------------------------------------------------------------------------------------------
// Schemas

/// A schema with `$ref`, `allOf`, `anyOf` and `oneOf` folded in; children stay unexpanded so
/// that flattening controls recursion.
#[derive(Debug, Default)]
struct Node {
    types: BTreeSet<String>,
    nullable: bool,
    format: Option<String>,
    enum_values: Option<BTreeSet<String>>,
    properties: BTreeMap<String, Value>,
    required: BTreeSet<String>,
    items: Option<Value>,
    additional: Option<Value>,
    read_only: bool,
    write_only: bool,
    /// Every `$ref` passed through, so that flattening can stop at a cycle.
    refs: Vec<String>,
}

impl Node {
    fn field(&self, required: bool) -> Field {
        Field {
            types: self.types.clone(),
            nullable: self.nullable,
            format: self.format.clone(),
            enum_values: self.enum_values.clone(),
            required,
        }
    }

    /// `{type: null}` (3.1) or an enum of only `null`: contributes nullability, nothing else.
    fn is_null_only(&self) -> bool {
        self.nullable
            && self.types.is_empty()
            && self.enum_values.is_none()
            && self.properties.is_empty()
            && self.items.is_none()
            && self.additional.is_none()
    }

    /// Folds in a schema that must hold as well (`allOf`, or the target of a `$ref`).
    fn intersect(&mut self, other: Node) {
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
    fn union(variants: Vec<Node>) -> Node {
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
fn merge_schemas(into: &mut BTreeMap<String, Value>, from: BTreeMap<String, Value>, how: &str) {
    for (name, schema) in from {
        let mut slot = into.remove(&name);
        merge_optional(&mut slot, Some(schema), how);
        if let Some(merged) = slot {
            into.insert(name, merged);
        }
    }
}

fn merge_optional(into: &mut Option<Value>, from: Option<Value>, how: &str) {
    *into = match (into.take(), from) {
        (Some(a), Some(b)) if a == b => Some(a),
        (Some(a), Some(b)) => Some(json!({ how: [a, b] })),
        (a, b) => a.or(b),
    };
}

/// Reads one schema object, following `$ref`, `allOf`, `anyOf` and `oneOf`; `chain` holds the
/// references being resolved right now, so a reference that includes itself stops.
fn collect(doc: &Value, schema: &Value, chain: &[String]) -> Node {
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
fn own_keywords(object: &serde_json::Map<String, Value>) -> Node {
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

fn json_type(value: &Value) -> &'static str {
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

fn enum_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Records `schema` at `path` and every field below it; `ancestors` are the `$ref`s on the
/// way down, so a recursive schema is recorded once and not expanded again.
fn flatten(
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

fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Upstream has it, ours does not: fails the run.
    Missing,
    /// Ours has it, upstream does not.
    Extra,
    /// Both have it, but ours is not compatible with upstream's type, nullability or format.
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    /// What the item is about, e.g. "response 200 application/json field `data[].id`".
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub missing_operations: Vec<String>,
    pub extra_operations: Vec<String>,
    /// Operation label (upstream's spelling) to its differences, in key order.
    pub operations: Vec<(String, Vec<Item>)>,
}

pub fn diff(ours: &Model, upstream: &Model) -> Report {
    let mut report = Report::default();
    for (key, theirs) in &upstream.operations {
        match ours.operations.get(key) {
            None => report.missing_operations.push(theirs.label.clone()),
            Some(mine) => {
                let items = diff_operation(mine, theirs);
                if !items.is_empty() {
                    report.operations.push((theirs.label.clone(), items));
                }
            }
        }
    }
    for (key, mine) in &ours.operations {
        if !upstream.operations.contains_key(key) {
            report.extra_operations.push(mine.label.clone());
        }
    }
    report
}

fn diff_operation(ours: &Operation, upstream: &Operation) -> Vec<Item> {
    let mut items = diff_parameters(&ours.parameters, &upstream.parameters);
    match (&ours.request, &upstream.request) {
        (None, Some(_)) => items.push(item(Kind::Missing, "request body", "")),
        (Some(_), None) => items.push(item(Kind::Extra, "request body", "")),
        (Some(mine), Some(theirs)) => {
            items.extend(diff_media(mine, theirs, "request", Direction::Request));
        }
        (None, None) => {}
    }
    items.extend(diff_responses(&ours.responses, &upstream.responses));
    items
}

fn diff_parameters(
    ours: &BTreeMap<String, Parameter>,
    upstream: &BTreeMap<String, Parameter>,
) -> Vec<Item> {
    let mut items = Vec::new();
    for (key, theirs) in upstream {
        let subject = format!("parameter {}", theirs.label);
        match ours.get(key) {
            None => items.push(item(Kind::Missing, &subject, &describe(&theirs.field))),
            Some(mine) => items.extend(compare_field(
                &subject,
                &mine.field,
                &theirs.field,
                Direction::Request,
            )),
        }
    }
    for (key, mine) in ours {
        if !upstream.contains_key(key) {
            let subject = format!("parameter {}", mine.label);
            items.push(item(Kind::Extra, &subject, &describe(&mine.field)));
        }
    }
    items
}

/// Upstream status codes that ours lacks are looked up the way clients do: the `4XX` range,
/// then `default`, so a spec that folds errors into `default` is not reported as missing them.
fn diff_responses(
    ours: &BTreeMap<String, BTreeMap<String, Fields>>,
    upstream: &BTreeMap<String, BTreeMap<String, Fields>>,
) -> Vec<Item> {
    let mut items = Vec::new();
    for (status, theirs) in upstream {
        let range = status.get(..1).map(|first| format!("{first}XX"));
        let found = ours
            .get(status)
            .or_else(|| range.and_then(|r| ours.get(&r)))
            .or_else(|| ours.get("default"));
        match found {
            None => items.push(item(Kind::Missing, &format!("response {status}"), "")),
            Some(mine) => {
                let prefix = format!("response {status}");
                items.extend(diff_media(mine, theirs, &prefix, Direction::Response));
            }
        }
    }
    for status in ours.keys() {
        if !upstream.contains_key(status) {
            items.push(item(Kind::Extra, &format!("response {status}"), ""));
        }
    }
    items
}

fn diff_media(
    ours: &BTreeMap<String, Fields>,
    upstream: &BTreeMap<String, Fields>,
    prefix: &str,
    direction: Direction,
) -> Vec<Item> {
    let mut items = Vec::new();
    for (media_type, theirs) in upstream {
        let prefix = format!("{prefix} {media_type}");
        match ours.get(media_type) {
            None => items.push(item(Kind::Missing, &prefix, "")),
            Some(mine) => items.extend(diff_fields(mine, theirs, &prefix, direction)),
        }
    }
    for media_type in ours.keys() {
        if !upstream.contains_key(media_type) {
            items.push(item(Kind::Extra, &format!("{prefix} {media_type}"), ""));
        }
    }
    items
}

/// Only the topmost missing (or extra) field of a subtree is listed: its children add noise.
fn diff_fields(ours: &Fields, upstream: &Fields, prefix: &str, direction: Direction) -> Vec<Item> {
    let mut items = Vec::new();
    let mut reported: Vec<&str> = Vec::new();
    for (path, theirs) in upstream {
        let subject = format!("{prefix} field `{}`", display_path(path));
        match ours.get(path) {
            Some(mine) => items.extend(compare_field(&subject, mine, theirs, direction)),
            None if !is_below_any(path, &reported) => {
                items.push(item(Kind::Missing, &subject, &describe(theirs)));
                reported.push(path);
            }
            None => {}
        }
    }
    reported.clear();
    for (path, mine) in ours {
        if !upstream.contains_key(path) && !is_below_any(path, &reported) {
            let subject = format!("{prefix} field `{}`", display_path(path));
            items.push(item(Kind::Extra, &subject, &describe(mine)));
            reported.push(path);
        }
    }
    items
}

fn is_below_any(path: &str, roots: &[&str]) -> bool {
    roots.iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "(body)" } else { path }
}

/// Differences where ours accepts everything upstream allows (a wider type set, nullable where
/// upstream is not, no format where upstream has one, an open enum) are not reported.
fn compare_field(subject: &str, ours: &Field, upstream: &Field, direction: Direction) -> Vec<Item> {
    let mut changes = Vec::new();
    if !types_cover(&ours.types, &upstream.types) {
        changes.push(format!(
            "type: ours {}, upstream {}",
            type_text(&ours.types),
            type_text(&upstream.types)
        ));
    }
    if upstream.nullable && !ours.nullable {
        changes.push("nullable upstream, not in ours".to_owned());
    }
    if ours.format.is_some() && ours.format != upstream.format {
        changes.push(format!(
            "format: ours {}, upstream {}",
            ours.format.as_deref().unwrap_or("none"),
            upstream.format.as_deref().unwrap_or("none")
        ));
    }
    // A response field we require but upstream may omit breaks decoding; in requests any
    // difference matters (we force callers to send it, or let them omit what upstream needs).
    let required_differs = match direction {
        Direction::Request => ours.required != upstream.required,
        Direction::Response => ours.required && !upstream.required,
    };
    if required_differs {
        changes.push(format!(
            "required: ours {}, upstream {}",
            yes_no(ours.required),
            yes_no(upstream.required)
        ));
    }
    let mut items = Vec::new();
    match (&ours.enum_values, &upstream.enum_values) {
        (Some(mine), Some(theirs)) => {
            for value in theirs.difference(mine) {
                items.push(item(
                    Kind::Missing,
                    &format!("enum value `{value}` of {subject}"),
                    "",
                ));
            }
            for value in mine.difference(theirs) {
                items.push(item(
                    Kind::Extra,
                    &format!("enum value `{value}` of {subject}"),
                    "",
                ));
            }
        }
        (Some(mine), None) => changes.push(format!(
            "ours only allows {}, upstream any value",
            enum_list(mine)
        )),
        _ => {}
    }
    if !changes.is_empty() {
        items.insert(0, item(Kind::Changed, subject, &changes.join("; ")));
    }
    items
}

/// Whether every type upstream allows is allowed by ours; `number` covers `integer`.
fn types_cover(ours: &BTreeSet<String>, upstream: &BTreeSet<String>) -> bool {
    if ours.is_empty() {
        return true;
    }
    if upstream.is_empty() {
        return false;
    }
    upstream
        .iter()
        .all(|t| ours.contains(t) || (t == "integer" && ours.contains("number")))
}

fn type_text(types: &BTreeSet<String>) -> String {
    if types.is_empty() {
        "any".to_owned()
    } else {
        types.iter().cloned().collect::<Vec<_>>().join("|")
    }
}

fn describe(field: &Field) -> String {
    let mut text = type_text(&field.types);
    if let Some(format) = &field.format {
        let _ = write!(text, " ({format})");
    }
    if field.nullable {
        text.push_str(", nullable");
    }
    if let Some(values) = &field.enum_values {
        let _ = write!(text, ", {}", enum_list(values));
    }
    text
}

fn enum_list(values: &BTreeSet<String>) -> String {
    let listed: Vec<&str> = values.iter().map(String::as_str).collect();
    format!("enum [{}]", listed.join(", "))
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

fn item(kind: Kind, subject: &str, detail: &str) -> Item {
    Item {
        kind,
        subject: subject.to_owned(),
        detail: detail.to_owned(),
    }
}

impl Report {
    fn count(&self, kind: Kind) -> usize {
        self.operations
            .iter()
            .flat_map(|(_, items)| items)
            .filter(|i| i.kind == kind)
            .count()
    }

    pub fn missing(&self) -> usize {
        self.missing_operations.len() + self.count(Kind::Missing)
    }

    pub fn extra(&self) -> usize {
        self.extra_operations.len() + self.count(Kind::Extra)
    }

    pub fn changed(&self) -> usize {
        self.count(Kind::Changed)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.missing_operations.is_empty() {
            out.push_str("missing operations (upstream only):\n");
            for label in &self.missing_operations {
                let _ = writeln!(out, "  - {label}");
            }
        }
        if !self.extra_operations.is_empty() {
            out.push_str("extra operations (ours only):\n");
            for label in &self.extra_operations {
                let _ = writeln!(out, "  + {label}");
            }
        }
        for (label, items) in &self.operations {
            let _ = writeln!(out, "{label}:");
            for item in items {
                let (mark, word) = match item.kind {
                    Kind::Missing => ('-', "missing"),
                    Kind::Extra => ('+', "extra"),
                    Kind::Changed => ('~', "changed"),
                };
                let _ = write!(out, "  {mark} {word} {}", item.subject);
                if !item.detail.is_empty() {
                    let _ = write!(out, ": {}", item.detail);
                }
                out.push('\n');
            }
        }
        out
    }

    pub fn summary(&self, ours: &str, upstream: &str) -> String {
        format!(
            "spec-diff: {} missing, {} extra, {} changed (ours: {ours}, upstream: {upstream})",
            self.missing(),
            self.extra(),
            self.changed()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        Model::from_document(&parse_document(text).unwrap())
    }

    fn run_diff(ours: &str, upstream: &str) -> Report {
        diff(&model(ours), &model(upstream))
    }

    fn items(report: &Report) -> Vec<Item> {
        report
            .operations
            .iter()
            .flat_map(|(_, items)| items.iter().cloned())
            .collect()
    }

    /// A 3.0 document with one operation whose 200 response is `response` and whose JSON
    /// request body (if any) is `request`.
    fn spec30(method: &str, request: Option<&str>, response: &str) -> String {
        let body = request.map_or_else(String::new, |schema| {
            format!(
                "      requestBody:\n        content:\n          application/json:\n            schema:\n{}\n",
                indent(schema, 14)
            )
        });
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /agents/{{agentId}}:\n    {method}:\n      parameters:\n        - {{name: agentId, in: path, required: true, schema: {{type: string}}}}\n{body}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n{}\n",
            indent(response, 16)
        )
    }

    fn indent(text: &str, by: usize) -> String {
        text.lines()
            .map(|line| format!("{}{line}", " ".repeat(by)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    const AGENT: &str = "type: object
required: [id]
properties:
  id: {type: string}
  name: {type: string}
  status: {type: string, enum: [active, paused]}";

    #[test]
    fn identical_specs_report_nothing() {
        let spec = spec30("get", None, AGENT);
        let report = run_diff(&spec, &spec);
        assert_eq!(report.missing(), 0);
        assert_eq!(report.extra(), 0);
        assert_eq!(report.changed(), 0);
        assert!(report.render().is_empty());
        assert_eq!(exit_code(&report), ExitCode::SUCCESS);
    }

    #[test]
    fn missing_operation_fails() {
        let ours = spec30("get", None, AGENT);
        let upstream = format!(
            "{}  /agents:\n    post:\n      responses:\n        '201': {{description: created}}\n",
            spec30("get", None, AGENT)
        );
        let report = run_diff(&ours, &upstream);
        assert_eq!(report.missing_operations, vec!["POST /agents".to_owned()]);
        assert_eq!(report.missing(), 1);
        assert_eq!(exit_code(&report), ExitCode::FAILURE);
        assert!(report.render().contains("  - POST /agents\n"));
    }

    #[test]
    fn missing_request_field() {
        let ours = spec30(
            "post",
            Some("type: object\nproperties:\n  name: {type: string}"),
            AGENT,
        );
        let upstream = spec30(
            "post",
            Some(
                "type: object\nproperties:\n  name: {type: string}\n  instructions: {type: string}",
            ),
            AGENT,
        );
        let report = run_diff(&ours, &upstream);
        assert_eq!(
            items(&report),
            vec![item(
                Kind::Missing,
                "request application/json field `instructions`",
                "string"
            )]
        );
        assert_eq!(exit_code(&report), ExitCode::FAILURE);
    }

    #[test]
    fn missing_nested_response_field_is_reported_once() {
        let list = |agent: &str| {
            format!(
                "type: object\nproperties:\n  data:\n    type: array\n    items:\n{}",
                indent(agent, 6)
            )
        };
        let upstream_agent = format!(
            "{AGENT}\n  owner:\n    type: object\n    properties:\n      email: {{type: string}}"
        );
        let report = run_diff(
            &spec30("get", None, &list(AGENT)),
            &spec30("get", None, &list(&upstream_agent)),
        );
        assert_eq!(
            items(&report),
            vec![item(
                Kind::Missing,
                "response 200 application/json field `data[].owner`",
                "object"
            )]
        );
        assert_eq!(report.missing(), 1);
    }

    #[test]
    fn changed_type_is_reported_but_does_not_fail() {
        let ours = AGENT.replace("name: {type: string}", "name: {type: integer}");
        let report = run_diff(&spec30("get", None, &ours), &spec30("get", None, AGENT));
        assert_eq!(
            items(&report),
            vec![item(
                Kind::Changed,
                "response 200 application/json field `name`",
                "type: ours integer, upstream string"
            )]
        );
        assert_eq!(report.changed(), 1);
        assert_eq!(exit_code(&report), ExitCode::SUCCESS);
    }

    #[test]
    fn missing_enum_value_fails_and_extra_value_does_not() {
        let ours = AGENT.replace("[active, paused]", "[active, deleted]");
        let report = run_diff(&spec30("get", None, &ours), &spec30("get", None, AGENT));
        let subject = "response 200 application/json field `status`";
        assert_eq!(
            items(&report),
            vec![
                item(
                    Kind::Missing,
                    &format!("enum value `paused` of {subject}"),
                    ""
                ),
                item(
                    Kind::Extra,
                    &format!("enum value `deleted` of {subject}"),
                    ""
                ),
            ]
        );
        assert_eq!(exit_code(&report), ExitCode::FAILURE);
    }

    #[test]
    fn nullable_spellings_of_31_and_30_agree() {
        let ours = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /agents/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  cursor: {type: string, nullable: true}
                  owner:
                    nullable: true
                    allOf: [{$ref: '#/components/schemas/Owner'}]
                  kind: {type: string, nullable: true, enum: [a, b]}
                  count: {type: integer, nullable: true}
components:
  schemas:
    Owner:
      type: object
      properties:
        email: {type: string}
"#;
        let upstream = r##"{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "2"},
  "paths": {"/agents/{agentId}": {"get": {
    "parameters": [{"name": "agentId", "in": "path", "required": true, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
      "type": "object",
      "properties": {
        "cursor": {"type": ["string", "null"]},
        "owner": {"anyOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}]},
        "kind": {"type": ["string", "null"], "enum": ["a", "b", null]},
        "count": {"type": ["integer", "null"], "exclusiveMinimum": 0}
      }}}}}}
  }}},
  "components": {"schemas": {"Owner": {"type": "object", "properties": {"email": {"type": "string"}}}}}
}"##;
        let report = run_diff(ours, upstream);
        assert!(report.render().is_empty(), "{}", report.render());
        assert_eq!(report.missing() + report.extra() + report.changed(), 0);
    }

    #[test]
    fn non_nullable_ours_is_a_change() {
        let upstream = AGENT.replace(
            "name: {type: string}",
            "name: {type: string, nullable: true}",
        );
        let report = run_diff(&spec30("get", None, AGENT), &spec30("get", None, &upstream));
        assert_eq!(
            items(&report),
            vec![item(
                Kind::Changed,
                "response 200 application/json field `name`",
                "nullable upstream, not in ours"
            )]
        );
    }

    #[test]
    fn extras_are_reported_but_do_not_fail() {
        let ours_agent = format!("{AGENT}\n  model: {{type: string}}");
        let ours = format!(
            "{}  /health:\n    get:\n      responses:\n        '200': {{description: ok}}\n",
            spec30("get", None, &ours_agent).replace(
                "      responses:",
                "        - {name: limit, in: query, schema: {type: integer}}\n      responses:"
            )
        );
        let report = run_diff(&ours, &spec30("get", None, AGENT));
        assert_eq!(report.extra_operations, vec!["GET /health".to_owned()]);
        assert_eq!(
            items(&report),
            vec![
                item(Kind::Extra, "parameter query `limit`", "integer"),
                item(
                    Kind::Extra,
                    "response 200 application/json field `model`",
                    "string"
                ),
            ]
        );
        assert_eq!(report.missing(), 0);
        assert_eq!(report.extra(), 3);
        assert_eq!(exit_code(&report), ExitCode::SUCCESS);
    }

    #[test]
    fn exit_code_follows_missing_count_only() {
        let mut report = Report::default();
        assert_eq!(exit_code(&report), ExitCode::SUCCESS);
        report.extra_operations.push("GET /x".to_owned());
        report
            .operations
            .push(("GET /y".to_owned(), vec![item(Kind::Changed, "z", "type")]));
        assert_eq!(exit_code(&report), ExitCode::SUCCESS);
        report.operations[0]
            .1
            .push(item(Kind::Missing, "parameter query `q`", "string"));
        assert_eq!(exit_code(&report), ExitCode::FAILURE);
        assert_eq!(
            report.summary("a.yaml", "b.json"),
            "spec-diff: 1 missing, 1 extra, 1 changed (ours: a.yaml, upstream: b.json)"
        );
    }

    #[test]
    fn wider_union_in_ours_is_compatible_and_narrower_is_not() {
        let union = "anyOf:\n  - {type: string}\n  - type: object\n    properties:\n      chat: {type: string}";
        let report = run_diff(
            &spec30("get", None, union),
            &spec30("get", None, "type: string"),
        );
        assert_eq!(report.changed(), 0);
        assert_eq!(report.missing(), 0);

        let report = run_diff(
            &spec30("get", None, "type: string"),
            &spec30("get", None, union),
        );
        let found = items(&report);
        assert_eq!(
            found[0],
            item(
                Kind::Changed,
                "response 200 application/json field `(body)`",
                "type: ours string, upstream object|string"
            )
        );
        assert_eq!(
            found[1].subject,
            "response 200 application/json field `chat`"
        );
        assert_eq!(found[1].kind, Kind::Missing);
    }

    #[test]
    fn one_of_variants_union_their_fields_and_enum_values() {
        let parts = "type: array\nitems:\n  oneOf:\n    - type: object\n      required: [type, text]\n      properties:\n        type: {type: string, enum: [text]}\n        text: {type: string}\n    - type: object\n      required: [type]\n      properties:\n        type: {type: string, enum: [tool-call]}\n        toolName: {type: string}";
        let fields = &model(&spec30("get", None, parts)).operations["GET /agents/{}"].responses["200"]
            ["application/json"];
        let kind = &fields["[].type"];
        assert_eq!(
            kind.enum_values,
            Some(BTreeSet::from(["text".to_owned(), "tool-call".to_owned()]))
        );
        assert!(kind.required);
        assert!(!fields["[].text"].required);
        assert!(fields.contains_key("[].toolName"));
    }

    #[test]
    fn recursive_schemas_terminate() {
        let spec = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /tree:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      allOf:
        - {$ref: '#/components/schemas/Node'}
        - type: object
          properties:
            name: {type: string}
            children:
              type: array
              items: {$ref: '#/components/schemas/Node'}
"#;
        let m = model(spec);
        let fields = &m.operations["GET /tree"].responses["200"]["application/json"];
        let paths: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(paths, vec!["", "children", "children[]", "name"]);
    }

    #[test]
    fn default_response_covers_error_codes() {
        let upstream = spec30("get", None, AGENT).replace(
            "      responses:\n",
            "      responses:\n        '404': {description: nope}\n",
        );
        let ours = spec30("get", None, AGENT).replace(
            "      responses:\n",
            "      responses:\n        default: {description: error}\n",
        );
        let report = run_diff(&ours, &upstream);
        assert_eq!(report.missing(), 0);
        assert_eq!(
            items(&report),
            vec![item(Kind::Extra, "response default", "")]
        );
    }

    #[test]
    fn operations_on_another_host_are_keyed_by_it() {
        let upstream = r#"{"openapi": "3.1.0", "servers": [{"url": "https://www.example.com/api/v2"}],
          "paths": {"/api/v2/files": {"post": {"servers": [{"url": "https://files.example.com"}],
            "responses": {"201": {"description": "ok"}}}}}}"#;
        let ours = "openapi: 3.0.3\nservers: [{url: 'https://www.example.com/api/v2'}]\npaths:\n  /files:\n    post:\n      servers: [{url: 'https://files.example.com/api/v2'}]\n      responses:\n        201: {description: ok}\n";
        let report = run_diff(ours, upstream);
        assert_eq!(report.missing(), 0, "{}", report.render());
        assert_eq!(report.extra(), 0, "{}", report.render());
    }

    #[test]
    fn chooses_our_spec_from_server_or_version() {
        let pick = |text: &str| choose_ours(&parse_document(text).unwrap()).0;
        assert_eq!(
            pick("openapi: 3.0.3\nservers: [{url: 'https://x.test/api/v2/'}]\npaths: {}"),
            OURS_V2
        );
        assert_eq!(
            pick(
                r#"{"openapi": "3.1.0", "servers": [{"url": "https://x.test/api/v1"}], "paths": {}}"#
            ),
            OURS_V1
        );
        assert_eq!(pick(r#"{"openapi": "3.1.0", "paths": {}}"#), OURS_V2);
        assert_eq!(pick("openapi: 3.0.3\npaths: {}"), OURS_V1);
    }

    #[test]
    fn argument_errors_name_the_problem() {
        let args = |list: &[&str]| -> Vec<String> { list.iter().map(|s| s.to_string()).collect() };
        assert_eq!(
            parse_args(&args(&[])),
            Err("missing required `--upstream PATH`".to_owned())
        );
        assert_eq!(
            parse_args(&args(&["--upstream"])),
            Err("`--upstream` needs a PATH".to_owned())
        );
        assert_eq!(
            parse_args(&args(&["--frobnicate"])),
            Err("unexpected argument `--frobnicate`".to_owned())
        );
        assert_eq!(
            parse_args(&args(&["--upstream=a.json", "--ours", "b.yaml"])),
            Ok(Command::Diff(DiffArgs {
                upstream: PathBuf::from("a.json"),
                ours: Some(PathBuf::from("b.yaml")),
            }))
        );
        assert_eq!(run(&args(&["--ours", "x"])).unwrap(), ExitCode::from(2));
    }

    #[test]
    fn unreadable_and_unparseable_documents_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let absent = dir.path().join("absent.yaml");
        let err = format!("{:#}", load_document(&absent).unwrap_err());
        assert!(
            err.starts_with("cannot read ") && err.contains("absent.yaml"),
            "{err}"
        );

        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, "{\"openapi\": ").unwrap();
        let err = format!("{:#}", load_document(&broken).unwrap_err());
        assert!(
            err.contains("cannot parse") && err.contains("broken.json"),
            "{err}"
        );

        let not_openapi = dir.path().join("other.yaml");
        std::fs::write(&not_openapi, "swagger: '2.0'\npaths: {}\n").unwrap();
        let err = format!("{:#}", load_document(&not_openapi).unwrap_err());
        assert!(err.contains("no `openapi` version field"), "{err}");
    }

    #[test]
    fn yaml_integer_status_codes_become_strings() {
        let doc = parse_document("openapi: 3.0.3\npaths:\n  /x:\n    get:\n      responses:\n        200: {description: ok}\n").unwrap();
        assert!(doc.pointer("/paths/~1x/get/responses/200").is_some());
    }
}
