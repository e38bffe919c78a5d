//! `chatbase v1 …`: the legacy API (chatbots, chat, conversations, leads, contacts, custom attributes, icons).

pub mod args;

use super::util::{self, print_created, print_data_list, print_done, print_object};
use crate::args::ListArgs;
use crate::context::Ctx;
use crate::error::{CliError, ExitKind, Result};
use crate::input::{Severity, body_value, build_body, confirm, put, read_value};
use crate::output::{Column, col, time};
use crate::stream_out;
use args::{V1AttributesCmd, V1ChatbotsCmd, V1Cmd, V1ContactsCmd, V1PagedCmd};
use serde_json::{Map, Value, json};
use std::io::{IsTerminal, Read, Write};

const CHATBOT_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("NAME", "name"),
    col("MODEL", "model"),
    col("VISIBILITY", "visibility"),
    time("CREATED", "created_at"),
];
const V1_CONVERSATION_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("SOURCE", "source"),
    col("CUSTOMER", "customer"),
    time("CREATED", "created_at"),
];
const LEAD_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("NAME", "name"),
    col("EMAIL", "email"),
    col("PHONE", "phone"),
    time("CREATED", "created_at"),
];
const CONTACT_COLUMNS: &[Column] = &[
    col("ID", "id"),
    col("EXTERNAL ID", "external_id"),
    col("NAME", "name"),
    col("EMAIL", "email"),
    col("PHONE", "phonenumber"),
    time("CREATED", "created_at"),
];
const ATTRIBUTE_COLUMNS: &[Column] = &[
    col("NAME", "name"),
    col("TYPE", "type"),
    col("LABEL", "label"),
    col("DESCRIPTION", "description"),
    col("ARCHIVED", "archived"),
];

/// Applies the date-range and page filters shared by the v1 conversation and lead lists. A macro
/// because the two calls are different generated builder types with the same setters.
macro_rules! v1_date_paged {
    ($call:expr, $start:expr, $end:expr, $page:expr, $size:expr) => {{
        let mut call = $call;
        if let Some(d) = $start {
            call = call.start_date(naive_date("--start-date", &d)?);
        }
        if let Some(d) = $end {
            call = call.end_date(naive_date("--end-date", &d)?);
        }
        if let Some(s) = $size {
            call = call.size(u64::from(s));
        }
        if let Some(p) = $page {
            call = call.page(u64::from(p));
        }
        call
    }};
}

pub async fn run(ctx: &Ctx, cmd: V1Cmd) -> Result<()> {
    let client = ctx.client()?;
    let v1 = client.v1();
    match cmd {
        V1Cmd::Chat {
            message,
            chatbot,
            conversation,
            no_stream,
            model,
            temperature,
            contact_id,
            stream,
        } => {
            let client = ctx.stream_client(&stream)?;
            let v1 = client.v1();
            let chatbot = match chatbot {
                Some(c) => c,
                None => ctx.agent_id().await?,
            };
            let message = match message {
                Some(m) => m,
                None if !std::io::stdin().is_terminal() => {
                    let mut t = String::new();
                    std::io::stdin().read_to_string(&mut t)?;
                    t.trim().to_owned()
                }
                None => {
                    return Err(CliError::usage(
                        "pass the message with -m (v1 has no interactive session)",
                    ));
                }
            };
            if message.is_empty() {
                return Err(CliError::usage("the message is empty"));
            }
            let mut req = v1.chat(chatbot).user(message);
            if let Some(c) = conversation {
                req = req.conversation_id(c);
            }
            if let Some(m) = model {
                req = req.model(m);
            }
            if let Some(t) = temperature {
                req = req.temperature(t);
            }
            if let Some(c) = contact_id {
                req = req.contact_id(c);
            }
            if no_stream || ctx.out.is_machine() {
                let res = req.send_raw().await?;
                if ctx.out.is_machine() {
                    return print_object(ctx, &res);
                }
                let v = util::value_of(&res)?;
                let text = v.get("text").and_then(Value::as_str).unwrap_or_default();
                println!("{}", crate::sanitize::sanitize(text));
                return Ok(());
            }
            let stream = req.stream().await?;
            let mut stdout = stream_out::stdout();
            let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
            let mut ends_nl = true;
            let ended = stream_out::pump(
                stream,
                &mut stdout,
                &mut ctrl_c,
                |chunk: chatbase::Result<String>, stdout| {
                    let chunk = crate::sanitize::sanitize(&chunk?).into_owned();
                    if !chunk.is_empty() {
                        ends_nl = chunk.ends_with('\n');
                        stdout.write_all(chunk.as_bytes())?;
                    }
                    Ok(stream_out::Next::Continue)
                },
            )
            .await?;
            if ended == stream_out::Ended::Interrupted {
                eprintln!("\n[cancelled]");
                return Err(CliError::new(ExitKind::Interrupted, ""));
            }
            if !ends_nl {
                writeln!(stdout)?;
            }
            Ok(())
        }
        V1Cmd::Chatbots(c) => match c {
            V1ChatbotsCmd::List => print_data_list(
                ctx,
                &v1.chatbots().list().send_raw().await?,
                CHATBOT_COLUMNS,
            ),
            V1ChatbotsCmd::Create { name, source_text } => {
                let mut map = Map::new();
                map.insert("chatbotName".into(), json!(name));
                if let Some(t) = source_text {
                    map.insert("sourceText".into(), Value::String(read_value(&t)?));
                }
                print_created(
                    ctx,
                    "chatbot",
                    &v1.chatbots().create(util::body(map)?).send_raw().await?,
                )
            }
            V1ChatbotsCmd::UpdateData {
                chatbot_id,
                name,
                source_text,
            } => {
                let mut map = Map::new();
                map.insert("chatbotId".into(), json!(chatbot_id));
                map.insert("chatbotName".into(), json!(name));
                if let Some(t) = source_text {
                    map.insert("sourceText".into(), Value::String(read_value(&t)?));
                }
                print_object(
                    ctx,
                    &v1.chatbot(&chatbot_id)
                        .update_data(util::body(map)?)
                        .send_raw()
                        .await?,
                )
            }
            V1ChatbotsCmd::UpdateSettings { chatbot_id, body } => {
                let mut map = Map::new();
                map.insert("chatbotId".into(), json!(chatbot_id));
                let map = build_body(&body, map)?;
                if map.len() < 2 {
                    return Err(CliError::usage(
                        "nothing to update: pass --data or -f key=value",
                    ));
                }
                print_object(
                    ctx,
                    &v1.chatbot(&chatbot_id)
                        .update_settings(util::body(map)?)
                        .send_raw()
                        .await?,
                )
            }
            V1ChatbotsCmd::Delete {
                chatbot_id,
                confirm: c,
            } => {
                confirm(
                    "chatbot",
                    &chatbot_id,
                    &c,
                    ctx.global.no_input,
                    Severity::Severe,
                )?;
                let res = v1.chatbot(&chatbot_id).delete().send_raw().await?;
                print_done(ctx, &res, format!("Deleted chatbot {chatbot_id}"))
            }
            V1ChatbotsCmd::UploadIcon { chatbot_id, file } => {
                let (bar, report) = super::sources::upload_progress(ctx, &file);
                let res = v1
                    .chatbot(&chatbot_id)
                    .upload_icon(chatbase::UploadSource::path(&file))
                    .progress(report)
                    .send_raw()
                    .await;
                bar.finish_and_clear();
                print_done(
                    ctx,
                    &res?,
                    format!("Uploaded the icon of chatbot {chatbot_id}"),
                )
            }
            V1ChatbotsCmd::UploadPicture { chatbot_id, file } => {
                let (bar, report) = super::sources::upload_progress(ctx, &file);
                let res = v1
                    .chatbot(&chatbot_id)
                    .upload_profile_picture(chatbase::UploadSource::path(&file))
                    .progress(report)
                    .send_raw()
                    .await;
                bar.finish_and_clear();
                print_done(
                    ctx,
                    &res?,
                    format!("Uploaded the profile picture of chatbot {chatbot_id}"),
                )
            }
            V1ChatbotsCmd::DeleteIcon {
                chatbot_id,
                confirm: c,
            } => {
                confirm(
                    "the icon of chatbot",
                    &chatbot_id,
                    &c,
                    ctx.global.no_input,
                    Severity::Normal,
                )?;
                let res = v1.chatbot(&chatbot_id).delete_icon().send_raw().await?;
                print_done(
                    ctx,
                    &res,
                    format!("Removed the icon of chatbot {chatbot_id}"),
                )
            }
            V1ChatbotsCmd::DeletePicture {
                chatbot_id,
                confirm: c,
            } => {
                confirm(
                    "the profile picture of chatbot",
                    &chatbot_id,
                    &c,
                    ctx.global.no_input,
                    Severity::Normal,
                )?;
                let res = v1
                    .chatbot(&chatbot_id)
                    .delete_profile_picture()
                    .send_raw()
                    .await?;
                print_done(
                    ctx,
                    &res,
                    format!("Removed the profile picture of chatbot {chatbot_id}"),
                )
            }
        },
        V1Cmd::Conversations(V1PagedCmd::List {
            chatbot,
            start_date,
            end_date,
            page,
            size,
            all,
        }) => {
            let call = v1_date_paged!(
                v1.chatbot(&chatbot).list_conversations(),
                start_date,
                end_date,
                page,
                size
            );
            util::print_list(ctx, call, &paged(all), V1_CONVERSATION_COLUMNS).await
        }
        V1Cmd::Leads(V1PagedCmd::List {
            chatbot,
            start_date,
            end_date,
            page,
            size,
            all,
        }) => {
            let call = v1_date_paged!(
                v1.chatbot(&chatbot).list_leads(),
                start_date,
                end_date,
                page,
                size
            );
            util::print_list(ctx, call, &paged(all), LEAD_COLUMNS).await
        }
        V1Cmd::Contacts(c) => match c {
            V1ContactsCmd::List {
                chatbot,
                page,
                per_page,
                all,
            } => {
                let mut call = v1.chatbot(&chatbot).list_contacts();
                if let Some(n) = per_page {
                    call = call.per_page(u64::from(n));
                }
                if let Some(p) = page {
                    call = call.page(u64::from(p));
                }
                util::print_list(ctx, call, &paged(all), CONTACT_COLUMNS).await
            }
            V1ContactsCmd::Create { chatbot, body } => {
                let value = body_value(&body)?;
                // A bare array (or one contact) is wrapped as the API's `{users: […]}`.
                let map = match value {
                    Value::Array(items) => {
                        Map::from_iter([("users".to_owned(), Value::Array(items))])
                    }
                    Value::Object(m) if m.contains_key("users") => m,
                    Value::Object(m) if !m.is_empty() => {
                        Map::from_iter([("users".to_owned(), json!([m]))])
                    }
                    _ => {
                        return Err(CliError::usage(
                            "pass contacts with --data '[{…}]' (or -f external_id=… for one)",
                        ));
                    }
                };
                print_object(
                    ctx,
                    &v1.chatbot(&chatbot)
                        .create_contacts(util::body(map)?)
                        .send_raw()
                        .await?,
                )
            }
            V1ContactsCmd::Get {
                contact_id,
                chatbot,
            } => print_object(
                ctx,
                &v1.chatbot(&chatbot)
                    .contact(contact_id)
                    .get()
                    .send_raw()
                    .await?,
            ),
            V1ContactsCmd::Update {
                contact_id,
                chatbot,
                body,
            } => {
                let mut map = build_body(&body, Map::new())?;
                // The API wants `{data: {…}}`; accept the bare fields too.
                if !map.is_empty() && !map.contains_key("data") {
                    map = Map::from_iter([("data".to_owned(), Value::Object(map))]);
                }
                if map.is_empty() {
                    return Err(CliError::usage(
                        "nothing to update: pass --data or -f key=value",
                    ));
                }
                print_object(
                    ctx,
                    &v1.chatbot(&chatbot)
                        .contact(contact_id)
                        .update(util::body(map)?)
                        .send_raw()
                        .await?,
                )
            }
            V1ContactsCmd::Delete {
                contact_id,
                chatbot,
                confirm: c,
            } => {
                confirm(
                    "contact",
                    &contact_id,
                    &c,
                    ctx.global.no_input,
                    Severity::Normal,
                )?;
                let res = v1
                    .chatbot(&chatbot)
                    .contact(&contact_id)
                    .delete()
                    .send_raw()
                    .await?;
                print_done(ctx, &res, format!("Deleted contact {contact_id}"))
            }
        },
        V1Cmd::Attributes(c) => match c {
            V1AttributesCmd::List { chatbot } => print_data_list(
                ctx,
                &v1.chatbot(&chatbot)
                    .list_custom_attributes()
                    .send_raw()
                    .await?,
                ATTRIBUTE_COLUMNS,
            ),
            V1AttributesCmd::Create {
                chatbot,
                name,
                type_,
                label,
                description,
            } => {
                let mut map = Map::new();
                map.insert("name".into(), json!(name));
                map.insert("type".into(), json!(type_));
                put(&mut map, "label", label);
                put(&mut map, "description", description);
                print_created(
                    ctx,
                    "custom attribute",
                    &v1.chatbot(&chatbot)
                        .create_custom_attribute(util::body(map)?)
                        .send_raw()
                        .await?,
                )
            }
            V1AttributesCmd::Update {
                name,
                chatbot,
                body,
            } => {
                let map = build_body(&body, Map::new())?;
                if map.is_empty() {
                    return Err(CliError::usage(
                        "nothing to update: pass --data or -f label=…",
                    ));
                }
                print_object(
                    ctx,
                    &v1.chatbot(&chatbot)
                        .update_custom_attribute(name, util::body(map)?)
                        .send_raw()
                        .await?,
                )
            }
        },
    }
}

fn paged(all: bool) -> ListArgs {
    ListArgs {
        all,
        ..Default::default()
    }
}

fn naive_date(flag: &str, v: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| CliError::usage(format!("{flag} must be YYYY-MM-DD, got {v:?}")))
}
