//! The untyped escape hatch: any method and path with an optional JSON body, sent with the
//! client's auth, retries, deadline and error mapping (the CLI's `api` command uses it).
//! Typed access to documented operations lives in the resource handles instead.
//!
//! ```no_run
//! # async fn demo(client: chatbase::Client) -> chatbase::Result<()> {
//! let body = client
//!     .request(chatbase::Method::GET, "/agents")
//!     .query("limit", "5")
//!     .max_retries(0)
//!     .send()
//!     .await?;
//! println!("{}", body["data"]);
//! # Ok(()) }
//! ```

use bytes::Bytes;
use reqwest::Method;
use serde_json::Value;

use crate::client::{Client, Op, Response};
use crate::error::{Error, Result, decode_json};
use crate::options::RequestOptions;

/// A request built by [`Client::request`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct RawRequest {
    client: Client,
    method: Method,
    url: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    options: RequestOptions,
}

impl Client {
    /// A free-form request. `path` is relative to the v2 base (`/agents` → `…/api/v2/agents`)
    /// unless it starts with `/api/` (then relative to the host root) or is a full `http(s)` URL.
    /// A full URL must be on one of the client's configured origins (the v2, v1 or files base):
    /// the request carries the API key, so anything else fails with [`Error::InvalidInput`]
    /// before a byte is sent.
    /// POSTs are treated as credit-spending for retries; other methods as idempotent.
    pub fn request(&self, method: Method, path: &str) -> RawRequest {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else if path.starts_with("/api/") {
            let root = self
                .v2_base_url()
                .strip_suffix("/api/v2")
                .unwrap_or(self.v2_base_url());
            format!("{root}{path}")
        } else {
            format!("{}/{}", self.v2_base_url(), path.trim_start_matches('/'))
        };
        RawRequest {
            client: self.clone(),
            method,
            url,
            query: Vec::new(),
            body: None,
            options: RequestOptions::default(),
        }
    }
}

impl Client {
    /// Refuses a URL outside the configured origins, so the key only goes where it was meant to.
    fn check_origin(&self, url: &reqwest::Url) -> Result<()> {
        let allowed: Vec<_> = [
            self.v2_base_url(),
            self.v1_base_url(),
            self.files_base_url(),
        ]
        .into_iter()
        .filter_map(|base| reqwest::Url::parse(base).ok())
        .map(|base| base.origin())
        .collect();
        if allowed.contains(&url.origin()) {
            return Ok(());
        }
        let names: Vec<String> = allowed.iter().map(|o| o.ascii_serialization()).collect();
        Err(Error::invalid(format!(
            "refusing to send the API key to {}: a full URL must be on a configured API origin ({}); \
             pass a path such as `/agents` instead",
            url.origin().ascii_serialization(),
            names.join(", ")
        )))
    }
}

impl RawRequest {
    crate::options::request_options!();

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Sends and returns the body as the server sent it (any content type); a non-success status is an
    /// [`Error::Api`].
    pub async fn send_bytes(self) -> Result<Bytes> {
        Ok(self.send_bytes_with_response().await?.into_inner())
    }

    /// Like [`send_bytes`](Self::send_bytes), keeping status, headers and request id.
    pub async fn send_bytes_with_response(self) -> Result<Response<Bytes>> {
        let op = if self.method == Method::POST {
            Op::unsafe_("raw")
        } else {
            Op::safe("raw")
        };
        let parsed = reqwest::Url::parse(&self.url)
            .map_err(|e| Error::invalid(format!("invalid URL `{}`: {e}", self.url)))?;
        self.client.check_origin(&parsed)?;
        let (method, url, query, body) = (&self.method, &self.url, &self.query, &self.body);
        self.client
            .run_bytes(op, &self.options, |http| {
                let mut rb = http.request(method.clone(), url).query(query);
                if let Some(b) = body {
                    rb = rb.json(b);
                }
                Ok(rb)
            })
            .await
    }

    /// Sends and returns the decoded JSON body (`null` for an empty body); a body that is not JSON is an
    /// [`Error::Decode`].
    pub async fn send(self) -> Result<Value> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<Value>> {
        let resp = self.send_bytes_with_response().await?;
        let value = if resp.trim_ascii().is_empty() {
            Value::Null
        } else {
            decode_json::<Value>(resp.as_ref())?
        };
        Ok(resp.map(|_| value))
    }
}
