//! Turns SDK errors into CLI errors: exit code by class (auth 3, rate limit 4, others 1), the server's code,
//! details and request id, and a hint chosen by code. Rendering itself is in `error`.

use crate::error::{CliError, ExitKind};
use chatbase::Error;

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        match &e {
            Error::Api(api) => {
                let status = api.status.as_u16();
                let code = api.code.as_ref().map(|c| c.as_str().to_owned());
                let kind = if api.is_auth_failure() {
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
                    hint: if api.foreign {
                        Some("check --api-url / CHATBASE_API_URL; `--verbose` shows the body it sent".to_owned())
                    } else {
                        CliError::hint_for(code.as_deref(), Some(status), retry_secs)
                    },
                    code,
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
            Error::Timeout(kind) => CliError::runtime(format!("the request timed out: {}", kind.describe()))
                .with_code("TIMEOUT")
                .with_hint(timeout_hint(*kind)),
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

/// The setting that governs the timer that fired, as a person sets it.
fn timeout_hint(kind: chatbase::TimeoutKind) -> String {
    use chatbase::TimeoutKind as K;
    let stream = |i: usize| {
        let (key, var, flag, _) = crate::config::STREAM_SETTINGS[i];
        format!(
            "raise it with {flag} <seconds> on the command, {var}=<seconds>, or `chatbase config set {key} <seconds>` (0 turns it off)"
        )
    };
    match kind {
        K::StreamIdle => stream(0),
        K::EventIdle => stream(1),
        K::StreamDeadline => stream(2),
        K::Connect => "the server did not accept a connection in time; check the connection and --api-url / CHATBASE_API_URL".to_owned(),
        _ => "raise the limit with CHATBASE_TIMEOUT=<seconds> or `chatbase config set timeout <seconds>`".to_owned(),
    }
}

#[cfg(test)]
mod timeout_tests {
    use super::*;
    use chatbase::TimeoutKind as K;

    #[test]
    fn each_timeout_hint_names_the_setting_of_the_timer_that_fired() {
        let hint = |k| CliError::from(Error::Timeout(k)).hint.unwrap_or_default();
        for (kind, flag, var, key) in [
            (
                K::StreamIdle,
                "--stream-idle-timeout",
                "CHATBASE_STREAM_IDLE_TIMEOUT",
                "stream-idle-timeout",
            ),
            (
                K::EventIdle,
                "--stream-event-timeout",
                "CHATBASE_STREAM_EVENT_TIMEOUT",
                "stream-event-timeout",
            ),
            (
                K::StreamDeadline,
                "--stream-deadline",
                "CHATBASE_STREAM_DEADLINE",
                "stream-deadline",
            ),
        ] {
            let h = hint(kind);
            for want in [flag, var, key] {
                assert!(h.contains(want), "{kind:?}: {h}");
            }
            assert!(!h.contains("CHATBASE_TIMEOUT"), "{kind:?}: {h}");
        }
        for kind in [K::Idle, K::Total] {
            let h = hint(kind);
            assert!(
                h.contains("CHATBASE_TIMEOUT") && !h.contains("stream"),
                "{kind:?}: {h}"
            );
        }
        let e = CliError::from(Error::Timeout(K::EventIdle));
        assert!(e.message.contains("no event"), "{}", e.message);
    }
}
