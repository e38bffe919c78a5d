//! v1 contact custom attributes: list, create, update.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::Db;
use crate::util::V;

use super::{ATTR_NAME, drop_nulls, load_chatbot};
use crate::extract::{AttributeName, ChatbotId, V1JsonObject};

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

pub(super) fn attributes(db: &Db<'_>, chatbot: &str) -> ApiResult<Vec<Value>> {
    Ok(db
        .list("custom_attribute", chatbot)?
        .into_iter()
        .map(|r| r.data)
        .collect())
}

pub(crate) async fn list_custom_attributes(
    State(app): State<AppState>,
    ChatbotId(id): ChatbotId,
) -> ApiResult<Json<Value>> {
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
    ChatbotId(id): ChatbotId,
    V1JsonObject(b): V1JsonObject,
) -> ApiResult<Json<Value>> {
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
    v.finish().map_err(ApiError::in_v1_words)?;
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
    ChatbotId(id): ChatbotId,
    AttributeName(name): AttributeName,
    V1JsonObject(b): V1JsonObject,
) -> ApiResult<Json<Value>> {
    let mut v = V::new(&b);
    let label = v.str("label", false, 0, 200);
    let description = v.str("description", false, 0, 1000);
    let archived = v.bool("archived", false);
    v.finish().map_err(ApiError::in_v1_words)?;
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
