//! Unit tests of the error mapping: body shapes, codes, classification, waits and decode paths.

use super::*;
use reqwest::header::HeaderValue;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn v2_envelope_maps_code_details_and_request_id() {
    let body = br#"{"error":{"code":"VALIDATION_INVALID_BODY","message":"Invalid request","details":{"message":"Required"}}}"#;
    let e = parse_api_error(
        StatusCode::BAD_REQUEST,
        &headers(&[("x-request-id", "req_1")]),
        body,
        None,
    );
    assert_eq!(e.code, Some(ErrorCode::ValidationInvalidBody));
    assert_eq!(e.message, "Invalid request");
    assert_eq!(e.details.unwrap()["message"], "Required");
    assert_eq!(e.request_id.as_deref(), Some("req_1"));
}

#[test]
fn unknown_codes_are_kept_verbatim() {
    let body = br#"{"error":{"code":"BRAND_NEW_CODE","message":"m"}}"#;
    let e = parse_api_error(StatusCode::FORBIDDEN, &HeaderMap::new(), body, None);
    assert_eq!(e.code, Some(ErrorCode::Unknown("BRAND_NEW_CODE".into())));
    assert_eq!(e.code.unwrap().as_str(), "BRAND_NEW_CODE");
}

#[test]
fn v1_message_body_maps_onto_same_type() {
    let body = br#"{"message":"Chatbot not found"}"#;
    let e = parse_api_error(StatusCode::NOT_FOUND, &HeaderMap::new(), body, None);
    assert_eq!(e.code, None, "a body without a code has no code");
    assert_eq!(e.message, "Chatbot not found");
    assert!(!e.foreign);
    assert_eq!(e.to_string(), "API error 404: Chatbot not found");
}

#[test]
fn a_foreign_answer_is_named_not_dumped() {
    let url = reqwest::Url::parse("http://user:pw@127.0.0.1:9/api/v2/agents?q=1").unwrap();
    let page = b"<html><body>Not Found</body></html>";
    let e = parse_api_error(
        StatusCode::NOT_FOUND,
        &headers(&[("content-type", "text/html; charset=utf-8")]),
        page,
        Some(&url),
    );
    assert!(e.foreign);
    assert_eq!(e.code, None);
    assert_eq!(
        e.message,
        "the server at http://127.0.0.1:9/api/v2/agents did not answer like the Chatbase API \
         (HTTP 404, text/html; charset=utf-8)"
    );
    assert!(!e.message.contains("<html>"));
    assert_eq!(
        &e.body[..],
        &page[..],
        "the body is kept verbatim for diagnosis"
    );
    let e = parse_api_error(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"", None);
    assert_eq!(e.message, "Bad Gateway");
    assert!(!e.foreign);
}

#[test]
fn auth_failures_are_recognised_by_status_whatever_the_code() {
    for (status, body) in [
        (401, &b"{}"[..]),
        (401, br#"{"error":{"code":"SOMETHING_NEW","message":"m"}}"#),
        (
            403,
            br#"{"error":{"code":"SUBSCRIPTION_API_RESTRICTED_PLAN","message":"m"}}"#,
        ),
    ] {
        let e = Error::api_from_parts(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body,
            None,
        );
        assert!(e.is_auth_failure(), "{status} {body:?}");
    }
    let e = Error::api_from_parts(
        StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        br#"{"error":{"code":"AUTH_LOOKALIKE","message":"m"}}"#,
        None,
    );
    assert!(!e.is_auth_failure());
}

#[test]
fn a_conflict_is_permanent() {
    let e = Error::api_from_parts(
        StatusCode::CONFLICT,
        &HeaderMap::new(),
        br#"{"error":{"code":"SOURCE_DUPLICATE","message":"exists"}}"#,
        None,
    );
    assert!(!e.is_retryable());
}

#[test]
fn retry_after_seconds_date_and_reset_are_understood_and_capped() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    assert_eq!(
        server_wait(&headers(&[("retry-after", "3")]), now),
        Some(Duration::from_secs(3))
    );
    let date = httpdate::fmt_http_date(now + Duration::from_secs(5));
    assert_eq!(
        server_wait(&headers(&[("retry-after", &date)]), now),
        Some(Duration::from_secs(5))
    );
    let reset_ms = (1_700_000_000u64 + 7) * 1000;
    assert_eq!(
        server_wait(
            &headers(&[("x-ratelimit-reset", &reset_ms.to_string())]),
            now
        ),
        Some(Duration::from_secs(7))
    );
    assert_eq!(
        server_wait(&headers(&[("retry-after", "3600")]), now),
        Some(MAX_SERVER_WAIT)
    );
    assert_eq!(server_wait(&HeaderMap::new(), now), None);
}

#[test]
fn helpers_classify_errors() {
    let e = Error::api_from_parts(
        StatusCode::TOO_MANY_REQUESTS,
        &headers(&[("retry-after", "2")]),
        br#"{"error":{"code":"RATE_LIMIT_TOO_MANY_REQUESTS","message":"slow down"}}"#,
        None,
    );
    assert!(e.is_rate_limited());
    assert!(e.is_retryable());
    assert!(e.request_not_executed());
    assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
    let e = Error::api_from_parts(StatusCode::NOT_FOUND, &HeaderMap::new(), b"{}", None);
    assert!(!e.is_retryable());
    assert!(!e.is_rate_limited());
    assert!(
        !Error::StreamTruncated {
            partial: "x".into()
        }
        .is_retryable()
    );
}

#[test]
fn decode_error_reports_json_path() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        data: Vec<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        id: String,
    }
    let err = decode_json::<Outer>(br#"{"data":[{"id":"a"},{"id":5}]}"#).unwrap_err();
    match err {
        Error::Decode { path, snippet, .. } => {
            assert_eq!(path, "data[1].id");
            assert!(snippet.starts_with("{\"data\""));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn display_keeps_the_servers_details() {
    // The emulator's (and the API's) validation envelope: `details` maps a field to its message.
    let body = br#"{"error":{"code":"VALIDATION_INVALID_BODY","message":"Invalid request","details":{"limit":"Number must be between 1 and 100"}}}"#;
    let e = Error::api_from_parts(StatusCode::BAD_REQUEST, &HeaderMap::new(), body, None);
    assert_eq!(
        e.to_string(),
        "API error 400 VALIDATION_INVALID_BODY: Invalid request (limit: Number must be between 1 and 100)"
    );
    // v2's generic `{"message": …}` and v1's `issues` list.
    let body = br#"{"error":{"code":"VALIDATION_INVALID_BODY","message":"Invalid request","details":{"message":"Required"}}}"#;
    let e = Error::api_from_parts(StatusCode::BAD_REQUEST, &HeaderMap::new(), body, None);
    assert!(e.to_string().ends_with("Invalid request (Required)"), "{e}");
    let body = br#"{"message":"Invalid request body","issues":[{"field":"email","message":"Invalid email"},{"path":"name","message":"Required"}]}"#;
    let e = Error::api_from_parts(StatusCode::BAD_REQUEST, &HeaderMap::new(), body, None);
    assert_eq!(
        e.to_string(),
        "API error 400: Invalid request body (email: Invalid email; name: Required)"
    );
    // A huge details value is cut, not dumped.
    let long = "x".repeat(5000);
    let body = format!(r#"{{"error":{{"code":"C","message":"m","details":{{"f":"{long}"}}}}}}"#);
    let e = Error::api_from_parts(
        StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        body.as_bytes(),
        None,
    );
    assert!(e.to_string().len() < 600, "{}", e.to_string().len());
    assert!(e.to_string().ends_with("…)"));
}
