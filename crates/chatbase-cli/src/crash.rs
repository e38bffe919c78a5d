//! The panic hook: a crash prints one line asking for a bug report, writes the details (message, location,
//! backtrace, version, redacted arguments) to a 0600 file under the state directory and exits with code 70
//! (EX_SOFTWARE). No user sees a raw backtrace.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

/// Exit code of a crash (EX_SOFTWARE in sysexits.h).
pub const CRASH_EXIT_CODE: i32 = 70;

/// Environment variable (read by debug builds only) that makes the command task panic, to test this hook.
pub const DEBUG_PANIC_ENV: &str = "CHATBASE_DEBUG_PANIC";

/// Installs the hook for the whole process, including panics in spawned tasks and other threads.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = panic_message(info.payload());
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown".to_owned());
        let report = format!(
            "chatbase {version} crashed\n\
             message: {message}\n\
             location: {location}\n\
             thread: {thread}\n\
             os: {os}-{arch}\n\
             args: {args}\n\n\
             backtrace:\n{backtrace}\n",
            version = env!("CARGO_PKG_VERSION"),
            thread = std::thread::current().name().unwrap_or("unnamed"),
            os = std::env::consts::OS,
            arch = std::env::consts::ARCH,
            args = redact_args(&std::env::args_os().collect::<Vec<_>>()).join(" "),
            backtrace = std::backtrace::Backtrace::force_capture(),
        );
        let issues = concat!(env!("CARGO_PKG_REPOSITORY"), "/issues");
        let line = match write_report(&report) {
            Ok(path) => format!(
                "chatbase crashed (a bug): please report it at {issues} and attach {}",
                path.display()
            ),
            Err(e) => format!(
                "chatbase crashed (a bug): please report it at {issues} (the crash file could not be \
                 written: {e}; the panic was: {message} at {location})"
            ),
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
        std::process::exit(CRASH_EXIT_CODE);
    }));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// `$XDG_STATE_HOME/chatbase/crash-<time>-<pid>.txt` (or the data dir where there is no state dir).
pub fn crash_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let s = etcetera::choose_base_strategy().ok()?;
    let dir = s.state_dir().unwrap_or_else(|| s.data_dir());
    Some(dir.join("chatbase"))
}

fn write_report(report: &str) -> std::io::Result<PathBuf> {
    let dir = crash_dir().ok_or_else(|| std::io::Error::other("no home directory"))?;
    crate::config::create_private_dir(&dir).map_err(|e| std::io::Error::other(e.message))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let path = dir.join(format!("crash-{stamp}-{}.txt", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    f.write_all(report.as_bytes())?;
    Ok(path)
}

/// The arguments with every value replaced: flags and command names stay, anything typed as a value (which may be
/// a message, a key in `--data` or a file name) becomes `<redacted>`.
pub fn redact_args(args: &[OsString]) -> Vec<String> {
    use clap::CommandFactory;
    let mut names = std::collections::BTreeSet::new();
    fn collect(cmd: &clap::Command, names: &mut std::collections::BTreeSet<String>) {
        for sub in cmd.get_subcommands() {
            names.insert(sub.get_name().to_owned());
            collect(sub, names);
        }
    }
    collect(&crate::cli::Cli::command(), &mut names);
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            let a = a.to_string_lossy();
            if i == 0 {
                "chatbase".to_owned()
            } else if a.starts_with('-') {
                match a.split_once('=') {
                    Some((flag, _)) => format!("{flag}=<redacted>"),
                    None if a.starts_with("--") || a.len() == 2 => a.into_owned(),
                    // `-mhello`: a short flag with its value attached.
                    None => format!("{}<redacted>", a.chars().take(2).collect::<String>()),
                }
            } else if names.contains(a.as_ref()) {
                a.into_owned()
            } else {
                "<redacted>".to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_redacted_and_flags_kept() {
        let args: Vec<OsString> = [
            "/usr/bin/chatbase",
            "chat",
            "-m",
            "my secret question",
            "--data={\"key\":\"sk\"}",
            "-mhush",
            "--json",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        assert_eq!(
            redact_args(&args),
            vec![
                "chatbase",
                "chat",
                "-m",
                "<redacted>",
                "--data=<redacted>",
                "-m<redacted>",
                "--json"
            ]
        );
    }
}
