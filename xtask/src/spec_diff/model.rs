//! The flat model: a document reduced to operations keyed by `METHOD path`, each with its parameters and the
//! fields of its request and response bodies.

use super::*;

/// One field of a schema (or a parameter), reduced to what the comparison looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Field {
    /// JSON types without `null`; empty means any type.
    pub(super) types: BTreeSet<String>,
    pub(super) nullable: bool,
    pub(super) format: Option<String>,
    /// `None` when any value of the type is accepted.
    pub(super) enum_values: Option<BTreeSet<String>>,
    pub(super) required: bool,
}

/// Field path (`data[].pagination.cursor`, `""` for the body itself) to field.
pub(super) type Fields = BTreeMap<String, Field>;

#[derive(Debug, Default)]
pub(super) struct Parameter {
    pub(super) label: String,
    pub(super) field: Field,
}

#[derive(Debug, Default)]
pub(super) struct Operation {
    /// `METHOD path` as written in the document, for the report.
    pub(super) label: String,
    /// Keyed by `in name`; path parameters by position, since their names do not reach the wire.
    pub(super) parameters: BTreeMap<String, Parameter>,
    /// Media type to fields; `None` when the operation takes no body.
    pub(super) request: Option<BTreeMap<String, Fields>>,
    /// Status code to media type to fields.
    pub(super) responses: BTreeMap<String, BTreeMap<String, Fields>>,
}

/// A document normalised for comparison: operations keyed by `METHOD path`, path templates
/// with parameter names erased (`/agents/{}`).
#[derive(Debug, Default)]
pub struct Model {
    pub(super) operations: BTreeMap<String, Operation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
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
pub(super) fn server_prefix(base: Option<&str>, servers: Option<&Value>) -> String {
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

pub(super) fn normalise_path(path: &str) -> String {
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

pub(super) fn path_template_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// Follows local `$ref`s (`#/components/...`) until a non-reference; a dangling or looping
/// reference yields the last object reached.
pub(super) fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
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

pub(super) fn lookup<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    let decoded = pointer
        .split('/')
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join("/");
    doc.pointer(&decoded)
}

pub(super) fn parameters(
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

pub(super) fn first_media_schema(content: Option<&Value>) -> Option<&Value> {
    content?
        .as_object()?
        .values()
        .find_map(|media| media.get("schema"))
}

pub(super) fn request_body(doc: &Value, body: Option<&Value>) -> Option<BTreeMap<String, Fields>> {
    let body = resolve(doc, body?);
    Some(media_fields(doc, body.get("content"), Direction::Request))
}

pub(super) fn responses(
    doc: &Value,
    responses: Option<&Value>,
) -> BTreeMap<String, BTreeMap<String, Fields>> {
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
pub(super) fn normalise_status(status: &str) -> String {
    if status.eq_ignore_ascii_case("default") {
        "default".to_owned()
    } else {
        status.to_ascii_uppercase()
    }
}

pub(super) fn media_fields(
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

pub(super) fn normalise_media_type(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or(media_type)
        .trim()
        .to_ascii_lowercase()
}
