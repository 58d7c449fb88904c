//! Making text that came from the network or from a file safe to show on a terminal.
//!
//! A server's error message, a cluster name in a listing or a `failed_reasons` entry can hold
//! escape sequences that clear the screen, move the cursor or recolour text, a newline that
//! starts a forged "Apply complete" line, or a bidi override (U+202E) that shows text reversed.
//! Two layers stop them:
//! - each value from outside is passed through [`escape`] where a line is built around it
//!   (renderers, progress lines, reports, the redactor that every API error goes through);
//!   it escapes every control character, line breaks included;
//! - the one printer passes everything it writes through [`escape_text`], which keeps only
//!   the line breaks and tabs dwsctl itself lays text out with.
//!
//! Escapes are written `\n`, `\r`, `\t` and `\u001b` (four hex digits): readable, and valid JSON
//! escapes, so escaping a JSON document that serde left a C1 or bidi character in (serde only
//! escapes C0) leaves it valid and equal. The colour dwsctl adds itself (SGR, `ESC [ ... m`)
//! survives only through [`escape_text_keeping_sgr`], used where colour was asked for.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as is: C0 controls, DEL, C1 controls, and the
/// invisible format characters that reorder or hide text (bidi embeddings, overrides and
/// isolates, directional marks, zero-width characters, line and paragraph separators, BOM).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}')
}

/// One value from outside, for use inside a line: every unsafe character escaped, line breaks
/// and tabs included.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_where(text, |_| true)
}

/// Text laid out by dwsctl: every unsafe character escaped except `\n` and `\t`.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && c != '\t')
}

/// [`escape_text`], but select-graphic-rendition sequences (`ESC [` digits and `;` `m`),
/// which only colour text, are kept: for output where colour was asked for.
pub fn escape_text_keeping_sgr(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}' {
            if let Some(len) = sgr_len(rest) {
                out.push_str(rest.get(..len).unwrap_or_default());
                rest = rest.get(len..).unwrap_or_default();
                continue;
            }
        }
        if is_unsafe(c) && c != '\n' && c != '\t' {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    Cow::Owned(out)
}

/// The length of the SGR sequence at the start of `text`, if there is one.
fn sgr_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix("\u{1b}[")?;
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

fn escape_where(text: &str, escape_it: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && escape_it(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) && escape_it(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_newlines_c1_and_bidi_overrides_are_made_visible() {
        let hostile = "x\u{1b}[2J\u{1b}[H\nApply complete!\r\u{9b}31m\u{202e}gnp.exe\u{7f}";
        assert_eq!(
            escape(hostile),
            "x\\u001b[2J\\u001b[H\\nApply complete!\\r\\u009b31m\\u202egnp.exe\\u007f"
        );
        assert_eq!(escape("dws-demo ünïcode 漢字"), "dws-demo ünïcode 漢字");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_keeps_its_own_line_breaks_and_tabs() {
        assert_eq!(
            escape_text("a\n\tb\u{1b}[31mc\r\n"),
            "a\n\tb\\u001b[31mc\\r\n"
        );
    }

    #[test]
    fn colour_survives_only_where_asked_and_nothing_else_does() {
        let painted = "\u{1b}[32m+\u{1b}[0m name\u{1b}[2J\u{1b}]0;title\u{7}";
        assert_eq!(
            escape_text_keeping_sgr(painted),
            "\u{1b}[32m+\u{1b}[0m name\\u001b[2J\\u001b]0;title\\u0007"
        );
    }

    #[test]
    fn escaping_json_keeps_it_valid_and_equal() {
        let value = serde_json::json!({"name": "a\u{9b}b\u{202e}c\\\u{2066}", "n": 1});
        let text = serde_json::to_string(&value).expect("json");
        let escaped = escape_text(&text);
        assert!(!escaped.chars().any(is_unsafe), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).expect("still JSON");
        assert_eq!(back, value);
    }
}
