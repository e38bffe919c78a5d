//! v1 conversations and leads: page/size paging and `YYYY-MM-DD` date filters.

use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{self, parse_date_bound, str_field};

use super::{drop_nulls, load_chatbot, positive_page, required_query, unix_to_iso};

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
                ApiError::in_v1_words(ApiError::invalid_field(
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
                            "content": crate::resources::conversations::text_of(&m.data),
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
