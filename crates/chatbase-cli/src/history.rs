//! The chat REPL's input history on disk, so the arrow keys reach lines from earlier sessions.
//!
//! It lives in `$XDG_STATE_HOME/chatbase/chat_history` (`~/.local/state/…`), mode 0600 in a 0700 directory, since
//! it holds what was typed to an agent. `CHATBASE_HISTORY_FILE` moves it; an empty value or `off` keeps nothing on
//! disk. As in shells, a line typed with a leading space is not written. History trouble never stops a chat: the
//! caller warns and goes on.

use crate::config::{create_private_dir, set_private};
use crate::error::{CliError, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Lines kept: the newest this many are loaded, and the file is cut back to them when it has doubled.
pub const KEEP: usize = 1000;

/// Where history goes, or `None` when it is switched off.
pub fn path() -> Option<PathBuf> {
    path_from(std::env::var_os("CHATBASE_HISTORY_FILE"))
}

fn path_from(setting: Option<std::ffi::OsString>) -> Option<PathBuf> {
    match setting {
        Some(v) if v.is_empty() || v == "off" => None,
        Some(v) => Some(PathBuf::from(v)),
        None => {
            use etcetera::BaseStrategy;
            let s = etcetera::choose_base_strategy().ok()?;
            let dir = s.state_dir().unwrap_or_else(|| s.data_dir());
            Some(dir.join("chatbase").join("chat_history"))
        }
    }
}

/// The newest `KEEP` lines, oldest first; a missing file is an empty history. A file that has grown past twice
/// `KEEP` lines is rewritten (atomically) with just those.
pub fn load(path: &Path) -> Result<Vec<String>> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(CliError::runtime(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let keep = lines[lines.len().saturating_sub(KEEP)..].to_vec();
    if lines.len() > 2 * KEEP {
        rewrite(path, &keep)?;
    }
    Ok(keep.into_iter().map(str::to_owned).collect())
}

fn rewrite(path: &Path, lines: &[&str]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| CliError::runtime(format!("{} has no parent directory", path.display())))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".chat_history.")
        .tempfile_in(dir)
        .map_err(|e| CliError::runtime(format!("cannot write in {}: {e}", dir.display())))?;
    set_private(tmp.path())?;
    for l in lines {
        writeln!(tmp, "{l}")?;
    }
    tmp.persist(path).map_err(|e| {
        CliError::runtime(format!("cannot replace {}: {}", path.display(), e.error))
    })?;
    Ok(())
}

/// Appends one entry (unless it starts with a space), creating the file private.
pub fn append(path: &Path, line: &str) -> Result<()> {
    if line.starts_with(' ') || line.trim().is_empty() {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| CliError::runtime(format!("cannot write {}: {e}", path.display())))?;
    // One write per entry, so concurrent sessions interleave whole lines.
    file.write_all(format!("{}\n", line.replace(['\n', '\r'], " ")).as_bytes())
        .map_err(|e| CliError::runtime(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_moves_or_disables_history() {
        assert_eq!(path_from(Some("".into())), None);
        assert_eq!(path_from(Some("off".into())), None);
        assert_eq!(
            path_from(Some("/tmp/h".into())),
            Some(PathBuf::from("/tmp/h"))
        );
        assert!(
            path_from(None).is_none_or(|p| p.ends_with("chatbase/chat_history")),
            "{:?}",
            path_from(None)
        );
    }

    #[test]
    fn entries_round_trip_privately_and_leading_spaces_stay_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/chatbase/chat_history");
        assert!(load(&path).unwrap().is_empty());
        append(&path, "How do I reset my password?").unwrap();
        append(&path, " my card number is 4242").unwrap();
        append(&path, "/retry").unwrap();
        assert_eq!(
            load(&path).unwrap(),
            ["How do I reset my password?", "/retry"]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
    }

    #[test]
    fn only_the_newest_lines_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat_history");
        let all: String = (0..2 * KEEP + 5).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, all).unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.len(), KEEP);
        assert_eq!(loaded[0], format!("line {}", KEEP + 5));
        assert_eq!(loaded.last().unwrap(), &format!("line {}", 2 * KEEP + 4));
        // The file itself was cut back to what is kept.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().lines().count(),
            KEEP
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
