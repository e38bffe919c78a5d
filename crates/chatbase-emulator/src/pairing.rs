//! The browser-pairing (device-code) login the official CLI uses, outside the published spec at the host root:
//! `POST /api/cli-pairing/create`, `POST /api/cli-pairing/exchange`, `POST /api/cli-pairing/revoke` and the
//! paired-key view of `GET /api/cli-pairing/me`, plus the admin routes under `/_emulator/pairing` that play the
//! user in the browser (approve, deny, ask the client to slow down) and show how the client polled.
//! Create and exchange need no key; revoke and me take the key being asked about.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::JsonObject;
use crate::state::{AppState, Decision, PairedKey, PairingRequest};
use crate::util::{V, random_alnum};

/// Permissions a paired key carries: scoped, unlike the emulator's full key.
const PAIRED_PERMISSIONS: &[&str] = &[
    "agents:read",
    "agents:write",
    "sources:read",
    "sources:write",
    "chatlogs:write",
];

/// A poll that arrives sooner than this share of the current interval is answered `PAIRING_SLOW_DOWN`
/// (RFC 8628 §3.5); the slack keeps scheduling jitter from counting as impatience.
const TOO_FAST_SHARE: f64 = 0.8;

fn secs(d: Duration) -> Value {
    // Whole seconds stay integers, as the service sends them; a test emulator may hand out fractions.
    if d.subsec_nanos() == 0 {
        json!(d.as_secs())
    } else {
        json!(d.as_secs_f64())
    }
}

fn user_code() -> String {
    let a = random_alnum(4).to_ascii_uppercase();
    let b = random_alnum(4).to_ascii_uppercase();
    format!("{a}-{b}")
}

/// `POST /api/cli-pairing/create {device_name}`: a device code for the client, a user code for the browser.
pub(crate) async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let device_name = v.str("device_name", false, 0, 255).unwrap_or_default();
    v.finish()?;
    let p = &app.pairing;
    let device_code = random_alnum(40);
    let code = user_code();
    let now = Instant::now();
    p.lock().requests.insert(
        device_code.clone(),
        PairingRequest {
            user_code: code.clone(),
            device_name,
            created: now,
            expires: now + p.expires_in,
            decision: Decision::Pending,
            interval: p.interval,
            slow_down_next: false,
            last_poll: None,
            polls: Vec::new(),
        },
    );
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let uri = format!("http://{host}/activate");
    Ok(Json(json!({
        "device_code": device_code,
        "user_code": code,
        "verification_uri": uri,
        "verification_uri_complete": format!("{uri}?code={code}"),
        "expires_in": secs(p.expires_in),
        "interval": secs(p.interval),
    })))
}

fn pairing_error(status: StatusCode, code: &str, message: &str) -> ApiError {
    ApiError::new(status, code, message)
}

/// `POST /api/cli-pairing/exchange {device_code}`: pending, slow down, denied, expired, or the minted key.
pub(crate) async fn exchange(
    State(app): State<AppState>,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let device_code = v.str("device_code", true, 1, 200).unwrap_or_default();
    v.finish()?;
    let mut inner = app.pairing.lock();
    let Some(req) = inner.requests.get_mut(&device_code) else {
        return Err(pairing_error(
            StatusCode::NOT_FOUND,
            "PAIRING_NOT_FOUND",
            "No pairing request has this device code",
        ));
    };
    let now = Instant::now();
    let at = now.duration_since(req.created).as_millis();
    if now >= req.expires {
        req.polls.push((at, "PAIRING_EXPIRED"));
        return Err(pairing_error(
            StatusCode::GONE,
            "PAIRING_EXPIRED",
            "The pairing request has expired",
        ));
    }
    let too_fast = req.last_poll.is_some_and(|last| {
        now.duration_since(last).as_secs_f64() < req.interval.as_secs_f64() * TOO_FAST_SHARE
    });
    req.last_poll = Some(now);
    match req.decision {
        Decision::Exchanged => Err(pairing_error(
            StatusCode::BAD_REQUEST,
            "PAIRING_ALREADY_USED",
            "This device code has already been exchanged for a key",
        )),
        Decision::Denied => {
            req.polls.push((at, "PAIRING_DENIED"));
            Err(pairing_error(
                StatusCode::FORBIDDEN,
                "PAIRING_DENIED",
                "The pairing request was denied",
            ))
        }
        Decision::Pending if too_fast || req.slow_down_next => {
            req.slow_down_next = false;
            req.interval = req.interval.saturating_mul(2);
            req.polls.push((at, "PAIRING_SLOW_DOWN"));
            Err(pairing_error(
                StatusCode::BAD_REQUEST,
                "PAIRING_SLOW_DOWN",
                "Polling too fast; wait twice as long between requests",
            ))
        }
        Decision::Pending => {
            req.polls.push((at, "PAIRING_PENDING"));
            Err(pairing_error(
                StatusCode::BAD_REQUEST,
                "PAIRING_PENDING",
                "Waiting for the user to approve the request",
            ))
        }
        Decision::Approved => {
            req.decision = Decision::Exchanged;
            req.polls.push((at, "OK"));
            let key = format!("cbpair_{}", random_alnum(32));
            let workspace_id = "emulator-workspace".to_owned();
            let now = chrono::Utc::now();
            let expires_at = now
                .checked_add_signed(app.pairing.key_lifetime)
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
            inner.keys.insert(
                key.clone(),
                PairedKey {
                    workspace_id: workspace_id.clone(),
                    expires_at,
                },
            );
            Ok(Json(json!({
                "api_key": key,
                "workspace": {"id": workspace_id, "name": "Chatbase emulator"},
            })))
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `POST /api/cli-pairing/revoke`: revokes the paired key that authenticates the request. A pasted key is
/// refused: it is managed in the dashboard and may be shared with CI.
pub(crate) async fn revoke(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let key = bearer(&headers).unwrap_or_default();
    if app.pairing.lock().keys.remove(key).is_some() {
        return Ok(Json(json!({"revoked": true})));
    }
    Err(pairing_error(
        StatusCode::BAD_REQUEST,
        "PAIRING_NOT_PAIRED_KEY",
        "Only keys created by CLI pairing can be revoked here",
    ))
}

/// The `credential` part of `GET /api/cli-pairing/me` for a paired key; `None` for the emulator's own key.
pub(crate) fn paired_credential(app: &AppState, headers: &HeaderMap) -> Option<Value> {
    let key = bearer(headers)?;
    let inner = app.pairing.lock();
    let k = inner.keys.get(key)?;
    Some(json!({
        "source": "pairing",
        "workspaceId": k.workspace_id,
        "expiresAt": k.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "permissions": PAIRED_PERMISSIONS,
    }))
}

/// `GET /_emulator/pairing`: every request, how the client polled it, and how many keys are live.
pub(crate) async fn admin_list(State(app): State<AppState>) -> Json<Value> {
    let inner = app.pairing.lock();
    let mut requests: Vec<_> = inner.requests.values().collect();
    requests.sort_by_key(|r| r.created);
    let list: Vec<Value> = requests
        .iter()
        .map(|r| {
            json!({
                "userCode": r.user_code,
                "deviceName": r.device_name,
                "status": r.decision.as_str(),
                "intervalMs": r.interval.as_millis(),
                "polls": r.polls.iter().map(|(ms, code)| json!({"atMs": ms, "answer": code})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({"requests": list, "pairedKeys": inner.keys.len()}))
}

/// `POST /_emulator/pairing/{userCode}/{action}` with action `approve`, `deny` or `slow-down`.
pub(crate) async fn admin_act(
    State(app): State<AppState>,
    axum::extract::Path((code, action)): axum::extract::Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let mut inner = app.pairing.lock();
    let Some(req) = inner
        .requests
        .values_mut()
        .find(|r| r.user_code.eq_ignore_ascii_case(&code))
    else {
        return Err(ApiError::not_found(
            "PAIRING_NOT_FOUND",
            format!("No open pairing request has user code {code}"),
        ));
    };
    if req.decision == Decision::Exchanged {
        return Err(ApiError::conflict(
            "PAIRING_ALREADY_USED",
            format!("The request with user code {code} has already been exchanged"),
        ));
    }
    match action.as_str() {
        "approve" => req.decision = Decision::Approved,
        "deny" => req.decision = Decision::Denied,
        "slow-down" => req.slow_down_next = true,
        other => {
            return Err(ApiError::invalid_field(
                "action",
                format!("Unknown action {other:?}; use approve, deny or slow-down"),
            ));
        }
    }
    Ok(Json(
        json!({"userCode": req.user_code, "status": req.decision.as_str()}),
    ))
}

/// Every scope a Chatbase API key can hold (`x-mcp.scopes` in the v2 spec); the emulator's
/// key holds them all.
const KEY_PERMISSIONS: &[&str] = &[
    "agents:read",
    "agents:write",
    "agents:delete",
    "sources:read",
    "sources:write",
    "sources:delete",
    "chatlogs:write",
    "chatlogs:export",
    "helpdesk_tickets:read",
    "helpdesk_tickets:write",
];

/// `GET /api/cli-pairing/me` (outside the published v2 spec, at the host root): who the key
/// belongs to, as the official CLI's `auth status` reads it. The emulator's own key is a pasted
/// API key that does not expire; a key minted by browser pairing is scoped and expires.
pub(crate) async fn cli_pairing_me(
    State(app): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Json<Value> {
    let credential = paired_credential(&app, &headers).unwrap_or_else(|| {
        json!({
            "source": "api_key",
            "expiresAt": null,
            "permissions": KEY_PERMISSIONS,
        })
    });
    Json(json!({
        "workspace": {"id": "emulator-workspace", "name": "Chatbase emulator"},
        "plan": "standard",
        "credential": credential,
    }))
}
