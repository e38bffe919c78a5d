//! Turns SDK errors into CLI errors: exit code by class (auth 3, rate limit 4, others 1), the server's code,
//! details and request id, and a hint chosen by code. Rendering itself is in `error`.

use crate::error::{CliError, ExitKind};
use chatbase::Error;

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        match &e {
            Error::Api(api) => {
                let status = api.status.as_u16();
                let code = api.code.as_str().to_owned();
                let kind = if status == 401 || code.starts_with("AUTH_") {
                    ExitKind::Auth
                } else if e.is_rate_limited() {
                    ExitKind::RateLimited
                } else {
                    ExitKind::Runtime
                };
                let retry_secs = api.retry_after.map(|d| d.as_secs().max(1));
                let message = if api.message.trim().is_empty() {
                    format!("request failed with status {status}")
                } else {
                    api.message.clone()
                };
                CliError {
                    kind,
                    message,
                    hint: CliError::hint_for(Some(&code), Some(status), retry_secs),
                    code: Some(code),
                    status: Some(status),
                    details: api.details.clone().filter(|d| !d.is_null()).map(Box::new),
                    request_id: api.request_id.clone(),
                }
            }
            Error::Transport { kind, message, .. } => {
                CliError::runtime(format!("network error ({kind}): {message}")).with_code("NETWORK_ERROR").with_hint(
                    "check the connection and --api-url / CHATBASE_API_URL; `chatbase health` tests reachability",
                )
            }
            Error::Timeout(kind) => CliError::runtime(format!("the request timed out ({kind})"))
                .with_code("TIMEOUT")
                .with_hint("raise the limit with CHATBASE_TIMEOUT=<seconds> or `chatbase config set timeout <seconds>`"),
            Error::StreamTruncated { .. } => CliError::runtime("the answer stream ended before it was complete")
                .with_code("STREAM_TRUNCATED")
                .with_hint("retry; `chatbase chat retry` regenerates the last answer"),
            Error::InvalidInput(msg) => CliError::usage(msg.clone()),
            // The body excerpt is long and rarely helps a person; --verbose logs show the exchange.
            Error::Decode { path, message, .. } => {
                CliError::runtime(format!("unexpected response from the server at `{path}`: {message}"))
                    .with_code("DECODE_ERROR")
                    .with_hint("the API may have changed; `chatbase api GET <path>` shows the raw answer")
            }
            // The pages before the stop were delivered: the result is incomplete, never silently short.
            Error::Pagination { .. } => CliError::runtime(e.to_string()).with_code("PAGINATION_STOPPED"),
            _ => CliError::runtime(e.to_string()),
        }
    }
}
