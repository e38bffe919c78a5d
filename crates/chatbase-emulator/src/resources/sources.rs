//! Sources as stored documents: text, Q&A, link and file records, the per-agent storage limit, training
//! status, copies, deletion marks and the texts the search index is built from.

use serde_json::{Value, json};

use super::agents::load_agent;
use crate::error::{ApiError, ApiResult};
use crate::search::{SourceKind, SourceText};
use crate::store::Db;
use crate::util::{self, now_iso, str_field};

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

fn used_storage(db: &Db<'_>, agent: &str) -> ApiResult<u64> {
    Ok(db
        .list("source", agent)?
        .iter()
        .map(|r| r.data["size"].as_u64().unwrap_or(0))
        .sum())
}

pub(crate) fn check_storage(db: &Db<'_>, agent: &str, extra: u64) -> ApiResult<()> {
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

pub(crate) fn qna_size(questions: &[String], answer: &str) -> u64 {
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
pub(crate) fn file_text(file_name: &str, data: &[u8]) -> Option<String> {
    match chatbase_api::file_sources::accepted_extension(file_name)? {
        "txt" | "json" => Some(String::from_utf8_lossy(data).into_owned()),
        _ => None,
    }
}

/// Size and metadata of a file source: `size` is the extracted text (zero until a
/// document's text is known), `metadata.originalSize` the bytes uploaded.
pub(crate) fn file_sizes(doc: &mut Value, data: &[u8], text: Option<&str>) {
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

pub(crate) fn load_source(db: &Db<'_>, agent: &str, id: &str) -> ApiResult<Value> {
    load_agent(db, agent)?;
    match db.owner("source", id)? {
        Some((owner, _)) if owner == agent => db
            .get("source", id)?
            .ok_or_else(|| ApiError::not_found("SOURCE_NOT_FOUND", "Source not found")),
        _ => Err(ApiError::not_found("SOURCE_NOT_FOUND", "Source not found")),
    }
}

/// A source that may still be changed: `SOURCE_PENDING_DELETION` once it is marked for deletion.
pub(crate) fn load_source_for_update(db: &Db<'_>, agent: &str, id: &str) -> ApiResult<Value> {
    let doc = load_source(db, agent, id)?;
    if doc["status"] == json!("toBeDeleted") {
        return Err(ApiError::conflict(
            "SOURCE_PENDING_DELETION",
            "Source is pending deletion",
        ));
    }
    Ok(doc)
}
