//! The CLI's error: what went wrong, which exit code it maps to, and how it is shown on stderr (text or JSON).
//! Conversion from SDK errors lives in `sdk_error`; this module knows nothing about HTTP.

use std::io::Write;

/// Exit codes are part of the interface: scripts branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// 1: API, network or runtime failure.
    Runtime,
    /// 2: bad arguments or missing input.
    Usage,
    /// 3: missing, invalid or insufficient credentials.
    Auth,
    /// 4: rate limited.
    RateLimited,
    /// 130: interrupted by Ctrl-C.
    Interrupted,
}

impl ExitKind {
    pub fn code(self) -> u8 {
        match self {
            ExitKind::Runtime => 1,
            ExitKind::Usage => 2,
            ExitKind::Auth => 3,
            ExitKind::RateLimited => 4,
            ExitKind::Interrupted => 130,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CliError {
    pub kind: ExitKind,
    pub message: String,
    pub code: Option<String>,
    pub status: Option<u16>,
    // Boxed: keeps `Result<T, CliError>` small on the happy path.
    pub details: Option<Box<serde_json::Value>>,
    pub request_id: Option<String>,
    pub hint: Option<String>,
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    pub fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            code: None,
            status: None,
            details: None,
            request_id: None,
            hint: None,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitKind::Usage, message)
    }
    pub fn runtime(message: impl Into<String>) -> Self {
        Self::new(ExitKind::Runtime, message)
    }
    /// A usage error (exit 2) for `what` in a build without the cargo feature `feature`, saying how to get it.
    pub fn compiled_out(what: &str, feature: &str) -> Self {
        Self::usage(format!(
            "this chatbase was built without {what} (cargo feature `{feature}`)"
        ))
        .with_hint(format!(
            "install a build that has it: `cargo install chatbase-cli --locked` (default features include it), \
             or add `--features {feature}` to the `cargo install` that left it out"
        ))
    }
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(ExitKind::Auth, message)
    }
    pub fn interrupted() -> Self {
        Self::new(ExitKind::Interrupted, "interrupted")
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn not_authenticated() -> Self {
        CliError::auth("not authenticated")
            .with_code("AUTH_MISSING_API_KEY")
            .with_hint(
                "run `chatbase auth login`, or set CHATBASE_API_KEY (or CHATBASE_API_KEY_FILE)",
            )
    }

    /// The hint shown for an API error code or, failing that, the HTTP status.
    pub fn hint_for(
        code: Option<&str>,
        status: Option<u16>,
        retry_after_secs: Option<u64>,
    ) -> Option<String> {
        let by_code = match code.unwrap_or("") {
            "AUTH_MISSING_API_KEY" | "AUTH_INVALID_API_KEY" => {
                Some("check the key: run `chatbase auth login`, or set CHATBASE_API_KEY".to_owned())
            }
            "AUTH_EXPIRED_API_KEY" => {
                Some("the key has expired: create a new one in the dashboard, then run `chatbase auth login`".to_owned())
            }
            "AUTH_INSUFFICIENT_PERMISSIONS" => {
                Some("the key lacks a permission for this operation; use a key with a role that has it".to_owned())
            }
            "SUBSCRIPTION_API_RESTRICTED_PLAN" => Some("the API is not included in this workspace's plan".to_owned()),
            "CHAT_CREDITS_EXHAUSTED" => Some("the workspace is out of message credits; add credits or wait for the reset".to_owned()),
            "CHAT_CONVERSATION_NOT_ONGOING" => Some("start a new conversation (drop --conversation)".to_owned()),
            c if c.starts_with("VALIDATION_") => Some("check the fields above; `--help` lists them".to_owned()),
            _ => None,
        };
        by_code.or_else(|| match status {
            Some(401) => Some("run `chatbase auth login`, or set CHATBASE_API_KEY".to_owned()),
            Some(402) => Some("the workspace is out of credits".to_owned()),
            Some(404) => {
                Some("check the ID; the matching `list` command shows what exists".to_owned())
            }
            Some(429) => Some(match retry_after_secs {
                Some(s) => format!("rate limited: retry in {s} s"),
                None => "rate limited: wait a few seconds and retry".to_owned(),
            }),
            Some(s) if s >= 500 => {
                Some("the server failed; retry later (the request id helps support)".to_owned())
            }
            _ => None,
        })
    }

    /// `error: <message> (<CODE>)`, the details, the request id and a hint, on stderr.
    pub fn render_text(&self, w: &mut dyn Write, color: bool) -> std::io::Result<()> {
        let red = anstyle::Style::new()
            .fg_color(Some(anstyle::AnsiColor::Red.into()))
            .bold();
        let dim = anstyle::Style::new().dimmed();
        let (r0, r1, d0, d1) = if color {
            (
                red.render().to_string(),
                red.render_reset().to_string(),
                dim.render().to_string(),
                dim.render_reset().to_string(),
            )
        } else {
            Default::default()
        };
        let message = crate::sanitize::sanitize(&self.message);
        match &self.code {
            Some(code) => writeln!(
                w,
                "{r0}error:{r1} {message} ({})",
                crate::sanitize::sanitize(code)
            )?,
            None => writeln!(w, "{r0}error:{r1} {message}")?,
        }
        if let Some(details) = &self.details {
            for line in chatbase::error::detail_lines(details) {
                writeln!(w, "  {}", crate::sanitize::sanitize(&line))?;
            }
        }
        if let Some(id) = &self.request_id {
            writeln!(w, "{d0}request id: {}{d1}", crate::sanitize::sanitize(id))?;
        }
        if let Some(hint) = &self.hint {
            writeln!(w, "hint: {hint}")?;
        }
        Ok(())
    }

    /// The same information as the API's error envelope, for `--format json|ndjson`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "details": self.details,
                "hint": self.hint,
            },
            "status": self.status,
            "requestId": self.request_id,
            "exitCode": self.kind.code(),
        })
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

/// Marks a write to a closed pipe (`chatbase … | head`): the reader has what it wanted, so the run ends quietly.
pub const BROKEN_PIPE: &str = "BROKEN_PIPE";

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return CliError::runtime("broken pipe").with_code(BROKEN_PIPE);
        }
        CliError::runtime(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_documented_table() {
        assert_eq!(ExitKind::Runtime.code(), 1);
        assert_eq!(ExitKind::Usage.code(), 2);
        assert_eq!(ExitKind::Auth.code(), 3);
        assert_eq!(ExitKind::RateLimited.code(), 4);
        assert_eq!(ExitKind::Interrupted.code(), 130);
    }

    #[test]
    fn text_rendering_shows_code_details_request_id_and_hint() {
        let mut e = CliError::runtime("Invalid body").with_code("VALIDATION_INVALID_BODY");
        e.details = Some(Box::new(serde_json::json!({"name": ["Required"]})));
        e.request_id = Some("req_1".into());
        e.hint = CliError::hint_for(e.code.as_deref(), Some(400), None);
        let mut out = Vec::new();
        e.render_text(&mut out, false).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "error: Invalid body (VALIDATION_INVALID_BODY)\n  name: Required\nrequest id: req_1\nhint: check the fields above; `--help` lists them\n"
        );
    }

    #[test]
    fn server_text_in_errors_is_sanitised() {
        let e = CliError::runtime("bad\x1b]52;c;eA==\x07 thing");
        let mut out = Vec::new();
        e.render_text(&mut out, false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "error: bad thing\n");
    }

    #[test]
    fn rate_limit_hint_names_the_wait() {
        assert_eq!(
            CliError::hint_for(None, Some(429), Some(7)).unwrap(),
            "rate limited: retry in 7 s"
        );
    }
}
