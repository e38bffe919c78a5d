//! Strips terminal control and escape sequences from text that came from the server (agent answers, names, error
//! messages) before it reaches a terminal, so an answer cannot move the cursor, set the title or write the
//! clipboard (OSC 52). It does not touch JSON output, which is escaped by serde_json.

/// Removes ESC-introduced sequences (CSI, OSC, DCS, …), C0 controls except tab and newline, DEL and C1 controls.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_work) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI/OSC/DCS/APC/PM/SOS introducers start sequences of their own.
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9f}' | '\u{9e}' | '\u{98}' => skip_string(&mut chars),
            '\t' | '\n' => out.push(c),
            '\r' => {
                // Keep CRLF as a newline; a lone CR could overwrite the line.
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Like [`sanitize`] but also flattens tabs and newlines to spaces, for one table cell.
pub fn sanitize_cell(text: &str) -> String {
    sanitize(text)
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect()
}

fn needs_work(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || c == '\u{7f}'
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']') | Some('P') | Some('_') | Some('^') | Some('X') => skip_string(chars),
        // Two-character sequences (ESC c, ESC 7, …) and charset selection (ESC ( B).
        Some('(') | Some(')') | Some('*') | Some('+') => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates up to a final byte in 0x40..=0x7e.
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS/APC/PM: up to BEL, ST (ESC \) or C1 ST.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            sanitize("héllo\tworld\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn csi_colour_and_cursor_sequences_are_removed() {
        assert_eq!(sanitize("\x1b[31mred\x1b[0m \x1b[2J\x1b[1;1Hx"), "red x");
    }

    #[test]
    fn osc52_clipboard_write_is_removed() {
        assert_eq!(sanitize("a\x1b]52;c;ZXZpbA==\x07b"), "ab");
        assert_eq!(sanitize("a\x1b]0;title\x1b\\b"), "ab");
    }

    #[test]
    fn c1_controls_and_bell_are_removed() {
        assert_eq!(sanitize("a\u{9b}31mb\u{7}c\u{7f}d"), "abcd");
    }

    #[test]
    fn carriage_returns_cannot_overwrite_lines() {
        assert_eq!(sanitize("line1\r\nfake\rreal"), "line1\nfake\nreal");
    }

    #[test]
    fn cells_are_flattened_to_one_line() {
        assert_eq!(sanitize_cell("a\tb\nc\x1b[1m"), "a b c");
    }
}
