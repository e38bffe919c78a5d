//! Everything read from the user besides flags: `@file`/`@-` values, request bodies built from `--data` and
//! `-f/-F` fields, and confirmation prompts for destructive commands. No network.

use crate::args::{BodyArgs, ConfirmArgs};
use crate::error::{CliError, Result};
use serde_json::{Map, Value};
use std::io::{IsTerminal, Read, Write};

/// `@-` reads stdin, `@path` reads a file, anything else is the value itself. Content is kept byte-exact
/// (no trimming) so `@file` and `@-` agree.
pub fn read_value(arg: &str) -> Result<String> {
    if arg == "@-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        return Ok(text);
    }
    if let Some(path) = arg.strip_prefix('@') {
        return std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("cannot read {path}: {e}")));
    }
    Ok(arg.to_owned())
}

/// Parses `--data` (JSON, @file, @-) into an object, then applies `-f key=value` (strings) and `-F key=value`
/// (typed) on top, so fields override keys of --data. Dots in keys nest objects.
pub fn build_body(body: &BodyArgs, mut base: Map<String, Value>) -> Result<Map<String, Value>> {
    if let Some(data) = &body.data {
        let text = read_value(data)?;
        let parsed: Value = serde_json::from_str(&text)
            .map_err(|e| CliError::usage(format!("--data is not valid JSON: {e}")))?;
        match parsed {
            Value::Object(map) => {
                for (k, v) in map {
                    base.insert(k, v);
                }
            }
            _ => return Err(CliError::usage("--data must be a JSON object")),
        }
    }
    for field in &body.fields {
        let (k, v) = split_field(field)?;
        set_path(&mut base, k, Value::String(v.to_owned()))?;
    }
    for field in &body.typed_fields {
        let (k, v) = split_field(field)?;
        set_path(&mut base, k, typed_value(v))?;
    }
    Ok(base)
}

/// Like [`build_body`] for endpoints whose body may be any JSON value (v1 contacts take an array).
pub fn body_value(body: &BodyArgs) -> Result<Value> {
    if body.fields.is_empty()
        && body.typed_fields.is_empty()
        && let Some(data) = &body.data
    {
        let text = read_value(data)?;
        return serde_json::from_str(&text)
            .map_err(|e| CliError::usage(format!("--data is not valid JSON: {e}")));
    }
    Ok(Value::Object(build_body(body, Map::new())?))
}

fn split_field(field: &str) -> Result<(&str, &str)> {
    field
        .split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| CliError::usage(format!("field {field:?} must look like key=value")))
}

/// `-F` values: true/false/null, numbers, JSON arrays/objects, `@file`; anything else stays a string.
pub fn typed_value(v: &str) -> Value {
    if let Some(path) = v.strip_prefix('@')
        && let Ok(text) = std::fs::read_to_string(path)
    {
        return Value::String(text);
    }
    serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_owned()))
}

fn set_path(map: &mut Map<String, Value>, key: &str, value: Value) -> Result<()> {
    let mut parts = key.split('.').peekable();
    let mut cur = map;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(part.to_owned(), value);
            return Ok(());
        }
        let entry = cur
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        cur = entry
            .as_object_mut()
            .ok_or_else(|| CliError::usage(format!("field {key:?}: {part} is not an object")))?;
    }
    Ok(())
}

/// Inserts `value` under `key` when it is set.
pub fn put<T: serde::Serialize>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value
        && let Ok(v) = serde_json::to_value(v)
    {
        map.insert(key.to_owned(), v);
    }
}

/// How strongly a deletion must be confirmed on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// y/N.
    Normal,
    /// The ID must be typed back (whole agents).
    Severe,
}

/// Destructive commands: `--yes`, or `--confirm ID` matching, or a prompt on a terminal; otherwise a usage error.
pub fn confirm(
    what: &str,
    id: &str,
    args: &ConfirmArgs,
    no_input: bool,
    severity: Severity,
) -> Result<()> {
    if args.yes {
        return Ok(());
    }
    if let Some(given) = &args.confirm {
        return if given == id {
            Ok(())
        } else {
            Err(CliError::usage(format!(
                "--confirm {given} does not match the ID being deleted ({id})"
            )))
        };
    }
    let interactive =
        !no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        return Err(CliError::usage(format!(
            "refusing to delete {what} {id} without confirmation"
        ))
        .with_hint(format!("pass --yes, or --confirm {id}")));
    }
    let prompt = match severity {
        Severity::Normal => format!("Delete {what} {id}? [y/N] "),
        Severity::Severe => {
            format!("Delete {what} {id}? This cannot be undone. Type its ID to confirm: ")
        }
    };
    let answer = prompt_line(&prompt)?;
    let ok = match severity {
        Severity::Normal => matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"),
        Severity::Severe => answer.trim() == id,
    };
    if ok {
        Ok(())
    } else {
        Err(CliError::usage("cancelled"))
    }
}

/// Asks a yes/no question on the terminal (false when not interactive).
pub fn ask_yes_no(question: &str, no_input: bool) -> Result<bool> {
    let interactive =
        !no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        return Ok(false);
    }
    let answer = prompt_line(&format!("{question} [y/N] "))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn prompt_line(prompt: &str) -> Result<String> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_override_data_and_nest_on_dots() {
        let body = BodyArgs {
            data: Some(r#"{"name":"a","styles":{"theme":"dark"}}"#.into()),
            fields: vec!["name=b".into(), "styles.buttonColor=#fff".into()],
            typed_fields: vec![
                "temp=0.5".into(),
                "enabled=true".into(),
                "tags=[1,2]".into(),
                "word=plain".into(),
            ],
        };
        let v = Value::Object(build_body(&body, Map::new()).unwrap());
        assert_eq!(
            v,
            json!({"name":"b","styles":{"theme":"dark","buttonColor":"#fff"},"temp":0.5,"enabled":true,"tags":[1,2],"word":"plain"})
        );
    }

    #[test]
    fn bad_fields_and_bodies_are_usage_errors() {
        let body = BodyArgs {
            fields: vec!["novalue".into()],
            ..Default::default()
        };
        assert_eq!(
            build_body(&body, Map::new()).unwrap_err().kind,
            crate::error::ExitKind::Usage
        );
        let body = BodyArgs {
            data: Some("[1]".into()),
            ..Default::default()
        };
        assert!(build_body(&body, Map::new()).is_err());
        let body = BodyArgs {
            data: Some("{".into()),
            ..Default::default()
        };
        assert!(build_body(&body, Map::new()).is_err());
    }

    #[test]
    fn file_values_are_read_verbatim() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        std::fs::write(&p, "  spaced\n").unwrap();
        assert_eq!(
            read_value(&format!("@{}", p.display())).unwrap(),
            "  spaced\n"
        );
        assert_eq!(read_value("literal").unwrap(), "literal");
    }

    #[test]
    fn confirmation_needs_yes_or_matching_id_without_a_terminal() {
        let args = ConfirmArgs {
            yes: false,
            confirm: Some("abc".into()),
        };
        assert!(confirm("agent", "abc", &args, true, Severity::Severe).is_ok());
        assert!(confirm("agent", "xyz", &args, true, Severity::Severe).is_err());
        let args = ConfirmArgs {
            yes: true,
            confirm: None,
        };
        assert!(confirm("agent", "abc", &args, true, Severity::Severe).is_ok());
        let e = confirm(
            "source",
            "s1",
            &ConfirmArgs::default(),
            true,
            Severity::Normal,
        )
        .unwrap_err();
        assert_eq!(e.kind, crate::error::ExitKind::Usage);
    }
}
