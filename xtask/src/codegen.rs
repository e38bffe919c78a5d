//! `cargo xtask codegen [--check]`: regenerates `crates/chatbase-api/src/generated/` from the
//! specs in `openapi/` with progenitor (builder interface) and progenitor's httpmock generator, and
//! copies each spec into `crates/chatbase-api/openapi/` so the published crate ships its source.
//!
//! Progenitor cannot express everything our specs describe (multipart bodies, streamed
//! responses, operations on the files host). [`prepare_for_progenitor`] is the one explicit
//! place where the spec is adapted before generation; it returns every change it made so that
//! the run prints them and nothing is dropped silently. What it removes is hand-written in the
//! `chatbase` crate and listed in `openapi/README.md` (a test checks that list).
//!
//! This module does not decide anything about the shape of the API: the specs do.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One API version: which spec it comes from and where its generated files go.
#[derive(Debug, Clone, Copy)]
pub struct ApiVersion {
    /// Module name inside `chatbase_api` (`v1`, `v2`).
    pub module: &'static str,
    /// Spec file, relative to the workspace root.
    pub spec: &'static str,
}

pub const VERSIONS: [ApiVersion; 2] = [
    ApiVersion {
        module: "v1",
        spec: "openapi/chatbase-v1.yaml",
    },
    ApiVersion {
        module: "v2",
        spec: "openapi/chatbase-v2.yaml",
    },
];

/// Where generated files live, relative to the workspace root.
pub const GENERATED_DIR: &str = "crates/chatbase-api/src/generated";
/// Where an exact copy of each spec lives inside the `chatbase-api` package, so the published crate
/// ships the spec its code was generated from (a package holds only files under its own directory).
pub const SHIPPED_SPEC_DIR: &str = "crates/chatbase-api/openapi";

/// A change [`prepare_for_progenitor`] made to a spec before generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The whole operation was left out of generation.
    OperationRemoved {
        operation_id: String,
        reason: &'static str,
    },
    /// A response media type was left out; the operation itself is generated for the others.
    MediaTypeRemoved {
        operation_id: String,
        status: String,
        media_type: String,
        reason: &'static str,
    },
    /// An optional JSON request body was marked required (progenitor 0.15 cannot generate an
    /// optional body whose type has a builder). Sending `{}` is equivalent to sending none.
    BodyMadeRequired { operation_id: String },
    /// Error responses (non-2xx) were left out of generation, so every error reaches the
    /// caller as `Error::UnexpectedResponse` with its status, headers and raw body intact.
    /// A typed error would turn any non-JSON error body (a proxy's HTML page, an empty 503)
    /// into a decode failure that has lost the status.
    ErrorResponsesRemoved { operations: usize },
    /// Generated enums were given an `Unknown` fallback (see `open_enums`): `Unknown(String)` for
    /// string enums, `Unknown(serde_json::Value)` for unions.
    EnumsOpened { strings: usize, unions: usize },
    /// Every builder's `send()` became a decode of a new `send_raw()` that returns the success
    /// body undecoded (see `raw_send`).
    SendRawAdded { builders: usize },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::OperationRemoved {
                operation_id,
                reason,
            } => write!(f, "removed operation {operation_id}: {reason}"),
            Change::MediaTypeRemoved {
                operation_id,
                status,
                media_type,
                reason,
            } => write!(
                f,
                "removed {media_type} from the {status} response of {operation_id}: {reason}"
            ),
            Change::ErrorResponsesRemoved { operations } => write!(
                f,
                "left the error responses of {operations} operations out of generation (errors arrive as UnexpectedResponse with status and body)"
            ),
            Change::EnumsOpened { strings, unions } => write!(
                f,
                "gave {strings} generated string enums an Unknown(String) fallback and {unions} unions an Unknown(serde_json::Value) catch-all"
            ),
            Change::SendRawAdded { builders } => write!(
                f,
                "gave {builders} builders a send_raw() returning the undecoded success body"
            ),
            Change::BodyMadeRequired { operation_id } => write!(
                f,
                "made the optional request body of {operation_id} required (an empty object stands for none)"
            ),
        }
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Adapts a spec (as JSON) to what progenitor 0.15 can generate, returning what changed.
///
/// - Operations with a `multipart/form-data` body are removed (progenitor stops on that
///   media type); the high-level crate builds those requests itself.
/// - Operations served by another host (an operation-level `servers` entry) are removed: the
///   generated client has one base URL.
/// - Streamed 2xx media types (`text/event-stream`, `text/plain`) are removed where the
///   response also offers JSON, so the generated method decodes the JSON form; the streamed
///   form is hand-written.
/// - Error (non-2xx) responses are removed, so errors reach the caller untyped with their
///   status and raw body (see [`Change::ErrorResponsesRemoved`]).
pub fn prepare_for_progenitor(spec: &mut Value) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        bail!("the spec has no `paths` object");
    };
    let mut empty_paths = Vec::new();
    let mut untyped_errors = 0;
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            bail!("path item `{path}` is not an object");
        };
        let mut removed_methods = Vec::new();
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .with_context(|| format!("{} {path} has no operationId", method.to_uppercase()))?
                .to_owned();
            if let Some(reason) = removal_reason(op) {
                changes.push(Change::OperationRemoved {
                    operation_id,
                    reason,
                });
                removed_methods.push(method);
                continue;
            }
            changes.extend(remove_streamed_media(op, &operation_id));
            if remove_error_responses(op) {
                untyped_errors += 1;
            }
            if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut)
                && body.get("required").and_then(Value::as_bool) != Some(true)
            {
                body.insert("required".into(), Value::Bool(true));
                changes.push(Change::BodyMadeRequired { operation_id });
            }
        }
        for method in removed_methods {
            item.remove(method);
        }
        if !METHODS.iter().any(|m| item.contains_key(*m)) {
            empty_paths.push(path.clone());
        }
    }
    for path in empty_paths {
        paths.remove(&path);
    }
    if untyped_errors > 0 {
        changes.push(Change::ErrorResponsesRemoved {
            operations: untyped_errors,
        });
    }
    Ok(changes)
}

/// Drops every response whose status is not 2xx; true when there was one.
fn remove_error_responses(op: &mut Value) -> bool {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return false;
    };
    let before = responses.len();
    responses.retain(|status, _| status.starts_with('2'));
    responses.len() != before
}

fn removal_reason(op: &Value) -> Option<&'static str> {
    let multipart = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
        .is_some_and(|content| content.contains_key("multipart/form-data"));
    if multipart {
        return Some("multipart/form-data body (hand-written in the chatbase crate)");
    }
    if op.get("servers").is_some() {
        return Some("served by another host (hand-written in the chatbase crate)");
    }
    None
}

fn remove_streamed_media(op: &mut Value, operation_id: &str) -> Vec<Change> {
    let mut changes = Vec::new();
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return changes;
    };
    for (status, response) in responses.iter_mut() {
        if !status.starts_with('2') {
            continue;
        }
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        if !content.contains_key("application/json") {
            continue;
        }
        let streamed: Vec<String> = content
            .keys()
            .filter(|media| *media == "text/event-stream" || *media == "text/plain")
            .cloned()
            .collect();
        for media_type in streamed {
            content.remove(&media_type);
            changes.push(Change::MediaTypeRemoved {
                operation_id: operation_id.to_owned(),
                status: status.clone(),
                media_type,
                reason: "streamed body (hand-written in the chatbase crate)",
            });
        }
    }
    changes
}

/// Files generated for one API version.
#[derive(Debug)]
pub struct Generated {
    pub changes: Vec<Change>,
    /// (path relative to the workspace root, contents)
    pub files: Vec<(PathBuf, String)>,
    /// The spec's operations, for the registry (see [`registry_file`]).
    pub operations: Vec<crate::registry::Entry>,
    /// The generated client's operation builders by `(METHOD, path)`.
    pub builders: crate::registry::Builders,
    /// sha256 of the spec, in hex.
    pub digest: String,
}

/// Where the operation registry of both versions is written.
pub const REGISTRY_FILE: &str = "crates/chatbase-api/src/generated/operations.rs";

/// The state every generated `Client` carries (`Client::inner()`), hand-written in `chatbase-api`.
const INNER_TYPE: &str = "crate::RequestHeaders";
/// Called with that state and each request before it is sent.
const PRE_HOOK: &str = "crate::RequestHeaders::apply";

fn tokens(src: &str) -> Result<proc_macro2::TokenStream> {
    src.parse()
        .map_err(|e| anyhow::anyhow!("`{src}` is not a Rust path: {e}"))
}

/// Generates the client and mock files for one version from the spec's bytes.
pub fn generate(version: ApiVersion, spec_bytes: &[u8]) -> Result<Generated> {
    let mut spec: Value = serde_yaml_ng::from_slice(spec_bytes)
        .with_context(|| format!("{} is not valid YAML", version.spec))?;
    let changes = prepare_for_progenitor(&mut spec)?;
    crate::spec_docs::carry_descriptions(&mut spec)
        .with_context(|| format!("{} is not fully described", version.spec))?;
    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec)
        .with_context(|| format!("{} is not a valid OpenAPI 3.0 document", version.spec))?;

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        // Every generated request passes through the hand-written `chatbase_api::RequestHeaders` hook, so
        // headers (Authorization, User-Agent) reach the generated operations even when the `reqwest::Client`
        // underneath is a caller's own, without them in its defaults.
        .with_inner_type(tokens(INNER_TYPE)?)
        .with_pre_hook(tokens(PRE_HOOK)?);
    let mut generator = progenitor::Generator::new(&settings);
    let client = generator.generate_tokens(&openapi).with_context(|| {
        format!(
            "progenitor could not generate a client from {}",
            version.spec
        )
    })?;
    let mocks = generator
        .httpmock(&openapi, &format!("crate::{}", version.module))
        .with_context(|| format!("progenitor could not generate mocks from {}", version.spec))?;

    let client: syn::File =
        syn::parse2(client).context("progenitor emitted code syn cannot parse")?;
    // Re-parse from text so the passes below see plain syntax, not the invisible groups that
    // token interpolation leaves around expressions.
    let mut client: syn::File = syn::parse_file(&prettyplease::unparse(&client))
        .context("the formatted generated code does not parse")?;
    let opened =
        crate::open_enums::open_enums(&mut client).context("cannot open the generated enums")?;
    let closed = crate::open_enums::check_all_open(&client);
    if !closed.is_empty() {
        bail!(
            "{}: enums that would reject values the server adds: {}",
            version.spec,
            closed.join("; ")
        );
    }
    let raw_sends = crate::raw_send::add_send_raw(&mut client)
        .context("cannot add send_raw() to the builders")?;
    let operations = crate::registry::read(version, spec_bytes)?;
    let builders = crate::registry::builders(&client)
        .with_context(|| format!("cannot list the builders generated from {}", version.spec))?;
    crate::builder_docs::document(&mut client, &serde_yaml_ng::from_slice(spec_bytes)?)
        .with_context(|| format!("{}: cannot document the generated builders", version.spec))?;
    let mut changes = changes;
    changes.push(Change::SendRawAdded {
        builders: raw_sends,
    });
    if !opened.is_empty() {
        changes.push(Change::EnumsOpened {
            strings: opened.strings.len(),
            unions: opened.unions.len(),
        });
    }
    let mocks: syn::File =
        syn::parse2(mocks).context("progenitor emitted mock code syn cannot parse")?;

    let digest = hex(&Sha256::digest(spec_bytes));
    let dir = Path::new(GENERATED_DIR);
    let spec_name = Path::new(version.spec)
        .file_name()
        .with_context(|| format!("{} has no file name", version.spec))?;
    let spec_text = String::from_utf8(spec_bytes.to_vec())
        .with_context(|| format!("{} is not UTF-8", version.spec))?;
    let files = vec![
        (Path::new(SHIPPED_SPEC_DIR).join(spec_name), spec_text),
        (
            dir.join(format!("{}.rs", version.module)),
            render(&client, version, &digest, "client"),
        ),
        (
            dir.join(format!("{}_mock.rs", version.module)),
            render(&mocks, version, &digest, "httpmock helpers"),
        ),
    ];
    Ok(Generated {
        changes,
        files,
        operations,
        builders,
        digest,
    })
}

/// The operation registry of every version: `(REGISTRY_FILE, contents)`.
pub fn registry_file(generated: &[(ApiVersion, Generated)]) -> Result<(PathBuf, String)> {
    let entries: Vec<_> = generated
        .iter()
        .flat_map(|(_, g)| g.operations.iter().cloned())
        .collect();
    let builders: Vec<_> = generated
        .iter()
        .map(|(v, g)| (v.module, g.builders.clone()))
        .collect();
    let src = crate::registry::render(&entries, &builders)?;
    let file = syn::parse_file(&src).context("the generated registry does not parse")?;
    let sources: Vec<String> = generated
        .iter()
        .map(|(v, g)| format!("{} (sha256 {})", v.spec, g.digest))
        .collect();
    let contents = format!(
        "// @generated by `cargo xtask codegen`: the operation registry of the Chatbase API.\n\
         // Source: {}.\n\
         // Do not edit by hand: change the spec or the xtask, then regenerate.\n\n{}",
        sources.join(", "),
        prettyplease::unparse(&file)
    );
    Ok((PathBuf::from(REGISTRY_FILE), contents))
}

/// Every file generation writes: each version's, then the registry.
pub fn all_files(generated: &[(ApiVersion, Generated)]) -> Result<Vec<(PathBuf, String)>> {
    let mut files: Vec<_> = generated
        .iter()
        .flat_map(|(_, g)| g.files.iter().cloned())
        .collect();
    files.push(registry_file(generated)?);
    Ok(files)
}

fn render(file: &syn::File, version: ApiVersion, digest: &str, what: &str) -> String {
    let body = prettyplease::unparse(file);
    format!(
        "// @generated by `cargo xtask codegen`: the Chatbase API {module} {what}.\n\
         // Source: {spec} (sha256 {digest}).\n\
         // Do not edit by hand: change the spec or the xtask, then regenerate.\n\n{body}",
        module = version.module,
        spec = version.spec,
    )
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Generates every version, returning all files (relative paths) and the changes made.
pub fn generate_all(root: &Path) -> Result<Vec<(ApiVersion, Generated)>> {
    VERSIONS
        .iter()
        .map(|&version| {
            let path = root.join(version.spec);
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            Ok((version, generate(version, &bytes)?))
        })
        .collect()
}

/// Files whose checked-in contents differ from what generation produces now.
pub fn stale_files(root: &Path, files: &[(PathBuf, String)]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|(path, contents)| {
            std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(contents.as_str())
        })
        .map(|(path, _)| path.clone())
        .collect()
}

pub fn run(args: &[String]) -> Result<ExitCode> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!(
            "usage: cargo xtask codegen [--check] (got: {})",
            args.join(" ")
        ),
    };
    let root = crate::workspace_root()?;
    let generated = generate_all(&root)?;
    for (version, g) in &generated {
        for change in &g.changes {
            eprintln!("{}: {change}", version.spec);
        }
    }
    let files = all_files(&generated)?;
    if check {
        let stale = stale_files(&root, &files);
        if stale.is_empty() {
            eprintln!("codegen: generated code is up to date");
            return Ok(ExitCode::SUCCESS);
        }
        for path in &stale {
            eprintln!("stale: {}", path.display());
        }
        eprintln!("codegen: run `cargo xtask codegen` and commit the result");
        return Ok(ExitCode::FAILURE);
    }
    {
        for (path, contents) in &files {
            let full = root.join(path);
            if let Some(dir) = full.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let unchanged = std::fs::read_to_string(&full).ok().as_deref() == Some(contents);
            if !unchanged {
                std::fs::write(&full, contents)
                    .with_context(|| format!("cannot write {}", full.display()))?;
            }
            eprintln!(
                "{} {}",
                if unchanged { "unchanged" } else { "wrote" },
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests;
