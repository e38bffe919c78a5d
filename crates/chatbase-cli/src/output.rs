//! Printing results: table (fitted to the terminal), json, ndjson and tsv, for single objects and for lists that
//! arrive page by page (`--all` streams rows as they come, never holding every page). Notes and hints go to
//! stderr. json and ndjson print the server's own JSON text ([`RawValue`]), re-laid out by [`relayout`] without
//! touching a single scalar; tables and tsv render `serde_json::Value`s. It never decides what to fetch.

use crate::cli::Format;
use crate::sanitize::{sanitize, sanitize_cell};
use serde_json::Value;
use serde_json::value::RawValue;
use std::io::{IsTerminal, Write};

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
        ListWriter {
            out: self.clone(),
            columns,
            stream_all,
            widths: None,
            started: false,
            count: 0,
            json_open: false,
        }
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

/// Writes list items as they arrive. Table column widths are fixed by the first page so later pages line up.
pub struct ListWriter<'c> {
    out: Output,
    columns: &'c [Column],
    stream_all: bool,
    widths: Option<Vec<u16>>,
    started: bool,
    count: u64,
    json_open: bool,
}

impl ListWriter<'_> {
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Prints one page of items and flushes, so a reader downstream sees rows as soon as they exist.
    pub fn page(&mut self, w: &mut dyn Write, items: &[Value]) -> std::io::Result<()> {
        match self.out.format {
            Format::Ndjson => {
                for item in items {
                    writeln!(w, "{item}")?;
                }
            }
            Format::Json => {
                // Streams one JSON array across all pages: valid JSON in constant memory.
                for item in items {
                    let sep = if self.json_open { ",\n" } else { "[\n" };
                    self.json_open = true;
                    let text = pretty(item);
                    write!(w, "{sep}{}", indent(&text))?;
                }
            }
            Format::Tsv => {
                if !self.started {
                    let header: Vec<&str> = self.columns.iter().map(|c| c.path).collect();
                    writeln!(w, "{}", header.join("\t"))?;
                }
                for item in items {
                    let row: Vec<String> = self
                        .columns
                        .iter()
                        .map(|c| tsv_escape(&plain(lookup(item, c.path))))
                        .collect();
                    writeln!(w, "{}", row.join("\t"))?;
                }
            }
            Format::Table => {
                if !items.is_empty() {
                    self.table_page(w, items)?;
                }
            }
        }
        self.started = true;
        self.count += items.len() as u64;
        w.flush()
    }

    /// Prints one page of items as the server sent them: json and ndjson write each item's own text (re-laid out,
    /// never re-encoded); tables and tsv render them as [`page`](Self::page) does.
    pub fn page_raw(&mut self, w: &mut dyn Write, items: &[Box<RawValue>]) -> std::io::Result<()> {
        match self.out.format {
            Format::Ndjson => {
                for item in items {
                    writeln!(w, "{}", relayout(item.get(), None, 0))?;
                }
            }
            Format::Json => {
                for item in items {
                    let sep = if self.json_open { ",\n" } else { "[\n" };
                    self.json_open = true;
                    write!(w, "{sep}  {}", relayout(item.get(), Some(2), 1))?;
                }
            }
            Format::Tsv | Format::Table => {
                let values: Vec<Value> = items
                    .iter()
                    .map(|i| parse_raw(i))
                    .collect::<std::io::Result<_>>()?;
                return self.page(w, &values);
            }
        }
        self.started = true;
        self.count += items.len() as u64;
        w.flush()
    }

    fn table_page(&mut self, w: &mut dyn Write, items: &[Value]) -> std::io::Result<()> {
        let cells: Vec<Vec<String>> = items
            .iter()
            .map(|item| {
                self.columns
                    .iter()
                    .map(|c| table_cell(lookup(item, c.path), c.kind))
                    .collect()
            })
            .collect();
        let first = self.widths.is_none();
        let widths = self
            .widths
            .get_or_insert_with(|| fit_widths(self.columns, &cells, self.out.width));
        // Later pages: an ID column grows to its longest value; other cells are cut to one line with `…`.
        let mut cells = cells;
        for (i, column) in self.columns.iter().enumerate() {
            if column.is_id() {
                let longest = cells
                    .iter()
                    .map(|r| display_width(&r[i]))
                    .max()
                    .unwrap_or(0);
                widths[i] = widths[i].max(u16::try_from(longest).unwrap_or(u16::MAX));
            } else {
                for row in &mut cells {
                    row[i] = truncate_to(&row[i], usize::from(widths[i]));
                }
            }
        }
        let widths = widths.clone();
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
        if first {
            let header: Vec<comfy_table::Cell> = self
                .columns
                .iter()
                .map(|c| {
                    let cell = comfy_table::Cell::new(c.header);
                    if self.out.color {
                        cell.add_attribute(comfy_table::Attribute::Bold)
                    } else {
                        cell
                    }
                })
                .collect();
            table.set_header(header);
        }
        for row in cells {
            table.add_row(row);
        }
        for (i, width) in widths.iter().enumerate() {
            if let Some(column) = table.column_mut(i) {
                column.set_padding((0, if i + 1 == widths.len() { 0 } else { 2 }));
                let pad = if i + 1 == widths.len() { 0 } else { 2 };
                column.set_constraint(comfy_table::ColumnConstraint::Absolute(
                    comfy_table::Width::Fixed(width + pad),
                ));
            }
        }
        for line in table.lines() {
            writeln!(w, "{}", line.trim_end())?;
        }
        Ok(())
    }

    /// Ends the list: closes the JSON array, and tells a person how to get more.
    pub fn finish(self, w: &mut dyn Write, next_cursor: Option<&str>) -> std::io::Result<()> {
        if self.out.format == Format::Json {
            if self.json_open {
                writeln!(w, "\n]")?;
            } else {
                writeln!(w, "[]")?;
            }
        }
        w.flush()?;
        if self.count == 0 && !self.out.is_machine() {
            self.out.note("No results.");
        }
        if let Some(cursor) = next_cursor.filter(|_| !self.stream_all) {
            self.out.note(format!(
                "More results: rerun with --cursor {cursor} (or use --all)"
            ));
        }
        Ok(())
    }
}

/// A raw item as a `Value`, for tables and tsv.
pub fn parse_raw(raw: &RawValue) -> std::io::Result<Value> {
    serde_json::from_str(raw.get()).map_err(std::io::Error::other)
}

/// Re-lays out JSON text: `indent: None` puts it on one line, `Some(n)` indents nested levels by `n` spaces,
/// starting at nesting `level` (for items inside an array). Only whitespace between tokens changes: strings,
/// numbers, `true`/`false`/`null` and key order are copied byte for byte, so `5564` stays `5564` and
/// `1.50` stays `1.50`. The input must be valid JSON (a [`RawValue`] is).
pub fn relayout(json: &str, indent: Option<usize>, level: usize) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 4);
    let mut depth = level;
    let mut chars = json.char_indices().peekable();
    let newline = |out: &mut String, depth: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', n * depth));
        }
    };
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    out.push(c);
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
            }
            ' ' | '\t' | '\n' | '\r' => {}
            '{' | '[' => {
                out.push(c);
                while chars
                    .next_if(|(_, c)| matches!(c, ' ' | '\t' | '\n' | '\r'))
                    .is_some()
                {}
                if let Some((_, close)) = chars.next_if(|(_, n)| matches!(n, '}' | ']')) {
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => {
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Column widths from the first page, shrunk (widest first) to fit the terminal. ID columns keep their full width;
/// others shrink no further than their header (and 4). When the row is still too wide, the table overflows the
/// terminal rather than wrap a cell.
fn fit_widths(columns: &[Column], cells: &[Vec<String>], terminal: Option<u16>) -> Vec<u16> {
    const MIN: u16 = 4;
    let mut widths: Vec<u16> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let content = cells
                .iter()
                .map(|r| display_width(&r[i]))
                .max()
                .unwrap_or(0);
            let cap = if c.is_id() {
                usize::from(u16::MAX)
            } else {
                200
            };
            u16::try_from(content.max(c.header.len()).clamp(1, cap)).unwrap_or(u16::MAX)
        })
        .collect();
    if let Some(total) = terminal {
        let gaps = 2 * u16::try_from(columns.len().saturating_sub(1)).unwrap_or(u16::MAX);
        let budget = total.saturating_sub(gaps);
        while widths.iter().map(|w| u32::from(*w)).sum::<u32>() > u32::from(budget) {
            let widest = widths
                .iter()
                .copied()
                .enumerate()
                .filter(|(i, w)| {
                    let floor = MIN.max(u16::try_from(columns[*i].header.len()).unwrap_or(MIN));
                    !columns[*i].is_id() && *w > floor
                })
                .max_by_key(|(_, w)| *w);
            let Some((i, w)) = widest else {
                break;
            };
            widths[i] = w - 1;
        }
    }
    widths
}

fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `s` cut to `width` display columns, ending in `…` when it was cut.
fn truncate_to(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Follows a dotted path (`pagination.cursor`, `customer.email`).
pub fn lookup<'v>(value: &'v Value, path: &str) -> &'v Value {
    let mut v = value;
    for key in path.split('.') {
        v = match v {
            Value::Object(map) => map.get(key).unwrap_or(&Value::Null),
            Value::Array(items) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    v
}

/// A scalar as text; arrays of scalars joined with commas; other structures as compact JSON; null as empty.
pub fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            // Counts and sizes arrive as floats from some schemas; `183.0` reads better as `183`.
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(plain).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    }
}

fn table_cell(v: &Value, kind: Kind) -> String {
    let text = match kind {
        Kind::Time => iso_time(v).unwrap_or_else(|| plain(v)),
        Kind::Text => plain(v),
    };
    if text.is_empty() {
        "-".to_owned()
    } else {
        sanitize_cell(&text)
    }
}

fn looks_like_time_key(k: &str) -> bool {
    k.ends_with("At") || k.ends_with("_at") || k == "createdAt"
}

/// Epoch seconds (or milliseconds) as `2026-01-02T03:04:05Z`.
pub fn iso_time(v: &Value) -> Option<String> {
    if let Some(s) = v.as_str() {
        // ISO strings are shortened to seconds so time columns stay narrow.
        let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
        return Some(
            dt.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        );
    }
    let n = v.as_f64()?;
    let secs = if n > 1e11 { n / 1000.0 } else { n };
    let dt = chrono::DateTime::from_timestamp(secs as i64, 0)?;
    Some(dt.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Escapes backslash, tab, newline and carriage return so each record stays on one line with fixed columns.
pub fn tsv_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in sanitize(s).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    // sanitize turned lone CRs into newlines, so they are escaped above; keep the literal form for CR inputs too.
    out
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COLS: &[Column] = &[
        col("ID", "id"),
        col("NAME", "name"),
        time("CREATED", "createdAt"),
    ];

    fn render(format: Format, pages: &[Vec<Value>], all: bool, width: Option<u16>) -> String {
        let mut out = Output::fixed(format);
        out.quiet = true;
        out.width = width;
        let mut buf = Vec::new();
        let mut list = out.list(COLS, all);
        for p in pages {
            list.page(&mut buf, p).unwrap();
        }
        list.finish(&mut buf, None).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn tsv_has_a_header_and_escapes_tabs_newlines_and_backslashes() {
        let items = vec![json!({"id": "a1", "name": "tab\there\nnew\\line", "createdAt": 0})];
        assert_eq!(
            render(Format::Tsv, &[items], false, None),
            "id\tname\tcreatedAt\na1\ttab\\there\\nnew\\\\line\t0\n"
        );
    }

    #[test]
    fn tsv_strips_escape_sequences() {
        let items = vec![json!({"id": "a\x1b[31m1", "name": null})];
        assert_eq!(
            render(Format::Tsv, &[items], false, None),
            "id\tname\tcreatedAt\na1\t\t\n"
        );
    }

    #[test]
    fn json_lists_stream_as_one_valid_array_across_pages() {
        let text = render(
            Format::Json,
            &[
                vec![json!({"id": 1})],
                vec![json!({"id": 2}), json!({"id": 3})],
            ],
            true,
            None,
        );
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, json!([{"id": 1}, {"id": 2}, {"id": 3}]));
        assert_eq!(render(Format::Json, &[vec![]], true, None), "[]\n");
    }

    #[test]
    fn ndjson_is_one_object_per_line() {
        let text = render(
            Format::Ndjson,
            &[vec![json!({"id": 1})], vec![json!({"id": 2})]],
            true,
            None,
        );
        assert_eq!(text, "{\"id\":1}\n{\"id\":2}\n");
    }

    #[test]
    fn table_pages_share_column_widths_and_print_one_header() {
        let text = render(
            Format::Table,
            &[
                vec![json!({"id": "a1", "name": "Support", "createdAt": 1_700_000_000})],
                vec![json!({"id": "a2", "name": "Sales"})],
            ],
            true,
            None,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("ID") && lines[0].contains("NAME") && lines[0].contains("CREATED")
        );
        assert!(lines[1].contains("2023-11-14T22:13:20Z"));
        assert_eq!(lines[1].find("Support"), lines[2].find("Sales"));
        assert!(lines[2].ends_with('-'));
    }

    #[test]
    fn table_fits_the_terminal_width() {
        let long = "x".repeat(300);
        let text = render(
            Format::Table,
            &[vec![json!({"id": "a1", "name": long, "createdAt": 1})]],
            false,
            Some(60),
        );
        for line in text.lines() {
            assert!(
                line.chars().count() <= 60,
                "{} > 60: {line}",
                line.chars().count()
            );
        }
    }

    #[test]
    fn id_columns_never_wrap_and_other_cells_are_cut_to_one_line() {
        let uuid = "3f2b6c1e-9a4d-4b7e-8c21-5d0e7f9a1b23";
        let longer = "3f2b6c1e-9a4d-4b7e-8c21-5d0e7f9a1b23-and-more";
        let name = "A rather long agent name that cannot fit beside the ID 漢字漢字";
        for width in [60, 40, 20] {
            let text = render(
                Format::Table,
                &[
                    vec![json!({"id": uuid, "name": name, "createdAt": 1})],
                    vec![json!({"id": longer, "name": name, "createdAt": 1})],
                ],
                true,
                Some(width),
            );
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(
                lines.len(),
                3,
                "width {width}: every row on one line:\n{text}"
            );
            assert!(lines[1].starts_with(uuid), "width {width}:\n{text}");
            assert!(lines[2].starts_with(longer), "width {width}:\n{text}");
            assert!(lines[1].contains('…'), "width {width}:\n{text}");
        }
        assert!(col("EXTERNAL ID", "external_id").is_id());
        assert!(col("CONVERSATION", "conversationId").is_id());
        assert!(!col("NAME", "name").is_id());
    }

    #[test]
    fn table_cells_are_sanitised_and_flattened() {
        let text = render(
            Format::Table,
            &[vec![json!({"id": "a\nb", "name": "\x1b]52;c;eA==\x07ok"})]],
            false,
            None,
        );
        assert!(!text.contains('\x1b'));
        assert!(text.contains("a b") && text.contains("ok"));
    }

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

    #[test]
    fn time_columns_accept_epochs_and_iso_strings() {
        assert_eq!(iso_time(&json!(0)).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            iso_time(&json!(1_700_000_000_000u64)).unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            iso_time(&json!("2026-11-26T13:29:32.316Z")).unwrap(),
            "2026-11-26T13:29:32Z"
        );
        assert_eq!(iso_time(&json!("not a time")), None);
    }

    const SERVER: &str = "{\"b\": 5564, \"a\": null, \"f\": 1.50, \"e\": -0.0, \"big\": 12345678901234567890123,\n \"s\": \"x, y: {z} \\\"q\\\" \\\\\", \"empty\": {}, \"list\": [ ], \"new\": [1, {\"k\": true}]}";

    #[test]
    fn relayout_keeps_every_scalar_key_and_null_as_sent() {
        let compact = relayout(SERVER, None, 0);
        assert_eq!(
            compact,
            "{\"b\":5564,\"a\":null,\"f\":1.50,\"e\":-0.0,\"big\":12345678901234567890123,\"s\":\"x, y: {z} \\\"q\\\" \\\\\",\"empty\":{},\"list\":[],\"new\":[1,{\"k\":true}]}"
        );
        let pretty = relayout(SERVER, Some(2), 0);
        assert!(
            pretty.contains("\n  \"b\": 5564,\n  \"a\": null,"),
            "{pretty}"
        );
        assert!(pretty.contains("\"f\": 1.50,"), "{pretty}");
        assert!(pretty.contains("\"empty\": {},"), "{pretty}");
        assert!(
            pretty.contains("\"new\": [\n    1,\n    {\n      \"k\": true\n    }\n  ]\n}"),
            "{pretty}"
        );
        // Both parse to the same document as the original, and relayout is idempotent.
        let original: Value = serde_json::from_str(SERVER).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&compact).unwrap(), original);
        assert_eq!(serde_json::from_str::<Value>(&pretty).unwrap(), original);
        assert_eq!(relayout(&pretty, None, 0), compact);
    }

    /// A seeded random JSON document: nested containers, strings with quotes, backslashes, escapes, whitespace and
    /// non-ASCII, integers of every size and floats.
    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn random_value(state: &mut u64, depth: u32) -> Value {
        let pick = rng(state) % if depth > 3 { 5 } else { 7 };
        match pick {
            0 => Value::Null,
            1 => Value::Bool(rng(state).is_multiple_of(2)),
            2 => match rng(state) % 3 {
                0 => Value::from(rng(state) as i64),
                1 => Value::from(rng(state)),
                _ => serde_json::Number::from_f64((rng(state) % 100_000) as f64 / 7.0)
                    .map_or(Value::Null, Value::Number),
            },
            3 | 4 => {
                const PIECES: &[&str] = &[
                    "a",
                    " ",
                    "\"",
                    "\\",
                    "\n",
                    "\t",
                    "{",
                    "}",
                    "[",
                    "]",
                    ",",
                    ":",
                    "é",
                    "\u{1F600}",
                    "\u{7}",
                ];
                let n = rng(state) % 8;
                Value::String(
                    (0..n)
                        .map(|_| PIECES[(rng(state) % PIECES.len() as u64) as usize])
                        .collect(),
                )
            }
            5 => {
                let n = rng(state) % 4;
                Value::Array((0..n).map(|_| random_value(state, depth + 1)).collect())
            }
            _ => {
                let n = rng(state) % 4;
                let mut map = serde_json::Map::new();
                for i in 0..n {
                    let key = format!("k{i}\"{}", rng(state) % 10);
                    map.insert(key, random_value(state, depth + 1));
                }
                Value::Object(map)
            }
        }
    }

    /// Property: relayout only moves whitespace. From serde_json's compact or pretty text it gives exactly
    /// serde_json's compact and pretty text. Seeded; `PROPTEST_CASES` runs more.
    #[test]
    fn relayout_matches_serde_json_layouts_on_random_documents() {
        let cases: u64 = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(500);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..cases {
            let v = random_value(&mut state, 0);
            let compact = serde_json::to_string(&v).unwrap();
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            assert_eq!(relayout(&pretty, None, 0), compact);
            assert_eq!(relayout(&compact, None, 0), compact);
            assert_eq!(relayout(&compact, Some(2), 0), pretty);
            assert_eq!(relayout(&pretty, Some(2), 0), pretty);
        }
    }

    #[test]
    fn raw_lists_and_objects_print_the_servers_text() {
        let items: Vec<Box<RawValue>> = vec![
            RawValue::from_string("{\"id\": \"b\", \"count\": 5564, \"z\": null, \"a\": 1}".into())
                .unwrap(),
        ];
        for (format, expected) in [
            (
                Format::Ndjson,
                "{\"id\":\"b\",\"count\":5564,\"z\":null,\"a\":1}\n",
            ),
            (
                Format::Json,
                "[\n  {\n    \"id\": \"b\",\n    \"count\": 5564,\n    \"z\": null,\n    \"a\": 1\n  }\n]\n",
            ),
        ] {
            let mut out = Output::fixed(format);
            out.quiet = true;
            let mut buf = Vec::new();
            let mut list = out.list(COLS, true);
            list.page_raw(&mut buf, &items).unwrap();
            list.finish(&mut buf, None).unwrap();
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
        let mut buf = Vec::new();
        Output::fixed(Format::Json)
            .object_raw(&mut buf, &items[0])
            .unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "{\n  \"id\": \"b\",\n  \"count\": 5564,\n  \"z\": null,\n  \"a\": 1\n}\n"
        );
    }

    #[test]
    fn lookup_follows_dotted_paths() {
        let v = json!({"customer": {"email": "a@b"}, "list": [1, 2]});
        assert_eq!(lookup(&v, "customer.email"), &json!("a@b"));
        assert_eq!(lookup(&v, "list.1"), &json!(2));
        assert_eq!(lookup(&v, "nope.x"), &Value::Null);
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
