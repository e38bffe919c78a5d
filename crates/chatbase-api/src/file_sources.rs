//! The service's rules for documents uploaded as file sources (the files host's
//! `createFileSource`/`updateFileSource`): one table, used by the emulator, the SDK's
//! pre-upload check and `chatbase sources sync`'s defaults. `openapi/chatbase-v2.yaml` states
//! the same rules in its descriptions; a test keeps the two in agreement.

/// Smallest accepted document, in bytes.
pub const MIN_BYTES: u64 = 50;

/// Largest accepted document, in bytes (20 MB).
pub const MAX_BYTES: u64 = 20 * 1024 * 1024;

/// Accepted file name extensions (lower case, without the dot) and their media types.
pub const EXTENSIONS: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("txt", "text/plain"),
    ("json", "application/json"),
];

/// The extension of `name` if the service accepts it (case-insensitive).
pub fn accepted_extension(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    EXTENSIONS.iter().find(|(e, _)| *e == ext).map(|(e, _)| *e)
}

/// Media type for an accepted file name.
pub fn media_type(name: &str) -> Option<&'static str> {
    let ext = accepted_extension(name)?;
    EXTENSIONS.iter().find(|(e, _)| *e == ext).map(|(_, m)| *m)
}

/// Whether a document of `len` bytes is within the size limits.
pub fn size_accepted(len: u64) -> bool {
    (MIN_BYTES..=MAX_BYTES).contains(&len)
}

/// `.pdf, .doc, .docx, .txt, .json`: the list for messages.
pub fn extension_list() -> String {
    EXTENSIONS
        .iter()
        .map(|(e, _)| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_and_sizes() {
        assert_eq!(accepted_extension("A.PDF"), Some("pdf"));
        assert_eq!(accepted_extension("notes.md"), None);
        assert_eq!(accepted_extension("data.json"), Some("json"));
        assert!(!size_accepted(5));
        assert!(size_accepted(50));
        assert!(!size_accepted(MAX_BYTES + 1));
    }

    /// The spec's file-source descriptions state exactly this table.
    #[test]
    fn spec_states_the_same_rules() {
        let spec = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../openapi/chatbase-v2.yaml"
        ))
        .expect("openapi/chatbase-v2.yaml is readable");
        let rule = format!(
            "Accepted files: {}; {} bytes to {} MB.",
            extension_list(),
            MIN_BYTES,
            MAX_BYTES / (1024 * 1024)
        );
        for form in ["CreateFileSourceForm:", "UpdateFileSourceForm:"] {
            let at = spec
                .find(form)
                .unwrap_or_else(|| panic!("spec lacks {form}"));
            let section = &spec[at..(at + 1500).min(spec.len())];
            let flat = section.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(&rule), "{form} must say: {rule}");
        }
    }
}
