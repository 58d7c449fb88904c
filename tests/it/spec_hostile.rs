//! Hostile input: each is refused with a located error (exit code 1 from the CLI), never a
//! panic, a hang or runaway memory. A watchdog fails a case that does not finish in 10 s
//! (a safety net against runaways; the cases take milliseconds).

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use dwsctl::spec;

const WATCHDOG: Duration = Duration::from_secs(10);

/// Loads `bytes` as a spec file in a thread and returns the rules of the report.
fn rules_for(bytes: Vec<u8>) -> Vec<&'static str> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hostile.yaml");
    std::fs::write(&path, bytes).expect("write");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = spec::load_with(&[path], &|_| None);
        let _ = tx.send(result.map(|_| ()).map_err(|e| {
            for d in e.diagnostics() {
                assert!(d.line() >= 1 && d.column() >= 1);
            }
            let _ = e.render(100);
            e.rules()
        }));
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(Err(rules)) => rules,
        Ok(Ok(())) => panic!("hostile input was accepted"),
        Err(_) => panic!("no answer within {WATCHDOG:?} (or the loader panicked)"),
    }
}

#[test]
fn an_empty_file_is_refused() {
    assert_eq!(rules_for(Vec::new()), vec!["empty_file"]);
    assert_eq!(rules_for(b"\n\n   \n".to_vec()), vec!["empty_file"]);
}

#[test]
fn a_binary_file_is_refused() {
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    assert_eq!(rules_for(bytes), vec!["binary_file"]);
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it_all() {
    let bytes = b"# padding\n".repeat(300_000);
    assert_eq!(rules_for(bytes), vec!["file_too_large"]);
}

#[test]
fn a_file_with_too_many_values_is_refused() {
    let text = format!("version: 1\nclusters: [{}]\n", "1,".repeat(120_000));
    assert_eq!(rules_for(text.into_bytes()), vec!["too_many_values"]);
}

#[test]
fn deep_flow_nesting_is_refused() {
    let text = format!("a: {}", "[".repeat(200_000));
    assert_eq!(rules_for(text.into_bytes()), vec!["nesting_too_deep"]);
    let text = format!("a: {}", "{a: ".repeat(100_000));
    assert_eq!(rules_for(text.into_bytes()), vec!["nesting_too_deep"]);
}

#[test]
fn deep_block_nesting_is_refused() {
    let mut text = String::new();
    for depth in 0..1_000 {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    assert_eq!(rules_for(text.into_bytes()), vec!["nesting_too_deep"]);
}

#[test]
fn an_alias_bomb_is_refused() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 9].join(", ")));
    }
    assert_eq!(rules_for(text.into_bytes()), vec!["yaml_alias"]);
}

#[test]
fn merge_keys_are_refused() {
    let text = "base: &b {port: 8000}\nclusters:\n  dws-demo:\n    <<: *b\n";
    assert_eq!(rules_for(text.as_bytes().to_vec()), vec!["yaml_merge_key"]);
}

#[test]
fn duplicate_keys_are_refused() {
    let text = "version: 1\nclusters: {}\nversion: 1\n";
    assert_eq!(rules_for(text.as_bytes().to_vec()), vec!["duplicate_key"]);
}

#[test]
fn non_utf8_is_refused() {
    assert_eq!(
        rules_for(b"version: 1\n\xc3\x28\n".to_vec()),
        vec!["not_utf8"]
    );
    let utf16: Vec<u8> = "version: 1\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(rules_for(utf16), vec!["binary_file"]);
}

#[test]
fn wrong_types_are_refused() {
    assert_eq!(rules_for(b"clusters: 5\n".to_vec()), vec!["wrong_type"]);
    assert_eq!(rules_for(b"42\n".to_vec()), vec!["wrong_type"]);
    assert_eq!(
        rules_for(b"version: [1]\nclusters: {}\n".to_vec()),
        vec!["wrong_type"]
    );
}

#[test]
fn a_huge_single_value_is_handled() {
    let value = "a".repeat(900_000);
    let text =
        format!("version: 1\nclusters:\n  dws-demo:\n    state: absent\n    node_type: {value}\n");
    assert_eq!(rules_for(text.into_bytes()), vec!["node_type"]);
    // YAML limits implicit keys to 1024 characters; dwsctl still reads it as the name it is.
    let text = format!("version: 1\nclusters:\n  {value}: {{state: absent}}\n");
    assert_eq!(rules_for(text.into_bytes()), vec!["cluster_name"]);
}

#[test]
fn the_cli_exits_1_on_hostile_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path: PathBuf = dir.path().join("bomb.yaml");
    std::fs::write(&path, "a: &a [x]\nb: [*a, *a]\n").expect("write");
    let out = super::cli_support::dwsctl(["validate", "-f"])
        .arg(&path)
        .output();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("yaml_alias"), "{stderr}");
    assert!(stderr.contains("bomb.yaml:2:5"), "{stderr}");
}

#[test]
fn a_flood_of_errors_is_capped() {
    let text = format!("version: 1\nclusters:\n{}", "  c: {}\n".repeat(40_000));
    let rules = rules_for(text.into_bytes());
    assert_eq!(rules.len(), dwsctl::spec::error::MAX_REPORTED);
    assert!(rules.iter().all(|r| *r == "duplicate_key"), "{rules:?}");
}

#[test]
fn thousands_of_clusters_and_an_overlay_of_them_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names: Vec<String> = (0..10_000).map(|i| format!("dws-{i:05}")).collect();
    let base: String = names
        .iter()
        .map(|n| format!("  {n}:\n    state: absent\n"))
        .collect();
    let over: String = names
        .iter()
        .map(|n| format!("  {n}:\n    adopt: true\n"))
        .collect();
    let base_path = dir.path().join("base.yaml");
    let over_path = dir.path().join("over.yaml");
    std::fs::write(&base_path, format!("version: 1\nclusters:\n{base}")).expect("write");
    std::fs::write(&over_path, format!("clusters:\n{over}")).expect("write");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(spec::load_with(&[base_path, over_path], &|_| None).map(|l| l.desired));
    });
    let desired = rx.recv_timeout(WATCHDOG).expect("answers").expect("loads");
    assert_eq!(desired.clusters.len(), 10_000);
    assert!(desired
        .clusters
        .values()
        .all(|c| c.ownership == dwsctl::spec::Ownership::Adopt));
}
