//! Agents as stored documents: Chatbase's defaults, creation with the workspace every agent starts with
//! (helpdesk statuses and teams, a WhatsApp sender and templates), and lookup.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::store::Db;
use crate::util::{new_uuid, now_iso, random_alnum};

pub(crate) const DEFAULT_MODEL: &str = "gpt-4o-mini";

pub(crate) const DEFAULT_GREETING: &str = "Hi! What can I help you with?";

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
    provision_workspace(db, id)?;
    Ok(doc)
}

/// Loads an agent or fails with `AGENT_NOT_FOUND`.
pub(crate) fn load_agent(db: &Db<'_>, id: &str) -> ApiResult<Value> {
    db.get("agent", id)?.ok_or_else(ApiError::agent_not_found)
}

/// Creates an agent's helpdesk statuses and teams and its WhatsApp connection.
pub(crate) fn provision_workspace(db: &Db<'_>, agent: &str) -> ApiResult<()> {
    let labels = [
        ("new", "New", "#3B82F6"),
        ("on_you", "Open", "#F59E0B"),
        ("on_customer", "Waiting on customer", "#8B5CF6"),
        ("on_hold", "On hold", "#6B7280"),
        ("closed", "Closed", "#10B981"),
        ("cancelled", "Cancelled", "#EF4444"),
    ];
    for (pos, (cat, label, color)) in labels.iter().enumerate() {
        let id = new_uuid();
        let doc = json!({
            "id": id, "category": cat, "externalLabel": label, "internalLabel": label,
            "color": color, "isDefault": true, "position": pos,
        });
        db.insert("ticket_status", &id, agent, agent, &doc)?;
    }
    let teams = [
        (
            "Support",
            true,
            vec![
                ("Alex Rivera", "alex@example.com"),
                ("Sam Lee", "sam@example.com"),
            ],
        ),
        ("Billing", false, vec![("Bo Chen", "bo@example.com")]),
    ];
    for (name, default, members) in teams {
        let id = new_uuid();
        let members: Vec<Value> = members
            .into_iter()
            .map(|(n, e)| json!({"id": new_uuid(), "name": n, "email": e}))
            .collect();
        let doc = json!({
            "id": id, "name": name, "isDefault": default, "memberCount": members.len(), "_members": members,
        });
        db.insert("team", &id, agent, agent, &doc)?;
    }
    let waba = format!("waba_{}", random_alnum(10));
    let wa = json!({
        "senders": [{"from": "+15550100100", "wabaId": waba, "verifiedName": "Demo Support"}],
        "templates": [
            {
                "id": new_uuid(), "name": "order_update", "language": "en_US", "category": "UTILITY",
                "status": "APPROVED", "parameterFormat": "POSITIONAL", "wabaId": waba,
                "variables": {"body": ["1", "2"]},
                "components": [{"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped."}],
            },
            {
                "id": new_uuid(), "name": "welcome", "language": "en_US", "category": "MARKETING",
                "status": "APPROVED", "parameterFormat": "NAMED", "wabaId": waba,
                "variables": {"body": ["name"]},
                "components": [{"type": "BODY", "text": "Welcome aboard, {{name}}! Reply to this message any time."}],
            },
            {
                "id": new_uuid(), "name": "welcome", "language": "es", "category": "MARKETING",
                "status": "APPROVED", "parameterFormat": "NAMED", "wabaId": waba,
                "variables": {"body": ["name"]},
                "components": [{"type": "BODY", "text": "¡Bienvenido, {{name}}! Responde cuando quieras."}],
            },
            {
                "id": new_uuid(), "name": "spring_promo", "language": "en_US", "category": "MARKETING",
                "status": "PENDING", "parameterFormat": "POSITIONAL", "wabaId": waba,
                "variables": {},
                "components": [{"type": "BODY", "text": "Spring sale: 20% off this week."}],
            }
        ],
    });
    db.insert("whatsapp", agent, agent, agent, &wa)?;
    Ok(())
}
