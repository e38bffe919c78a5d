//! `chatbase api METHOD PATH`: any v2 request, for operations without a command. Query from `--query k=v`,
//! body from `--data`/`--body-json` and `-f/-F` fields; the response is printed as JSON.

pub mod args;

use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::input::{build_body, read_value};
use args::{ApiCmd, HttpMethod};
use serde_json::Value;

pub async fn run(ctx: &Ctx, cmd: ApiCmd) -> Result<()> {
    let client = ctx.client()?;
    let path = if cmd.path.starts_with('/') {
        cmd.path.clone()
    } else {
        format!("/{}", cmd.path)
    };
    let mut query = Vec::new();
    for q in &cmd.query {
        let (k, v) = q
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--query {q:?} must look like key=value")))?;
        query.push((k.to_owned(), v.to_owned()));
    }
    let mut body_args = cmd.body.clone();
    if let Some(b) = &cmd.body_json {
        body_args.data = Some(b.clone());
    }
    let has_body = body_args.data.is_some()
        || !body_args.fields.is_empty()
        || !body_args.typed_fields.is_empty();
    let body = if !has_body {
        None
    } else if body_args.fields.is_empty() && body_args.typed_fields.is_empty() {
        let text = read_value(body_args.data.as_deref().unwrap_or("{}"))?;
        Some(
            serde_json::from_str::<Value>(&text)
                .map_err(|e| CliError::usage(format!("the body is not valid JSON: {e}")))?,
        )
    } else {
        Some(Value::Object(build_body(
            &body_args,
            serde_json::Map::new(),
        )?))
    };
    let method = match cmd.method {
        HttpMethod::Get => chatbase::Method::GET,
        HttpMethod::Post => chatbase::Method::POST,
        HttpMethod::Put => chatbase::Method::PUT,
        HttpMethod::Patch => chatbase::Method::PATCH,
        HttpMethod::Delete => chatbase::Method::DELETE,
    };
    // The SDK's escape hatch carries auth, retries and error mapping. Paths are relative to
    // the v2 base; `/api/v1/…` and `/api/v2/…` are taken from the host root instead.
    let mut request = client.request(method, &path);
    for (k, v) in query {
        request = request.query(k, v);
    }
    if let Some(b) = body {
        request = request.json(b);
    }
    let resp = request.send_bytes_with_response().await?;
    if cmd.include {
        eprintln!("HTTP {}", resp.status().as_u16());
        for (name, value) in resp.headers() {
            if name == "authorization" || name == "set-cookie" {
                continue;
            }
            eprintln!(
                "{}: {}",
                name,
                crate::sanitize::sanitize(value.to_str().unwrap_or("<binary>"))
            );
        }
    }
    let bytes = resp.into_inner();
    let mut stdout = std::io::stdout().lock();
    let format = match ctx.out.format {
        crate::output::Format::Ndjson => crate::output::Format::Ndjson,
        _ => crate::output::Format::Json,
    };
    // A JSON answer is printed as the server sent it (re-laid out, never re-encoded); anything else as a string.
    if let Ok(raw) = serde_json::from_slice::<Box<serde_json::value::RawValue>>(&bytes) {
        crate::output::Output::fixed(format).object_raw(&mut stdout, &raw)?;
        return Ok(());
    }
    let value: Value = if bytes.trim_ascii().is_empty() {
        Value::Null
    } else {
        Value::String(String::from_utf8_lossy(&bytes).into_owned())
    };
    crate::output::Output::fixed(format).object(&mut stdout, &value)?;
    Ok(())
}
