//! v2 resources end to end: agents, sources (JSON and multipart), conversations, messages,
//! feedback, export, helpdesk, WhatsApp and voice. Bodies are checked against the spec.

#[path = "../common/mod.rs"]
mod common;

use common::start;
use serde_json::{Value, json};

mod agents_sources;
mod conversations_helpdesk;

fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}
