//! Every number a server puts in a response header is read here, through one checked parser: `Retry-After`
//! (seconds or HTTP-date), `retry-after-ms`, `X-RateLimit-Reset` (Unix seconds, or Unix milliseconds told apart by
//! magnitude) and counts such as `X-RateLimit-Remaining`. Integers are tried first; a fraction must be a finite,
//! non-negative float and goes through `Duration::try_from_secs_f64` only after it is capped to the policy maximum.
//! `inf`, `NaN`, negative numbers, overflowing values and non-ASCII bytes never panic: a value that is not a number
//! is ignored, a number too large to represent is capped.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};

/// Unix times at or above this are milliseconds (1e11 ms is 1973; 1e11 s is the year 5138).
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

/// A non-negative number read from a header.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    /// All ASCII digits, fitting a `u64`.
    Int(u64),
    /// All ASCII digits, beyond `u64::MAX`.
    Huge,
    /// A finite, non-negative decimal with a fraction or exponent.
    Float(f64),
}

/// Reads `1*DIGIT` or a decimal such as `1.5` / `2e3`. Words (`inf`, `nan`), signs other than an exponent's,
/// non-finite results and negative values are refused.
fn number(raw: &[u8]) -> Option<Number> {
    let s = std::str::from_utf8(raw).ok()?.trim_matches([' ', '\t']);
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s.parse::<u64>().map_or(Number::Huge, Number::Int));
    }
    // `f64::from_str` also accepts `inf`, `infinity` and `nan`: only plain decimal notation gets that far.
    let plain = s.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !plain {
        return None;
    }
    let x: f64 = s.parse().ok()?;
    (x.is_finite() && x >= 0.0).then_some(Number::Float(x))
}

/// `amount` units of `unit` as a duration, capped to `cap` before any conversion.
fn duration_of(n: Number, unit: Duration, cap: Duration) -> Option<Duration> {
    match n {
        Number::Int(v) => {
            let whole = u32::try_from(v).ok().and_then(|v| unit.checked_mul(v));
            Some(whole.map_or(cap, |d| d.min(cap)))
        }
        Number::Huge => Some(cap),
        Number::Float(x) => {
            let secs = (x * unit.as_secs_f64()).min(cap.as_secs_f64());
            (secs.is_finite() && secs >= 0.0)
                .then(|| Duration::try_from_secs_f64(secs).ok())
                .flatten()
        }
    }
}

/// `retry-after-ms`: milliseconds.
pub(crate) fn retry_after_ms(raw: &[u8], cap: Duration) -> Option<Duration> {
    duration_of(number(raw)?, Duration::from_millis(1), cap)
}

/// `Retry-After`: delta-seconds, or an HTTP-date (a past date means now).
pub(crate) fn retry_after(raw: &[u8], now: SystemTime, cap: Duration) -> Option<Duration> {
    if let Some(n) = number(raw) {
        return duration_of(n, Duration::from_secs(1), cap);
    }
    let text = std::str::from_utf8(raw).ok()?.trim();
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(cap))
}

/// `X-RateLimit-Reset`: the Unix time the window resets, in seconds (the contract) or milliseconds (tolerated,
/// told apart by magnitude). Returns the wait from `now`; a past time means now.
pub(crate) fn rate_limit_reset(raw: &[u8], now: SystemTime, cap: Duration) -> Option<Duration> {
    let since_epoch = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let at = match number(raw)? {
        Number::Int(v) if v >= MILLIS_THRESHOLD => Duration::from_millis(v),
        Number::Int(v) => Duration::from_secs(v),
        Number::Huge => return Some(cap),
        Number::Float(x) => {
            let secs = if x >= MILLIS_THRESHOLD as f64 {
                x / 1000.0
            } else {
                x
            };
            // Anything further out than the cap is the cap; only then is the float converted.
            let limit = since_epoch.saturating_add(cap).as_secs_f64();
            Duration::try_from_secs_f64(secs.min(limit)).ok()?
        }
    };
    Some(at.saturating_sub(since_epoch).min(cap))
}

/// A count such as `X-RateLimit-Remaining`: whole and non-negative, else `None`.
pub(crate) fn count(raw: &HeaderValue) -> Option<u64> {
    match number(raw.as_bytes())? {
        Number::Int(v) => Some(v),
        Number::Huge => Some(u64::MAX),
        Number::Float(_) => None,
    }
}

/// The server's requested wait: `retry-after-ms`, then `Retry-After`, then `X-RateLimit-Reset`; the first header
/// that holds a usable value wins, and the result never exceeds `cap`.
pub(crate) fn server_wait(headers: &HeaderMap, now: SystemTime, cap: Duration) -> Option<Duration> {
    let get = |name: &str| headers.get(name).map(HeaderValue::as_bytes);
    get("retry-after-ms")
        .and_then(|v| retry_after_ms(v, cap))
        .or_else(|| get("retry-after").and_then(|v| retry_after(v, now, cap)))
        .or_else(|| get("x-ratelimit-reset").and_then(|v| rate_limit_reset(v, now, cap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: Duration = Duration::from_secs(60);
    const ABSURD: &[&str] = &[
        "inf",
        "-inf",
        "infinity",
        "NaN",
        "nan",
        "-5",
        "-0.5",
        "1e400",
        "1e30",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999999999",
        "",
        " ",
        "0x10",
        "1_000",
        "+5",
        "5 s",
        ".",
        "e5",
        "1e",
        "１２",
    ];

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    #[test]
    fn absurd_values_are_ignored_or_capped_never_a_panic() {
        for v in ABSURD {
            for d in [
                retry_after_ms(v.as_bytes(), CAP),
                retry_after(v.as_bytes(), now(), CAP),
                rate_limit_reset(v.as_bytes(), now(), CAP),
            ] {
                assert!(d.is_none_or(|d| d <= CAP), "{v:?} gave {d:?}");
            }
        }
        assert_eq!(retry_after_ms(b"inf", CAP), None);
        assert_eq!(retry_after(b"NaN", now(), CAP), None);
        assert_eq!(retry_after(b"-5", now(), CAP), None);
        assert_eq!(retry_after_ms(b"1e400", CAP), None);
        assert_eq!(retry_after(b"18446744073709551615", now(), CAP), Some(CAP));
        assert_eq!(retry_after(b"18446744073709551616", now(), CAP), Some(CAP));
        assert_eq!(retry_after_ms(b"1e30", CAP), Some(CAP));
        assert_eq!(retry_after(b"\xff\xfe", now(), CAP), None);
        assert_eq!(
            rate_limit_reset(b"18446744073709551615", now(), CAP),
            Some(CAP)
        );
    }

    #[test]
    fn plain_values_are_read_exactly() {
        assert_eq!(retry_after(b"3", now(), CAP), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after(b" 1.5 ", now(), CAP),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after(b"0", now(), CAP), Some(Duration::ZERO));
        assert_eq!(
            retry_after_ms(b"250", CAP),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after_ms(b"2.5e2", CAP),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after(b"3600", now(), CAP), Some(CAP));
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(5));
        assert_eq!(
            retry_after(date.as_bytes(), now(), CAP),
            Some(Duration::from_secs(5))
        );
        let past = httpdate::fmt_http_date(now() - Duration::from_secs(5));
        assert_eq!(
            retry_after(past.as_bytes(), now(), CAP),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn rate_limit_reset_accepts_unix_seconds_and_milliseconds() {
        let secs = 1_700_000_007u64;
        assert_eq!(
            rate_limit_reset(secs.to_string().as_bytes(), now(), CAP),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            rate_limit_reset((secs * 1000).to_string().as_bytes(), now(), CAP),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            rate_limit_reset(b"1700000007.5", now(), CAP),
            Some(Duration::from_millis(7500))
        );
        assert_eq!(
            rate_limit_reset(b"1700000000500.0", now(), CAP),
            Some(Duration::from_millis(500))
        );
        // In the past (or a small delta that reads as 1970): no wait.
        assert_eq!(rate_limit_reset(b"30", now(), CAP), Some(Duration::ZERO));
        assert_eq!(
            rate_limit_reset(b"99999999999", now(), CAP),
            Some(CAP),
            "the year 5138 in seconds is far away, not milliseconds"
        );
    }

    #[test]
    fn counts_are_whole_numbers() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(count(&v("42")), Some(42));
        assert_eq!(count(&v("-1")), None);
        assert_eq!(count(&v("1.5")), None);
        assert_eq!(count(&v("nan")), None);
        assert_eq!(count(&v("99999999999999999999")), Some(u64::MAX));
    }

    #[test]
    fn the_first_usable_header_wins() {
        let mut h = HeaderMap::new();
        h.insert("retry-after-ms", HeaderValue::from_static("inf"));
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(server_wait(&h, now(), CAP), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("100"));
        assert_eq!(
            server_wait(&h, now(), CAP),
            Some(Duration::from_millis(100))
        );
        assert_eq!(server_wait(&HeaderMap::new(), now(), CAP), None);
    }
}
