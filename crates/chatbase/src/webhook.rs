//! Webhook helpers: verifying the `x-chatbase-signature` header (HMAC-SHA1 of the raw body,
//! hex, compared in constant time) and decoding the event payload. No HTTP server here.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha1::Sha1;

use crate::error::{Result, decode_json};

/// Name of the signature header.
pub const SIGNATURE_HEADER: &str = "x-chatbase-signature";

/// Checks `signature` (the `x-chatbase-signature` value: hex, optionally `sha1=`-prefixed)
/// against `HMAC-SHA1(secret, raw_body)`. The comparison is constant-time. Pass the body
/// exactly as received, before any JSON parsing.
pub fn verify_webhook(secret: &str, raw_body: &[u8], signature: &str) -> bool {
    let sig = signature.trim();
    let sig = sig.strip_prefix("sha1=").unwrap_or(sig);
    let Ok(expected) = hex::decode(sig) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(raw_body);
    mac.verify_slice(&expected).is_ok()
}

/// A decoded webhook delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `leads.submit`: a visitor submitted the lead form.
    LeadsSubmit {
        /// Agent (chatbot) id.
        chatbot_id: String,
        /// Conversation the lead came from.
        conversation_id: Option<String>,
        /// Submitted email.
        customer_email: Option<String>,
        /// Submitted name.
        customer_name: Option<String>,
        /// Submitted phone.
        customer_phone: Option<String>,
    },
    /// Any other event type, kept raw.
    Unknown {
        /// The `eventType`.
        event_type: String,
        /// The whole delivery.
        raw: Value,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    event_type: String,
    #[serde(default)]
    chatbot_id: String,
    #[serde(default)]
    payload: Value,
}

impl WebhookEvent {
    /// Parses a delivery body (verify it first with [`verify_webhook`]).
    pub fn parse(raw_body: &[u8]) -> Result<Self> {
        let env: Envelope = decode_json(raw_body)?;
        let s = |k: &str| {
            env.payload
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Ok(match env.event_type.as_str() {
            "leads.submit" => WebhookEvent::LeadsSubmit {
                conversation_id: s("conversationId"),
                customer_email: s("customerEmail"),
                customer_name: s("customerName"),
                customer_phone: s("customerPhone"),
                chatbot_id: env.chatbot_id,
            },
            _ => WebhookEvent::Unknown {
                event_type: env.event_type,
                raw: serde_json::from_slice(raw_body).unwrap_or(Value::Null),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn valid_signature_verifies_and_tampering_fails() {
        let body =
            br#"{"eventType":"leads.submit","chatbotId":"b","payload":{"customerEmail":"a@b.c"}}"#;
        let sig = sign("whsec", body);
        assert!(verify_webhook("whsec", body, &sig));
        assert!(verify_webhook(
            "whsec",
            body,
            &format!("sha1={}", sig.to_uppercase())
        ));
        assert!(!verify_webhook("other", body, &sig));
        assert!(!verify_webhook("whsec", b"{}", &sig));
        assert!(!verify_webhook("whsec", body, "zz-not-hex"));
        assert!(!verify_webhook("whsec", body, &sig[..10]));
    }

    #[test]
    fn events_parse_with_unknown_fallback() {
        let body = br#"{"eventType":"leads.submit","chatbotId":"b","payload":{"conversationId":"c","customerEmail":"a@b.c","customerName":"A","customerPhone":"1"}}"#;
        match WebhookEvent::parse(body).unwrap() {
            WebhookEvent::LeadsSubmit {
                chatbot_id,
                customer_email,
                ..
            } => {
                assert_eq!(chatbot_id, "b");
                assert_eq!(customer_email.as_deref(), Some("a@b.c"));
            }
            other => panic!("{other:?}"),
        }
        let other = WebhookEvent::parse(br#"{"eventType":"x.y","payload":{}}"#).unwrap();
        assert!(matches!(other, WebhookEvent::Unknown { event_type, .. } if event_type == "x.y"));
    }
}
