//! v1 contacts: list (page/per_page), batch create, get, update, delete.

use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::Db;
use crate::util::{self, V, new_uuid, now_unix, parse_date_bound, public, str_field};

use super::attributes::attributes;
use super::{drop_nulls, load_chatbot, positive_page};
use crate::extract::{ChatbotId, ContactId, V1JsonObject};

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
    ChatbotId(id): ChatbotId,
    Query(q): Query<util::Query>,
) -> ApiResult<Json<Value>> {
    let per_page = match q.get("per_page") {
        None => 100,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (10..=1000).contains(n))
            .ok_or_else(|| {
                ApiError::in_v1_words(ApiError::invalid_field(
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
    ChatbotId(id): ChatbotId,
    V1JsonObject(b): V1JsonObject,
) -> ApiResult<Json<Value>> {
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
    v.finish().map_err(ApiError::in_v1_words)?;
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
            v.finish().map_err(ApiError::in_v1_words)?;
            Ok(out)
        })
        .await?;
    Ok(Json(json!({"message": "Success", "data": created})))
}

pub(crate) async fn get_contact(
    State(app): State<AppState>,
    ChatbotId(id): ChatbotId,
    ContactId(contact): ContactId,
) -> ApiResult<Json<Value>> {
    let c = app
        .store
        .run(move |db| find_contact(db, &id, &contact))
        .await?;
    Ok(Json(json!({"message": "Success", "data": public(&c.1)})))
}

pub(crate) async fn update_contact(
    State(app): State<AppState>,
    ChatbotId(id): ChatbotId,
    ContactId(contact): ContactId,
    V1JsonObject(b): V1JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let data = v.object("data", true).cloned();
    if let Some(d) = &data {
        let mut dv = V::nested(d, "data");
        check_contact_fields(&mut dv);
        v.absorb(dv);
    }
    v.finish().map_err(ApiError::in_v1_words)?;
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
            v.finish().map_err(ApiError::in_v1_words)?;
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
    ChatbotId(id): ChatbotId,
    ContactId(contact): ContactId,
) -> ApiResult<Json<Value>> {
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
