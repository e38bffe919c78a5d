//! Helpdesk tickets: create, list with filters and sort-bound cursors, search, get, update (status,
//! assignee and team changes leave event messages).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::agent_docs;
use crate::error::{ApiError, ApiResult};
use crate::resources::agents::load_agent;
use crate::state::AppState;
use crate::store::Db;
use crate::util::{self, V, new_uuid, now_iso, paginate, public, query_limit, str_field};

use super::{
    CHANNELS, EMAIL, PRIORITIES, event_doc, find_member, insert_ticket_message, list_item,
    load_ticket, reply_doc, statuses, teams, ticket_key,
};
use crate::extract::{AgentId, JsonObject, TicketNumber};

struct Assignment {
    status: Option<Value>,
    assignee: Option<Option<(String, String, String, String)>>,
    team: Option<Option<String>>,
}

/// Resolves status, assignee and team fields of a create or update body.
fn resolve_assignment(
    db: &Db<'_>,
    agent: &str,
    b: &serde_json::Map<String, Value>,
) -> ApiResult<Assignment> {
    let sts = statuses(db, agent)?;
    let tms = teams(db, agent)?;
    let status = if let Some(id) = b.get("statusId").and_then(Value::as_str) {
        Some(
            sts.iter()
                .find(|s| str_field(s, "id") == id)
                .cloned()
                .ok_or_else(|| {
                    ApiError::unprocessable("TICKET_INVALID_STATUS", "Unknown ticket status")
                })?,
        )
    } else if let Some(cat) = b.get("statusCategory").and_then(Value::as_str) {
        Some(
            sts.iter()
                .find(|s| str_field(s, "category") == cat && s["isDefault"] == json!(true))
                .cloned()
                .ok_or_else(|| {
                    ApiError::unprocessable("TICKET_INVALID_STATUS", "No status in that category")
                })?,
        )
    } else {
        None
    };
    let assignee = if b.get("assigneeId").is_some_and(Value::is_null) {
        Some(None)
    } else if let Some(id) = b.get("assigneeId").and_then(Value::as_str) {
        Some(Some(find_member(&tms, Some(id), None).ok_or_else(
            || {
                ApiError::unprocessable(
                    "TICKET_TEAM_MEMBER_NOT_FOUND",
                    "Assignee is not a helpdesk team member",
                )
            },
        )?))
    } else if let Some(email) = b.get("assigneeEmail").and_then(Value::as_str) {
        Some(Some(find_member(&tms, None, Some(email)).ok_or_else(
            || {
                ApiError::unprocessable(
                    "TICKET_TEAM_MEMBER_NOT_FOUND",
                    "Assignee is not a helpdesk team member",
                )
            },
        )?))
    } else {
        None
    };
    let team = if b.get("teamId").is_some_and(Value::is_null) {
        Some(None)
    } else if let Some(id) = b.get("teamId").and_then(Value::as_str) {
        if !tms.iter().any(|t| str_field(t, "id") == id) {
            return Err(ApiError::unprocessable(
                "TICKET_TEAM_NOT_FOUND",
                "Team not found",
            ));
        }
        Some(Some(id.to_string()))
    } else {
        None
    };
    Ok(Assignment {
        status,
        assignee,
        team,
    })
}

fn check_common(v: &mut V<'_>, b: &serde_json::Map<String, Value>) {
    if let Some(s) = v.str("statusId", false, 1, 64)
        && uuid::Uuid::parse_str(&s).is_err()
    {
        v.fail("statusId", "Invalid uuid");
    }
    v.enum_str("statusCategory", false);
    for k in ["assigneeId", "teamId"] {
        if b.get(k).is_some_and(|x| !x.is_null())
            && let Some(s) = v.str(k, false, 1, 64)
            && uuid::Uuid::parse_str(&s).is_err()
        {
            v.fail(k, "Invalid uuid");
        }
    }
    if b.contains_key("assigneeEmail") {
        v.pattern("assigneeEmail", false, 320, &EMAIL);
    }
    v.enum_str("priority", false);
}

pub(crate) async fn create(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    let subject = v.str("subject", true, 1, 500);
    let description = v.str("description", true, 1, 10_000);
    let customer = v.object("customer", true);
    let mut email = None;
    let mut cname = None;
    if let Some(c) = customer {
        let mut cv = V::nested(c, "customer");
        email = cv.pattern("email", true, 320, &EMAIL);
        cname = cv.str("name", false, 0, 255);
        v.absorb(cv);
    }
    check_common(&mut v, &b);
    v.finish()?;
    let (subject, description, email) = (
        subject.unwrap_or_default(),
        description.unwrap_or_default(),
        email.unwrap_or_default(),
    );
    let out = app
        .store
        .run(move |db| {
            load_agent(db, &agent)?;
            let a = resolve_assignment(db, &agent, &b)?;
            let status = match a.status {
                Some(s) => s,
                None => statuses(db, &agent)?
                    .into_iter()
                    .find(|s| s["category"] == json!("new"))
                    .ok_or_else(|| ApiError::internal("agent has no 'new' status"))?,
            };
            let assignee = a.assignee.flatten();
            let team = a.team.flatten().or_else(|| assignee.as_ref().map(|m| m.3.clone()));
            let customer_key = format!("{agent}:{}", email.to_lowercase());
            let customer = match db.get("customer", &customer_key)? {
                Some(mut c) => {
                    if let Some(n) = &cname {
                        c["name"] = json!(n);
                        db.update("customer", &customer_key, &c)?;
                    }
                    c
                }
                None => {
                    let c = json!({"id": new_uuid(), "name": cname, "email": email, "phoneNumber": null});
                    db.insert("customer", &customer_key, &agent, &agent, &c)?;
                    c
                }
            };
            let n = db.next_counter(&format!("ticket:{agent}"))?;
            let now = now_iso();
            let ticket = json!({
                "ticketNumber": n,
                "subject": subject,
                "description": description,
                "statusCategory": status["category"],
                "statusId": status["id"],
                "assigneeId": assignee.as_ref().map(|m| m.0.clone()),
                "customer": customer,
                "metadata": {},
                "channel": "api",
                "conversationId": null,
                "teamId": team,
                "priority": b.get("priority").and_then(Value::as_str).unwrap_or("normal"),
                "createdAt": now,
                "updatedAt": now,
                "lastMessageAt": now,
            });
            let key = ticket_key(&agent, n);
            db.insert("ticket", &key, &agent, &agent, &ticket)?;
            let sender = json!({"type": "customer", "id": customer["id"], "name": customer["name"], "email": customer["email"]});
            insert_ticket_message(db, &agent, &key, reply_doc(sender, &description))?;
            Ok(ticket)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

fn parse_time(s: &str, field: &str) -> ApiResult<f64> {
    util::iso_to_unix(s).ok_or_else(|| ApiError::invalid_field(field, "Invalid datetime"))
}

pub(crate) async fn list(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let limit = query_limit(&q, 20, 100)?;
    let sort_by = q
        .get("sortBy")
        .map(String::as_str)
        .unwrap_or("updatedAt")
        .to_string();
    if !["createdAt", "updatedAt", "lastMessageAt"].contains(&sort_by.as_str()) {
        return Err(ApiError::invalid_field(
            "sortBy",
            "Expected 'createdAt' | 'updatedAt' | 'lastMessageAt'",
        ));
    }
    let order = q
        .get("order")
        .map(String::as_str)
        .unwrap_or("desc")
        .to_string();
    if !["asc", "desc"].contains(&order.as_str()) {
        return Err(ApiError::invalid_field("order", "Expected 'asc' | 'desc'"));
    }
    let include_total = match q.get("includeTotal").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "includeTotal",
                "Expected 'true' | 'false'",
            ));
        }
    };
    for k in ["assigneeId", "teamId"] {
        if let Some(x) = q.get(k)
            && x != "none"
            && uuid::Uuid::parse_str(x).is_err()
        {
            return Err(ApiError::invalid_field(k, "Expected 'none' or a uuid"));
        }
    }
    let after = q
        .get("createdAfter")
        .map(|s| parse_time(s, "createdAfter"))
        .transpose()?;
    let before = q
        .get("createdBefore")
        .map(|s| parse_time(s, "createdBefore"))
        .transpose()?;
    let split = |k: &str| -> Option<Vec<String>> {
        q.get(k)
            .filter(|s| !s.is_empty())
            .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
    };
    let (status, channel, priority) = (split("status"), split("channel"), split("priority"));
    if let Some(ch) = &channel
        && let Some(bad) = ch.iter().find(|c| !CHANNELS.contains(&c.as_str()))
    {
        return Err(ApiError::invalid_field(
            "channel",
            format!("Unknown channel '{bad}'"),
        ));
    }
    if let Some(pr) = &priority
        && let Some(bad) = pr.iter().find(|c| !PRIORITIES.contains(&c.as_str()))
    {
        return Err(ApiError::invalid_field(
            "priority",
            format!("Unknown priority '{bad}'"),
        ));
    }
    let assignee = q.get("assigneeId").cloned();
    let team = q.get("teamId").cloned();
    let rows = agent_docs(&app, &agent, "ticket").await?;
    let matches_opt = |field: &Value, want: &Option<String>| match want.as_deref() {
        None => true,
        Some("none") => field.is_null(),
        Some(w) => field.as_str() == Some(w),
    };
    let mut tickets: Vec<Value> = rows
        .into_iter()
        .map(|r| r.data)
        .filter(|t| {
            status.as_ref().is_none_or(|s| {
                s.iter()
                    .any(|x| x == str_field(t, "statusCategory") || x == str_field(t, "statusId"))
            })
        })
        .filter(|t| {
            channel
                .as_ref()
                .is_none_or(|c| c.iter().any(|x| x == str_field(t, "channel")))
        })
        .filter(|t| {
            priority
                .as_ref()
                .is_none_or(|c| c.iter().any(|x| x == str_field(t, "priority")))
        })
        .filter(|t| matches_opt(&t["assigneeId"], &assignee) && matches_opt(&t["teamId"], &team))
        .filter(|t| {
            let c = util::iso_to_unix(str_field(t, "createdAt")).unwrap_or(0.0);
            after.is_none_or(|a| c >= a) && before.is_none_or(|b| c <= b)
        })
        .collect();
    let key = |t: &Value| {
        (
            t[&sort_by].as_str().unwrap_or("").to_string(),
            t["ticketNumber"].as_i64().unwrap_or(0),
        )
    };
    tickets.sort_by_key(key);
    if order == "desc" {
        tickets.reverse();
    }
    let items: Vec<Value> = tickets.iter().map(list_item).collect();
    let mut out = paginate(items, &q, limit, &format!("tickets:{sort_by}:{order}"))?;
    if !include_total && let Some(p) = out["pagination"].as_object_mut() {
        p.remove("total");
    }
    Ok(Json(out))
}

pub(crate) async fn search(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let query = v.str("query", true, 1, 512);
    let limit = v.int("limit", false, 1, 50).unwrap_or(20) as usize;
    v.finish()?;
    let needle = query.unwrap_or_default().to_lowercase();
    let rows = agent_docs(&app, &agent, "ticket").await?;
    let mut hits: Vec<Value> = rows
        .into_iter()
        .map(|r| r.data)
        .filter(|t| {
            let number = t["ticketNumber"].to_string();
            needle.trim_start_matches('#') == number
                || [
                    t["subject"].as_str(),
                    t["description"].as_str(),
                    t["customer"]["email"].as_str(),
                    t["customer"]["name"].as_str(),
                ]
                .into_iter()
                .flatten()
                .any(|s| s.to_lowercase().contains(&needle))
        })
        .collect();
    hits.sort_by(|a, b| str_field(b, "updatedAt").cmp(str_field(a, "updatedAt")));
    let has_more = hits.len() > limit;
    let data: Vec<Value> = hits.iter().take(limit).map(list_item).collect();
    Ok(Json(
        json!({"data": data, "pagination": {"cursor": null, "hasMore": has_more}}),
    ))
}

pub(crate) async fn get(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    TicketNumber(n): TicketNumber,
) -> ApiResult<Json<Value>> {
    let t = app.store.run(move |db| load_ticket(db, &agent, n)).await?;
    Ok(Json(public(&t)))
}

pub(crate) async fn update(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    TicketNumber(n): TicketNumber,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    check_common(&mut v, &b);
    v.finish()?;
    let out = app
        .store
        .run(move |db| {
            let mut t = load_ticket(db, &agent, n)?;
            let key = ticket_key(&agent, n);
            let a = resolve_assignment(db, &agent, &b)?;
            if let Some(s) = a.status
                && t["statusId"] != s["id"]
            {
                let from = str_field(&t, "statusCategory").to_string();
                t["statusId"] = s["id"].clone();
                t["statusCategory"] = s["category"].clone();
                let ev = event_doc("status_changed", Some(&from), s["category"].as_str(), Value::Null, Value::Null);
                insert_ticket_message(db, &agent, &key, ev)?;
            }
            if let Some(assignee) = a.assignee {
                let person = |m: &(String, String, String, String)| json!({"id": m.0, "name": m.1, "email": m.2, "type": "agent"});
                let new_id = assignee.as_ref().map(|m| m.0.clone());
                if t["assigneeId"].as_str().map(String::from) != new_id {
                    let tms = teams(db, &agent)?;
                    let prev = t["assigneeId"]
                        .as_str()
                        .and_then(|id| find_member(&tms, Some(id), None))
                        .map(|m| person(&m))
                        .unwrap_or(Value::Null);
                    let next = assignee.as_ref().map(person).unwrap_or(Value::Null);
                    t["assigneeId"] = json!(new_id);
                    if let (Some(m), None) = (&assignee, &a.team) {
                        t["teamId"] = json!(m.3);
                    }
                    insert_ticket_message(db, &agent, &key, event_doc("assigned", None, None, next, prev))?;
                }
            }
            if let Some(team) = a.team {
                t["teamId"] = json!(team);
            }
            if let Some(pr) = b.get("priority") {
                t["priority"] = pr.clone();
            }
            t["updatedAt"] = json!(now_iso());
            db.update("ticket", &key, &t)?;
            Ok(public(&t))
        })
        .await?;
    Ok(Json(out))
}
