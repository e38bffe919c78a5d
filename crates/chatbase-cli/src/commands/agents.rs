//! `chatbase agents …` and the cheap call that checks a key.

pub mod args;

use super::util::{self, print_created, print_done, print_list, print_object};
use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::input::{Severity, build_body, confirm, put};
use crate::output::{Column, col, time};
use args::AgentsCmd;
use serde_json::{Map, json};

pub const AGENT_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("NAME", "name"),
    col("MODEL", "model"),
    col("STATUS", "status"),
    col("VISIBILITY", "visibility"),
    time("CREATED", "createdAt"),
];

pub async fn run(ctx: &Ctx, cmd: AgentsCmd) -> Result<()> {
    let client = ctx.client()?;
    match cmd {
        AgentsCmd::List(list) => {
            let mut call = client.agents().list();
            if let Some(n) = util::limit(&list) {
                call = call.limit(n);
            }
            if let Some(c) = &list.cursor {
                call = call.cursor(c.clone());
            }
            print_list(ctx, call, &list, AGENT_COLUMNS).await
        }
        AgentsCmd::Get { agent_id } => {
            let id = ctx.agent_or(agent_id.as_deref()).await?;
            let agent = client.agent(&id).get().send_raw().await?;
            print_object(ctx, &agent)
        }
        AgentsCmd::Create {
            name,
            instructions,
            model,
            url,
            temp,
            visibility,
            body,
        } => {
            let mut map = Map::new();
            put(&mut map, "name", name);
            put(&mut map, "instructions", instructions);
            put(&mut map, "model", model);
            put(&mut map, "url", url);
            put(&mut map, "temp", temp);
            put(&mut map, "visibility", visibility);
            let map = build_body(&body, map)?;
            if !map.contains_key("name") {
                return Err(CliError::usage("an agent needs a name: pass --name"));
            }
            let created = client.agents().create(util::body(map)?).send_raw().await?;
            print_created(ctx, "agent", &created)
        }
        AgentsCmd::Update {
            agent_id,
            name,
            instructions,
            model,
            temp,
            visibility,
            body,
        } => {
            let id = ctx.agent_or(agent_id.as_deref()).await?;
            let mut map = Map::new();
            put(&mut map, "name", name);
            put(&mut map, "instructions", instructions);
            put(&mut map, "model", model);
            put(&mut map, "temp", temp);
            put(&mut map, "visibility", visibility);
            let map = build_body(&body, map)?;
            if map.is_empty() {
                return Err(CliError::usage(
                    "nothing to update: pass --name, --instructions, --data or -f key=value",
                ));
            }
            let updated = client
                .agent(&id)
                .update(util::body(map)?)
                .send_raw()
                .await?;
            print_object(ctx, &updated)
        }
        AgentsCmd::Delete {
            agent_id,
            confirm: c,
        } => {
            confirm(
                "agent",
                &agent_id,
                &c,
                ctx.global.no_input,
                Severity::Severe,
            )?;
            let res = client.agent(&agent_id).delete().send_raw().await?;
            print_done(ctx, &res, format!("Deleted agent {agent_id}"))
        }
        AgentsCmd::Clone { agent_id } => {
            let id = ctx.agent_or(agent_id.as_deref()).await?;
            let cloned = client.agent(&id).clone_agent().send_raw().await?;
            print_created(ctx, "agent", &cloned)
        }
        AgentsCmd::Train { agent_id } => {
            let id = ctx.agent_or(agent_id.as_deref()).await?;
            let res = client.agent(&id).train().send_raw().await?;
            print_done(ctx, &res, format!("Training queued for agent {id}"))
        }
        AgentsCmd::AutoRetrain {
            agent_id,
            enabled,
            disabled,
        } => {
            let id = ctx.agent_or(agent_id.as_deref()).await?;
            let on = enabled && !disabled;
            let mut map = Map::new();
            map.insert("enabled".into(), json!(on));
            let res = client
                .agent(&id)
                .update_auto_retrain(util::body(map)?)
                .send_raw()
                .await?;
            print_done(
                ctx,
                &res,
                format!(
                    "Auto-retrain {} for agent {id}",
                    if on { "enabled" } else { "disabled" }
                ),
            )
        }
        AgentsCmd::Styles { agent_id, body } => {
            let id = ctx.agent_or(agent_id.as_deref()).await?;
            let mut styles = build_body(&body, Map::new())?;
            if styles.is_empty() {
                return Err(CliError::usage(
                    "no styles given: pass --data '{\"styles\":{…}}' or -f styles.buttonColor=#123456",
                ));
            }
            // Accept both the full body and the bare styles object.
            if !styles.contains_key("styles") {
                styles = Map::from_iter([("styles".to_owned(), serde_json::Value::Object(styles))]);
            }
            let res = client
                .agent(&id)
                .update_styles(util::body(styles)?)
                .send_raw()
                .await?;
            print_object(ctx, &res)
        }
    }
}

/// One cheap authenticated call, to tell a working key from a bad one.
pub async fn verify_key(client: &chatbase::Client) -> Result<()> {
    match client.agents().list().limit(1).send().await {
        // A body we cannot decode still came with a 2xx: the key was accepted.
        Ok(_) | Err(chatbase::Error::Decode { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
