//! Reading single values: strings, integers, booleans, mappings and known keys, each with a
//! located "expected X, found Y" or "unknown key, did you mean" problem.

use super::super::error::Problem;
use super::super::raw::Spanned;
use super::super::yaml::{Entry, Node, NodeKind};
use super::Reader;

/// "did you mean `x`?" for the closest candidate, if any is close enough.
pub fn suggest(word: &str, candidates: &[&str]) -> Option<String> {
    let best = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .min()?;
    let limit = (word.chars().count() / 3).max(2);
    (best.0 <= limit).then(|| format!("did you mean `{}`?", best.1))
}

/// Key names whose values are probably secrets.
fn looks_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "credential"]
        .iter()
        .any(|w| key.contains(w))
}

impl Reader<'_> {
    /// The entries of a mapping (null reads as empty); otherwise a `wrong_type` problem.
    pub(super) fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match &node.kind {
            NodeKind::Map(entries) => Some(entries),
            NodeKind::Scalar(s) if s.is_null() => Some(&[]),
            NodeKind::Invalid => None,
            _ => {
                self.problems.push(
                    Problem::new(
                        "wrong_type",
                        node.span,
                        format!("{what} must be a mapping, found {}", node.type_name()),
                    )
                    .label(format!("{} here", node.type_name()))
                    .help("write `key: value` pairs, one per line, indented under it"),
                );
                None
            }
        }
    }

    /// Like [`Self::map`], but null means "not set".
    pub(super) fn optional_map<'n>(&mut self, node: &'n Node, field: &str) -> Option<&'n [Entry]> {
        if node.is_null() {
            return None;
        }
        self.map(node, &format!("`{field}`"))
    }

    /// Reports keys that are not in `known`. A key known at another level gets a hint.
    pub(super) fn check_keys(
        &mut self,
        entries: &[Entry],
        known: &[&str],
        elsewhere: &[&str],
        context: &str,
    ) {
        let refs: Vec<&Entry> = entries.iter().collect();
        let unknown: Vec<&Entry> = refs
            .into_iter()
            .filter(|e| !elsewhere.contains(&e.key.as_str()))
            .collect();
        self.check_entry_keys(&unknown, known, context);
        for e in entries
            .iter()
            .filter(|e| elsewhere.contains(&e.key.as_str()) && !known.contains(&e.key.as_str()))
        {
            self.problems.push(
                Problem::new(
                    "unknown_key",
                    e.key_span,
                    format!("unknown key `{}` {context}", e.key),
                )
                .label("not a field here")
                .help(format!(
                    "`{}` belongs at the top level of the spec; check the indentation",
                    e.key
                )),
            );
        }
    }

    pub(super) fn check_entry_keys(&mut self, entries: &[&Entry], known: &[&str], context: &str) {
        for e in entries.iter().filter(|e| !known.contains(&e.key.as_str())) {
            // A misspelt password key may hold a password: never show its value.
            if looks_secret(&e.key) {
                self.mask(&e.value);
            }
            let help = if e.key == "user_pwd" && known.contains(&"password") {
                format!(
                    "dwsctl calls it `password`, and never inline: {}",
                    super::INLINE_PASSWORD_HELP
                )
            } else {
                suggest(&e.key, known)
                    .unwrap_or_else(|| format!("the keys here are: {}", known.join(", ")))
            };
            self.problems.push(
                Problem::new(
                    "unknown_key",
                    e.key_span,
                    format!("unknown key `{}` {context}", e.key),
                )
                .label("unknown key")
                .help(help),
            );
        }
    }

    pub(super) fn wrong_type(&mut self, node: &Node, field: &str, expected: &str) {
        self.problems.push(
            Problem::new(
                "wrong_type",
                node.span,
                format!("`{field}` must be {expected}, found {}", node.type_name()),
            )
            .label(format!("{} here", node.type_name()))
            .help(format!("write `{field}` as {expected}")),
        );
    }

    /// A string; any non-null scalar is taken as its source text (so `007` stays `007`).
    pub(super) fn string(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::Scalar(s) if s.is_null() => None,
            NodeKind::Invalid => None,
            NodeKind::Scalar(s) => Some(Spanned::new(s.text.clone(), node.span)),
            _ => {
                self.wrong_type(node, field, "a string");
                None
            }
        }
    }

    pub(super) fn int(&mut self, node: &Node, field: &str) -> Option<Spanned<i64>> {
        match &node.kind {
            NodeKind::Scalar(s) if s.is_null() => None,
            NodeKind::Invalid => None,
            NodeKind::Scalar(s) => match s.as_int() {
                Some(v) => Some(Spanned::new(v, node.span)),
                None => {
                    let looks_numeric = s
                        .text
                        .trim_start_matches(['-', '+'])
                        .bytes()
                        .all(|b| b.is_ascii_digit());
                    if s.plain && looks_numeric && !s.text.is_empty() {
                        self.problems.push(
                            Problem::new(
                                "wrong_type",
                                node.span,
                                format!("`{field}` is out of range"),
                            )
                            .label("too large")
                            .help(format!("write `{field}` as a small whole number")),
                        );
                    } else {
                        self.wrong_type(node, field, "a whole number");
                    }
                    None
                }
            },
            _ => {
                self.wrong_type(node, field, "a whole number");
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, node: &Node, field: &str) -> Option<Spanned<bool>> {
        match &node.kind {
            NodeKind::Scalar(s) if s.is_null() => None,
            NodeKind::Invalid => None,
            NodeKind::Scalar(s) if s.as_bool().is_some() => {
                s.as_bool().map(|b| Spanned::new(b, node.span))
            }
            _ => {
                self.wrong_type(node, field, "`true` or `false`");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("nodetype", &["node_type", "port"]).as_deref(),
            Some("did you mean `node_type`?")
        );
        assert_eq!(
            suggest("numbr_of_nodes", &["number_of_node"]).as_deref(),
            Some("did you mean `number_of_node`?")
        );
        assert_eq!(suggest("colour", &["node_type", "port"]), None);
    }
}
