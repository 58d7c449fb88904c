//! Overlays, interpolation and secret references across files.

use std::path::{Path, PathBuf};

use dwsctl::secret::SecretRef;
use dwsctl::spec::{self, Origin};

fn no_env(_: &str) -> Option<String> {
    None
}

fn env_files(overlay: &str) -> Vec<PathBuf> {
    vec![
        PathBuf::from("examples/environments/base.yaml"),
        PathBuf::from(format!("examples/environments/{overlay}.yaml")),
    ]
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

const BASE: &str = "version: 1
defaults:
  node_type: dws.d1.xlarge
  number_of_node: 3
  vpc_id: vpc-1
  subnet_id: subnet-1
  security_group_id: sg-1
  user_name: dbadmin
  password: {from_env: DWS_ADMIN_PASSWORD}
clusters:
  dws-demo:
    availability_zone: eu-de-01
    port: 8000
";

#[test]
fn dev_overlay_drops_reporting_and_tags_every_cluster_dev() {
    let loaded = spec::load_with(&env_files("dev"), &no_env).expect("dev loads");
    let names: Vec<&str> = loaded.desired.clusters.keys().map(String::as_str).collect();
    assert_eq!(names, vec!["analytics"]);
    let analytics = &loaded.desired.clusters["analytics"];
    assert_eq!(analytics.tags.get("env").map(String::as_str), Some("dev"));
    assert_eq!(
        analytics.tags.get("team").map(String::as_str),
        Some("analytics")
    );
    assert!(!analytics.delete_policy.final_snapshot);
    assert_eq!(analytics.delete_policy.keep_last_manual_snapshot, 0);
    assert_eq!(
        analytics.vpc_id.as_deref(),
        Some("219ab8a0-1272-4049-a383-8ad0b770fa11"),
        "the ${{VAR:-default}} default applies when the variable is unset"
    );
}

#[test]
fn prod_overlay_scales_rotates_and_restores() {
    let env = |name: &str| (name == "DWS_VPC_ID").then(|| "vpc-prod".to_owned());
    let loaded = spec::load_with(&env_files("prod"), &env).expect("prod loads");
    let c = &loaded.desired.clusters;
    assert_eq!(c["analytics"].number_of_node, Some(6));
    assert_eq!(c["analytics"].node_type.as_deref(), Some("dws.m3.xlarge"));
    assert_eq!(c["analytics"].vpc_id.as_deref(), Some("vpc-prod"));
    assert_eq!(
        c["reporting"].port,
        Some(8100),
        "base values survive the overlay"
    );
    assert_eq!(c["reporting"].number_of_node, Some(4));
    assert_eq!(c["analytics"].password_version.as_deref(), Some("2026-01"));
    assert_eq!(
        c["analytics"].password,
        Some(SecretRef::FromFile(
            "examples/environments/secrets/prod-admin-password".into()
        )),
        "from_file is relative to the file that names it"
    );
    let replay = &c["analytics-replay"];
    assert_eq!(
        replay.origin,
        Origin::Restore {
            snapshot: "analytics-baseline".into()
        }
    );
    assert_eq!(
        replay.password, None,
        "defaults do not give a restored cluster a password"
    );
    assert_eq!(replay.node_type, None);
    assert_eq!(
        replay.tags.get("purpose").map(String::as_str),
        Some("replay")
    );
    assert_eq!(
        c["analytics"].snapshots.keys().collect::<Vec<_>>(),
        vec!["analytics-baseline", "analytics-pre-upgrade"]
    );
}

#[test]
fn dev_and_prod_have_different_digests() {
    let dev = spec::load_with(&env_files("dev"), &no_env).expect("dev");
    let prod = spec::load_with(&env_files("prod"), &no_env).expect("prod");
    assert_ne!(dev.digest, prod.digest);
}

#[test]
fn an_error_in_an_overlay_points_into_the_overlay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write(dir.path(), "base.yaml", BASE);
    let over = write(
        dir.path(),
        "prod.yaml",
        "clusters:\n  dws-demo:\n    port: 7000\n",
    );
    let err = spec::load_with(&[base, over.clone()], &no_env).expect_err("invalid");
    assert_eq!(err.rules(), vec!["port"]);
    let d = &err.diagnostics()[0];
    assert_eq!(d.file(), over.display().to_string());
    assert_eq!((d.line(), d.column()), (3, 11));
}

#[test]
fn an_error_in_a_default_points_into_the_defaults_block_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text =
        BASE.replace("number_of_node: 3", "number_of_node: 2") + "  dws-other:\n    port: 8001\n";
    let base = write(dir.path(), "base.yaml", &text);
    let err = spec::load_with(&[base], &no_env).expect_err("invalid");
    assert_eq!(
        err.rules(),
        vec!["number_of_node"],
        "reported once, not per cluster"
    );
    assert_eq!(err.diagnostics()[0].line(), 4);
}

#[test]
fn reset_removes_an_inherited_value_and_null_unsets_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write(dir.path(), "base.yaml", BASE);
    let over = write(
        dir.path(),
        "over.yaml",
        "clusters:\n  dws-demo:\n    availability_zone: !reset\n    port: null\n",
    );
    let loaded = spec::load_with(&[base, over], &no_env).expect("loads");
    let demo = &loaded.desired.clusters["dws-demo"];
    assert_eq!(demo.availability_zone, None);
    assert_eq!(demo.port, None);
}

#[test]
fn a_variable_in_an_overridden_value_need_not_be_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write(
        dir.path(),
        "base.yaml",
        &BASE.replace("eu-de-01", "${UNSET_ZONE}"),
    );
    let over = write(
        dir.path(),
        "over.yaml",
        "clusters:\n  dws-demo:\n    availability_zone: eu-de-02\n",
    );
    let loaded = spec::load_with(&[base.clone(), over], &no_env).expect("loads");
    assert_eq!(
        loaded.desired.clusters["dws-demo"]
            .availability_zone
            .as_deref(),
        Some("eu-de-02")
    );
    let err = spec::load_with(&[base], &no_env).expect_err("unset");
    assert_eq!(err.rules(), vec!["unset_variable"]);
}

#[test]
fn interpolated_numbers_are_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write(
        dir.path(),
        "base.yaml",
        &BASE.replace("number_of_node: 3", "number_of_node: ${NODES:-5}"),
    );
    let loaded = spec::load_with(std::slice::from_ref(&base), &no_env).expect("loads");
    assert_eq!(loaded.desired.clusters["dws-demo"].number_of_node, Some(5));
    let env = |n: &str| (n == "NODES").then(|| "7".to_owned());
    let loaded = spec::load_with(&[base], &env).expect("loads");
    assert_eq!(loaded.desired.clusters["dws-demo"].number_of_node, Some(7));
}

#[test]
fn overlay_error_rendering_names_the_overlay_file() {
    let base = PathBuf::from("examples/environments/base.yaml");
    let over = PathBuf::from("tests/specs/overlays/bad-prod.yaml");
    let err = spec::load_with(&[base, over], &no_env).expect_err("invalid");
    insta::assert_snapshot!(err.render(100));
}
