//! `chatbase conversations …`, `messages …` and `users …`: lists, details, pause/resume, tool results, feedback,
//! and the resumable NDJSON export (constant memory, progress bar on stderr, cursor saved after every page).
//!
//! The export writes each conversation exactly as the server sent it (one line each, only whitespace between
//! tokens removed). Its resume state records everything that defines the export (agent, API host, filters,
//! format, output file) so `--resume` refuses to continue a different export, and every hint repeats the flags
//! needed. A walk that stops before the server's last page is an error that keeps the resume state.

pub mod args;

use super::util::{self, print_done, print_list, print_object};
use crate::context::Ctx;
use crate::error::{CliError, ExitKind, Result};
use crate::input::read_value;
use crate::output::{Column, col, time};
use args::{ConversationsCmd, ExportInclude, MessagesCmd, Rating, UsersCmd};
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
                let mut call = agent.user(u).list_conversations();
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

/// Where an interrupted export to FILE keeps its resume state.
fn state_path(output: &Path) -> PathBuf {
    let mut name = output
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".cursor");
    output.with_file_name(name)
}

/// The output format of the export (only NDJSON today); recorded so a later format cannot append to it.
const EXPORT_FORMAT: &str = "ndjson";

/// Everything that defines an export: a resume must match it field by field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExportSpec {
    agent: String,
    api_url: String,
    format: String,
    output: String,
    start_date: Option<String>,
    end_date: Option<String>,
    conversation: Option<String>,
    include: Option<String>,
    source: Option<String>,
}

/// The file beside the output: the export's definition and the cursor of the next page.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResumeState {
    version: u32,
    #[serde(flatten)]
    spec: ExportSpec,
    cursor: String,
}

impl ExportSpec {
    /// The first field that differs, as (flag, saved, now).
    fn mismatch(&self, now: &ExportSpec) -> Option<(&'static str, String, String)> {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not set)".to_owned());
        let pairs: [(&'static str, String, String); 9] = [
            ("--agent", self.agent.clone(), now.agent.clone()),
            ("--api-url", self.api_url.clone(), now.api_url.clone()),
            ("format", self.format.clone(), now.format.clone()),
            ("--output", self.output.clone(), now.output.clone()),
            (
                "--start-date",
                show(&self.start_date),
                show(&now.start_date),
            ),
            ("--end-date", show(&self.end_date), show(&now.end_date)),
            (
                "--conversation",
                show(&self.conversation),
                show(&now.conversation),
            ),
            ("--include", show(&self.include), show(&now.include)),
            ("--source", show(&self.source), show(&now.source)),
        ];
        pairs.into_iter().find(|(_, a, b)| a != b)
    }

    /// The command that continues this export from its saved state, every defining flag included.
    fn resume_command(&self) -> String {
        let mut cmd = format!("chatbase -a {}", shell_quote(&self.agent));
        if self.api_url.trim_end_matches('/') != crate::config::DEFAULT_API_URL {
            cmd.push_str(&format!(" --api-url {}", shell_quote(&self.api_url)));
        }
        cmd.push_str(&format!(
            " conversations export -o {} --resume",
            shell_quote(&self.output)
        ));
        for (flag, value) in [
            ("--start-date", &self.start_date),
            ("--end-date", &self.end_date),
            ("--conversation", &self.conversation),
            ("--include", &self.include),
            ("--source", &self.source),
        ] {
            if let Some(v) = value {
                cmd.push_str(&format!(" {flag} {}", shell_quote(v)));
            }
        }
        cmd
    }
}

/// Quotes a value for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn write_state(path: &Path, state: &ResumeState) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let text = serde_json::to_string_pretty(state)
        .map_err(|e| CliError::runtime(format!("cannot encode the resume state: {e}")))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.persist(path)
        .map_err(|e| CliError::runtime(format!("cannot save {}: {}", path.display(), e.error)))?;
    Ok(())
}

/// Reads the saved state and checks it belongs to the export being asked for.
fn read_state(path: &Path, now: &ExportSpec) -> Result<String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) if !t.trim().is_empty() => t,
        _ => {
            return Err(CliError::usage(format!(
                "nothing to resume: {} does not exist",
                path.display()
            ))
            .with_hint("the previous export finished, or never started; run without --resume"));
        }
    };
    let state: ResumeState = serde_json::from_str(&text).map_err(|_| {
        CliError::usage(format!(
            "{} does not record which export it belongs to (written by an older chatbase, or damaged)",
            path.display()
        ))
        .with_hint("start the export again without --resume")
    })?;
    if state.version != 1 {
        return Err(CliError::usage(format!(
            "{} has resume state version {}, which this chatbase does not know",
            path.display(),
            state.version
        )));
    }
    if let Some((flag, saved, asked)) = state.spec.mismatch(now) {
        return Err(CliError::usage(format!(
            "cannot resume: the saved export has {flag} {saved}, this run has {asked}"
        ))
        .with_hint(format!(
            "continue the saved export with: {}",
            state.spec.resume_command()
        )));
    }
    Ok(state.cursor)
}

async fn run_export(ctx: &Ctx, agent: &chatbase::agents::Agent<'_>, ex: Export) -> Result<()> {
    let include = ex.include.map(|i| match i {
        ExportInclude::Summary => "summary",
        ExportInclude::Messages => "messages",
    });
    let output_abs = match &ex.output {
        Some(p) => Some(
            std::path::absolute(p)
                .map_err(|e| CliError::usage(format!("cannot resolve {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let spec = ExportSpec {
        agent: agent.id().to_owned(),
        api_url: ctx
            .client()?
            .v2_base_url()
            .trim_end_matches("/api/v2")
            .to_owned(),
        format: EXPORT_FORMAT.to_owned(),
        output: output_abs
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        start_date: ex.start_date.clone(),
        end_date: ex.end_date.clone(),
        conversation: ex.conversation.clone(),
        include: include.map(str::to_owned),
        source: ex.source.clone(),
    };
    let mut start = ex.cursor.clone();
    let state = output_abs.as_deref().map(state_path);
    if ex.resume {
        let state = state
            .as_ref()
            .ok_or_else(|| CliError::usage("--resume needs --output"))?;
        start = Some(read_state(state, &spec)?);
    }
    // What to tell a person whose export stopped before the end.
    let resume_hint = |cursor: Option<&str>| -> String {
        match (&state, cursor) {
            (Some(_), _) => format!("continue with: {}", spec.resume_command()),
            (None, Some(c)) => format!(
                "continue with: chatbase -a {} conversations export --cursor {}",
                shell_quote(&spec.agent),
                shell_quote(c)
            ),
            (None, None) => "run it again to start over".to_owned(),
        }
    };
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
    if let Some(v) = include {
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
    // Each conversation as the server sent it, checked against the generated type first.
    let mut pages = call.raw_pages();
    let mut count: u64 = 0;
    let mut last_cursor = start.clone();
    loop {
        let next = tokio::select! {
            p = pages.next() => p,
            _ = &mut ctrl_c => {
                bar.abandon();
                writer.flush()?;
                return Err(CliError::new(ExitKind::Interrupted, format!("export interrupted after {count} conversations")).with_hint(resume_hint(last_cursor.as_deref())));
            }
        };
        let Some(page) = next else { break };
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                bar.abandon();
                writer.flush()?;
                let stopped_early = matches!(e, chatbase::Error::Pagination { .. });
                let mut err: CliError = e.into();
                if stopped_early {
                    err.message = format!(
                        "the export is incomplete: {} (after {count} conversations; the resume state is kept)",
                        err.message
                    );
                }
                return Err(err.with_hint(resume_hint(last_cursor.as_deref())));
            }
        };
        for item in page.items() {
            let line = crate::output::relayout(item.get(), None, 0);
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
            write_state(
                state,
                &ResumeState {
                    version: 1,
                    spec: spec.clone(),
                    cursor: c.clone(),
                },
            )?;
        }
        if ex.one_page {
            if let Some(c) = &last_cursor {
                ctx.out.note(format!(
                    "More results: {}",
                    resume_hint(Some(c)).replacen("continue with", "rerun with", 1)
                ));
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
            let mut call = agent.conversation(&conversation).list_messages();
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
            let mut call = client.agent(&agent_id).user(user_id).list_conversations();
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
