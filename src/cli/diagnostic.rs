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
//! Headings are written the same way for the error and its related problems because miette
//! only writes `Error:` before related diagnostics: the top one gets its heading here and
//! none from miette.

use std::fmt;

use miette::{Diagnostic, LabeledSpan, MietteHandlerOpts, ReportHandler, Severity, SourceCode};

use super::error::{CmdError, ErrorKind};

/// The whole text of `err` as it goes to stderr (before terminal escaping). `colour` adds the
/// terminal's colour codes; without it the text is plain.
pub fn render(err: &CmdError, colour: bool) -> String {
    let inner: &dyn Diagnostic = err.report.as_ref();
    let heading = heading(err.kind, inner);
    let shown = Headed::new(err.kind, inner, None);
    let handler = MietteHandlerOpts::new()
        .color(colour)
        .unicode(true)
        .terminal_links(false)
        .force_graphical(true)
        .build();
    let body = format!("{}", Show(&handler, &shown));
    let heading = if colour {
        format!("\u{1b}[1;31m{heading}\u{1b}[0m")
    } else {
        heading
    };
    format!("{heading}\n\n{}", body.trim_end())
}

/// `Error: <kind>` or `Error: <kind>::<name>`.
fn heading(kind: ErrorKind, diagnostic: &dyn Diagnostic) -> String {
    format!("Error: {}", code(kind, diagnostic))
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

/// A diagnostic as the CLI shows it: everything of `inner` but its code, which becomes the
/// heading's `<kind>::<name>` (`None` for the top one, whose heading [`render`] writes).
struct Headed<'a> {
    code: Option<String>,
    inner: &'a dyn Diagnostic,
    related: Vec<Headed<'a>>,
}

impl<'a> Headed<'a> {
    fn new(kind: ErrorKind, inner: &'a dyn Diagnostic, code: Option<String>) -> Self {
        let related = inner
            .related()
            .map(|related| {
                related
                    .map(|rel| Headed::new(kind, rel, Some(self::code(kind, rel))))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            code,
            inner,
            related,
        }
    }
}

impl fmt::Debug for Headed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl fmt::Display for Headed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for Headed<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl Diagnostic for Headed<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|code| Box::new(code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.inner.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|rel| rel as &dyn Diagnostic),
        ))
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
    fn an_error_without_a_code_is_headed_by_its_kind() {
        let err = CmdError::new(
            ErrorKind::Input,
            CliError::Runtime(std::io::Error::other("x")),
        );
        // CliError::Runtime has a code; a plain thiserror error has none.
        assert!(render(&err, false).starts_with("Error: input::runtime\n"));
        #[derive(Debug, thiserror::Error, miette::Diagnostic)]
        #[error("plain")]
        struct Plain;
        let err = CmdError::new(ErrorKind::Api, Plain);
        assert_eq!(render(&err, false), "Error: api\n\n  × plain");
    }

    #[test]
    fn colour_only_adds_escape_codes() {
        let err = CmdError::from(ConfigError::NoCredentials);
        let coloured = render(&err, true);
        assert!(coloured.starts_with("\u{1b}[1;31mError: config::no_credentials\u{1b}[0m"));
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
