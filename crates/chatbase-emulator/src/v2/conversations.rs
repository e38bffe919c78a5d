//! Conversations and messages: list (API conversations), export (all sources, ≤ 20 per
//! page), get, pause/resume, backward-paged messages, feedback and per-user lists.
//! Conversations are created by chat (`v2::chat`, `v1::chat`) and WhatsApp sends.

use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use super::agent_docs;
use super::chat::user_id_regex;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AgentId, ConversationId, EndUserId, JsonObject, MessageId};
use crate::resources::agents::load_agent;
use crate::resources::conversations::load_conversation;
use crate::state::AppState;
use crate::util::{
    self, V, paginate, paginate_seq, parse_date_bound, public, query_limit, str_field,
};

/// The `ConversationMetadata` view of a stored conversation.
pub(crate) fn meta(doc: &Value) -> Value {
    json!({
        "id": doc["id"],
        "title": doc["title"],
        "createdAt": doc["createdAt"],
        "updatedAt": doc["updatedAt"],
        "userId": doc["userId"],
        "status": doc["status"],
    })
}

type Range = (Option<f64>, Option<f64>);

pub(crate) fn date_range(q: &util::Query) -> ApiResult<Range> {
    let mut v_details = std::collections::BTreeMap::new();
    let start = match q.get("startDate").filter(|s| !s.is_empty()) {
        Some(s) => match parse_date_bound(s, false) {
            Some(t) => Some(t),
            None => {
                v_details.insert(
                    "startDate".to_string(),
                    "Invalid date; use YYYY-MM-DD or ISO 8601".to_string(),
                );
                None
            }
        },
        None => None,
    };
    let end = match q.get("endDate").filter(|s| !s.is_empty()) {
        Some(s) => match parse_date_bound(s, true) {
            Some(t) => Some(t),
            None => {
                v_details.insert(
                    "endDate".to_string(),
                    "Invalid date; use YYYY-MM-DD or ISO 8601".to_string(),
                );
                None
            }
        },
        None => None,
    };
    if !v_details.is_empty() {
        return Err(ApiError::validation(v_details));
    }
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(ApiError::bad_request(
            "VALIDATION_INVALID_DATE_RANGE",
            "startDate must not be after endDate",
        ));
    }
    Ok((start, end))
}

pub(crate) fn in_range(doc: &Value, (start, end): Range) -> bool {
    let t = doc["createdAt"].as_f64().unwrap_or(0.0);
    start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e)
}

pub(crate) async fn list(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let limit = query_limit(&q, 20, 100)?;
    let range = date_range(&q)?;
    let rows = agent_docs(&app, &agent, "conversation").await?;
    let rows: Vec<(i64, Value)> = rows
        .into_iter()
        .rev()
        .filter(|r| r.data["source"] == json!("API") && in_range(&r.data, range))
        .map(|r| (r.seq, meta(&r.data)))
        .collect();
    let (data, pagination) = paginate_seq(rows, &q, limit, "conversations", true)?;
    Ok(Json(json!({"data": data, "pagination": pagination})))
}

fn export_message(m: &Value) -> Value {
    let mut out = public(m);
    if let Some(parts) = out["parts"].as_array_mut() {
        for p in parts {
            if p["type"] == json!("tool-call")
                && let Some(o) = p.as_object_mut()
            {
                o.remove("input");
            }
        }
    }
    out
}

pub(crate) async fn export(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let limit = query_limit(&q, 20, 20)?;
    let range = date_range(&q)?;
    let include_messages = match q.get("include").map(String::as_str) {
        None | Some("messages") => true,
        Some("summary") => false,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "include",
                format!("Invalid enum value. Expected 'summary' | 'messages', received '{other}'"),
            ));
        }
    };
    let sources: Option<Vec<String>> = q
        .get("source")
        .filter(|s| !s.is_empty())
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect());
    let only = q.get("conversationId").cloned();
    let q2 = q.clone();
    let out = app
        .store
        .run(move |db| {
            load_agent(db, &agent)?;
            let rows: Vec<(i64, Value)> = db
                .list("conversation", &agent)?
                .into_iter()
                .rev()
                .filter(|r| in_range(&r.data, range))
                .filter(|r| only.as_ref().is_none_or(|c| str_field(&r.data, "id") == c))
                .filter(|r| {
                    sources
                        .as_ref()
                        .is_none_or(|s| s.iter().any(|x| x == str_field(&r.data, "source")))
                })
                .map(|r| (r.seq, r.data))
                .collect();
            let (page, pagination) = paginate_seq(rows, &q2, limit, "export", true)?;
            let mut data = Vec::with_capacity(page.len());
            for c in page {
                let mut item = meta(&c);
                item["source"] = c["source"].clone();
                if include_messages {
                    let msgs: Vec<Value> = db
                        .list("message", str_field(&c, "id"))?
                        .iter()
                        .map(|r| export_message(&r.data))
                        .collect();
                    item["messages"] = json!(msgs);
                }
                data.push(item);
            }
            Ok(json!({"data": data, "pagination": pagination}))
        })
        .await?;
    Ok(Json(out))
}

fn message_page(
    db: &crate::store::Db<'_>,
    cid: &str,
    q: &util::Query,
    limit: usize,
) -> ApiResult<(Vec<Value>, Value)> {
    // Newest first so page one holds the latest messages; each page is then put back in
    // chronological order.
    let rows: Vec<(i64, Value)> = db
        .list("message", cid)?
        .into_iter()
        .rev()
        .map(|r| (r.seq, public(&r.data)))
        .collect();
    let (mut page, pagination) = paginate_seq(rows, q, limit, &format!("messages:{cid}"), true)?;
    page.reverse();
    Ok((page, pagination))
}

pub(crate) async fn get(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    ConversationId(cid): ConversationId,
) -> ApiResult<Json<Value>> {
    let out = app
        .store
        .run(move |db| {
            let conv = load_conversation(db, &agent, &cid)?;
            let (messages, pagination) = message_page(db, &cid, &util::Query::new(), 20)?;
            let mut data = meta(&conv);
            data["messages"] = json!(messages);
            Ok(json!({"data": data, "pagination": pagination}))
        })
        .await?;
    Ok(Json(out))
}

pub(crate) async fn messages(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    ConversationId(cid): ConversationId,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let limit = query_limit(&q, 20, 100)?;
    let out = app
        .store
        .run(move |db| {
            load_conversation(db, &agent, &cid)?;
            let (data, pagination) = message_page(db, &cid, &q, limit)?;
            Ok(json!({"data": data, "pagination": pagination}))
        })
        .await?;
    Ok(Json(out))
}

pub(crate) async fn update(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    ConversationId(cid): ConversationId,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let paused = v.bool("paused", true);
    v.finish()?;
    let paused = paused.unwrap_or(false);
    let out = app
        .store
        .run(move |db| {
            let mut conv = load_conversation(db, &agent, &cid)?;
            conv["status"] = json!(if paused { "paused" } else { "ongoing" });
            conv["updatedAt"] = json!(util::now_unix());
            db.update("conversation", &cid, &conv)?;
            Ok(json!({"data": {"id": cid, "status": conv["status"]}}))
        })
        .await?;
    Ok(Json(out))
}

pub(crate) async fn feedback(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    ConversationId(cid): ConversationId,
    MessageId(mid): MessageId,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    if !b.contains_key("feedback") {
        v.fail("feedback", "Required");
    } else if !b["feedback"].is_null() {
        v.enum_str("feedback", true);
    }
    v.finish()?;
    let fb = b.get("feedback").cloned().unwrap_or(Value::Null);
    let out = app
        .store
        .run(move |db| {
            load_conversation(db, &agent, &cid)?;
            let not_found =
                || ApiError::not_found("RESOURCE_MESSAGE_NOT_FOUND", "Message not found");
            match db.owner("message", &mid)? {
                Some((_, parent)) if parent == cid => {}
                _ => return Err(not_found()),
            }
            let mut msg = db.get("message", &mid)?.ok_or_else(not_found)?;
            if msg["role"] != json!("assistant") {
                return Err(ApiError::unprocessable(
                    "RESOURCE_MESSAGE_NOT_ASSISTANT",
                    "Feedback can only be given on assistant messages",
                ));
            }
            msg["feedback"] = fb;
            db.update("message", &mid, &msg)?;
            Ok(json!({"data": public(&msg)}))
        })
        .await?;
    Ok(Json(out))
}

pub(crate) async fn user_conversations(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    EndUserId(user): EndUserId,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    if user.is_empty() || user.chars().count() > 128 || !user_id_regex().is_match(&user) {
        return Err(ApiError::invalid_field(
            "userId",
            "Must be 1-128 characters of letters, digits, '.', '_' or '-'",
        ));
    }
    let limit = query_limit(&q, 20, 100)?;
    let u = user.clone();
    let rows = agent_docs(&app, &agent, "conversation").await?;
    let mut convs: Vec<Value> = rows
        .into_iter()
        .map(|r| r.data)
        .filter(|d| d["source"] == json!("API") && d["userId"].as_str() == Some(u.as_str()))
        .collect();
    // Most recent activity first.
    convs.sort_by(|a, b| {
        b["updatedAt"]
            .as_f64()
            .partial_cmp(&a["updatedAt"].as_f64())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let items = convs.iter().map(meta).collect();
    Ok(Json(paginate(items, &q, limit, &format!("user:{user}"))?))
}
