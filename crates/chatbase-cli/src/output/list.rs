//! Lists printed as their pages arrive: json streams one array across pages, ndjson one line per item, tsv one
//! header, tables with column widths fixed by the first page and fitted to the terminal.

use super::values::{indent, lookup, parse_raw, plain, pretty, relayout, table_cell, tsv_escape};
use super::{Column, Format, Output};
use serde_json::Value;
use serde_json::value::RawValue;
use std::io::Write;

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

impl<'c> ListWriter<'c> {
    pub(super) fn new(out: Output, columns: &'c [Column], stream_all: bool) -> Self {
        ListWriter {
            out,
            columns,
            stream_all,
            widths: None,
            started: false,
            count: 0,
            json_open: false,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{col, time};
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
}
