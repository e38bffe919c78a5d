//! Helpdesk: ticket statuses, teams, tickets (create, list with filters and sort-bound
//! cursors, search, get, update) and ticket messages (replies, notes, status events).

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

mod messages;
mod tickets;

use crate::error::{ApiError, ApiResult};
use crate::extract::AgentId;
use crate::resources::agents::load_agent;
use crate::state::AppState;
use crate::store::Db;
use crate::util::{new_uuid, now_iso, public, str_field};
pub(crate) use messages::{create_message, messages};
pub(crate) use tickets::{create, get, list, search, update};

const PRIORITIES: &[&str] = &["none", "low", "normal", "high", "urgent"];
const CHANNELS: &[&str] = &[
    "helpdesk",
    "iframe",
    "email",
    "whatsapp",
    "api",
    "messenger",
    "instagram",
    "center_stage",
    "phone",
    "instagram_comment",
    "facebook_comment",
];

static EMAIL: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[^@\s]+@[^@\s]+\.[^@\s]+$").expect("static regex is valid")
});

fn ticket_key(agent: &str, n: i64) -> String {
    format!("{agent}#{n}")
}

fn load_ticket(db: &Db<'_>, agent: &str, n: i64) -> ApiResult<Value> {
    load_agent(db, agent)?;
    db.get("ticket", &ticket_key(agent, n))?
        .ok_or_else(|| ApiError::not_found("TICKET_NOT_FOUND", "Ticket not found"))
}

fn list_item(t: &Value) -> Value {
    let mut out = public(t);
    if let Some(o) = out.as_object_mut() {
        o.remove("description");
        o.remove("metadata");
    }
    out
}

fn statuses(db: &Db<'_>, agent: &str) -> ApiResult<Vec<Value>> {
    Ok(db
        .list("ticket_status", agent)?
        .into_iter()
        .map(|r| r.data)
        .collect())
}

fn teams(db: &Db<'_>, agent: &str) -> ApiResult<Vec<Value>> {
    Ok(db
        .list("team", agent)?
        .into_iter()
        .map(|r| r.data)
        .collect())
}

/// A member `(id, name, email, teamId)` found by id or email.
fn find_member(
    teams: &[Value],
    id: Option<&str>,
    email: Option<&str>,
) -> Option<(String, String, String, String)> {
    for t in teams {
        for m in t["_members"].as_array().into_iter().flatten() {
            let hit = id.is_some_and(|i| str_field(m, "id") == i)
                || email.is_some_and(|e| str_field(m, "email").eq_ignore_ascii_case(e));
            if hit {
                return Some((
                    str_field(m, "id").to_string(),
                    str_field(m, "name").to_string(),
                    str_field(m, "email").to_string(),
                    str_field(t, "id").to_string(),
                ));
            }
        }
    }
    None
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn insert_ticket_message(db: &Db<'_>, agent: &str, ticket: &str, doc: Value) -> ApiResult<Value> {
    let id = str_field(&doc, "id").to_string();
    db.insert("ticket_message", &id, agent, ticket, &doc)?;
    Ok(doc)
}

fn reply_doc(sender: Value, content: &str) -> Value {
    json!({
        "id": new_uuid(),
        "type": "reply",
        "sender": sender,
        "content": format!("<p>{}</p>", html_escape(content)),
        "contentText": content,
        "attachments": [],
        "createdAt": now_iso(),
    })
}

fn event_doc(
    event: &str,
    from: Option<&str>,
    to: Option<&str>,
    assigned_to: Value,
    assigned_from: Value,
) -> Value {
    json!({
        "id": new_uuid(),
        "type": "event",
        "sender": {"type": "system", "id": null, "name": null, "email": null},
        "content": null,
        "contentText": null,
        "attachments": [],
        "createdAt": now_iso(),
        "metadata": {
            "eventType": event,
            "statusFrom": from,
            "statusTo": to,
            "doneBy": null,
            "assignedTo": assigned_to,
            "assignedFrom": assigned_from,
        },
    })
}

pub(crate) async fn list_statuses(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
) -> ApiResult<Json<Value>> {
    let list = app
        .store
        .run(move |db| {
            load_agent(db, &agent)?;
            statuses(db, &agent)
        })
        .await?;
    Ok(Json(json!(list)))
}

pub(crate) async fn list_teams(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
) -> ApiResult<Json<Value>> {
    let list = app
        .store
        .run(move |db| {
            load_agent(db, &agent)?;
            teams(db, &agent)
        })
        .await?;
    Ok(Json(json!(list.iter().map(public).collect::<Vec<_>>())))
}
