//! Client configuration: API key, base URLs, timeouts, user agent, retry policy and the
//! `reqwest::Client` underneath. It builds the HTTP client (with a sensitive `Authorization`
//! header and no total timeout, so streams are never cut by a deadline); it does not send requests.

use std::fmt;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::idle::{StreamBounds, nonzero};
use crate::retry::RetryPolicy;

/// Default API host root; v2 lives under `/api/v2`, v1 under `/api/v1`.
pub const DEFAULT_API_URL: &str = "https://www.chatbase.co";
/// Default host for multipart file-source uploads.
pub const DEFAULT_FILES_URL: &str = "https://files.chatbase.co";

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(120);
/// No event for this long ends a stream: far above any real gap between two events of an answer, far below
/// "forever" for a server that only sends keep-alives.
pub const DEFAULT_STREAM_EVENT_TIMEOUT: Duration = Duration::from_secs(120);

/// Builder for [`Client`](crate::Client). Obtain one with [`Client::builder`](crate::Client::builder).
///
/// ```
/// use std::time::Duration;
/// let client = chatbase::Client::builder()
///     .api_key("sk-test")
///     .api_url("http://127.0.0.1:8080")
///     .connect_timeout(Duration::from_secs(5))
///     .read_timeout(Duration::from_secs(30))
///     .max_retries(3)
///     .build()?;
/// # Ok::<(), chatbase::Error>(())
/// ```
pub struct ClientBuilder {
    api_key: Option<SecretString>,
    api_url: String,
    v2_url: Option<String>,
    v1_url: Option<String>,
    files_url: Option<String>,
    user_agent: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Option<Duration>,
    stream_idle: Option<Duration>,
    stream_event: Duration,
    stream_deadline: Duration,
    retry: RetryPolicy,
    http: HttpSource,
}

enum HttpSource {
    Default,
    Builder(Box<reqwest::ClientBuilder>),
    Client(reqwest::Client),
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("api_url", &self.api_url)
            .field("v2_url", &self.v2_url)
            .field("v1_url", &self.v1_url)
            .field("files_url", &self.files_url)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("timeout", &self.timeout)
            .field("stream_idle", &self.stream_idle)
            .field("stream_event", &self.stream_event)
            .field("stream_deadline", &self.stream_deadline)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            api_url: DEFAULT_API_URL.to_owned(),
            v2_url: None,
            v1_url: None,
            files_url: None,
            user_agent: default_user_agent(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            timeout: Some(DEFAULT_TOTAL_TIMEOUT),
            stream_idle: None,
            stream_event: DEFAULT_STREAM_EVENT_TIMEOUT,
            stream_deadline: Duration::ZERO,
            retry: RetryPolicy::default(),
            http: HttpSource::Default,
        }
    }
}

fn default_user_agent() -> String {
    format!(
        "chatbase-rust/{} ({}-{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

impl ClientBuilder {
    /// The API key (`Authorization: Bearer …`). Kept as a [`SecretString`].
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// The API key as an already-wrapped secret.
    pub fn api_key_secret(mut self, key: SecretString) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Host root, e.g. `https://www.chatbase.co` or `http://127.0.0.1:8080` for the emulator.
    /// v2 is reached at `{root}/api/v2` and v1 at `{root}/api/v1`.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// Overrides the full v2 base URL (default `{api_url}/api/v2`).
    pub fn v2_base_url(mut self, url: impl Into<String>) -> Self {
        self.v2_url = Some(url.into());
        self
    }

    /// Overrides the full v1 base URL (default `{api_url}/api/v1`).
    pub fn v1_base_url(mut self, url: impl Into<String>) -> Self {
        self.v1_url = Some(url.into());
        self
    }

    /// Host root for file uploads. Default: `https://files.chatbase.co` while the API is the
    /// public one; the API's own host root when [`api_url`](Self::api_url) (or
    /// [`v2_base_url`](Self::v2_base_url)) points elsewhere, so an upload against an emulator or a
    /// proxy never sends the key and the file to the public files host.
    pub fn files_url(mut self, url: impl Into<String>) -> Self {
        self.files_url = Some(url.into());
        self
    }

    /// `User-Agent` header (default `chatbase-rust/<version> (<os>-<arch>)`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Time allowed to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Longest silence allowed between two reads of a response body (default 60 s). Also the stream idle timeout
    /// unless [`stream_idle_timeout`](Self::stream_idle_timeout) is set.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Stream transport idle: the longest silence on a streamed answer, and the longest wait for its response
    /// headers; any byte, keep-alive comments included, resets it (default: the read timeout, 60 s). Zero turns it
    /// off. Fires [`TimeoutKind::StreamIdle`](crate::TimeoutKind::StreamIdle).
    pub fn stream_idle_timeout(mut self, d: Duration) -> Self {
        self.stream_idle = Some(d);
        self
    }

    /// Stream event idle: the longest time a streamed answer may go without an event; comments such as `: ping`,
    /// `retry:` lines and empty blocks do not count (default 120 s). Zero turns it off. Fires
    /// [`TimeoutKind::EventIdle`](crate::TimeoutKind::EventIdle).
    pub fn stream_event_timeout(mut self, d: Duration) -> Self {
        self.stream_event = d;
        self
    }

    /// Overall deadline of a streamed answer, from the call to its last event, retries included (default: off;
    /// zero turns it off). Fires [`TimeoutKind::StreamDeadline`](crate::TimeoutKind::StreamDeadline).
    pub fn stream_deadline(mut self, d: Duration) -> Self {
        self.stream_deadline = d;
        self
    }

    /// Deadline for each attempt of a non-streaming call (default 120 s). Streams are bounded by the `stream_*`
    /// settings instead.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Removes the per-attempt deadline for non-streaming calls.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Retry policy for every call (per-call overrides: [`crate::RequestOptions`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Shorthand for changing only the retry count (`0` disables retries).
    pub fn max_retries(mut self, n: usize) -> Self {
        self.retry = self.retry.max_retries(n);
        self
    }

    /// Starts from a caller-configured `reqwest::ClientBuilder` (proxies, TLS roots, …); the SDK
    /// adds its default headers and timeouts on top.
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = HttpSource::Builder(Box::new(builder));
        self
    }

    /// Uses a ready-made `reqwest::Client` as-is. Its own timeouts apply. The SDK sets
    /// `Authorization` and `User-Agent` on every request it sends on it, over the client's
    /// default headers.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = HttpSource::Client(client);
        self
    }

    /// Checks the settings and resolves them into the configuration a client is made from (see
    /// `ClientBuilder::build` in [`crate::client`]).
    pub(crate) fn into_config(self) -> Result<Config> {
        let key = self
            .api_key
            .ok_or_else(|| Error::invalid("no API key configured (set CHATBASE_API_KEY)"))?;
        if key.expose_secret().trim().is_empty() {
            return Err(Error::invalid("the API key is empty"));
        }
        let auth = auth_header(&key)?;
        let ua = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            Error::invalid("user agent contains characters not allowed in a header")
        })?;
        // Plain-HTTP base URLs only (an emulator, a local proxy): the client never speaks TLS, so the system's
        // root certificates (a few hundred files) are not read at start-up.
        let mut root = self.api_url.trim_end_matches('/');
        // Accept a versioned URL too (`…/api/v2`): it is an easy mistake and unambiguous.
        for suffix in ["/api/v2", "/api/v1"] {
            root = root.strip_suffix(suffix).unwrap_or(root);
        }
        let root = root.to_owned();
        let files = match &self.files_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => derived_files_root(&root, self.v2_url.as_deref()),
        };
        #[cfg_attr(
            not(any(feature = "rustls", feature = "native-tls")),
            allow(unused_variables)
        )]
        let plain_http_only = [
            Some(self.api_url.as_str()),
            self.v2_url.as_deref(),
            self.v1_url.as_deref(),
            Some(files.as_str()),
        ]
        .into_iter()
        .flatten()
        .all(|u| u.trim_start().to_ascii_lowercase().starts_with("http://"));
        let fresh = || {
            #[cfg(any(feature = "rustls", feature = "native-tls"))]
            if plain_http_only {
                return reqwest::Client::builder().tls_certs_only([]);
            }
            reqwest::Client::builder()
        };
        // Streams get a client of their own without `reqwest`'s per-frame read timeout; their idle timeout is
        // enforced by `crate::idle` instead. A caller-supplied client or builder serves both.
        let own_http = matches!(self.http, HttpSource::Default);
        let (http, stream_http, add_headers_per_request) = match self.http {
            HttpSource::Client(c) => (c.clone(), c, true),
            HttpSource::Default => (
                finish_http(
                    fresh(),
                    &auth,
                    &ua,
                    self.connect_timeout,
                    Some(self.read_timeout),
                )?,
                finish_http(fresh(), &auth, &ua, self.connect_timeout, None)?,
                false,
            ),
            // One builder makes one client, and streams must not be cut by `reqwest`'s read timeout (it would fire
            // as the wrong timer): bodies the SDK reads itself are guarded by `crate::idle`, the rest by `timeout`.
            HttpSource::Builder(b) => {
                let c = finish_http(*b, &auth, &ua, self.connect_timeout, None)?;
                (c.clone(), c, false)
            }
        };
        let v2 = self
            .v2_url
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("{root}/api/v2"));
        let v1 = self
            .v1_url
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("{root}/api/v1"));
        for (name, url) in [("API", &v2), ("v1 API", &v1), ("files", &files)] {
            let parsed = reqwest::Url::parse(url)
                .map_err(|e| Error::invalid(format!("invalid {name} URL `{url}`: {e}")))?;
            // A caller's own client or builder brings its own `reqwest` features; ours is known here.
            if own_http {
                require_tls_for(name, &parsed, TLS_COMPILED)?;
            }
        }
        Ok(Config {
            http,
            stream_http,
            read_timeout: self.read_timeout,
            stream: StreamBounds {
                idle: nonzero(self.stream_idle.unwrap_or(self.read_timeout)),
                event_idle: nonzero(self.stream_event),
                deadline: nonzero(self.stream_deadline),
            },
            v2_base: v2,
            v1_base: v1,
            files_base: files,
            auth,
            user_agent: ua,
            add_headers_per_request,
            timeout: self.timeout,
            retry: self.retry,
        })
    }
}

/// The files host that goes with an API host root: the public files host for the public API,
/// the API's own root for anything else (an emulator, a proxy, a staging host).
fn derived_files_root(root: &str, v2_url: Option<&str>) -> String {
    let api_root = match v2_url {
        Some(v2) => {
            let v2 = v2.trim_end_matches('/');
            v2.strip_suffix("/api/v2").unwrap_or(v2).to_owned()
        }
        None => root.to_owned(),
    };
    let same = |a: &str, b: &str| match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.eq_ignore_ascii_case(b),
    };
    if same(&api_root, DEFAULT_API_URL) {
        DEFAULT_FILES_URL.to_owned()
    } else {
        api_root
    }
}

/// Whether this build of the SDK can speak TLS (cargo feature `rustls` or `native-tls`).
const TLS_COMPILED: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// Refuses an `https://` URL up front when the SDK was built without TLS, naming the features that add it,
/// instead of a connection error on the first request.
fn require_tls_for(name: &str, url: &reqwest::Url, tls_compiled: bool) -> Result<()> {
    if tls_compiled || url.scheme() != "https" {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "the {name} URL `{url}` uses https, but this build of the chatbase crate has no TLS: enable its \
         `rustls` (default) or `native-tls` feature, or use a plain http:// URL (an emulator, a local proxy)"
    )))
}

fn auth_header(key: &SecretString) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", key.expose_secret().trim()))
        // Deliberately generic: echoing the offending key would leak it.
        .map_err(|_| Error::invalid("the API key contains characters not allowed in a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

fn finish_http(
    builder: reqwest::ClientBuilder,
    auth: &HeaderValue,
    ua: &HeaderValue,
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
) -> Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, auth.clone());
    headers.insert(USER_AGENT, ua.clone());
    let mut builder = builder
        .default_headers(headers)
        .connect_timeout(connect_timeout);
    // Per-read idle timeout only: a total `timeout` here would also cut long chat streams.
    if let Some(t) = read_timeout {
        builder = builder.read_timeout(t);
    }
    builder
        .build()
        .map_err(|e| Error::invalid(format!("could not build the HTTP client: {e}")))
}

/// Resolved configuration shared by every handle (crate-internal).
pub(crate) struct Config {
    pub(crate) http: reqwest::Client,
    /// The client streamed responses are sent on (no per-frame read timeout, see `crate::idle`).
    pub(crate) stream_http: reqwest::Client,
    /// The idle timeout between reads of a body (enforced by `crate::idle` on every body the SDK reads itself).
    pub(crate) read_timeout: Duration,
    /// The client-wide bounds of a streamed answer.
    pub(crate) stream: StreamBounds,
    pub(crate) v2_base: String,
    pub(crate) v1_base: String,
    pub(crate) files_base: String,
    pub(crate) auth: HeaderValue,
    pub(crate) user_agent: HeaderValue,
    pub(crate) add_headers_per_request: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"[REDACTED]")
            .field("v2_base", &self.v2_base)
            .field("v1_base", &self.v1_base)
            .field("files_base", &self.files_base)
            .field("timeout", &self.timeout)
            .field("stream", &self.stream)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Reads `CHATBASE_API_KEY`, `CHATBASE_API_URL` and `CHATBASE_FILES_URL` into a builder.
pub(crate) fn builder_from_env() -> Result<ClientBuilder> {
    let key = std::env::var("CHATBASE_API_KEY")
        .map_err(|_| Error::invalid("CHATBASE_API_KEY is not set"))?;
    let mut b = ClientBuilder::default().api_key_secret(SecretString::from(key));
    if let Ok(url) = std::env::var("CHATBASE_API_URL")
        && !url.trim().is_empty()
    {
        b = b.api_url(url);
    }
    if let Ok(url) = std::env::var("CHATBASE_FILES_URL")
        && !url.trim().is_empty()
    {
        b = b.files_url(url);
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-super-secret-0123456789";

    #[test]
    fn https_is_refused_with_the_feature_named_only_when_no_tls_is_compiled() {
        let https = reqwest::Url::parse("https://www.chatbase.co/api/v2").unwrap();
        let http = reqwest::Url::parse("http://127.0.0.1:8080/api/v2").unwrap();
        let err = require_tls_for("API", &https, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("https://www.chatbase.co/api/v2"), "{err}");
        assert!(
            err.contains("`rustls`") && err.contains("`native-tls`"),
            "{err}"
        );
        assert!(require_tls_for("API", &http, false).is_ok());
        assert!(require_tls_for("API", &https, true).is_ok());
        // This build's answer for the default (public, https) host follows its features.
        let built = ClientBuilder::default().api_key(KEY).build();
        assert_eq!(built.is_ok(), TLS_COMPILED, "{:?}", built.err());
        let local = ClientBuilder::default()
            .api_key(KEY)
            .api_url("http://127.0.0.1:9")
            .build();
        assert!(local.is_ok(), "{:?}", local.err());
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let b = ClientBuilder::default().api_key(KEY);
        assert!(!format!("{b:?}").contains(KEY));
        let c = b.build().unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains(KEY), "{dbg}");
        assert!(dbg.contains("REDACTED"));
        assert!(c.config().auth.is_sensitive());
        assert!(!format!("{:?}", c.config().auth).contains(KEY));
    }

    #[test]
    fn bad_key_errors_do_not_echo_the_key() {
        let bad = format!("{KEY}\n");
        let err = ClientBuilder::default()
            .api_key(format!("a\u{7f}{bad}x"))
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains(KEY));
        assert!(!format!("{err:?}").contains(KEY));
        assert!(matches!(
            ClientBuilder::default().build(),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            ClientBuilder::default().api_key("  ").build(),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn base_urls_derive_from_the_root() {
        let c = ClientBuilder::default()
            .api_key(KEY)
            .api_url("http://127.0.0.1:9/")
            .files_url("http://127.0.0.1:10")
            .build()
            .unwrap();
        assert_eq!(c.config().v2_base, "http://127.0.0.1:9/api/v2");
        assert_eq!(c.config().v1_base, "http://127.0.0.1:9/api/v1");
        assert_eq!(c.config().files_base, "http://127.0.0.1:10");
        assert!(
            ClientBuilder::default()
                .api_key(KEY)
                .api_url("not a url")
                .build()
                .is_err()
        );
    }

    #[test]
    fn the_files_host_follows_a_non_default_api_host() {
        let files = |b: ClientBuilder| b.api_key(KEY).build().unwrap().config().files_base.clone();
        assert_eq!(files(ClientBuilder::default()), DEFAULT_FILES_URL);
        assert_eq!(
            files(ClientBuilder::default().api_url("https://www.chatbase.co/")),
            DEFAULT_FILES_URL
        );
        assert_eq!(
            files(ClientBuilder::default().api_url("http://127.0.0.1:8787/api/v2")),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            files(ClientBuilder::default().v2_base_url("https://proxy.example/cb/api/v2")),
            "https://proxy.example/cb"
        );
        assert_eq!(
            files(
                ClientBuilder::default()
                    .api_url("http://127.0.0.1:8787")
                    .files_url("http://127.0.0.1:9999/")
            ),
            "http://127.0.0.1:9999",
            "an explicit files URL wins"
        );
    }
}
