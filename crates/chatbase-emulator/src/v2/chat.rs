//! Chat and retry (JSON or SSE in the AI SDK UI message stream format), tool results, and
//! the shared reply engine and paced stream bodies that v1 chat also uses.

use std::sync::{Arc, LazyLock};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{AgentId, ConversationId, JsonObject};
use crate::paced::{Event, paced_body};
use crate::resources::agents::load_agent;
use crate::resources::conversations::{
    charge, greeting, insert_message, load_conversation, new_conversation_doc, text_of,
    touch_conversation,
};
use crate::search::{AgentIndex, answer, deltas};
use crate::state::AppState;
use crate::store::Db;
use crate::util::{V, new_uuid, random_alnum, str_field};

static USER_ID: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^[a-zA-Z0-9._-]+$").expect("static regex is valid"));

pub(crate) fn user_id_regex() -> &'static regex::Regex {
    &USER_ID
}

/// What one chat turn produced.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub message_id: String,
    pub user_message_id: String,
    pub conversation_id: String,
    pub user_id: Option<String>,
    pub parts: Vec<Value>,
    pub finish_reason: &'static str,
    pub credits: u32,
}

impl Outcome {
    fn metadata(&self) -> Value {
        json!({
            "userMessageId": self.user_message_id,
            "conversationId": self.conversation_id,
            "userId": self.user_id,
            "finishReason": self.finish_reason,
            "usage": {"credits": self.credits},
        })
    }

    pub fn json(&self) -> Value {
        json!({"data": {
            "id": self.message_id,
            "role": "assistant",
            "parts": self.parts,
            "metadata": self.metadata(),
        }})
    }
}

/// `/tool <name> [json]` asks the emulator to answer with a tool call, so clients can
/// exercise the client-action loop without a model.
fn parse_tool_request(message: &str) -> Option<(String, Value)> {
    let rest = message.strip_prefix("/tool ")?.trim();
    let (name, input) = match rest.split_once(char::is_whitespace) {
        Some((n, i)) => (
            n,
            serde_json::from_str(i.trim()).unwrap_or_else(|_| json!({"text": i.trim()})),
        ),
        None => (rest, json!({})),
    };
    (!name.is_empty()).then(|| (name.to_string(), input))
}

/// A line `/reply <text>` anywhere in a message asks the emulator to answer with that text verbatim (the
/// first such line wins), so a client can script an answer inside a longer prompt, e.g. the verdict of a
/// `chatbase eval` judge.
fn parse_reply_request(message: &str) -> Option<&str> {
    message
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("/reply "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

pub(crate) struct ChatInput {
    pub agent: String,
    pub message: Option<String>,
    pub conversation_id: Option<String>,
    pub user_id: Option<String>,
}

/// One v2 chat turn, in a single transaction.
fn chat_turn(db: &Db<'_>, idx: &AgentIndex, input: ChatInput) -> ApiResult<Outcome> {
    let mut agent = load_agent(db, &input.agent)?;
    let mut conv = match &input.conversation_id {
        Some(cid) => {
            let conv = db
                .get("conversation", cid)?
                .ok_or_else(ApiError::resource_not_found)?;
            match db.owner("conversation", cid)? {
                Some((owner, _)) if owner == input.agent => {}
                _ => {
                    return Err(ApiError::bad_request(
                        "CHAT_CONVERSATION_MISMATCH",
                        "The conversation belongs to another agent",
                    ));
                }
            }
            if str_field(&conv, "status") != "ongoing" {
                return Err(ApiError::conflict(
                    "CHAT_CONVERSATION_NOT_ONGOING",
                    "The conversation is paused or handled by a human",
                ));
            }
            conv
        }
        None => {
            let id = new_uuid();
            let doc = new_conversation_doc(
                &id,
                input.message.as_deref().unwrap_or(""),
                input.user_id.as_deref(),
                "API",
            );
            db.insert("conversation", &id, &input.agent, &input.agent, &doc)?;
            doc
        }
    };
    let cid = str_field(&conv, "id").to_string();
    charge(db, &mut agent)?;
    let (user_message_id, parts, finish, score) = match &input.message {
        Some(message) => {
            let user = insert_message(
                db,
                &input.agent,
                &cid,
                "user",
                vec![json!({"type": "text", "text": message})],
                None,
            )?;
            let user_message_id = str_field(&user, "id").to_string();
            if let Some((tool, tool_input)) = parse_tool_request(message) {
                let call_id = format!("call_{}", random_alnum(20));
                let part = json!({"type": "tool-call", "toolCallId": call_id, "toolName": tool, "input": tool_input});
                (user_message_id, vec![part], "tool-calls", None)
            } else if let Some(reply) = parse_reply_request(message) {
                let part = json!({"type": "text", "text": reply});
                (user_message_id, vec![part], "stop", None)
            } else {
                let a = answer(idx, message, greeting(&agent).as_deref());
                let part = json!({"type": "text", "text": a.text});
                (user_message_id, vec![part], "stop", a.score)
            }
        }
        None => {
            // Continue after tool results: summarise every result not yet answered.
            let calls = db.list("toolcall", &cid)?;
            let ready: Vec<Value> = calls
                .into_iter()
                .map(|r| r.data)
                .filter(|c| c["status"] == json!("resolved"))
                .collect();
            if ready.is_empty() {
                return Err(ApiError::invalid_field("message", "Required"));
            }
            let mut text = String::new();
            for mut c in ready {
                let out = c.get("output").cloned().unwrap_or(Value::Null);
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!(
                    "The {} action returned: {}",
                    str_field(&c, "toolName"),
                    out
                ));
                c["status"] = json!("answered");
                let id = str_field(&c, "toolCallId").to_string();
                db.update("toolcall", &id, &c)?;
            }
            let last_user = db
                .list("message", &cid)?
                .into_iter()
                .rev()
                .find(|r| r.data["role"] == json!("user"))
                .map(|r| str_field(&r.data, "id").to_string())
                .unwrap_or_default();
            (
                last_user,
                vec![json!({"type": "text", "text": text})],
                "stop",
                None,
            )
        }
    };
    let msg = insert_message(db, &input.agent, &cid, "assistant", parts.clone(), score)?;
    let message_id = str_field(&msg, "id").to_string();
    for p in &parts {
        if p["type"] == json!("tool-call") {
            let call_id = str_field(p, "toolCallId").to_string();
            let doc = json!({
                "toolCallId": call_id,
                "toolName": p["toolName"],
                "input": p["input"],
                "messageId": message_id,
                "status": "pending",
            });
            db.insert("toolcall", &call_id, &input.agent, &cid, &doc)?;
        }
    }
    touch_conversation(db, &mut conv)?;
    Ok(Outcome {
        message_id,
        user_message_id,
        conversation_id: cid,
        user_id: conv["userId"].as_str().map(String::from),
        parts,
        finish_reason: finish,
        credits: 1,
    })
}

/// One SSE event whose JSON keeps the field order given, as the real service writes it (`type` first); a
/// `json!` map would sort the keys.
fn sse(fields: &[(&str, Value)]) -> Event {
    let mut s = String::from("data: {");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&Value::from(*k).to_string());
        s.push(':');
        s.push_str(&v.to_string());
    }
    s.push_str("}\n\n");
    Event {
        bytes: Bytes::from(s),
        paced: false,
    }
}

/// The SSE event sequence for one assistant turn.
pub(crate) fn sse_events(o: &Outcome) -> Vec<Event> {
    let mut ev = vec![
        sse(&[("type", json!("start")), ("messageId", json!(o.message_id))]),
        sse(&[("type", json!("start-step"))]),
    ];
    for (n, part) in o.parts.iter().enumerate() {
        match part["type"].as_str() {
            Some("tool-call") => {
                ev.push(sse(&[
                    ("type", json!("tool-input-start")),
                    ("toolCallId", json!(part["toolCallId"])),
                    ("toolName", json!(part["toolName"])),
                ]));
                ev.push(sse(&[
                    ("type", json!("tool-input-delta")),
                    ("toolCallId", json!(part["toolCallId"])),
                    ("inputTextDelta", json!(part["input"].to_string())),
                ]));
                ev.push(sse(&[
                    ("type", json!("tool-input-available")),
                    ("toolCallId", json!(part["toolCallId"])),
                    ("toolName", json!(part["toolName"])),
                    ("input", json!(part["input"])),
                ]));
            }
            _ => {
                let id = format!("txt_{n}");
                ev.push(sse(&[("type", json!("text-start")), ("id", json!(id))]));
                for d in deltas(part["text"].as_str().unwrap_or("")) {
                    let mut e = sse(&[
                        ("type", json!("text-delta")),
                        ("id", json!(id)),
                        ("delta", json!(d)),
                    ]);
                    e.paced = true;
                    ev.push(e);
                }
                ev.push(sse(&[("type", json!("text-end")), ("id", json!(id))]));
            }
        }
    }
    let mut meta = o.metadata();
    meta["messageId"] = json!(o.message_id);
    ev.push(sse(&[("type", json!("finish-step"))]));
    // The vendor documents these fields flat on the event; its clients read them nested.
    // Both forms are sent so either kind of client works.
    let mut flat = vec![("type", json!("message-metadata"))];
    for k in [
        "messageId",
        "userMessageId",
        "conversationId",
        "userId",
        "usage",
    ] {
        if let Some(v) = meta.get(k) {
            flat.push((k, v.clone()));
        }
    }
    flat.push(("finishReason", json!(o.finish_reason)));
    flat.push(("messageMetadata", json!(meta)));
    ev.push(sse(&flat));
    ev.push(sse(&[
        ("type", json!("finish")),
        ("finishReason", json!(o.finish_reason)),
        ("messageMetadata", json!(meta)),
    ]));
    ev.push(Event {
        bytes: Bytes::from_static(b"data: [DONE]\n\n"),
        paced: false,
    });
    ev
}

pub(crate) fn respond(app: &AppState, o: &Outcome, stream: bool) -> Response {
    if !stream {
        return Json(o.json()).into_response();
    }
    let body = paced_body(sse_events(o), app.stream_delay, &app.faults());
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        "x-vercel-ai-ui-message-stream",
        HeaderValue::from_static("v1"),
    );
    resp
}

pub(crate) async fn chat(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    let message = v.str("message", false, 1, 100_000);
    let conversation_id = v.str("conversationId", false, 1, 200);
    let stream = v.bool("stream", false).unwrap_or(true);
    let user_id = v.pattern("userId", false, 128, user_id_regex());
    v.finish()?;
    let idx: Arc<AgentIndex> = app.index(&agent).await?;
    let input = ChatInput {
        agent,
        message,
        conversation_id,
        user_id,
    };
    let outcome = app.store.run(move |db| chat_turn(db, &idx, input)).await?;
    Ok(respond(&app, &outcome, stream))
}

pub(crate) async fn retry(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    ConversationId(cid): ConversationId,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    let message_id = v.str("messageId", true, 1, 200);
    let stream = v.bool("stream", false).unwrap_or(true);
    v.finish()?;
    let message_id = message_id.unwrap_or_default();
    let idx = app.index(&agent).await?;
    let outcome = app
        .store
        .run(move |db| {
            let mut agent_doc = load_agent(db, &agent)?;
            let mut conv = load_conversation(db, &agent, &cid)?;
            let msgs = db.list("message", &cid)?;
            let pos = msgs
                .iter()
                .position(|r| str_field(&r.data, "id") == message_id)
                .ok_or_else(|| {
                    ApiError::not_found(
                        "CHAT_RETRY_MESSAGE_NOT_FOUND",
                        "Message not found in this conversation",
                    )
                })?;
            let user_pos = if msgs[pos].data["role"] == json!("user") {
                Some(pos)
            } else {
                msgs[..pos]
                    .iter()
                    .rposition(|r| r.data["role"] == json!("user"))
            };
            let Some(user_pos) = user_pos else {
                return Err(ApiError::bad_request(
                    "CHAT_RETRY_NO_USER_MESSAGE",
                    "No user message precedes the target message",
                ));
            };
            charge(db, &mut agent_doc)?;
            for r in &msgs[user_pos + 1..] {
                db.delete("message", str_field(&r.data, "id"))?;
            }
            let user = &msgs[user_pos].data;
            let question = text_of(user);
            let a = answer(&idx, &question, greeting(&agent_doc).as_deref());
            let parts = vec![json!({"type": "text", "text": a.text})];
            let msg = insert_message(db, &agent, &cid, "assistant", parts.clone(), a.score)?;
            touch_conversation(db, &mut conv)?;
            Ok(Outcome {
                message_id: str_field(&msg, "id").to_string(),
                user_message_id: str_field(user, "id").to_string(),
                conversation_id: cid.clone(),
                user_id: conv["userId"].as_str().map(String::from),
                parts,
                finish_reason: "stop",
                credits: 1,
            })
        })
        .await?;
    Ok(respond(&app, &outcome, stream))
}

pub(crate) async fn tool_result(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    ConversationId(cid): ConversationId,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let call_id = v.str("toolCallId", true, 1, 200);
    v.finish()?;
    let call_id = call_id.unwrap_or_default();
    let output = b.get("output").cloned().unwrap_or(Value::Null);
    app.store
        .run(move |db| {
            load_conversation(db, &agent, &cid)?;
            let not_found = || {
                ApiError::not_found(
                    "RESOURCE_TOOL_CALL_NOT_FOUND",
                    "Tool call not found or expired",
                )
            };
            let mut call = db.get("toolcall", &call_id)?.ok_or_else(not_found)?;
            match db.owner("toolcall", &call_id)? {
                Some((_, parent)) if parent == cid => {}
                _ => return Err(not_found()),
            }
            if call["status"] != json!("pending") {
                return Err(not_found());
            }
            call["status"] = json!("resolved");
            call["output"] = output.clone();
            db.update("toolcall", &call_id, &call)?;
            // The result joins the history as a part of the message that made the call.
            let mid = str_field(&call, "messageId").to_string();
            if let Some(mut msg) = db.get("message", &mid)? {
                if let Some(parts) = msg["parts"].as_array_mut() {
                    parts.push(json!({
                        "type": "tool-result",
                        "toolCallId": call_id,
                        "toolName": call["toolName"],
                        "output": output,
                    }));
                }
                db.update("message", &mid, &msg)?;
            }
            Ok(())
        })
        .await?;
    Ok(Json(json!({"data": {"success": true}})))
}

#[cfg(test)]
mod tests {
    use super::parse_reply_request;

    #[test]
    fn a_reply_line_anywhere_in_the_message_is_the_answer() {
        assert_eq!(parse_reply_request("/reply PASS fine"), Some("PASS fine"));
        assert_eq!(
            parse_reply_request(
                "Grade this.\nCriterion:\n  /reply FAIL no price \nAnswer: x\n/reply second"
            ),
            Some("FAIL no price")
        );
        assert_eq!(parse_reply_request("say /reply inline"), None);
        assert_eq!(parse_reply_request("/reply   "), None);
        assert_eq!(parse_reply_request("How do I reset my password?"), None);
    }
}
