//! Helpdesk ticket messages: list (replies, notes, events) and replies by a team member.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{self, V, now_iso, paginate_seq, public, query_limit, str_field};

use super::{EMAIL, find_member, insert_ticket_message, load_ticket, reply_doc, teams, ticket_key};
use crate::extract::{AgentId, JsonObject, TicketNumber};

pub(crate) async fn messages(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    TicketNumber(n): TicketNumber,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let limit = query_limit(&q, 20, 100)?;
    let types: Vec<String> = q
        .get("types")
        .map(String::as_str)
        .unwrap_or("reply,note")
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(bad) = types
        .iter()
        .find(|t| !["reply", "note", "event"].contains(&t.as_str()))
    {
        return Err(ApiError::invalid_field(
            "types",
            format!("Unknown message type '{bad}'"),
        ));
    }
    let order = q
        .get("order")
        .map(String::as_str)
        .unwrap_or("asc")
        .to_string();
    if !["asc", "desc"].contains(&order.as_str()) {
        return Err(ApiError::invalid_field("order", "Expected 'asc' | 'desc'"));
    }
    let rows = app
        .store
        .run(move |db| {
            load_ticket(db, &agent, n)?;
            db.list("ticket_message", &ticket_key(&agent, n))
        })
        .await?;
    let mut rows: Vec<(i64, Value)> = rows
        .into_iter()
        .filter(|r| types.iter().any(|t| t == str_field(&r.data, "type")))
        .map(|r| (r.seq, public(&r.data)))
        .collect();
    if order == "desc" {
        rows.reverse();
    }
    let (data, pagination) = paginate_seq(
        rows,
        &q,
        limit,
        &format!("ticket-messages:{n}:{order}"),
        order == "desc",
    )?;
    Ok(Json(json!({"data": data, "pagination": pagination})))
}

pub(crate) async fn create_message(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    TicketNumber(n): TicketNumber,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    v.enum_str("type", true);
    let content = v.str("content", true, 1, 10_000);
    let author_id = v.str("authorId", false, 1, 64);
    if let Some(a) = &author_id
        && uuid::Uuid::parse_str(a).is_err()
    {
        v.fail("authorId", "Invalid uuid");
    }
    let author_email = if b.contains_key("authorEmail") {
        v.pattern("authorEmail", false, 320, &EMAIL)
    } else {
        None
    };
    v.finish()?;
    let content = content.unwrap_or_default();
    let out = app
        .store
        .run(move |db| {
            let mut t = load_ticket(db, &agent, n)?;
            if let Some(cid) = t["conversationId"].as_str()
                && db
                    .get("conversation", cid)?
                    .is_some_and(|c| c["status"] != json!("taken_over"))
            {
                return Err(ApiError::conflict(
                    "CONVERSATION_NOT_TAKEN_OVER",
                    "Take over the linked conversation before replying",
                ));
            }
            let tms = teams(db, &agent)?;
            let member = if author_id.is_some() || author_email.is_some() {
                find_member(&tms, author_id.as_deref(), author_email.as_deref()).ok_or_else(
                    || {
                        ApiError::unprocessable(
                            "TEAM_MEMBER_NOT_FOUND",
                            "Author is not a helpdesk team member",
                        )
                    },
                )?
            } else {
                let default = tms
                    .iter()
                    .find(|t| t["isDefault"] == json!(true))
                    .and_then(|t| t["_members"].as_array()?.first().cloned())
                    .ok_or_else(|| {
                        ApiError::unprocessable("TEAM_MEMBER_NOT_FOUND", "No helpdesk team member")
                    })?;
                (
                    str_field(&default, "id").to_string(),
                    str_field(&default, "name").to_string(),
                    str_field(&default, "email").to_string(),
                    String::new(),
                )
            };
            let sender =
                json!({"type": "agent", "id": member.0, "name": member.1, "email": member.2});
            let key = ticket_key(&agent, n);
            let msg = insert_ticket_message(db, &agent, &key, reply_doc(sender, &content))?;
            let now = now_iso();
            t["updatedAt"] = json!(now);
            t["lastMessageAt"] = json!(now);
            db.update("ticket", &key, &t)?;
            Ok(json!({
                "id": msg["id"],
                "type": "reply",
                "sender": msg["sender"],
                "content": msg["content"],
                "contentText": msg["contentText"],
                "createdAt": msg["createdAt"],
            }))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}
