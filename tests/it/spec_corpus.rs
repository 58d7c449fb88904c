//! The invalid-spec corpus: each file under tests/specs/invalid/ breaks one rule, named by
//! the file (`<rule>.yaml` or `<rule>--<variant>.yaml`). Each must fail with only that rule,
//! every error located, and its rendering is snapshot-tested.

use std::path::{Path, PathBuf};

use dwsctl::spec;

const WIDTH: usize = 100;

fn env(name: &str) -> Option<String> {
    (name == "DWS_ADMIN_PASSWORD").then(|| "unused".to_owned())
}

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/specs/invalid")
        .expect("read corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn rule_of(file: &Path) -> String {
    let stem = file.file_stem().and_then(|s| s.to_str()).expect("stem");
    stem.split("--").next().unwrap_or(stem).to_owned()
}

#[test]
fn the_corpus_covers_at_least_sixty_invalid_specs() {
    assert!(corpus().len() >= 60, "{} files", corpus().len());
}

#[test]
fn every_invalid_spec_fails_with_exactly_its_rule_at_a_location() {
    let mut failures = Vec::new();
    for file in corpus() {
        let rule = rule_of(&file);
        let err = match spec::load_with(std::slice::from_ref(&file), &env) {
            Ok(_) => {
                failures.push(format!("{} was accepted", file.display()));
                continue;
            }
            Err(err) => err,
        };
        let rules = err.rules();
        if rules.is_empty() || rules.iter().any(|r| *r != rule) {
            failures.push(format!(
                "{}: expected only `{rule}`, got {rules:?}\n{}",
                file.display(),
                err.render(WIDTH)
            ));
        }
        for d in err.diagnostics() {
            assert_eq!(d.file(), file.display().to_string());
            assert!(d.line() >= 1 && d.column() >= 1, "{}", d.location());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_invalid_spec_renders_as_snapshotted() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../specs/invalid/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for file in corpus() {
            let err = spec::load_with(std::slice::from_ref(&file), &env).expect_err("invalid");
            let name = file.file_stem().and_then(|s| s.to_str()).expect("stem");
            insta::assert_snapshot!(name, err.render(WIDTH));
        }
    });
}

#[test]
fn an_inline_password_never_reaches_the_report() {
    for name in [
        "inline_password",
        "inline_password--quoted",
        "unknown_key--user-pwd",
        "unknown_key--secret-like",
    ] {
        let file = PathBuf::from(format!("tests/specs/invalid/{name}.yaml"));
        let err = spec::load_with(&[file], &env).expect_err("invalid");
        let text = err.render(WIDTH);
        assert!(!text.contains("Dws2017demo"), "{text}");
        assert!(
            text.contains("from_env"),
            "the help says how to fix it: {text}"
        );
    }
}
