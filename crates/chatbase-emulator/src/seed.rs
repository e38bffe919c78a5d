//! The demo workspace: agent [`crate::DEMO_AGENT_ID`] trained on a small help-centre
//! knowledge base shipped in `demo/`, plus a Q&A pair and two leads. Seeded once per
//! store; deleting the demo agent keeps it deleted.

use serde_json::{Map, json};

use crate::DEMO_AGENT_ID;
use crate::error::ApiResult;
use crate::resources::{agents, sources};
use crate::state::App;
use crate::util::{new_uuid, now_iso};

/// (title, markdown) of every demo article.
pub(crate) const ARTICLES: &[(&str, &str)] = &[
    (
        "Resetting your password",
        include_str!("../demo/resetting-your-password.md"),
    ),
    (
        "Two-factor authentication",
        include_str!("../demo/two-factor-authentication.md"),
    ),
    (
        "Billing and invoices",
        include_str!("../demo/billing-and-invoices.md"),
    ),
    (
        "Plans and cancellation",
        include_str!("../demo/plans-and-cancellation.md"),
    ),
    (
        "Getting started with Acme",
        include_str!("../demo/getting-started.md"),
    ),
    (
        "Contacting support",
        include_str!("../demo/contacting-support.md"),
    ),
];

const SEEDED: &str = "demo_seeded";

pub(crate) async fn seed_if_needed(app: &App) -> ApiResult<()> {
    app.store
        .run(|db| {
            if db.meta(SEEDED)?.is_some() || db.get("agent", DEMO_AGENT_ID)?.is_some() {
                return Ok(());
            }
            let mut extra = Map::new();
            extra.insert(
                "instructions".into(),
                json!("You are Acme's support assistant. Answer from the help centre and cite the article you used."),
            );
            extra.insert(
                "initialMessages".into(),
                json!(["Hi! I'm the Acme help centre assistant. Ask me about passwords, billing or your plan."]),
            );
            extra.insert("visibility".into(), json!("public"));
            agents::create_agent_in(db, DEMO_AGENT_ID, "Acme Help Center", &extra)?;
            for (title, body) in ARTICLES {
                sources::insert_text(db, DEMO_AGENT_ID, title, body)?;
            }
            sources::insert_qna(
                db,
                DEMO_AGENT_ID,
                "Is there a free trial?",
                &["Is there a free trial?".to_string(), "Can I try Acme for free?".to_string()],
                "Yes. Every Team plan starts with a 14-day free trial, no credit card needed. At the end of the trial you can pick a plan or stay on Free.",
            )?;
            sources::refresh_training(db, DEMO_AGENT_ID)?;
            for (name, email, phone) in [
                ("Jordan Example", "jordan@example.com", "+15550100200"),
                ("Priya Example", "priya@example.com", "+15550100201"),
            ] {
                let id = new_uuid();
                let lead = json!({
                    "id": id, "name": name, "email": email, "phone": phone,
                    "created_at": now_iso(), "chatbot_id": DEMO_AGENT_ID, "account_id": "emulator",
                });
                db.insert("lead", &id, DEMO_AGENT_ID, DEMO_AGENT_ID, &lead)?;
            }
            db.set_meta(SEEDED, &now_iso())?;
            Ok(())
        })
        .await
}
