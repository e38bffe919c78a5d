//! v1 handlers (`/api/v1`): chat (JSON or raw text stream), chatbots (agents seen through
//! the v1 model), conversations, leads, icons, contacts and custom attributes. Errors use
//! the v1 `{message}` body (the gateway renders it).

mod attributes;
mod chat;
mod chatbots;
mod contacts;
mod conversations;
mod icons;

use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::store::Db;
use crate::util::{self, str_field};

pub(crate) use attributes::{
    create_custom_attribute, list_custom_attributes, update_custom_attribute,
};
pub(crate) use chat::chat;
pub(crate) use chatbots::{
    create_chatbot, delete_chatbot, list_chatbots, update_chatbot_data, update_chatbot_settings,
};
pub(crate) use contacts::{
    create_contacts, delete_contact, get_contact, list_contacts, update_contact,
};
pub(crate) use conversations::{list_conversations, list_leads};
pub(crate) use icons::{delete_icon, delete_profile_picture, upload_icon, upload_profile_picture};

const MAX_IMAGE_BYTES: usize = 1024 * 1024;

static ATTR_NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[a-zA-Z][a-zA-Z0-9_-]*$").expect("static regex is valid")
});

fn chatbot_not_found() -> ApiError {
    ApiError::not_found("CHATBOT_NOT_FOUND", "Chatbot not found")
}

fn load_chatbot(db: &Db<'_>, id: &str) -> ApiResult<Value> {
    db.get("agent", id)?.ok_or_else(chatbot_not_found)
}

fn required_query<'a>(q: &'a util::Query, key: &str) -> ApiResult<&'a str> {
    q.get(key)
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::in_v1_words(ApiError::invalid_field(key, "Required")))
}

fn v1_status(agent: &Value) -> &'static str {
    match str_field(agent, "status") {
        "training" => "training",
        "failed" => "failed",
        _ => "ready",
    }
}

fn chatbot_view(agent: &Value) -> Value {
    json!({
        "id": agent["id"],
        "name": agent["name"],
        "status": v1_status(agent),
        "model": agent.get("_v1Model").unwrap_or(&agent["model"]),
        "instructions": agent["instructions"],
        "visibility": agent["visibility"],
        "created_at": agent["createdAt"],
        "updated_at": agent.get("_updatedAt").cloned().unwrap_or_else(|| agent["createdAt"].clone()),
    })
}

/// v1 models have no nullable fields: absent values are left out instead.
fn drop_nulls(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.retain(|_, x| !x.is_null());
    }
    v
}

fn unix_to_iso(t: f64) -> String {
    chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// A 1-based page number; a number too large to count is simply past the end.
fn positive_page(s: &str) -> ApiResult<usize> {
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Err(_) if digits && !s.starts_with('0') => Ok(usize::MAX),
        _ => Err(ApiError::in_v1_words(ApiError::invalid_field(
            "page",
            "Expected a positive integer",
        ))),
    }
}
