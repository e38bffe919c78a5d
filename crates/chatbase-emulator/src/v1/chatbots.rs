//! v1 chatbots (agents seen through the v1 model): create, list, delete, data and settings updates.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{self, V, new_agent_id, now_iso, str_field};

use super::{chatbot_view, load_chatbot, required_query};
use crate::extract::V1JsonObject;
use crate::resources::{agents, sources};

pub(crate) async fn create_chatbot(
    State(app): State<AppState>,
    V1JsonObject(b): V1JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let name = v.str("chatbotName", true, 3, 100);
    let text = v.str("sourceText", false, 0, 1_048_576);
    v.finish().map_err(ApiError::in_v1_words)?;
    let name = name.unwrap_or_default();
    let id = app
        .store
        .run(move |db| {
            let id = new_agent_id();
            agents::create_agent_in(db, &id, &name, &Map::new())?;
            if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
                let mut doc = sources::insert_text(db, &id, "Source text", &t)?;
                doc["_v1"] = json!(true);
                db.update("source", str_field(&doc, "id"), &doc)?;
                sources::refresh_training(db, &id)?;
            }
            Ok(id)
        })
        .await?;
    app.invalidate_index(&id);
    Ok(Json(json!({"chatbotId": id})))
}

pub(crate) async fn list_chatbots(State(app): State<AppState>) -> ApiResult<Json<Value>> {
    let rows = app.store.run(|db| db.list("agent", "")).await?;
    let bots: Vec<Value> = rows.iter().map(|r| chatbot_view(&r.data)).collect();
    Ok(Json(json!({"chatbots": bots})))
}

pub(crate) async fn delete_chatbot(
    State(app): State<AppState>,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let id = required_query(&q, "chatbotId")?.to_string();
    let agent = id.clone();
    app.store
        .run(move |db| {
            load_chatbot(db, &agent)?;
            db.delete_agent_tree(&agent)
        })
        .await?;
    app.invalidate_index(&id);
    Ok(Json(json!({"message": "Chatbot deleted successfully."})))
}

pub(crate) async fn update_chatbot_data(
    State(app): State<AppState>,
    V1JsonObject(b): V1JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let id = v.str("chatbotId", true, 1, 200);
    let name = v.str("chatbotName", true, 3, 100);
    let text = v.str("sourceText", false, 0, 1_048_576);
    v.finish().map_err(ApiError::in_v1_words)?;
    let (id, name) = (id.unwrap_or_default(), name.unwrap_or_default());
    let agent = id.clone();
    app.store
        .run(move |db| {
            let mut doc = load_chatbot(db, &agent)?;
            doc["name"] = json!(name);
            doc["_updatedAt"] = json!(now_iso());
            db.update("agent", &agent, &doc)?;
            if let Some(t) = text {
                // The v1 source text replaces the previous one and retrains.
                for r in db.list("source", &agent)? {
                    if r.data["_v1"] == json!(true) {
                        db.delete("source", str_field(&r.data, "id"))?;
                    }
                }
                if !t.trim().is_empty() {
                    let mut s = sources::insert_text(db, &agent, "Source text", &t)?;
                    s["_v1"] = json!(true);
                    db.update("source", str_field(&s, "id"), &s)?;
                }
            }
            sources::refresh_training(db, &agent)
        })
        .await?;
    app.invalidate_index(&id);
    Ok(Json(json!({"chatbotId": id})))
}

pub(crate) async fn update_chatbot_settings(
    State(app): State<AppState>,
    V1JsonObject(b): V1JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    let id = v.str("chatbotId", true, 1, 200);
    let name = v.str("name", false, 1, 100);
    let instructions = v.str("instructions", false, 0, 100_000);
    let initial = v.strings("initialMessages", false, (0, 100), (0, 1000));
    let suggested = v.strings("suggestedMessages", false, (0, 100), (1, 1000));
    let visibility = v.enum_str("visibility", false);
    let domains = v.strings("domains", false, (0, 1000), (0, 500));
    v.bool("onlyAllowOnAddedDomains", false);
    let ip_limit = v.int("ipLimit", false, 1, 200);
    let ip_tf = v.int("ipLimitTimeframe", false, 1, 3600);
    let ip_msg = v.str("ipLimitMessage", false, 0, 1000);
    let model = v.enum_str("model", false);
    let temp = v.num("temp", false, 0.0, 1.0);
    let styles = v.object("styles", false).cloned();
    if let Some(s) = &styles {
        let mut sv = V::nested(s, "styles");
        sv.enum_str("theme", false);
        sv.str("buttonColor", false, 0, 50);
        sv.str("displayName", false, 0, 100);
        sv.enum_str("alignChatButton", false);
        sv.str("userMessageColor", false, 0, 50);
        sv.int("autoOpenChatWindowAfter", false, 0, i64::MAX);
        v.absorb(sv);
    }
    let leads = v.object("collectCustomerInformation", false).cloned();
    v.finish().map_err(ApiError::in_v1_words)?;
    let id = id.unwrap_or_default();
    app.store
        .run(move |db| {
            let mut doc = load_chatbot(db, &id)?;
            if let Some(x) = name {
                doc["name"] = json!(x);
            }
            if let Some(x) = instructions {
                doc["instructions"] = json!(x);
            }
            if let Some(x) = initial {
                doc["initialMessages"] = json!(x);
            }
            if let Some(x) = suggested {
                let items: Vec<Value> = x
                    .iter()
                    .enumerate()
                    .map(|(i, t)| json!({"text": t, "type": "single", "order": i}))
                    .collect();
                doc["suggestedMessages"] = json!(items);
            }
            if let Some(x) = visibility {
                doc["visibility"] = json!(x);
            }
            if let Some(x) = domains {
                doc["allowedDomains"] = json!(x);
            }
            if let Some(x) = ip_limit {
                doc["ipRateLimits"]["limit"] = json!(x);
            }
            if let Some(x) = ip_tf {
                doc["ipRateLimits"]["timeframe"] = json!(x);
            }
            if let Some(x) = ip_msg {
                doc["ipRateLimits"]["message"] = json!(x);
            }
            if let Some(x) = model {
                // v1 accepts more models than the v2 read model lists; the v2 view keeps
                // its last valid model, the v1 view shows what was set.
                if crate::spec::contract()
                    .is_ok_and(|c| c.valid_at("v2", "/Agent/properties/model", &json!(x)))
                {
                    doc["model"] = json!(x);
                }
                doc["_v1Model"] = json!(x);
            }
            if let Some(x) = temp {
                doc["temp"] = json!(x);
            }
            if let Some(s) = styles {
                if !doc["styles"]["chat"].is_object() {
                    doc["styles"]["chat"] = json!({});
                }
                for (k, val) in s {
                    doc["styles"]["chat"][&k] = val;
                }
            }
            if let Some(l) = leads {
                doc["_leadForm"] = json!(l);
            }
            doc["_updatedAt"] = json!(now_iso());
            db.update("agent", &id, &doc)
        })
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": "Chatbot settings updated successfully."})),
    )
        .into_response())
}
