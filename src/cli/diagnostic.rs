//! The one renderer of errors: every error the CLI prints, whatever its source, has the same
//! heading, `Error: <kind>::<name>`.
//!
//! The kind is the [`ErrorKind`] that picked the exit code, so a CI log says why a job failed
//! in a word that scripts can match (`Error: config::no_credentials`, `Error: api::status`);
//! the name is the error's own (the last part of the library's diagnostic code, or the spec
//! rule) and is left out when the error has none or it repeats the kind (`Error: blocked`). A
//! spec error is a heading with the count followed by one heading per problem
//! (`Error: spec::unknown_key`), each with its file:line:column snippet. Below the heading
//! miette draws the message (`× …`), the snippet and the help, as it always did.
//!
//! Headings are drawn here, for the error and for each of its related problems alike, and
//! miette draws only what is below them: miette itself writes a top diagnostic's code alone
//! and a related one's after `Error:`, which were two styles.

use std::fmt;

use miette::{Diagnostic, LabeledSpan, MietteHandlerOpts, ReportHandler, Severity, SourceCode};

use super::error::{CmdError, ErrorKind};

/// The whole text of `err` as it goes to stderr (before terminal escaping). `colour` adds the
/// terminal's colour codes; without it the text is plain.
pub fn render(err: &CmdError, colour: bool) -> String {
    let handler = MietteHandlerOpts::new()
        .color(colour)
        .unicode(true)
        .terminal_links(false)
        .force_graphical(true)
        .build();
    let mut out = String::new();
    let blocks = Blocks {
        handler: &handler,
        kind: err.kind,
        colour,
    };
    blocks.render(&mut out, err.report.as_ref(), None);
    out
}

/// What every block of one error is drawn with.
struct Blocks<'a> {
    handler: &'a dyn ReportHandler,
    kind: ErrorKind,
    colour: bool,
}

impl Blocks<'_> {
    /// Appends `diagnostic`'s block (heading, blank line, miette's drawing), then one block
    /// per related problem, separated by blank lines.
    fn render(
        &self,
        out: &mut String,
        diagnostic: &dyn Diagnostic,
        parent: Option<&dyn SourceCode>,
    ) {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        let heading = format!("Error: {}", code(self.kind, diagnostic));
        if self.colour {
            out.push_str(&format!("\u{1b}[1;31m{heading}\u{1b}[0m"));
        } else {
            out.push_str(&heading);
        }
        out.push_str("\n\n");
        let body = Body {
            inner: diagnostic,
            parent,
        };
        out.push_str(format!("{}", Show(self.handler, &body)).trim_end());
        let source = diagnostic.source_code().or(parent);
        for related in diagnostic.related().into_iter().flatten() {
            self.render(out, related, source);
        }
    }
}

/// `<kind>::<name>`: the name is the last segment of the diagnostic's own code.
fn code(kind: ErrorKind, diagnostic: &dyn Diagnostic) -> String {
    let own = diagnostic.code().map(|code| code.to_string());
    let name = own
        .as_deref()
        .and_then(|code| code.rsplit("::").next())
        .filter(|name| !name.is_empty() && *name != kind.name());
    match name {
        Some(name) => format!("{}::{name}", kind.name()),
        None => kind.name().to_owned(),
    }
}

/// Renders a diagnostic through miette's handler (the handler renders in `Debug`).
struct Show<'a>(&'a dyn ReportHandler, &'a dyn Diagnostic);

impl fmt::Display for Show<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug(self.1, f)
    }
}

/// What miette draws below a heading: everything of `inner` but its code (the heading has
/// it) and its related problems (blocks of their own); the source of `parent` when `inner`
/// has none, as miette does for related diagnostics.
struct Body<'a> {
    inner: &'a dyn Diagnostic,
    parent: Option<&'a dyn SourceCode>,
}

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl fmt::Display for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for Body<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl Diagnostic for Body<'_> {
    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.inner.source_code().or(self.parent)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.inner.diagnostic_source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::config::ConfigError;
    use crate::cli::error::CliError;

    #[test]
    fn a_coded_error_is_headed_by_its_kind_and_name() {
        let err = CmdError::from(ConfigError::NoCredentials);
        let text = render(&err, false);
        assert!(
            text.starts_with("Error: config::no_credentials\n\n  × no credentials found\n"),
            "{text}"
        );
        assert!(text.contains("  help: set OS_USERNAME"), "{text}");
    }

    #[test]
    fn a_name_that_repeats_the_kind_is_not_shown_twice() {
        let err = CmdError::from(crate::exec::ExecError::Blocked(vec![]));
        assert!(render(&err, false).starts_with("Error: blocked\n\n  × "));
    }

    #[test]
    fn an_error_without_a_code_is_headed_by_its_kind_alone() {
        #[derive(Debug, thiserror::Error, miette::Diagnostic)]
        #[error("plain")]
        struct Plain;
        let err = CmdError::new(ErrorKind::Input, Plain);
        assert_eq!(render(&err, false), "Error: input\n\n  × plain");
        let err = CmdError::from(CliError::Runtime(std::io::Error::other("x")));
        assert!(render(&err, false).starts_with("Error: internal::runtime\n\n  × "));
    }

    #[test]
    fn colour_only_adds_escape_codes() {
        let err = CmdError::from(ConfigError::NoCredentials);
        let coloured = render(&err, true);
        assert!(coloured.starts_with("\u{1b}[1;31mError: config::no_credentials\u{1b}[0m"));
        assert_eq!(strip_sgr(&coloured), render(&err, false));
    }

    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("inner")]
    #[diagnostic(code(some_rule))]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(Vec<Inner>);

    impl Diagnostic for Outer {
        fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
            Some(Box::new(self.0.iter().map(|d| d as &dyn Diagnostic)))
        }
    }

    #[test]
    fn related_problems_get_the_same_heading_as_the_error_in_plain_and_in_colour() {
        let err = CmdError::new(ErrorKind::Spec, Outer(vec![Inner, Inner]));
        assert_eq!(
            render(&err, false),
            "Error: spec\n\n  × outer\n\nError: spec::some_rule\n\n  × inner\n\n\
             Error: spec::some_rule\n\n  × inner"
        );
        let coloured = render(&err, true);
        assert_eq!(
            coloured.matches("\u{1b}[1;31mError: ").count(),
            3,
            "{coloured}"
        );
        assert_eq!(strip_sgr(&coloured), render(&err, false));
    }

    /// `text` without its `ESC [ … m` sequences.
    fn strip_sgr(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('\u{1b}') {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            rest = tail.find('m').map_or("", |end| &tail[end + 1..]);
        }
        out.push_str(rest);
        out
    }
}
