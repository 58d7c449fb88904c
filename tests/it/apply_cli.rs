//! `dwsctl apply` as users run it: the real binary through the CLI harness with the embedded
//! simulator (`--sim=STATE`), from a temporary directory.

use std::path::{Path, PathBuf};

use super::apply::ABSENT_OVERLAY;
use super::apply_support::{example, ADMIN_PASSWORD};
use super::cli_support::{self, Run};

/// Fast enough for tests; each stage still shows up in the progress lines.
pub const SCALE: &str = "1500";

/// `dwsctl --sim=STATE ARGS` in `dir` with the admin password set.
pub fn command(dir: &Path, scale: &str, args: &[&str]) -> cli_support::Dwsctl {
    cli_support::dwsctl(args)
        .embedded_sim(dir, scale)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
}

pub async fn dwsctl(dir: &Path, args: &[&str]) -> Run {
    command(dir, SCALE, args).run().await
}

fn quickstart() -> String {
    example("quickstart.yaml").display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, content).expect("write spec");
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_end_to_end_then_absent_then_nothing_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = quickstart();
    let out = dwsctl(dir.path(), &["apply", "-f", &q, "--yes"]).await;
    out.assert_exit(0);
    let stderr = text(&out.stderr);
    for stage in [
        "cluster.dws-demo.create: started",
        "snapshot.snapshotForDemoCluster.create: started",
        "cluster.dws-restore.restore: started",
        "Apply complete: 3 done, 0 failed, 0 skipped.",
    ] {
        assert!(stderr.contains(stage), "{stage:?} missing from:\n{stderr}");
    }
    insta::assert_snapshot!("apply_quickstart", out.transcript());
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--detailed-exitcode"]).await;
    out.assert_exit(0);

    let absent = write(dir.path(), "absent.yaml", ABSENT_OVERLAY);
    let out = dwsctl(dir.path(), &["apply", "-f", &q, "-f", &absent, "--yes"]).await;
    out.assert_exit(0);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cluster.dws-demo.delete: done"), "{stderr}");
    insta::assert_snapshot!("apply_absent", out.transcript_by_step());
    let out = dwsctl(
        dir.path(),
        &["plan", "-f", &q, "-f", &absent, "--detailed-exitcode"],
    )
    .await;
    out.assert_exit(0);
    let out = dwsctl(dir.path(), &["apply", "-f", &q, "-f", &absent, "--yes"]).await;
    out.assert_exit(0);
    insta::assert_snapshot!("apply_with_nothing_to_do", out.transcript());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_yes_off_a_terminal_apply_refuses_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = quickstart();
    let out = dwsctl(dir.path(), &["apply", "-f", &q]).await;
    out.assert_exit(1);
    assert!(
        text(&out.stderr).contains("stdin is not a terminal"),
        "{}",
        text(&out.stderr)
    );
    insta::assert_snapshot!(out.transcript());
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--detailed-exitcode"]).await;
    out.assert_exit(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_password_stops_apply_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = quickstart();
    let out = command(dir.path(), SCALE, &["apply", "-f", &q, "--yes"])
        .env_remove("DWS_ADMIN_PASSWORD")
        .run()
        .await;
    out.assert_exit(1);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    // The report names the step and the variable (miette may wrap the line after them).
    assert!(
        stderr.contains("cluster.dws-demo.create: environment variable DWS_ADMIN_PASSWORD"),
        "{stderr}"
    );
    insta::assert_snapshot!(out.transcript());
    // Nothing reached the cloud: the plan still has all three creates.
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--detailed-exitcode"]).await;
    out.assert_exit(2);
    assert!(
        text(&out.stdout).contains("Plan: 3 to create"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_runs_exactly_and_a_plan_for_another_spec_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = quickstart();
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--out", "plan.json"]).await;
    out.assert_exit(0);
    let absent = write(dir.path(), "absent.yaml", ABSENT_OVERLAY);
    let out = dwsctl(dir.path(), &["apply", "-f", &q, "-f", &absent, "plan.json"]).await;
    out.assert_exit(4);
    assert!(
        text(&out.stderr).contains("another spec"),
        "{}",
        text(&out.stderr)
    );
    insta::assert_snapshot!("apply_a_plan_for_another_spec", out.transcript());
    let out = dwsctl(dir.path(), &["apply", "-f", &q, "plan.json"]).await;
    out.assert_exit(0);
    insta::assert_snapshot!("apply_a_saved_plan", out.transcript());
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--detailed-exitcode"]).await;
    out.assert_exit(0);
    // Applying the same saved plan again: every step finds its goal reached (as a second
    // pipeline running the same plan would), which is success, not a stale plan.
    let out = dwsctl(dir.path(), &["apply", "-f", &q, "plan.json"]).await;
    out.assert_exit(0);
    assert!(
        text(&out.stderr).contains("done (already in place)"),
        "{}",
        text(&out.stderr)
    );
    insta::assert_snapshot!("apply_a_saved_plan_again", out.transcript());
}

/// The command table's `dwsctl apply PLAN`: the saved plan is enough, no spec file needed
/// (the temporary directory has no dwsctl.yaml).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_applies_without_any_spec_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = quickstart();
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--out", "plan.json"]).await;
    out.assert_exit(0);
    let out = dwsctl(dir.path(), &["apply", "plan.json"]).await;
    out.assert_exit(0);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("applying plan.json as saved"), "{stderr}");
    assert!(stderr.contains("Apply complete: 3 done"), "{stderr}");
    insta::assert_snapshot!(out.transcript());
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--detailed-exitcode"]).await;
    out.assert_exit(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_plan_is_refused_with_exit_3_and_json_streams_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = quickstart();
    let out = dwsctl(dir.path(), &["apply", "-f", &q, "--yes", "--json"]).await;
    out.assert_exit(0);
    let events: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("every stdout line is JSON"))
        .collect();
    assert_eq!(
        events.first().map(|e| e["event"].clone()),
        Some("plan".into())
    );
    // Every event, the plan included, carries its timestamp, as the README says.
    assert!(events.iter().all(|e| e["ts"].is_string()), "{events:?}");
    let last = events.last().expect("events");
    assert_eq!(last["event"], "summary");
    assert_eq!(last["status"], "complete");
    assert_eq!(last["done"], 3);
    assert!(events.iter().any(|e| e["event"] == "progress"));
    insta::assert_snapshot!("apply_json_events", out.transcript());

    let other_type = "version: 1\nclusters:\n  dws-demo:\n    node_type: dws.m3.2xlarge\n";
    let overlay = write(dir.path(), "bigger.yaml", other_type);
    let out = dwsctl(dir.path(), &["apply", "-f", &q, "-f", &overlay, "--yes"]).await;
    out.assert_exit(3);
    assert!(
        text(&out.stderr).contains("blocked"),
        "{}",
        text(&out.stderr)
    );
    insta::assert_snapshot!("apply_refuses_a_blocked_plan", out.transcript());
}

/// A password the API would refuse is caught before anything is sent, for a fresh plan and
/// for a saved one: exit 3, nothing created, the value never shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_that_breaks_the_rule_blocks_apply_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = quickstart();
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--out", "plan.json"]).await;
    out.assert_exit(0);
    let short = "Sh0rt#Pw9";
    for args in [vec!["apply", "-f", &q, "--yes"], vec!["apply", "plan.json"]] {
        let out = command(dir.path(), SCALE, &args)
            .env("DWS_ADMIN_PASSWORD", short)
            .run()
            .await;
        out.assert_exit(3);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains("password_policy"), "{all}");
        let name = if args.len() == 2 { "saved" } else { "fresh" };
        insta::assert_snapshot!(format!("password_refused_{name}"), out.transcript());
    }
    let out = dwsctl(dir.path(), &["plan", "-f", &q, "--detailed-exitcode"]).await;
    out.assert_exit(2);
    assert!(
        text(&out.stdout).contains("Plan: 3 to create"),
        "{}",
        text(&out.stdout)
    );
}

/// A saved plan made from a live value that moved since (another run scaled the cluster):
/// the step is stale, nothing is sent, exit 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_whose_cluster_moved_since_is_stale_with_exit_4() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nodes = |n: u32| {
        let spec = format!(
            "version: 1\nclusters:\n  twin:\n    node_type: dws.d1.xlarge\n    \
             number_of_node: {n}\n    vpc_id: {}\n    subnet_id: {}\n    \
             security_group_id: {}\n    user_name: dbadmin\n    \
             password: {{from_env: DWS_ADMIN_PASSWORD}}\n",
            dwsctl::sim::DEFAULT_VPC_ID,
            dwsctl::sim::DEFAULT_SUBNET_ID,
            dwsctl::sim::DEFAULT_SECURITY_GROUP_ID
        );
        write(dir.path(), &format!("n{n}.yaml"), &spec)
    };
    let (n3, n6, n9) = (nodes(3), nodes(6), nodes(9));
    dwsctl(dir.path(), &["apply", "-f", &n3, "--yes"])
        .await
        .assert_exit(0);
    dwsctl(dir.path(), &["plan", "-f", &n6, "--out", "plan.json"])
        .await
        .assert_exit(0);
    dwsctl(dir.path(), &["apply", "-f", &n9, "--yes"])
        .await
        .assert_exit(0);
    let out = dwsctl(dir.path(), &["apply", "plan.json"]).await;
    out.assert_exit(4);
    assert!(out.stderr().contains("has 9 nodes"), "{}", out.text());
    insta::assert_snapshot!(out.transcript());
    let out = dwsctl(dir.path(), &["plan", "-f", &n9, "--detailed-exitcode"]).await;
    out.assert_exit(0);
}
