//! Shared handler helpers: ids, clocks, JSON body parsing, field validation with
//! field-level details, opaque cursors and pagination. No resource semantics.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(crate) fn random_alnum(n: usize) -> String {
    (0..n)
        .map(|_| ALNUM[fastrand::usize(..ALNUM.len())] as char)
        .collect()
}

pub(crate) fn new_agent_id() -> String {
    random_alnum(21)
}

pub(crate) fn new_message_id() -> String {
    format!("msg_{}", random_alnum(24))
}

pub(crate) fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn now_iso() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Unix time in seconds with millisecond precision (conversations and messages use it).
pub(crate) fn now_unix() -> f64 {
    let ms = Utc::now().timestamp_millis();
    (ms as f64) / 1000.0
}

pub(crate) fn iso_to_unix(s: &str) -> Option<f64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis() as f64 / 1000.0)
}

/// Parses `YYYY-MM-DD` (start or end of that UTC day) or an RFC 3339 timestamp.
pub(crate) fn parse_date_bound(s: &str, end_of_day: bool) -> Option<f64> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let t = if end_of_day {
            d.and_hms_milli_opt(23, 59, 59, 999)?
        } else {
            d.and_hms_opt(0, 0, 0)?
        };
        return Some(t.and_utc().timestamp_millis() as f64 / 1000.0);
    }
    iso_to_unix(s)
}

/// Removes internal (`_`-prefixed) fields before a document goes on the wire.
pub(crate) fn public(doc: &Value) -> Value {
    match doc {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('_'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether a request's body is a multipart form (the files-host operations, icon uploads).
pub(crate) fn is_multipart(req: &axum::extract::Request) -> bool {
    req.headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Parses a JSON object body. An empty body counts as `{}` so that missing required
/// fields are reported field by field.
pub(crate) fn json_body(body: &Bytes, max: usize) -> ApiResult<Map<String, Value>> {
    if body.len() > max {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "VALIDATION_INVALID_BODY",
            format!("Request body exceeds {max} bytes"),
        ));
    }
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::invalid_field("body", "Expected object")),
        Err(e) => Err(ApiError::bad_request(
            "VALIDATION_INVALID_JSON",
            format!("Request body is not valid JSON: {e}"),
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Field validator that collects every violation before failing.
pub(crate) struct V<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
    pub details: BTreeMap<String, String>,
}

impl<'a> V<'a> {
    pub fn new(obj: &'a Map<String, Value>) -> Self {
        Self {
            obj,
            prefix: String::new(),
            details: BTreeMap::new(),
        }
    }

    pub fn nested(obj: &'a Map<String, Value>, prefix: &str) -> Self {
        Self {
            obj,
            prefix: format!("{prefix}."),
            details: BTreeMap::new(),
        }
    }

    pub fn fail(&mut self, key: &str, msg: impl Into<String>) {
        self.details
            .entry(format!("{}{key}", self.prefix))
            .or_insert_with(|| msg.into());
    }

    pub fn absorb(&mut self, other: V<'_>) {
        for (k, v) in other.details {
            self.details.entry(k).or_insert(v);
        }
    }

    fn present(&mut self, key: &str, required: bool) -> Option<&'a Value> {
        match self.obj.get(key) {
            Some(v) => Some(v),
            None => {
                if required {
                    self.fail(key, "Required");
                }
                None
            }
        }
    }

    fn expected(&mut self, key: &str, want: &str, got: &Value) {
        let msg = format!("Expected {want}, received {}", type_name(got));
        self.fail(key, msg);
    }

    pub fn str(&mut self, key: &str, required: bool, min: usize, max: usize) -> Option<String> {
        let v = self.present(key, required)?;
        let Some(s) = v.as_str() else {
            self.expected(key, "string", v);
            return None;
        };
        let n = s.chars().count();
        if n < min {
            self.fail(
                key,
                format!("String must contain at least {min} character(s)"),
            );
            return None;
        }
        if n > max {
            self.fail(
                key,
                format!("String must contain at most {max} character(s)"),
            );
            return None;
        }
        Some(s.to_string())
    }

    /// A string whose allowed values the contract (`openapi/`, enforced by `spec` before any
    /// handler runs) already checked; there is no second, hand-typed list here.
    pub fn enum_str(&mut self, key: &str, required: bool) -> Option<String> {
        self.str(key, required, 0, usize::MAX)
    }

    pub fn pattern(
        &mut self,
        key: &str,
        required: bool,
        max: usize,
        re: &regex::Regex,
    ) -> Option<String> {
        let s = self.str(key, required, 1, max)?;
        if re.is_match(&s) {
            Some(s)
        } else {
            self.fail(key, "Invalid format");
            None
        }
    }

    pub fn bool(&mut self, key: &str, required: bool) -> Option<bool> {
        let v = self.present(key, required)?;
        match v.as_bool() {
            Some(b) => Some(b),
            None => {
                self.expected(key, "boolean", v);
                None
            }
        }
    }

    pub fn num(&mut self, key: &str, required: bool, min: f64, max: f64) -> Option<f64> {
        let v = self.present(key, required)?;
        let Some(n) = v.as_f64() else {
            self.expected(key, "number", v);
            return None;
        };
        if n < min {
            self.fail(
                key,
                format!("Number must be greater than or equal to {min}"),
            );
            return None;
        }
        if n > max {
            self.fail(key, format!("Number must be less than or equal to {max}"));
            return None;
        }
        Some(n)
    }

    pub fn int(&mut self, key: &str, required: bool, min: i64, max: i64) -> Option<i64> {
        let v = self.present(key, required)?;
        // JSON Schema counts 12.0 as an integer, so it is accepted as 12.
        let integral = v
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= -9.0e15 && *f <= 9.0e15)
            .map(|f| f as i64);
        let Some(n) = v.as_i64().or(integral) else {
            if v.is_number() {
                self.fail(key, "Expected integer, received float");
            } else {
                self.expected(key, "integer", v);
            }
            return None;
        };
        if n < min {
            self.fail(
                key,
                format!("Number must be greater than or equal to {min}"),
            );
            return None;
        }
        if n > max {
            self.fail(key, format!("Number must be less than or equal to {max}"));
            return None;
        }
        Some(n)
    }

    pub fn strings(
        &mut self,
        key: &str,
        required: bool,
        (min_items, max_items): (usize, usize),
        (min_len, max_len): (usize, usize),
    ) -> Option<Vec<String>> {
        let v = self.present(key, required)?;
        let Some(items) = v.as_array() else {
            self.expected(key, "array", v);
            return None;
        };
        if items.len() < min_items {
            self.fail(
                key,
                format!("Array must contain at least {min_items} element(s)"),
            );
            return None;
        }
        if items.len() > max_items {
            self.fail(
                key,
                format!("Array must contain at most {max_items} element(s)"),
            );
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) if (min_len..=max_len).contains(&s.chars().count()) => {
                    out.push(s.to_string())
                }
                Some(_) => {
                    self.fail(
                        &format!("{key}.{i}"),
                        format!("String must contain between {min_len} and {max_len} character(s)"),
                    );
                    return None;
                }
                None => {
                    self.expected(&format!("{key}.{i}"), "string", item);
                    return None;
                }
            }
        }
        Some(out)
    }

    pub fn object(&mut self, key: &str, required: bool) -> Option<&'a Map<String, Value>> {
        let v = self.present(key, required)?;
        match v.as_object() {
            Some(m) => Some(m),
            None => {
                self.expected(key, "object", v);
                None
            }
        }
    }

    pub fn array_or_null(&mut self, key: &str, max_items: usize) -> Option<Option<&'a Vec<Value>>> {
        match self.obj.get(key) {
            Some(Value::Null) => Some(None),
            Some(Value::Array(a)) => {
                if a.len() > max_items {
                    self.fail(
                        key,
                        format!("Array must contain at most {max_items} element(s)"),
                    );
                    None
                } else {
                    Some(Some(a))
                }
            }
            Some(other) => {
                self.expected(key, "array", other);
                None
            }
            None => None,
        }
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.details.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.details))
        }
    }
}

/// Query parameters as given (last value wins).
pub(crate) type Query = std::collections::HashMap<String, String>;

pub(crate) fn query_limit(q: &Query, default: i64, max: i64) -> ApiResult<usize> {
    match q.get("limit") {
        None => Ok(default as usize),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n as usize),
            Ok(_) => Err(ApiError::invalid_field(
                "limit",
                format!("Number must be between 1 and {max}"),
            )),
            Err(_) => Err(ApiError::invalid_field("limit", "Expected integer")),
        },
    }
}

pub(crate) fn encode_cursor(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

pub(crate) fn decode_cursor(c: &str) -> ApiResult<String> {
    URL_SAFE_NO_PAD
        .decode(c.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::invalid_field("cursor", "Invalid cursor"))
}

/// Offset pagination behind an opaque cursor tagged with the ordering it was issued for.
pub(crate) fn paginate(items: Vec<Value>, q: &Query, limit: usize, tag: &str) -> ApiResult<Value> {
    let offset = match q.get("cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => {
            let raw = decode_cursor(c)?;
            let (t, off) = raw
                .rsplit_once('|')
                .ok_or_else(|| ApiError::invalid_field("cursor", "Invalid cursor"))?;
            if t != tag {
                return Err(ApiError::invalid_field(
                    "cursor",
                    "Cursor does not match the current sort or filters",
                ));
            }
            off.parse::<usize>()
                .map_err(|_| ApiError::invalid_field("cursor", "Invalid cursor"))?
        }
    };
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let next = offset + page.len();
    let has_more = next < total;
    let cursor = if has_more {
        Value::String(encode_cursor(&format!("{tag}|{next}")))
    } else {
        Value::Null
    };
    Ok(json!({
        "data": page,
        "pagination": {"cursor": cursor, "hasMore": has_more, "total": total},
    }))
}

pub(crate) fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Keyset pagination over rows already sorted by sequence number (newest first when
/// `descending`); stable while new rows are added.
pub(crate) fn paginate_seq(
    rows: Vec<(i64, Value)>,
    q: &Query,
    limit: usize,
    tag: &str,
    descending: bool,
) -> ApiResult<(Vec<Value>, Value)> {
    let total = rows.len();
    let after: Option<i64> = match q.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            let raw = decode_cursor(c)?;
            let (t, s) = raw
                .rsplit_once('|')
                .ok_or_else(|| ApiError::invalid_field("cursor", "Invalid cursor"))?;
            if t != tag {
                return Err(ApiError::invalid_field(
                    "cursor",
                    "Cursor does not belong to this list",
                ));
            }
            Some(
                s.parse::<i64>()
                    .map_err(|_| ApiError::invalid_field("cursor", "Invalid cursor"))?,
            )
        }
    };
    let mut rest = rows.into_iter().filter(|(seq, _)| match after {
        None => true,
        Some(a) if descending => *seq < a,
        Some(a) => *seq > a,
    });
    let page: Vec<(i64, Value)> = rest.by_ref().take(limit).collect();
    let has_more = rest.next().is_some();
    let cursor = match (has_more, page.last()) {
        (true, Some((seq, _))) => Value::String(encode_cursor(&format!("{tag}|{seq}"))),
        _ => Value::Null,
    };
    let pagination = json!({"cursor": cursor, "hasMore": has_more, "total": total});
    Ok((page.into_iter().map(|(_, v)| v).collect(), pagination))
}
