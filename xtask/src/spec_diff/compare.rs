//! Comparison: operations, parameters, responses, media types and fields of two models, and the report.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Upstream has it, ours does not: fails the run.
    Missing,
    /// Ours has it, upstream does not.
    Extra,
    /// Both have it, but ours is not compatible with upstream's type, nullability or format.
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    /// What the item is about, e.g. "response 200 application/json field `data[].id`".
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub missing_operations: Vec<String>,
    pub extra_operations: Vec<String>,
    /// Operation label (upstream's spelling) to its differences, in key order.
    pub operations: Vec<(String, Vec<Item>)>,
}

pub fn diff(ours: &Model, upstream: &Model) -> Report {
    let mut report = Report::default();
    for (key, theirs) in &upstream.operations {
        match ours.operations.get(key) {
            None => report.missing_operations.push(theirs.label.clone()),
            Some(mine) => {
                let items = diff_operation(mine, theirs);
                if !items.is_empty() {
                    report.operations.push((theirs.label.clone(), items));
                }
            }
        }
    }
    for (key, mine) in &ours.operations {
        if !upstream.operations.contains_key(key) {
            report.extra_operations.push(mine.label.clone());
        }
    }
    report
}

pub(super) fn diff_operation(ours: &Operation, upstream: &Operation) -> Vec<Item> {
    let mut items = diff_parameters(&ours.parameters, &upstream.parameters);
    match (&ours.request, &upstream.request) {
        (None, Some(_)) => items.push(item(Kind::Missing, "request body", "")),
        (Some(_), None) => items.push(item(Kind::Extra, "request body", "")),
        (Some(mine), Some(theirs)) => {
            items.extend(diff_media(mine, theirs, "request", Direction::Request));
        }
        (None, None) => {}
    }
    items.extend(diff_responses(&ours.responses, &upstream.responses));
    items
}

pub(super) fn diff_parameters(
    ours: &BTreeMap<String, Parameter>,
    upstream: &BTreeMap<String, Parameter>,
) -> Vec<Item> {
    let mut items = Vec::new();
    for (key, theirs) in upstream {
        let subject = format!("parameter {}", theirs.label);
        match ours.get(key) {
            None => items.push(item(Kind::Missing, &subject, &describe(&theirs.field))),
            Some(mine) => items.extend(compare_field(
                &subject,
                &mine.field,
                &theirs.field,
                Direction::Request,
            )),
        }
    }
    for (key, mine) in ours {
        if !upstream.contains_key(key) {
            let subject = format!("parameter {}", mine.label);
            items.push(item(Kind::Extra, &subject, &describe(&mine.field)));
        }
    }
    items
}

/// Upstream status codes that ours lacks are looked up the way clients do: the `4XX` range,
/// then `default`, so a spec that folds errors into `default` is not reported as missing them.
pub(super) fn diff_responses(
    ours: &BTreeMap<String, BTreeMap<String, Fields>>,
    upstream: &BTreeMap<String, BTreeMap<String, Fields>>,
) -> Vec<Item> {
    let mut items = Vec::new();
    for (status, theirs) in upstream {
        let range = status.get(..1).map(|first| format!("{first}XX"));
        let found = ours
            .get(status)
            .or_else(|| range.and_then(|r| ours.get(&r)))
            .or_else(|| ours.get("default"));
        match found {
            None => items.push(item(Kind::Missing, &format!("response {status}"), "")),
            Some(mine) => {
                let prefix = format!("response {status}");
                items.extend(diff_media(mine, theirs, &prefix, Direction::Response));
            }
        }
    }
    for status in ours.keys() {
        if !upstream.contains_key(status) {
            items.push(item(Kind::Extra, &format!("response {status}"), ""));
        }
    }
    items
}

pub(super) fn diff_media(
    ours: &BTreeMap<String, Fields>,
    upstream: &BTreeMap<String, Fields>,
    prefix: &str,
    direction: Direction,
) -> Vec<Item> {
    let mut items = Vec::new();
    for (media_type, theirs) in upstream {
        let prefix = format!("{prefix} {media_type}");
        match ours.get(media_type) {
            None => items.push(item(Kind::Missing, &prefix, "")),
            Some(mine) => items.extend(diff_fields(mine, theirs, &prefix, direction)),
        }
    }
    for media_type in ours.keys() {
        if !upstream.contains_key(media_type) {
            items.push(item(Kind::Extra, &format!("{prefix} {media_type}"), ""));
        }
    }
    items
}

/// Only the topmost missing (or extra) field of a subtree is listed: its children add noise.
pub(super) fn diff_fields(
    ours: &Fields,
    upstream: &Fields,
    prefix: &str,
    direction: Direction,
) -> Vec<Item> {
    let mut items = Vec::new();
    let mut reported: Vec<&str> = Vec::new();
    for (path, theirs) in upstream {
        let subject = format!("{prefix} field `{}`", display_path(path));
        match ours.get(path) {
            Some(mine) => items.extend(compare_field(&subject, mine, theirs, direction)),
            None if !is_below_any(path, &reported) => {
                items.push(item(Kind::Missing, &subject, &describe(theirs)));
                reported.push(path);
            }
            None => {}
        }
    }
    reported.clear();
    for (path, mine) in ours {
        if !upstream.contains_key(path) && !is_below_any(path, &reported) {
            let subject = format!("{prefix} field `{}`", display_path(path));
            items.push(item(Kind::Extra, &subject, &describe(mine)));
            reported.push(path);
        }
    }
    items
}

pub(super) fn is_below_any(path: &str, roots: &[&str]) -> bool {
    roots.iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

pub(super) fn display_path(path: &str) -> &str {
    if path.is_empty() { "(body)" } else { path }
}

/// Differences where ours accepts everything upstream allows (a wider type set, nullable where
/// upstream is not, no format where upstream has one, an open enum) are not reported.
pub(super) fn compare_field(
    subject: &str,
    ours: &Field,
    upstream: &Field,
    direction: Direction,
) -> Vec<Item> {
    let mut changes = Vec::new();
    if !types_cover(&ours.types, &upstream.types) {
        changes.push(format!(
            "type: ours {}, upstream {}",
            type_text(&ours.types),
            type_text(&upstream.types)
        ));
    }
    if upstream.nullable && !ours.nullable {
        changes.push("nullable upstream, not in ours".to_owned());
    }
    if ours.format.is_some() && ours.format != upstream.format {
        changes.push(format!(
            "format: ours {}, upstream {}",
            ours.format.as_deref().unwrap_or("none"),
            upstream.format.as_deref().unwrap_or("none")
        ));
    }
    // A response field we require but upstream may omit breaks decoding; in requests any
    // difference matters (we force callers to send it, or let them omit what upstream needs).
    let required_differs = match direction {
        Direction::Request => ours.required != upstream.required,
        Direction::Response => ours.required && !upstream.required,
    };
    if required_differs {
        changes.push(format!(
            "required: ours {}, upstream {}",
            yes_no(ours.required),
            yes_no(upstream.required)
        ));
    }
    let mut items = Vec::new();
    match (&ours.enum_values, &upstream.enum_values) {
        (Some(mine), Some(theirs)) => {
            for value in theirs.difference(mine) {
                items.push(item(
                    Kind::Missing,
                    &format!("enum value `{value}` of {subject}"),
                    "",
                ));
            }
            for value in mine.difference(theirs) {
                items.push(item(
                    Kind::Extra,
                    &format!("enum value `{value}` of {subject}"),
                    "",
                ));
            }
        }
        (Some(mine), None) => changes.push(format!(
            "ours only allows {}, upstream any value",
            enum_list(mine)
        )),
        _ => {}
    }
    if !changes.is_empty() {
        items.insert(0, item(Kind::Changed, subject, &changes.join("; ")));
    }
    items
}

/// Whether every type upstream allows is allowed by ours; `number` covers `integer`.
pub(super) fn types_cover(ours: &BTreeSet<String>, upstream: &BTreeSet<String>) -> bool {
    if ours.is_empty() {
        return true;
    }
    if upstream.is_empty() {
        return false;
    }
    upstream
        .iter()
        .all(|t| ours.contains(t) || (t == "integer" && ours.contains("number")))
}

pub(super) fn type_text(types: &BTreeSet<String>) -> String {
    if types.is_empty() {
        "any".to_owned()
    } else {
        types.iter().cloned().collect::<Vec<_>>().join("|")
    }
}

pub(super) fn describe(field: &Field) -> String {
    let mut text = type_text(&field.types);
    if let Some(format) = &field.format {
        let _ = write!(text, " ({format})");
    }
    if field.nullable {
        text.push_str(", nullable");
    }
    if let Some(values) = &field.enum_values {
        let _ = write!(text, ", {}", enum_list(values));
    }
    text
}

pub(super) fn enum_list(values: &BTreeSet<String>) -> String {
    let listed: Vec<&str> = values.iter().map(String::as_str).collect();
    format!("enum [{}]", listed.join(", "))
}

pub(super) fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

pub(super) fn item(kind: Kind, subject: &str, detail: &str) -> Item {
    Item {
        kind,
        subject: subject.to_owned(),
        detail: detail.to_owned(),
    }
}

impl Report {
    pub(super) fn count(&self, kind: Kind) -> usize {
        self.operations
            .iter()
            .flat_map(|(_, items)| items)
            .filter(|i| i.kind == kind)
            .count()
    }

    pub fn missing(&self) -> usize {
        self.missing_operations.len() + self.count(Kind::Missing)
    }

    pub fn extra(&self) -> usize {
        self.extra_operations.len() + self.count(Kind::Extra)
    }

    pub fn changed(&self) -> usize {
        self.count(Kind::Changed)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.missing_operations.is_empty() {
            out.push_str("missing operations (upstream only):\n");
            for label in &self.missing_operations {
                let _ = writeln!(out, "  - {label}");
            }
        }
        if !self.extra_operations.is_empty() {
            out.push_str("extra operations (ours only):\n");
            for label in &self.extra_operations {
                let _ = writeln!(out, "  + {label}");
            }
        }
        for (label, items) in &self.operations {
            let _ = writeln!(out, "{label}:");
            for item in items {
                let (mark, word) = match item.kind {
                    Kind::Missing => ('-', "missing"),
                    Kind::Extra => ('+', "extra"),
                    Kind::Changed => ('~', "changed"),
                };
                let _ = write!(out, "  {mark} {word} {}", item.subject);
                if !item.detail.is_empty() {
                    let _ = write!(out, ": {}", item.detail);
                }
                out.push('\n');
            }
        }
        out
    }

    pub fn summary(&self, ours: &str, upstream: &str) -> String {
        format!(
            "spec-diff: {} missing, {} extra, {} changed (ours: {ours}, upstream: {upstream})",
            self.missing(),
            self.extra(),
            self.changed()
        )
    }
}
