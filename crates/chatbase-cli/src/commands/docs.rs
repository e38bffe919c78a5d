//! `chatbase docs [TOPIC…]`: the CLI documentation page for a topic, opened in the browser on a terminal and
//! printed otherwise; and the one browser opener the CLI has (also used by `auth login --browser`).

use crate::context::Ctx;
use crate::error::Result;
use std::io::Write;

/// Where the CLI pages live; `CHATBASE_DOCS_URL` points elsewhere (a mirror, a local copy).
pub const DEFAULT_DOCS_URL: &str = "https://www.chatbase.co/docs/cli";

/// The page for `topic` words: lower-cased, joined by `-`, anything but letters, digits and `-` dropped, so a
/// topic can never turn into another host or a query.
pub fn docs_url(base: &str, topic: &[String]) -> String {
    let slug: Vec<String> = topic
        .iter()
        .flat_map(|w| w.split_whitespace())
        .map(|w| {
            w.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let base = base.trim_end_matches('/');
    if slug.is_empty() {
        base.to_owned()
    } else {
        format!("{base}/{}", slug.join("-"))
    }
}

pub async fn run(ctx: &Ctx, topic: Vec<String>) -> Result<()> {
    let base = std::env::var("CHATBASE_DOCS_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DOCS_URL.to_owned());
    let url = docs_url(&base, &topic);
    if open_in_browser(ctx, &url) {
        ctx.out.note(format!("Opened {url}"));
    } else {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{url}")?;
    }
    Ok(())
}

/// Opens `url` with the platform's opener (`open`, `xdg-open`, `cmd /c start`), only when stdout is a terminal
/// and `--no-input` is not set. `false` when it did not (no terminal, no opener, the opener failed): the caller
/// then prints the URL. Never fails the command.
pub fn open_in_browser(ctx: &Ctx, url: &str) -> bool {
    if ctx.global.no_input || !ctx.out.stdout_tty || !safe_to_open(url) {
        return false;
    }
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/c", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match cmd.status() {
        Ok(s) if s.success() => true,
        Ok(s) => {
            tracing::debug!("the browser opener exited with {s}");
            false
        }
        Err(e) => {
            tracing::debug!("no browser opener: {e}");
            false
        }
    }
}

/// Only plain http(s) URLs made of characters no opener or shell treats specially (`cmd /c start` would run
/// what follows a `&`), since the pairing URL comes from the service. Anything else is printed, never opened.
fn safe_to_open(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#=+@".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_become_one_slug_and_cannot_leave_the_docs_site() {
        let t = |w: &[&str]| {
            docs_url(
                DEFAULT_DOCS_URL,
                &w.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(t(&[]), "https://www.chatbase.co/docs/cli");
        assert_eq!(t(&["auth"]), "https://www.chatbase.co/docs/cli/auth");
        assert_eq!(
            t(&["Sources", "sync"]),
            "https://www.chatbase.co/docs/cli/sources-sync"
        );
        assert_eq!(
            t(&["config list"]),
            "https://www.chatbase.co/docs/cli/config-list"
        );
        assert_eq!(
            t(&["//evil.com?x=1#"]),
            "https://www.chatbase.co/docs/cli/evilcomx1"
        );
        assert_eq!(t(&["../"]), "https://www.chatbase.co/docs/cli");
    }

    #[test]
    fn only_plain_http_urls_are_handed_to_an_opener() {
        assert!(safe_to_open(
            "https://www.chatbase.co/docs/cli/sources-sync"
        ));
        assert!(safe_to_open(
            "http://127.0.0.1:8787/activate?code=AB12-CD34"
        ));
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "https://x.test/a&calc.exe",
            "https://x.test/a b",
            "https://x.test/%PATH%",
            "https://x.test/\u{1b}]52;c;x\u{7}",
            "-https://x.test",
        ] {
            assert!(!safe_to_open(bad), "{bad}");
        }
    }
}
