//! Identity verification helpers for the chat widget and mobile SDKs: the legacy `user_hash`
//! (HMAC-SHA256, lowercase hex) and HS256-signed identity JWTs. Pure functions; no HTTP.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// `hex(HMAC-SHA256(key = secret, msg = user_id))`, the 64-character value the widget's
/// `identify({user_id, user_hash})` expects.
///
/// ```
/// let h = chatbase::identity::user_hash("secret", "user-42");
/// assert_eq!(h.len(), 64);
/// ```
pub fn user_hash(secret: &str, user_id: &str) -> String {
    let mut mac = hmac_sha256(secret.as_bytes());
    mac.update(user_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn hmac_sha256(key: &[u8]) -> HmacSha256 {
    match <HmacSha256 as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length, so this arm is never taken; it exists only so that
        // no panic path is left in the crate.
        Err(_) => <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()),
    }
}

/// Claims of an identity token. `user_id` is required; everything else is optional and sent
/// only when set. Setting a field to JSON `null` (via [`IdentityClaims::field`]) deletes it on
/// the contact.
#[derive(Debug, Clone)]
pub struct IdentityClaims {
    claims: Map<String, Value>,
}

impl IdentityClaims {
    /// Claims for `user_id`, expiring in one hour.
    pub fn new(user_id: impl Into<String>) -> Self {
        let mut claims = Map::new();
        claims.insert("user_id".into(), Value::String(user_id.into()));
        IdentityClaims { claims }.expires_in(Duration::from_secs(3600))
    }

    /// Sets `exp` relative to now (Chatbase recommends under 24 h).
    pub fn expires_in(mut self, d: Duration) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        self.claims
            .insert("exp".into(), Value::from((now + d).as_secs()));
        self
    }

    /// Contact email.
    pub fn email(self, v: impl Into<String>) -> Self {
        self.field("email", Value::String(v.into()))
    }

    /// Contact name.
    pub fn name(self, v: impl Into<String>) -> Self {
        self.field("name", Value::String(v.into()))
    }

    /// Contact phone number.
    pub fn phonenumber(self, v: impl Into<String>) -> Self {
        self.field("phonenumber", Value::String(v.into()))
    }

    /// Custom attributes object.
    pub fn custom_attributes(self, v: Map<String, Value>) -> Self {
        self.field("custom_attributes", Value::Object(v))
    }

    /// Any other claim (e.g. `stripe_accounts`), or `null` to delete a contact field.
    pub fn field(mut self, key: impl Into<String>, value: Value) -> Self {
        self.claims.insert(key.into(), value);
        self
    }

    /// The claims as JSON.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.claims
    }
}

/// Signs `claims` as a compact HS256 JWT with the agent's verification secret.
pub fn sign_identity_jwt(secret: &str, claims: &IdentityClaims) -> Result<String> {
    if secret.is_empty() {
        return Err(Error::invalid("the identity verification secret is empty"));
    }
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = serde_json::to_vec(&claims.claims)
        .map_err(|e| Error::invalid(format!("claims are not serializable: {e}")))?;
    let payload = URL_SAFE_NO_PAD.encode(payload);
    let signing_input = format!("{header}.{payload}");
    let mut mac = hmac_sha256(secret.as_bytes());
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signing_input}.{sig}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_hash_matches_rfc4231_style_vector() {
        // HMAC-SHA256(key="key", msg="The quick brown fox jumps over the lazy dog")
        assert_eq!(
            user_hash("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn jwt_has_three_parts_and_verifiable_signature() {
        let claims = IdentityClaims::new("u1")
            .email("a@b.c")
            .field("name", Value::Null);
        let token = sign_identity_jwt("s3cret", &claims).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(payload["user_id"], "u1");
        assert_eq!(payload["email"], "a@b.c");
        assert!(payload["name"].is_null());
        assert!(payload["exp"].as_u64().unwrap() > 1_700_000_000);
        let mut mac = <HmacSha256 as Mac>::new_from_slice(b"s3cret").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
            .unwrap();
        assert!(sign_identity_jwt("", &claims).is_err());
    }
}
