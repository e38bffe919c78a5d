//! The real `chatbase` binary against an in-process emulator, one test per command group.

#[path = "../common/mod.rs"]
mod common;

use common::{Emu, KEY, stderr_of, stdout_of};
use predicates::prelude::*;
use serde_json::Value;

mod agents_sources;
mod chat_conversations;
mod emulator_state;
mod resources;

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout_of(out)))
}
