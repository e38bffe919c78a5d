//! v2 resource handlers (`/api/v2`), one module per resource family.

pub(crate) mod agents;
pub(crate) mod chat;
pub(crate) mod conversations;
pub(crate) mod helpdesk;
pub(crate) mod misc;
pub(crate) mod sources;

use std::collections::HashMap;

use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::store::{Db, Row};

pub(crate) type PathParams = axum::extract::Path<HashMap<String, String>>;

pub(crate) fn param<'a>(p: &'a HashMap<String, String>, key: &str) -> &'a str {
    p.get(key).map(String::as_str).unwrap_or("")
}

/// Loads an agent or fails with `AGENT_NOT_FOUND`.
pub(crate) fn load_agent(db: &Db<'_>, id: &str) -> ApiResult<Value> {
    db.get("agent", id)?.ok_or_else(ApiError::agent_not_found)
}

/// Every document of `kind` filed under an agent, oldest first; `AGENT_NOT_FOUND` when there is no such agent.
pub(crate) async fn agent_docs(
    app: &AppState,
    agent: &str,
    kind: &'static str,
) -> ApiResult<Vec<Row>> {
    let agent = agent.to_owned();
    app.store
        .run(move |db| {
            load_agent(db, &agent)?;
            db.list(kind, &agent)
        })
        .await
}
