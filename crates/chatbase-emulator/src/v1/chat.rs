//! `POST /api/v1/chat`: a v1 chat turn answered as JSON or as a raw text stream.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::search::{answer, deltas};
use crate::state::AppState;
use crate::util::{V, now_unix};

use super::load_chatbot;
use crate::extract::V1JsonObject;
use crate::paced::{Event, paced_body};
use crate::resources::conversations::{charge, greeting, insert_message, new_conversation_doc};

pub(crate) async fn chat(
    State(app): State<AppState>,
    V1JsonObject(b): V1JsonObject,
) -> ApiResult<Response> {
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
    v.finish().map_err(ApiError::in_v1_words)?;
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
