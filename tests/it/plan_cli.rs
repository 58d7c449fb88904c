//! `dwsctl plan` against the simulator: the real binary through the CLI harness (AK/SK
//! credentials, the simulator on 127.0.0.1:0); stdout, stderr and exit code snapshotted;
//! the simulator's request counters prove the command only reads.

use std::path::Path;

use serde_json::{json, Value};

use crate::cli_support::{self, Run};
use crate::sim_support::{self, Sim};

/// The admin password the quickstart reads; it must never be printed.
const ADMIN_PASSWORD: &str = "Canary-Plan-Pw-7731!";

/// `dwsctl ARGS` with AK/SK credentials for `sim` and the admin password set.
fn plan_command(sim: &Sim, args: &[&str]) -> cli_support::Dwsctl {
    cli_support::dwsctl(args)
        .ak_sk(&sim.base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
}

async fn dwsctl(sim: &Sim, args: &[&str]) -> Run {
    plan_command(sim, args).run().await
}

/// The quickstart's plan: the two lists, then the checks before apply of its create and its
/// restore (one read of the node types and of the quotas, one precheck each).
#[track_caller]
fn assert_the_lists_and_the_quickstart_checks(counts: &serde_json::Map<String, Value>) {
    let expected = json!({
        "GET /v1.0/{project_id}/clusters": 1,
        "GET /v1.0/{project_id}/quotas": 1,
        "GET /v1.0/{project_id}/snapshots": 1,
        "GET /v2/{project_id}/node-types": 1,
        "POST /v2/{project_id}/cluster-precheck": 2,
    });
    assert_eq!(Value::Object(counts.clone()), expected);
}

const QUICKSTART: &str = "examples/quickstart.yaml";

#[tokio::test]
async fn quickstart_plan_before_apply_creates_restores_and_only_reads() {
    let sim = sim_support::start().await;
    sim.reset_requests().await;
    let out = dwsctl(&sim, &["plan", "-f", QUICKSTART, "--detailed-exitcode"]).await;
    out.assert_exit(2);
    insta::assert_snapshot!(out.transcript());
    let counts = sim.requests().await;
    assert!(
        counts.keys().all(
            |k| (!k.starts_with("POST") || k.ends_with("cluster-precheck"))
                && !k.starts_with("PUT")
                && !k.starts_with("DELETE")
        ),
        "plan sent a mutating request: {counts:?}"
    );
    assert_the_lists_and_the_quickstart_checks(&counts);
}

#[tokio::test]
async fn quickstart_json_plan_before_apply_is_versioned_and_saved_identically() {
    let sim = sim_support::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("plan.json");
    let saved_arg = saved.to_str().expect("utf-8 path");
    let out = dwsctl(
        &sim,
        &["plan", "-f", QUICKSTART, "--json", "--out", saved_arg],
    )
    .await;
    out.assert_exit(0);
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf-8");
    insta::assert_snapshot!(out.transcript());
    let file = std::fs::read_to_string(&saved).expect("saved plan");
    assert_eq!(file, stdout, "--out writes what --json prints");
    let plan = dwsctl::plan::load_plan_file(Path::new(&saved)).expect("apply can read it");
    assert_eq!(plan.format_version, dwsctl::plan::FORMAT_VERSION);
    out.assert_no_secrets();
}

#[tokio::test]
async fn a_cluster_dwsctl_did_not_create_blocks_the_plan_with_exit_code_3() {
    let sim = sim_support::start().await;
    // Someone created dws-demo by hand: no managed-by tag.
    let mut body = sim_support::cluster_body("dws-demo");
    body["cluster"]["node_type"] = json!("dws.d1.xlarge");
    let (status, answer) = sim.post("clusters", body).await;
    assert_eq!(status, 200, "{answer}");
    sim.advance(3600.0).await;
    let out = dwsctl(&sim, &["plan", "-f", QUICKSTART, "--detailed-exitcode"]).await;
    out.assert_exit(3);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("! blocked: unowned_cluster"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("apply refuses this plan"));
    insta::assert_snapshot!(out.transcript());
}

/// A thousand clusters cost no more calls than none: the two lists, and the checks of the
/// quickstart's two new clusters, which do not depend on the number of clusters.
#[tokio::test]
async fn plan_over_a_thousand_clusters_makes_exactly_two_list_calls() {
    let sim = sim_support::start().await;
    let (status, body) = sim
        .hook(
            "POST",
            "seed",
            Some(json!({"clusters": 1000, "snapshots": 10000})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sim.reset_requests().await;
    let out = dwsctl(&sim, &["plan", "-f", QUICKSTART, "--json"]).await;
    out.assert_exit(0);
    assert_the_lists_and_the_quickstart_checks(&sim.requests().await);
    let plan: Value = serde_json::from_slice(&out.stdout).expect("json plan");
    let targets: Vec<&str> = plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["target"]["name"].as_str())
        .collect();
    assert!(
        targets.iter().all(|t| !t.starts_with("seed-")),
        "the seeded clusters are not named by the spec and must not be touched: {targets:?}"
    );
}

#[tokio::test]
async fn a_missing_spec_file_is_an_error_with_exit_code_1() {
    let sim = sim_support::start().await;
    sim.reset_requests().await;
    let out = dwsctl(
        &sim,
        &["plan", "-f", "no/such/spec.yaml", "--detailed-exitcode"],
    )
    .await;
    out.assert_exit(1);
    assert!(out.stdout.is_empty());
    assert!(
        sim.requests().await.is_empty(),
        "no call before the spec is valid"
    );
    insta::assert_snapshot!(out.transcript());
}

#[tokio::test]
async fn colour_only_when_asked_and_never_under_no_color() {
    let sim = sim_support::start().await;
    let plain = plan_command(&sim, &["plan", "-f", QUICKSTART])
        .colour_allowed()
        .run()
        .await;
    assert!(!plain.stdout.contains(&0x1b), "colour without --color");
    let asked = plan_command(&sim, &["plan", "-f", QUICKSTART, "--color"])
        .colour_allowed()
        .run()
        .await;
    let text = String::from_utf8_lossy(&asked.stdout);
    assert!(text.contains("\u{1b}[32m+\u{1b}[0m create"), "{text}");
    let refused = dwsctl(&sim, &["plan", "-f", QUICKSTART, "--color"]).await;
    assert!(!refused.stdout.contains(&0x1b), "NO_COLOR must win");
    assert_eq!(refused.stdout, plain.stdout);
}

/// `dwsctl plan` with the admin password variable set to `password`, or unset.
async fn plan_with_password(sim: &Sim, password: Option<&str>) -> Run {
    let cmd = plan_command(sim, &["plan", "-f", QUICKSTART, "--detailed-exitcode"]);
    match password {
        Some(password) => cmd.env("DWS_ADMIN_PASSWORD", password),
        None => cmd.env_remove("DWS_ADMIN_PASSWORD"),
    }
    .run()
    .await
}

/// A pull request's plan shows what would make the merge's apply fail: an unset secret is
/// named (a warning: CI often plans without secrets), a password the API's rule refuses
/// blocks its step (exit 3), and the value itself is never shown.
#[tokio::test]
async fn plan_names_an_unset_secret_and_blocks_a_password_the_api_would_refuse() {
    let sim = sim_support::start().await;
    let out = plan_with_password(&sim, None).await;
    out.assert_exit(2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: cluster.dws-demo.create: environment variable DWS_ADMIN_PASSWORD is not set"
        ),
        "{stderr}"
    );
    insta::assert_snapshot!("plan_with_an_unset_secret", out.transcript());

    let short = "Sh0rt#Pw9";
    let out = plan_with_password(&sim, Some(short)).await;
    out.assert_exit(3);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("blocked: password_policy") && stdout.contains("9 characters"),
        "{stdout}"
    );
    insta::assert_snapshot!("plan_with_a_password_the_api_refuses", out.transcript());
}

#[tokio::test]
async fn without_credentials_plan_says_which_to_set_and_sends_nothing() {
    let sim = sim_support::start().await;
    sim.reset_requests().await;
    let out = cli_support::dwsctl(["plan", "-f", QUICKSTART])
        .env("DWS_ENDPOINT", &sim.base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .run()
        .await;
    out.assert_exit(1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr().contains("no credentials found"),
        "{}",
        out.text()
    );
    assert!(
        sim.requests().await.is_empty(),
        "a call without credentials"
    );
    insta::assert_snapshot!(out.transcript());
}

/// An endpoint where nothing listens: the token call fails after its retries and the error
/// names the address. (Password auth: with AK/SK the two list calls run at once and either
/// may be the one reported.)
#[tokio::test]
async fn an_unreachable_endpoint_is_an_error_naming_it() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let out = cli_support::dwsctl(["plan", "-f", QUICKSTART])
        .password_auth(&base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .run()
        .await;
    out.assert_exit(1);
    assert!(out.stderr().contains("cannot reach"), "{}", out.text());
    insta::assert_snapshot!(out.transcript());
}

/// An error the API answers: the report names the call, the code and the answer's request id
/// (which the snapshot shows as `[UUID]`: a fresh one per answer).
#[tokio::test]
async fn an_api_error_names_the_call_and_its_request_id() {
    let sim = sim_support::start().await;
    let rule = json!({"rules": [{"route": "GET /v1.0/{project_id}/clusters",
                                 "fault": {"kind": "status", "status": 400}}]});
    let (status, body) = sim.hook("POST", "faults", Some(rule)).await;
    assert_eq!(status, 200, "{body}");
    let out = dwsctl(&sim, &["plan", "-f", QUICKSTART]).await;
    out.assert_exit(1);
    assert!(out.stderr().contains("request id"), "{}", out.text());
    insta::assert_snapshot!(out.transcript());
}
