//! Sources: text, Q&A, link and file (JSON on the API host, multipart on the files host),
//! summary, deletion marks and restore. Sources train on write: the search index is
//! rebuilt from them on the next chat.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::agent_docs;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AgentId, SourceId};
use crate::resources::agents::load_agent;
use crate::resources::sources::{
    check_storage, file_sizes, file_text, insert_file, insert_link, insert_qna, insert_text,
    load_source, load_source_for_update, qna_size, refresh_training,
};
use crate::state::AppState;
use crate::util::{self, V, is_multipart, json_body, paginate_seq, public, query_limit, str_field};

/// The wire form of a source, with the status it had when the write was accepted.
fn respond_as(doc: &Value, status: &str) -> Value {
    let mut out = public(doc);
    out["status"] = json!(status);
    out
}

pub(crate) async fn list(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let limit = query_limit(&q, 20, 100)?;
    let types: Option<Vec<String>> = q
        .get("type")
        .filter(|t| !t.is_empty())
        .map(|t| t.split(',').map(|s| s.trim().to_string()).collect());
    let name = q.get("name").map(|n| n.to_lowercase());
    let rows = agent_docs(&app, &agent, "source").await?;
    let rows: Vec<(i64, Value)> = rows
        .into_iter()
        .rev()
        .filter(|r| {
            types
                .as_ref()
                .is_none_or(|t| t.iter().any(|x| x == str_field(&r.data, "type")))
        })
        .filter(|r| {
            name.as_ref().is_none_or(|n| {
                r.data["name"]
                    .as_str()
                    .is_some_and(|s| s.to_lowercase().contains(n.as_str()))
            })
        })
        .map(|r| (r.seq, public(&r.data)))
        .collect();
    let (data, pagination) = paginate_seq(rows, &q, limit, "sources", true)?;
    Ok(Json(json!({"data": data, "pagination": pagination})))
}

struct Upload {
    name: Option<String>,
    file: Option<(String, bytes::Bytes)>,
}

async fn read_upload(app: &AppState, req: Request) -> ApiResult<Upload> {
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::invalid_field("body", format!("Invalid multipart body: {e}")))?;
    let mut up = Upload {
        name: None,
        file: None,
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::invalid_field(
                    "body",
                    format!("Invalid multipart body: {e}"),
                ));
            }
        };
        match field.name().unwrap_or("") {
            "name" => {
                let text = field.text().await.map_err(|e| {
                    ApiError::invalid_field("name", format!("Unreadable field: {e}"))
                })?;
                up.name = Some(text);
            }
            "file" => {
                let file_name = field.file_name().unwrap_or("upload.txt").to_string();
                let data = field.bytes().await.map_err(|e| {
                    ApiError::invalid_field("file", format!("Unreadable file: {e}"))
                })?;
                if data.len() > app.max_upload {
                    return Err(ApiError::invalid_field(
                        "file",
                        format!("File must be at most {} bytes", app.max_upload),
                    ));
                }
                up.file = Some((file_name, data));
            }
            _ => {}
        }
    }
    if let Some((file_name, data)) = &up.file {
        // The service's upload rules, shared with the SDK and `sources sync`.
        use chatbase_api::file_sources as rules;
        if rules::accepted_extension(file_name).is_none() {
            return Err(ApiError::invalid_field(
                "file",
                format!(
                    "Unsupported file type; allowed: {}",
                    rules::extension_list()
                ),
            ));
        }
        if !rules::size_accepted(data.len() as u64) {
            return Err(ApiError::invalid_field(
                "file",
                format!(
                    "File must be between {} and {} bytes, got {}",
                    rules::MIN_BYTES,
                    rules::MAX_BYTES,
                    data.len()
                ),
            ));
        }
    }
    if let Some(n) = &up.name
        && (n.is_empty() || n.chars().count() > 100)
    {
        return Err(ApiError::invalid_field(
            "name",
            "String must contain between 1 and 100 character(s)",
        ));
    }
    Ok(up)
}

async fn json_from_request(app: &AppState, req: Request) -> ApiResult<Map<String, Value>> {
    let body = axum::body::to_bytes(req.into_body(), app.max_body + 1)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "VALIDATION_INVALID_BODY",
                "Request body too large",
            )
        })?;
    json_body(&body, app.max_body)
}

/// `POST /agents/{agentId}/sources`: JSON (text, qna, link) or, as on the files host,
/// a multipart file upload.
pub(crate) async fn create(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    req: Request,
) -> ApiResult<Response> {
    if is_multipart(&req) {
        let up = read_upload(&app, req).await?;
        let mut details = std::collections::BTreeMap::new();
        if up.name.is_none() {
            details.insert("name".to_string(), "Required".to_string());
        }
        if up.file.is_none() {
            details.insert("file".to_string(), "Required".to_string());
        }
        let (Some(name), Some((file_name, data))) = (up.name, up.file) else {
            return Err(ApiError::validation(details));
        };
        let a = agent.clone();
        let doc = app
            .store
            .run(move |db| {
                load_agent(db, &a)?;
                let doc = insert_file(db, &a, &name, &file_name, &data)?;
                refresh_training(db, &a)?;
                Ok(doc)
            })
            .await?;
        app.invalidate_index(&agent);
        return Ok((StatusCode::CREATED, Json(respond_as(&doc, "untrained"))).into_response());
    }
    let b = json_from_request(&app, req).await?;
    let mut v = V::new(&b);
    let kind = v.str("type", true, 0, 20);
    enum New {
        Text(String, String),
        Qna(String, Vec<String>, String),
        Link(String, String, Vec<String>, Vec<String>, bool),
    }
    let new = match kind.as_deref() {
        Some("text") => {
            let name = v.str("name", true, 1, 100);
            let content = v.str("content", true, 1, 1_048_576);
            name.zip(content).map(|(n, c)| New::Text(n, c))
        }
        Some("qna") => {
            let name = v.str("name", true, 1, 100);
            let questions = v.strings("questions", true, (1, 50), (1, 10_000));
            let answer = v.str("answer", true, 1, 1_048_576);
            match (name, questions, answer) {
                (Some(n), Some(q), Some(a)) => Some(New::Qna(n, q, a)),
                _ => None,
            }
        }
        Some("link") => {
            let url = v.str("url", true, 1, 2048);
            if let Some(u) = &url
                && !(u.starts_with("http://") || u.starts_with("https://"))
            {
                v.fail("url", "Invalid url");
            }
            let link_type = v.enum_str("linkType", true);
            let exclude = v
                .strings("excludePaths", false, (0, 1000), (0, 2048))
                .unwrap_or_default();
            let include = v
                .strings("includeOnlyPaths", false, (0, 1000), (0, 2048))
                .unwrap_or_default();
            let slow = v.bool("slowScraping", false).unwrap_or(false);
            match (url, link_type) {
                (Some(u), Some(t)) => Some(New::Link(u, t, exclude, include, slow)),
                _ => None,
            }
        }
        Some(other) => {
            v.fail(
                "type",
                format!("Invalid discriminator value. Expected 'text' | 'qna' | 'link', received '{other}'"),
            );
            None
        }
        None => None,
    };
    v.finish()?;
    let Some(new) = new else {
        return Err(ApiError::invalid_field("body", "Invalid source"));
    };
    let a = agent.clone();
    let doc = app
        .store
        .run(move |db| {
            load_agent(db, &a)?;
            let doc = match new {
                New::Text(n, c) => insert_text(db, &a, &n, &c)?,
                New::Qna(n, q, ans) => insert_qna(db, &a, &n, &q, &ans)?,
                New::Link(u, t, e, i, s) => insert_link(db, &a, &u, &t, &e, &i, s)?,
            };
            refresh_training(db, &a)?;
            Ok(doc)
        })
        .await?;
    app.invalidate_index(&agent);
    Ok((StatusCode::CREATED, Json(respond_as(&doc, "untrained"))).into_response())
}

pub(crate) async fn get(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    SourceId(id): SourceId,
) -> ApiResult<Json<Value>> {
    let doc = app
        .store
        .run(move |db| load_source(db, &agent, &id))
        .await?;
    Ok(Json(public(&doc)))
}

/// `PUT /agents/{agentId}/sources/{sourceId}`: JSON edits, or a multipart rename and/or
/// file replacement (files host).
pub(crate) async fn update(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    SourceId(id): SourceId,
    req: Request,
) -> ApiResult<Json<Value>> {
    if is_multipart(&req) {
        let up = read_upload(&app, req).await?;
        if up.name.is_none() && up.file.is_none() {
            return Err(ApiError::invalid_field(
                "body",
                "Provide a name, a file, or both",
            ));
        }
        let a = agent.clone();
        let doc = app
            .store
            .run(move |db| {
                let mut doc = load_source_for_update(db, &a, &id)?;
                if str_field(&doc, "type") != "file" {
                    return Err(ApiError::invalid_field(
                        "file",
                        "Only file sources accept uploads",
                    ));
                }
                if let Some(n) = up.name {
                    doc["name"] = json!(n);
                }
                if let Some((file_name, data)) = up.file {
                    let old = doc["size"].as_u64().unwrap_or(0);
                    check_storage(db, &a, (data.len() as u64).saturating_sub(old))?;
                    doc["_fileName"] = json!(file_name);
                    let text = file_text(&file_name, &data);
                    file_sizes(&mut doc, &data, text.as_deref());
                    match text {
                        Some(t) => doc["_content"] = json!(t),
                        None => {
                            if let Some(o) = doc.as_object_mut() {
                                o.remove("_content");
                            }
                        }
                    }
                    db.put_blob(&format!("source:{id}"), &a, &data)?;
                }
                db.update("source", &id, &doc)?;
                refresh_training(db, &a)?;
                Ok(doc)
            })
            .await?;
        app.invalidate_index(&agent);
        return Ok(Json(respond_as(&doc, "updated")));
    }
    let b = json_from_request(&app, req).await?;
    let a = agent.clone();
    let doc = app
        .store
        .run(move |db| {
            let mut doc = load_source_for_update(db, &a, &id)?;
            let kind = str_field(&doc, "type").to_string();
            let mut v = V::new(&b);
            match kind.as_str() {
                "text" => {
                    let name = v.str("name", false, 1, 100);
                    let content = v.str("content", false, 1, 1_048_576);
                    v.finish()?;
                    if let Some(n) = name {
                        doc["name"] = json!(n);
                    }
                    if let Some(c) = content {
                        doc["size"] = json!(c.chars().count());
                        doc["_content"] = json!(c);
                    }
                }
                "qna" => {
                    let name = v.str("name", false, 1, 100);
                    let questions = v.strings("questions", false, (1, 50), (1, 10_000));
                    let answer = v.str("answer", false, 1, 1_048_576);
                    v.finish()?;
                    if let Some(n) = name {
                        doc["name"] = json!(n);
                    }
                    if let Some(q) = questions {
                        doc["_questions"] = json!(q);
                    }
                    if let Some(ans) = answer {
                        doc["_answer"] = json!(ans);
                    }
                    let qs: Vec<String> = doc["_questions"]
                        .as_array()
                        .map(|x| {
                            x.iter()
                                .filter_map(|q| q.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    doc["size"] = json!(qna_size(&qs, str_field(&doc, "_answer")));
                }
                "link" => {
                    let exclude = v.strings("excludePaths", false, (0, 1000), (0, 2048));
                    let include = v.strings("includeOnlyPaths", false, (0, 1000), (0, 2048));
                    let slow = v.bool("slowScraping", false);
                    v.finish()?;
                    if doc["metadata"]["type"] != json!("individual") {
                        if let Some(e) = exclude {
                            doc["metadata"]["excludePaths"] = json!(e);
                        }
                        if let Some(i) = include {
                            doc["metadata"]["includeOnlyPaths"] = json!(i);
                        }
                        if let Some(s) = slow {
                            doc["metadata"]["slowScraping"] = json!(s);
                        }
                    }
                }
                _ => {
                    let name = v.str("name", false, 1, 100);
                    v.finish()?;
                    if let Some(n) = name {
                        doc["name"] = json!(n);
                    }
                }
            }
            db.update("source", &id, &doc)?;
            refresh_training(db, &a)?;
            Ok(doc)
        })
        .await?;
    app.invalidate_index(&agent);
    Ok(Json(respond_as(&doc, "updated")))
}

pub(crate) async fn delete(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    SourceId(id): SourceId,
) -> ApiResult<Json<Value>> {
    let a = agent.clone();
    let doc = app
        .store
        .run(move |db| {
            let mut doc = load_source(db, &a, &id)?;
            if doc["status"] == json!("toBeDeleted") {
                return Err(ApiError::conflict(
                    "SOURCE_ALREADY_PENDING_DELETION",
                    "Source is already pending deletion",
                ));
            }
            doc["status"] = json!("toBeDeleted");
            db.update("source", &id, &doc)?;
            refresh_training(db, &a)?;
            Ok(doc)
        })
        .await?;
    app.invalidate_index(&agent);
    Ok(Json(public(&doc)))
}

pub(crate) async fn restore(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
    SourceId(id): SourceId,
) -> ApiResult<Json<Value>> {
    let a = agent.clone();
    app.store
        .run(move |db| {
            let mut doc = load_source(db, &a, &id)?;
            if doc["status"] == json!("toBeDeleted") {
                doc["status"] = json!("trained");
                db.update("source", &id, &doc)?;
                refresh_training(db, &a)?;
            }
            Ok(())
        })
        .await?;
    app.invalidate_index(&agent);
    Ok(Json(json!({
        "success": true,
        "deprecated": true,
        "message": "Deletion is undone by this call only while the source is still marked for deletion.",
    })))
}

pub(crate) async fn summary(
    State(app): State<AppState>,
    AgentId(agent): AgentId,
) -> ApiResult<Json<Value>> {
    let rows = agent_docs(&app, &agent, "source").await?;
    let mut counts: std::collections::HashMap<&str, (u64, u64)> = std::collections::HashMap::new();
    let mut should_retrain = false;
    for r in &rows {
        let status = str_field(&r.data, "status");
        if status == "toBeDeleted" {
            should_retrain = true;
            continue;
        }
        if matches!(status, "untrained" | "updated") {
            should_retrain = true;
        }
        let key = match str_field(&r.data, "type") {
            "link" => "links",
            "file" => "files",
            "qna" => "qnas",
            "notionPage" => "notionPages",
            _ => "texts",
        };
        let e = counts.entry(key).or_default();
        e.0 += 1;
        e.1 += r.data["size"].as_u64().unwrap_or(0);
    }
    let mut out = json!({"shouldRetrain": should_retrain});
    for key in [
        "links",
        "files",
        "qnas",
        "notionPages",
        "texts",
        "zendeskTickets",
        "salesforceCases",
    ] {
        let (count, size) = counts.get(key).copied().unwrap_or((0, 0));
        out[key] = json!({"count": count, "size": size});
    }
    Ok(Json(out))
}
