//! v2 resource handlers (`/api/v2`), one module per resource family.

pub(crate) mod agents;
pub(crate) mod chat;
pub(crate) mod conversations;
pub(crate) mod helpdesk;
pub(crate) mod misc;
pub(crate) mod sources;

use crate::error::ApiResult;
use crate::resources::agents::load_agent;
use crate::state::AppState;
use crate::store::Row;

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
