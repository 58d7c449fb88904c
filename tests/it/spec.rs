//! The spec: every example and valid spec loads; `dwsctl validate` and `dwsctl schema` run.

use dwsctl::spec::{self, Origin, Presence};
use std::path::{Path, PathBuf};

use super::cli_support::{self, Run};

fn env(name: &str) -> Option<String> {
    match name {
        "DWS_ADMIN_PASSWORD" => Some("not-read-by-validate".to_owned()),
        "DWS_ENV" => Some("test".to_owned()),
        _ => None,
    }
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_default_may_hold_a_reference() {
    let file = PathBuf::from("tests/specs/valid/interpolation.yaml");
    let loaded = spec::load_with(&[file], &env).unwrap_or_else(|e| panic!("{}", e.render(100)));
    let cluster = &loaded.desired.clusters["dws-interpolated"];
    assert_eq!(
        cluster.subnet_id.as_deref(),
        Some("d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec")
    );
}

#[test]
fn automated_snapshots_merge_with_defaults_and_resolve() {
    let file = PathBuf::from("tests/specs/valid/automated-snapshots.yaml");
    let loaded = spec::load_with(&[file], &env).unwrap_or_else(|e| panic!("{}", e.render(100)));
    let block = loaded.desired.clusters["dws-backed-up"]
        .automated_snapshots
        .clone()
        .expect("block");
    assert_eq!(block.enabled, Some(true));
    assert_eq!(block.keep_days, Some(7));
    let names: Vec<&str> = block.policies.keys().map(String::as_str).collect();
    assert_eq!(names, vec!["nightly", "workdays-increment"]);
    assert_eq!(block.policies["nightly"].schedule, "0 0 2 ? * *");
    assert_eq!(block.policies["workdays-increment"].r#type, "increment");
}

#[test]
fn a_description_in_defaults_is_each_clusters_unless_it_sets_its_own() {
    let file = PathBuf::from("tests/specs/valid/defaults-and-overrides.yaml");
    let loaded = spec::load_with(&[file], &env).unwrap_or_else(|e| panic!("{}", e.render(100)));
    let description = |name: &str| loaded.desired.clusters[name].description.as_deref();
    assert_eq!(description("dws-small"), Some("Analytics estate"));
    assert_eq!(description("dws-large"), Some("Large: nightly loads"));
    // Only the detail shows a description: each cluster that sets one is read.
    let details: Vec<String> = loaded.desired.reads().details.into_iter().collect();
    assert_eq!(details, ["dws-large", "dws-small"]);
}

#[test]
fn only_fields_the_listings_lack_ask_for_per_cluster_reads() {
    let quickstart = spec::load_with(&[PathBuf::from("examples/quickstart.yaml")], &env)
        .unwrap_or_else(|e| panic!("{}", e.render(100)));
    assert!(quickstart.desired.reads().is_empty());

    let file = PathBuf::from("tests/specs/valid/automated-snapshots.yaml");
    let loaded = spec::load_with(&[file], &env).unwrap_or_else(|e| panic!("{}", e.render(100)));
    let reads = loaded.desired.reads();
    let policies: Vec<&str> = reads.policies.iter().map(String::as_str).collect();
    assert_eq!(policies, vec!["dws-backed-up"]);
    assert!(reads.details.is_empty() && reads.coordinators.is_empty());
}

#[test]
fn quickstart_is_the_getting_started_flow() {
    let loaded = spec::load_with(&[PathBuf::from("examples/quickstart.yaml")], &env)
        .unwrap_or_else(|e| panic!("{}", e.render(100)));
    let names: Vec<&str> = loaded.desired.clusters.keys().map(String::as_str).collect();
    assert_eq!(names, vec!["dws-demo", "dws-restore"]);
    let demo = &loaded.desired.clusters["dws-demo"];
    assert_eq!(demo.node_type.as_deref(), Some("dws.d1.xlarge"));
    assert_eq!(demo.number_of_node, Some(3));
    assert_eq!(
        demo.vpc_id.as_deref(),
        Some("219ab8a0-1272-4049-a383-8ad0b770fa11")
    );
    assert_eq!(
        demo.password,
        Some(dwsctl::secret::SecretRef::FromEnv(
            "DWS_ADMIN_PASSWORD".into()
        ))
    );
    assert_eq!(
        demo.snapshots["snapshotForDemoCluster"].presence,
        Presence::Present
    );
    let restore = &loaded.desired.clusters["dws-restore"];
    assert_eq!(
        restore.origin,
        Origin::Restore {
            snapshot: "snapshotForDemoCluster".into()
        }
    );
    assert_eq!(
        restore.user_name, None,
        "a restored cluster keeps the snapshot's admin"
    );
    assert_eq!(loaded.digest.len(), 64);
}

#[test]
fn every_valid_spec_loads() {
    for file in yaml_files(Path::new("tests/specs/valid")) {
        if let Err(e) = spec::load_with(std::slice::from_ref(&file), &env) {
            panic!("{} should be valid:\n{}", file.display(), e.render(100));
        }
    }
}

#[test]
fn the_digest_depends_on_the_spec_not_on_secret_values() {
    let files = [PathBuf::from("examples/quickstart.yaml")];
    let a = spec::load_with(&files, &|_| Some("one".into())).expect("loads");
    let b = spec::load_with(&files, &|_| Some("two".into())).expect("loads");
    assert_eq!(a.digest, b.digest);
}

fn dwsctl(args: &[&str]) -> Run {
    cli_support::dwsctl(args).output()
}

#[test]
fn validate_command_passes_on_the_quickstart_and_says_so_on_stderr() {
    let out = dwsctl(&["validate", "-f", "examples/quickstart.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the spec is valid: 2 clusters, 1 snapshot"),
        "{stderr}"
    );
    insta::assert_snapshot!(out.transcript());
}

#[test]
fn validate_command_fails_with_exit_1_and_a_located_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "version: 1\nclusters:\n  dws-demo:\n    prot: 8000\n",
    )
    .expect("write");
    let out = cli_support::dwsctl(["validate", "-f", "bad.yaml"])
        .current_dir(dir.path())
        .output();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.yaml:4:5"), "{stderr}");
    assert!(stderr.contains("did you mean `port`?"), "{stderr}");
    insta::assert_snapshot!(out.transcript());
}

#[test]
fn schema_command_prints_the_generated_schema() {
    let out = dwsctl(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let printed = out.stdout();
    let schema = dwsctl::spec::raw::json_schema();
    assert_eq!(printed, schema);
    // The schema itself is compared with schemas/dwsctl.schema.json (a drift test below);
    // the snapshot shows the rest of the run.
    let transcript = out.transcript().replacen(&schema, "[the JSON Schema]\n", 1);
    insta::assert_snapshot!(transcript);
}

#[test]
fn checked_in_schema_matches_the_rust_types() {
    let checked_in = std::fs::read_to_string("schemas/dwsctl.schema.json").expect("read schema");
    assert!(
        checked_in == dwsctl::spec::raw::json_schema(),
        "schemas/dwsctl.schema.json is out of date with src/spec/raw.rs; regenerate it with \
         `cargo run -- schema > schemas/dwsctl.schema.json`"
    );
}

#[test]
fn validate_reads_dwsctl_yaml_from_the_working_directory_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy("examples/quickstart.yaml", dir.path().join("dwsctl.yaml")).expect("copy");
    let out = cli_support::dwsctl(["validate"])
        .current_dir(dir.path())
        .output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let empty = tempfile::tempdir().expect("tempdir");
    let out = cli_support::dwsctl(["validate"])
        .current_dir(empty.path())
        .output();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read `dwsctl.yaml`"), "{stderr}");
    insta::assert_snapshot!("validate_without_a_spec_file", out.transcript());
}

#[test]
fn validate_merges_repeated_files_in_order() {
    let out = dwsctl(&[
        "validate",
        "-f",
        "examples/environments/base.yaml",
        "-f",
        "examples/environments/prod.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 clusters, 2 snapshots"), "{stderr}");
}
