//! The JSON Schema: every example and valid spec satisfies it, as an editor would check it;
//! and it refuses what the loader refuses structurally.

use std::path::{Path, PathBuf};

use dwsctl::spec::{raw, yaml};

pub(super) fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&raw::json_schema()).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

pub(super) fn as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("read");
    let mut problems = Vec::new();
    let node = yaml::parse(0, &text, &mut problems).expect("parses");
    assert!(problems.is_empty(), "{}: {problems:?}", path.display());
    node.to_json()
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn all_valid_files() -> Vec<PathBuf> {
    let mut files = yaml_files("examples");
    files.extend(yaml_files("examples/environments"));
    files.extend(yaml_files("tests/specs/valid"));
    files
}

/// Asserts that the YAML file at `path` satisfies the schema, naming each violation.
pub(super) fn assert_satisfies_the_schema(validator: &jsonschema::Validator, path: &Path) {
    let value = as_json(path);
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
}

#[test]
fn every_example_and_valid_spec_satisfies_the_schema() {
    let validator = validator();
    let files = all_valid_files();
    assert!(files.len() >= 9, "{files:?}");
    for file in files {
        assert_satisfies_the_schema(&validator, &file);
    }
}

#[test]
fn every_example_names_the_schema_for_editors() {
    for file in all_valid_files() {
        let text = std::fs::read_to_string(&file).expect("read");
        let first = text.lines().next().unwrap_or("");
        let depth = file.components().count() - 1;
        let expected = format!(
            "# yaml-language-server: $schema={}schemas/dwsctl.schema.json",
            "../".repeat(depth)
        );
        assert_eq!(first, expected, "{}", file.display());
    }
}

#[test]
fn the_schema_refuses_unknown_keys_inline_passwords_and_wrong_types() {
    let validator = validator();
    let bad = [
        serde_json::json!({"version": 1, "clusters": {"dws-demo": {"nodetype": "x"}}}),
        serde_json::json!({"version": 1, "clusters": {"dws-demo": {"password": "hunter2"}}}),
        serde_json::json!({"version": 1, "clusters": {"dws-demo": {"port": "8000"}}}),
        serde_json::json!({"version": 1, "clusters": {"dws-demo": {"port": 7000}}}),
        serde_json::json!({"version": 2, "clusters": {}}),
        serde_json::json!({"version": 1, "defaults": {"snapshots": {}}, "clusters": {}}),
    ];
    for value in bad {
        assert!(!validator.is_valid(&value), "{value}");
    }
}
