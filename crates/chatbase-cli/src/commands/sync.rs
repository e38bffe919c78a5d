//! `chatbase sources sync DIR`: makes the agent's *file* sources match a folder. Files are compared by SHA-256
//! content hash against a manifest kept in the folder (`.chatbase-sync.json`, per agent), because the server only
//! reports extracted-text sizes. Text, Q&A and link sources are never touched; deletions are limited to names
//! inside the include/exclude scope and need `--yes` or a confirmation. The manifest is rewritten atomically after
//! every completed change, a lock file keeps two syncs of one folder apart, and every file left out is reported
//! with the reason.

use crate::context::Ctx;
use crate::error::{CliError, Result};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

mod plan;

pub use plan::*;

pub async fn run(
    ctx: &Ctx,
    dir: &Path,
    dry_run: bool,
    yes: bool,
    include: &[String],
    exclude: &[String],
) -> Result<()> {
    let scope = Scope::new(include, exclude)?;
    // Held for the whole run, listing included: two syncs interleaving would each create the missing files.
    let _lock = if dry_run { None } else { Some(lock(dir)?) };
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
                    let entry = Entry {
                        id,
                        sha256: f.sha256.clone(),
                    };
                    record(dir, &mut manifest, &agent_id, |e| {
                        e.insert(f.rel.clone(), entry);
                    })?;
                    ctx.out.note(format!("+ {}", f.rel));
                }
                Action::Update { local, id } => {
                    agent
                        .source(id)
                        .update_file()
                        .file(chatbase::UploadSource::path(&local.path))
                        .send()
                        .await?;
                    let entry = Entry {
                        id: id.clone(),
                        sha256: local.sha256.clone(),
                    };
                    record(dir, &mut manifest, &agent_id, |e| {
                        e.insert(local.rel.clone(), entry);
                    })?;
                    ctx.out.note(format!("~ {}", local.rel));
                }
                Action::Delete(r) => {
                    agent.source(&r.id).delete().send().await?;
                    record(dir, &mut manifest, &agent_id, |e| {
                        e.retain(|_, e| e.id != r.id);
                    })?;
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
    // Forget records of in-scope files that are gone both here and on the server; records of files outside this
    // run's scope stay for the next run that includes them.
    record(dir, &mut manifest, &agent_id, |e| {
        e.retain(|rel, entry| {
            !scope.contains(rel)
                || local.iter().any(|l| &l.rel == rel)
                || remote.iter().any(|r| r.id == entry.id)
        })
    })?;
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

/// Applies one change to the agent's records and writes the manifest at once, so a failure or Ctrl-C later in
/// the run never loses what was already done.
fn record(
    dir: &Path,
    manifest: &mut Manifest,
    agent_id: &str,
    change: impl FnOnce(&mut BTreeMap<String, Entry>),
) -> Result<()> {
    change(manifest.agents.entry(agent_id.to_owned()).or_default());
    save_manifest(dir, manifest)
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
