//! The gateway middleware, in two layers: [`envelope`] around routing (request ids, the admin key, error
//! envelopes and common headers for every answer) and [`guard`] on every API route, which knows the
//! route's operation (auth, rate limits, faults, the body check against the operation's schema).

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chatbase_api::operations::OperationId;

use crate::error::ApiError;
use crate::ops::RouteOp;
use crate::state::{App, AppState, RateInfo};
use crate::util::{is_multipart, random_alnum};

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A response whose body fails at once: hyper drops the connection before the status
/// line is written, which clients see as a reset.
fn connection_reset() -> Response {
    let stream = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "emulated connection reset",
        ))
    });
    Response::new(Body::from_stream(stream))
}

fn op_targets(target: &Option<String>, op: &str) -> bool {
    target.as_deref().is_none_or(|t| t == op || t == "*")
}

/// Whether the request carries a key (`None`: no bearer token) and whether it is one the emulator accepts.
fn key_ok(app: &App, req: &Request) -> Option<bool> {
    bearer(req)
        .map(|k| constant_time_eq(k.as_bytes(), app.api_key.as_bytes()) || app.pairing.accepts(k))
}

/// Marks the emulated connection reset, which must reach hyper untouched.
#[derive(Clone, Copy)]
struct Reset;

/// The outer layer, on every route and on the fallbacks: a request id for every answer, the admin API's key check, and every
/// error rendered in the envelope of the API the path belongs to, with the rate-limit headers.
pub(crate) async fn envelope(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = format!("req_{}", random_alnum(16).to_ascii_lowercase());
    let path = req.uri().path();
    let is_v1 = path.starts_with("/api/v1/") || path == "/api/v1";
    let is_admin = path.starts_with("/_emulator");
    let key = if is_admin { key_ok(&app, &req) } else { None };
    let resp = if is_admin && key != Some(true) {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            if key.is_none() {
                "AUTH_MISSING_API_KEY"
            } else {
                "AUTH_INVALID_API_KEY"
            },
            "The admin API needs the emulator's API key",
        )
        .into_response()
    } else {
        next.run(req).await
    };
    if resp.extensions().get::<Reset>().is_some() {
        return resp;
    }
    let mut rate = resp.extensions().get::<RateInfo>().cloned();
    if rate.is_none() && !is_admin {
        rate = app.limiter.check(&app.api_key, false);
    }
    finish(resp, &request_id, is_v1, rate)
}

/// The inner layer of every API route, after routing: the key (unless the operation needs none), the rate
/// limit, injected faults for the operation, and the body check. The budget it counted travels to
/// [`envelope`] in the response's extensions.
pub(crate) async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let Some(op) = req.extensions().get::<RouteOp>().copied() else {
        return ApiError::internal("a route has no operation tag").into_response();
    };
    let mut rate: Option<RateInfo> = None;
    let mut resp = 'handled: {
        if op.needs_key() {
            match key_ok(&app, &req) {
                None => {
                    break 'handled ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "AUTH_MISSING_API_KEY",
                        "Authentication required",
                    )
                    .into_response();
                }
                Some(false) => {
                    break 'handled ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "AUTH_INVALID_API_KEY",
                        "Invalid API key",
                    )
                    .into_response();
                }
                Some(true) => {}
            }
            rate = app.limiter.check(&app.api_key, true);
            if let Some(r) = &rate
                && r.retry_after_secs.is_some()
            {
                break 'handled ApiError::for_status(StatusCode::TOO_MANY_REQUESTS).into_response();
            }
        }
        let name = op.name();
        let faults = app.faults();
        if !faults.is_empty() {
            if faults.latency_ms > 0 {
                tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
            }
            if faults
                .resets
                .iter()
                .any(|f| op_targets(&f.operation, name) && fastrand::f64() < f.rate)
            {
                let mut resp = connection_reset();
                resp.extensions_mut().insert(Reset);
                return resp;
            }
            if let Some(f) = faults
                .errors
                .iter()
                .find(|f| op_targets(&f.operation, name) && fastrand::f64() < f.rate)
            {
                let status =
                    StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut resp = ApiError::for_status(status).into_response();
                if status == StatusCode::TOO_MANY_REQUESTS {
                    // Injected 429s look like real ones, so client retry logic has a hint.
                    resp.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(1u32));
                }
                break 'handled resp;
            }
        }
        let req = match op {
            RouteOp::Api(id) => match checked_body(&app, id, req).await {
                Ok(req) => req,
                Err(e) => break 'handled e.into_response(),
            },
            RouteOp::Unpublished(_) => req,
        };
        next.run(req).await
    };
    if let Some(r) = rate {
        resp.extensions_mut().insert(r);
    }
    resp
}

/// Holds a JSON body to the operation's request schema in `openapi/` (see `spec`): the
/// handler gets the body with undeclared keys removed, or the client gets a 400/413.
async fn checked_body(app: &App, id: OperationId, req: Request) -> Result<Request, ApiError> {
    let (version, op) = (id.version().as_str(), id.operation_id());
    if is_multipart(&req) {
        return Ok(req);
    }
    let contract = crate::spec::contract().map_err(ApiError::internal)?;
    if contract.body_rule(version, op).is_none() {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "VALIDATION_INVALID_BODY",
            format!("Request body exceeds {} bytes", app.max_body),
        )
    };
    let bytes = axum::body::to_bytes(body, app.max_body.saturating_add(1))
        .await
        .map_err(|_| too_large())?;
    if bytes.len() > app.max_body {
        return Err(too_large());
    }
    let body = match contract.check_body(version, op, &bytes)? {
        Some(v) => Body::from(serde_json::to_vec(&v)?),
        None => Body::from(bytes),
    };
    Ok(Request::from_parts(parts, body))
}

fn finish(mut resp: Response, request_id: &str, is_v1: bool, rate: Option<RateInfo>) -> Response {
    let status = resp.status();
    if status.is_client_error() || status.is_server_error() {
        let api_err = resp.extensions().get::<ApiError>().cloned();
        let is_json = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let err = match api_err {
            Some(e) => Some(e),
            // Framework rejections (body limit, bad path or query) come as plain text.
            None if !is_json => Some(ApiError::for_status(status)),
            None => None,
        };
        if let Some(err) = err {
            let body = if is_v1 { err.v1_body() } else { err.v2_body() };
            let headers = std::mem::take(resp.headers_mut());
            resp = (status, axum::Json(body)).into_response();
            for (k, v) in headers.iter() {
                if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
                    resp.headers_mut().insert(k.clone(), v.clone());
                }
            }
        }
    }
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(HeaderName::from_static("x-request-id"), v);
    }
    if let Some(r) = rate {
        h.insert(
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderValue::from(r.limit),
        );
        h.insert(
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderValue::from(r.remaining),
        );
        if let Ok(v) = HeaderValue::from_str(&r.reset_unix_secs.to_string()) {
            h.insert(HeaderName::from_static("x-ratelimit-reset"), v);
        }
        if let Some(s) = r.retry_after_secs {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
    }
    resp
}
