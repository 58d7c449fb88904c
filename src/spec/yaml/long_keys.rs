//! Mapping keys longer than YAML's limit on implicit keys.
//!
//! YAML 1.2 (§7.4, "implicit keys are restricted to … at most 1024 Unicode characters") and
//! yaml-rust2's scanner stop treating a scalar as a key after 1024 characters, so
//! `<1,100-character name>: …` fails with "mapping values are not allowed in this context" at
//! its colon. No key dwsctl reads can be that long, but the user deserves the rule the key
//! breaks (a cluster name's length, an unknown key), at the key. So before parsing, each line
//! whose key runs that long gets a shadow: the key and its colon are replaced by a short
//! placeholder, the colon and spaces, byte for byte the same length, so every offset in the
//! file stays valid; the builder puts the real key back where the placeholder is read.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};

use super::quoted_len;

/// Keys at least this long (in characters, up to the colon) get a shadow; the scanner's limit
/// is 1024, the margin costs nothing (a shadowed key is restored exactly).
const THRESHOLD: usize = 1000;

/// What the parser reads in place of a long key; a plain scalar no spec would use as a key.
pub const PLACEHOLDER: &str = "__dwsctl_long_key__";

/// One long key: its text as YAML reads it, and the length of its source (quotes included).
#[derive(Clone, Debug, PartialEq)]
pub struct LongKey {
    pub text: String,
    pub len: usize,
}

/// Long keys by the byte offset where each starts; empty for every ordinary file.
pub fn find(text: &str) -> HashMap<usize, LongKey> {
    let mut found = HashMap::new();
    let mut start = 0;
    for line in text.split('\n') {
        if line.len() > THRESHOLD {
            if let Some((offset, key)) = long_key(line) {
                found.insert(start + offset, key);
            }
        }
        start += line.len() + 1;
    }
    found
}

/// The text with each long key (and its colon) replaced by the placeholder, a colon and
/// spaces: the same length in bytes, so offsets into it are offsets into `text`.
pub fn shadow(text: &str, keys: &HashMap<usize, LongKey>) -> String {
    let mut starts: Vec<usize> = keys.keys().copied().collect();
    starts.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for start in starts {
        let Some(key) = keys.get(&start) else {
            continue;
        };
        let colon = start + key_and_colon_len(text, start, key);
        out.push_str(text.get(done..start).unwrap_or(""));
        out.push_str(PLACEHOLDER);
        out.push(':');
        out.extend(std::iter::repeat(' ').take(colon - start - PLACEHOLDER.len()));
        done = colon + 1;
    }
    out.push_str(text.get(done..).unwrap_or(""));
    out
}

/// Bytes from the key's start to its colon (the key, then spaces).
fn key_and_colon_len(text: &str, start: usize, key: &LongKey) -> usize {
    let after = text.get(start + key.len..).unwrap_or("");
    key.len + after.len() - after.trim_start_matches([' ', '\t']).len()
}

/// The offset in `line` and the key of a `key: value` line whose key is long.
fn long_key(line: &str) -> Option<(usize, LongKey)> {
    let mut rest = line.trim_start_matches(' ');
    // Keys of mappings in a sequence: `- key: value`.
    while let Some(r) = rest.strip_prefix("- ") {
        rest = r.trim_start_matches(' ');
    }
    let offset = line.len() - rest.len();
    let len = match rest.chars().next()? {
        '"' => quoted_len(rest, '"', Some('\\')),
        '\'' => quoted_len(rest, '\'', None),
        c if "#&*!|>%@`{}[],?:-".contains(c) => return None,
        _ => plain_key_len(rest)?,
    };
    let source = rest.get(..len)?;
    let after = rest.get(len..)?.trim_start_matches([' ', '\t']);
    let colon_ends_key = after.strip_prefix(':')?;
    if !(colon_ends_key.is_empty() || colon_ends_key.starts_with([' ', '\t', '\r'])) {
        return None;
    }
    if rest.get(..rest.len() - after.len())?.chars().count() < THRESHOLD {
        return None;
    }
    Some((
        offset,
        LongKey {
            text: scalar_text(source)?,
            len,
        },
    ))
}

/// Length of a plain key: up to the first `: ` (or `:` at the end), without trailing blanks;
/// `None` when a comment starts first.
fn plain_key_len(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let colon = (0..bytes.len()).find(|&i| {
        bytes[i] == b':' && matches!(bytes.get(i + 1), None | Some(b' ' | b'\t' | b'\r'))
    })?;
    let key = rest.get(..colon)?;
    if key.contains(" #") || key.contains("\t#") {
        return None;
    }
    Some(key.trim_end_matches([' ', '\t']).len())
}

/// What YAML reads from a scalar's source (a quoted key's escapes resolved); `None` when the
/// source is not one scalar.
fn scalar_text(source: &str) -> Option<String> {
    let mut parser = Parser::new_from_str(source);
    let mut text = None;
    loop {
        match parser.next_token().ok()?.0 {
            Event::Scalar(value, _, 0, None) if text.is_none() => text = Some(value),
            Event::StreamEnd => return text,
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_keys_get_no_shadow() {
        assert!(find("a: 1\nclusters:\n  dws-demo:\n    port: 8000\n").is_empty());
        let long_value = format!("a: {}\n", "v".repeat(2000));
        assert!(find(&long_value).is_empty());
    }

    #[test]
    fn a_long_key_is_shadowed_with_every_offset_kept() {
        let name = "d".repeat(1100);
        let text = format!("clusters:\n  {name}:\n    port: 1\n  \"{name}é\" : 2 # c\n");
        let keys = find(&text);
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys[&12],
            LongKey {
                text: name.clone(),
                len: 1100
            }
        );
        let quoted = &keys[&(12 + 1100 + 16)];
        assert_eq!(quoted.text, format!("{name}é"));
        let shadowed = shadow(&text, &keys);
        assert_eq!(shadowed.len(), text.len());
        assert!(shadowed.contains(&format!("  {PLACEHOLDER}:")));
        assert!(shadowed.ends_with(" 2 # c\n"));
        assert!(shadowed.contains("\n    port: 1\n"));
    }

    #[test]
    fn comments_flow_and_block_text_are_left_alone() {
        let long = "x".repeat(1100);
        assert!(find(&format!("a: 1 # {long}: y\n")).is_empty());
        assert!(find(&format!("{{{long}: 1}}\n")).is_empty());
        assert!(find(&format!("k:{long}\n")).is_empty());
    }
}
