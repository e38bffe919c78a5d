//! Health, voice sessions and WhatsApp templates and template sends.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::chat::user_id_regex;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AgentId, JsonObject};
use crate::resources::agents::load_agent;
use crate::resources::conversations::{insert_message, load_conversation, new_conversation_doc};
use crate::state::AppState;
use crate::store::Db;
use crate::util::{V, new_uuid, now_unix, random_alnum, str_field};

static PHONE: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^\+?[1-9][0-9]{6,14}$").expect("static regex is valid"));

pub(crate) async fn health() -> Json<Value> {
    Json(json!({"status": "ok", "timestamp": chrono::Utc::now().timestamp()}))
}

pub(crate) async fn create_voice_session(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let cid = v.str("conversationId", false, 1, 64);
    if let Some(c) = &cid
        && uuid::Uuid::parse_str(c).is_err()
    {
        v.fail("conversationId", "Invalid uuid");
    }
    let user_id = v.pattern("userId", false, 128, user_id_regex());
    v.str("timezone", false, 1, 64);
    v.finish()?;
    let out = app
        .store
        .run(move |db| {
            let agent_doc = load_agent(db, &agent)?;
            let (cid, user) = match cid {
                Some(cid) => {
                    let conv = load_conversation(db, &agent, &cid)?;
                    let existing = conv["userId"].as_str().map(String::from);
                    match (&existing, &user_id) {
                        (Some(e), Some(u)) if e != u => {
                            return Err(ApiError::conflict(
                                "CONVERSATION_USER_MISMATCH",
                                "The conversation belongs to another user",
                            ));
                        }
                        _ => {}
                    }
                    let user = existing
                        .or(user_id)
                        .unwrap_or_else(|| format!("anon-{}", random_alnum(12)));
                    (cid, user)
                }
                None => {
                    let user = user_id.unwrap_or_else(|| format!("anon-{}", random_alnum(12)));
                    let cid = new_uuid();
                    let doc = new_conversation_doc(&cid, "Voice call", Some(&user), "API");
                    db.insert("conversation", &cid, &agent, &agent, &doc)?;
                    (cid, user)
                }
            };
            let max = agent_doc["voiceSettings"]["maxCallDurationSeconds"]
                .as_i64()
                .unwrap_or(900);
            let session_id = format!("vs_{}", random_alnum(20));
            let data = json!({
                "participantToken": format!("emu.{}.{}", random_alnum(24), random_alnum(43)),
                "sessionId": session_id,
                "roomName": format!("room-{}", random_alnum(16)),
                "maxDurationSeconds": max,
                "conversationId": cid,
                "userId": user,
            });
            let mut stored = data.clone();
            stored["createdAt"] = json!(now_unix());
            db.insert("voice_session", &session_id, &agent, &agent, &stored)?;
            Ok(json!({"data": data}))
        })
        .await?;
    Ok(Json(out))
}

fn whatsapp(db: &Db<'_>, agent: &str) -> ApiResult<Value> {
    load_agent(db, agent)?;
    db.get("whatsapp", agent)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "WHATSAPP_NOT_CONNECTED",
            "WhatsApp is not connected to this agent",
        )
    })
}

pub(crate) async fn list_whatsapp_templates(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
) -> ApiResult<Json<Value>> {
    let wa = app.store.run(move |db| whatsapp(db, &agent)).await?;
    Ok(Json(json!({
        "templates": wa["templates"],
        "complete": true,
        "unavailableWabaIds": [],
        "senders": wa["senders"],
    })))
}

pub(crate) async fn send_whatsapp_template(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    let to = v.str("to", true, 1, usize::MAX);
    let from = v.str("from", false, 1, usize::MAX);
    let tpl = v.object("template", true).cloned();
    let mut name = None;
    let mut language = None;
    let mut variables: Map<String, Value> = Map::new();
    if let Some(t) = &tpl {
        let mut tv = V::nested(t, "template");
        name = tv.str("name", true, 1, 512);
        language = tv.str("language", false, 1, usize::MAX);
        if let Some(vars) = tv.object("variables", false) {
            for (comp, m) in vars {
                match m.as_object() {
                    Some(o) if o.values().all(Value::is_string) => {
                        variables.insert(comp.clone(), m.clone());
                    }
                    _ => tv.fail(
                        &format!("variables.{comp}"),
                        "Expected an object of strings",
                    ),
                }
            }
        }
        v.absorb(tv);
    }
    v.finish()?;
    let (to, name) = (to.unwrap_or_default(), name.unwrap_or_default());
    let out = app
        .store
        .run(move |db| {
            let wa = whatsapp(db, &agent)?;
            let templates: Vec<&Value> = wa["templates"]
                .as_array()
                .map(|a| a.iter().filter(|t| str_field(t, "name") == name).collect())
                .unwrap_or_default();
            if templates.is_empty() {
                return Err(ApiError::not_found(
                    "TEMPLATE_NOT_FOUND",
                    "Template not found",
                ));
            }
            let tpl = match &language {
                Some(l) => templates
                    .iter()
                    .find(|t| str_field(t, "language") == l)
                    .copied()
                    .ok_or_else(|| {
                        ApiError::not_found(
                            "TEMPLATE_NOT_FOUND",
                            "Template not found in that language",
                        )
                    })?,
                None if templates.len() > 1 => {
                    return Err(ApiError::bad_request(
                        "TEMPLATE_LANGUAGE_REQUIRED",
                        "The template exists in several languages; pass template.language",
                    ));
                }
                None => templates[0],
            };
            if str_field(tpl, "status") != "APPROVED" {
                return Err(ApiError::conflict(
                    "TEMPLATE_NOT_APPROVED",
                    "Template is not approved",
                ));
            }
            let senders = wa["senders"].as_array().cloned().unwrap_or_default();
            let sender = match &from {
                Some(f) => senders
                    .iter()
                    .find(|s| str_field(s, "from") == f)
                    .cloned()
                    .ok_or_else(|| {
                        ApiError::not_found(
                            "PHONE_NUMBER_NOT_FOUND",
                            "Sender phone number not found",
                        )
                    })?,
                None if senders.len() > 1 => {
                    return Err(ApiError::bad_request(
                        "PHONE_NUMBER_REQUIRED",
                        "Several sender numbers are connected; pass from",
                    ));
                }
                None => senders.first().cloned().ok_or_else(|| {
                    ApiError::not_found("PHONE_NUMBER_NOT_FOUND", "No sender phone number")
                })?,
            };
            let _ = sender;
            if !PHONE.is_match(&to) {
                return Err(ApiError::unprocessable(
                    "RECIPIENT_INVALID",
                    "Recipient is not a valid phone number",
                ));
            }
            let required = tpl["variables"].as_object().cloned().unwrap_or_default();
            let mut text = tpl["components"][0]["text"]
                .as_str()
                .unwrap_or("")
                .to_string();
            for (comp, names) in &required {
                for n in names
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    match variables
                        .get(comp)
                        .and_then(|m| m.get(n))
                        .and_then(Value::as_str)
                    {
                        Some(val) => text = text.replace(&format!("{{{{{n}}}}}"), val),
                        None => {
                            return Err(ApiError::unprocessable(
                                "MISSING_TEMPLATE_VARIABLES",
                                format!("Missing template variable {comp}.{n}"),
                            ));
                        }
                    }
                }
            }
            for (comp, m) in &variables {
                for k in m.as_object().into_iter().flat_map(|o| o.keys()) {
                    let known = required
                        .get(comp)
                        .and_then(Value::as_array)
                        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(k)));
                    if !known {
                        return Err(ApiError::unprocessable(
                            "INVALID_TEMPLATE_VARIABLES",
                            format!("Unknown template variable {comp}.{k}"),
                        ));
                    }
                }
            }
            let cid = new_uuid();
            let conv = new_conversation_doc(&cid, &name, None, "WhatsApp");
            db.insert("conversation", &cid, &agent, &agent, &conv)?;
            insert_message(
                db,
                &agent,
                &cid,
                "assistant",
                vec![json!({"type": "text", "text": text})],
                None,
            )?;
            Ok(json!({
                "messageId": format!("wamid.{}", random_alnum(32)),
                "conversationId": cid,
                "to": to,
            }))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}
