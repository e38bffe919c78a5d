//! `chatbase tickets …`, `helpdesk …`, `whatsapp …`, `voice …` and `health`.

pub mod args;

use super::util::{self, print_created, print_data_list, print_list, print_object};
use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::input::{build_body, put, read_value};
use crate::output::{Column, col, time};
use args::{HelpdeskCmd, Order, SortBy, TicketsCmd, VoiceCmd, WhatsappCmd};
use chatbase::types::v2 as t2;
use serde_json::{Map, Value, json};

pub const TICKET_COLUMNS: &[Column] = &[
    col("NUMBER", "ticketNumber"),
    col("SUBJECT", "subject"),
    col("STATUS", "statusCategory"),
    col("PRIORITY", "priority"),
    col("CHANNEL", "channel"),
    col("CUSTOMER", "customer.email"),
    time("UPDATED", "updatedAt"),
];

pub const TICKET_MESSAGE_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("TYPE", "type"),
    col("FROM", "sender.name"),
    col("CONTENT", "content"),
    time("CREATED", "createdAt"),
];

const STATUS_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("CATEGORY", "category"),
    col("LABEL", "internalLabel"),
    col("CUSTOMER LABEL", "externalLabel"),
    col("DEFAULT", "isDefault"),
];
const TEAM_COLUMNS: &[Column] = &[col("ID", "id"), col("NAME", "name")];
const TEMPLATE_COLUMNS: &[Column] = &[
    col("NAME", "name"),
    col("LANGUAGE", "language"),
    col("CATEGORY", "category"),
    col("STATUS", "status"),
    col("VARIABLES", "variables"),
];

fn order(o: Order) -> &'static str {
    match o {
        Order::Asc => "asc",
        Order::Desc => "desc",
    }
}

fn date_time(flag: &str, v: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    v.parse::<chrono::DateTime<chrono::Utc>>()
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| {
            CliError::usage(format!(
                "{flag} must be an ISO 8601 time or YYYY-MM-DD, got {v:?}"
            ))
        })
}

pub async fn tickets(ctx: &Ctx, cmd: TicketsCmd) -> Result<()> {
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    let agent = client.agent(&agent_id);
    match cmd {
        TicketsCmd::List {
            list,
            status,
            channel,
            assignee_id,
            team_id,
            priority,
            created_after,
            created_before,
            sort_by,
            order: ord,
            include_total,
        } => {
            let mut call = agent.tickets().list();
            if let Some(n) = util::limit(&list) {
                call = call.limit(n);
            }
            if let Some(c) = &list.cursor {
                call = call.cursor(c.clone());
            }
            if let Some(s) = status {
                call = call.status(s);
            }
            if let Some(c) = channel {
                call = call.channel(c);
            }
            if let Some(a) = assignee_id {
                call = call.assignee_id(util::parse_as::<t2::NoneOrUuid>("--assignee-id", &a)?);
            }
            if let Some(t) = team_id {
                call = call.team_id(util::parse_as::<t2::NoneOrUuid>("--team-id", &t)?);
            }
            if let Some(p) = priority {
                call = call.priority(p);
            }
            if let Some(d) = created_after {
                call = call.created_after(date_time("--created-after", &d)?);
            }
            if let Some(d) = created_before {
                call = call.created_before(date_time("--created-before", &d)?);
            }
            if let Some(s) = sort_by {
                let v = match s {
                    SortBy::CreatedAt => "createdAt",
                    SortBy::UpdatedAt => "updatedAt",
                    SortBy::LastMessageAt => "lastMessageAt",
                };
                call = call.sort_by(util::parse_as::<t2::ListTicketsSortBy>("--sort-by", v)?);
            }
            if let Some(o) = ord {
                call = call.order(util::parse_as::<t2::ListTicketsOrder>("--order", order(o))?);
            }
            if include_total {
                call = call.include_total(util::parse_as::<t2::ListTicketsIncludeTotal>(
                    "--include-total",
                    "true",
                )?);
            }
            print_list(ctx, call, &list, TICKET_COLUMNS).await
        }
        TicketsCmd::Get { ticket_number } => {
            print_object(ctx, &agent.ticket(ticket_number).get().send_raw().await?)
        }
        TicketsCmd::Create {
            subject,
            description,
            customer_email,
            customer_name,
            priority,
            body,
        } => {
            let mut map = Map::new();
            put(&mut map, "subject", subject);
            if let Some(d) = description {
                map.insert("description".into(), Value::String(read_value(&d)?));
            }
            if let Some(email) = customer_email {
                let mut customer = Map::new();
                customer.insert("email".into(), json!(email));
                put(&mut customer, "name", customer_name);
                map.insert("customer".into(), Value::Object(customer));
            }
            put(&mut map, "priority", priority);
            let map = build_body(&body, map)?;
            for required in ["subject", "description", "customer"] {
                if !map.contains_key(required) {
                    return Err(CliError::usage(format!(
                        "a ticket needs {required}: pass --subject, --description and --customer-email"
                    )));
                }
            }
            let created = agent.tickets().create(util::body(map)?).send_raw().await?;
            print_created(ctx, "ticket", &created)
        }
        TicketsCmd::Update {
            ticket_number,
            status_category,
            priority,
            assignee_email,
            body,
        } => {
            let mut map = Map::new();
            put(&mut map, "statusCategory", status_category);
            put(&mut map, "priority", priority);
            put(&mut map, "assigneeEmail", assignee_email);
            let map = build_body(&body, map)?;
            if map.is_empty() {
                return Err(CliError::usage(
                    "nothing to update: pass --status-category, --priority, --assignee-email or -f",
                ));
            }
            print_object(
                ctx,
                &agent
                    .ticket(ticket_number)
                    .update(util::body(map)?)
                    .send_raw()
                    .await?,
            )
        }
        TicketsCmd::Search { query, limit } => {
            let mut map = Map::new();
            map.insert("query".into(), json!(query));
            put(&mut map, "limit", limit);
            let res = agent.tickets().search(util::body(map)?).send_raw().await?;
            print_data_list(ctx, &res, TICKET_COLUMNS)
        }
        TicketsCmd::Messages {
            ticket_number,
            types,
            order: ord,
            list,
        } => {
            let mut call = agent.ticket(ticket_number).list_messages();
            if let Some(n) = util::limit(&list) {
                call = call.limit(n);
            }
            if let Some(c) = &list.cursor {
                call = call.cursor(c.clone());
            }
            if let Some(t) = types {
                call = call.types(t);
            }
            if let Some(o) = ord {
                call = call.order(util::parse_as::<t2::ListTicketMessagesOrder>(
                    "--order",
                    order(o),
                )?);
            }
            print_list(ctx, call, &list, TICKET_MESSAGE_COLUMNS).await
        }
        TicketsCmd::Reply {
            ticket_number,
            message,
            author_id,
            author_email,
        } => {
            let mut map = Map::new();
            // The contract accepts only `reply`: internal notes cannot be posted through the API.
            map.insert("type".into(), json!("reply"));
            map.insert("content".into(), Value::String(read_value(&message)?));
            put(&mut map, "authorId", author_id);
            put(&mut map, "authorEmail", author_email);
            let created = agent
                .ticket(ticket_number)
                .create_message(util::body(map)?)
                .send_raw()
                .await?;
            print_created(ctx, "reply", &created)
        }
    }
}

pub async fn helpdesk(ctx: &Ctx, cmd: HelpdeskCmd) -> Result<()> {
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    let helpdesk = client.agent(&agent_id).helpdesk();
    match cmd {
        HelpdeskCmd::Statuses => print_data_list(
            ctx,
            &helpdesk.list_ticket_statuses().send_raw().await?,
            STATUS_COLUMNS,
        ),
        HelpdeskCmd::Teams => {
            print_data_list(ctx, &helpdesk.list_teams().send_raw().await?, TEAM_COLUMNS)
        }
    }
}

pub async fn whatsapp(ctx: &Ctx, cmd: WhatsappCmd) -> Result<()> {
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    let wa = client.agent(&agent_id).whatsapp();
    match cmd {
        WhatsappCmd::Templates => print_data_list(
            ctx,
            &wa.list_templates().send_raw().await?,
            TEMPLATE_COLUMNS,
        ),
        WhatsappCmd::SendTemplate {
            template,
            to,
            from,
            language,
            variables,
        } => {
            let mut tpl = Map::new();
            tpl.insert("name".into(), json!(template));
            put(&mut tpl, "language", language);
            if let Some(v) = variables {
                let text = read_value(&v)?;
                let parsed: Value = serde_json::from_str(&text)
                    .map_err(|e| CliError::usage(format!("--variables is not valid JSON: {e}")))?;
                tpl.insert("variables".into(), parsed);
            }
            let mut map = Map::new();
            map.insert("to".into(), json!(to));
            put(&mut map, "from", from);
            map.insert("template".into(), Value::Object(tpl));
            let res = wa.send_template(util::body(map)?).send_raw().await?;
            print_created(ctx, "WhatsApp message", &res)
        }
    }
}

pub async fn voice(ctx: &Ctx, cmd: VoiceCmd) -> Result<()> {
    let client = ctx.client()?;
    let agent_id = ctx.agent_id().await?;
    match cmd {
        VoiceCmd::Start {
            conversation,
            user,
            timezone,
        } => {
            let mut map = Map::new();
            put(&mut map, "conversationId", conversation);
            put(&mut map, "userId", user);
            put(&mut map, "timezone", timezone);
            let res = client
                .agent(&agent_id)
                .create_voice_session(util::body(map)?)
                .send_raw()
                .await?;
            print_object(ctx, &res)
        }
    }
}

pub async fn health(ctx: &Ctx) -> Result<()> {
    // Health needs no key, so a missing one is not an error here.
    let owned;
    let client = match ctx.client() {
        Ok(c) => c,
        Err(e) if e.kind == crate::error::ExitKind::Auth => {
            owned = crate::context::build_client(
                &crate::config::ApiKey::new("unauthenticated"),
                &ctx.settings.api_url,
                std::time::Duration::from_secs(ctx.settings.timeout.value),
            )?;
            &owned
        }
        Err(e) => return Err(e),
    };
    let res = client.health().send_raw().await?;
    if ctx.out.is_machine() {
        return print_object(ctx, &res);
    }
    let v = util::value_of(&res)?;
    let status = v.get("status").and_then(Value::as_str).unwrap_or("ok");
    ctx.out.success(format!(
        "API is up (status: {})",
        crate::sanitize::sanitize(status)
    ));
    if ctx.out.quiet {
        println!("{}", crate::sanitize::sanitize(status));
    }
    Ok(())
}
