//! Removing secrets from text that came back from a server before it can be shown.
//!
//! A server may echo a request in an error, and not always byte for byte: JSON escapes `"`
//! and `\` (and, depending on the encoder, `/` and every non-ASCII letter as `\uXXXX`), an echo
//! nested in a JSON string is escaped twice, a form or query echo is percent-encoded (space as
//! `%20` or `+`), a header echo may be base64. So each registered secret is searched for in
//! every one of these forms: character by character, each character may appear raw, JSON- or
//! percent-escaped (so mixtures match too), and the base64 forms are searched as the part of
//! an encoding that depends only on the secret (for each of the three byte alignments, in the
//! standard and URL-safe alphabets).
//!
//! Short secrets: a value shorter than [`FREE_TEXT_MIN`] characters is also a common word
//! (`OS_PASSWORD=wrong` must not turn IAM's "The username or password is wrong." into
//! nonsense). Such a value is replaced only where it stands alone as a token and only when it
//! is not made of letters alone; one shorter than [`MIN_SECRET`] is never searched for. What
//! protects short secrets instead: dwsctl never prints a secret itself, JSON fields whose name
//! says they hold a secret are blanked whatever their value, and in free text a value quoted
//! after such a name (`"user_pwd":"..."`, `password=...`) is blanked too.

use std::sync::RwLock;

/// The marker that replaces a secret.
pub const REDACTED: &str = "(sensitive)";

/// Values shorter than this are not treated as secrets at all.
pub const MIN_SECRET: usize = 4;
/// Values at least this long are replaced wherever they appear, in every encoding. DWS
/// administrator passwords and IAM tokens and secret keys are always this long.
pub const FREE_TEXT_MIN: usize = 8;

/// Removes registered secret values, and values of fields named like secrets, from text.
#[derive(Default)]
pub struct Redactor {
    secrets: RwLock<Vec<Known>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor(..)")
    }
}

/// A registered secret and its precomputed forms.
struct Known {
    raw: String,
    /// Every char of the secret, with its encodings.
    chars: Vec<Vec<String>>,
    /// Base64 fragments that only an encoding of the secret contains.
    base64: Vec<String>,
    /// Short secrets: only whole tokens.
    whole_token: bool,
}

impl Redactor {
    /// Registers a value that must never be shown (see the module doc for short values).
    pub fn add(&self, value: &str) {
        let len = value.chars().count();
        if len < MIN_SECRET || (len < FREE_TEXT_MIN && value.chars().all(char::is_alphabetic)) {
            return;
        }
        let Ok(mut secrets) = self.secrets.write() else {
            return;
        };
        if secrets.iter().any(|k| k.raw == value) {
            return;
        }
        secrets.push(Known {
            raw: value.to_owned(),
            chars: value.chars().map(encodings).collect(),
            base64: if len >= FREE_TEXT_MIN {
                base64_cores(value.as_bytes())
            } else {
                Vec::new()
            },
            whole_token: len < FREE_TEXT_MIN,
        });
        // Longer secrets first, so that a secret containing another is replaced whole.
        secrets.sort_by_key(|k| std::cmp::Reverse(k.raw.len()));
    }

    /// `text` with every registered secret (in any of its encodings) and every value of a
    /// secret-named field replaced by `(sensitive)`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = blank_named_values(text);
        if let Ok(secrets) = self.secrets.read() {
            for known in secrets.iter() {
                out = known.replace_in(&out);
            }
        }
        out
    }

    /// Text from a server, for a line of an error: secrets redacted, then every control
    /// character escaped (see [`crate::term`]).
    pub fn scrub(&self, text: &str) -> String {
        crate::term::escape(&self.redact(text)).into_owned()
    }

    /// A body as shown in errors: JSON pretty-printed with secret fields blanked, anything
    /// else as text; secrets redacted (an echo nested in a JSON string is matched in its
    /// twice-escaped form) and control characters escaped; at most `MAX_BODY` characters.
    /// A success body can be 64 MiB, so only a prefix is printed and searched.
    pub fn show_body(&self, body: &[u8]) -> String {
        const MAX_BODY: usize = 4000;
        // Twice what is shown: a secret cut at this edge is cut off again below.
        const SEARCHED: usize = 2 * MAX_BODY;
        let text = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut value) => {
                blank_secret_fields(&mut value);
                let mut prefix = Prefix(Vec::new(), SEARCHED * 4);
                // Stops with an error once the prefix is full; what was written is kept.
                let _ = serde_json::to_writer_pretty(&mut prefix, &value);
                String::from_utf8_lossy(&prefix.0).into_owned()
            }
            Err(_) if body.is_empty() => "(empty)".to_owned(),
            Err(_) => {
                let end = body.len().min(SEARCHED * 4);
                String::from_utf8_lossy(body.get(..end).unwrap_or_default()).into_owned()
            }
        };
        let long = text.chars().nth(MAX_BODY).is_some();
        let head: String = text.chars().take(SEARCHED).collect();
        let shown = crate::term::escape_text(&self.redact(&head)).into_owned();
        if long || shown.chars().count() > MAX_BODY {
            let cut: String = shown.chars().take(MAX_BODY).collect();
            format!("{cut}\n... (truncated)")
        } else {
            shown
        }
    }
}

/// A writer that keeps the first `.1` bytes and then refuses more.
struct Prefix(Vec<u8>, usize);

impl std::io::Write for Prefix {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.1.saturating_sub(self.0.len());
        if room == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        let n = buf.len().min(room);
        self.0.extend_from_slice(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn blank_secret_fields(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_secret_key(key) && !field.is_null() {
                    *field = Value::String(REDACTED.to_owned());
                } else {
                    blank_secret_fields(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(blank_secret_fields),
        _ => {}
    }
}

impl Known {
    fn replace_in(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            let end = self
                .match_at(text, i)
                .filter(|&end| !self.whole_token || is_token(text, i, end));
            match end {
                Some(end) if self.base64_at(text, i) => {
                    // The whole base64 run: the characters around the core encode the secret
                    // together with its neighbours.
                    while out.ends_with(is_base64_char) {
                        out.pop();
                    }
                    out.push_str(REDACTED);
                    let rest = text.get(end..).unwrap_or_default();
                    i = end + rest.find(|c| !is_base64_char(c)).unwrap_or(rest.len());
                }
                Some(end) => {
                    out.push_str(REDACTED);
                    i = end;
                }
                None => {
                    let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                        break;
                    };
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        out
    }

    fn base64_at(&self, text: &str, start: usize) -> bool {
        let rest = text.as_bytes().get(start..).unwrap_or_default();
        self.base64.iter().any(|c| rest.starts_with(c.as_bytes()))
    }

    /// The end of the longest encoding of the secret starting at byte `start`.
    fn match_at(&self, text: &str, start: usize) -> Option<usize> {
        let bytes = text.as_bytes();
        let rest = bytes.get(start..)?;
        if let Some(core) = self.base64.iter().find(|c| rest.starts_with(c.as_bytes())) {
            return Some(start + core.len());
        }
        // The positions reachable after matching each char: an NFA run, so that an escape
        // that begins like another form (`\\` vs `\`) cannot hide a match.
        let mut positions = vec![start];
        for forms in &self.chars {
            let mut next: Vec<usize> = Vec::new();
            for &p in &positions {
                let Some(at) = bytes.get(p..) else { continue };
                for form in forms {
                    if at.starts_with(form.as_bytes()) && !next.contains(&(p + form.len())) {
                        next.push(p + form.len());
                    }
                }
            }
            if next.is_empty() {
                return None;
            }
            positions = next;
        }
        positions.into_iter().max()
    }
}

/// Whether `text[start..end]` is not part of a longer word.
fn is_token(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).and_then(|t| t.chars().next_back());
    let after = text.get(end..).and_then(|t| t.chars().next());
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// The forms one character of a secret can take in a server's answer.
fn encodings(c: char) -> Vec<String> {
    let mut forms = vec![c.to_string()];
    let mut push = |form: String| {
        if !forms.contains(&form) {
            forms.push(form);
        }
    };
    // JSON, escaped once and twice.
    match c {
        '"' => {
            push("\\\"".into());
            push("\\\\\\\"".into());
        }
        '\\' => {
            push("\\\\".into());
            push("\\\\\\\\".into());
        }
        '/' => {
            push("\\/".into());
            push("\\\\\\/".into());
        }
        _ => {}
    }
    let mut units = [0u16; 2];
    for upper in [false, true] {
        let escaped: String = c
            .encode_utf16(&mut units)
            .iter()
            .map(|u| hex_escape("\\u", u32::from(*u), 4, upper))
            .collect();
        push(escaped.clone());
        push(escaped.replace("\\u", "\\\\u"));
        // Percent-encoded UTF-8.
        let mut buf = [0u8; 4];
        let percent: String = c
            .encode_utf8(&mut buf)
            .bytes()
            .map(|b| hex_escape("%", u32::from(b), 2, upper))
            .collect();
        push(percent);
    }
    if c == ' ' {
        push("+".into());
    }
    forms
}

fn hex_escape(prefix: &str, value: u32, width: usize, upper: bool) -> String {
    if upper {
        format!("{prefix}{value:0width$X}")
    } else {
        format!("{prefix}{value:0width$x}")
    }
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// For each alignment of the secret in a base64-encoded stream (0, 1 or 2 bytes before it),
/// the run of base64 characters that depends on the secret's bytes only, in both alphabets.
fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut cores = Vec::new();
    for offset in 0..3usize {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret);
        let bits_start = offset * 8;
        let bits_end = bits_start + secret.len() * 8;
        // Characters whose 6 bits all lie inside the secret.
        let first = bits_start.div_ceil(6);
        let last = bits_end / 6; // exclusive
        for alphabet in [STANDARD, URL_SAFE] {
            let encoded = base64(&bytes, alphabet);
            if let Some(core) = encoded.get(first..last) {
                if !core.is_empty() && !cores.iter().any(|c| c == core) {
                    cores.push(core.to_owned());
                }
            }
        }
    }
    cores
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '=')
}

/// Base64 without padding.
fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    let sextet = |v: u32| char::from(alphabet[(v & 63) as usize]);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sextet(n >> 18));
        out.push(sextet(n >> 12));
        if chunk.len() > 1 {
            out.push(sextet(n >> 6));
        }
        if chunk.len() > 2 {
            out.push(sextet(n));
        }
    }
    out
}

/// Whether a field name says its value is a secret.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|word| key.contains(word)) || matches!(key.as_str(), "sk" | "ak_sk")
}

const SECRET_WORDS: &[&str] = &[
    "password",
    "pwd",
    "token",
    "secret",
    "authorization",
    "credential",
];

/// Free text with the values of secret-named fields blanked: `"user_pwd": "..."` (also
/// escaped inside another JSON string, `\"user_pwd\":\"...\"`), `'password': '...'`, and
/// `password=...` as in a form or query. A bare `password: word` is prose, not a field.
fn blank_named_values(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(key_end) = next_secret_word(&lower, search) {
        search = key_end;
        let Some((value_start, value_end)) = named_value(text, key_end) else {
            continue;
        };
        out.push_str(text.get(copied..value_start).unwrap_or_default());
        out.push_str(REDACTED);
        copied = value_end;
        search = value_end;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// The end of the next field name (from `from`) that contains a secret word.
fn next_secret_word(lower: &str, from: usize) -> Option<usize> {
    let rest = lower.get(from..)?;
    let (at, word) = SECRET_WORDS
        .iter()
        .filter_map(|w| rest.find(w).map(|at| (at, *w)))
        .min_by_key(|(at, _)| *at)?;
    let start = from + at;
    let tail = lower.get(start + word.len()..).unwrap_or_default();
    let name_len = tail
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(tail.len());
    Some(start + word.len() + name_len)
}

/// The byte range of the value assigned to the field name ending at `key_end`, if any.
fn named_value(text: &str, key_end: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = key_end;
    // The name's closing quote, possibly escaped.
    while matches!(bytes.get(i), Some(b'\\' | b'"' | b'\'')) {
        i += 1;
    }
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    let separator = *bytes.get(i)?;
    if separator != b':' && separator != b'=' {
        return None;
    }
    i += 1;
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    let slashes = bytes.get(i..)?.iter().take_while(|&&b| b == b'\\').count();
    match bytes.get(i + slashes) {
        Some(&quote @ (b'"' | b'\'')) => {
            let start = i + slashes + 1;
            closing_quote(bytes, start, quote, slashes).map(|end| (start, end - slashes))
        }
        _ if separator == b'=' && slashes == 0 => {
            let len = bytes
                .get(i..)?
                .iter()
                .take_while(|&&b| !ends_bare(b))
                .count();
            (len > 0).then_some((i, i + len))
        }
        _ => None,
    }
}

fn ends_bare(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'&' | b',' | b';' | b'}' | b'"' | b'\'' | b')')
}

/// The index of the quote closing a value opened by `quote` after `slashes` backslashes: a
/// quote escaped at the same depth (a run of backslashes `r` with `r mod 2^(depth+1)` equal to
/// the opening run), not one escaped deeper (a quote inside the value).
fn closing_quote(bytes: &[u8], start: usize, quote: u8, slashes: usize) -> Option<usize> {
    let modulus = (slashes + 1).checked_mul(2)?;
    let mut run = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if b == quote && run % modulus == slashes % modulus {
            return Some(i);
        }
        run = if b == b'\\' { run + 1 } else { 0 };
    }
    None
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
