//! Tickets and helpdesk, WhatsApp, voice, health, raw API and the v1 chatbot surface.

use super::*;

#[test]
fn tickets_and_helpdesk() {
    let emu = Emu::start();
    let out = emu
        .cmd()
        .args([
            "tickets",
            "create",
            "--subject",
            "Cannot log in",
            "--description",
            "Reset link expired",
            "--customer-email",
            "ann@example.com",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let n = stdout_of(&out).trim().to_owned();
    assert!(
        n.parse::<u64>().is_ok(),
        "ticket number expected, got {n:?}"
    );
    emu.cmd()
        .args(["tickets", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Cannot log in"));
    emu.cmd()
        .args(["tickets", "get", &n, "--json"])
        .assert()
        .success();
    emu.cmd()
        .args(["tickets", "update", &n, "--priority", "high"])
        .assert()
        .success();
    emu.cmd()
        .args(["tickets", "reply", &n, "-m", "We sent a new link."])
        .assert()
        .success();
    emu.cmd()
        .args(["tickets", "messages", &n])
        .assert()
        .success()
        .stdout(predicate::str::contains("new link"));
    emu.cmd()
        .args(["tickets", "search", "log in"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "tickets",
            "list",
            "--sort-by",
            "created-at",
            "--order",
            "asc",
            "--include-total",
        ])
        .assert()
        .success();
    emu.cmd()
        .args(["helpdesk", "statuses"])
        .assert()
        .success()
        .stdout(predicate::str::contains("on_customer"));
    emu.cmd()
        .args(["helpdesk", "teams"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Support"));
}

#[test]
fn whatsapp_voice_health_and_api() {
    let emu = Emu::start();
    emu.cmd()
        .args(["whatsapp", "templates"])
        .assert()
        .success()
        .stdout(predicate::str::contains("order_update"));
    emu.cmd()
        .args(["voice", "start", "--json"])
        .assert()
        .success();
    emu.cmd()
        .args(["health"])
        .assert()
        .success()
        .stderr(predicate::str::contains("API is up"));
    // Health needs no key.
    emu.cmd()
        .env_remove("CHATBASE_API_KEY")
        .args(["health", "--json"])
        .assert()
        .success();
    emu.cmd()
        .args(["api", "GET", "/agents/demo-agent/sources/summary"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"texts\""));
    emu.cmd()
        .args([
            "api",
            "POST",
            "/agents/demo-agent/sources",
            "-f",
            "type=text",
            "-f",
            "name=via api",
            "-f",
            "content=hello there",
        ])
        .assert()
        .success();
    emu.cmd()
        .args(["api", "GET", "/api/v1/get-chatbots"])
        .assert()
        .success()
        .stdout(predicate::str::contains("demo-agent"));
    emu.cmd()
        .args(["api", "GET", "/agents/nope-agent"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error:"));
}

#[test]
fn v1_chatbots_chat_contacts_attributes() {
    let emu = Emu::start();
    emu.cmd()
        .args(["v1", "chatbots", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("demo-agent"));
    emu.cmd()
        .args([
            "v1",
            "chat",
            "--chatbot",
            "demo-agent",
            "-m",
            "How do I reset my password?",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("assword"));
    emu.cmd()
        .args(["v1", "conversations", "list", "--chatbot", "demo-agent"])
        .assert()
        .success();
    emu.cmd()
        .args(["v1", "leads", "list", "--chatbot", "demo-agent"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "v1",
            "attributes",
            "create",
            "--chatbot",
            "demo-agent",
            "--name",
            "plan",
            "--type",
            "text",
            "--label",
            "Plan",
        ])
        .assert()
        .success();
    emu.cmd()
        .args(["v1", "attributes", "list", "--chatbot", "demo-agent"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "v1",
            "contacts",
            "create",
            "--chatbot",
            "demo-agent",
            "--data",
            r#"[{"external_id":"c-1","name":"Ann","email":"ann@example.com"}]"#,
        ])
        .assert()
        .success();
    let list = emu
        .cmd()
        .args([
            "v1",
            "contacts",
            "list",
            "--chatbot",
            "demo-agent",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", stderr_of(&list));
    let v = json_of(&list);
    let id = v["data"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_owned();
    emu.cmd()
        .args(["v1", "contacts", "get", &id, "--chatbot", "demo-agent"])
        .assert()
        .success();
    emu.cmd()
        .args([
            "v1",
            "contacts",
            "update",
            &id,
            "--chatbot",
            "demo-agent",
            "-f",
            "name=Ann B",
        ])
        .assert()
        .success();
    emu.cmd()
        .args([
            "v1",
            "contacts",
            "delete",
            &id,
            "--chatbot",
            "demo-agent",
            "--yes",
        ])
        .assert()
        .success();
    let created = emu
        .cmd()
        .args([
            "v1",
            "chatbots",
            "create",
            "--name",
            "Legacy",
            "--source-text",
            "Legacy bot knowledge.",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", stderr_of(&created));
}

#[test]
fn tickets_reply_offers_only_what_the_contract_accepts() {
    // createTicketMessage takes `type: reply` only, so there is no --note to offer.
    let emu = Emu::start();
    emu.cmd()
        .args(["tickets", "reply", "1", "-m", "hi", "--note"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--note"));
}
