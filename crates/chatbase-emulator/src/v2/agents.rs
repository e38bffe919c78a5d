//! Agents: create, list, get, update, delete, styles, auto-retrain, clone and the
//! deprecated train. Agents double as v1 chatbots.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::{PathParams, load_agent, param};
use crate::error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::store::Db;
use crate::util::{self, V, json_body, new_agent_id, now_iso, paginate_seq, public, query_limit};

/// Models accepted on create/update (the agent read model accepts a few more).
pub(crate) const MODELS: &[&str] = &[
    "gpt-4o-mini",
    "gpt-oss-120b",
    "gpt-oss-20b",
    "gpt-5.2",
    "gpt-5.5",
    "gpt-5.6-terra",
    "gpt-5.6-luna",
    "gpt-5-mini",
    "gpt-5-nano",
    "claude-opus-4-8",
    "claude-opus-4-7",
    "claude-opus-4-6",
    "claude-sonnet-4-6",
    "claude-opus-4-5",
    "claude-haiku-4-5",
    "claude-sonnet-4-5",
    "gemini-2.5-pro",
    "gemini-3-flash",
    "gemini-3.1-flash-lite",
    "gemini-3.1-pro",
    "gemini-3.5-flash",
    "gemini-3.5-flash-lite",
    "gemini-3.6-flash",
    "grok-3",
    "grok-3-mini",
    "grok-4",
    "DeepSeek-V3",
    "DeepSeek-R1",
    "DeepSeek-V4-Flash",
    "Llama-4-Scout-17B-16E-Instruct",
    "Llama-4-Maverick-17B-128E-Instruct-FP8",
    "kimi-k2",
    "mistral-medium-3.5",
    "mistral-small-2603",
    "glm-5.2",
    "auto",
];

pub(crate) const DEFAULT_MODEL: &str = "gpt-4o-mini";
pub(crate) const DEFAULT_GREETING: &str = "Hi! What can I help you with?";

static HEX_COLOR: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^#([0-9A-Fa-f]{3}){1,2}$").expect("static regex is valid")
});

/// A new agent document with Chatbase's defaults.
pub(crate) fn new_agent_doc(id: &str, name: &str) -> Value {
    let now = now_iso();
    json!({
        "id": id,
        "name": name,
        "instructions": "You are a helpful support agent. Answer only from the knowledge base.",
        "channelInstructions": null,
        "model": DEFAULT_MODEL,
        "autoRetrain": false,
        "temp": 0,
        "visibility": "private",
        "allowedDomains": null,
        "suggestedMessages": null,
        "initialMessages": [DEFAULT_GREETING],
        "creditLimit": null,
        "creditsUsed": 0,
        "notificationsSettings": null,
        "ipRateLimits": {"limit": 20, "timeframe": 240, "message": "Too many messages in a row"},
        "spamSettings": null,
        "blockedCountries": null,
        "voiceSettings": null,
        "styles": {
            "chat": {
                "theme": "light",
                "buttonColor": "#3B82F6",
                "headerColor": "#FFFFFF",
                "userMessageColor": "#3B82F6",
                "displayName": name,
                "autoOpenChatWindowAfter": null,
                "alignChatButton": "right",
                "messagePlaceholder": "Message...",
                "footer": null,
                "showFeedback": true,
                "showCopyButton": false,
                "dismissableNotice": null,
                "showDictation": false,
                "showAttachments": false,
                "showVoiceMode": false
            },
            "centerStage": {
                "enabled": false,
                "theme": "light",
                "displayName": null,
                "welcomeMessage": null,
                "messagePlaceholder": null,
                "footer": null,
                "dismissableNotice": null,
                "suggestedMessages": null
            }
        },
        "createdAt": now,
        "lastMessageAt": null,
        "lastTrainedAt": null,
        "status": "untrained",
        "size": 0,
        "_updatedAt": now,
    })
}

pub(crate) fn create_agent_in(
    db: &Db<'_>,
    id: &str,
    name: &str,
    extra: &Map<String, Value>,
) -> ApiResult<Value> {
    let mut doc = new_agent_doc(id, name);
    for (k, v) in extra {
        doc[k] = v.clone();
    }
    db.insert("agent", id, id, "", &doc)?;
    super::misc::provision_workspace(db, id)?;
    Ok(doc)
}

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

pub(crate) async fn create(State(app): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let b = json_body(&body, app.max_body)?;
    let mut v = V::new(&b);
    let name = v.str("name", true, 1, 100);
    let url = v.str("url", false, 1, 2048);
    if let Some(u) = &url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        v.fail("url", "Invalid url");
    }
    let instructions = v.str("instructions", false, 0, 100_000);
    let model = v.enum_str("model", false, MODELS);
    let temp = v.num("temp", false, 0.0, 1.0);
    let visibility = v.enum_str("visibility", false, &["public", "private"]);
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
                super::sources::insert_link(db, &id, &u, "crawl", &[], &[], false)?;
                super::sources::refresh_training(db, &id)?;
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
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "agentId").to_string();
    let doc = app.store.run(move |db| load_agent(db, &id)).await?;
    Ok(Json(public(&doc)))
}

fn check_suggested(v: &mut V<'_>, key: &str, items: &[Value]) {
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}.{i}");
        let Some(o) = item.as_object() else {
            v.fail(&path, "Expected object");
            continue;
        };
        let mut iv = V::nested(o, &path);
        match o.get("type").and_then(Value::as_str) {
            Some("single") => {
                iv.str("text", true, 1, 500);
                iv.num("order", true, f64::MIN, f64::MAX);
            }
            Some("nested") => {
                iv.str("name", true, 1, 500);
                iv.num("order", true, f64::MIN, f64::MAX);
                iv.array_or_null("items", 20);
                if o.get("items")
                    .is_none_or(|x| x.as_array().is_none_or(|a| a.is_empty()))
                {
                    iv.fail("items", "Array must contain at least 1 element(s)");
                }
            }
            _ => iv.fail(
                "type",
                "Invalid discriminator value. Expected 'single' | 'nested'",
            ),
        }
        v.absorb(iv);
    }
}

fn check_voice(v: &mut V<'_>, o: &Map<String, Value>) {
    let mut vv = V::nested(o, "voiceSettings");
    if let Some(voice) = vv.object("voice", false) {
        let mut x = V::nested(voice, "voiceSettings.voice");
        x.str("voiceName", true, 1, 100);
        x.num("speed", false, 0.7, 1.2);
        x.num("stability", false, 0.0, 1.0);
        x.num("similarity", false, 0.0, 1.0);
        x.str("instructions", false, 0, 500);
        vv.absorb(x);
    }
    if let Some(t) = vv.object("transcriber", false) {
        let mut x = V::nested(t, "voiceSettings.transcriber");
        x.str("model", true, 1, 200);
        x.str("language", true, 1, 50);
        x.num("minSilenceDuration", true, 0.1, 3.0);
        x.num("activationThreshold", true, 0.0, 1.0);
        vv.absorb(x);
    }
    if let Some(r) = vv.object("recordings", false) {
        let mut x = V::nested(r, "voiceSettings.recordings");
        x.bool("enabled", true);
        x.int("retentionDays", true, 0, i64::MAX);
        vv.absorb(x);
    }
    for k in [
        "maxConcurrentSessions",
        "maxCallDurationSeconds",
        "maxDailyCallsPerUser",
    ] {
        if o.get(k).is_some_and(|x| !x.is_null()) {
            vv.int(k, false, 1, i64::MAX);
        }
    }
    if o.get("endConversationAfterSilenceSeconds")
        .is_some_and(|x| !x.is_null())
    {
        vv.int("endConversationAfterSilenceSeconds", false, 10, i64::MAX);
    }
    vv.enum_str("model", false, MODELS);
    vv.num("temperature", false, 0.0, 1.0);
    vv.bool("allowInterruptions", false);
    vv.bool("allowTextInput", false);
    vv.str("initialMessage", false, 0, 500);
    vv.str("errorMessage", false, 0, 500);
    v.absorb(vv);
}

fn check_notifications(v: &mut V<'_>, o: &Map<String, Value>) {
    let mut nv = V::nested(o, "notificationsSettings");
    for k in ["dailyLeadsCollected", "dailyConversations"] {
        if let Some(s) = nv.object(k, false) {
            let mut x = V::nested(s, &format!("notificationsSettings.{k}"));
            x.bool("active", true);
            if let Some(emails) = x.strings("emails", true, (0, 10), (3, 320)) {
                for (i, e) in emails.iter().enumerate() {
                    if !e.contains('@') {
                        x.fail(&format!("emails.{i}"), "Invalid email");
                    }
                }
            }
            nv.absorb(x);
        }
    }
    v.absorb(nv);
}

pub(crate) async fn update(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "agentId").to_string();
    let b = json_body(&body, app.max_body)?;
    let mut v = V::new(&b);
    v.str("name", false, 1, 100);
    v.str("instructions", false, 0, 100_000);
    v.enum_str("model", false, MODELS);
    v.num("temp", false, 0.0, 1.0);
    v.enum_str("visibility", false, &["public", "private"]);
    if let Some(Some(ci)) = v.object_or_null("channelInstructions") {
        for (k, val) in ci {
            let ok = val.is_string()
                || val
                    .as_object()
                    .is_some_and(|o| o.values().all(Value::is_string));
            if !ok {
                v.fail(
                    &format!("channelInstructions.{k}"),
                    "Expected string or {chat, voice}",
                );
            }
        }
    }
    if let Some(Some(items)) = v.array_or_null("allowedDomains", 1000)
        && items.iter().any(|x| !x.is_string())
    {
        v.fail("allowedDomains", "Expected array of strings");
    }
    if let Some(Some(items)) = v.array_or_null("suggestedMessages", 100) {
        check_suggested(&mut v, "suggestedMessages", items);
    }
    v.strings("initialMessages", false, (0, 100), (0, 1000));
    if b.get("creditLimit").is_some_and(|x| !x.is_null()) {
        v.int("creditLimit", false, 0, i64::MAX);
    }
    if let Some(Some(o)) = v.object_or_null("notificationsSettings") {
        check_notifications(&mut v, o);
    }
    if let Some(Some(o)) = v.object_or_null("ipRateLimits") {
        let mut x = V::nested(o, "ipRateLimits");
        x.int("limit", false, 1, 200);
        x.int("timeframe", false, 1, 3600);
        x.str("message", false, 0, 1000);
        v.absorb(x);
    }
    if let Some(Some(o)) = v.object_or_null("spamSettings") {
        let mut x = V::nested(o, "spamSettings");
        x.bool("enabled", true);
        x.str("prompt", true, 0, 2000);
        v.absorb(x);
    }
    if let Some(Some(o)) = v.object_or_null("voiceSettings") {
        check_voice(&mut v, o);
    }
    if let Some(Some(items)) = v.array_or_null("blockedCountries", 300) {
        for (i, c) in items.iter().enumerate() {
            if c.as_str().is_none_or(|s| s.chars().count() != 2) {
                v.fail(
                    &format!("blockedCountries.{i}"),
                    "String must contain exactly 2 character(s)",
                );
            }
        }
    }
    const FIELDS: &[&str] = &[
        "name",
        "instructions",
        "channelInstructions",
        "model",
        "temp",
        "visibility",
        "allowedDomains",
        "suggestedMessages",
        "initialMessages",
        "creditLimit",
        "notificationsSettings",
        "ipRateLimits",
        "spamSettings",
        "voiceSettings",
        "blockedCountries",
    ];
    v.only(FIELDS);
    v.finish()?;
    app.store
        .run(move |db| {
            let mut doc = load_agent(db, &id)?;
            for (k, val) in b {
                if k == "ipRateLimits" && val.is_object() {
                    // Partial limits merge into the current ones; the read model needs all three.
                    if let (Some(cur), Some(new)) = (doc[&k].as_object_mut(), val.as_object()) {
                        for (kk, vv) in new {
                            cur.insert(kk.clone(), vv.clone());
                        }
                        continue;
                    }
                }
                if k == "ipRateLimits" && val.is_null() {
                    continue;
                }
                doc[&k] = val;
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
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "agentId").to_string();
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

fn check_colors(v: &mut V<'_>, o: &Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if let Some(val) = o.get(*k) {
            let ok = val.as_str().is_some_and(|s| {
                HEX_COLOR.is_match(s) || (*k == "buttonColor" && s == "transparent")
            });
            if !ok {
                v.fail(k, "Invalid color: expected #RGB or #RRGGBB");
            }
        }
    }
}

pub(crate) async fn update_styles(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "agentId").to_string();
    let b = json_body(&body, app.max_body)?;
    let mut v = V::new(&b);
    let styles = v.object("styles", true).cloned();
    if let Some(s) = &styles {
        let mut sv = V::nested(s, "styles");
        if let Some(chat) = sv.object("chat", false) {
            let mut c = V::nested(chat, "styles.chat");
            c.enum_str("theme", false, &["light", "dark"]);
            check_colors(
                &mut c,
                chat,
                &["headerColor", "userMessageColor", "buttonColor"],
            );
            if chat.contains_key("displayName") {
                c.str_or_null("displayName", 100);
            }
            c.enum_str("alignChatButton", false, &["left", "right"]);
            c.str_or_null("messagePlaceholder", 200);
            c.str_or_null("footer", 500);
            c.str_or_null("dismissableNotice", 500);
            for k in [
                "showFeedback",
                "showCopyButton",
                "showDictation",
                "showAttachments",
                "showVoiceMode",
            ] {
                c.bool(k, false);
            }
            if chat
                .get("autoOpenChatWindowAfter")
                .is_some_and(|x| !x.is_null())
            {
                c.num("autoOpenChatWindowAfter", false, 0.0, f64::MAX);
            }
            c.object("mobile", false);
            sv.absorb(c);
        }
        if let Some(cs) = sv.object("centerStage", false) {
            let mut c = V::nested(cs, "styles.centerStage");
            c.bool("enabled", false);
            c.enum_str("theme", false, &["light", "dark"]);
            check_colors(
                &mut c,
                cs,
                &["headerColor", "userMessageColor", "buttonColor"],
            );
            c.str_or_null("displayName", 100);
            c.str_or_null("welcomeMessage", 500);
            c.str_or_null("messagePlaceholder", 200);
            c.str_or_null("dismissableNotice", 500);
            c.str_or_null("footer", 500);
            if let Some(Some(items)) = c.array_or_null("suggestedMessages", 100) {
                check_suggested(&mut c, "suggestedMessages", items);
            }
            for k in [
                "showChatBubble",
                "showAttachments",
                "showDictation",
                "showVoiceMode",
                "showCopyButton",
                "showFeedback",
                "showDataSource",
                "accentColorEnabled",
                "accentSyncWithIcon",
                "closeOnOutsideClick",
            ] {
                c.bool(k, false);
            }
            sv.absorb(c);
        }
        sv.only(&["chat", "centerStage"]);
        v.absorb(sv);
    }
    v.finish()?;
    let styles = styles.unwrap_or_default();
    app.store
        .run(move |db| {
            let mut doc = load_agent(db, &id)?;
            if !doc["styles"].is_object() {
                doc["styles"] = json!({"chat": null, "centerStage": null});
            }
            for (section, patch) in styles {
                let Some(patch) = patch.as_object() else {
                    continue;
                };
                if !doc["styles"][&section].is_object() {
                    doc["styles"][&section] = json!({});
                }
                for (k, val) in patch {
                    doc["styles"][&section][k] = val.clone();
                }
            }
            doc["_updatedAt"] = json!(now_iso());
            db.update("agent", &id, &doc)
        })
        .await?;
    Ok(Json(json!({"success": true})))
}

pub(crate) async fn update_auto_retrain(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "agentId").to_string();
    let b = json_body(&body, app.max_body)?;
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
    axum::extract::Path(p): PathParams,
) -> ApiResult<Response> {
    let id = param(&p, "agentId").to_string();
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
            super::misc::provision_workspace(db, &new_id)?;
            super::sources::copy_sources(db, &id, &new_id)?;
            super::sources::refresh_training(db, &new_id)?;
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
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let id = param(&p, "agentId").to_string();
    let agent = id.clone();
    app.store
        .run(move |db| {
            load_agent(db, &agent)?;
            super::sources::purge_pending_deletions(db, &agent)?;
            super::sources::refresh_training(db, &agent)
        })
        .await?;
    app.invalidate_index(&id);
    Ok(Json(json!({
        "success": true,
        "deprecated": true,
        "message": "Sources are trained when they are written; this endpoint only purges sources marked for deletion.",
    })))
}
