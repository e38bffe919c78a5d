//! Fixed examples from the contract: partial updates, rate limits, auth and JSON errors.

use super::*;

/// The partial updates of issue 12 item 1, as fixed examples: the read model stays whole.
#[tokio::test]
async fn partial_nested_updates_merge_into_defaults() {
    let spec = spec("chatbase-v2.yaml", "v2");
    let ops = spec.ops();
    let get = ops.iter().find(|o| o.id == "getAgent").expect("getAgent");
    let env = fresh().await;
    let mut failures = Vec::new();
    for body in [
        json!({"notificationsSettings": {}}),
        json!({"notificationsSettings": {"dailyConversations": {"active": true, "emails": ["a@example.com"]}}}),
        json!({"voiceSettings": {"voice": {"voiceName": "Sarah"}}}),
        json!({"voiceSettings": {"voice": {"voiceName": "Laura", "speed": 1.1}}}),
        json!({"ipRateLimits": {"limit": 12.0, "zz": 1}}),
        json!({"voiceSettings": {"recordings": {"enabled": true, "retentionDays": 30.0}}}),
    ] {
        let a = env
            .raw("PUT", "/api/v2/agents/demo-agent", Some(&body))
            .await;
        if a.status != 200 {
            failures.push(format!("{body} refused: {} {}", a.status, a.text));
        }
        let g = env.raw("GET", "/api/v2/agents/demo-agent", None).await;
        for p in check_answer(&spec, get, &g) {
            failures.push(format!("after {body}: {p}"));
        }
        if g.text.contains("\"zz\"") {
            failures.push(format!("unknown nested key echoed after {body}"));
        }
    }
    report(failures);
}

/// Issue 12 items 2–7 and 10, 12 as fixed examples next to the generated cases.
#[tokio::test]
async fn examples_from_the_contract() {
    let env = fresh().await;
    let mut failures = Vec::new();
    fn expect_in(failures: &mut Vec<String>, what: &str, a: &Answer, ok: &[u16]) {
        if !ok.contains(&a.status) {
            failures.push(format!(
                "{what}: expected {ok:?}, got {} {}",
                a.status, a.text
            ));
        }
    }
    macro_rules! expect {
        ($what:expr, $a:expr, $ok:expr) => {
            expect_in(&mut failures, &$what, $a, $ok)
        };
    }
    let a = env
        .raw(
            "POST",
            "/api/v2/agents/demo-agent/helpdesk/tickets/search",
            Some(&json!({"query": "refund", "limit": 12.0})),
        )
        .await;
    expect!("searchTickets limit 12.0", &a, &[200]);
    let a = env
        .raw(
            "POST",
            "/api/v1/update-chatbot-settings",
            Some(&json!({"chatbotId": "demo-agent", "ipLimit": 12.0})),
        )
        .await;
    expect!("v1 ipLimit 12.0", &a, &[200, 202]);
    // The contract caps ticket numbers at 2^31 - 1: larger ones are a declared 400.
    let spec2 = spec("chatbase-v2.yaml", "v2");
    let ops2 = spec2.ops();
    for n in ["2147483647", "2147483648", "9007199254740993"] {
        for (id, method, suffix, body) in [
            ("getTicket", "GET", "", None),
            ("listTicketMessages", "GET", "/messages", None),
            (
                "updateTicket",
                "PATCH",
                "",
                Some(json!({"priority": "high"})),
            ),
        ] {
            let op = ops2.iter().find(|o| o.id == id).expect("ticket operation");
            let a = env
                .raw(
                    method,
                    &format!("/api/v2/agents/demo-agent/helpdesk/tickets/{n}{suffix}"),
                    body.as_ref(),
                )
                .await;
            expect!(format!("{id} {n}"), &a, &[400, 404]);
            for p in check_answer(&spec2, op, &a) {
                failures.push(format!("{id} {n}: {p}"));
            }
        }
    }
    let a = env
        .raw(
            "POST",
            "/api/v1/update-chatbot-settings",
            Some(&json!({"chatbotId": "demo-agent", "model": "gemini-2.5-flash"})),
        )
        .await;
    expect!("v1 model gemini-2.5-flash", &a, &[200, 202]);
    for (path, method, body) in [
        (
            "/api/v2/agents/demo-agent",
            "PUT",
            json!({"name": "Renamed", "zzUnknown": true}),
        ),
        (
            "/api/v2/agents/demo-agent/styles",
            "PUT",
            json!({"styles": {}, "zzUnknown": true}),
        ),
        (
            "/api/v2/agents",
            "POST",
            json!({"name": "New", "zzUnknown": true}),
        ),
    ] {
        let a = env.raw(method, path, Some(&body)).await;
        expect!(
            format!("unknown top-level key on {method} {path}"),
            &a,
            &[200, 201]
        );
    }
    let a = env
        .raw(
            "PUT",
            "/api/v2/agents/demo-agent/styles",
            Some(&json!({"styles": {"centerStage": {"notificationMessage": {"enabled": true}}}})),
        )
        .await;
    expect!("notificationMessage without text", &a, &[400]);
    if !a
        .text
        .contains("styles.centerStage.notificationMessage.text")
    {
        failures.push(format!(
            "notificationMessage without text: details should name the field: {}",
            a.text
        ));
    }
    let a = env.raw("PUT", "/api/v2/agents/demo-agent", None).await;
    expect!("updateAgent without body", &a, &[400]);
    let a = env
        .raw("POST", "/api/v2/agents/demo-agent/voice/sessions", None)
        .await;
    expect!("createVoiceSession without body", &a, &[400]);
    let a = env.raw("GET", "/api/cli-pairing/me", None).await;
    expect!("GET /api/cli-pairing/me", &a, &[200]);
    if a.status == 200 {
        let v: Value = serde_json::from_str(&a.text).unwrap_or_default();
        for ptr in [
            "/workspace/id",
            "/workspace/name",
            "/plan",
            "/credential/source",
            "/credential/permissions",
        ] {
            if v.pointer(ptr).is_none() {
                failures.push(format!("cli-pairing/me lacks {ptr}: {}", a.text));
            }
        }
        if v.pointer("/credential/expiresAt").is_none() {
            failures.push(format!(
                "cli-pairing/me lacks credential.expiresAt: {}",
                a.text
            ));
        }
    }
    // Item 10: the upload rules; item 12: originalSize beside the extracted size.
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().text("name", name).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        env.http
            .post(format!(
                "{}/api/v2/agents/demo-agent/sources",
                env.emu.base_url()
            ))
            .bearer_auth(KEY)
            .multipart(form)
    };
    let big = b"Return policy: items can be returned within thirty days of delivery.\n".repeat(3);
    for (name, bytes, want) in [
        ("tiny.txt", b"hello".to_vec(), 400u16),
        ("notes.md", big.clone(), 400),
        (
            "data.json",
            br#"{"faq": "Returns are accepted within thirty days of delivery."}"#.to_vec(),
            201,
        ),
        ("policy.txt", big.clone(), 201),
    ] {
        let r = upload(name, bytes.clone())
            .send()
            .await
            .expect("upload answers");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        if status != want {
            failures.push(format!(
                "upload {name} ({} bytes): expected {want}, got {status} {text}",
                bytes.len()
            ));
            continue;
        }
        if status == 201 {
            let v: Value = serde_json::from_str(&text).unwrap_or_default();
            if v.pointer("/metadata/originalSize").and_then(Value::as_u64)
                != Some(bytes.len() as u64)
            {
                failures.push(format!(
                    "upload {name}: metadata.originalSize should be {}: {text}",
                    bytes.len()
                ));
            }
        }
    }
    report(failures);
}

/// Rate limits: a burst runs out, the headers follow the contract (reset in Unix seconds),
/// and a client that waits as told finds a fresh budget.
#[tokio::test]
async fn rate_limit_burst_wait_fresh_budget() {
    let limit = RateLimit {
        requests: 5,
        window: Duration::from_secs(1),
    };
    let env = Env::new(builder().rate_limit(Some(limit))).await;
    // Let the seeding's requests age out of the window first.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mut failures = Vec::new();
    let mut last = None;
    for _ in 0..limit.requests + 1 {
        last = Some(env.raw("GET", "/api/v2/agents", None).await);
    }
    let a = last.expect("burst ran");
    if a.status != 429 {
        failures.push(format!("burst past the limit answered {}", a.status));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let header = |n: &str| {
        a.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
    };
    let reset = header("x-ratelimit-reset");
    let retry = header("retry-after");
    match reset {
        Some(r) if r >= now && r <= now + 2 => {}
        other => failures.push(format!(
            "X-RateLimit-Reset must be Unix seconds within the window, got {other:?} (now {now})"
        )),
    }
    let wait = match (retry, reset) {
        (Some(s), _) => Duration::from_secs(s),
        (None, Some(r)) => Duration::from_secs(r.saturating_sub(now) + 1),
        _ => {
            failures.push("429 without Retry-After or X-RateLimit-Reset".into());
            Duration::from_secs(2)
        }
    };
    tokio::time::sleep(wait).await;
    let mut ok = 0;
    for _ in 0..limit.requests {
        let a = env.raw("GET", "/api/v2/agents", None).await;
        if a.status == 200 {
            ok += 1;
        }
        if a.headers.get("x-ratelimit-limit").is_none() {
            failures.push("answer without X-RateLimit-Limit".into());
        }
    }
    if ok != limit.requests {
        failures.push(format!(
            "after waiting as told only {ok} of {} requests succeeded",
            limit.requests
        ));
    }
    let unlimited = fresh().await;
    let a = unlimited.raw("GET", "/api/v2/agents", None).await;
    if a.headers.get("x-ratelimit-limit").is_some() {
        failures.push(
            "rate limiting is off but X-RateLimit-Limit is sent (README: omitted when off)".into(),
        );
    }
    report(failures);
}

/// Requests with a wrong key or broken JSON get the declared status and code.
#[tokio::test]
async fn auth_and_json_errors_are_declared() {
    let spec = spec("chatbase-v2.yaml", "v2");
    let env = fresh().await;
    let mut failures = Vec::new();
    for op in spec
        .ops()
        .into_iter()
        .filter(|o| !o.multipart && o.id != "getHealth")
    {
        let params = op
            .params
            .iter()
            .filter(|p| p.location == "path")
            .map(|p| {
                (
                    p.name.clone(),
                    json!(env.ids.get(p.name.as_str()).cloned().unwrap_or_default()),
                )
            })
            .collect();
        let path = build_path(&op, &params);
        let m = reqwest::Method::from_bytes(op.method.as_bytes()).expect("method");
        let r = env
            .http
            .request(m.clone(), format!("{}{path}", env.emu.base_url()))
            .bearer_auth("wrong-key")
            .send()
            .await
            .expect("answers");
        let a = Answer {
            status: r.status().as_u16(),
            content_type: "application/json".into(),
            headers: r.headers().clone(),
            text: r.text().await.unwrap_or_default(),
        };
        failures.extend(
            check_answer(&spec, &op, &a)
                .into_iter()
                .map(|p| format!("{} wrong key: {p}", op.id)),
        );
        if op.body.is_some() {
            let r = env
                .http
                .request(m, format!("{}{path}", env.emu.base_url()))
                .bearer_auth(KEY)
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .expect("answers");
            let a = Answer {
                status: r.status().as_u16(),
                content_type: "application/json".into(),
                headers: r.headers().clone(),
                text: r.text().await.unwrap_or_default(),
            };
            failures.extend(
                check_answer(&spec, &op, &a)
                    .into_iter()
                    .map(|p| format!("{} broken JSON: {p}", op.id)),
            );
        }
    }
    report(failures);
}
