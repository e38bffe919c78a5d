//! `chatbase sources …`: list, get, create (text, Q&A, link, or a file upload with a progress bar), update,
//! delete, restore, summary. `sources sync` lives in `sync`.

pub mod args;

use super::util::{self, print_created, print_done, print_list, print_object};
use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::input::{Severity, build_body, confirm, put, read_value};
use crate::output::{Column, col, time};
use args::{LinkType, SourceType, SourcesCmd};
use serde_json::{Map, Value, json};
use std::path::Path;

pub const SOURCE_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("TYPE", "type"),
    col("NAME", "name"),
    col("STATUS", "status"),
    col("SIZE", "size"),
    time("CREATED", "createdAt"),
];

pub async fn run(ctx: &Ctx, cmd: SourcesCmd) -> Result<()> {
    if let SourcesCmd::Sync {
        dir,
        dry_run,
        yes,
        include,
        exclude,
    } = cmd
    {
        // Flags first, then the project file (its paths are relative to the file), then the defaults.
        let project = ctx.settings.project.as_ref();
        let dir = dir
            .or_else(|| project.and_then(|p| p.sync_dir.clone()))
            .unwrap_or_else(|| std::path::PathBuf::from("."));
        let pick = |flag: Vec<String>, from: fn(&crate::project::ProjectFile) -> &Vec<String>| {
            if flag.is_empty() {
                project.map(|p| from(p).clone()).unwrap_or_default()
            } else {
                flag
            }
        };
        let include = pick(include, |p| &p.sync_include);
        let exclude = pick(exclude, |p| &p.sync_exclude);
        return super::sync::run(ctx, &dir, dry_run, yes, &include, &exclude).await;
    }
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    let agent = client.agent(&agent_id);
    match cmd {
        SourcesCmd::List { list, type_, name } => {
            let mut call = agent.sources().list();
            if let Some(n) = util::limit(&list) {
                call = call.limit(n);
            }
            if let Some(c) = &list.cursor {
                call = call.cursor(c.clone());
            }
            if let Some(t) = type_ {
                call = call.type_(t);
            }
            if let Some(n) = name {
                call = call.name(n);
            }
            print_list(ctx, call, &list, SOURCE_COLUMNS).await
        }
        SourcesCmd::Get { source_id } => {
            print_object(ctx, &agent.source(&source_id).get().send_raw().await?)
        }
        SourcesCmd::Create {
            type_,
            file,
            name,
            content,
            questions,
            answer,
            url,
            link_type,
            body,
        } => {
            if let Some(path) = file {
                let mut upload = agent.sources().upload(chatbase::UploadSource::path(&path));
                if let Some(n) = name {
                    upload = upload.name(n);
                }
                let (bar, report) = upload_progress(ctx, &path);
                let created = upload.progress(report).send_raw().await;
                bar.finish_and_clear();
                let created = created?;
                print_created(ctx, "file source", &created)?;
                ctx.out.note("hint: sources are trained by the API automatically; `chatbase sources list` shows their status");
                return Ok(());
            }
            let mut map = Map::new();
            if let Some(t) = type_ {
                map.insert(
                    "type".into(),
                    json!(match t {
                        SourceType::Text => "text",
                        SourceType::Qna => "qna",
                        SourceType::Link => "link",
                    }),
                );
                if t == SourceType::Qna && name.is_none() && body.data.is_none() {
                    return Err(CliError::usage("a Q&A source needs --name"));
                }
            }
            put(&mut map, "name", name);
            if let Some(c) = content {
                map.insert("content".into(), Value::String(read_value(&c)?));
            }
            if !questions.is_empty() {
                map.insert("questions".into(), json!(questions));
            }
            put(&mut map, "answer", answer);
            put(&mut map, "url", url);
            put(
                &mut map,
                "linkType",
                link_type.map(|l| match l {
                    LinkType::Individual => "individual",
                    LinkType::Sitemap => "sitemap",
                    LinkType::Crawl => "crawl",
                }),
            );
            let map = build_body(&body, map)?;
            let created = agent.sources().create(util::body(map)?).send_raw().await?;
            print_created(ctx, "source", &created)
        }
        SourcesCmd::Update {
            source_id,
            file,
            name,
            content,
            body,
        } => {
            if let Some(path) = file {
                let mut upload = agent
                    .source(&source_id)
                    .update_file()
                    .file(chatbase::UploadSource::path(&path));
                if let Some(n) = name {
                    upload = upload.name(n);
                }
                let (bar, report) = upload_progress(ctx, &path);
                let res = upload.progress(report).send_raw().await;
                bar.finish_and_clear();
                return print_object(ctx, &res?);
            }
            let mut map = Map::new();
            put(&mut map, "name", name);
            if let Some(c) = content {
                map.insert("content".into(), Value::String(read_value(&c)?));
            }
            let map = build_body(&body, map)?;
            if map.is_empty() {
                return Err(CliError::usage(
                    "nothing to update: pass --name, --content, --file, --data or -f key=value",
                ));
            }
            print_object(
                ctx,
                &agent
                    .source(&source_id)
                    .update(util::body(map)?)
                    .send_raw()
                    .await?,
            )
        }
        SourcesCmd::Delete {
            source_id,
            confirm: c,
        } => {
            confirm(
                "source",
                &source_id,
                &c,
                ctx.global.no_input,
                Severity::Normal,
            )?;
            let res = agent.source(&source_id).delete().send_raw().await?;
            print_done(ctx, &res, format!("Deleted source {source_id}"))?;
            let pending = res.json().get().contains("toBeDeleted");
            if pending {
                ctx.out.note(format!(
                    "hint: deletion is pending; `chatbase sources restore {source_id}` may bring it back"
                ));
            }
            Ok(())
        }
        SourcesCmd::Restore { source_id } => {
            let res = agent.source(&source_id).restore().send_raw().await?;
            print_done(
                ctx,
                &res,
                format!("Restore requested for source {source_id}"),
            )
        }
        SourcesCmd::Summary => print_object(ctx, &agent.sources().summary().send_raw().await?),
        SourcesCmd::Sync { .. } => Ok(()),
    }
}

/// A byte progress bar on stderr for uploads (hidden when stderr is not a terminal or with -q), and the callback
/// to hand the SDK upload: it feeds the bar the (sent, total) bytes the SDK reports.
pub fn upload_progress(
    ctx: &Ctx,
    path: &Path,
) -> (
    indicatif::ProgressBar,
    impl Fn(u64, u64) + Send + Sync + 'static,
) {
    let bar = if ctx.out.quiet || !ctx.out.stderr_tty {
        indicatif::ProgressBar::hidden()
    } else {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        bar.set_message(format!("Uploading {name}"));
        bar
    };
    let feed = bar.clone();
    // The SDK reports (sent, total) from the first chunk on, so the bar learns the size there.
    let report = move |sent, total| {
        feed.set_length(total);
        feed.set_position(sent);
    };
    (bar, report)
}
