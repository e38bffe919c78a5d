//! The folder side of `sources sync`: which files are in scope (globs and the accepted types), their SHA-256
//! hashes, the manifest and lock file kept in the folder, and the pure diff against the remote file sources.

use crate::error::{CliError, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const MANIFEST: &str = ".chatbase-sync.json";
const LOCK: &str = ".chatbase-sync.lock";
use chatbase::file_sources::{self as rules, MAX_BYTES, MIN_BYTES};

/// Whether a file of this name and size can be uploaded as a file source, else why not.
pub fn accepted(rel: &str, len: u64) -> std::result::Result<(), String> {
    if rules::accepted_extension(rel).is_none() {
        let kind = match Path::new(rel).extension() {
            Some(e) => format!(".{} files are", e.to_string_lossy().to_ascii_lowercase()),
            None => "files without an extension are".to_owned(),
        };
        return Err(format!(
            "{kind} not accepted as sources (accepted: {})",
            rules::extension_list()
        ));
    }
    if !rules::size_accepted(len) {
        return Err(format!(
            "{len} bytes (file sources must be {MIN_BYTES} B to {} MB)",
            MAX_BYTES / (1024 * 1024)
        ));
    }
    Ok(())
}

/// What the folder looked like at the last successful sync, per agent: relative path → (source id, sha256).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Manifest {
    #[serde(default)]
    pub(super) agents: BTreeMap<String, BTreeMap<String, Entry>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(super) struct Entry {
    pub(super) id: String,
    pub(super) sha256: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocalFile {
    pub rel: String,
    pub path: PathBuf,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteFile {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Create(LocalFile),
    Update { local: LocalFile, id: String },
    Delete(RemoteFile),
}

#[derive(Debug, Default)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub unchanged: usize,
}

/// Pure diff: local files vs remote file sources (already limited to the scope) and the recorded hashes.
pub fn plan(
    local: &[LocalFile],
    remote: &[RemoteFile],
    recorded: &BTreeMap<String, (String, String)>,
) -> Plan {
    let mut plan = Plan::default();
    let mut remote_by_name: BTreeMap<&str, &RemoteFile> = BTreeMap::new();
    for r in remote {
        remote_by_name.entry(r.name.as_str()).or_insert(r);
    }
    for file in local {
        match remote_by_name.remove(file.rel.as_str()) {
            None => plan.actions.push(Action::Create(file.clone())),
            Some(r) => match recorded.get(&file.rel) {
                Some((id, sha)) if *id == r.id && *sha == file.sha256 => plan.unchanged += 1,
                _ => plan.actions.push(Action::Update {
                    local: file.clone(),
                    id: r.id.clone(),
                }),
            },
        }
    }
    // Duplicated remote names: every copy beyond the one matched above is removed too.
    let matched: std::collections::HashSet<&str> = local.iter().map(|l| l.rel.as_str()).collect();
    let mut seen = std::collections::HashSet::new();
    for r in remote {
        let dup = matched.contains(r.name.as_str()) && !seen.insert(r.name.as_str());
        let orphan = !matched.contains(r.name.as_str());
        if dup || orphan {
            plan.actions.push(Action::Delete(r.clone()));
        }
    }
    plan
}

/// The user's globs (a bare `*.pdf` also matches in subfolders), or `None` when none were given.
fn build_globs(patterns: &[String]) -> Result<Option<globset::GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let p = if p.contains('/') {
            p.clone()
        } else {
            format!("**/{p}")
        };
        b.add(globset::Glob::new(&p).map_err(|e| CliError::usage(format!("bad glob {p:?}: {e}")))?);
    }
    b.build()
        .map(Some)
        .map_err(|e| CliError::usage(format!("bad globs: {e}")))
}

/// Which files a sync looks at: `--include` (default: every accepted type), minus `--exclude`.
pub(super) struct Scope {
    include: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
}

impl Scope {
    pub(super) fn new(include: &[String], exclude: &[String]) -> Result<Self> {
        Ok(Scope {
            include: build_globs(include)?,
            exclude: build_globs(exclude)?,
        })
    }

    /// `Err(reason)` when `rel` is outside the scope.
    fn check(&self, rel: &str) -> std::result::Result<(), String> {
        if self.exclude.as_ref().is_some_and(|g| g.is_match(rel)) {
            return Err("matches --exclude".to_owned());
        }
        match &self.include {
            Some(g) if !g.is_match(rel) => Err("does not match --include".to_owned()),
            Some(_) => Ok(()),
            None => accepted(rel, MIN_BYTES),
        }
    }

    pub(super) fn contains(&self, rel: &str) -> bool {
        self.check(rel).is_ok()
    }
}

/// The files to sync; every other file met is reported on stderr with the reason it was left out.
pub(super) fn scan(
    dir: &Path,
    scope: &Scope,
    out: &crate::output::Output,
) -> Result<Vec<LocalFile>> {
    let meta = std::fs::metadata(dir)
        .map_err(|e| CliError::usage(format!("cannot open {}: {e}", dir.display())))?;
    if !meta.is_dir() {
        return Err(CliError::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    let mut skipped = 0usize;
    let mut walker = walkdir::WalkDir::new(dir).sort_by_file_name().into_iter();
    while let Some(entry) = walker.next() {
        let entry =
            entry.map_err(|e| CliError::runtime(format!("cannot read {}: {e}", dir.display())))?;
        let rel_path = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel = rel_path
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let name = entry.file_name().to_string_lossy();
        if entry.depth() > 0 && (name.starts_with('.') || name == "node_modules") {
            let ours = entry.depth() == 1 && (name == MANIFEST || name == LOCK);
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
                out.note(format!("skipped {rel}/: hidden or dependency folder"));
                skipped += 1;
            } else if !ours {
                out.note(format!("skipped {rel}: hidden file"));
                skipped += 1;
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if let Err(why) = scope.check(&rel).and_then(|()| accepted(&rel, len)) {
            out.note(format!("skipped {rel}: {why}"));
            skipped += 1;
            continue;
        }
        files.push(LocalFile {
            sha256: sha256_file(entry.path())?,
            rel,
            path: entry.path().to_path_buf(),
        });
    }
    if skipped > 0 {
        out.note(format!(
            "{skipped} file(s) or folder(s) skipped (see above)"
        ));
    }
    Ok(files)
}

/// Holds `.chatbase-sync.lock` in the folder until dropped, so a second sync of the same folder stops at once
/// instead of creating every source again. The OS releases the lock when the process ends, even on a crash.
pub(super) struct SyncLock(#[allow(dead_code)] std::fs::File);

pub(super) fn lock(dir: &Path) -> Result<SyncLock> {
    let path = dir.join(LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| CliError::runtime(format!("cannot create {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(SyncLock(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(CliError::runtime(format!(
            "another `chatbase sources sync` is running in {} (it holds {})",
            dir.display(),
            path.display()
        ))
        .with_hint("wait for it to finish; the lock is released when that sync exits")),
        Err(std::fs::TryLockError::Error(e)) => Err(CliError::runtime(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| CliError::runtime(format!("cannot read {}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut f, &mut hasher)
        .map_err(|e| CliError::runtime(format!("cannot read {}: {e}", path.display())))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

pub(super) fn load_manifest(dir: &Path) -> Result<Manifest> {
    match std::fs::read_to_string(dir.join(MANIFEST)) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            CliError::runtime(format!(
                "{} is damaged ({e}); delete it to start over",
                MANIFEST
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(e) => Err(CliError::runtime(format!("cannot read {MANIFEST}: {e}"))),
    }
}

/// Replaces the manifest atomically (temp file, fsync, rename): a crash leaves the old or the new one.
pub(super) fn save_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    let text = serde_json::to_string_pretty(m).map_err(|e| CliError::runtime(e.to_string()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".chatbase-sync.")
        .tempfile_in(dir)
        .map_err(|e| CliError::runtime(format!("cannot write in {}: {e}", dir.display())))?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(dir.join(MANIFEST))
        .map_err(|e| CliError::runtime(format!("cannot write {MANIFEST}: {}", e.error)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lf(rel: &str, sha: &str) -> LocalFile {
        LocalFile {
            rel: rel.into(),
            path: rel.into(),
            sha256: sha.into(),
        }
    }
    fn rf(id: &str, name: &str) -> RemoteFile {
        RemoteFile {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn plan_creates_updates_deletes_by_hash() {
        let local = vec![lf("a.pdf", "h1"), lf("b.txt", "h2"), lf("c.txt", "h3")];
        let remote = vec![rf("s1", "a.pdf"), rf("s2", "b.txt"), rf("s9", "gone.pdf")];
        let recorded = BTreeMap::from([
            ("a.pdf".to_string(), ("s1".to_string(), "h1".to_string())),
            ("b.txt".to_string(), ("s2".to_string(), "old".to_string())),
        ]);
        let p = plan(&local, &remote, &recorded);
        assert_eq!(p.unchanged, 1);
        assert_eq!(
            p.actions,
            vec![
                Action::Update {
                    local: lf("b.txt", "h2"),
                    id: "s2".into()
                },
                Action::Create(lf("c.txt", "h3")),
                Action::Delete(rf("s9", "gone.pdf")),
            ]
        );
    }

    #[test]
    fn same_size_edits_are_seen_and_unknown_hashes_reupload_once() {
        let p = plan(
            &[lf("a.pdf", "new")],
            &[rf("s1", "a.pdf")],
            &BTreeMap::new(),
        );
        assert_eq!(
            p.actions,
            vec![Action::Update {
                local: lf("a.pdf", "new"),
                id: "s1".into()
            }]
        );
    }

    #[test]
    fn duplicate_remote_names_are_collapsed() {
        let recorded = BTreeMap::from([("a.pdf".to_string(), ("s1".to_string(), "h".to_string()))]);
        let p = plan(
            &[lf("a.pdf", "h")],
            &[rf("s1", "a.pdf"), rf("s2", "a.pdf")],
            &recorded,
        );
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.actions, vec![Action::Delete(rf("s2", "a.pdf"))]);
    }

    #[test]
    fn scope_uses_globs_in_subfolders_and_excludes() {
        let scope = Scope::new(&[], &["drafts/**".into()]).unwrap();
        assert!(scope.contains("docs/guide.pdf"));
        assert!(scope.contains("top.txt"));
        assert!(scope.contains("Data.JSON"));
        assert!(!scope.contains("notes.md"));
        assert!(!scope.contains("drafts/x.pdf"));
        assert_eq!(
            scope.check("drafts/x.pdf").unwrap_err(),
            "matches --exclude"
        );
        assert!(
            scope
                .check("a.csv")
                .unwrap_err()
                .contains(".csv files are not accepted")
        );
        let only_md = Scope::new(&["*.md".into()], &[]).unwrap();
        assert!(only_md.contains("notes.md"));
        // In scope but not uploadable: still skipped, with the reason.
        assert!(accepted("notes.md", 100).is_err());
        assert!(accepted("a.txt", 10).unwrap_err().contains("50 B to 20 MB"));
        assert!(accepted("a.docx", 100).is_ok());
    }

    #[test]
    fn help_default_and_accepted_types_agree() {
        use clap::CommandFactory;
        let cmd = crate::cli::Cli::command();
        let sync = cmd
            .find_subcommand("sources")
            .and_then(|s| s.find_subcommand("sync"))
            .unwrap();
        let include = sync
            .get_arguments()
            .find(|a| a.get_id() == "include")
            .unwrap();
        let help = include.get_help().unwrap().to_string();
        let listed: Vec<&str> = help
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
            .filter_map(|w| w.strip_prefix('.'))
            .collect();
        let accepted: Vec<&str> = rules::EXTENSIONS.iter().map(|(ext, _)| *ext).collect();
        assert_eq!(listed, accepted, "{help}");
    }
}
