//! Conversations and messages as stored documents, shared by v1 and v2 chat, WhatsApp sends and the
//! admin seeding: new records, lookup, credits and the agent's greeting.

use serde_json::{Value, json};

use super::agents::load_agent;
use crate::error::{ApiError, ApiResult};
use crate::store::Db;
use crate::util::{new_message_id, now_iso, now_unix, str_field};

pub(crate) fn new_conversation_doc(
    id: &str,
    title: &str,
    user_id: Option<&str>,
    source: &str,
) -> Value {
    let now = now_unix();
    let title: String = title.chars().take(100).collect();
    json!({
        "id": id,
        "title": if title.is_empty() { Value::Null } else { json!(title) },
        "createdAt": now,
        "updatedAt": now,
        "userId": user_id,
        "status": "ongoing",
        "source": source,
    })
}

pub(crate) fn insert_message(
    db: &Db<'_>,
    agent: &str,
    conversation: &str,
    role: &str,
    parts: Vec<Value>,
    score: Option<f64>,
) -> ApiResult<Value> {
    let id = new_message_id();
    let mut doc = json!({
        "id": id,
        "role": role,
        "parts": parts,
        "createdAt": now_unix(),
        "feedback": null,
    });
    if role == "assistant" {
        doc["metadata"] = json!({"score": score});
    }
    db.insert("message", &id, agent, conversation, &doc)?;
    Ok(doc)
}

pub(crate) fn text_of(msg: &Value) -> String {
    msg["parts"]
        .as_array()
        .map(|parts| {
            parts
                .iter()
                .filter(|p| p["type"] == json!("text"))
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("")
        })
        .unwrap_or_default()
}

pub(crate) fn touch_conversation(db: &Db<'_>, conv: &mut Value) -> ApiResult<()> {
    conv["updatedAt"] = json!(now_unix());
    let id = str_field(conv, "id").to_string();
    db.update("conversation", &id, conv)
}

/// Charges one credit, or fails when the agent's credit limit is used up.
pub(crate) fn charge(db: &Db<'_>, agent: &mut Value) -> ApiResult<()> {
    let used = agent["creditsUsed"].as_i64().unwrap_or(0);
    if let Some(limit) = agent["creditLimit"].as_i64()
        && used >= limit
    {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYMENT_REQUIRED,
            "CHAT_CREDITS_EXHAUSTED",
            "Message limit reached",
        ));
    }
    agent["creditsUsed"] = json!(used + 1);
    agent["lastMessageAt"] = json!(now_iso());
    let id = str_field(agent, "id").to_string();
    db.update("agent", &id, agent)
}

pub(crate) fn greeting(agent: &Value) -> Option<String> {
    agent["initialMessages"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .map(String::from)
}

/// Loads a conversation of `agent` or fails with `RESOURCE_NOT_FOUND`.
pub(crate) fn load_conversation(db: &Db<'_>, agent: &str, cid: &str) -> ApiResult<Value> {
    load_agent(db, agent)?;
    match db.owner("conversation", cid)? {
        Some((owner, _)) if owner == agent => db
            .get("conversation", cid)?
            .ok_or_else(ApiError::resource_not_found),
        _ => Err(ApiError::resource_not_found()),
    }
}
