//! The crate's dependency order, enforced: `api <- spec <- plan <- {render, exec, preflight} <- cli`, with
//! the small shared modules below everything and the simulator beside the spec (README.md,
//! "Development", "Layout"). A module may name only modules of a lower layer (or itself); two
//! modules of one layer may not name each other. Test code is exempt: a test may observe its
//! module through a higher one (a planner test renders the plan it checks).
//!
//! The scan follows the `mod` declarations from each top-level module, skipping every item
//! under `#[cfg(test)]` (and so the files such a declaration names), and reads `crate::x`,
//! `crate::{x, ..}` and `super::` paths that climb to the crate root. Comments are ignored.

use std::path::{Path, PathBuf};

/// Each top-level module's layer; lower numbers are lower layers.
const LAYERS: &[(&str, u32)] = &[
    ("term", 0),
    ("files", 0),
    ("secret", 1),
    ("api", 2),
    ("spec", 3),
    ("sim", 3),
    ("plan", 4),
    ("render", 5),
    ("exec", 5),
    ("export", 5),
    ("preflight", 5),
    ("cli", 6),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// One import that goes up (or sideways) in the order.
#[derive(Debug, PartialEq)]
struct Upward {
    file: String,
    line: usize,
    from: String,
    to: String,
}

#[test]
fn no_module_imports_a_higher_or_sibling_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut scanned = 0;
    for (module, _) in LAYERS {
        let root = if src.join(module).join("mod.rs").is_file() {
            src.join(module).join("mod.rs")
        } else {
            src.join(format!("{module}.rs"))
        };
        for file in production_files(&root, &[module.to_string()]) {
            let (path, depth) = file;
            let text = std::fs::read_to_string(&path).expect("a source file reads");
            let name = path
                .strip_prefix(&src)
                .unwrap_or(&path)
                .display()
                .to_string();
            found.extend(upward_imports(&format!("src/{name}"), module, depth, &text));
            scanned += 1;
        }
    }
    // The walk must have found the crate, or the test proves nothing.
    assert!(scanned > 50, "only {scanned} files scanned");
    let plan: Vec<PathBuf> = production_files(&src.join("plan/mod.rs"), &["plan".to_owned()])
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert!(plan.contains(&src.join("plan/planfile.rs")), "{plan:?}");
    assert!(!plan.contains(&src.join("plan/testkit.rs")), "{plan:?}");
    assert!(
        !plan.iter().any(|p| p.starts_with(src.join("plan/tests"))),
        "{plan:?}"
    );
    let listing: Vec<String> = found
        .iter()
        .map(|u| format!("{}:{}: {} imports {}", u.file, u.line, u.from, u.to))
        .collect();
    assert!(
        listing.is_empty(),
        "imports against the layer order (api <- spec <- plan <- {{render, exec}} <- cli):\n{}",
        listing.join("\n")
    );
}

#[test]
fn the_scan_finds_upward_paths_in_every_form_and_skips_tests_and_comments() {
    let text = "\
use crate::api::wire;
use crate::{api, render::text};
// use crate::cli::x;  (a comment)
fn f() { crate::exec::run(); super::super::cli::go(); super::sibling(); }
#[cfg(test)]
mod tests {
    use crate::cli::Anything;
}
#[cfg(all(test, unix))]
mod more_tests;
fn g() -> crate::render::Out { todo!() }
";
    let found = upward_imports("src/plan/x.rs", "plan", 2, text);
    let seen: Vec<(usize, &str)> = found.iter().map(|u| (u.line, u.to.as_str())).collect();
    assert_eq!(
        seen,
        vec![(2, "render"), (4, "exec"), (4, "cli"), (11, "render")]
    );
    // A sibling of the same layer is refused too; the module itself and lower layers are not.
    let found = upward_imports("src/exec/y.rs", "exec", 2, "use crate::render::text;");
    assert_eq!(found.len(), 1);
    assert!(upward_imports("src/exec/y.rs", "exec", 2, "use crate::{exec, plan, api};").is_empty());
    assert_eq!(
        production_modules(
            "#[cfg(test)]\nmod fake;\nmod real;\n#[cfg(test)]\n#[path = \"a_tests.rs\"]\nmod tests;"
        ),
        vec!["real".to_owned()]
    );
}

/// The files of a module tree reached through non-test `mod` declarations, each with the
/// depth of its module path below the crate root.
fn production_files(root: &Path, path: &[String]) -> Vec<(PathBuf, usize)> {
    let mut files = vec![(root.to_owned(), path.len())];
    let Ok(text) = std::fs::read_to_string(root) else {
        return files;
    };
    let children = production_modules(&text);
    let is_dir_owner = matches!(
        root.file_name().and_then(|n| n.to_str()),
        Some("mod.rs" | "lib.rs" | "main.rs")
    );
    let base = if is_dir_owner {
        root.parent().map(Path::to_owned).unwrap_or_default()
    } else {
        root.with_extension("")
    };
    for child in children {
        let flat = base.join(format!("{child}.rs"));
        let nested = base.join(&child).join("mod.rs");
        let file = if flat.is_file() { flat } else { nested };
        let mut child_path = path.to_vec();
        child_path.push(child);
        files.extend(production_files(&file, &child_path));
    }
    files
}

/// The names of the file modules a source declares outside `#[cfg(test)]`.
fn production_modules(text: &str) -> Vec<String> {
    code_lines(text)
        .iter()
        .filter_map(|(_, line)| {
            let decl = line
                .trim()
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            let name = decl.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_owned())
        })
        .collect()
}

/// Every path in `text` (the file `file` of top-level module `module`, whose module path is
/// `depth` deep) that names a top-level module of a layer not below `module`'s.
fn upward_imports(file: &str, module: &str, depth: usize, text: &str) -> Vec<Upward> {
    let own = layer(module).unwrap_or(u32::MAX);
    let mut found = Vec::new();
    for (line, code) in code_lines(text) {
        for target in named_modules(&code, depth) {
            if target == module {
                continue;
            }
            if layer(&target).is_some_and(|l| l >= own) {
                found.push(Upward {
                    file: file.to_owned(),
                    line,
                    from: module.to_owned(),
                    to: target,
                });
            }
        }
    }
    found
}

/// The top-level modules a line of code names through `crate::` or enough `super::`s.
fn named_modules(code: &str, depth: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = [rest.find("crate::"), rest.find("super::")]
        .into_iter()
        .flatten()
        .min()
    {
        let from_crate = rest[at..].starts_with("crate::");
        let mut tail = &rest[at..];
        let reaches_root = if from_crate {
            tail = &tail["crate::".len()..];
            true
        } else {
            let mut supers = 0;
            while let Some(t) = tail.strip_prefix("super::") {
                supers += 1;
                tail = t;
            }
            supers >= depth
        };
        if reaches_root {
            if let Some(group) = tail.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                names.extend(inner.split(',').filter_map(|item| first_ident(item.trim())));
            } else if let Some(name) = first_ident(tail) {
                names.push(name);
            }
        }
        rest = &rest[at + 1..];
    }
    names
}

fn first_ident(text: &str) -> Option<String> {
    let ident: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!ident.is_empty()).then_some(ident)
}

/// The numbered lines of code outside `#[cfg(test)]` items, with `//` comments cut off. A
/// multi-line `use crate::{...}` is joined onto its first line.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut skip_depth: Option<i64> = None;
    let mut test_pending = false;
    let mut open_use: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let code = without_literals(raw);
        let code = code.split("//").next().unwrap_or("");
        let trimmed = code.trim();
        if let Some(depth) = skip_depth.as_mut() {
            *depth += brace_balance(code);
            if *depth <= 0 {
                skip_depth = None;
            }
            continue;
        }
        if is_test_cfg(trimmed) {
            test_pending = true;
            continue;
        }
        if test_pending && !trimmed.is_empty() && !trimmed.starts_with("#[") {
            test_pending = false;
            let balance = brace_balance(code);
            if balance > 0 {
                skip_depth = Some(balance);
            }
            continue;
        }
        if let Some((line, mut joined)) = open_use.take() {
            joined.push_str(trimmed);
            if trimmed.ends_with(';') {
                lines.push((line, joined));
            } else {
                open_use = Some((line, joined));
            }
            continue;
        }
        let is_use = trimmed.starts_with("use ") || trimmed.starts_with("pub use ");
        if is_use && !trimmed.ends_with(';') {
            open_use = Some((index + 1, trimmed.to_owned()));
            continue;
        }
        lines.push((index + 1, code.to_owned()));
    }
    lines
}

/// `#[cfg(test)]`, `#[cfg(all(test, unix))]`, but not `#[cfg(not(test))]`.
fn is_test_cfg(attribute: &str) -> bool {
    attribute.starts_with("#[cfg(") && attribute.contains("test") && !attribute.contains("not(test")
}

/// A line with the contents of its string and character literals removed, so that neither
/// braces nor `//` inside them count.
fn without_literals(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                out.push('"');
            }
            '\'' if matches!(chars.clone().nth(1), Some('\'')) => {
                chars.next();
                chars.next();
                out.push_str("' '");
            }
            _ => out.push(c),
        }
    }
    out
}

fn brace_balance(code: &str) -> i64 {
    code.chars().fold(0, |n, c| match c {
        '{' => n + 1,
        '}' => n - 1,
        _ => n,
    })
}
