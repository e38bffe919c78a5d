//! `chatbase conversations …`, `messages …` and `users …`: lists, details, pause/resume, tool results, feedback,
//! and the resumable NDJSON export (constant memory, progress bar on stderr, cursor saved after every page).

use super::util::{self, print_done, print_list, print_object};
use crate::cli::{ConversationsCmd, ExportInclude, MessagesCmd, Rating, UsersCmd};
use crate::context::Ctx;
use crate::error::{CliError, ExitKind, Result};
use crate::input::read_value;
use crate::output::{Column, col, time};
use futures::StreamExt;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const CONVERSATION_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("TITLE", "title"),
    col("USER", "userId"),
    col("SOURCE", "source"),
    col("STATUS", "status"),
    time("CREATED", "createdAt"),
    time("UPDATED", "updatedAt"),
];

pub const MESSAGE_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("ROLE", "role"),
    col("TEXT", "parts.0.text"),
    col("FEEDBACK", "feedback"),
    time("CREATED", "createdAt"),
];

pub async fn conversations(ctx: &Ctx, cmd: ConversationsCmd) -> Result<()> {
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    let agent = client.agent(&agent_id);
    match cmd {
        ConversationsCmd::List {
            list,
            user,
            start_date,
            end_date,
        } => {
            if let Some(u) = user {
                if start_date.is_some() || end_date.is_some() {
                    return Err(CliError::usage(
                        "--start-date/--end-date do not apply with --user",
                    ));
                }
                let mut call = agent.user(u).conversations();
                if let Some(n) = util::limit(&list) {
                    call = call.limit(n);
                }
                if let Some(c) = &list.cursor {
                    call = call.cursor(c.clone());
                }
                return print_list(ctx, call, &list, CONVERSATION_COLUMNS).await;
            }
            let mut call = agent.conversations().list();
            if let Some(n) = util::limit(&list) {
                call = call.limit(n);
            }
            if let Some(c) = &list.cursor {
                call = call.cursor(c.clone());
            }
            if let Some(d) = start_date {
                call = call.start_date(d);
            }
            if let Some(d) = end_date {
                call = call.end_date(d);
            }
            print_list(ctx, call, &list, CONVERSATION_COLUMNS).await
        }
        ConversationsCmd::Get { conversation_id } => {
            let conv = agent
                .conversation(&conversation_id)
                .get()
                .send_raw()
                .await?;
            if ctx.out.is_machine() {
                return print_object(ctx, &conv);
            }
            // People get the conversation's fields, then its messages as rows rather than one JSON cell.
            let v = util::value_of(&conv)?;
            let mut fields = v.get("data").cloned().unwrap_or(v);
            let messages = fields.as_object_mut().and_then(|m| m.remove("messages"));
            let mut stdout = std::io::stdout().lock();
            ctx.out.object(&mut stdout, &fields)?;
            if let Some(Value::Array(items)) = messages {
                writeln!(stdout)?;
                let mut list = ctx.out.list(MESSAGE_COLUMNS, true);
                list.page(&mut stdout, &items)?;
                list.finish(&mut stdout, None)?;
            }
            Ok(())
        }
        ConversationsCmd::Pause { conversation_id } => {
            set_paused(ctx, &agent, &conversation_id, true).await
        }
        ConversationsCmd::Resume { conversation_id } => {
            set_paused(ctx, &agent, &conversation_id, false).await
        }
        ConversationsCmd::ToolResult {
            conversation_id,
            tool_call_id,
            output,
        } => {
            let output = match output {
                Some(o) => {
                    let text = read_value(&o)?;
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                }
                None => Value::Null,
            };
            let res = agent
                .conversation(&conversation_id)
                .submit_tool_result(tool_call_id.clone(), output)
                .send_raw()
                .await?;
            print_done(
                ctx,
                &res,
                format!("Submitted the result of tool call {tool_call_id}"),
            )?;
            ctx.out.note(format!(
                "hint: let the agent continue with: chatbase chat -a {agent_id} --conversation {conversation_id} -m '…'"
            ));
            Ok(())
        }
        ConversationsCmd::Export {
            output,
            limit,
            cursor,
            resume,
            one_page,
            max_items,
            start_date,
            end_date,
            conversation,
            include,
            source,
        } => {
            let export = Export {
                output,
                limit,
                cursor,
                resume,
                one_page,
                max_items,
                start_date,
                end_date,
                conversation,
                include,
                source,
            };
            run_export(ctx, &agent, export).await
        }
    }
}

struct Export {
    output: Option<PathBuf>,
    limit: Option<u32>,
    cursor: Option<String>,
    resume: bool,
    one_page: bool,
    max_items: Option<u64>,
    start_date: Option<String>,
    end_date: Option<String>,
    conversation: Option<String>,
    include: Option<ExportInclude>,
    source: Option<String>,
}

/// `conversations pause|resume`: whether the agent stays out of the conversation (a person has taken over).
async fn set_paused(
    ctx: &Ctx,
    agent: &chatbase::agents::Agent<'_>,
    conversation_id: &str,
    paused: bool,
) -> Result<()> {
    let res = agent
        .conversation(conversation_id)
        .update(util::body(Map::from_iter([(
            "paused".into(),
            json!(paused),
        )]))?)
        .send_raw()
        .await?;
    let done = if paused {
        format!("Paused the agent in conversation {conversation_id}")
    } else {
        format!("The agent answers again in conversation {conversation_id}")
    };
    print_done(ctx, &res, done)
}

/// Where an interrupted export to FILE keeps its next cursor.
fn state_path(output: &Path) -> PathBuf {
    let mut name = output
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".cursor");
    output.with_file_name(name)
}

fn write_state(path: &Path, cursor: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(cursor.as_bytes())?;
    tmp.persist(path)
        .map_err(|e| CliError::runtime(format!("cannot save {}: {}", path.display(), e.error)))?;
    Ok(())
}

async fn run_export(ctx: &Ctx, agent: &chatbase::agents::Agent<'_>, ex: Export) -> Result<()> {
    let mut start = ex.cursor.clone();
    let state = ex.output.as_deref().map(state_path);
    if ex.resume {
        let state = state
            .as_ref()
            .ok_or_else(|| CliError::usage("--resume needs --output"))?;
        match std::fs::read_to_string(state) {
            Ok(c) if !c.trim().is_empty() => start = Some(c.trim().to_owned()),
            _ => {
                return Err(CliError::usage(format!(
                    "nothing to resume: {} does not exist",
                    state.display()
                ))
                .with_hint(
                    "the previous export finished, or never started; run without --resume",
                ));
            }
        }
    }
    let mut writer: Box<dyn Write + Send> = match &ex.output {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(ex.resume)
                .truncate(!ex.resume)
                .open(path)
                .map_err(|e| CliError::runtime(format!("cannot open {}: {e}", path.display())))?;
            Box::new(std::io::BufWriter::new(file))
        }
        None => Box::new(std::io::stdout()),
    };

    let mut call = agent.conversations().export();
    if let Some(n) = ex.limit {
        call = call.limit(u64::from(n));
    }
    if let Some(c) = &start {
        call = call.cursor(c.clone());
    }
    if let Some(d) = ex.start_date {
        call = call.start_date(d);
    }
    if let Some(d) = ex.end_date {
        call = call.end_date(d);
    }
    if let Some(c) = ex.conversation {
        call = call.conversation_id(c);
    }
    if let Some(i) = ex.include {
        let v = match i {
            ExportInclude::Summary => "summary",
            ExportInclude::Messages => "messages",
        };
        call = call.include(util::parse_as::<
            chatbase::types::v2::ExportConversationsInclude,
        >("--include", v)?);
    }
    if let Some(s) = ex.source {
        call = call.source(s);
    }

    let bar = export_bar(ctx, ex.output.is_some());
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    if let Some(n) = ex.max_items {
        call = call.max_items(usize::try_from(n).unwrap_or(usize::MAX));
    }
    let mut pages = std::pin::pin!(call.pages());
    let mut count: u64 = 0;
    let mut last_cursor = start.clone();
    loop {
        let next = tokio::select! {
            p = pages.next() => p,
            _ = &mut ctrl_c => {
                bar.abandon();
                writer.flush()?;
                let hint = match (&ex.output, &last_cursor) {
                    (Some(path), _) => format!("continue with: chatbase conversations export -o {} --resume", path.display()),
                    (None, Some(c)) => format!("continue with: chatbase conversations export --cursor {c}"),
                    (None, None) => "run it again to start over".to_owned(),
                };
                return Err(CliError::new(ExitKind::Interrupted, format!("export interrupted after {count} conversations")).with_hint(hint));
            }
        };
        let Some(page) = next else { break };
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                bar.abandon();
                writer.flush()?;
                let mut err: CliError = e.into();
                if let Some(path) = &ex.output {
                    err = err.with_hint(format!(
                        "continue with: chatbase conversations export -o {} --resume",
                        path.display()
                    ));
                }
                return Err(err);
            }
        };
        for item in page.items() {
            let line = serde_json::to_string(item)
                .map_err(|e| CliError::runtime(format!("cannot encode: {e}")))?;
            writer.write_all(line.as_bytes())?;
            writer.write_all(b"\n")?;
        }
        // Data first, then the cursor: a crash in between repeats a page rather than losing one.
        writer.flush()?;
        count += page.items().len() as u64;
        bar.set_position(count);
        if let Some(t) = page.total() {
            bar.set_length(t);
        }
        last_cursor = page.next_cursor().map(str::to_owned);
        if let (Some(state), Some(c)) = (&state, &last_cursor) {
            write_state(state, c)?;
        }
        if ex.one_page {
            if let Some(c) = &last_cursor {
                ctx.out
                    .note(format!("More results: rerun with --cursor {c}"));
            }
            break;
        }
    }
    bar.finish_and_clear();
    if let Some(state) = &state
        && !ex.one_page
    {
        let _ = std::fs::remove_file(state);
    }
    match &ex.output {
        Some(path) => ctx.out.success(format!(
            "Exported {count} conversations to {}",
            path.display()
        )),
        None => ctx.out.note(format!("Exported {count} conversations")),
    }
    Ok(())
}

fn export_bar(ctx: &Ctx, to_file: bool) -> indicatif::ProgressBar {
    if ctx.out.quiet || !ctx.out.stderr_tty || (!to_file && ctx.out.stdout_tty) {
        return indicatif::ProgressBar::hidden();
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} exported {pos} conversations ({per_sec}) {elapsed}",
    ) {
        bar.set_style(style);
    }
    bar
}

pub async fn messages(ctx: &Ctx, cmd: MessagesCmd) -> Result<()> {
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    let agent = client.agent(&agent_id);
    match cmd {
        MessagesCmd::List { conversation, list } => {
            let mut call = agent.conversation(&conversation).messages();
            if let Some(n) = util::limit(&list) {
                call = call.limit(n);
            }
            if let Some(c) = &list.cursor {
                call = call.cursor(c.clone());
            }
            print_list(ctx, call, &list, MESSAGE_COLUMNS).await
        }
        MessagesCmd::Feedback {
            message_id,
            conversation,
            rating,
        } => {
            let feedback = match rating {
                Rating::Positive => json!("positive"),
                Rating::Negative => json!("negative"),
                Rating::Clear => Value::Null,
            };
            let body = util::body(Map::from_iter([("feedback".into(), feedback)]))?;
            let res = agent
                .conversation(&conversation)
                .message_feedback(message_id.clone(), body)
                .send_raw()
                .await?;
            print_done(
                ctx,
                &res,
                format!("Feedback recorded for message {message_id}"),
            )
        }
    }
}

pub async fn users(ctx: &Ctx, cmd: UsersCmd) -> Result<()> {
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    match cmd {
        UsersCmd::Conversations { user_id, list } => {
            let mut call = client.agent(&agent_id).user(user_id).conversations();
            if let Some(n) = util::limit(&list) {
                call = call.limit(n);
            }
            if let Some(c) = &list.cursor {
                call = call.cursor(c.clone());
            }
            print_list(ctx, call, &list, CONVERSATION_COLUMNS).await
        }
    }
}
