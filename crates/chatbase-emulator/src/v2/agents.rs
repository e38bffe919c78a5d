//! Agents: create, list, get, update, delete, styles, auto-retrain, clone and the
//! deprecated train. Agents double as v1 chatbots.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{AgentId, JsonObject};
use crate::resources::agents::create_agent_in;
use crate::resources::agents::load_agent;
use crate::state::AppState;
use crate::util::{self, V, new_agent_id, now_iso, paginate_seq, public, query_limit};

pub(crate) async fn list(
    State(app): State<AppState>,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let limit = query_limit(&q, 20, 100)?;
    let rows = app.store.run(|db| db.list("agent", "")).await?;
    let rows: Vec<(i64, Value)> = rows
        .into_iter()
        .rev()
        .map(|r| (r.seq, public(&r.data)))
        .collect();
    let (data, pagination) = paginate_seq(rows, &q, limit, "agents", true)?;
    Ok(Json(json!({"data": data, "pagination": pagination})))
}

pub(crate) async fn create(
    State(app): State<AppState>,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    let name = v.str("name", true, 1, 100);
    let url = v.str("url", false, 1, 2048);
    if let Some(u) = &url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        v.fail("url", "Invalid url");
    }
    let instructions = v.str("instructions", false, 0, 100_000);
    let model = v.enum_str("model", false);
    let temp = v.num("temp", false, 0.0, 1.0);
    let visibility = v.enum_str("visibility", false);
    v.finish()?;
    let name = name.unwrap_or_default();
    let out = app
        .store
        .run(move |db| {
            let id = new_agent_id();
            let mut extra = Map::new();
            if let Some(i) = instructions {
                extra.insert("instructions".into(), json!(i));
            }
            if let Some(m) = model {
                extra.insert("model".into(), json!(m));
            }
            if let Some(t) = temp {
                extra.insert("temp".into(), json!(t));
            }
            if let Some(vis) = visibility {
                extra.insert("visibility".into(), json!(vis));
            }
            create_agent_in(db, &id, &name, &extra)?;
            let pending = if let Some(u) = url {
                crate::resources::sources::insert_link(db, &id, &u, "crawl", &[], &[], false)?;
                crate::resources::sources::refresh_training(db, &id)?;
                json!(["TRAIN_AGENT"])
            } else {
                json!(["ADD_SOURCE", "TRAIN_AGENT"])
            };
            Ok(json!({"id": id, "pendingSteps": pending}))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub(crate) async fn get(
    State(app): State<AppState>,
    AgentId(id): AgentId,
) -> ApiResult<Json<Value>> {
    let doc = app.store.run(move |db| load_agent(db, &id)).await?;
    Ok(Json(public(&doc)))
}

/// Chatbase's values for the parts of a nested setting a partial update may leave out, so
/// the stored agent always satisfies the read model (`Agent` in `openapi/`).
fn nested_defaults() -> Value {
    let digest = json!({"active": false, "emails": []});
    json!({
        "notificationsSettings": {"dailyLeadsCollected": digest, "dailyConversations": digest},
        "voiceSettings": {"voice": {"speed": 1.0, "stability": 0.5, "similarity": 0.75}},
    })
}

/// Merges a partial update into a stored document: objects merge key by key (starting
/// from `defaults` where nothing is stored yet), anything else replaces. The body was
/// checked against the contract and stripped of undeclared keys before it got here.
fn merge(target: &mut Value, patch: Value, defaults: Option<&Value>) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = defaults
                    .filter(|d| d.is_object())
                    .cloned()
                    .unwrap_or_else(|| json!({}));
            }
            if let Some(t) = target.as_object_mut() {
                for (k, v) in p {
                    let d = defaults.and_then(|d| d.get(&k));
                    merge(t.entry(k).or_insert(Value::Null), v, d);
                }
            }
        }
        other => *target = other,
    }
}

pub(crate) async fn update(
    State(app): State<AppState>,
    AgentId(id): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    app.store
        .run(move |db| {
            let mut doc = load_agent(db, &id)?;
            let defaults = nested_defaults();
            for (k, val) in b {
                // The read model has no null limits: null leaves them as they are.
                if k == "ipRateLimits" && val.is_null() {
                    continue;
                }
                merge(&mut doc[&k], val, defaults.get(&k));
            }
            doc["_updatedAt"] = json!(now_iso());
            db.update("agent", &id, &doc)?;
            Ok(())
        })
        .await?;
    Ok(Json(json!({"success": true})))
}

pub(crate) async fn delete(
    State(app): State<AppState>,
    AgentId(id): AgentId,
) -> ApiResult<Json<Value>> {
    let agent = id.clone();
    app.store
        .run(move |db| {
            load_agent(db, &agent)?;
            db.delete_agent_tree(&agent)
        })
        .await?;
    app.invalidate_index(&id);
    Ok(Json(json!({"success": true})))
}

pub(crate) async fn update_styles(
    State(app): State<AppState>,
    AgentId(id): AgentId,
    JsonObject(mut b): JsonObject,
) -> ApiResult<Json<Value>> {
    let styles = b.remove("styles").unwrap_or_else(|| json!({}));
    app.store
        .run(move |db| {
            let mut doc = load_agent(db, &id)?;
            if !doc["styles"].is_object() {
                doc["styles"] = json!({"chat": null, "centerStage": null});
            }
            merge(&mut doc["styles"], styles, None);
            if let Ok(c) = crate::spec::contract() {
                c.clamp_to("v2", "AgentStyles", &mut doc["styles"]);
            }
            doc["_updatedAt"] = json!(now_iso());
            db.update("agent", &id, &doc)
        })
        .await?;
    Ok(Json(json!({"success": true})))
}

pub(crate) async fn update_auto_retrain(
    State(app): State<AppState>,
    AgentId(id): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let enabled = v.bool("enabled", true);
    v.finish()?;
    let enabled = enabled.unwrap_or(false);
    app.store
        .run(move |db| {
            let mut doc = load_agent(db, &id)?;
            if doc["lastTrainedAt"].is_null() {
                return Err(ApiError::conflict(
                    "AGENT_NOT_TRAINED",
                    "The agent must be trained before auto-retrain can be changed",
                ));
            }
            doc["autoRetrain"] = json!(enabled);
            db.update("agent", &id, &doc)
        })
        .await?;
    Ok(Json(json!({"success": true})))
}

pub(crate) async fn clone(
    State(app): State<AppState>,
    AgentId(id): AgentId,
) -> ApiResult<Response> {
    let out = app
        .store
        .run(move |db| {
            let src = load_agent(db, &id)?;
            let new_id = new_agent_id();
            let base = util::str_field(&src, "name");
            let mut name = format!("{base} (copy)");
            if name.chars().count() > 100 {
                name = name.chars().take(100).collect();
            }
            let mut doc = src.clone();
            let now = now_iso();
            doc["id"] = json!(new_id);
            doc["name"] = json!(name);
            doc["createdAt"] = json!(now);
            doc["_updatedAt"] = json!(now);
            doc["creditsUsed"] = json!(0);
            doc["lastMessageAt"] = Value::Null;
            db.insert("agent", &new_id, &new_id, "", &doc)?;
            crate::resources::agents::provision_workspace(db, &new_id)?;
            crate::resources::sources::copy_sources(db, &id, &new_id)?;
            crate::resources::sources::refresh_training(db, &new_id)?;
            let trained = db.count("source", &new_id)? > 0;
            let pending = if trained {
                json!([])
            } else {
                json!(["ADD_SOURCE", "TRAIN_AGENT"])
            };
            Ok(json!({"id": new_id, "pendingSteps": pending}))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub(crate) async fn train(
    State(app): State<AppState>,
    AgentId(id): AgentId,
) -> ApiResult<Json<Value>> {
    let agent = id.clone();
    app.store
        .run(move |db| {
            load_agent(db, &agent)?;
            crate::resources::sources::purge_pending_deletions(db, &agent)?;
            crate::resources::sources::refresh_training(db, &agent)
        })
        .await?;
    app.invalidate_index(&id);
    Ok(Json(json!({
        "success": true,
        "deprecated": true,
        "message": "Sources are trained when they are written; this endpoint only purges sources marked for deletion.",
    })))
}
