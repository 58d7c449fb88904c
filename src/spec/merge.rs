//! Overlays: later files deep-merge over earlier ones, and `defaults:` under each cluster.
//!
//! Mappings merge key by key (recursively); any other value replaces what it overrides;
//! `key: !reset` removes the inherited key. Values that are one choice among several forms
//! (`password`, `public_ip`, `restore_from`) are replaced whole: merging
//! `{from_env: A}` with `{from_file: B}` would name two sources. Every value keeps the span of the file it came
//! from, so an error in an overlaid value points into the overlay.

use std::collections::HashMap;

use super::yaml::{Entry, Node, NodeKind};

/// Keys whose values an overlay replaces whole instead of merging.
pub const REPLACED_WHOLE: &[&str] = &["password", "public_ip", "restore_from"];

/// Merges `overlay` over `base`.
pub fn merge(base: Node, overlay: Node) -> Node {
    match (base.kind, overlay.kind) {
        (NodeKind::Map(entries), NodeKind::Map(over)) => Node {
            kind: NodeKind::Map(merge_entries(entries, over)),
            span: base.span,
        },
        (_, kind) => strip_resets(Node {
            kind,
            span: overlay.span,
        }),
    }
}

/// Key-by-key merge; an index keeps large mappings linear.
fn merge_entries(entries: Vec<Entry>, over: Vec<Entry>) -> Vec<Entry> {
    let mut index: HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.clone(), i))
        .collect();
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    for entry in over {
        let existing = index.get(&entry.key).copied();
        match (existing, entry.value.kind) {
            (Some(i), NodeKind::Reset) => {
                if let Some(slot) = slots.get_mut(i) {
                    *slot = None;
                }
                index.remove(&entry.key);
            }
            (None, NodeKind::Reset) => {}
            (Some(i), kind) => {
                let value = Node {
                    kind,
                    span: entry.value.span,
                };
                if let Some(Some(slot)) = slots.get_mut(i) {
                    if REPLACED_WHOLE.contains(&slot.key.as_str()) {
                        slot.value = strip_resets(value);
                    } else {
                        let old = std::mem::replace(&mut slot.value, placeholder(value.span));
                        slot.value = merge(old, value);
                    }
                }
            }
            (None, kind) => {
                index.insert(entry.key.clone(), slots.len());
                slots.push(Some(Entry {
                    key: entry.key,
                    key_span: entry.key_span,
                    value: strip_resets(Node {
                        kind,
                        span: entry.value.span,
                    }),
                }));
            }
        }
    }
    slots.into_iter().flatten().collect()
}

fn placeholder(span: super::error::Span) -> Node {
    Node {
        kind: NodeKind::Seq(Vec::new()),
        span,
    }
}

/// Removes `!reset` entries from a tree that has nothing to inherit (the first file, or a
/// value that replaces a non-mapping).
pub fn strip_resets(node: Node) -> Node {
    match node.kind {
        NodeKind::Map(entries) => Node {
            kind: NodeKind::Map(
                entries
                    .into_iter()
                    .filter(|e| e.value.kind != NodeKind::Reset)
                    .map(|e| Entry {
                        value: strip_resets(e.value),
                        ..e
                    })
                    .collect(),
            ),
            span: node.span,
        },
        NodeKind::Seq(items) => Node {
            kind: NodeKind::Seq(items.into_iter().map(strip_resets).collect()),
            span: node.span,
        },
        kind => Node {
            kind,
            span: node.span,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::yaml::parse;

    fn yaml(file: usize, text: &str) -> Node {
        let mut problems = Vec::new();
        parse(file, text, &mut problems).expect("parses")
    }

    fn text_of(node: &Node, path: &[&str]) -> Option<String> {
        let mut n = node;
        for key in path {
            n = n.get(key)?;
        }
        match &n.kind {
            NodeKind::Scalar(s) => Some(s.text.clone()),
            _ => None,
        }
    }

    #[test]
    fn later_files_win_and_mappings_merge_deeply() {
        let base = yaml(0, "c:\n  a:\n    port: 8000\n    tags: {x: '1', y: '2'}\n");
        let over = yaml(1, "c:\n  a:\n    port: 8001\n    tags: {y: '3'}\n");
        let merged = merge(base, over);
        assert_eq!(
            text_of(&merged, &["c", "a", "port"]).as_deref(),
            Some("8001")
        );
        assert_eq!(
            text_of(&merged, &["c", "a", "tags", "x"]).as_deref(),
            Some("1")
        );
        assert_eq!(
            text_of(&merged, &["c", "a", "tags", "y"]).as_deref(),
            Some("3")
        );
        let port = merged
            .get("c")
            .and_then(|c| c.get("a"))
            .and_then(|a| a.get("port"));
        assert_eq!(
            port.expect("port").span.file,
            1,
            "the value remembers its file"
        );
    }

    #[test]
    fn reset_removes_an_inherited_key() {
        let base = yaml(0, "a: {x: 1, y: 2}\n");
        let over = yaml(1, "a: {x: !reset, z: !reset}\n");
        let merged = merge(base, over);
        assert_eq!(text_of(&merged, &["a", "x"]), None);
        assert_eq!(text_of(&merged, &["a", "y"]).as_deref(), Some("2"));
        assert!(merged.get("a").and_then(|a| a.get("z")).is_none());
    }

    #[test]
    fn a_password_reference_is_replaced_not_merged() {
        let base = yaml(0, "password: {from_env: A}\n");
        let over = yaml(1, "password: {from_file: b}\n");
        let merged = merge(base, over);
        assert_eq!(text_of(&merged, &["password", "from_env"]), None);
        assert_eq!(
            text_of(&merged, &["password", "from_file"]).as_deref(),
            Some("b")
        );
    }

    #[test]
    fn a_first_file_reset_is_dropped() {
        let only = strip_resets(yaml(0, "a: {x: !reset, y: 1}\n"));
        assert!(only.get("a").and_then(|a| a.get("x")).is_none());
    }
}
