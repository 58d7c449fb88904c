//! Spec diagnostics: every problem found in a run, each pointing into the file its value
//! came from, collected, sorted by file and position, and reported once.
//!
//! Checks record [`Problem`]s (a rule name, a message and a [`Span`]); [`SpecError`] turns them
//! into miette diagnostics with the snippet of the right file. A file that contains an inline
//! password is shown with that password masked, so that no rendering can leak it.

use std::collections::BTreeSet;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};

/// Which spec file a span points into: its index in the `-f` order.
pub type FileId = usize;

/// A byte range in one spec file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub len: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, len: usize) -> Self {
        Self { file, start, len }
    }

    /// The start of a file, for problems about the file as a whole.
    pub fn file_start(file: FileId) -> Self {
        Self::new(file, 0, 0)
    }
}

/// One broken rule, before it is rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The rule's name, e.g. `cluster_name`; the diagnostic code.
    pub rule: &'static str,
    pub message: String,
    pub span: Span,
    /// Text under the snippet's marker.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// A value quoted in a headline (between backticks) longer than this many characters is
/// shortened: the snippet under the headline shows it in place, and a 1,100-character name
/// would otherwise fill the screen.
pub const MAX_QUOTED: usize = 100;

/// `message` with each backtick-quoted part over [`MAX_QUOTED`] characters cut to its start
/// and `…`.
fn clip_quoted(message: String) -> String {
    if message.chars().count() <= MAX_QUOTED {
        return message;
    }
    let mut out = String::with_capacity(MAX_QUOTED * 2);
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && part.chars().count() > MAX_QUOTED {
            out.extend(part.chars().take(MAX_QUOTED / 2));
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}

impl Problem {
    pub fn new(rule: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self {
            rule,
            message: clip_quoted(message.into()),
            span,
            label: String::new(),
            help: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The text of one spec file as diagnostics show it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as given on the command line.
    pub name: String,
    /// `None` when the file could not be read at all.
    pub text: Option<Arc<str>>,
    /// Byte ranges masked with `*` before the text is shown (inline passwords).
    pub redact: Vec<(usize, usize)>,
}

impl SourceFile {
    /// The text to show in snippets, with redactions applied.
    fn shown_text(&self) -> Option<Arc<str>> {
        let text = self.text.as_ref()?;
        if self.redact.is_empty() {
            return Some(text.clone());
        }
        let mut bytes = text.as_bytes().to_vec();
        for &(start, len) in &self.redact {
            let end = start.saturating_add(len).min(bytes.len());
            for byte in bytes.get_mut(start.min(end)..end).into_iter().flatten() {
                *byte = b'*';
            }
        }
        // Masking whole UTF-8 sequences keeps the text valid; fall back to lossy otherwise.
        Some(Arc::from(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        LineIndex::new(self).line_col(offset)
    }
}

/// Where each line of a file starts, so that many diagnostics in a large file do not each
/// rescan it.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(file: &'a SourceFile) -> Self {
        let text = file.text.as_deref().unwrap_or("");
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line, column)
    }
}

/// At most this many problems are rendered; the summary gives the total.
pub const MAX_REPORTED: usize = 100;

/// Every spec problem of a run, sorted by file and position. Its `related` diagnostics
/// are the problems; [`SpecError::render`] prints them in a stable, colourless form.
#[derive(Debug, thiserror::Error)]
#[error("{summary}")]
pub struct SpecError {
    summary: String,
    diagnostics: Vec<SpecDiagnostic>,
}

impl SpecError {
    /// Builds the report: sorts, de-duplicates (a defaults value shared by many clusters is
    /// reported once) and attaches each file's text.
    pub fn new(files: &[SourceFile], mut problems: Vec<Problem>) -> Self {
        problems.sort_by(|a, b| (a.span, a.rule, &a.message).cmp(&(b.span, b.rule, &b.message)));
        let mut seen = BTreeSet::new();
        problems.retain(|p| seen.insert((p.span, p.rule)));
        let total = problems.len();
        problems.truncate(MAX_REPORTED);
        let shown: Vec<Option<Arc<str>>> = files.iter().map(SourceFile::shown_text).collect();
        let lines: Vec<LineIndex<'_>> = files.iter().map(LineIndex::new).collect();
        let diagnostics: Vec<SpecDiagnostic> = problems
            .into_iter()
            .map(|p| SpecDiagnostic::new(files, &lines, &shown, p))
            .collect();
        let summary = match total {
            1 => "the spec has 1 error".to_owned(),
            n if n > MAX_REPORTED => {
                format!("the spec has {n} errors (the first {MAX_REPORTED} are shown)")
            }
            n => format!("the spec has {n} errors"),
        };
        Self {
            summary,
            diagnostics,
        }
    }

    pub fn diagnostics(&self) -> &[SpecDiagnostic] {
        &self.diagnostics
    }

    /// The rules broken, in report order.
    pub fn rules(&self) -> Vec<&'static str> {
        self.diagnostics.iter().map(|d| d.rule).collect()
    }

    /// Renders the whole report without colour at a fixed width (stable for snapshots and
    /// for output that is not a terminal).
    pub fn render(&self, width: usize) -> String {
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(width)
                .with_links(false);
        let mut out = String::new();
        if handler.render_report(&mut out, self).is_err() {
            // Rendering into a String cannot fail on I/O; keep the plain messages anyway.
            out = self
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}\n", d.location(), d.message))
                .collect();
        }
        out
    }
}

impl Diagnostic for SpecError {
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(
            self.diagnostics.iter().map(|d| d as &dyn Diagnostic),
        ))
    }
}

/// One rendered problem: file:line:column, the snippet, the rule and the fix.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SpecDiagnostic {
    rule: &'static str,
    message: String,
    label: String,
    help: Option<String>,
    file: String,
    line: usize,
    column: usize,
    src: Option<NamedSource<Arc<str>>>,
    span: SourceSpan,
}

impl SpecDiagnostic {
    fn new(
        files: &[SourceFile],
        lines: &[LineIndex<'_>],
        shown: &[Option<Arc<str>>],
        p: Problem,
    ) -> Self {
        let file = files.get(p.span.file);
        let (line, column) = lines
            .get(p.span.file)
            .map_or((1, 1), |l| l.line_col(p.span.start));
        let name = file.map_or_else(|| "<spec>".to_owned(), |f| f.name.clone());
        let src = shown
            .get(p.span.file)
            .cloned()
            .flatten()
            .filter(|text| snippet_fits(text, p.span.start))
            .map(|text| NamedSource::new(name.clone(), text));
        // Without a snippet, the message itself must say where.
        let message = match (&src, file.and_then(|f| f.text.as_ref())) {
            (None, Some(_)) => format!("{} (at {name}:{line}:{column})", p.message),
            _ => p.message,
        };
        let len = src.as_ref().map_or(0, |s| {
            let total = s.inner().len();
            p.span.len.min(total.saturating_sub(p.span.start))
        });
        let start = src
            .as_ref()
            .map_or(0, |s| p.span.start.min(s.inner().len()));
        Self {
            rule: p.rule,
            message,
            label: p.label,
            help: p.help,
            file: name,
            line,
            column,
            src,
            span: SourceSpan::new(start.into(), len),
        }
    }

    pub fn rule(&self) -> &'static str {
        self.rule
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// `file:line:column`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn line(&self) -> usize {
        self.line
    }

    pub fn column(&self) -> usize {
        self.column
    }

    /// The byte range the diagnostic marks, when the file's text is shown.
    pub fn span(&self) -> Option<(usize, usize)> {
        self.src
            .as_ref()
            .map(|_| (self.span.offset(), self.span.len()))
    }
}

/// Longest line shown in a snippet. Longer lines (minified or hostile input) would flood
/// the terminal, and miette cannot pad past 65,535 columns.
const MAX_SNIPPET_LINE: usize = 500;

/// Whether the lines around `offset` (the snippet shows one line of context each side) are
/// short enough to show.
fn snippet_fits(text: &str, offset: usize) -> bool {
    let offset = offset.min(text.len());
    let (before, after) = text.as_bytes().split_at(offset);
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // From the start of the previous line to the end of the next one: at most 3 lines.
    let from = before
        .get(..line_start.saturating_sub(1))
        .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        .map_or(0, |i| i + 1);
    let mut newlines = 0;
    let to = after
        .iter()
        .position(|&b| {
            newlines += usize::from(b == b'\n');
            newlines == 2
        })
        .map_or(text.len(), |i| offset + i);
    text.as_bytes()
        .get(from..to)
        .unwrap_or(&[])
        .split(|&b| b == b'\n')
        .all(|line| line.len() <= MAX_SNIPPET_LINE)
}

impl Diagnostic for SpecDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.rule))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.src.as_ref()?;
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(label, self.span),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            name: "a.yaml".into(),
            text: Some(Arc::from(text)),
            redact: vec![],
        }
    }

    #[test]
    fn line_and_column_count_characters_from_one() {
        let f = file("a: 1\nbé: x\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(5), (2, 1));
        // "bé: " is 5 bytes, 4 characters.
        assert_eq!(f.line_col(10), (2, 5));
    }

    #[test]
    fn problems_are_sorted_by_position_and_deduplicated() {
        let f = file("a: 1\nb: 2\n");
        let late = Problem::new("late", Span::new(0, 5, 1), "late");
        let early = Problem::new("early", Span::new(0, 0, 1), "early");
        let err = SpecError::new(&[f], vec![late.clone(), early, late]);
        assert_eq!(err.rules(), vec!["early", "late"]);
        assert_eq!(err.diagnostics()[1].location(), "a.yaml:2:1");
    }

    #[test]
    fn long_lines_are_not_shown_but_the_location_is() {
        let long = format!("a: 1\nb: {}\nc: 2\nd: 3\ne: 4\n", "x".repeat(70_000));
        let f = file(&long);
        let near = SpecError::new(
            std::slice::from_ref(&f),
            vec![Problem::new("x", Span::new(0, 0, 1), "bad a")],
        );
        assert!(
            near.render(80).contains("(at a.yaml:1:1)"),
            "{}",
            near.render(80)
        );
        let far = long.len() - 2;
        let ok = SpecError::new(&[f], vec![Problem::new("x", Span::new(0, far, 1), "bad e")]);
        let out = ok.render(80);
        assert!(out.contains("a.yaml:5:4") && !out.contains("(at "), "{out}");
    }

    #[test]
    fn a_flood_of_problems_is_capped_with_the_total_in_the_summary() {
        let f = file("a: 1\n");
        let many = (0..250)
            .map(|i| Problem::new("x", Span::new(0, i % 4, 1 + i / 4), "bad"))
            .collect();
        let err = SpecError::new(&[f], many);
        assert_eq!(err.diagnostics().len(), MAX_REPORTED);
        assert_eq!(
            err.to_string(),
            "the spec has 250 errors (the first 100 are shown)"
        );
    }

    #[test]
    fn long_quoted_values_are_shortened_in_headlines() {
        let name = "d".repeat(1100);
        let p = Problem::new(
            "x",
            Span::new(0, 0, 1),
            format!("name `{name}` has 1100 characters"),
        );
        assert_eq!(
            p.message,
            format!("name `{}…` has 1100 characters", "d".repeat(MAX_QUOTED / 2))
        );
        let exact = format!("name `{}` is fine", "d".repeat(MAX_QUOTED));
        assert_eq!(
            Problem::new("x", Span::new(0, 0, 1), exact.clone()).message,
            exact
        );
    }

    #[test]
    fn redacted_text_never_shows_the_secret() {
        let mut f = file("password: hunter2-secret\nport: 1\n");
        f.redact.push((10, 14));
        let err = SpecError::new(&[f], vec![Problem::new("x", Span::new(0, 25, 4), "bad")]);
        let out = err.render(80);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("port"), "{out}");
    }
}
