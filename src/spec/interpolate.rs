//! `${VAR}` and `${VAR:-default}` in string values; `$$` is a literal `$`.
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

/// Expands one string; `None` (with problems recorded) when it cannot be.
pub fn expand(
    text: &str,
    span: Span,
    verbatim: bool,
    env: Env<'_>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let at = |offset: usize, len: usize| {
        if verbatim {
            Span::new(span.file, span.start + offset, len)
        } else {
            span
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut ok = true;
    let mut rest = text;
    let mut offset = 0;
    while let Some(i) = rest.find('$') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let tail = rest.get(i..).unwrap_or("");
        let consumed = if tail.starts_with("$$") {
            out.push('$');
            2
        } else if let Some(body) = tail.strip_prefix("${") {
            let Some(close) = body.find('}') else {
                problems.push(
                    Problem::new(
                        "interpolation_syntax",
                        at(offset + i, tail.len()),
                        "unterminated `${`",
                    )
                    .label("no closing `}`")
                    .help("write `${NAME}` or `${NAME:-default}`; write `$$` for a literal `$`"),
                );
                return None;
            };
            let inner = body.get(..close).unwrap_or("");
            match reference(inner, env) {
                Ok(value) => out.push_str(&value),
                Err(problem) => {
                    problems.push(Problem {
                        span: at(offset + i, close + 3),
                        ..problem
                    });
                    ok = false;
                }
            }
            close + 3
        } else {
            out.push('$');
            1
        };
        offset += i + consumed;
        rest = tail.get(consumed..).unwrap_or("");
    }
    out.push_str(rest);
    ok.then_some(out)
}

/// The value of one `${inner}`; the problem's span is set by the caller.
fn reference(inner: &str, env: Env<'_>) -> Result<String, Problem> {
    let (name, default) = match inner.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (inner, None),
    };
    let nowhere = Span::new(0, 0, 0);
    if !is_var_name(name) {
        return Err(
            Problem::new("interpolation_syntax", nowhere, format!("`{name}` is not a variable name"))
                .label("invalid variable name")
                .help("variable names are letters, digits and `_`, not starting with a digit: `${NAME}` or `${NAME:-default}`"),
        );
    }
    match (env(name), default) {
        (Some(value), _) => Ok(value),
        (None, Some(default)) => Ok(default.to_owned()),
        (None, None) => Err(Problem::new(
            "unset_variable",
            nowhere,
            format!("environment variable `{name}` is not set"),
        )
        .label("unset")
        .help(format!(
            "export {name}, or give a default: `${{{name}:-value}}`"
        ))),
    }
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
