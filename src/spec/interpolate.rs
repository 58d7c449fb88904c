//! `${VAR}` and `${VAR:-default}` in string values; `$$` is a literal `$`. A default may
//! itself hold references (`${A:-${B:-x}}`), up to [`MAX_NESTING`] levels.
//!
//! Interpolation runs after overlays are merged, so a variable only has to be set when the
//! value that names it survives the merge. An unset variable without a default is an error
//! at its position. A plain scalar that interpolates to `3` is read as the integer 3.

use super::error::{Problem, Span};
use super::yaml::{Node, NodeKind};

/// Looks up an environment variable.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Interpolates every scalar value (not keys) of the tree in place.
pub fn interpolate(node: &mut Node, env: Env<'_>, problems: &mut Vec<Problem>) {
    let span = node.span;
    match &mut node.kind {
        NodeKind::Scalar(scalar) => {
            if scalar.text.contains('$') {
                // Offsets map into the source only when the span holds the text verbatim.
                let verbatim = scalar.plain && span.len == scalar.text.len();
                match expand(&scalar.text, span, verbatim, env, problems) {
                    Some(text) => scalar.text = text,
                    None => node.kind = NodeKind::Invalid,
                }
            }
        }
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| interpolate(n, env, problems)),
        NodeKind::Map(entries) => entries
            .iter_mut()
            .for_each(|e| interpolate(&mut e.value, env, problems)),
        NodeKind::Reset | NodeKind::Invalid => {}
    }
}

/// Deepest nesting of references in defaults (`${A:-${B:-x}}` is two levels): a spec needs
/// two or three, and a bound keeps a hostile value from recursing without end.
pub const MAX_NESTING: usize = 8;

/// Expands one string; `None` (with problems recorded) when it cannot be.
pub fn expand(
    text: &str,
    span: Span,
    verbatim: bool,
    env: Env<'_>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let mut expander = Expander {
        text,
        span,
        verbatim,
        env,
        problems,
        ok: true,
    };
    let (out, _) = expander.sequence(0, 0, false, true).ok()?;
    expander.ok.then_some(out)
}

/// Why a sequence stopped early.
enum Halt {
    /// The text ended inside a default: the enclosing `${` is unterminated (not reported yet).
    Unclosed,
    /// A nested reference failed and reported why.
    Reported,
}

/// One string being expanded; `ok` turns false at the first problem, but scanning goes on
/// so that every problem of the string is reported.
struct Expander<'t, 'e, 'p> {
    text: &'t str,
    span: Span,
    verbatim: bool,
    env: Env<'e>,
    problems: &'p mut Vec<Problem>,
    ok: bool,
}

impl Expander<'_, '_, '_> {
    /// Where `len` bytes at `offset` of the text are in the file (the whole value when the
    /// value's source text is not the text itself, e.g. quoted with escapes).
    fn at(&self, offset: usize, len: usize) -> Span {
        if self.verbatim {
            Span::new(self.span.file, self.span.start + offset, len)
        } else {
            self.span
        }
    }

    /// Expands from byte `pos` to the end of the text, or, `inside` a default, to the `}`
    /// that closes it. Returns the text and the position after it. With `eval` false (a
    /// default that is not used) references are checked for syntax only.
    fn sequence(
        &mut self,
        mut pos: usize,
        depth: usize,
        inside: bool,
        eval: bool,
    ) -> Result<(String, usize), Halt> {
        let mut out = String::new();
        loop {
            let rest = self.text.get(pos..).unwrap_or("");
            let Some(i) = rest.find(|c| c == '$' || (inside && c == '}')) else {
                if inside {
                    return Err(Halt::Unclosed);
                }
                out.push_str(rest);
                return Ok((out, self.text.len()));
            };
            out.push_str(rest.get(..i).unwrap_or(""));
            pos += i;
            let tail = rest.get(i..).unwrap_or("");
            if tail.starts_with('}') {
                return Ok((out, pos + 1));
            } else if tail.starts_with("$$") {
                out.push('$');
                pos += 2;
            } else if tail.starts_with("${") {
                let (value, end) = self.reference(pos, depth + 1, eval).ok_or(Halt::Reported)?;
                out.push_str(&value);
                pos = end;
            } else {
                out.push('$');
                pos += 1;
            }
        }
    }

    /// The value of the reference starting at `start` (its `$`) and the position after its
    /// `}`; `None` (reported) when it is unterminated or nested too deep.
    fn reference(&mut self, start: usize, depth: usize, eval: bool) -> Option<(String, usize)> {
        if depth > MAX_NESTING {
            let problem = Problem::new(
                "interpolation_syntax",
                self.at(start, 2),
                format!("`${{` nested more than {MAX_NESTING} levels deep"),
            )
            .label("too deep")
            .help("a default may hold a reference (`${A:-${B:-x}}`), but only a few levels deep");
            self.problems.push(problem);
            return None;
        }
        let body = start + 2;
        let rest = self.text.get(body..).unwrap_or("");
        let close = rest.find('}');
        let default = rest
            .find(":-")
            .filter(|&d| !matches!(close, Some(c) if c < d));
        let name_end = default.or(close);
        let Some(name_end) = name_end else {
            self.unterminated(start);
            return None;
        };
        let name = rest.get(..name_end).unwrap_or("");
        let valid = is_var_name(name);
        let value = if valid && eval {
            (self.env)(name)
        } else {
            None
        };
        let (fallback, end) = match default {
            Some(d) => {
                let use_default = eval && valid && value.is_none();
                match self.sequence(body + d + 2, depth, true, use_default) {
                    Ok((text, end)) => (Some(text), end),
                    Err(Halt::Unclosed) => {
                        self.unterminated(start);
                        return None;
                    }
                    Err(Halt::Reported) => return None,
                }
            }
            None => (None, body + name_end + 1),
        };
        let at = self.at(start, end - start);
        if !valid {
            self.fail(bad_name(name, at));
            return Some((String::new(), end));
        }
        if !eval {
            return Some((String::new(), end));
        }
        match (value, fallback) {
            (Some(value), _) => Some((value, end)),
            (None, Some(fallback)) => Some((fallback, end)),
            (None, None) => {
                self.fail(unset(name, at));
                Some((String::new(), end))
            }
        }
    }

    fn fail(&mut self, problem: Problem) {
        self.problems.push(problem);
        self.ok = false;
    }

    fn unterminated(&mut self, start: usize) {
        let at = self.at(start, self.text.len().saturating_sub(start));
        self.fail(
            Problem::new("interpolation_syntax", at, "unterminated `${`")
                .label("no closing `}`")
                .help("write `${NAME}` or `${NAME:-default}`; write `$$` for a literal `$`"),
        );
    }
}

fn bad_name(name: &str, at: Span) -> Problem {
    Problem::new("interpolation_syntax", at, format!("`{name}` is not a variable name"))
        .label("invalid variable name")
        .help("variable names are letters, digits and `_`, not starting with a digit: `${NAME}` or `${NAME:-default}`")
}

fn unset(name: &str, at: Span) -> Problem {
    Problem::new(
        "unset_variable",
        at,
        format!("environment variable `{name}` is not set"),
    )
    .label("unset")
    .help(format!(
        "export {name}, or give a default: `${{{name}:-value}}`"
    ))
}

pub fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "REGION").then(|| "eu-de".to_owned())
    }

    fn run(text: &str) -> Result<String, Vec<Problem>> {
        let mut problems = Vec::new();
        let span = Span::new(0, 10, text.len());
        match expand(text, span, true, &env, &mut problems) {
            Some(out) if problems.is_empty() => Ok(out),
            _ => Err(problems),
        }
    }

    #[test]
    fn variables_defaults_and_escapes_expand() {
        assert_eq!(run("${REGION}-01").as_deref(), Ok("eu-de-01"));
        assert_eq!(run("${ZONE:-eu-de-02}").as_deref(), Ok("eu-de-02"));
        assert_eq!(run("${ZONE:-}").as_deref(), Ok(""));
        assert_eq!(run("cost $$5 and $x").as_deref(), Ok("cost $5 and $x"));
    }

    #[test]
    fn an_unset_variable_is_an_error_at_its_position() {
        let problems = run("ab${MISSING}").expect_err("unset");
        assert_eq!(problems[0].rule, "unset_variable");
        assert_eq!(problems[0].span, Span::new(0, 12, 10));
    }

    #[test]
    fn a_default_may_hold_references() {
        assert_eq!(run("${A:-${B:-x}}").as_deref(), Ok("x"));
        assert_eq!(run("${A:-${REGION:-x}}-1").as_deref(), Ok("eu-de-1"));
        assert_eq!(run("${REGION:-${B:-x}}").as_deref(), Ok("eu-de"));
        assert_eq!(run("${A:-a$$b-${B:-}c}d}").as_deref(), Ok("a$b-cd}"));
        // A default that is not used is checked for syntax, not for unset variables.
        assert_eq!(run("${REGION:-${MISSING}}").as_deref(), Ok("eu-de"));
        let problems = run("${A:-${MISSING}}").expect_err("unset");
        assert_eq!(problems[0].rule, "unset_variable");
        assert_eq!(problems[0].span, Span::new(0, 15, 10));
        let problems = run("${REGION:-${1X}}").expect_err("bad name");
        assert_eq!(problems[0].rule, "interpolation_syntax");
    }

    #[test]
    fn an_unterminated_nested_reference_is_reported_once_where_it_opens() {
        let problems = run("${A:-${B:-x}").expect_err("open");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].rule, "interpolation_syntax");
        assert_eq!(problems[0].span, Span::new(0, 10, 12));
        let problems = run("${A:-${B:-x").expect_err("open");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].span, Span::new(0, 15, 6));
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!(
            "{}x{}",
            "${A:-".repeat(MAX_NESTING),
            "}".repeat(MAX_NESTING)
        );
        assert_eq!(run(&ok).as_deref(), Ok("x"));
        let deep = format!("{}x{}", "${A:-".repeat(10_000), "}".repeat(10_000));
        let problems = run(&deep).expect_err("too deep");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("nested"), "{problems:?}");
    }

    #[test]
    fn malformed_references_are_errors() {
        assert_eq!(
            run("${REGION").expect_err("open")[0].rule,
            "interpolation_syntax"
        );
        assert_eq!(
            run("${1X}").expect_err("name")[0].rule,
            "interpolation_syntax"
        );
    }
}
