//! Browser login (`auth login --browser`): the device-code pairing flow on the API host
//! (`POST /api/cli-pairing/create`, then `POST /api/cli-pairing/exchange` every `interval` until the user
//! approves, denies, or the request expires), and the revoke of a paired key on logout. Create and exchange are
//! unauthenticated, so they go out on a plain HTTP client that carries no key; revoke goes through the SDK.

use crate::config::{ApiKey, Resolved};
use crate::context::Ctx;
use crate::error::{CliError, Result};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The interval when the service names none, and the cap on any interval (slow-downs included).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// The expiry when the service names none, and the longest the CLI waits whatever the service says.
const DEFAULT_EXPIRY: Duration = Duration::from_secs(900);
const MAX_EXPIRY: Duration = Duration::from_secs(3600);

/// What `create` hands back. No `Debug`: the device code is what the key is exchanged for.
struct Request {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_in: Duration,
    interval: Duration,
}

/// The key and workspace a successful exchange returns.
pub(crate) struct Paired {
    pub key: ApiKey,
    pub workspace_id: Option<String>,
    pub workspace_name: Option<String>,
}

/// One answer of the service: a JSON body, an error envelope, or no answer at all.
enum Reply {
    Ok(Value),
    Api {
        status: u16,
        code: Option<String>,
        message: String,
    },
    Network(String),
}

/// Seconds from the service as a bounded duration: a missing, negative, non-finite or zero value takes
/// `default`; anything above `max` is capped.
fn seconds(v: &Value, default: Duration, max: Duration) -> Duration {
    match v.as_f64() {
        Some(s) if s.is_finite() && s > 0.0 => {
            Duration::try_from_secs_f64(s.min(max.as_secs_f64())).unwrap_or(default)
        }
        _ => default,
    }
}

fn device_name() -> String {
    ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|s| !s.trim().is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "chatbase-rs CLI".to_owned())
}

/// The host root the pairing routes live on (the API URL without `/api/v2`).
fn root(api_url: &Resolved<String>) -> String {
    let r = api_url.value.trim_end_matches('/');
    r.strip_suffix("/api/v2").unwrap_or(r).to_owned()
}

async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Reply {
    let sent = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => return Reply::Network(network_text(e)),
    };
    let status = resp.status().as_u16();
    let bytes = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => return Reply::Network(network_text(e)),
    };
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status < 400 {
        return Reply::Ok(v);
    }
    let code = v["error"]["code"].as_str().map(str::to_owned);
    let message = v["error"]["message"]
        .as_str()
        .or_else(|| v["message"].as_str())
        .map_or_else(
            || format!("request failed with status {status}"),
            str::to_owned,
        );
    Reply::Api {
        status,
        code,
        message,
    }
}

fn network_text(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out (CHATBASE_TIMEOUT / `config set timeout`)".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        // Without the URL: it is the API host the user configured, nothing secret, but noisy.
        e.without_url().to_string()
    }
}

fn api_error(status: u16, code: Option<String>, message: String) -> CliError {
    let mut e = CliError::runtime(message);
    e.status = Some(status);
    e.code = code;
    e
}

fn expired(waited: Duration, last_network: Option<&str>) -> CliError {
    let mut msg = format!(
        "the pairing request expired after {} s without approval",
        waited.as_secs()
    );
    if let Some(n) = last_network {
        msg.push_str(&format!(" (last network error: {n})"));
    }
    CliError::auth(msg)
        .with_code("PAIRING_EXPIRED")
        .with_hint("run `chatbase auth login --browser` again and approve the code in time")
}

fn gave_up(waited: Duration, last_network: Option<&str>) -> CliError {
    let mut msg = format!(
        "stopped waiting for approval after {} s (--wait)",
        waited.as_secs()
    );
    if let Some(n) = last_network {
        msg.push_str(&format!(" (last network error: {n})"));
    }
    CliError::auth(msg)
        .with_code("TIMEOUT")
        .with_hint("raise --wait, or leave it out to wait until the code expires")
}

/// Runs the whole browser flow and returns the minted key; `wait` (`--wait`) stops earlier than the expiry.
pub(crate) async fn login(ctx: &Ctx, wait: Option<Duration>) -> Result<Paired> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(ctx.settings.timeout.value.max(1)))
        .user_agent(format!("chatbase-cli/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CliError::runtime(format!("cannot start the HTTP client: {e}")))?;
    let base = root(&ctx.settings.api_url);
    let req = match post(
        &http,
        &format!("{base}/api/cli-pairing/create"),
        &json!({"device_name": device_name()}),
    )
    .await
    {
        Reply::Ok(v) => parse_request(&v)?,
        Reply::Api {
            status,
            code,
            message,
        } => {
            return Err(api_error(status, code, message).with_hint(
                "this service may not offer browser login; use `chatbase auth login --with-token`",
            ));
        }
        Reply::Network(e) => {
            return Err(CliError::runtime(format!("cannot reach {base}: {e}"))
                .with_code("NETWORK_ERROR")
                .with_hint("check the connection and --api-url / CHATBASE_API_URL"));
        }
    };
    let url = req
        .verification_uri_complete
        .clone()
        .unwrap_or_else(|| req.verification_uri.clone());
    // The code and URL are data the user acts on: shown even with -q, stripped of control sequences.
    let url = crate::sanitize::sanitize(&url).into_owned();
    eprintln!(
        "Your one-time code: {}\nApprove it at: {url}",
        crate::sanitize::sanitize(&req.user_code)
    );
    if crate::commands::docs::open_in_browser(ctx, &url) {
        ctx.out.note("Opened the page in your browser.");
    }
    ctx.out.note(format!(
        "Waiting for approval (expires in {} s)…",
        req.expires_in.as_secs()
    ));
    poll(ctx, &http, &base, &req, wait).await
}

fn parse_request(v: &Value) -> Result<Request> {
    let text = |k: &str| v[k].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let missing = |k: &str| {
        CliError::runtime(format!(
            "unexpected answer to POST /api/cli-pairing/create: no `{k}`"
        ))
    };
    Ok(Request {
        device_code: text("device_code").ok_or_else(|| missing("device_code"))?,
        user_code: text("user_code").ok_or_else(|| missing("user_code"))?,
        verification_uri: text("verification_uri").ok_or_else(|| missing("verification_uri"))?,
        verification_uri_complete: text("verification_uri_complete"),
        expires_in: seconds(&v["expires_in"], DEFAULT_EXPIRY, MAX_EXPIRY),
        interval: seconds(&v["interval"], DEFAULT_INTERVAL, MAX_INTERVAL),
    })
}

async fn poll(
    ctx: &Ctx,
    http: &reqwest::Client,
    base: &str,
    req: &Request,
    wait: Option<Duration>,
) -> Result<Paired> {
    let started = Instant::now();
    let by_wait = wait.is_some_and(|w| w < req.expires_in);
    let deadline = started + wait.map_or(req.expires_in, |w| w.min(req.expires_in));
    let mut interval = req.interval;
    let mut last_network: Option<String> = None;
    let url = format!("{base}/api/cli-pairing/exchange");
    let body = json!({"device_code": req.device_code});
    loop {
        // Wait first: the user needs time to approve, and the service counts polls from creation.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            if by_wait {
                return Err(gave_up(started.elapsed(), last_network.as_deref()));
            }
            return Err(expired(started.elapsed(), last_network.as_deref()));
        }
        tokio::time::sleep(interval.min(left)).await;
        match post(http, &url, &body).await {
            Reply::Ok(v) => return parse_paired(&v),
            Reply::Network(e) => {
                // Tolerated until the deadline: a laptop changing networks must not end the login.
                tracing::debug!("pairing poll failed: {e}");
                last_network = Some(e);
            }
            Reply::Api {
                status,
                code,
                message,
            } => match code.as_deref() {
                Some("PAIRING_PENDING") => {}
                Some("PAIRING_SLOW_DOWN") => {
                    interval = interval.saturating_mul(2).min(MAX_INTERVAL);
                    ctx.out.note(format!(
                        "The service asked to slow down; polling every {} ms.",
                        interval.as_millis()
                    ));
                }
                Some("PAIRING_DENIED") => {
                    return Err(CliError::auth("the pairing request was denied in the browser")
                        .with_code("PAIRING_DENIED")
                        .with_hint("nothing was stored; run `chatbase auth login --browser` to try again"));
                }
                Some("PAIRING_EXPIRED") => {
                    return Err(expired(started.elapsed(), last_network.as_deref()));
                }
                _ => return Err(api_error(status, code, message)),
            },
        }
    }
}

fn parse_paired(v: &Value) -> Result<Paired> {
    let key = v["api_key"]
        .as_str()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            CliError::runtime("unexpected answer to POST /api/cli-pairing/exchange: no `api_key`")
        })?;
    Ok(Paired {
        key: ApiKey::new(key),
        workspace_id: v["workspace"]["id"].as_str().map(str::to_owned),
        workspace_name: v["workspace"]["name"].as_str().map(str::to_owned),
    })
}

/// Revokes a paired key on the service (`POST /api/cli-pairing/revoke`, authenticated by that key).
pub(crate) async fn revoke(ctx: &Ctx, key: &ApiKey) -> Result<()> {
    let client = crate::context::build_client(
        key,
        &ctx.settings.api_url,
        Duration::from_secs(ctx.settings.timeout.value),
    )?;
    client
        .request(chatbase::Method::POST, "/api/cli-pairing/revoke")
        .max_retries(0)
        .send()
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_from_the_service_are_bounded() {
        let d = DEFAULT_INTERVAL;
        assert_eq!(seconds(&json!(2), d, MAX_INTERVAL), Duration::from_secs(2));
        assert_eq!(
            seconds(&json!(0.05), d, MAX_INTERVAL),
            Duration::from_millis(50)
        );
        for bad in [
            json!(-1),
            json!(0),
            json!("5"),
            Value::Null,
            json!(f64::MAX),
        ] {
            let got = seconds(&bad, d, MAX_INTERVAL);
            assert!(got == d || got == MAX_INTERVAL, "{bad} gave {got:?}");
        }
        assert_eq!(seconds(&json!(1e300), d, MAX_INTERVAL), MAX_INTERVAL);
    }
}
