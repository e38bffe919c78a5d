//! `chatbase sources sync DIR`: makes the agent's *file* sources match a folder. Files are compared by SHA-256
//! content hash against a manifest kept in the folder (`.chatbase-sync.json`, per agent), because the server only
//! reports extracted-text sizes. Text, Q&A and link sources are never touched; deletions are limited to names
//! inside the include/exclude scope and need `--yes` or a confirmation.

use crate::context::Ctx;
use crate::error::{CliError, Result};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const MANIFEST: &str = ".chatbase-sync.json";
use chatbase::file_sources::{EXTENSIONS, MAX_BYTES, MIN_BYTES};

/// Default `--include`: every file type the service accepts (`chatbase::file_sources`).
fn default_include() -> Vec<String> {
    EXTENSIONS
        .iter()
        .map(|(ext, _)| format!("**/*.{ext}"))
        .collect()
}

/// What the folder looked like at the last successful sync, per agent: relative path → (source id, sha256).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    #[serde(default)]
    agents: BTreeMap<String, BTreeMap<String, Entry>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Entry {
    id: String,
    sha256: String,
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

fn build_globs(patterns: &[String], defaults: &[String]) -> Result<globset::GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    let list: Vec<String> = if patterns.is_empty() {
        defaults.to_vec()
    } else {
        patterns.to_vec()
    };
    for p in &list {
        // A bare `*.pdf` should match in subfolders too.
        let p = if p.contains('/') {
            p.clone()
        } else {
            format!("**/{p}")
        };
        b.add(globset::Glob::new(&p).map_err(|e| CliError::usage(format!("bad glob {p:?}: {e}")))?);
    }
    b.build()
        .map_err(|e| CliError::usage(format!("bad globs: {e}")))
}

struct Scope {
    include: globset::GlobSet,
    exclude: globset::GlobSet,
}

impl Scope {
    fn contains(&self, rel: &str) -> bool {
        self.include.is_match(rel) && !self.exclude.is_match(rel)
    }
}

fn scan(dir: &Path, scope: &Scope, out: &crate::output::Output) -> Result<Vec<LocalFile>> {
    let meta = std::fs::metadata(dir)
        .map_err(|e| CliError::usage(format!("cannot open {}: {e}", dir.display())))?;
    if !meta.is_dir() {
        return Err(CliError::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || name == "node_modules")
        });
    for entry in walker {
        let entry =
            entry.map_err(|e| CliError::runtime(format!("cannot read {}: {e}", dir.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel_path = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel = rel_path
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if !scope.contains(&rel) {
            continue;
        }
        let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if !(MIN_BYTES..=MAX_BYTES).contains(&len) {
            out.note(format!(
                "skipping {rel}: {len} bytes (file sources must be {MIN_BYTES} B to {} MB)",
                MAX_BYTES / (1024 * 1024)
            ));
            continue;
        }
        files.push(LocalFile {
            sha256: sha256_file(entry.path())?,
            rel,
            path: entry.path().to_path_buf(),
        });
    }
    Ok(files)
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

fn load_manifest(dir: &Path) -> Result<Manifest> {
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

fn save_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    let text = serde_json::to_string_pretty(m).map_err(|e| CliError::runtime(e.to_string()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.persist(dir.join(MANIFEST))
        .map_err(|e| CliError::runtime(format!("cannot write {MANIFEST}: {}", e.error)))?;
    Ok(())
}

pub async fn run(
    ctx: &Ctx,
    dir: &Path,
    dry_run: bool,
    yes: bool,
    include: &[String],
    exclude: &[String],
) -> Result<()> {
    let scope = Scope {
        include: build_globs(include, &default_include())?,
        exclude: build_globs(exclude, &[])?,
    };
    let local = scan(dir, &scope, &ctx.out)?;
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    let agent = client.agent(&agent_id);

    let mut remote = Vec::new();
    let mut items = std::pin::pin!(agent.sources().list().limit(100).type_("file").items());
    while let Some(item) = items.next().await {
        let v = super::util::to_json(&item?)?;
        let status = v.get("status").and_then(|s| s.as_str()).unwrap_or("");
        let is_file = v
            .get("type")
            .and_then(|t| t.as_str())
            .is_none_or(|t| t == "file");
        if !is_file || status == "toBeDeleted" || status == "deleted" {
            continue;
        }
        let (Some(id), Some(name)) = (
            v.get("id").and_then(|x| x.as_str()),
            v.get("name").and_then(|x| x.as_str()),
        ) else {
            continue;
        };
        // Only names inside the scope may be deleted: an --exclude never removes remote files.
        if scope.contains(name) {
            remote.push(RemoteFile {
                id: id.to_owned(),
                name: name.to_owned(),
            });
        }
    }

    let mut manifest = load_manifest(dir)?;
    let recorded: BTreeMap<String, (String, String)> = manifest
        .agents
        .get(&agent_id)
        .map(|m| {
            m.iter()
                .map(|(k, e)| (k.clone(), (e.id.clone(), e.sha256.clone())))
                .collect()
        })
        .unwrap_or_default();
    let plan = plan(&local, &remote, &recorded);
    print_plan(ctx, &plan);
    if dry_run || plan.actions.is_empty() {
        return Ok(());
    }
    let deletes = plan
        .actions
        .iter()
        .filter(|a| matches!(a, Action::Delete(_)))
        .count();
    if deletes > 0
        && !yes
        && !crate::input::ask_yes_no(
            &format!("Delete {deletes} remote file source(s)?"),
            ctx.global.no_input,
        )?
    {
        return Err(CliError::usage(format!(
            "refusing to delete {deletes} source(s) without confirmation"
        ))
        .with_hint("review with --dry-run, then pass --yes"));
    }

    let mut failures = 0;
    let entries = manifest.agents.entry(agent_id.clone()).or_default();
    for action in &plan.actions {
        let result: Result<()> = async {
            match action {
                Action::Create(f) => {
                    let created = agent
                        .sources()
                        .upload(chatbase::UploadSource::path(&f.path))
                        .name(f.rel.clone())
                        .send()
                        .await?;
                    let v = super::util::to_json(&created)?;
                    let id = v
                        .get("id")
                        .and_then(|i| i.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    entries.insert(
                        f.rel.clone(),
                        Entry {
                            id,
                            sha256: f.sha256.clone(),
                        },
                    );
                    ctx.out.note(format!("+ {}", f.rel));
                }
                Action::Update { local, id } => {
                    agent
                        .source(id)
                        .update_file()
                        .file(chatbase::UploadSource::path(&local.path))
                        .send()
                        .await?;
                    entries.insert(
                        local.rel.clone(),
                        Entry {
                            id: id.clone(),
                            sha256: local.sha256.clone(),
                        },
                    );
                    ctx.out.note(format!("~ {}", local.rel));
                }
                Action::Delete(r) => {
                    agent.source(&r.id).delete().send().await?;
                    entries.retain(|_, e| e.id != r.id);
                    ctx.out
                        .note(format!("- {}", crate::sanitize::sanitize_cell(&r.name)));
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            failures += 1;
            let name = match action {
                Action::Create(f) | Action::Update { local: f, .. } => f.rel.clone(),
                Action::Delete(r) => r.name.clone(),
            };
            let mut err = std::io::stderr();
            let _ = writeln!(err, "✗ {name}:");
            let _ = e.render_text(&mut err, false);
        }
    }
    // Recorded after the work, so an interrupted run re-checks rather than trusting a half-done state.
    entries.retain(|rel, _| local.iter().any(|l| &l.rel == rel));
    save_manifest(dir, &manifest)?;
    if failures > 0 {
        return Err(CliError::runtime(format!(
            "{failures} of {} changes failed",
            plan.actions.len()
        )));
    }
    ctx.out.success(format!(
        "Synced {} change(s); {} unchanged",
        plan.actions.len(),
        plan.unchanged
    ));
    Ok(())
}

fn print_plan(ctx: &Ctx, plan: &Plan) {
    let (mut c, mut u, mut d) = (0, 0, 0);
    for a in &plan.actions {
        match a {
            Action::Create(f) => {
                c += 1;
                ctx.out.note(format!("  + {}", f.rel));
            }
            Action::Update { local, .. } => {
                u += 1;
                ctx.out.note(format!("  ~ {}", local.rel));
            }
            Action::Delete(r) => {
                d += 1;
                ctx.out
                    .note(format!("  - {}", crate::sanitize::sanitize_cell(&r.name)));
            }
        }
    }
    ctx.out.note(format!(
        "+{c} to create  ~{u} to update  -{d} to delete  ({} unchanged)",
        plan.unchanged
    ));
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
        let scope = Scope {
            include: build_globs(&[], &default_include()).unwrap(),
            exclude: build_globs(&["drafts/**".into()], &[]).unwrap(),
        };
        assert!(scope.contains("docs/guide.pdf"));
        assert!(scope.contains("top.txt"));
        assert!(!scope.contains("notes.md"));
        assert!(!scope.contains("drafts/x.pdf"));
    }
}
