//! YAML text → a tree of [`Node`]s that each know their file, line and column.
//!
//! serde_yaml keeps no per-value positions, so the spec is read with yaml-rust2's event
//! parser into this small tree. The tree is deliberately a subset of YAML: one document,
//! no aliases (no alias bombs, and a reviewer sees every value where it applies), no merge
//! keys, no duplicate keys, no tags except `!reset` (remove an inherited key in an overlay)
//! and `!!str`, bounded depth and size. Scalars keep their source text; their type (null,
//! bool, integer) is decided where a field is read, so that `password_version: 007` means
//! the text `007`.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::error::{FileId, Problem, Span};

mod long_keys;
use long_keys::LongKey;

/// Deepest nesting accepted; a spec needs five levels.
pub const MAX_DEPTH: usize = 32;
/// Most nodes accepted in one file.
pub const MAX_NODES: usize = 100_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// `!reset`: in an overlay, removes the key from what it inherits.
    Reset,
    /// A value whose problem is already reported (e.g. an unset `${VAR}`): readers skip it
    /// silently, but it still counts as written.
    Invalid,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Plain (unquoted) scalars may be null, booleans or integers; quoted ones are strings.
    pub plain: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Scalar {
    pub fn is_null(&self) -> bool {
        self.plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    pub fn as_bool(&self) -> Option<bool> {
        if !self.plain {
            return None;
        }
        match self.text.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// A decimal integer (YAML 1.2 core schema, without octal/hex: nobody writes a port in
    /// hex, and `010` meaning 8 would be a trap).
    pub fn as_int(&self) -> Option<i64> {
        if !self.plain {
            return None;
        }
        let digits = self.text.strip_prefix(['-', '+']).unwrap_or(&self.text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.text.parse().ok()
    }
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s) if s.is_null())
    }

    /// A short name of the node's YAML type, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(s) if s.is_null() => "null",
            NodeKind::Scalar(s) if s.as_bool().is_some() => "a boolean",
            NodeKind::Scalar(s) if s.as_int().is_some() => "an integer",
            NodeKind::Scalar(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
            NodeKind::Reset => "!reset",
            NodeKind::Invalid => "an invalid value",
        }
    }

    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The JSON value an editor's schema check sees: plain scalars typed as YAML 1.2 core
    /// resolves them, `!reset` as null.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Scalar(s) if s.is_null() => Value::Null,
            NodeKind::Scalar(s) => match (s.as_bool(), s.as_int()) {
                (Some(b), _) => Value::Bool(b),
                (_, Some(i)) => Value::from(i),
                _ => Value::String(s.text.clone()),
            },
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
            NodeKind::Reset | NodeKind::Invalid => Value::Null,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }
}

/// Maps the parser's character indices to byte offsets.
struct Offsets {
    /// Byte offset of each character, when the text is not ASCII.
    table: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let table = (!text.is_ascii()).then(|| {
            let mut t: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            t.push(text.len());
            t
        });
        Self {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, mark: &Marker) -> usize {
        let index = mark.index();
        match &self.table {
            None => index.min(self.len),
            Some(t) => t.get(index).copied().unwrap_or(self.len),
        }
    }
}

enum Frame {
    Seq(Span, Vec<Node>),
    /// Entries so far, the key waiting for its value, and where each key starts (duplicate
    /// keys are found in O(1), so a large mapping is not quadratic).
    Map(
        Span,
        Vec<Entry>,
        Option<(String, Span)>,
        HashMap<String, usize>,
    ),
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    offsets: Offsets,
    stack: Vec<Frame>,
    root: Option<Node>,
    /// Byte offset where each line starts.
    lines: Vec<usize>,
    nodes: usize,
    documents: usize,
    /// Keys longer than YAML's implicit-key limit, by offset, read as a placeholder (see
    /// [`long_keys`]), and how many of them were put back.
    long_keys: &'a HashMap<usize, LongKey>,
    restored: usize,
}

/// Parses one file. Returns `None` (with at least one problem) when the file cannot be
/// read as a spec at all; duplicate keys are reported but the tree is still returned.
pub fn parse(file: FileId, text: &str, problems: &mut Vec<Problem>) -> Option<Node> {
    let long = long_keys::find(text);
    if long.is_empty() {
        return parse_as(file, text, text, &long, problems).0;
    }
    let shadow = long_keys::shadow(text, &long);
    let mut attempt = Vec::new();
    let (root, restored) = parse_as(file, text, &shadow, &long, &mut attempt);
    if restored == long.len() {
        problems.extend(attempt);
        return root;
    }
    // A shadowed line was not a key after all (e.g. inside a block scalar): read the file as
    // it is.
    parse_as(file, text, text, &HashMap::new(), problems).0
}

/// Parses `parsed` (the text, or its shadow with long keys replaced: the same bytes
/// elsewhere) into nodes that point into `text`; also returns how many long keys were put
/// back.
fn parse_as(
    file: FileId,
    text: &str,
    parsed: &str,
    long_keys: &HashMap<usize, LongKey>,
    problems: &mut Vec<Problem>,
) -> (Option<Node>, usize) {
    let mut parser = Parser::new_from_str(parsed);
    let mut b = Builder {
        file,
        text,
        // The parser counts characters of what it parses.
        offsets: Offsets::new(parsed),
        stack: Vec::new(),
        root: None,
        lines: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        nodes: 0,
        documents: 0,
        long_keys,
        restored: 0,
    };
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(x) => x,
            Err(err) => {
                let span = Span::new(file, b.offsets.byte(err.marker()), 0);
                // The scanner bounds flow nesting itself (before our depth check sees it).
                if err.info().contains("recursion limit") {
                    problems.push(
                        Problem::new("nesting_too_deep", span, "nesting too deep")
                            .label("too deep")
                            .help("a spec needs only a few levels: clusters → cluster → field"),
                    );
                    return (None, b.restored);
                }
                // A key the shadowing does not reach (e.g. in a `{…}` mapping) may still run
                // past YAML's implicit-key limit.
                let help = if err.marker().col() > 1024 {
                    "fix the YAML syntax at this position; a key written without `? ` is limited to 1024 characters"
                } else {
                    "fix the YAML syntax (indentation, quotes, brackets) at this position"
                };
                problems.push(
                    Problem::new("yaml_syntax", span, format!("invalid YAML: {}", err.info()))
                        .label("here")
                        .help(help),
                );
                return (None, b.restored);
            }
        };
        match b.event(event, &mark, problems) {
            Step::Continue => {}
            Step::Done => break,
            Step::Fail => return (None, b.restored),
        }
    }
    if b.root.is_none() {
        problems.push(
            Problem::new(
                "empty_file",
                Span::file_start(file),
                "the spec file is empty",
            )
            .help("start from examples/quickstart.yaml: `version: 1` and a `clusters:` mapping"),
        );
    }
    (b.root, b.restored)
}

enum Step {
    Continue,
    Done,
    Fail,
}

impl Builder<'_> {
    fn event(&mut self, event: Event, mark: &Marker, problems: &mut Vec<Problem>) -> Step {
        let at = Span::new(self.file, self.offsets.byte(mark), 0);
        match event {
            Event::StreamEnd => return Step::Done,
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    problems.push(
                        Problem::new("multiple_documents", self.line_span(at), "a spec file holds one YAML document")
                            .label("a second document starts here")
                            .help("put each document in its own file and pass them with -f (later files override earlier ones)"),
                    );
                    return Step::Fail;
                }
            }
            Event::Alias(_) => {
                problems.push(
                    Problem::new("yaml_alias", self.line_span(at), "YAML aliases (`*name`) are not supported")
                        .label("alias")
                        .help("write the value out, or share it through the top-level `defaults:` block or an overlay file"),
                );
                return Step::Fail;
            }
            Event::Scalar(text, style, _anchor, tag) => {
                let node = match self.scalar(text, style, tag, at, problems) {
                    Some(node) => node,
                    None => return Step::Fail,
                };
                return self.push(node, problems);
            }
            Event::SequenceStart(_, tag) => return self.start(true, tag, at, problems),
            Event::MappingStart(_, tag) => return self.start(false, tag, at, problems),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq(span, items)) => Node {
                        kind: NodeKind::Seq(items),
                        span,
                    },
                    Some(Frame::Map(span, entries, _, _)) => Node {
                        kind: NodeKind::Map(entries),
                        span,
                    },
                    None => return Step::Continue,
                };
                return self.push(node, problems);
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
        Step::Continue
    }

    /// Opens a sequence or mapping.
    fn start(
        &mut self,
        seq: bool,
        tag: Option<Tag>,
        at: Span,
        problems: &mut Vec<Problem>,
    ) -> Step {
        if let Some(tag) = tag {
            problems.push(self.tag_problem(&tag, at));
            return Step::Fail;
        }
        if self.stack.len() >= MAX_DEPTH {
            problems.push(
                Problem::new(
                    "nesting_too_deep",
                    Span::new(at.file, at.start, 1),
                    format!("nesting deeper than {MAX_DEPTH} levels"),
                )
                .label("too deep")
                .help("a spec needs only a few levels: clusters → cluster → field"),
            );
            return Step::Fail;
        }
        let span = self.line_span(at);
        self.stack.push(if seq {
            Frame::Seq(span, Vec::new())
        } else {
            Frame::Map(span, Vec::new(), None, HashMap::new())
        });
        Step::Continue
    }

    fn scalar(
        &self,
        text: String,
        style: TScalarStyle,
        tag: Option<Tag>,
        at: Span,
        problems: &mut Vec<Problem>,
    ) -> Option<Node> {
        let mut plain = style == TScalarStyle::Plain;
        let span = self.scalar_span(at, &text, style);
        if let Some(tag) = tag {
            let core = tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:";
            if tag.handle == "!" && tag.suffix == "reset" {
                if !(plain && text.is_empty()) {
                    problems.push(
                        Problem::new("yaml_tag", span, "`!reset` takes no value")
                            .label("value after !reset")
                            .help("write `key: !reset` to remove an inherited key, or drop the tag to set a value"),
                    );
                    return None;
                }
                return Some(Node {
                    kind: NodeKind::Reset,
                    span: self.line_span(at),
                });
            } else if core && tag.suffix == "str" {
                plain = false;
            } else {
                problems.push(self.tag_problem(&tag, at));
                return None;
            }
        }
        Some(Node {
            kind: NodeKind::Scalar(Scalar { text, plain }),
            span,
        })
    }

    fn tag_problem(&self, tag: &Tag, at: Span) -> Problem {
        Problem::new(
            "yaml_tag",
            self.line_span(at),
            format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
        )
        .label("tag")
        .help("only `!reset` (remove an inherited key in an overlay) and `!!str` are supported; remove the tag")
    }

    fn push(&mut self, node: Node, problems: &mut Vec<Problem>) -> Step {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            problems.push(
                Problem::new(
                    "too_many_values",
                    node.span,
                    format!("more than {MAX_NODES} values in one file"),
                )
                .help("a spec is a short hand-written file; check that this is the right file"),
            );
            return Step::Fail;
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending, seen)) => match pending.take() {
                Some((key, key_span)) => entries.push(Entry {
                    key,
                    key_span,
                    value: node,
                }),
                None => match key(
                    &self.lines,
                    seen,
                    restore(node, self.long_keys, &mut self.restored),
                    problems,
                ) {
                    Some(k) => {
                        seen.entry(k.0.clone()).or_insert(k.1.start);
                        *pending = Some(k);
                    }
                    None => return Step::Fail,
                },
            },
        }
        Step::Continue
    }

    /// From `at` to the end of its line (without a trailing comment or blanks).
    fn line_span(&self, at: Span) -> Span {
        let rest = self.text.get(at.start..).unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("");
        let line = line.split(" #").next().unwrap_or(line).trim_end();
        Span::new(at.file, at.start, line.len())
    }

    fn scalar_span(&self, at: Span, value: &str, style: TScalarStyle) -> Span {
        let rest = self.text.get(at.start..).unwrap_or("");
        let len = match style {
            TScalarStyle::Plain if value.is_empty() => 0,
            TScalarStyle::Plain if !value.contains('\n') && rest.starts_with(value) => value.len(),
            TScalarStyle::SingleQuoted => quoted_len(rest, '\'', None),
            TScalarStyle::DoubleQuoted => quoted_len(rest, '"', Some('\\')),
            _ => return self.line_span(at),
        };
        Span::new(at.file, at.start, len)
    }
}

/// The long key a placeholder stands for (see [`long_keys`]), or the node as it is.
fn restore(node: Node, long_keys: &HashMap<usize, LongKey>, restored: &mut usize) -> Node {
    let original = match &node.kind {
        NodeKind::Scalar(s) if s.plain && s.text == long_keys::PLACEHOLDER => {
            long_keys.get(&node.span.start)
        }
        _ => None,
    };
    let Some(original) = original else {
        return node;
    };
    *restored += 1;
    Node {
        kind: NodeKind::Scalar(Scalar {
            text: original.text.clone(),
            plain: false,
        }),
        span: Span::new(node.span.file, node.span.start, original.len),
    }
}

/// Checks a mapping key against the keys before it; `None` when the file must be refused.
fn key(
    lines: &[usize],
    seen: &HashMap<String, usize>,
    node: Node,
    problems: &mut Vec<Problem>,
) -> Option<(String, Span)> {
    let NodeKind::Scalar(scalar) = node.kind else {
        problems.push(
            Problem::new("yaml_key", node.span, "a mapping key must be a plain name")
                .label("complex key")
                .help("use a name such as `dws-demo` as the key"),
        );
        return None;
    };
    if scalar.plain && scalar.text == "<<" {
        problems.push(
            Problem::new("yaml_merge_key", node.span, "YAML merge keys (`<<`) are not supported")
                .label("merge key")
                .help("share fields through the top-level `defaults:` block, or an overlay file passed with a later -f"),
        );
        return None;
    }
    if let Some(&first) = seen.get(&scalar.text) {
        let first_line = lines.partition_point(|&start| start <= first);
        // Reported, but not fatal: the rest of the file is still checked.
        problems.push(
            Problem::new(
                "duplicate_key",
                node.span,
                format!("duplicate key `{}`", scalar.text),
            )
            .label(format!("already defined on line {first_line}"))
            .help(
                "remove one of the two; to override a value per environment, use an overlay file",
            ),
        );
    }
    Some((scalar.text, node.span))
}

/// Length of a quoted scalar starting at `rest` (which starts with the quote).
fn quoted_len(rest: &str, quote: char, escape: Option<char>) -> usize {
    let mut chars = rest.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if Some(c) == escape {
            chars.next();
        } else if c == quote {
            // `''` inside single quotes is an escaped quote.
            if escape.is_none() && rest.get(i + 1..).is_some_and(|r| r.starts_with(quote)) {
                chars.next();
                continue;
            }
            return i + 1;
        } else if c == '\n' {
            return i;
        }
    }
    rest.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Node {
        let mut problems = Vec::new();
        let node = parse(0, text, &mut problems).expect("parses");
        assert!(problems.is_empty(), "{problems:?}");
        node
    }

    fn parse_err(text: &str) -> Vec<&'static str> {
        let mut problems = Vec::new();
        let _ = parse(0, text, &mut problems);
        problems.iter().map(|p| p.rule).collect()
    }

    fn spanned<'a>(text: &'a str, node: &Node) -> &'a str {
        &text[node.span.start..node.span.start + node.span.len]
    }

    #[test]
    fn scalars_keep_exact_byte_spans() {
        let text = "a:\n  bé: \"x y\"\n  c: 'it''s'\n  d: plain value # note\n";
        let root = parse_ok(text);
        let a = root.get("a").expect("a");
        assert_eq!(spanned(text, a.get("bé").expect("b")), "\"x y\"");
        assert_eq!(spanned(text, a.get("c").expect("c")), "'it''s'");
        assert_eq!(spanned(text, a.get("d").expect("d")), "plain value");
    }

    #[test]
    fn flow_mappings_span_their_values() {
        let text = "password: {from_env: PW}\n";
        let root = parse_ok(text);
        let pw = root.get("password").expect("password");
        assert_eq!(spanned(text, pw.get("from_env").expect("env")), "PW");
    }

    #[test]
    fn plain_scalars_resolve_types_quoted_ones_stay_strings() {
        let root = parse_ok("a: 12\nb: '12'\nc: true\nd: ~\ne: 010x\n");
        let scalar = |k: &str| match &root.get(k).expect("key").kind {
            NodeKind::Scalar(s) => s.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(scalar("a").as_int(), Some(12));
        assert_eq!(scalar("b").as_int(), None);
        assert_eq!(scalar("c").as_bool(), Some(true));
        assert!(scalar("d").is_null());
        assert_eq!(scalar("e").as_int(), None);
    }

    #[test]
    fn hostile_constructs_are_refused() {
        assert_eq!(parse_err("a: &x 1\nb: *x\n"), vec!["yaml_alias"]);
        assert_eq!(
            parse_err("a: {x: 1}\nb:\n  <<: {y: 2}\n"),
            vec!["yaml_merge_key"]
        );
        assert_eq!(parse_err("a: 1\na: 2\n"), vec!["duplicate_key"]);
        assert_eq!(parse_err("a: 1\n---\nb: 2\n"), vec!["multiple_documents"]);
        assert_eq!(parse_err("a: !custom 1\n"), vec!["yaml_tag"]);
        assert_eq!(parse_err(""), vec!["empty_file"]);
        assert_eq!(parse_err("# only a comment\n"), vec!["empty_file"]);
        assert_eq!(parse_err("a: [1, 2\n"), vec!["yaml_syntax"]);
        let deep = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert_eq!(parse_err(&deep), vec!["nesting_too_deep"]);
    }

    #[test]
    fn keys_over_the_implicit_key_limit_are_read_at_their_place() {
        let long = "k".repeat(1100);
        let text = format!("a:\n  - {long}: 1\n    \"{long}\\u00e9\" :  2\nb: 3\n");
        let root = parse_ok(&text);
        let item = &root.get("a").and_then(|a| match &a.kind {
            NodeKind::Seq(items) => items.first().cloned(),
            _ => None,
        });
        let entries = item
            .as_ref()
            .and_then(Node::entries)
            .expect("mapping")
            .to_vec();
        assert_eq!(entries[0].key, long);
        assert_eq!(&text[entries[0].key_span.start..][..1100], long);
        assert_eq!(entries[0].key_span.len, 1100);
        assert_eq!(entries[1].key, format!("{long}é"));
        assert_eq!(entries[1].key_span.len, 1100 + 8);
        assert_eq!(spanned(&text, &entries[1].value), "2");
        assert_eq!(spanned(&text, root.get("b").expect("b")), "3");
        // Two long keys that are equal are still duplicates.
        assert_eq!(
            parse_err(&format!("{long}: 1\n'{long}': 2\n")),
            vec!["duplicate_key"]
        );
    }

    #[test]
    fn a_long_line_inside_a_block_scalar_is_text_not_a_key() {
        let long = "t".repeat(1100);
        let text = format!("a: |\n  {long}: not a key\nb: 1\n");
        let root = parse_ok(&text);
        match &root.get("a").expect("a").kind {
            NodeKind::Scalar(s) => assert_eq!(s.text, format!("{long}: not a key\n")),
            other => panic!("{other:?}"),
        }
        // Flow mappings have no such limit in the scanner.
        parse_ok(&format!("a: {{{long}: 1}}\n"));
        // With a block scalar line shadowed in vain, the file is read as it is, and a real long
        // key then fails with a hint at the limit.
        let both = format!("{text}{long}: 2\n");
        let mut problems = Vec::new();
        assert!(parse(0, &both, &mut problems).is_none());
        assert_eq!(problems.len(), 1, "{problems:?}");
        let help = problems[0].help.as_deref().unwrap_or("");
        assert!(help.contains("1024 characters"), "{help}");
    }

    #[test]
    fn reset_tag_marks_a_removal() {
        let root = parse_ok("a: !reset\nb: !!str 12\n");
        assert_eq!(root.get("a").expect("a").kind, NodeKind::Reset);
        match &root.get("b").expect("b").kind {
            NodeKind::Scalar(s) => assert_eq!(s.as_int(), None),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_err("a: !reset 3\n"), vec!["yaml_tag"]);
    }
}
