//! The interactive `chatbase chat` session: a line editor with history, slash commands, lines typed while an
//! answer streams, and the conversation's last messages shown when one is continued.

use super::*;
/// Prints the last messages of a conversation (dimmed, cut to 200 characters) before continuing it.
pub(super) async fn show_history(
    ctx: &Ctx,
    client: &chatbase::Client,
    agent_id: &str,
    conversation: &str,
) {
    let page = client
        .agent(agent_id)
        .conversation(conversation)
        .list_messages()
        .limit(6)
        .first_page()
        .await;
    let page = match page {
        Ok(p) => p,
        Err(e) => {
            let e: CliError = e.into();
            ctx.out
                .warn(format!("cannot load the conversation history: {e}"));
            return;
        }
    };
    let mut items: Vec<Value> = page
        .items()
        .iter()
        .filter_map(|m| serde_json::to_value(m).ok())
        .collect();
    // Newest first on the wire; show oldest first.
    items.sort_by(|a, b| {
        let key = |v: &Value| {
            v.get("createdAt")
                .map(|c| c.to_string())
                .unwrap_or_default()
        };
        key(a).cmp(&key(b))
    });
    for m in items {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("?");
        let text: String = m
            .get("parts")
            .and_then(Value::as_array)
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("")
            })
            .unwrap_or_default();
        let mut short: String = crate::sanitize::sanitize_cell(&text)
            .chars()
            .take(200)
            .collect();
        if text.chars().count() > 200 {
            short.push('…');
        }
        ctx.out.note(format!("{role}: {short}"));
    }
}

/// The interactive session: a line editor with history, slash commands, and per-turn cancellation.
pub(super) async fn repl(
    ctx: &Ctx,
    client: &chatbase::Client,
    agent_id: &str,
    mut conv: Option<String>,
    args: &ChatArgs,
) -> Result<()> {
    let mut editor = rustyline::DefaultEditor::new()
        .map_err(|e| CliError::runtime(format!("cannot open the terminal: {e}")))?;
    // Earlier sessions' lines, for the arrow keys. Trouble with the file costs the history, never the chat.
    let mut history_file = crate::history::path();
    if let Some(path) = &history_file {
        match crate::history::load(path) {
            Ok(lines) => {
                for l in lines {
                    let _ = editor.add_history_entry(l);
                }
            }
            Err(e) => {
                ctx.out.warn(format!(
                    "chat history is off for this session: {}",
                    e.message
                ));
                history_file = None;
            }
        }
    }
    let editor = std::sync::Arc::new(std::sync::Mutex::new(editor));
    eprintln!(
        "Chatting with agent {agent_id}. /new starts over, /retry regenerates, /id shows the conversation, /exit or Ctrl-D quits; Ctrl-C cancels an answer."
    );
    let mut last_message: Option<String> = None;
    // Lines typed while an answer streamed, sent in order before the prompt comes back.
    let mut typed_ahead = TypedAhead::default();
    loop {
        let line = if let Some(l) = typed_ahead.lines.pop_front() {
            eprintln!("> {l}");
            Ok(l)
        } else if typed_ahead.eof {
            break;
        } else {
            let ed = editor.clone();
            tokio::task::spawn_blocking(move || match ed.lock() {
                Ok(mut e) => e.readline("> "),
                Err(_) => Err(rustyline::error::ReadlineError::Eof),
            })
            .await
            .map_err(|e| CliError::runtime(format!("terminal input failed: {e}")))?
        };
        let line = match line {
            Ok(l) => l,
            Err(rustyline::error::ReadlineError::Interrupted) => {
                return Err(CliError::new(ExitKind::Interrupted, ""));
            }
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(CliError::runtime(format!("terminal input failed: {e}"))),
        };
        let input = line.trim();
        if input.is_empty() {
            continue;
        }
        if let Ok(mut e) = editor.lock() {
            let _ = e.add_history_entry(input);
        }
        if let Some(path) = &history_file
            && let Err(e) = crate::history::append(path, line.trim_end())
        {
            ctx.out.warn(format!(
                "chat history is off for this session: {}",
                e.message
            ));
            history_file = None;
        }
        let t = match input {
            "/exit" | "/quit" => break,
            "/help" => {
                eprintln!(
                    "/new  start a new conversation\n/retry  regenerate the last answer\n/id  print the conversation ID\n/exit  leave"
                );
                continue;
            }
            "/new" => {
                conv = None;
                last_message = None;
                eprintln!("(new conversation)");
                continue;
            }
            "/id" => {
                match &conv {
                    Some(c) => println!("{c}"),
                    None => eprintln!("(no conversation yet)"),
                }
                continue;
            }
            "/retry" => {
                let id = match &last_message {
                    Some(id) => Some(id.clone()),
                    None => match &conv {
                        Some(c) => last_assistant_message(client, agent_id, c).await,
                        None => None,
                    },
                };
                match id {
                    Some(id) => Turn::Retry(id),
                    None => {
                        eprintln!("(nothing to retry yet)");
                        continue;
                    }
                }
            }
            s if s.starts_with('/') && !s.starts_with("/tool") => {
                eprintln!("unknown command {s}; /help lists them");
                continue;
            }
            s => Turn::Message(s.to_owned()),
        };
        match turn_with_user(ctx, client, agent_id, &mut conv, t, args).await {
            Ok(outcome) => {
                if outcome.message_id.is_some() {
                    last_message = outcome.message_id;
                }
            }
            Err(e) => {
                let mut err = std::io::stderr();
                let _ = e.render_text(&mut err, ctx.out.color);
            }
        }
        typed_ahead.collect();
    }
    if let Some(c) = conv.as_deref().map(crate::sanitize::sanitize_cell) {
        ctx.out.note(format!(
            "Conversation: {c} (continue with: chatbase chat -a {agent_id} --conversation {c})"
        ));
    }
    Ok(())
}

/// Whole lines the user typed while an answer was streaming. The terminal is in line mode then, so the kernel holds
/// each finished line; they are read here before the line editor starts, which would otherwise take the first one
/// and drop the rest with its buffer.
#[derive(Default)]
struct TypedAhead {
    lines: std::collections::VecDeque<String>,
    /// Ctrl-D was typed: leave once the queued lines are sent.
    eof: bool,
}

impl TypedAhead {
    #[cfg(unix)]
    fn collect(&mut self) {
        use std::os::fd::AsRawFd;
        let fd = std::io::stdin().as_raw_fd();
        let mut pending = Vec::new();
        // Bounded: a flood of input is left for the editor rather than read forever.
        while pending.len() < 1 << 20 {
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, zero timeout.
            let ready = unsafe { libc::poll(&mut pfd, 1, 0) };
            if ready <= 0 || pfd.revents & libc::POLLIN == 0 {
                break;
            }
            let mut buf = [0u8; 4096];
            // SAFETY: `buf` is valid for `buf.len()` bytes; poll said a read will not block.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            match usize::try_from(n) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => pending.extend_from_slice(&buf[..n.min(buf.len())]),
                Err(_) => break,
            }
        }
        for line in String::from_utf8_lossy(&pending).lines() {
            let line = line.trim();
            if !line.is_empty() {
                self.lines.push_back(line.to_owned());
            }
        }
    }

    #[cfg(not(unix))]
    fn collect(&mut self) {}
}

/// The newest assistant message of a conversation, for `/retry` after `--conversation`.
async fn last_assistant_message(
    client: &chatbase::Client,
    agent_id: &str,
    conversation: &str,
) -> Option<String> {
    let page = client
        .agent(agent_id)
        .conversation(conversation)
        .list_messages()
        .limit(20)
        .first_page()
        .await
        .ok()?;
    let mut best: Option<(String, String)> = None;
    for m in page.items() {
        let v = serde_json::to_value(m).ok()?;
        if v.get("role").and_then(Value::as_str) != Some("assistant") {
            continue;
        }
        let id = v.get("id").and_then(Value::as_str)?.to_owned();
        let at = v
            .get("createdAt")
            .map(|c| c.to_string())
            .unwrap_or_default();
        if best.as_ref().is_none_or(|(_, b)| at > *b) {
            best = Some((id, at));
        }
    }
    best.map(|(id, _)| id)
}
