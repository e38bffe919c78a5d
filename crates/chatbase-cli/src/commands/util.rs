//! Shared plumbing for API commands: printing SDK results (objects, created IDs, paginated lists streamed page by
//! page), turning flag-built JSON into typed request bodies, and parsing enum-like flag values.

use crate::cli::ListArgs;
use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::output::Column;
use chatbase::{Call, Paginated};
use futures::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::io::Write;

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

/// Prints one API result.
pub fn print_object<T: Serialize>(ctx: &Ctx, value: &T) -> Result<()> {
    let v = to_json(value)?;
    let mut stdout = std::io::stdout().lock();
    let shown = if ctx.out.is_machine() {
        &v
    } else {
        display_view(&v)
    };
    ctx.out.object(&mut stdout, shown)?;
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
pub fn print_created<T: Serialize>(ctx: &Ctx, what: &str, value: &T) -> Result<()> {
    let v = to_json(value)?;
    let id = created_id(&v);
    if ctx.out.quiet
        && !ctx.out.is_machine()
        && let Some(id) = &id
    {
        writeln!(std::io::stdout(), "{}", crate::sanitize::sanitize(id))?;
        return Ok(());
    }
    print_object(ctx, &v)?;
    if let Some(id) = id {
        ctx.out
            .success(format!("Created {what} {}", crate::sanitize::sanitize(&id)));
    }
    Ok(())
}

/// Mutations without an interesting body: json prints the response, people get a one-line confirmation.
pub fn print_done<T: Serialize>(ctx: &Ctx, value: &T, message: impl AsRef<str>) -> Result<()> {
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
pub fn print_data_list<T: Serialize>(ctx: &Ctx, value: &T, columns: &[Column]) -> Result<()> {
    let v = to_json(value)?;
    if ctx.out.is_machine() && ctx.out.format == crate::cli::Format::Json {
        let mut stdout = std::io::stdout().lock();
        ctx.out.object(&mut stdout, &v)?;
        return Ok(());
    }
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
    B::Item: Serialize + 'c,
{
    let mut stdout = std::io::stdout();
    if !args.all {
        let page = call.first_page().await?;
        let items: Vec<Value> = page.items().iter().map(to_json).collect::<Result<_>>()?;
        if ctx.out.format == crate::cli::Format::Json {
            let envelope = serde_json::json!({
                "data": items,
                "pagination": {
                    "cursor": page.next_cursor(),
                    "hasMore": page.has_more(),
                    "total": page.total(),
                }
            });
            ctx.out.object(&mut stdout, &envelope)?;
            return Ok(());
        }
        let mut list = ctx.out.list(columns, false);
        list.page(&mut stdout, &items)?;
        let more = page.has_more().unwrap_or(page.next_cursor().is_some());
        list.finish(&mut stdout, page.next_cursor().filter(|_| more))?;
        return Ok(());
    }
    let call = match args.max_items {
        Some(n) => call.max_items(usize::try_from(n).unwrap_or(usize::MAX)),
        None => call,
    };
    let mut list = ctx.out.list(columns, true);
    let mut pages = std::pin::pin!(call.pages());
    while let Some(page) = pages.next().await {
        let page = page?;
        let items: Vec<Value> = page.items().iter().map(to_json).collect::<Result<_>>()?;
        list.page(&mut stdout, &items)?;
    }
    list.finish(&mut stdout, None)?;
    Ok(())
}

/// The `--limit` flag as the SDK's page size.
pub fn limit(args: &ListArgs) -> Option<u64> {
    args.limit.map(u64::from)
}
