//! Printing results: table (fitted to the terminal), json, ndjson and tsv, for single objects and for lists that
//! arrive page by page (`--all` streams rows as they come, never holding every page). Notes and hints go to
//! stderr. json and ndjson print the server's own JSON text ([`RawValue`]), re-laid out by [`relayout`] without
//! touching a single scalar; tables and tsv render `serde_json::Value`s. It never decides what to fetch.

mod list;
mod values;

pub use list::ListWriter;
pub use values::{iso_time, lookup, parse_raw, plain, pretty, relayout, tsv_escape};

use crate::sanitize::sanitize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::io::{IsTerminal, Write};
use values::looks_like_time_key;

/// How results are printed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Aligned columns fitted to the terminal (default on a terminal).
    Table,
    /// The API's own JSON shape, pretty-printed.
    Json,
    /// One JSON object per line; lists stream item by item.
    Ndjson,
    /// Tab-separated with a header row, tabs and newlines escaped (default when piped).
    Tsv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Tsv => "tsv",
        }
    }
}

/// How a cell is shown in a table (tsv and json always keep the raw value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Epoch seconds (or an ISO string) shown as an ISO timestamp in tables.
    Time,
}

/// One column: a header for tables, a dotted JSON path into each item (also the tsv header).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub path: &'static str,
    pub kind: Kind,
}

impl Column {
    /// An identifier column (`ID`, `… ID`, or a path ending in `id`/`Id`/`_id`): tables never wrap or cut it, since
    /// a wrapped UUID cannot be copied and a cut one is useless.
    pub fn is_id(&self) -> bool {
        self.header == "ID"
            || self.header.ends_with(" ID")
            || self.path == "id"
            || self.path.ends_with("Id")
            || self.path.ends_with("_id")
    }
}

pub const fn col(header: &'static str, path: &'static str) -> Column {
    Column {
        header,
        path,
        kind: Kind::Text,
    }
}

pub const fn time(header: &'static str, path: &'static str) -> Column {
    Column {
        header,
        path,
        kind: Kind::Time,
    }
}

/// Whether to colour a stream: `FORCE_COLOR` (non-empty and not `0`) > `--no-color` > `NO_COLOR` > `TERM=dumb` >
/// whether the stream is a terminal, as the official CLI and the wider ecosystem decide it.
pub fn color_wanted(no_color_flag: bool, tty: bool, env: &dyn Fn(&str) -> Option<String>) -> bool {
    if env("FORCE_COLOR").is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    if no_color_flag || env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    env("TERM").is_none_or(|t| t != "dumb") && tty
}

/// Decides colour for this run and tells `anstream` (which every styled write goes through): forced colour is
/// written even to a pipe, refused colour never. Returns whether stderr is coloured.
pub fn init_color(no_color_flag: bool, stderr_tty: bool) -> bool {
    let env = |k: &str| std::env::var(k).ok();
    let forced = color_wanted(no_color_flag, false, &env);
    if forced {
        anstream::ColorChoice::Always.write_global();
    } else if !color_wanted(no_color_flag, true, &env) {
        anstream::ColorChoice::Never.write_global();
    }
    color_wanted(no_color_flag, stderr_tty, &env)
}

/// Where output goes and how it looks, decided once per run.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    pub quiet: bool,
    pub color: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// Terminal width for tables, when stdout is a terminal.
    pub width: Option<u16>,
}

impl Output {
    /// `format` is the explicit choice (flag or config); without one, table on a terminal and tsv when piped.
    pub fn new(format: Option<Format>, quiet: bool, no_color: bool) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let color = init_color(no_color, stderr_tty);
        let width = if stdout_tty {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0))
        } else {
            None
        };
        Output {
            format: format.unwrap_or(if stdout_tty {
                Format::Table
            } else {
                Format::Tsv
            }),
            quiet,
            color,
            stdout_tty,
            stderr_tty,
            width,
        }
    }

    /// For tests and for callers that know the answer already.
    pub fn fixed(format: Format) -> Self {
        Output {
            format,
            quiet: false,
            color: false,
            stdout_tty: false,
            stderr_tty: false,
            width: None,
        }
    }

    /// A note on stderr, suppressed by -q.
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            let _ = writeln!(anstream::stderr(), "{}", msg.as_ref());
        }
    }

    /// A success line on stderr (`✓ …`), suppressed by -q.
    pub fn success(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            let green = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Green.into()));
            let _ = writeln!(
                anstream::stderr(),
                "{}✓{} {}",
                green.render(),
                green.render_reset(),
                msg.as_ref()
            );
        }
    }

    /// A warning on stderr; shown even with -q.
    pub fn warn(&self, msg: impl AsRef<str>) {
        let yellow = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Yellow.into()));
        let _ = writeln!(
            anstream::stderr(),
            "{}warning:{} {}",
            yellow.render(),
            yellow.render_reset(),
            msg.as_ref()
        );
    }

    pub fn is_machine(&self) -> bool {
        matches!(self.format, Format::Json | Format::Ndjson)
    }

    /// One object (a `get`): json/ndjson as is, tsv as header + one row, table as field/value pairs.
    pub fn object(&self, w: &mut dyn Write, value: &Value) -> std::io::Result<()> {
        match self.format {
            Format::Json => writeln!(w, "{}", pretty(value)),
            Format::Ndjson => writeln!(w, "{value}"),
            Format::Tsv => {
                let Some(map) = value.as_object() else {
                    return writeln!(w, "{}", tsv_escape(&plain(value)));
                };
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                writeln!(w, "{}", keys.join("\t"))?;
                let row: Vec<String> = map.values().map(|v| tsv_escape(&plain(v))).collect();
                writeln!(w, "{}", row.join("\t"))
            }
            Format::Table => {
                let Some(map) = value.as_object() else {
                    return writeln!(w, "{}", sanitize(&plain(value)));
                };
                let mut table = self.new_table();
                for (k, v) in map {
                    let shown = match v {
                        Value::Number(_) | Value::String(_) if looks_like_time_key(k) => {
                            iso_time(v).unwrap_or_else(|| plain(v))
                        }
                        _ => plain(v),
                    };
                    table.add_row(vec![
                        comfy_table::Cell::new(k),
                        comfy_table::Cell::new(sanitize(&shown)),
                    ]);
                }
                writeln!(w, "{table}")
            }
        }
    }

    /// One object as the server sent it: json re-indented and ndjson on one line, every scalar, key and null kept
    /// as it arrived; tables and tsv as [`object`](Self::object).
    pub fn object_raw(&self, w: &mut dyn Write, raw: &RawValue) -> std::io::Result<()> {
        match self.format {
            Format::Json => writeln!(w, "{}", relayout(raw.get(), Some(2), 0)),
            Format::Ndjson => writeln!(w, "{}", relayout(raw.get(), None, 0)),
            Format::Tsv | Format::Table => self.object(w, &parse_raw(raw)?),
        }
    }

    /// Starts a list: rows can then be pushed page by page.
    pub fn list<'c>(&self, columns: &'c [Column], stream_all: bool) -> ListWriter<'c> {
        ListWriter::new(self.clone(), columns, stream_all)
    }

    fn new_table(&self) -> comfy_table::Table {
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
        if let Some(w) = self.width {
            table.set_width(w);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_render_in_every_format() {
        let v = json!({"id": "x", "createdAt": 0, "tags": ["a", "b"]});
        let mut buf = Vec::new();
        Output::fixed(Format::Tsv).object(&mut buf, &v).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "createdAt\tid\ttags\n0\tx\ta,b\n"
        );
        let mut buf = Vec::new();
        Output::fixed(Format::Table).object(&mut buf, &v).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("1970-01-01T00:00:00Z"), "{text}");
        let mut buf = Vec::new();
        Output::fixed(Format::Ndjson).object(&mut buf, &v).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), format!("{v}\n"));
    }
}

#[cfg(test)]
mod color_tests {
    use super::color_wanted;

    #[test]
    fn force_color_beats_no_color_flag_and_env_and_zero_or_empty_does_not_force() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(color_wanted(
            true,
            false,
            &env(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")])
        ));
        assert!(color_wanted(
            false,
            false,
            &env(&[("FORCE_COLOR", "3"), ("TERM", "dumb")])
        ));
        assert!(!color_wanted(
            false,
            true,
            &env(&[("FORCE_COLOR", "0"), ("NO_COLOR", "1")])
        ));
        assert!(!color_wanted(true, true, &env(&[("FORCE_COLOR", "")])));
        assert!(!color_wanted(false, true, &env(&[("NO_COLOR", "1")])));
        assert!(!color_wanted(false, true, &env(&[("TERM", "dumb")])));
        assert!(color_wanted(false, true, &env(&[])));
        assert!(!color_wanted(false, false, &env(&[])));
    }
}
