//! HTTP plumbing: shared state, the router, and the gateway middleware that every request
//! passes (request ids, auth, rate limits, faults, error envelopes, common headers).
//! Resource handlers live in `v1`, `v2` and `admin`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};

use crate::config::{Faults, RateLimit};
use crate::error::ApiError;
use crate::routes::{RouteMatch, match_route};
use crate::search::AgentIndex;
use crate::store::Store;
use crate::util::random_alnum;
use crate::{admin, v1, v2};

pub(crate) type AppState = Arc<App>;

pub(crate) struct App {
    pub store: Store,
    pub api_key: String,
    pub stream_delay: Duration,
    pub max_body: usize,
    pub max_upload: usize,
    pub seed_demo: bool,
    /// Browser-pairing requests and the keys they minted.
    pub pairing: crate::pairing::Pairing,
    faults: RwLock<Faults>,
    /// Mirrors `!faults.is_empty()` so the hot path skips the lock and the clone.
    faults_active: AtomicBool,
    pub limiter: RateLimiter,
    indexes: Mutex<HashMap<String, Arc<AgentIndex>>>,
    index_gen: AtomicU64,
}

impl App {
    pub fn new(store: Store, api_key: String, cfg: &crate::EmulatorConfig) -> Self {
        Self {
            store,
            api_key,
            stream_delay: cfg.stream_delay,
            max_body: cfg.max_body_bytes,
            max_upload: cfg.max_upload_bytes,
            seed_demo: cfg.seed_demo,
            pairing: crate::pairing::Pairing::new(
                cfg.pairing_interval,
                cfg.pairing_expires_in,
                cfg.paired_key_lifetime,
            ),
            faults: RwLock::new(cfg.faults.clone()),
            faults_active: AtomicBool::new(!cfg.faults.is_empty()),
            limiter: RateLimiter::new(cfg.rate_limit),
            indexes: Mutex::new(HashMap::new()),
            index_gen: AtomicU64::new(0),
        }
    }

    pub fn faults(&self) -> Faults {
        if !self.faults_active.load(AtomicOrdering::Relaxed) {
            return Faults::default();
        }
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }

    pub fn set_faults(&self, faults: Faults) {
        let active = !faults.is_empty();
        if let Ok(mut f) = self.faults.write() {
            *f = faults;
        }
        self.faults_active.store(active, AtomicOrdering::Relaxed);
    }

    /// Forgets cached indexes after sources change.
    pub fn invalidate_index(&self, agent: &str) {
        self.index_gen.fetch_add(1, AtomicOrdering::SeqCst);
        if let Ok(mut m) = self.indexes.lock() {
            m.remove(agent);
        }
    }

    pub fn invalidate_all_indexes(&self) {
        self.index_gen.fetch_add(1, AtomicOrdering::SeqCst);
        if let Ok(mut m) = self.indexes.lock() {
            m.clear();
        }
    }

    /// The agent's search index, built from its trained sources on first use.
    pub async fn index(&self, agent: &str) -> Result<Arc<AgentIndex>, ApiError> {
        if let Some(idx) = self.indexes.lock().ok().and_then(|m| m.get(agent).cloned()) {
            return Ok(idx);
        }
        let generation = self.index_gen.load(AtomicOrdering::SeqCst);
        let agent_id = agent.to_string();
        let texts = self
            .store
            .run(move |db| v2::sources::indexable_texts(db, &agent_id))
            .await?;
        let idx = tokio::task::spawn_blocking(move || Arc::new(AgentIndex::build(&texts)))
            .await
            .map_err(|e| ApiError::internal(format!("index build failed: {e}")))?;
        // Only cache when no source changed while building; otherwise the next call rebuilds.
        if self.index_gen.load(AtomicOrdering::SeqCst) == generation
            && let Ok(mut m) = self.indexes.lock()
        {
            m.insert(agent.to_string(), idx.clone());
        }
        Ok(idx)
    }
}

/// Fixed-window counter per key, O(1) per request. A window opens with a key's first
/// request and lasts `window`; when it ends the whole budget is back, so a client that waits
/// for `Retry-After` (or until `X-RateLimit-Reset`) finds a fresh budget.
pub(crate) struct RateLimiter {
    cfg: Option<RateLimit>,
    origin: Instant,
    origin_unix_ms: u128,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    start: Duration,
    used: u32,
}

pub(crate) struct RateInfo {
    limit: u32,
    remaining: u32,
    /// End of the current window, Unix seconds (rounded up, so the window is over by then).
    reset_unix_secs: u128,
    retry_after_secs: Option<u64>,
}

impl RateLimiter {
    fn new(cfg: Option<RateLimit>) -> Self {
        let origin_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Self {
            cfg: cfg.filter(|c| c.requests > 0 && !c.window.is_zero()),
            origin: Instant::now(),
            origin_unix_ms,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn clear(&self) {
        if let Ok(mut b) = self.buckets.lock() {
            b.clear();
        }
    }

    /// Counts one request for `key` (when `consume`) and reports the budget.
    fn check(&self, key: &str, consume: bool) -> Option<RateInfo> {
        let cfg = self.cfg?;
        let now = self.origin.elapsed();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            start: now,
            used: 0,
        });
        if now >= b.start + cfg.window {
            b.start = now;
            b.used = 0;
        }
        let end = b.start + cfg.window;
        let reset_unix_secs = (self.origin_unix_ms + end.as_millis()).div_ceil(1000);
        if consume && b.used >= cfg.requests {
            // Whole seconds, rounded up: waiting this long always reaches the next window.
            let wait = end.saturating_sub(now);
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Some(RateInfo {
                limit: cfg.requests,
                remaining: 0,
                reset_unix_secs,
                retry_after_secs: Some(secs.max(1)),
            });
        }
        if consume {
            b.used += 1;
        }
        Some(RateInfo {
            limit: cfg.requests,
            remaining: cfg.requests.saturating_sub(b.used),
            reset_unix_secs,
            retry_after_secs: None,
        })
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
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

async fn gateway(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = format!("req_{}", random_alnum(16).to_ascii_lowercase());
    let path = req.uri().path().to_string();
    let is_v1 = path.starts_with("/api/v1/") || path == "/api/v1";
    let is_admin = path.starts_with("/_emulator");
    let key_ok = bearer(&req)
        .map(|k| constant_time_eq(k.as_bytes(), app.api_key.as_bytes()) || app.pairing.accepts(k));
    let mut rate: Option<RateInfo> = None;

    let resp = 'handled: {
        if is_admin {
            if key_ok != Some(true) {
                break 'handled ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    if key_ok.is_none() {
                        "AUTH_MISSING_API_KEY"
                    } else {
                        "AUTH_INVALID_API_KEY"
                    },
                    "The admin API needs the emulator's API key",
                )
                .into_response();
            }
            break 'handled next.run(req).await;
        }
        let op = match match_route(req.method().as_str(), &path, is_multipart(&req)) {
            RouteMatch::Found(op) => op,
            RouteMatch::MethodNotAllowed => {
                break 'handled ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "METHOD_NOT_ALLOWED",
                    format!("{} is not allowed on {path}", req.method()),
                )
                .into_response();
            }
            RouteMatch::NotFound => {
                break 'handled ApiError::not_found(
                    "RESOURCE_NOT_FOUND",
                    format!("No route for {} {path}", req.method()),
                )
                .into_response();
            }
        };
        // Pairing is how a client without a key gets one.
        if !matches!(op, "getHealth" | "createCliPairing" | "exchangeCliPairing") {
            match key_ok {
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
        let faults = app.faults();
        if !faults.is_empty() {
            if faults.latency_ms > 0 {
                tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
            }
            if faults
                .resets
                .iter()
                .any(|f| op_targets(&f.operation, op) && fastrand::f64() < f.rate)
            {
                return connection_reset();
            }
            if let Some(f) = faults
                .errors
                .iter()
                .find(|f| op_targets(&f.operation, op) && fastrand::f64() < f.rate)
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
        let req = match checked_body(&app, if is_v1 { "v1" } else { "v2" }, op, req).await {
            Ok(req) => req,
            Err(e) => break 'handled e.into_response(),
        };
        next.run(req).await
    };
    if rate.is_none() && !is_admin {
        rate = app.limiter.check(&app.api_key, false);
    }
    finish(resp, &request_id, is_v1, rate)
}

/// Holds a JSON body to the operation's request schema in `openapi/` (see `spec`): the
/// handler gets the body with undeclared keys removed, or the client gets a 400/413.
async fn checked_body(
    app: &App,
    version: &str,
    op: &str,
    req: Request,
) -> Result<Request, ApiError> {
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

async fn not_found() -> Response {
    ApiError::not_found("RESOURCE_NOT_FOUND", "No such route").into_response()
}

pub(crate) fn router(app: AppState) -> Router {
    use v2::{agents, chat, conversations, helpdesk, misc, sources};
    let a = "/api/v2/agents/{agentId}";
    let v2 = Router::new()
        .route("/api/cli-pairing/me", get(misc::cli_pairing_me))
        .route("/api/cli-pairing/create", post(crate::pairing::create))
        .route("/api/cli-pairing/exchange", post(crate::pairing::exchange))
        .route("/api/cli-pairing/revoke", post(crate::pairing::revoke))
        .route("/api/v2/health", get(misc::health))
        .route("/api/v2/agents", get(agents::list).post(agents::create))
        .route(
            a,
            get(agents::get).put(agents::update).delete(agents::delete),
        )
        .route(&format!("{a}/styles"), put(agents::update_styles))
        .route(
            &format!("{a}/auto-retrain"),
            put(agents::update_auto_retrain),
        )
        .route(&format!("{a}/clone"), post(agents::clone))
        .route(&format!("{a}/train"), post(agents::train))
        .route(&format!("{a}/chat"), post(chat::chat))
        .route(
            &format!("{a}/conversations/{{conversationId}}/retry"),
            post(chat::retry),
        )
        .route(
            &format!("{a}/conversations/{{conversationId}}/tool-result"),
            post(chat::tool_result),
        )
        .route(
            &format!("{a}/voice/sessions"),
            post(misc::create_voice_session),
        )
        .route(&format!("{a}/conversations"), get(conversations::list))
        .route(
            &format!("{a}/conversations/export"),
            get(conversations::export),
        )
        .route(
            &format!("{a}/conversations/{{conversationId}}"),
            get(conversations::get).patch(conversations::update),
        )
        .route(
            &format!("{a}/conversations/{{conversationId}}/messages"),
            get(conversations::messages),
        )
        .route(
            &format!("{a}/conversations/{{conversationId}}/messages/{{messageId}}/feedback"),
            patch(conversations::feedback),
        )
        .route(
            &format!("{a}/users/{{userId}}/conversations"),
            get(conversations::user_conversations),
        )
        .route(&format!("{a}/sources/summary"), get(sources::summary))
        .route(
            &format!("{a}/sources"),
            get(sources::list).post(sources::create),
        )
        .route(
            &format!("{a}/sources/{{sourceId}}"),
            get(sources::get)
                .put(sources::update)
                .delete(sources::delete),
        )
        .route(
            &format!("{a}/sources/{{sourceId}}/restore"),
            post(sources::restore),
        )
        .route(
            &format!("{a}/whatsapp/templates"),
            get(misc::list_whatsapp_templates),
        )
        .route(
            &format!("{a}/whatsapp/messages/template"),
            post(misc::send_whatsapp_template),
        )
        .route(
            &format!("{a}/helpdesk/ticket-statuses"),
            get(helpdesk::list_statuses),
        )
        .route(&format!("{a}/helpdesk/teams"), get(helpdesk::list_teams))
        .route(
            &format!("{a}/helpdesk/tickets"),
            get(helpdesk::list).post(helpdesk::create),
        )
        .route(
            &format!("{a}/helpdesk/tickets/search"),
            post(helpdesk::search),
        )
        .route(
            &format!("{a}/helpdesk/tickets/{{ticketNumber}}"),
            get(helpdesk::get).patch(helpdesk::update),
        )
        .route(
            &format!("{a}/helpdesk/tickets/{{ticketNumber}}/messages"),
            get(helpdesk::messages).post(helpdesk::create_message),
        );
    let c = "/api/v1/chatbots/{chatbotId}";
    let v1 = Router::new()
        .route("/api/v1/chat", post(v1::chat))
        .route("/api/v1/create-chatbot", post(v1::create_chatbot))
        .route("/api/v1/get-chatbots", get(v1::list_chatbots))
        .route("/api/v1/get-conversations", get(v1::list_conversations))
        .route("/api/v1/get-leads", get(v1::list_leads))
        .route("/api/v1/delete-chatbot", delete(v1::delete_chatbot))
        .route("/api/v1/update-chatbot-data", post(v1::update_chatbot_data))
        .route(
            "/api/v1/update-chatbot-settings",
            post(v1::update_chatbot_settings),
        )
        .route("/api/v1/upload-chatbot-icon", post(v1::upload_icon))
        .route(
            "/api/v1/upload-chatbot-profile-picture",
            post(v1::upload_profile_picture),
        )
        .route("/api/v1/delete-chatbot-icon", delete(v1::delete_icon))
        .route(
            "/api/v1/delete-chatbot-profile-picture",
            delete(v1::delete_profile_picture),
        )
        .route(
            &format!("{c}/contacts"),
            get(v1::list_contacts).post(v1::create_contacts),
        )
        .route(
            &format!("{c}/contacts/{{contactId}}"),
            get(v1::get_contact)
                .patch(v1::update_contact)
                .delete(v1::delete_contact),
        )
        .route(
            &format!("{c}/custom-attributes"),
            get(v1::list_custom_attributes).post(v1::create_custom_attribute),
        )
        .route(
            &format!("{c}/custom-attributes/{{name}}"),
            put(v1::update_custom_attribute),
        );
    let admin = Router::new()
        .route(
            "/_emulator/faults",
            get(admin::get_faults)
                .put(admin::put_faults)
                .delete(admin::clear_faults),
        )
        .route("/_emulator/reset", post(admin::reset))
        .route("/_emulator/info", get(admin::info))
        .route("/_emulator/pairing", get(crate::pairing::admin_list))
        .route(
            "/_emulator/pairing/{userCode}/{action}",
            post(crate::pairing::admin_act),
        )
        .route("/_emulator/agents/{agentId}/leads", post(admin::add_lead))
        .route(
            "/_emulator/agents/{agentId}/conversations",
            post(admin::seed_conversations),
        );
    let body_limit = app.max_upload.max(app.max_body) + 64 * 1024;
    v2.merge(v1)
        .merge(admin)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(app.clone(), gateway))
        .with_state(app)
}
