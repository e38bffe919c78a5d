//! Sources: text, Q&A, link and file (JSON on the API host, multipart on the files host),
//! summary, deletion marks and restore. Sources train on write: the search index is
//! rebuilt from them on the next chat.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{PathParams, agent_docs, load_agent, param};
use crate::error::{ApiError, ApiResult};
use crate::search::{SourceKind, SourceText};
use crate::server::AppState;
use crate::store::Db;
use crate::util::{self, V, json_body, now_iso, paginate_seq, public, query_limit, str_field};

/// Storage allowed per agent (characters of text plus file bytes).
const AGENT_STORAGE_LIMIT: u64 = 400 * 1024 * 1024;
fn new_source_id() -> String {
    util::new_uuid()
}

fn source_doc(id: &str, kind: &str, name: Option<&str>, size: u64, metadata: Value) -> Value {
    json!({
        "id": id,
        "type": kind,
        "name": name,
        "size": size,
        "createdAt": now_iso(),
        "status": "trained",
        "metadata": metadata,
    })
}

/// The wire form of a source, with the status it had when the write was accepted.
fn respond_as(doc: &Value, status: &str) -> Value {
    let mut out = public(doc);
    out["status"] = json!(status);
    out
}

fn used_storage(db: &Db<'_>, agent: &str) -> ApiResult<u64> {
    Ok(db
        .list("source", agent)?
        .iter()
        .map(|r| r.data["size"].as_u64().unwrap_or(0))
        .sum())
}

fn check_storage(db: &Db<'_>, agent: &str, extra: u64) -> ApiResult<()> {
    if used_storage(db, agent)? + extra > AGENT_STORAGE_LIMIT {
        return Err(ApiError::unprocessable(
            "SOURCE_SIZE_LIMIT_EXCEEDED",
            "Adding this source would exceed the agent's storage limit",
        ));
    }
    Ok(())
}

pub(crate) fn insert_text(db: &Db<'_>, agent: &str, name: &str, content: &str) -> ApiResult<Value> {
    let size = content.chars().count() as u64;
    check_storage(db, agent, size)?;
    let id = new_source_id();
    let mut doc = source_doc(&id, "text", Some(name), size, Value::Null);
    doc["_content"] = json!(content);
    db.insert("source", &id, agent, agent, &doc)?;
    Ok(doc)
}

fn qna_size(questions: &[String], answer: &str) -> u64 {
    (questions.iter().map(|q| q.chars().count()).sum::<usize>() + answer.chars().count()) as u64
}

pub(crate) fn insert_qna(
    db: &Db<'_>,
    agent: &str,
    name: &str,
    questions: &[String],
    answer: &str,
) -> ApiResult<Value> {
    let size = qna_size(questions, answer);
    check_storage(db, agent, size)?;
    let id = new_source_id();
    let mut doc = source_doc(&id, "qna", Some(name), size, Value::Null);
    doc["_questions"] = json!(questions);
    doc["_answer"] = json!(answer);
    db.insert("source", &id, agent, agent, &doc)?;
    Ok(doc)
}

fn link_metadata(link_type: &str, exclude: &[String], include: &[String], slow: bool) -> Value {
    if link_type == "individual" {
        json!({"type": "individual"})
    } else {
        json!({
            "type": link_type,
            "excludePaths": exclude,
            "includeOnlyPaths": include,
            "slowScraping": slow,
            "crawlStatus": "fetched",
            "children": {"included": 0, "excluded": 0, "failed": 0},
        })
    }
}

pub(crate) fn insert_link(
    db: &Db<'_>,
    agent: &str,
    url: &str,
    link_type: &str,
    exclude: &[String],
    include: &[String],
    slow: bool,
) -> ApiResult<Value> {
    let dup = db
        .list("source", agent)?
        .iter()
        .any(|r| r.data["_url"] == json!(url) && r.data["_linkType"] == json!(link_type));
    if dup {
        return Err(ApiError::conflict(
            "SOURCE_DUPLICATE",
            "A link source with this URL and type already exists",
        ));
    }
    let id = new_source_id();
    // The emulator never fetches the web, so a link has no indexed text.
    let mut doc = source_doc(
        &id,
        "link",
        Some(url),
        0,
        link_metadata(link_type, exclude, include, slow),
    );
    doc["_url"] = json!(url);
    doc["_linkType"] = json!(link_type);
    db.insert("source", &id, agent, agent, &doc)?;
    Ok(doc)
}

/// The text the service extracts from a document; only text formats are indexed here.
fn file_text(file_name: &str, data: &[u8]) -> Option<String> {
    match chatbase_api::file_sources::accepted_extension(file_name)? {
        "txt" | "json" => Some(String::from_utf8_lossy(data).into_owned()),
        _ => None,
    }
}

/// Size and metadata of a file source: `size` is the extracted text (zero until a
/// document's text is known), `metadata.originalSize` the bytes uploaded.
fn file_sizes(doc: &mut Value, data: &[u8], text: Option<&str>) {
    doc["size"] = json!(text.map_or(0, |t| t.chars().count()));
    doc["metadata"] = json!({"originalSize": data.len()});
}

pub(crate) fn insert_file(
    db: &Db<'_>,
    agent: &str,
    name: &str,
    file_name: &str,
    data: &[u8],
) -> ApiResult<Value> {
    check_storage(db, agent, data.len() as u64)?;
    let id = new_source_id();
    let mut doc = source_doc(&id, "file", Some(name), 0, Value::Null);
    doc["_fileName"] = json!(file_name);
    let text = file_text(file_name, data);
    file_sizes(&mut doc, data, text.as_deref());
    if let Some(text) = text {
        doc["_content"] = json!(text);
    }
    db.insert("source", &id, agent, agent, &doc)?;
    db.put_blob(&format!("source:{id}"), agent, data)?;
    Ok(doc)
}

/// Recomputes the agent's training status, size and timestamps from its sources.
pub(crate) fn refresh_training(db: &Db<'_>, agent: &str) -> ApiResult<()> {
    let Some(mut doc) = db.get("agent", agent)? else {
        return Ok(());
    };
    let sources = db.list("source", agent)?;
    let live: Vec<&Value> = sources
        .iter()
        .map(|r| &r.data)
        .filter(|d| d["status"] != json!("toBeDeleted"))
        .collect();
    let size: u64 = live.iter().map(|d| d["size"].as_u64().unwrap_or(0)).sum();
    doc["size"] = json!(size);
    if live.is_empty() {
        doc["status"] = json!("untrained");
    } else {
        doc["status"] = json!("trained");
        doc["lastTrainedAt"] = json!(now_iso());
    }
    db.update("agent", agent, &doc)
}

pub(crate) fn purge_pending_deletions(db: &Db<'_>, agent: &str) -> ApiResult<()> {
    for r in db.list("source", agent)? {
        if r.data["status"] == json!("toBeDeleted") {
            let id = str_field(&r.data, "id").to_string();
            db.delete("source", &id)?;
            db.delete_blob(&format!("source:{id}"))?;
        }
    }
    Ok(())
}

pub(crate) fn copy_sources(db: &Db<'_>, from: &str, to: &str) -> ApiResult<()> {
    for r in db.list("source", from)? {
        if r.data["status"] == json!("toBeDeleted") {
            continue;
        }
        let old_id = str_field(&r.data, "id").to_string();
        let id = new_source_id();
        let mut doc = r.data.clone();
        doc["id"] = json!(id);
        doc["createdAt"] = json!(now_iso());
        db.insert("source", &id, to, to, &doc)?;
        if let Some(blob) = db.get_blob(&format!("source:{old_id}"))? {
            db.put_blob(&format!("source:{id}"), to, &blob)?;
        }
    }
    Ok(())
}

/// Texts the agent answers from: every source not marked for deletion that has text.
pub(crate) fn indexable_texts(
    db: &Db<'_>,
    agent: &str,
) -> ApiResult<Vec<(SourceText, Option<String>)>> {
    let mut out = Vec::new();
    for r in db.list("source", agent)? {
        let d = &r.data;
        if d["status"] == json!("toBeDeleted") {
            continue;
        }
        let name = d["name"].as_str().unwrap_or("Untitled").to_string();
        match str_field(d, "type") {
            "qna" => {
                let questions: Vec<String> = d["_questions"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|q| q.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                out.push((
                    SourceText {
                        name,
                        kind: SourceKind::Qna,
                        text: questions.join("\n"),
                    },
                    d["_answer"].as_str().map(String::from),
                ));
            }
            _ => {
                if let Some(text) = d["_content"].as_str() {
                    out.push((
                        SourceText {
                            name,
                            kind: SourceKind::Prose,
                            text: text.to_string(),
                        },
                        None,
                    ));
                }
            }
        }
    }
    Ok(out)
}

pub(crate) async fn list(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let agent = param(&p, "agentId").to_string();
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

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
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
    axum::extract::Path(p): PathParams,
    req: Request,
) -> ApiResult<Response> {
    let agent = param(&p, "agentId").to_string();
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

fn load_source(db: &Db<'_>, agent: &str, id: &str) -> ApiResult<Value> {
    load_agent(db, agent)?;
    match db.owner("source", id)? {
        Some((owner, _)) if owner == agent => db
            .get("source", id)?
            .ok_or_else(|| ApiError::not_found("SOURCE_NOT_FOUND", "Source not found")),
        _ => Err(ApiError::not_found("SOURCE_NOT_FOUND", "Source not found")),
    }
}

/// A source that may still be changed: `SOURCE_PENDING_DELETION` once it is marked for deletion.
fn load_source_for_update(db: &Db<'_>, agent: &str, id: &str) -> ApiResult<Value> {
    let doc = load_source(db, agent, id)?;
    if doc["status"] == json!("toBeDeleted") {
        return Err(ApiError::conflict(
            "SOURCE_PENDING_DELETION",
            "Source is pending deletion",
        ));
    }
    Ok(doc)
}

pub(crate) async fn get(
    State(app): State<AppState>,
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let agent = param(&p, "agentId").to_string();
    let id = param(&p, "sourceId").to_string();
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
    axum::extract::Path(p): PathParams,
    req: Request,
) -> ApiResult<Json<Value>> {
    let agent = param(&p, "agentId").to_string();
    let id = param(&p, "sourceId").to_string();
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
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let agent = param(&p, "agentId").to_string();
    let id = param(&p, "sourceId").to_string();
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
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let agent = param(&p, "agentId").to_string();
    let id = param(&p, "sourceId").to_string();
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
    axum::extract::Path(p): PathParams,
) -> ApiResult<Json<Value>> {
    let agent = param(&p, "agentId").to_string();
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
