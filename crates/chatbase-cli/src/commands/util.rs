//! Shared plumbing for API commands: printing SDK results (objects, created IDs, paginated lists streamed page by
//! page), turning flag-built JSON into typed request bodies, and parsing enum-like flag values.
//!
//! Everything printed here is the server's own JSON text ([`chatbase::Raw`], raw pages): `--format json`/`ndjson`
//! write it re-laid out but never re-encoded (unknown fields, explicit nulls, integer lexemes and key order kept).
//! The printers take [`ServerJson`], which only raw server answers implement, so a command cannot print a
//! re-encoded typed value by mistake.

use crate::args::ListArgs;
use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::output::Column;
use chatbase::{Call, Paginated};
use futures::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::io::Write;

/// A server answer in the form it arrived: what every printer here takes.
pub trait ServerJson {
    /// The server's JSON text.
    fn server_json(&self) -> &RawValue;
}

impl<T> ServerJson for chatbase::Raw<T> {
    fn server_json(&self) -> &RawValue {
        self.json()
    }
}

impl ServerJson for RawValue {
    fn server_json(&self) -> &RawValue {
        self
    }
}

impl ServerJson for Box<RawValue> {
    fn server_json(&self) -> &RawValue {
        self
    }
}

/// The answer as a `Value`, for tables, tsv and looking up fields.
pub fn value_of(v: &(impl ServerJson + ?Sized)) -> Result<Value> {
    serde_json::from_str(v.server_json().get())
        .map_err(|e| CliError::runtime(format!("cannot read the response: {e}")))
}

pub fn to_json<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v)
        .map_err(|e| CliError::runtime(format!("cannot encode the response: {e}")))
}

/// Flag-built JSON into the SDK's typed body; a mismatch is the user's input, so a usage error.
pub fn body<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(map))
        .map_err(|e| CliError::usage(format!("invalid request body: {e}")))
}

/// A flag value into a server-defined enum or newtype (via its serde form).
pub fn parse_as<T: DeserializeOwned>(flag: &str, value: &str) -> Result<T> {
    serde_json::from_value(Value::String(value.to_owned()))
        .map_err(|_| CliError::usage(format!("invalid value {value:?} for {flag}")))
}

/// Objects wrapped as `{"data": {...}}` are shown unwrapped in tables and tsv; json keeps the API's shape.
fn display_view(v: &Value) -> &Value {
    match v.as_object() {
        Some(map) if map.len() == 1 && map.get("data").is_some_and(Value::is_object) => {
            &map["data"]
        }
        _ => v,
    }
}

/// Prints one API result: json/ndjson as the server sent it, tables and tsv unwrapped from `{"data": …}`.
pub fn print_object(ctx: &Ctx, value: &(impl ServerJson + ?Sized)) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    if ctx.out.is_machine() {
        ctx.out.object_raw(&mut stdout, value.server_json())?;
        return Ok(());
    }
    let v = value_of(value)?;
    ctx.out.object(&mut stdout, display_view(&v))?;
    Ok(())
}

/// Finds the new resource's identifier in a create response.
pub fn created_id(v: &Value) -> Option<String> {
    let v = display_view(v);
    for key in [
        "id",
        "ticketNumber",
        "agentId",
        "chatbotId",
        "sourceId",
        "messageId",
        "name",
    ] {
        match v.get(key) {
            Some(Value::String(s)) => return Some(s.clone()),
            Some(Value::Number(n)) => return Some(n.to_string()),
            _ => {}
        }
    }
    None
}

/// Creates print the new object; with -q only its ID, so `ID=$(chatbase … create -q)` works.
pub fn print_created(ctx: &Ctx, what: &str, value: &(impl ServerJson + ?Sized)) -> Result<()> {
    let v = value_of(value)?;
    let id = created_id(&v);
    if ctx.out.quiet
        && !ctx.out.is_machine()
        && let Some(id) = &id
    {
        writeln!(std::io::stdout(), "{}", crate::sanitize::sanitize(id))?;
        return Ok(());
    }
    print_object(ctx, value)?;
    if let Some(id) = id {
        ctx.out
            .success(format!("Created {what} {}", crate::sanitize::sanitize(&id)));
    }
    Ok(())
}

/// Mutations without an interesting body: json prints the response, people get a one-line confirmation.
pub fn print_done(
    ctx: &Ctx,
    value: &(impl ServerJson + ?Sized),
    message: impl AsRef<str>,
) -> Result<()> {
    if ctx.out.is_machine() {
        print_object(ctx, value)?;
    } else if ctx.out.quiet {
        // Data only: nothing to print for a confirmation.
    } else {
        ctx.out.success(message);
    }
    Ok(())
}

/// Prints an array found at `data` (or the value itself when it is an array) as a list.
pub fn print_data_list(
    ctx: &Ctx,
    value: &(impl ServerJson + ?Sized),
    columns: &[Column],
) -> Result<()> {
    if ctx.out.format == crate::output::Format::Json {
        let mut stdout = std::io::stdout().lock();
        ctx.out.object_raw(&mut stdout, value.server_json())?;
        return Ok(());
    }
    if ctx.out.format == crate::output::Format::Ndjson {
        return print_raw_items(ctx, value.server_json(), columns);
    }
    let v = value_of(value)?;
    let items = match &v {
        Value::Array(items) => items.clone(),
        Value::Object(map) => match map.get("data") {
            Some(Value::Array(items)) => items.clone(),
            // Some list answers name their array (`templates`, `chatbots`): take the one whose items have the
            // first column, else the first array.
            _ => match map
                .values()
                .find(|x| {
                    x.as_array().and_then(|a| a.first()).is_some_and(|i| {
                        columns
                            .first()
                            .is_some_and(|c| !crate::output::lookup(i, c.path).is_null())
                    })
                })
                .or_else(|| map.values().find(|x| x.is_array()))
            {
                Some(Value::Array(items)) => items.clone(),
                _ => vec![v.clone()],
            },
        },
        other => vec![other.clone()],
    };
    let mut stdout = std::io::stdout().lock();
    let mut list = ctx.out.list(columns, true);
    list.page(&mut stdout, &items)?;
    list.finish(&mut stdout, None)?;
    Ok(())
}

/// ndjson for a list answer: one line per element of its array (found as `print_data_list` finds it), each the
/// server's own text.
fn print_raw_items(ctx: &Ctx, raw: &RawValue, columns: &[Column]) -> Result<()> {
    let v: Value = value_of(raw)?;
    let items: Vec<Box<RawValue>> = if v.is_array() {
        serde_json::from_str(raw.get())
            .map_err(|e| CliError::runtime(format!("cannot read the response: {e}")))?
    } else {
        let fields: std::collections::HashMap<String, Box<RawValue>> =
            serde_json::from_str(raw.get())
                .map_err(|e| CliError::runtime(format!("cannot read the response: {e}")))?;
        let key = match v.get("data") {
            Some(Value::Array(_)) => Some("data".to_owned()),
            _ => v.as_object().and_then(|map| {
                map.iter()
                    .find(|(_, x)| {
                        x.as_array().and_then(|a| a.first()).is_some_and(|i| {
                            columns
                                .first()
                                .is_some_and(|c| !crate::output::lookup(i, c.path).is_null())
                        })
                    })
                    .or_else(|| map.iter().find(|(_, x)| x.is_array()))
                    .map(|(k, _)| k.clone())
            }),
        };
        match key.and_then(|k| fields.get(&k)) {
            Some(list) => serde_json::from_str(list.get())
                .map_err(|e| CliError::runtime(format!("cannot read the response: {e}")))?,
            None => vec![
                RawValue::from_string(raw.get().to_owned())
                    .map_err(|e| CliError::runtime(format!("cannot read the response: {e}")))?,
            ],
        }
    };
    let mut stdout = std::io::stdout().lock();
    let mut list = ctx.out.list(columns, true);
    list.page_raw(&mut stdout, &items)?;
    list.finish(&mut stdout, None)?;
    Ok(())
}

/// Runs a paginated call: one page (honouring --cursor/--limit, with a hint for the next cursor) or, with
/// `--all`, every page streamed to stdout as it arrives, so memory stays flat whatever the total.
pub async fn print_list<'c, B>(
    ctx: &Ctx,
    call: Call<'c, B>,
    args: &ListArgs,
    columns: &[Column],
) -> Result<()>
where
    B: Paginated + 'c,
    B::Item: 'c,
{
    let mut stdout = std::io::stdout();
    if !args.all {
        if ctx.out.format == crate::output::Format::Json {
            // One page in json is the server's answer itself, pagination and all.
            let page = call.send_raw().await?;
            ctx.out.object_raw(&mut stdout, page.json())?;
            return Ok(());
        }
        let page = call.first_raw_page().await?;
        let mut list = ctx.out.list(columns, false);
        list.page_raw(&mut stdout, page.items())?;
        let more = page.has_more().unwrap_or(page.next_cursor().is_some());
        list.finish(&mut stdout, page.next_cursor().filter(|_| more))?;
        return Ok(());
    }
    let call = match args.max_items {
        Some(n) => call.max_items(usize::try_from(n).unwrap_or(usize::MAX)),
        None => call,
    };
    let mut list = ctx.out.list(columns, true);
    let mut pages = call.raw_pages();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => list.page_raw(&mut stdout, page.items())?,
            Err(e) => {
                // Close what was printed (a json array stays valid), then say the listing is incomplete.
                let count = list.count();
                list.finish(&mut stdout, None)?;
                ctx.out.warn(format!(
                    "the listing is incomplete: it stopped after {count} items ({e})"
                ));
                return Err(e.into());
            }
        }
    }
    list.finish(&mut stdout, None)?;
    Ok(())
}

/// The `--limit` flag as the SDK's page size.
pub fn limit(args: &ListArgs) -> Option<u64> {
    args.limit.map(u64::from)
}
