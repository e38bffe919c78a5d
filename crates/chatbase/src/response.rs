//! What a sent request hands back besides errors: [`Response`] (a body with its status, headers and
//! request id) and [`Raw`] (a success body exactly as the server sent it, with its decoded form).

use std::ops::Deref;

use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::error::{Error, Result, decode_json, snippet};

/// A successful answer with its HTTP metadata.
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, status: StatusCode, headers: HeaderMap) -> Self {
        Response {
            value,
            status,
            headers,
        }
    }

    /// The decoded body.
    pub fn into_inner(self) -> T {
        self.value
    }

    pub(crate) fn value_ref(&self) -> &T {
        &self.value
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `x-request-id` header, if present.
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
    }

    /// `X-RateLimit-Remaining`, if present.
    pub fn rate_limit_remaining(&self) -> Option<u64> {
        self.headers
            .get("x-ratelimit-remaining")
            .and_then(crate::headers::count)
    }

    /// Transforms the body, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            status: self.status,
            headers: self.headers,
        }
    }

    pub(crate) fn from_value(rv: ResponseValue<T>) -> Self {
        let status = rv.status();
        let headers = rv.headers().clone();
        Response::new(rv.into_inner(), status, headers)
    }
}

impl<T> Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A success body exactly as the server sent it, with its decoded form.
///
/// The JSON text is the server's own (unknown fields, explicit nulls, number lexemes and key
/// order kept); only whitespace around the whole body is trimmed. It was checked to decode into
/// the generated type, so [`value`](Self::value) is always there too.
#[derive(Debug, Clone)]
pub struct Raw<T> {
    value: T,
    json: Box<RawValue>,
}

impl<T> Raw<T> {
    /// The decoded form.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The server's JSON text.
    pub fn json(&self) -> &RawValue {
        &self.json
    }

    /// The decoded form, dropping the text.
    pub fn into_value(self) -> T {
        self.value
    }

    /// Both parts.
    pub fn into_parts(self) -> (T, Box<RawValue>) {
        (self.value, self.json)
    }
}

impl<T: DeserializeOwned> Raw<T> {
    /// Checks `bytes` against `T` (a mismatch is [`Error::Decode`] naming the JSON path) and keeps
    /// them as they are.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let value = decode_json::<T>(bytes)?;
        let json = serde_json::from_slice::<Box<RawValue>>(bytes).map_err(|e| Error::Decode {
            path: ".".into(),
            message: e.to_string(),
            snippet: snippet(bytes),
        })?;
        Ok(Raw { value, json })
    }
}
