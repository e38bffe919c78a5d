//! The operation registry `cargo xtask codegen` writes to `crates/chatbase-api/src/generated/operations.rs`: every
//! operation of both specs with the facts its `x-chatbase-*` extensions state, the `OperationId` enum, and an
//! `Operation` impl tying each generated builder to its entry (and its decoded output type).
//!
//! Reading is strict: an unknown `x-chatbase-*` extension or value, a pagination parameter the operation does not
//! have, or a builder that matches no operation stops generation, so no fact is dropped silently.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use serde_yaml_ng::Value;

use crate::codegen::ApiVersion;

/// Extensions an operation may carry that the registry does not record (they describe answers, not routing).
const IGNORED_EXTENSIONS: [&str; 2] = ["x-chatbase-error-codes", "x-chatbase-empty-success"];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// One operation as the spec states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `V1`/`V2` + the operationId in UpperCamelCase.
    pub variant: String,
    pub version: &'static str,
    pub operation_id: String,
    /// Upper case.
    pub method: String,
    pub path: String,
    pub full_path: String,
    pub files_host: bool,
    pub conservative: bool,
    pub pagination: Pagination,
    pub continued_by: Option<String>,
    pub stream: Option<&'static str>,
    pub multipart: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pagination {
    None,
    Cursor { newest_first: bool },
    Page { size_param: String },
}

/// A version's generated builders by the `(METHOD, path)` they send.
pub type Builders = BTreeMap<(String, String), Builder>;

/// A generated builder: its struct name and decoded output type (a path inside `crate::vN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builder {
    pub name: String,
    pub output: String,
}

fn upper_camel(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The path of a server URL (`https://www.chatbase.co/api/v2` → `/api/v2`, a bare host → ``).
fn url_path(url: &str) -> Result<String> {
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .with_context(|| format!("server URL `{url}` has no scheme"))?;
    Ok(rest
        .find('/')
        .map(|i| rest[i..].trim_end_matches('/').to_owned())
        .unwrap_or_default())
}

fn server_url(servers: Option<&Value>) -> Option<&str> {
    servers?.as_sequence()?.first()?.get("url")?.as_str()
}

/// The names of an operation's parameters (path-item ones included), resolving `$ref`s into `components`.
fn parameter_names(spec: &Value, item: &Value, op: &Value) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for list in [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for p in list.as_sequence().into_iter().flatten() {
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r
                        .strip_prefix("#/components/parameters/")
                        .with_context(|| format!("unsupported parameter reference `{r}`"))?;
                    spec.get("components")
                        .and_then(|c| c.get("parameters"))
                        .and_then(|ps| ps.get(name))
                        .with_context(|| format!("parameter reference `{r}` resolves to nothing"))?
                }
                None => p,
            };
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .context("a parameter without a name")?;
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

fn ext<'a>(op: &'a Value, name: &str) -> Option<&'a Value> {
    op.get(name)
}

fn ext_str<'a>(op: &'a Value, name: &str, what: &str) -> Result<Option<&'a str>> {
    match ext(op, name) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .with_context(|| format!("{what}: `{name}` is not a string")),
    }
}

/// Reads every operation of one spec, in the spec's order.
pub fn read(version: ApiVersion, spec_bytes: &[u8]) -> Result<Vec<Entry>> {
    let spec: Value = serde_yaml_ng::from_slice(spec_bytes)
        .with_context(|| format!("{} is not valid YAML", version.spec))?;
    let base = url_path(
        server_url(spec.get("servers"))
            .with_context(|| format!("{} has no server URL", version.spec))?,
    )?;
    let version_name: &'static str = version.module;
    let prefix = upper_camel(version_name);
    let paths = spec
        .get("paths")
        .and_then(Value::as_mapping)
        .with_context(|| format!("{} has no `paths` object", version.spec))?;
    let mut entries = Vec::new();
    for (path, item) in paths {
        let path = path.as_str().context("a path that is not a string")?;
        for method in METHODS {
            let Some(op) = item.get(method) else {
                continue;
            };
            let what = format!("{} {} {path}", version.spec, method.to_uppercase());
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .with_context(|| format!("{what} has no operationId"))?
                .to_owned();
            let what = format!("{what} ({operation_id})");
            entries.push(
                read_operation(&spec, item, op, &what, path, method, &base)?.finish(
                    version_name,
                    &prefix,
                    operation_id,
                ),
            );
        }
    }
    for e in &entries {
        if let Some(next) = &e.continued_by
            && !entries.iter().any(|o| &o.operation_id == next)
        {
            bail!(
                "{}: x-chatbase-pagination-continue names `{next}`, which is not an operation of this spec",
                e.operation_id
            );
        }
    }
    Ok(entries)
}

/// An [`Entry`] without its names.
struct Facts(Entry);

impl Facts {
    fn finish(mut self, version: &'static str, prefix: &str, operation_id: String) -> Entry {
        self.0.variant = format!("{prefix}{}", upper_camel(&operation_id));
        self.0.version = version;
        self.0.operation_id = operation_id;
        self.0
    }
}

fn read_operation(
    spec: &Value,
    item: &Value,
    op: &Value,
    what: &str,
    path: &str,
    method: &str,
    base: &str,
) -> Result<Facts> {
    if let Some(map) = op.as_mapping() {
        for key in map.keys().filter_map(Value::as_str) {
            let known = [
                "x-chatbase-retry",
                "x-chatbase-pagination",
                "x-chatbase-page-size-param",
                "x-chatbase-page-order",
                "x-chatbase-pagination-continue",
                "x-chatbase-stream",
                "x-chatbase-host",
                "x-chatbase-multipart",
            ];
            if key.starts_with("x-chatbase-")
                && !known.contains(&key)
                && !IGNORED_EXTENSIONS.contains(&key)
            {
                bail!(
                    "{what}: unknown extension `{key}` (teach xtask/src/registry.rs what it means)"
                );
            }
        }
    }
    let conservative = match ext_str(op, "x-chatbase-retry", what)? {
        None => false,
        Some("conservative") => true,
        Some(other) => bail!("{what}: unknown x-chatbase-retry `{other}`"),
    };
    let params = parameter_names(spec, item, op)?;
    let has = |name: &str| params.iter().any(|p| p == name);
    let newest_first = match ext_str(op, "x-chatbase-page-order", what)? {
        None => false,
        Some("newest-first") => true,
        Some(other) => bail!("{what}: unknown x-chatbase-page-order `{other}`"),
    };
    let size_param = ext_str(op, "x-chatbase-page-size-param", what)?;
    let pagination = match ext_str(op, "x-chatbase-pagination", what)? {
        None => Pagination::None,
        Some("cursor") => {
            if !(has("cursor") && has("limit")) {
                bail!("{what}: cursor pagination without `cursor` and `limit` parameters");
            }
            Pagination::Cursor { newest_first }
        }
        Some("page") => {
            let size = size_param.with_context(|| {
                format!("{what}: page pagination without x-chatbase-page-size-param")
            })?;
            if !(has("page") && has(size)) {
                bail!("{what}: page pagination without `page` and `{size}` parameters");
            }
            Pagination::Page {
                size_param: size.to_owned(),
            }
        }
        Some(other) => bail!("{what}: unknown x-chatbase-pagination `{other}`"),
    };
    if newest_first && !matches!(pagination, Pagination::Cursor { .. }) {
        bail!("{what}: x-chatbase-page-order without cursor pagination");
    }
    if size_param.is_some() && !matches!(pagination, Pagination::Page { .. }) {
        bail!("{what}: x-chatbase-page-size-param without page pagination");
    }
    let continued_by = ext_str(op, "x-chatbase-pagination-continue", what)?.map(str::to_owned);
    let stream = match ext_str(op, "x-chatbase-stream", what)? {
        None => None,
        Some("sse") => Some("Sse"),
        Some("text") => Some("Text"),
        Some(other) => bail!("{what}: unknown x-chatbase-stream `{other}`"),
    };
    let multipart = match ext(op, "x-chatbase-multipart") {
        None => false,
        Some(v) => v
            .as_bool()
            .with_context(|| format!("{what}: x-chatbase-multipart is not a boolean"))?,
    };
    let has_multipart_body = op
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(|c| c.get("multipart/form-data"))
        .is_some();
    if multipart != has_multipart_body {
        bail!(
            "{what}: x-chatbase-multipart is {multipart} but the multipart/form-data body says otherwise"
        );
    }
    let files_host = match ext_str(op, "x-chatbase-host", what)? {
        None => false,
        Some("files") => true,
        Some(other) => bail!("{what}: unknown x-chatbase-host `{other}`"),
    };
    let own_server = server_url(op.get("servers"));
    if files_host != own_server.is_some() {
        bail!("{what}: x-chatbase-host and the operation's own `servers` must come together");
    }
    let full_path = match own_server {
        Some(url) => format!("{}{path}", url_path(url)?),
        None => format!("{base}{path}"),
    };
    Ok(Facts(Entry {
        variant: String::new(),
        version: "",
        operation_id: String::new(),
        method: method.to_uppercase(),
        path: path.to_owned(),
        full_path,
        files_host,
        conservative,
        pagination,
        continued_by,
        stream,
        multipart,
    }))
}

/// The operation builders of a generated client: `(METHOD, path)` (from the doc line progenitor writes on each
/// `send()`) to the builder.
pub fn builders(client: &syn::File) -> Result<Builders> {
    let Some(items) = client.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    }) else {
        bail!("the generated client has no `builder` module");
    };
    let mut out = BTreeMap::new();
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(self_ty) = &*imp.self_ty else {
            continue;
        };
        let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let Some(send) = imp.items.iter().find_map(|i| match i {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        }) else {
            continue;
        };
        let route = send.attrs.iter().find_map(doc_route).with_context(|| {
            format!("builder {name}: send() has no `Sends a … request to …` doc line")
        })?;
        let output = crate::raw_send::decoded_type(&send.sig).with_context(|| {
            format!("builder {name}: send() does not return Result<ResponseValue<T>, _>")
        })?;
        let output = prettyplease::unparse(&syn::parse_quote!(type T = #output;));
        let output = output
            .trim()
            .trim_start_matches("type T = ")
            .trim_end_matches(';')
            .to_owned();
        if out
            .insert(
                route.clone(),
                Builder {
                    name: name.clone(),
                    output,
                },
            )
            .is_some()
        {
            bail!("two builders send {} {}", route.0, route.1);
        }
    }
    Ok(out)
}

/// `///Sends a `GET` request to `/agents/{agentId}`` → `("GET", "/agents/{agentId}")`.
fn doc_route(attr: &syn::Attribute) -> Option<(String, String)> {
    let syn::Meta::NameValue(nv) = &attr.meta else {
        return None;
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(s),
        ..
    }) = &nv.value
    else {
        return None;
    };
    let text = s.value();
    let rest = text.trim().strip_prefix("Sends a `")?;
    let (method, rest) = rest.split_once("` request to `")?;
    let path = rest.strip_suffix('`')?;
    Some((method.to_owned(), path.to_owned()))
}

/// Prefixes every `types::…` path in a builder's output type with the version module.
fn qualify(output: &str, module: &str) -> String {
    let mut out = String::new();
    let mut rest = output;
    while let Some(i) = rest.find("types::") {
        let boundary = rest[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
        out.push_str(&rest[..i]);
        if boundary {
            write!(out, "crate::{module}::").ok();
        }
        out.push_str("types::");
        rest = &rest[i + "types::".len()..];
    }
    out + rest
}

/// The Rust source of `generated/operations.rs` (unformatted, without header).
pub fn render(entries: &[Entry], builders: &[(&'static str, Builders)]) -> Result<String> {
    let mut src = String::new();
    src.push_str(
        "use super::{ApiVersion, Host, Method, Operation, OperationInfo, Pagination, RetryClass, Stream};\n\
         /// Every operation of both specs: `V1`/`V2` followed by the spec's operationId in UpperCamelCase.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum OperationId {\n",
    );
    for e in entries {
        writeln!(
            src,
            "/// {} `{}` (`{} {}`).\n{},",
            e.version, e.operation_id, e.method, e.full_path, e.variant
        )?;
    }
    src.push_str("}\nimpl OperationId {\n/// Every operation, in the order of [`OPERATIONS`].\npub const ALL: &'static [OperationId] = &[\n");
    for e in entries {
        writeln!(src, "OperationId::{},", e.variant)?;
    }
    src.push_str("];\n}\n/// What the specs say about each operation, in the order of [`OperationId`].\npub const OPERATIONS: &[OperationInfo] = &[\n");
    for e in entries {
        let method = upper_camel(&e.method.to_lowercase());
        let pagination = match &e.pagination {
            Pagination::None => "Pagination::None".to_owned(),
            Pagination::Cursor { newest_first } => format!(
                "Pagination::Cursor {{ cursor_param: \"cursor\", limit_param: \"limit\", newest_first: {newest_first} }}"
            ),
            Pagination::Page { size_param } => {
                format!("Pagination::Page {{ page_param: \"page\", size_param: {size_param:?} }}")
            }
        };
        let continued_by = match &e.continued_by {
            None => "None".to_owned(),
            Some(id) => {
                let next = entries
                    .iter()
                    .find(|o| o.version == e.version && &o.operation_id == id)
                    .with_context(|| format!("{}: continued by unknown `{id}`", e.operation_id))?;
                format!("Some(OperationId::{})", next.variant)
            }
        };
        writeln!(
            src,
            "OperationInfo {{ id: OperationId::{variant}, version: ApiVersion::{version}, operation_id: {op:?}, \
             method: Method::{method}, path: {path:?}, full_path: {full:?}, host: Host::{host}, \
             retry: RetryClass::{retry}, pagination: {pagination}, continued_by: {continued_by}, \
             stream: Stream::{stream}, multipart: {multipart} }},",
            variant = e.variant,
            version = e.version.to_uppercase(),
            op = e.operation_id,
            path = e.path,
            full = e.full_path,
            host = if e.files_host { "Files" } else { "Api" },
            retry = if e.conservative {
                "Conservative"
            } else {
                "Idempotent"
            },
            stream = e.stream.unwrap_or("None"),
            multipart = e.multipart,
        )?;
    }
    src.push_str(
        "];\n// `OperationId::info` indexes OPERATIONS by the enum's discriminant: the rows must follow the enum.\n\
         const _: () = {\n let mut i = 0;\n while i < OPERATIONS.len() {\n \
         assert!(OPERATIONS[i].id as usize == i, \"OPERATIONS is out of order\");\n i += 1;\n }\n \
         assert!(OPERATIONS.len() == OperationId::ALL.len());\n};\n",
    );
    for (module, builders) in builders {
        let mut used = 0;
        for e in entries.iter().filter(|e| e.version == *module) {
            let Some(b) = builders.get(&(e.method.clone(), e.path.clone())) else {
                continue;
            };
            used += 1;
            writeln!(
                src,
                "impl Operation for crate::{module}::builder::{name}<'_> {{\n\
                 const ID: OperationId = OperationId::{variant};\n\
                 type Output = {output};\n\
                 fn dispatch(self) -> impl ::std::future::Future<Output = Result<crate::{module}::ResponseValue<Self::Output>, crate::{module}::Error<()>>> + Send {{ self.send() }}\n\
                 fn dispatch_raw(self) -> impl ::std::future::Future<Output = Result<crate::{module}::ResponseValue<::bytes::Bytes>, crate::{module}::Error<()>>> + Send {{ self.send_raw() }}\n\
                 }}",
                name = b.name,
                variant = e.variant,
                output = qualify(&b.output, module),
            )?;
        }
        if used != builders.len() {
            bail!(
                "{module}: {} builders match no operation of the spec",
                builders.len() - used
            );
        }
    }
    Ok(src)
}

#[cfg(test)]
mod tests;
