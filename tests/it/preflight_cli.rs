//! The checks before apply end to end: the `dwsctl` binary planning and applying against a
//! simulator whose quota, subnet or node types make an operation fail. The plan is blocked
//! with the cloud's reason (exit 3), apply refuses the same plan before sending anything,
//! and the simulator's request counters show which calls each run made.

use std::path::{Path, PathBuf};

use dwsctl::sim::{self, Config};
use serde_json::{json, Map, Value};

use crate::cli_support::{self, Run};
use crate::sim_support::{self, Sim};

const ADMIN_PASSWORD: &str = "Canary-Preflight-Pw-4410!";
const NAME: &str = "dws-checked";

/// A spec of one cluster, `NAME`, with `nodes` nodes in the simulator's default network.
fn spec(dir: &Path, nodes: u32) -> PathBuf {
    let text = format!(
        "version: 1\nclusters:\n  {NAME}:\n    node_type: dws.m3.xlarge\n    number_of_node: \
         {nodes}\n    availability_zone: eu-de-01\n    vpc_id: {vpc}\n    subnet_id: {subnet}\n    \
         security_group_id: {sg}\n    port: 8000\n    user_name: dbadmin\n    password: \
         {{from_env: DWS_ADMIN_PASSWORD}}\n",
        vpc = sim::DEFAULT_VPC_ID,
        subnet = sim::DEFAULT_SUBNET_ID,
        sg = sim::DEFAULT_SECURITY_GROUP_ID,
    );
    let path = dir.join("dws.yaml");
    std::fs::write(&path, text).expect("write the spec");
    path
}

async fn dwsctl(sim: &Sim, dir: &Path, args: &[&str]) -> Run {
    cli_support::dwsctl(args)
        .ak_sk(&sim.base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .current_dir(dir)
        .run()
        .await
}

/// The text with every run of whitespace made one space: a reason wraps where the width says.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[track_caller]
fn assert_calls(counts: &Map<String, Value>, expected: Value) {
    assert_eq!(Value::Object(counts.clone()), expected);
}

/// `NAME` with `nodes` nodes, owned by dwsctl and AVAILABLE, created through the API; its id.
async fn owned_cluster(sim: &Sim, nodes: u32) -> String {
    let mut body = sim_support::cluster_body(NAME);
    body["cluster"]["number_of_node"] = json!(nodes);
    body["cluster"]["availability_zone"] = json!("eu-de-01");
    body["cluster"]["tags"] = json!([{"key": "managed-by", "value": "dwsctl"}]);
    let (status, answer) = sim.post("clusters", body).await;
    assert_eq!(status, 200, "{answer}");
    sim.advance(3600.0).await;
    answer["cluster"]["id"].as_str().expect("id").to_owned()
}

const LISTS: [&str; 2] = [
    "GET /v1.0/{project_id}/clusters",
    "GET /v1.0/{project_id}/snapshots",
];

fn with_lists(mut extra: Value) -> Value {
    for list in LISTS {
        extra[list] = json!(1);
    }
    extra
}

/// Plans `spec` on counters just reset: exit 3, a step blocked as `preflight_failed`, and
/// exactly `calls` besides the two lists. Returns the run (its stdout flattened by [`flat`]
/// for the reason, its transcript for the test's snapshot).
async fn plan_blocked(sim: &Sim, dir: &Path, spec: &str, calls: Value) -> (Run, String) {
    sim.reset_requests().await;
    let out = dwsctl(sim, dir, &["plan", "-f", spec, "--detailed-exitcode"]).await;
    out.assert_exit(3);
    let stdout = flat(&out.stdout());
    assert!(stdout.contains("! blocked: preflight_failed"), "{stdout}");
    assert_calls(&sim.requests().await, with_lists(calls));
    (out, stdout)
}

/// Applies `spec` on counters just reset: refused with exit 3 as `preflight_failed`, and
/// none of the `unsent` routes called.
async fn apply_refused(sim: &Sim, dir: &Path, spec: &str, unsent: &[&str]) {
    sim.reset_requests().await;
    let out = dwsctl(sim, dir, &["apply", "-f", spec, "--yes"]).await;
    out.assert_exit(3);
    assert!(out.stdout().contains("preflight_failed"), "{}", out.text());
    let sent = sim.requests().await;
    for route in unsent {
        assert!(!sent.contains_key(*route), "apply sent {route}: {sent:?}");
    }
}

#[tokio::test]
async fn a_create_over_the_node_quota_is_blocked_at_plan_time_and_apply_sends_nothing() {
    let sim = sim_support::start_with(Config {
        node_quota: 2,
        ..Config::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec(dir.path(), 3);
    let spec = spec.to_str().expect("utf-8");
    // The two lists, one read of each listing, and the one precheck: nothing else.
    let (out, stdout) = plan_blocked(
        &sim,
        dir.path(),
        spec,
        json!({
            "GET /v2/{project_id}/node-types": 1,
            "GET /v1.0/{project_id}/quotas": 1,
            "POST /v2/{project_id}/cluster-precheck": 1,
        }),
    )
    .await;
    assert!(stdout.contains("DWS.5091"), "{stdout}");
    insta::assert_snapshot!(out.transcript());
    apply_refused(
        &sim,
        dir.path(),
        spec,
        &["POST /v1.0/{project_id}/clusters"],
    )
    .await;
}

#[tokio::test]
async fn a_scale_out_needing_more_subnet_addresses_than_are_free_is_blocked_with_the_clouds_reason()
{
    let sim = sim_support::start_with(Config {
        networks: sim::Networks {
            subnet_addresses: 5,
            ..sim::Networks::default()
        },
        ..Config::default()
    })
    .await;
    owned_cluster(&sim, 3).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec(dir.path(), 6);
    let spec = spec.to_str().expect("utf-8");
    let (out, stdout) = plan_blocked(
        &sim,
        dir.path(),
        spec,
        json!({
            // The detail read of a cluster whose step waits for its maintenance window.
            "GET /v1.0/{project_id}/clusters/{cluster_id}": 1,
            "GET /v1.0/{project_id}/quotas": 1,
            "POST /v2/{project_id}/clusters/{cluster_id}/grow-check": 1,
        }),
    )
    .await;
    assert!(
        stdout.contains("the subnet has 2 free addresses, 3 needed"),
        "{stdout}"
    );
    insta::assert_snapshot!(out.transcript());
    apply_refused(
        &sim,
        dir.path(),
        spec,
        &["POST /v1.0/{project_id}/clusters/{cluster_id}/resize"],
    )
    .await;
}

/// The cluster holds more data than the nodes that would stay can: the scale-in check's `disk`
/// item does not pass (the rule that refuses the scale-in itself), the plan is blocked with
/// it, and apply sends no scale-in.
#[tokio::test]
async fn a_scale_in_whose_data_would_not_fit_is_blocked_by_the_scale_in_check() {
    let sim = sim_support::start().await;
    let id = owned_cluster(&sim, 6).await;
    // dws.m3.xlarge holds 160 GB a node: 600 GB fit on 6 nodes, not on 3.
    let (status, body) = sim
        .hook(
            "PUT",
            &format!("clusters/{id}/data"),
            Some(json!({"gb": 600})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec(dir.path(), 3);
    let spec = spec.to_str().expect("utf-8");
    // guc and schema pass, disk does not: three checks, nothing else beyond the lists.
    let (out, stdout) = plan_blocked(
        &sim,
        dir.path(),
        spec,
        json!({
            "GET /v1.0/{project_id}/clusters/{cluster_id}": 1,
            "GET /v1/{project_id}/clusters/{cluster_id}/shrink-check": 3,
        }),
    )
    .await;
    assert!(
        stdout.contains("the cloud's scale-in check of 3 nodes does not pass for check_item disk"),
        "{stdout}"
    );
    insta::assert_snapshot!(out.transcript());
    apply_refused(
        &sim,
        dir.path(),
        spec,
        &[
            "POST /v1.0/{project_id}/clusters/{cluster_id}/cluster-shrink",
            "POST /v1.0/{project_id}/clusters/{cluster_id}/resize",
        ],
    )
    .await;
}

/// A restore into a subnet without room for the snapshot's nodes: the cloud's precheck of
/// the restored cluster refuses it by the rule that would refuse the restore, the plan is
/// blocked with that reason, and apply restores nothing.
#[tokio::test]
async fn a_restore_the_subnet_has_no_room_for_is_blocked_by_the_precheck() {
    let sim = sim_support::start_with(Config {
        networks: sim::Networks {
            subnet_addresses: 5,
            ..sim::Networks::default()
        },
        ..Config::default()
    })
    .await;
    // Managed elsewhere: 3 of the subnet's 5 addresses, and the snapshot to restore.
    let source = sim.create_available("dws-source").await;
    sim.snapshot(&source, "snap-source").await;
    sim.advance(3600.0).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "version: 1\nclusters:\n  {NAME}:\n    restore_from: {{snapshot: snap-source, external: \
         true}}\n    availability_zone: eu-de-01\n    vpc_id: {vpc}\n    subnet_id: {subnet}\n    \
         security_group_id: {sg}\n",
        vpc = sim::DEFAULT_VPC_ID,
        subnet = sim::DEFAULT_SUBNET_ID,
        sg = sim::DEFAULT_SECURITY_GROUP_ID,
    );
    let spec = dir.path().join("dws.yaml");
    std::fs::write(&spec, text).expect("write the spec");
    let spec = spec.to_str().expect("utf-8");
    let (out, stdout) = plan_blocked(
        &sim,
        dir.path(),
        spec,
        json!({
            "GET /v2/{project_id}/node-types": 1,
            "GET /v1.0/{project_id}/quotas": 1,
            "POST /v2/{project_id}/cluster-precheck": 1,
        }),
    )
    .await;
    assert!(stdout.contains("restore"), "{stdout}");
    assert!(
        stdout.contains("the subnet has 2 free addresses, 3 needed"),
        "{stdout}"
    );
    insta::assert_snapshot!(out.transcript());
    apply_refused(
        &sim,
        dir.path(),
        spec,
        &["POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions"],
    )
    .await;
}

#[tokio::test]
async fn a_node_type_sold_out_in_the_zone_blocks_the_create_without_a_precheck() {
    let sim = sim_support::start_with(Config {
        networks: sim::Networks {
            sold_out: vec![("dws.m3.xlarge".into(), "eu-de-01".into())],
            ..sim::Networks::default()
        },
        ..Config::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec(dir.path(), 3);
    sim.reset_requests().await;
    let out = dwsctl(
        &sim,
        dir.path(),
        &[
            "plan",
            "-f",
            spec.to_str().expect("utf-8"),
            "--detailed-exitcode",
        ],
    )
    .await;
    out.assert_exit(3);
    let stdout = flat(&out.stdout());
    assert!(
        stdout.contains("node type dws.m3.xlarge is not offered in eu-de-01"),
        "{stdout}"
    );
    assert_calls(
        &sim.requests().await,
        with_lists(json!({
            "GET /v2/{project_id}/node-types": 1,
            "GET /v1.0/{project_id}/quotas": 1,
        })),
    );
}

#[tokio::test]
async fn a_plan_without_changes_makes_exactly_the_two_list_calls() {
    let sim = sim_support::start().await;
    owned_cluster(&sim, 3).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec(dir.path(), 3);
    sim.reset_requests().await;
    let out = dwsctl(
        &sim,
        dir.path(),
        &[
            "plan",
            "-f",
            spec.to_str().expect("utf-8"),
            "--detailed-exitcode",
        ],
    )
    .await;
    out.assert_exit(0);
    assert_calls(&sim.requests().await, with_lists(json!({})));
}

/// A check that cannot run (here the precheck answers 503 on every try) ends `plan` with exit
/// 1 naming the check and the step: the plan is not printed as if it had been checked.
#[tokio::test]
async fn a_check_that_cannot_run_ends_the_plan_with_exit_1_naming_it() {
    let sim = sim_support::start().await;
    let rules = json!({"rules": [{"route": "POST /v2/{project_id}/cluster-precheck",
                                  "fault": {"kind": "status", "status": 503}}]});
    let (status, body) = sim.hook("POST", "faults", Some(rules)).await;
    assert_eq!(status, 200, "{body}");
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec(dir.path(), 3);
    let out = dwsctl(
        &sim,
        dir.path(),
        &[
            "plan",
            "-f",
            spec.to_str().expect("utf-8"),
            "--detailed-exitcode",
        ],
    )
    .await;
    out.assert_exit(1);
    assert_eq!(out.stdout(), "", "no plan is shown unchecked");
    // The report's frame (`│`) and wrapping aside.
    let stderr = flat(&out.stderr().replace('│', " "));
    assert!(
        stderr.contains(
            "the check before apply POST /v2/{project_id}/cluster-precheck for \
             cluster.dws-checked.create could not run"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("503"), "{stderr}");
}
