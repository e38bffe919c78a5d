//! `chatbase chat`: one-shot (`-m` or piped stdin) and the interactive session. Deltas are sanitised and flushed
//! as they arrive; Ctrl-C cancels the answer in progress (and, at an idle prompt, leaves). Tool calls are shown on
//! stderr; `--format ndjson` prints every stream event's JSON, as the server sent it, instead of text.

pub mod args;
mod repl;

use crate::context::Ctx;
use crate::error::{CliError, ExitKind, Result};
use crate::output::Format;
use crate::sanitize::sanitize;
use crate::stream_out::{self, Ended, Next};
use args::{ChatArgs, ChatCmd, ChatSub};
use chatbase::{ChatAnswer, ChatEvent, ChatStream, FinishReason, RawEvent};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::io::{IsTerminal, Read, Write};

/// What one turn produced.
#[derive(Debug, Default)]
struct Outcome {
    conversation_id: Option<String>,
    message_id: Option<String>,
    cancelled: bool,
    tool_calls: Vec<(String, String)>,
}

enum Turn {
    Message(String),
    Retry(String),
}

pub async fn run(ctx: &Ctx, cmd: ChatCmd) -> Result<()> {
    if cmd.sub.is_some() {
        let a = &cmd.args;
        if a.message.is_some()
            || a.conversation.is_some()
            || a.resume
            || a.no_stream
            || a.user_id.is_some()
        {
            return Err(CliError::usage(
                "`chat retry` takes its own options; put -c/--no-stream after `retry`",
            )
            .with_hint("chatbase chat retry -c CONVERSATION --message-id ID"));
        }
    }
    let client = &ctx.stream_client(&cmd.args.stream)?;
    let agent_id = ctx.agent_id().await?;
    if let Some(ChatSub::Retry {
        conversation,
        message_id,
        no_stream,
    }) = cmd.sub
    {
        let mut conv = Some(conversation);
        let outcome = turn(
            ctx,
            client,
            &agent_id,
            &mut conv,
            Turn::Retry(message_id),
            no_stream,
        )
        .await?;
        return finish_one_shot(ctx, &agent_id, outcome);
    }
    let args = cmd.args;
    let mut conv = args.conversation.clone();
    if args.resume
        && let Some(c) = &conv
    {
        repl::show_history(ctx, client, &agent_id, c).await;
    }
    let message = match &args.message {
        Some(m) => Some(m.clone()),
        None if !std::io::stdin().is_terminal() => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            let text = text.trim().to_owned();
            if text.is_empty() {
                return Err(CliError::usage("nothing to send: stdin was empty")
                    .with_hint("pass -m \"your question\""));
            }
            Some(text)
        }
        None if ctx.global.no_input => {
            return Err(CliError::usage(
                "no message: pass -m \"…\" or pipe text on stdin (--no-input forbids prompting)",
            ));
        }
        None => None,
    };
    match message {
        Some(m) => {
            let outcome =
                turn_with_user(ctx, client, &agent_id, &mut conv, Turn::Message(m), &args).await?;
            finish_one_shot(ctx, &agent_id, outcome)
        }
        None => repl::repl(ctx, client, &agent_id, conv, &args).await,
    }
}

async fn turn_with_user(
    ctx: &Ctx,
    client: &chatbase::Client,
    agent_id: &str,
    conv: &mut Option<String>,
    t: Turn,
    args: &ChatArgs,
) -> Result<Outcome> {
    if let (Turn::Message(m), Some(user)) = (&t, &args.user_id) {
        return run_turn(
            ctx,
            client,
            agent_id,
            conv,
            Some(user.as_str()),
            Turn::Message(m.clone()),
            args.no_stream,
        )
        .await;
    }
    turn(ctx, client, agent_id, conv, t, args.no_stream).await
}

async fn turn(
    ctx: &Ctx,
    client: &chatbase::Client,
    agent_id: &str,
    conv: &mut Option<String>,
    t: Turn,
    no_stream: bool,
) -> Result<Outcome> {
    run_turn(ctx, client, agent_id, conv, None, t, no_stream).await
}

fn finish_one_shot(ctx: &Ctx, agent_id: &str, outcome: Outcome) -> Result<()> {
    if let Some(c) = outcome
        .conversation_id
        .as_deref()
        .map(crate::sanitize::sanitize_cell)
    {
        let agent_flag =
            if ctx.default_agent.as_deref() == Some(agent_id) && ctx.settings.agent.is_none() {
                String::new()
            } else {
                format!(" -a {agent_id}")
            };
        let emu = if ctx.global.emulator {
            " --emulator"
        } else {
            ""
        };
        ctx.out.note(format!(
            "Conversation: {c} (continue with: chatbase{emu} chat{agent_flag} --conversation {c})"
        ));
    }
    for (id, name) in &outcome.tool_calls {
        let c = outcome
            .conversation_id
            .as_deref()
            .unwrap_or("CONVERSATION_ID");
        ctx.out.note(format!(
            "hint: the agent asked for client action {name}; send its result with: chatbase conversations tool-result {c} --tool-call-id {id} --output '<json>'"
        ));
    }
    if outcome.cancelled {
        return Err(CliError::new(ExitKind::Interrupted, ""));
    }
    Ok(())
}

/// A turn's request: a new message or a regenerated answer, which the SDK sends the same two ways.
enum TurnRequest {
    Chat(chatbase::ChatCall),
    Retry(chatbase::RetryCall),
}

impl TurnRequest {
    async fn send(self) -> chatbase::Result<ChatAnswer> {
        match self {
            TurnRequest::Chat(r) => r.send().await,
            TurnRequest::Retry(r) => r.send().await,
        }
    }

    async fn stream(self) -> chatbase::Result<ChatStream> {
        match self {
            TurnRequest::Chat(r) => r.stream().await,
            TurnRequest::Retry(r) => r.stream().await,
        }
    }
}

/// One request/answer, streamed (default) or not; Ctrl-C while waiting cancels it.
async fn run_turn(
    ctx: &Ctx,
    client: &chatbase::Client,
    agent_id: &str,
    conv: &mut Option<String>,
    user: Option<&str>,
    t: Turn,
    no_stream: bool,
) -> Result<Outcome> {
    let request = match &t {
        Turn::Message(m) => {
            let mut req = client.agent(agent_id).chat(m.clone());
            if let Some(c) = conv.as_deref() {
                req = req.conversation(c);
            }
            if let Some(u) = user {
                req = req.user(u);
            }
            TurnRequest::Chat(req)
        }
        Turn::Retry(mid) => TurnRequest::Retry(
            client
                .agent(agent_id)
                .conversation(conv.clone().unwrap_or_default())
                .retry(mid.clone()),
        ),
    };
    let json_mode = ctx.out.format == Format::Json;
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let spinner = thinking_spinner(ctx);
    let cancelled = |spinner: &indicatif::ProgressBar, conv: &Option<String>| {
        spinner.finish_and_clear();
        eprintln!("\n[cancelled]");
        Ok(Outcome {
            conversation_id: conv.clone(),
            cancelled: true,
            ..Default::default()
        })
    };

    if no_stream || json_mode {
        let resp = tokio::select! {
            r = request.send() => r,
            _ = &mut ctrl_c => return cancelled(&spinner, conv),
        };
        spinner.finish_and_clear();
        let resp = resp?;
        print_response(ctx, &resp)?;
        if resp.metadata.conversation_id.is_some() {
            conv.clone_from(&resp.metadata.conversation_id);
        }
        return Ok(Outcome {
            conversation_id: conv.clone(),
            message_id: resp.metadata.message_id.clone(),
            cancelled: false,
            tool_calls: resp
                .tool_calls
                .iter()
                .map(|t| (t.tool_call_id.clone(), t.tool_name.clone()))
                .collect(),
        });
    }

    let stream = tokio::select! {
        s = request.stream() => s,
        _ = &mut ctrl_c => return cancelled(&spinner, conv),
    };
    let stream = match stream {
        Ok(s) => s,
        Err(e) => {
            spinner.finish_and_clear();
            return Err(e.into());
        }
    };
    let mut outcome = consume(ctx, stream, &spinner, &mut ctrl_c).await?;
    if outcome.conversation_id.is_none() {
        outcome.conversation_id = conv.clone();
    }
    conv.clone_from(&outcome.conversation_id);
    Ok(outcome)
}

async fn consume(
    ctx: &Ctx,
    stream: ChatStream,
    spinner: &indicatif::ProgressBar,
    ctrl_c: &mut std::pin::Pin<&mut impl std::future::Future<Output = std::io::Result<()>>>,
) -> Result<Outcome> {
    let ndjson = ctx.out.format == Format::Ndjson;
    let mut stdout = stream_out::stdout();
    let mut outcome = Outcome::default();
    let mut wrote_text = false;
    let mut ends_with_newline = true;
    let mut failure: Option<CliError> = None;
    // The spinner is cleared once, at the first output, not on every delta (each clear reads the clock).
    let mut spinning = !spinner.is_hidden();
    let mut stop_spinner = || {
        if std::mem::take(&mut spinning) {
            spinner.finish_and_clear();
        }
    };
    // What every event does besides its ndjson line: text, tool calls and failures.
    let mut on_event = |ev: std::result::Result<&ChatEvent, chatbase::Error>,
                        stdout: &mut stream_out::Out| {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                failure = Some(e.into());
                return Ok(Next::Stop);
            }
        };
        match ev {
            ChatEvent::TextDelta { delta, .. } if !ndjson => {
                stop_spinner();
                let clean = sanitize(delta);
                if !clean.is_empty() {
                    stdout.write_all(clean.as_bytes())?;
                    wrote_text = true;
                    ends_with_newline = clean.ends_with('\n');
                }
            }
            ChatEvent::ToolInputAvailable {
                tool_call_id,
                tool_name,
                input,
            } if !ndjson => {
                stop_spinner();
                let _ = stdout.flush();
                eprintln!(
                    "{}[tool call] {}({}) id={}",
                    if wrote_text && !ends_with_newline {
                        "\n"
                    } else {
                        ""
                    },
                    sanitize(tool_name),
                    sanitize(&input.to_string()),
                    sanitize(tool_call_id)
                );
            }
            ChatEvent::ToolOutputAvailable {
                tool_call_id,
                output,
            } if !ndjson && ctx.global.verbose => {
                eprintln!(
                    "[tool result] id={} {}",
                    sanitize(tool_call_id),
                    sanitize(&output.to_string())
                );
            }
            ChatEvent::ToolOutputError {
                tool_call_id,
                error_text,
            } if !ndjson => {
                eprintln!(
                    "[tool error] id={} {}",
                    sanitize(tool_call_id),
                    sanitize(error_text)
                );
            }
            ChatEvent::Finish {
                finish_reason: Some(FinishReason::Error),
                ..
            } if failure.is_none() => {
                failure = Some(
                    CliError::runtime("the agent failed while answering")
                        .with_code("CHAT_STREAMING_ERROR"),
                );
            }
            _ => {}
        }
        Ok(Next::Continue)
    };
    // The stream accumulates the answer (ids, tool calls) itself; it is read from it once pumped. Only ndjson
    // takes each event's JSON text along, so the text mode does not carry it.
    let (ended, stream) = if ndjson {
        let mut stream = stream.with_raw();
        let ended = stream_out::pump(
            &mut stream,
            &mut stdout,
            ctrl_c,
            |item, stdout| match item {
                Ok(raw) => {
                    write_ndjson_line(stdout, &raw)?;
                    on_event(Ok(raw.event()), stdout)
                }
                Err(e) => on_event(Err(e), stdout),
            },
        )
        .await?;
        (ended, stream.into_inner())
    } else {
        let mut stream = stream;
        let ended = stream_out::pump(
            &mut stream,
            &mut stdout,
            ctrl_c,
            |item, stdout| match item {
                Ok(ev) => on_event(Ok(&ev), stdout),
                Err(e) => on_event(Err(e), stdout),
            },
        )
        .await?;
        (ended, stream)
    };
    let answer = stream.response();
    outcome
        .conversation_id
        .clone_from(&answer.metadata.conversation_id);
    outcome.message_id.clone_from(&answer.metadata.message_id);
    outcome.tool_calls = answer
        .tool_calls
        .iter()
        .map(|t| (t.tool_call_id.clone(), t.tool_name.clone()))
        .collect();
    if ended == Ended::Interrupted {
        spinner.finish_and_clear();
        eprintln!("\n[cancelled: the answer was interrupted]");
        outcome.cancelled = true;
        return Ok(outcome);
    }
    spinner.finish_and_clear();
    if wrote_text && !ends_with_newline {
        writeln!(stdout)?;
    }
    stdout.flush()?;
    match failure {
        Some(e) => Err(e),
        None => Ok(outcome),
    }
}

fn print_response(ctx: &Ctx, resp: &ChatAnswer) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match ctx.out.format {
        Format::Json | Format::Ndjson => {
            let v = response_json(resp);
            ctx.out.object(&mut stdout, &v)?;
        }
        _ => {
            let text = sanitize(&resp.text);
            write!(stdout, "{text}")?;
            if !text.ends_with('\n') {
                writeln!(stdout)?;
            }
            for t in &resp.tool_calls {
                eprintln!(
                    "[tool call] {}({}) id={}",
                    sanitize(&t.tool_name),
                    sanitize(&t.input.to_string()),
                    sanitize(&t.tool_call_id)
                );
            }
        }
    }
    stdout.flush()?;
    Ok(())
}

/// The non-streamed answer in the API's `{data: …}` shape.
fn response_json(r: &ChatAnswer) -> Value {
    json!({
        "data": {
            "messageId": r.metadata.message_id,
            "userMessageId": r.metadata.user_message_id,
            "conversationId": r.metadata.conversation_id,
            "userId": r.metadata.user_id,
            "text": r.text,
            "finishReason": r.metadata.finish_reason.as_ref().map(|f| f.as_str().to_owned()),
            "toolCalls": r.tool_calls.iter().map(|t| json!({"toolCallId": t.tool_call_id, "toolName": t.tool_name, "input": t.input})).collect::<Vec<_>>(),
            "usage": {"credits": r.metadata.credits},
        }
    })
}

/// One `--format ndjson` line: the event's JSON as the server sent it. A payload spread over several SSE `data:`
/// lines holds the newlines that joined them, whitespace between tokens, so it is laid out on one line; an SSE
/// `event:` name becomes the `type` of an object that has none, as the SDK read it.
fn write_ndjson_line(out: &mut impl Write, raw: &RawEvent) -> std::io::Result<()> {
    let json = raw.json();
    let json = if json.contains(['\n', '\r']) {
        Cow::Owned(crate::output::relayout(json, None, 0))
    } else {
        Cow::Borrowed(json)
    };
    let named = raw
        .sse_event()
        .filter(|name| !name.is_empty() && *name != "message");
    if let (Some(name), Some(members)) = (named, json.strip_prefix('{'))
        && !has_type(&json)
    {
        let sep = if members.trim_start().starts_with('}') {
            ""
        } else {
            ","
        };
        let name = serde_json::to_string(name).map_err(std::io::Error::other)?;
        write!(out, "{{\"type\":{name}{sep}{members}")?;
    } else {
        out.write_all(json.as_bytes())?;
    }
    out.write_all(b"\n")
}

/// Whether a JSON object has a top-level `type` member.
fn has_type(json: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Typed<'a> {
        #[serde(rename = "type", borrow)]
        ty: Option<&'a serde_json::value::RawValue>,
    }
    serde_json::from_str::<Typed<'_>>(json).is_ok_and(|t| t.ty.is_some())
}

/// "Thinking…" on stderr until the first token, on a terminal only, after a short delay to avoid flicker.
fn thinking_spinner(ctx: &Ctx) -> indicatif::ProgressBar {
    if ctx.out.quiet || !ctx.out.stderr_tty || ctx.out.format == Format::Ndjson {
        return indicatif::ProgressBar::hidden();
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}") {
        bar.set_style(style);
    }
    bar.set_message("Thinking…");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
