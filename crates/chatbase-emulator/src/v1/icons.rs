//! v1 chatbot icon and profile picture uploads (multipart) and deletions.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::util::{self, now_iso};

use super::{MAX_IMAGE_BYTES, load_chatbot, required_query};

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
        return Err(ApiError::in_v1_words(ApiError::validation(details)));
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
