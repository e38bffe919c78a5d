//! The emulator's own admin API under `/_emulator/` (faults, reset, info, lead seeding).
//! Not part of Chatbase's API; it needs the emulator's key but is never rate limited.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::config::Faults;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AgentId, JsonObject};
use crate::resources::agents::load_agent;
use crate::state::AppState;
use crate::util::{V, new_uuid, now_iso};

pub(crate) async fn get_faults(State(app): State<AppState>) -> Json<Faults> {
    Json(app.faults())
}

pub(crate) async fn put_faults(
    State(app): State<AppState>,
    body: Bytes,
) -> ApiResult<Json<Faults>> {
    let faults: Faults = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_field("body", format!("Invalid faults: {e}")))?;
    let bad_rate = faults
        .errors
        .iter()
        .map(|f| f.rate)
        .chain(faults.resets.iter().map(|f| f.rate))
        .any(|r| !(0.0..=1.0).contains(&r));
    if bad_rate {
        return Err(ApiError::invalid_field(
            "rate",
            "Rates must be between 0 and 1",
        ));
    }
    if faults
        .errors
        .iter()
        .any(|f| !(400..=599).contains(&f.status))
    {
        return Err(ApiError::invalid_field(
            "status",
            "Status must be between 400 and 599",
        ));
    }
    app.set_faults(faults.clone());
    Ok(Json(faults))
}

pub(crate) async fn clear_faults(State(app): State<AppState>) -> Json<Faults> {
    app.set_faults(Faults::default());
    Json(Faults::default())
}

/// Deletes all data, clears rate-limit windows and faults, and reseeds the demo workspace
/// when seeding is on.
pub(crate) async fn reset(State(app): State<AppState>) -> ApiResult<Json<Value>> {
    app.store.run(|db| db.wipe()).await?;
    app.invalidate_all_indexes();
    app.limiter.clear();
    app.set_faults(Faults::default());
    app.pairing.clear();
    if app.seed_demo {
        crate::seed::seed_if_needed(&app).await?;
    }
    Ok(Json(json!({"success": true})))
}

pub(crate) async fn info(State(app): State<AppState>) -> Json<Value> {
    Json(json!({
        "name": "chatbase-emulator",
        "version": env!("CARGO_PKG_VERSION"),
        "demoAgentId": if app.seed_demo { json!(crate::DEMO_AGENT_ID) } else { Value::Null },
        "faults": app.faults(),
    }))
}

/// Adds a lead (what the widget's lead form would collect) so `GET /api/v1/get-leads` has data.
pub(crate) async fn add_lead(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    let name = v.str("name", false, 0, 255);
    let email = v.str("email", false, 0, 320);
    let phone = v.str("phone", false, 0, 64);
    v.finish()?;
    let lead = app
        .store
        .run(move |db| {
            load_agent(db, &agent)?;
            let id = new_uuid();
            let lead = json!({
                "id": id, "name": name, "email": email, "phone": phone,
                "created_at": now_iso(), "chatbot_id": agent, "account_id": "emulator",
            });
            db.insert("lead", &id, &agent, &agent, &lead)?;
            Ok(lead)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(lead)).into_response())
}

/// Adds `count` API conversations (each with `turns` question/answer pairs), for testing
/// pagination and export against a large history.
pub(crate) async fn seed_conversations(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    JsonObject(b): JsonObject,
) -> ApiResult<Response> {
    let mut v = V::new(&b);
    let count = v.int("count", true, 1, 10_000).unwrap_or(0);
    let turns = v.int("turns", false, 1, 50).unwrap_or(1);
    let user_id = v.str("userId", false, 1, 128);
    v.finish()?;
    let ids = app
        .store
        .run(move |db| {
            load_agent(db, &agent)?;
            let mut ids = Vec::new();
            for i in 0..count {
                let cid = new_uuid();
                let title = format!("Seeded conversation {}", i + 1);
                let doc = crate::resources::conversations::new_conversation_doc(
                    &cid,
                    &title,
                    user_id.as_deref(),
                    "API",
                );
                db.insert("conversation", &cid, &agent, &agent, &doc)?;
                for t in 0..turns {
                    let q = json!([{"type": "text", "text": format!("Seeded question {}", t + 1)}]);
                    let a = json!([{"type": "text", "text": format!("Seeded answer {}", t + 1)}]);
                    crate::resources::conversations::insert_message(
                        db,
                        &agent,
                        &cid,
                        "user",
                        q.as_array().cloned().unwrap_or_default(),
                        None,
                    )?;
                    crate::resources::conversations::insert_message(
                        db,
                        &agent,
                        &cid,
                        "assistant",
                        a.as_array().cloned().unwrap_or_default(),
                        None,
                    )?;
                }
                ids.push(cid);
            }
            Ok(ids)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"conversationIds": ids}))).into_response())
}
