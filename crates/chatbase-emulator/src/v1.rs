//! v1 handlers (`/api/v1`): chat (JSON or raw text stream), chatbots (agents seen through
//! the v1 model), conversations, leads, icons, contacts and custom attributes. Errors use
//! the v1 `{message}` body (the gateway renders it).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::search::{answer, deltas};
use crate::server::AppState;
use crate::store::Db;
use crate::util::{
    self, V, json_body, new_agent_id, new_uuid, now_iso, now_unix, parse_date_bound, public,
    str_field,
};
use crate::v2::chat::{Event, charge, greeting, insert_message, new_conversation_doc, paced_body};
use crate::v2::{PathParams, agents, param, sources};

const MAX_IMAGE_BYTES: usize = 1024 * 1024;

static ATTR_NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[a-zA-Z][a-zA-Z0-9_-]*$").expect("static regex is valid")
});

fn v1_invalid(mut e: ApiError) -> ApiError {
    if e.code == "VALIDATION_INVALID_BODY" {
        e.message = "Invalid request body".into();
    }
    e
}

fn chatbot_not_found() -> ApiError {
    ApiError::not_found("CHATBOT_NOT_FOUND", "Chatbot not found")
}

fn load_chatbot(db: &Db<'_>, id: &str) -> ApiResult<Value> {
    db.get("agent", id)?.ok_or_else(chatbot_not_found)
}

fn required_query<'a>(q: &'a util::Query, key: &str) -> ApiResult<&'a str> {
    q.get(key)
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| v1_invalid(ApiError::invalid_field(key, "Required")))
}

fn v1_status(agent: &Value) -> &'static str {
    match str_field(agent, "status") {
        "training" => "training",
        "failed" => "failed",
        _ => "ready",
    }
}

fn chatbot_view(agent: &Value) -> Value {
    json!({
        "id": agent["id"],
        "name": agent["name"],
        "status": v1_status(agent),
        "model": agent.get("_v1Model").unwrap_or(&agent["model"]),
        "instructions": agent["instructions"],
        "visibility": agent["visibility"],
        "created_at": agent["createdAt"],
        "updated_at": agent.get("_updatedAt").cloned().unwrap_or_else(|| agent["createdAt"].clone()),
    })
}

/// v1 models have no nullable fields: absent values are left out instead.
fn drop_nulls(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.retain(|_, x| !x.is_null());
    }
    v
}

fn unix_to_iso(t: f64) -> String {
    chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

// ---------------------------------------------------------------- chat

pub(crate) async fn chat(State(app): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let b = json_body(&body, app.max_body).map_err(v1_invalid)?;
    let mut v = V::new(&b);
    // The contract requires `chatbotId`; the legacy `chatId` is not part of it.
    let chatbot = v.str("chatbotId", true, 1, 200);
    let mut messages: Vec<(String, String)> = Vec::new();
    match b.get("messages") {
        None => v.fail("messages", "Required"),
        Some(Value::Array(items)) if !items.is_empty() => {
            for (i, m) in items.iter().enumerate() {
                let role = m["role"].as_str();
                let content = m["content"].as_str();
                match (role, content) {
                    (Some(r @ ("user" | "assistant")), Some(c)) => {
                        messages.push((r.to_string(), c.to_string()))
                    }
                    (Some(_), Some(_)) => v.fail(
                        &format!("messages.{i}.role"),
                        "Expected 'user' | 'assistant'",
                    ),
                    _ => v.fail(&format!("messages.{i}"), "Expected {role, content}"),
                }
            }
        }
        Some(Value::Array(_)) => v.fail("messages", "Array must contain at least 1 element(s)"),
        Some(_) => v.fail("messages", "Expected array"),
    }
    let conversation_id = v.str("conversationId", false, 1, 200);
    let contact_id = v.str("contactId", false, 1, 200);
    v.str("model", false, 1, 100);
    v.num("temperature", false, 0.0, 1.0);
    let stream = v.bool("stream", false).unwrap_or(false);
    v.finish().map_err(v1_invalid)?;
    let Some(question) = messages
        .last()
        .filter(|(r, _)| r == "user")
        .map(|(_, c)| c.clone())
    else {
        return Err(ApiError::bad_request(
            "VALIDATION_INVALID_BODY",
            "The last message must come from the user",
        ));
    };
    let chatbot = chatbot.unwrap_or_default();
    let idx = app.index(&chatbot).await?;
    let text = app
        .store
        .run(move |db| {
            let mut agent = load_chatbot(db, &chatbot)?;
            charge(db, &mut agent).map_err(|e| {
                if e.status == StatusCode::PAYMENT_REQUIRED {
                    ApiError::new(
                        StatusCode::FORBIDDEN,
                        "CHAT_CREDITS_EXHAUSTED",
                        "Access denied or quota exceeded",
                    )
                } else {
                    e
                }
            })?;
            let a = answer(&idx, &question, greeting(&agent).as_deref());
            // Conversations are saved only when the caller names one.
            if let Some(cid) = conversation_id {
                let mut conv = match db.owner("conversation", &cid)? {
                    Some((owner, _)) if owner != chatbot => {
                        return Err(ApiError::bad_request(
                            "VALIDATION_INVALID_BODY",
                            "conversationId is already used by another chatbot",
                        ));
                    }
                    Some(_) => db
                        .get("conversation", &cid)?
                        .ok_or_else(|| ApiError::internal("conversation vanished"))?,
                    None => {
                        let doc =
                            new_conversation_doc(&cid, &question, contact_id.as_deref(), "API");
                        db.insert("conversation", &cid, &chatbot, &chatbot, &doc)?;
                        doc
                    }
                };
                insert_message(
                    db,
                    &chatbot,
                    &cid,
                    "user",
                    vec![json!({"type": "text", "text": question})],
                    None,
                )?;
                insert_message(
                    db,
                    &chatbot,
                    &cid,
                    "assistant",
                    vec![json!({"type": "text", "text": a.text})],
                    a.score,
                )?;
                conv["updatedAt"] = json!(now_unix());
                db.update("conversation", &cid, &conv)?;
            }
            Ok(a.text)
        })
        .await?;
    if !stream {
        return Ok(Json(json!({"text": text})).into_response());
    }
    let events = deltas(&text)
        .into_iter()
        .map(|d| Event {
            bytes: Bytes::from(d),
            paced: true,
        })
        .collect();
    let mut resp = Response::new(paced_body(events, app.stream_delay, &app.faults()));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(resp)
}

// ---------------------------------------------------------------- chatbots

pub(crate) async fn create_chatbot(
    State(app): State<AppState>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let b = json_body(&body, app.max_body).map_err(v1_invalid)?;
    let mut v = V::new(&b);
    let name = v.str("chatbotName", true, 3, 100);
    let text = v.str("sourceText", false, 0, 1_048_576);
    v.finish().map_err(v1_invalid)?;
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
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let b = json_body(&body, app.max_body).map_err(v1_invalid)?;
    let mut v = V::new(&b);
    let id = v.str("chatbotId", true, 1, 200);
    let name = v.str("chatbotName", true, 3, 100);
    let text = v.str("sourceText", false, 0, 1_048_576);
    v.finish().map_err(v1_invalid)?;
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
    body: Bytes,
) -> ApiResult<Response> {
    let b = json_body(&body, app.max_body).map_err(v1_invalid)?;
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
    v.finish().map_err(v1_invalid)?;
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

// ---------------------------------------------------------------- conversations & leads

/// A 1-based page number; a number too large to count is simply past the end.
fn positive_page(s: &str) -> ApiResult<usize> {
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Err(_) if digits && !s.starts_with('0') => Ok(usize::MAX),
        _ => Err(v1_invalid(ApiError::invalid_field(
            "page",
            "Expected a positive integer",
        ))),
    }
}

fn page_params(q: &util::Query, default_size: usize) -> ApiResult<(usize, usize)> {
    let page = match q.get("page") {
        None => 1,
        Some(s) => positive_page(s)?,
    };
    let size = match q.get("size") {
        None => default_size,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                v1_invalid(ApiError::invalid_field(
                    "size",
                    "Expected an integer from 1 to 100",
                ))
            })?,
    };
    Ok((page, size))
}

fn v1_dates(q: &util::Query) -> ApiResult<(Option<f64>, Option<f64>)> {
    let mut out = (None, None);
    for (key, end) in [("startDate", false), ("endDate", true)] {
        if let Some(s) = q.get(key).filter(|s| !s.is_empty()) {
            let ok = s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok();
            let t = parse_date_bound(s, end).filter(|_| ok).ok_or_else(|| {
                ApiError::bad_request(
                    "VALIDATION_INVALID_BODY",
                    format!("Invalid {key}: use YYYY-MM-DD"),
                )
            })?;
            if end {
                out.1 = Some(t);
            } else {
                out.0 = Some(t);
            }
        }
    }
    if let (Some(s), Some(e)) = out
        && s > e
    {
        return Err(ApiError::bad_request(
            "VALIDATION_INVALID_DATE_RANGE",
            "startDate must not be after endDate",
        ));
    }
    Ok(out)
}

fn v1_source(s: &str) -> String {
    match s {
        "API" => "api".into(),
        "Widget or Iframe" | "Iframe" | "Chatbase site" => "website".into(),
        other => other.to_lowercase(),
    }
}

pub(crate) async fn list_conversations(
    State(app): State<AppState>,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let id = required_query(&q, "chatbotId")?.to_string();
    let (page, size) = page_params(&q, 10)?;
    let (start, end) = v1_dates(&q)?;
    let filter: Option<Vec<String>> = q
        .get("filteredSources")
        .filter(|s| !s.is_empty())
        .map(|s| s.split(',').map(|x| x.trim().to_lowercase()).collect());
    let out = app
        .store
        .run(move |db| {
            load_chatbot(db, &id)?;
            let convs: Vec<Value> = db
                .list("conversation", &id)?
                .into_iter()
                .rev()
                .map(|r| r.data)
                .filter(|c| {
                    let t = c["createdAt"].as_f64().unwrap_or(0.0);
                    start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e)
                })
                .filter(|c| {
                    filter.as_ref().is_none_or(|f| {
                        let src = str_field(c, "source");
                        f.iter()
                            .any(|x| *x == src.to_lowercase() || *x == v1_source(src))
                    })
                })
                .skip((page - 1).saturating_mul(size))
                .take(size)
                .collect();
            let mut data = Vec::with_capacity(convs.len());
            for c in convs {
                let cid = str_field(&c, "id").to_string();
                let messages: Vec<Value> = db
                    .list("message", &cid)?
                    .iter()
                    .map(|m| {
                        json!({
                            "id": m.data["id"],
                            "role": m.data["role"],
                            "content": crate::v2::chat::text_of(&m.data),
                            "type": "text",
                        })
                    })
                    .collect();
                data.push(json!({
                    "id": cid,
                    "chatbot_id": id,
                    "created_at": unix_to_iso(c["createdAt"].as_f64().unwrap_or(0.0)),
                    "updated_at": unix_to_iso(c["updatedAt"].as_f64().unwrap_or(0.0)),
                    "source": v1_source(str_field(&c, "source")),
                    "messages": messages,
                }));
            }
            Ok(json!({"data": data}))
        })
        .await?;
    Ok(Json(out))
}

pub(crate) async fn list_leads(
    State(app): State<AppState>,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let id = required_query(&q, "chatbotId")?.to_string();
    let (page, size) = page_params(&q, 10)?;
    let (start, end) = v1_dates(&q)?;
    let leads = app
        .store
        .run(move |db| {
            load_chatbot(db, &id)?;
            db.list("lead", &id)
        })
        .await?;
    let data: Vec<Value> = leads
        .into_iter()
        .rev()
        .map(|r| drop_nulls(r.data))
        .filter(|l| {
            let t = util::iso_to_unix(str_field(l, "created_at")).unwrap_or(0.0);
            start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e)
        })
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .collect();
    Ok(Json(json!({"collectedCustomers": data})))
}

// ---------------------------------------------------------------- icons

fn image_check(data: &[u8]) -> Result<(), &'static str> {
    if data.is_empty() {
        return Err("The image is empty");
    }
    if data.len() > MAX_IMAGE_BYTES {
        return Err("The image must be smaller than 1 MB");
    }
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        // IHDR width and height sit at fixed offsets in every PNG.
        if data.len() >= 24 {
            let w = u32::from_be_bytes([data[16], data[17], data[18], data[19]]);
            let h = u32::from_be_bytes([data[20], data[21], data[22], data[23]]);
            if w != h {
                return Err("The image must be square");
            }
        }
        return Ok(());
    }
    let known = data.starts_with(&[0xFF, 0xD8, 0xFF])
        || data.starts_with(b"GIF8")
        || (data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP");
    if known {
        Ok(())
    } else {
        Err("The file must be a PNG, JPEG, GIF or WebP image")
    }
}

async fn upload_image(
    app: AppState,
    req: Request,
    file_field: &'static str,
    kind: &'static str,
    done: &'static str,
) -> ApiResult<Json<Value>> {
    let mut mp = Multipart::from_request(req, &()).await.map_err(|e| {
        ApiError::bad_request(
            "VALIDATION_INVALID_BODY",
            format!("Expected a multipart body: {e}"),
        )
    })?;
    let mut chatbot = None;
    let mut file = None;
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => match f.name().unwrap_or("") {
                "chatbotId" => chatbot = f.text().await.ok(),
                n if n == file_field => {
                    file = Some(f.bytes().await.map_err(|e| {
                        ApiError::bad_request(
                            "VALIDATION_INVALID_BODY",
                            format!("Unreadable file: {e}"),
                        )
                    })?)
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::bad_request(
                    "VALIDATION_INVALID_BODY",
                    format!("Invalid multipart body: {e}"),
                ));
            }
        }
    }
    let mut details = BTreeMap::new();
    if chatbot.as_deref().is_none_or(str::is_empty) {
        details.insert("chatbotId".to_string(), "Required".to_string());
    }
    if file.is_none() {
        details.insert(file_field.to_string(), "Required".to_string());
    }
    let (Some(chatbot), Some(file)) = (chatbot.filter(|c| !c.is_empty()), file) else {
        return Err(v1_invalid(ApiError::validation(details)));
    };
    image_check(&file).map_err(|m| ApiError::bad_request("VALIDATION_INVALID_BODY", m))?;
    app.store
        .run(move |db| {
            let mut doc = load_chatbot(db, &chatbot)?;
            db.put_blob(&format!("{kind}:{chatbot}"), &chatbot, &file)?;
            doc[format!("_{kind}")] = json!({"size": file.len(), "uploadedAt": now_iso()});
            db.update("agent", &chatbot, &doc)
        })
        .await?;
    Ok(Json(json!({"message": done})))
}

pub(crate) async fn upload_icon(
    State(app): State<AppState>,
    req: Request,
) -> ApiResult<Json<Value>> {
    upload_image(
        app,
        req,
        "chatbotIconFile",
        "icon",
        "Chatbot chat icon uploaded successfully.",
    )
    .await
}

pub(crate) async fn upload_profile_picture(
    State(app): State<AppState>,
    req: Request,
) -> ApiResult<Json<Value>> {
    upload_image(
        app,
        req,
        "profilePictureFile",
        "profilePicture",
        "Chatbot Profile Picture uploaded successfully.",
    )
    .await
}

async fn delete_image(
    app: AppState,
    q: util::Query,
    kind: &'static str,
    done: &'static str,
) -> ApiResult<Json<Value>> {
    let id = required_query(&q, "chatbotId")?.to_string();
    app.store
        .run(move |db| {
            let mut doc = load_chatbot(db, &id)?;
            db.delete_blob(&format!("{kind}:{id}"))?;
            if let Some(o) = doc.as_object_mut() {
                o.remove(&format!("_{kind}"));
            }
            db.update("agent", &id, &doc)
        })
        .await?;
    Ok(Json(json!({"message": done})))
}

pub(crate) async fn delete_icon(
    State(app): State<AppState>,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    delete_image(app, q, "icon", "Chatbot icon deleted successfully.").await
}

pub(crate) async fn delete_profile_picture(
    State(app): State<AppState>,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    delete_image(
        app,
        q,
        "profilePicture",
        "Chatbot Profile Picture deleted successfully.",
    )
    .await
}

// ---------------------------------------------------------------- custom attributes

const RESERVED_ATTRS: &[&str] = &[
    "id",
    "external_id",
    "name",
    "email",
    "phonenumber",
    "stripe_accounts",
    "custom_attributes",
    "created_at",
    "updated_at",
];

fn attributes(db: &Db<'_>, chatbot: &str) -> ApiResult<Vec<Value>> {
    Ok(db
        .list("custom_attribute", chatbot)?
        .into_iter()
        .map(|r| r.data)
        .collect())
}

pub(crate) async fn list_custom_attributes(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "chatbotId").to_string();
    let data = app
        .store
        .run(move |db| {
            load_chatbot(db, &id)?;
            attributes(db, &id)
        })
        .await?;
    Ok(Json(json!({"message": "Success", "data": data})))
}

pub(crate) async fn create_custom_attribute(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "chatbotId").to_string();
    let b = json_body(&body, app.max_body).map_err(v1_invalid)?;
    let mut v = V::new(&b);
    let name = v.pattern("name", true, 100, &ATTR_NAME);
    if let Some(n) = &name
        && RESERVED_ATTRS.contains(&n.to_lowercase().as_str())
    {
        v.fail("name", "This name is reserved");
    }
    let kind = v.enum_str("type", true);
    let label = v.str("label", false, 0, 200);
    let description = v.str("description", false, 0, 1000);
    let archived = v.bool("archived", false).unwrap_or(false);
    v.finish().map_err(v1_invalid)?;
    let (name, kind) = (name.unwrap_or_default(), kind.unwrap_or_default());
    let attr = app
        .store
        .run(move |db| {
            load_chatbot(db, &id)?;
            let key = format!("{id}:{name}");
            if db.get("custom_attribute", &key)?.is_some() {
                return Err(ApiError::conflict(
                    "CUSTOM_ATTRIBUTE_EXISTS",
                    "Custom attribute already exists",
                ));
            }
            let attr = drop_nulls(json!({
                "name": name, "type": kind, "label": label.unwrap_or_else(|| name.clone()),
                "description": description, "archived": archived,
            }));
            db.insert("custom_attribute", &key, &id, &id, &attr)?;
            Ok(attr)
        })
        .await?;
    Ok(Json(json!({"message": "Success", "data": attr})))
}

pub(crate) async fn update_custom_attribute(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "chatbotId").to_string();
    let name = param(&p, "name").to_string();
    let b = json_body(&body, app.max_body).map_err(v1_invalid)?;
    let mut v = V::new(&b);
    let label = v.str("label", false, 0, 200);
    let description = v.str("description", false, 0, 1000);
    let archived = v.bool("archived", false);
    v.finish().map_err(v1_invalid)?;
    let attr = app
        .store
        .run(move |db| {
            load_chatbot(db, &id)?;
            let key = format!("{id}:{name}");
            let mut attr = db.get("custom_attribute", &key)?.ok_or_else(|| {
                ApiError::not_found("CUSTOM_ATTRIBUTE_NOT_FOUND", "Custom attribute not found")
            })?;
            if let Some(l) = label {
                attr["label"] = json!(l);
            }
            if let Some(d) = description {
                attr["description"] = json!(d);
            }
            if let Some(a) = archived {
                attr["archived"] = json!(a);
            }
            db.update("custom_attribute", &key, &attr)?;
            Ok(attr)
        })
        .await?;
    Ok(Json(json!({"message": "Success", "data": attr})))
}

// ---------------------------------------------------------------- contacts

fn contact_key(chatbot: &str, key: &str) -> String {
    format!("{chatbot}:{key}")
}

/// Finds a contact by external id, falling back to the internal id; returns its storage key too. An unknown
/// chatbot is `CONTACT_NOT_FOUND` as well.
fn find_contact(db: &Db<'_>, chatbot: &str, contact: &str) -> ApiResult<(String, Value)> {
    let not_found = || ApiError::not_found("CONTACT_NOT_FOUND", "Contact not found");
    load_chatbot(db, chatbot).map_err(|_| not_found())?;
    let key = contact_key(chatbot, contact);
    if let Some(c) = db.get("contact", &key)? {
        return Ok((key, c));
    }
    for r in db.list("contact", chatbot)? {
        if str_field(&r.data, "id") == contact {
            let key = contact_key(chatbot, str_field(&r.data, "_key"));
            return Ok((key, r.data));
        }
    }
    Err(not_found())
}

/// Validates and coerces custom attribute values against the chatbot's schema. Unknown
/// names are dropped; `null` removes a value.
fn apply_attributes(
    v: &mut V<'_>,
    field: &str,
    attrs: &[Value],
    given: &Map<String, Value>,
    target: &mut Map<String, Value>,
) {
    for (name, val) in given {
        let Some(def) = attrs.iter().find(|a| str_field(a, "name") == name) else {
            continue;
        };
        let path = format!("{field}.{name}");
        if val.is_null() {
            target.remove(name);
            continue;
        }
        if def["archived"] == json!(true) {
            v.fail(&path, "This attribute is archived");
            continue;
        }
        let coerced = match (str_field(def, "type"), val) {
            ("text", Value::String(_)) => Some(val.clone()),
            ("number", Value::Number(_)) => Some(val.clone()),
            ("boolean", Value::Bool(_)) => Some(val.clone()),
            ("boolean", Value::String(s)) if s == "true" || s == "false" => {
                Some(json!(s == "true"))
            }
            ("boolean", Value::Number(n)) if n.as_i64() == Some(1) || n.as_i64() == Some(0) => {
                Some(json!(n.as_i64() == Some(1)))
            }
            ("date", Value::String(s)) if parse_date_bound(s, false).is_some() => Some(val.clone()),
            _ => None,
        };
        match coerced {
            Some(c) => {
                target.insert(name.clone(), c);
            }
            None => v.fail(
                &path,
                format!("Expected a {} value", str_field(def, "type")),
            ),
        }
    }
}

fn check_contact_fields(v: &mut V<'_>) {
    v.str("external_id", false, 1, 200);
    v.str("name", false, 0, 255);
    if let Some(e) = v.str("email", false, 0, 320)
        && !e.is_empty()
        && !e.contains('@')
    {
        v.fail("email", "Invalid email");
    }
    v.str("phonenumber", false, 0, 64);
    // Shapes of `stripe_accounts` items were checked against the contract, which leaves every
    // field optional because the guides disagree on which are required.
    v.array_or_null("stripe_accounts", 100);
    v.object("custom_attributes", false);
}

fn email_taken(
    db: &Db<'_>,
    chatbot: &str,
    email: &str,
    except_key: Option<&str>,
) -> ApiResult<bool> {
    Ok(db.list("contact", chatbot)?.iter().any(|r| {
        r.data["email"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
            && except_key.is_none_or(|k| contact_key(chatbot, str_field(&r.data, "_key")) != k)
    }))
}

pub(crate) async fn list_contacts(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "chatbotId").to_string();
    let per_page = match q.get("per_page") {
        None => 100,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (10..=1000).contains(n))
            .ok_or_else(|| {
                v1_invalid(ApiError::invalid_field(
                    "per_page",
                    "Expected an integer from 10 to 1000",
                ))
            })?,
    };
    let page = match q.get("page") {
        None => 1,
        Some(s) => positive_page(s)?,
    };
    let rows = app
        .store
        .run(move |db| {
            load_chatbot(db, &id)?;
            db.list("contact", &id)
        })
        .await?;
    let total = rows.len();
    let total_pages = total.div_ceil(per_page).max(1);
    // A page past the end is simply empty.
    let data: Vec<Value> = rows
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|r| public(&r.data))
        .collect();
    Ok(Json(json!({
        "message": "Success",
        "data": data,
        "total": total,
        "pages": {"page": page, "per_page": per_page, "total_pages": total_pages},
    })))
}

pub(crate) async fn create_contacts(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "chatbotId").to_string();
    let b = json_body(&body, app.max_body).map_err(v1_invalid)?;
    let mut v = V::new(&b);
    let users: Vec<Map<String, Value>> = match b.get("users") {
        None => {
            v.fail("users", "Required");
            Vec::new()
        }
        Some(Value::Array(a)) if (1..=1000).contains(&a.len()) => {
            let mut out = Vec::new();
            for (i, u) in a.iter().enumerate() {
                match u.as_object() {
                    Some(o) => {
                        let mut uv = V::nested(o, &format!("users.{i}"));
                        check_contact_fields(&mut uv);
                        v.absorb(uv);
                        out.push(o.clone());
                    }
                    None => v.fail(&format!("users.{i}"), "Expected object"),
                }
            }
            out
        }
        Some(Value::Array(_)) => {
            v.fail("users", "Provide between 1 and 1000 contacts");
            Vec::new()
        }
        Some(_) => {
            v.fail("users", "Expected array");
            Vec::new()
        }
    };
    v.finish().map_err(v1_invalid)?;
    let created = app
        .store
        .run(move |db| {
            load_chatbot(db, &id)?;
            let attrs = attributes(db, &id)?;
            let mut out = Vec::new();
            let mut v = V::new(&b);
            for (i, u) in users.iter().enumerate() {
                let now = now_unix().floor();
                let internal = new_uuid();
                let key = u
                    .get("external_id")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .unwrap_or_else(|| internal.clone());
                if db.get("contact", &contact_key(&id, &key))?.is_some() {
                    return Err(ApiError::conflict(
                        "CONTACT_EXISTS",
                        format!("A contact with external_id '{key}' already exists"),
                    ));
                }
                if let Some(e) = u
                    .get("email")
                    .and_then(Value::as_str)
                    .filter(|e| !e.is_empty())
                    && email_taken(db, &id, e, None)?
                {
                    return Err(ApiError::conflict("EMAIL_EXISTS", "Email already exists"));
                }
                let mut ca = Map::new();
                if let Some(given) = u.get("custom_attributes").and_then(Value::as_object) {
                    apply_attributes(
                        &mut v,
                        &format!("users.{i}.custom_attributes"),
                        &attrs,
                        given,
                        &mut ca,
                    );
                }
                let contact = drop_nulls(json!({
                    "id": internal,
                    "external_id": u.get("external_id").cloned().unwrap_or(Value::Null),
                    "name": u.get("name").cloned().unwrap_or(Value::Null),
                    "email": u.get("email").cloned().unwrap_or(Value::Null),
                    "phonenumber": u.get("phonenumber").cloned().unwrap_or(Value::Null),
                    "stripe_accounts": u.get("stripe_accounts").cloned().unwrap_or(json!([])),
                    "custom_attributes": ca,
                    "created_at": now,
                    "updated_at": now,
                    "_key": key,
                }));
                db.insert("contact", &contact_key(&id, &key), &id, &id, &contact)?;
                out.push(public(&contact));
            }
            // Any attribute error rolls the whole batch back.
            v.finish().map_err(v1_invalid)?;
            Ok(out)
        })
        .await?;
    Ok(Json(json!({"message": "Success", "data": created})))
}

pub(crate) async fn get_contact(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "chatbotId").to_string();
    let contact = param(&p, "contactId").to_string();
    let c = app
        .store
        .run(move |db| find_contact(db, &id, &contact))
        .await?;
    Ok(Json(json!({"message": "Success", "data": public(&c.1)})))
}

pub(crate) async fn update_contact(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "chatbotId").to_string();
    let contact = param(&p, "contactId").to_string();
    let b = json_body(&body, app.max_body).map_err(v1_invalid)?;
    let mut v = V::new(&b);
    let data = v.object("data", true).cloned();
    if let Some(d) = &data {
        let mut dv = V::nested(d, "data");
        check_contact_fields(&mut dv);
        v.absorb(dv);
    }
    v.finish().map_err(v1_invalid)?;
    let data = data.unwrap_or_default();
    let c = app
        .store
        .run(move |db| {
            let (key, mut c) = find_contact(db, &id, &contact)?;
            if let Some(e) = data
                .get("email")
                .and_then(Value::as_str)
                .filter(|e| !e.is_empty())
                && email_taken(db, &id, e, Some(&key))?
            {
                return Err(ApiError::conflict("EMAIL_EXISTS", "Email already exists"));
            }
            let attrs = attributes(db, &id)?;
            let mut v = V::new(&data);
            for f in ["name", "email", "phonenumber", "stripe_accounts"] {
                if let Some(x) = data.get(f) {
                    c[f] = x.clone();
                }
            }
            if let Some(given) = data.get("custom_attributes").and_then(Value::as_object) {
                let mut ca = c["custom_attributes"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                apply_attributes(&mut v, "data.custom_attributes", &attrs, given, &mut ca);
                c["custom_attributes"] = json!(ca);
            }
            v.finish().map_err(v1_invalid)?;
            c["updated_at"] = json!(now_unix().floor());
            let mut c = drop_nulls(c);
            let new_ext = data
                .get("external_id")
                .and_then(Value::as_str)
                .map(String::from);
            match new_ext {
                Some(ext) if contact_key(&id, &ext) != key => {
                    let new_key = contact_key(&id, &ext);
                    if db.get("contact", &new_key)?.is_some() {
                        return Err(ApiError::conflict(
                            "CONTACT_EXISTS",
                            "Another contact has this external_id",
                        ));
                    }
                    c["external_id"] = json!(ext);
                    c["_key"] = json!(ext);
                    db.delete("contact", &key)?;
                    db.insert("contact", &new_key, &id, &id, &c)?;
                }
                _ => db.update("contact", &key, &c)?,
            }
            Ok(c)
        })
        .await?;
    Ok(Json(json!({"message": "Success", "data": public(&c)})))
}

pub(crate) async fn delete_contact(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "chatbotId").to_string();
    let contact = param(&p, "contactId").to_string();
    let c = app
        .store
        .run(move |db| {
            let (key, c) = find_contact(db, &id, &contact)?;
            db.delete("contact", &key)?;
            Ok(c)
        })
        .await?;
    Ok(Json(json!({"message": "Success", "data": public(&c)})))
}
