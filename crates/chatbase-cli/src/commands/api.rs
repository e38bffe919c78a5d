//! `chatbase api METHOD PATH`: any v2 request, for operations without a command. Query from `--query k=v`,
//! body from `--data`/`--body-json` and `-f/-F` fields; the response is printed as JSON.

use crate::cli::{ApiCmd, HttpMethod};
use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::input::{build_body, read_value};
use chatbase_api::v2::ClientInfo;
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
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Put => reqwest::Method::PUT,
        HttpMethod::Patch => reqwest::Method::PATCH,
        HttpMethod::Delete => reqwest::Method::DELETE,
    };
    // The SDK's generated client carries the auth header; the SDK has no public raw call yet.
    // Paths are relative to the v2 base; `/api/v1/…` and `/api/v2/…` are taken from the host root instead.
    let v2 = client.v2_base_url().trim_end_matches('/');
    let url = if path.starts_with("/api/v1/") || path.starts_with("/api/v2/") {
        format!("{}{}", v2.strip_suffix("/api/v2").unwrap_or(v2), path)
    } else {
        format!("{v2}{path}")
    };
    let mut req = client.raw_v2().client().request(method, url).query(&query);
    if let Some(b) = &body {
        req = req.json(b);
    }
    let resp = req.send().await.map_err(|e| {
        CliError::runtime(format!("network error: {}", e.without_url()))
            .with_code("NETWORK_ERROR")
            .with_hint("check --api-url / CHATBASE_API_URL; `chatbase health` tests reachability")
    })?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| CliError::runtime(format!("cannot read the response: {}", e.without_url())))?;
    if cmd.include {
        eprintln!("HTTP {}", status.as_u16());
        for (name, value) in &headers {
            if name == reqwest::header::AUTHORIZATION || name == reqwest::header::SET_COOKIE {
                continue;
            }
            eprintln!(
                "{}: {}",
                name,
                crate::sanitize::sanitize(value.to_str().unwrap_or("<binary>"))
            );
        }
    }
    let value: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    if !status.is_success() {
        return Err(api_error(status.as_u16(), &headers, &value));
    }
    let mut stdout = std::io::stdout().lock();
    match ctx.out.format {
        crate::cli::Format::Ndjson => ctx.out.object(&mut stdout, &value)?,
        _ => crate::output::Output::fixed(crate::cli::Format::Json).object(&mut stdout, &value)?,
    }
    Ok(())
}

/// The error envelope (`{error:{code,message,details}}`, or v1's `{message}`) as a CLI error.
fn api_error(status: u16, headers: &reqwest::header::HeaderMap, body: &Value) -> CliError {
    let err = body.get("error").unwrap_or(body);
    let code = err
        .get("code")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("HTTP_{status}"));
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("request failed with status {status}"));
    let kind = if status == 401 || code.starts_with("AUTH_") {
        crate::error::ExitKind::Auth
    } else if status == 429 {
        crate::error::ExitKind::RateLimited
    } else {
        crate::error::ExitKind::Runtime
    };
    let retry = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    CliError {
        kind,
        hint: CliError::hint_for(Some(&code), Some(status), retry),
        message,
        code: Some(code),
        status: Some(status),
        details: err
            .get("details")
            .cloned()
            .filter(|d| !d.is_null())
            .map(Box::new),
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}
