//! Command line and files: argument parsing, loading OpenAPI 3.0/3.1 documents (JSON or YAML) and picking
//! which of our specs an upstream document describes.

use super::*;

#[derive(Debug, PartialEq)]
pub(super) struct DiffArgs {
    pub(super) upstream: PathBuf,
    pub(super) ours: Option<PathBuf>,
}

#[derive(Debug, PartialEq)]
pub(super) enum Command {
    Diff(DiffArgs),
    Help,
}

pub(super) fn parse_args(args: &[String]) -> std::result::Result<Command, String> {
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

pub(super) fn resolve_path(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() || path.exists() {
        path.to_path_buf()
    } else {
        root.join(path)
    }
}

pub(super) fn load_document(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let doc = parse_document(&text)
        .with_context(|| format!("cannot parse {} as JSON or YAML", path.display()))?;
    check_openapi(&doc).with_context(|| format!("{} is not usable", path.display()))?;
    Ok(doc)
}

pub(super) fn parse_document(text: &str) -> Result<Value> {
    if text.trim_start().starts_with('{') {
        return Ok(serde_json::from_str(text)?);
    }
    let mut yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text)?;
    yaml.apply_merge()?;
    Ok(yaml_to_json(yaml))
}

/// YAML allows non-string keys (an unquoted `200:` status code is an integer), which
/// `serde_json::Value` rejects, so the conversion is done by hand with keys stringified.
pub(super) fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
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

pub(super) fn json_key(key: Value) -> String {
    match key {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

pub(super) fn check_openapi(doc: &Value) -> Result<()> {
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
pub(super) fn choose_ours(upstream: &Value) -> (&'static str, String) {
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
pub(super) fn split_url(url: &str) -> (&str, &str) {
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
