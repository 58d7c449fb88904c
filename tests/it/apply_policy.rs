//! The `automated_snapshots` block end to end: the real binary against a simulator on
//! loopback. Each change (a new cluster's policy, the retention, a strategy added and one
//! removed, automated snapshots turned off) shows its field-level diff in `plan`, is applied
//! with exactly the policy calls it needs (the simulator's request counters), and leaves
//! nothing to do for the next plan. Also: a PUT whose answer is lost adds nothing twice, a
//! saved plan whose policy moved since is stale, and a cluster renamed by the spec has its
//! policy and CN list read under the old name and changed after the rename.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use super::apply_support::{world, World, ADMIN_PASSWORD};
use super::cli_support::{self, Run};

const SCALE: f64 = 400.0;
const PUT: &str = "PUT /v2/{project_id}/clusters/{cluster_id}/snapshot-policies";
const GET: &str = "GET /v2/{project_id}/clusters/{cluster_id}/snapshot-policies";
const DELETE: &str = "DELETE /v1.0/{project_id}/clusters/{cluster_id}/snapshot-policies/{id}";

fn spec(block: &str) -> String {
    spec_named("pol-demo", "", block)
}

/// [`spec`] of a cluster named `name`, with `extra` lines (indented by 4) before the block.
fn spec_named(name: &str, extra: &str, block: &str) -> String {
    format!(
        "version: 1
clusters:
  {name}:
{extra}    node_type: dws.d1.xlarge
    number_of_node: 3
    vpc_id: {}
    subnet_id: {}
    security_group_id: {}
    user_name: dbadmin
    password: {{from_env: DWS_ADMIN_PASSWORD}}
    automated_snapshots:
{block}",
        dwsctl::sim::DEFAULT_VPC_ID,
        dwsctl::sim::DEFAULT_SUBNET_ID,
        dwsctl::sim::DEFAULT_SECURITY_GROUP_ID
    )
}

async fn dwsctl(dir: &Path, world: &World, args: &[&str]) -> Run {
    cli_support::dwsctl(args)
        .password_auth(&world.base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .current_dir(dir)
        .run()
        .await
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write spec");
    path.display().to_string()
}

/// The policy calls since the last reset: (PUT, DELETE).
async fn policy_calls(world: &World) -> (u64, u64) {
    let sent: BTreeMap<String, u64> = world.requests().await;
    let n = |route: &str| sent.get(route).copied().unwrap_or(0);
    (n(PUT), n(DELETE))
}

/// The simulator's policy of `pol-demo`, as the GET answers it.
async fn live_policy(world: &World) -> Value {
    let live = world.client.observe().await.expect("observe");
    let id = live.cluster("pol-demo").expect("listed").id.clone();
    let policy = world.client.get_snapshot_policy(&id).await.expect("policy");
    serde_json::to_value(policy).expect("json")
}

fn strategies(policy: &Value) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = policy["backup_strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| {
            let name = s["policy_name"].as_str().unwrap_or_default().to_owned();
            let cron = s["backup_strategy"].as_str().unwrap_or_default().to_owned();
            (name, cron)
        })
        .collect();
    list.sort();
    list
}

/// `plan` shows changes (exit 2 with --detailed-exitcode); its text is returned.
async fn plan_shows(dir: &Path, world: &World, file: &str) -> String {
    let out = dwsctl(dir, world, &["plan", "-f", file, "--detailed-exitcode"]).await;
    out.assert_exit(2);
    out.stdout()
}

/// Applies `file`, checks the policy calls it made, and that the next plan is empty.
async fn apply_then_nothing(dir: &Path, world: &World, file: &str, calls: (u64, u64)) {
    world.reset_requests().await;
    let out = dwsctl(dir, world, &["apply", "-f", file, "--yes"]).await;
    out.assert_exit(0);
    assert!(
        out.stderr().contains("cluster.pol-demo.policy: done"),
        "{}",
        out.text()
    );
    assert_eq!(policy_calls(world).await, calls, "{}", out.text());
    let out = dwsctl(dir, world, &["plan", "-f", file, "--detailed-exitcode"]).await;
    out.assert_exit(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_retention_add_and_remove_then_disable_each_planned_applied_and_settled() {
    let world = world(SCALE, 13).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();

    // A new cluster: planned against the default policy it gets (two `apie-default-*`
    // strategies); the whole set is the spec's, so the full default strategy goes.
    let create = write(
        d,
        "create.yaml",
        &spec(
            "      keep_days: 7
      exclusive: true
      policies:
        apie-default-increment-strategy: {schedule: \"0 7 2/8 ? * 2,3,4,5,6,7\", type: increment}
        nightly: {schedule: \"0 0 3 * * ?\", type: full}
",
        ),
    );
    insta::assert_snapshot!("policy_plan_create", plan_shows(d, &world, &create).await);
    apply_then_nothing(d, &world, &create, (1, 1)).await;
    let policy = live_policy(&world).await;
    assert_eq!(policy["keep_day"], 7);
    assert_eq!(
        strategies(&policy),
        [
            (
                "apie-default-increment-strategy".into(),
                "0 7 2/8 ? * 2,3,4,5,6,7".into()
            ),
            ("nightly".into(), "0 0 3 * * ?".into())
        ]
    );

    // The retention alone: one PUT with keep_day, nothing deleted.
    let retention = write(
        d,
        "retention.yaml",
        &spec(
            "      keep_days: 10
      exclusive: true
      policies:
        apie-default-increment-strategy: {schedule: \"0 7 2/8 ? * 2,3,4,5,6,7\", type: increment}
        nightly: {schedule: \"0 0 3 * * ?\", type: full}
",
        ),
    );
    let text = plan_shows(d, &world, &retention).await;
    assert!(
        text.contains("automated_snapshots.keep_days = 7 -> 10"),
        "{text}"
    );
    insta::assert_snapshot!("policy_plan_retention", text);
    apply_then_nothing(d, &world, &retention, (1, 0)).await;
    assert_eq!(live_policy(&world).await["keep_day"], 10);

    // A strategy added, one removed, one rescheduled: one DELETE, one PUT.
    let swap = write(
        d,
        "swap.yaml",
        &spec(
            "      keep_days: 10
      exclusive: true
      policies:
        nightly: {schedule: \"0 30 3 * * ?\", type: full}
        weekly-full: {schedule: \"0 0 4 ? * 1\", type: full}
",
        ),
    );
    insta::assert_snapshot!("policy_plan_add_remove", plan_shows(d, &world, &swap).await);
    apply_then_nothing(d, &world, &swap, (1, 1)).await;
    assert_eq!(
        strategies(&live_policy(&world).await),
        [
            ("nightly".into(), "0 30 3 * * ?".into()),
            ("weekly-full".into(), "0 0 4 ? * 1".into())
        ]
    );

    // Off: every strategy deleted (the API has no switch), no PUT; the GET then reports
    // `auto_backup: false`.
    let off = write(d, "off.yaml", &spec("      enabled: false\n"));
    let text = plan_shows(d, &world, &off).await;
    assert!(text.contains("automated_snapshots.enabled"), "{text}");
    insta::assert_snapshot!("policy_plan_disable", text);
    apply_then_nothing(d, &world, &off, (0, 2)).await;
    let policy = live_policy(&world).await;
    assert_eq!(policy["auto_backup"], false);
    assert!(strategies(&policy).is_empty());

    // Back on without a policy to add: blocked (exit 3), with the way out.
    let on = write(d, "on.yaml", &spec("      enabled: true\n"));
    let out = dwsctl(d, &world, &["plan", "-f", &on, "--detailed-exitcode"]).await;
    out.assert_exit(3);
    assert!(
        out.stdout().contains("automated_snapshots_off"),
        "{}",
        out.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_whose_answer_is_lost_adds_nothing_twice_and_a_moved_policy_makes_a_saved_plan_stale()
{
    let world = world(SCALE, 14).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let base = write(d, "base.yaml", &spec("      keep_days: 3\n"));
    dwsctl(d, &world, &["apply", "-f", &base, "--yes"])
        .await
        .assert_exit(0);

    let add = write(
        d,
        "add.yaml",
        &spec(
            "      keep_days: 5
      policies:
        nightly: {schedule: \"0 0 3 * * ?\", type: full}
",
        ),
    );
    // The PUT takes effect, then the connection is cut: the step reads the policy again
    // and finds its goal, so the PUT is not sent a second time.
    world
        .post(
            "/_sim/faults",
            &json!({"rules": [{"route": PUT, "nth": [1], "fault": {"kind": "reset_after_commit"}}]}),
        )
        .await;
    apply_then_nothing(d, &world, &add, (1, 0)).await;
    let rules = world.get("/_sim/faults").await;
    assert_eq!(
        rules["rules"][0]["fired"], 1,
        "the lost answer happened: {rules}"
    );
    world.clear_faults().await;
    let names: Vec<String> = strategies(&live_policy(&world).await)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names.iter().filter(|n| *n == "nightly").count(),
        1,
        "{names:?}"
    );
    // Read by the plan, before the PUT, and after it.
    assert!(world.requests().await.get(GET).is_some_and(|n| *n >= 3));

    // A saved plan, then the policy moves (someone changes the retention): stale, exit 4,
    // nothing sent.
    let longer = write(d, "longer.yaml", &spec("      keep_days: 9\n"));
    dwsctl(d, &world, &["plan", "-f", &longer, "--out", "plan.json"])
        .await
        .assert_exit(0);
    let live = world.client.observe().await.expect("observe");
    let id = live.cluster("pol-demo").expect("listed").id.clone();
    let body = dwsctl::api::policy::PutSnapshotPolicy {
        keep_day: Some(12),
        ..Default::default()
    };
    world
        .client
        .put_snapshot_policy(&id, &body)
        .await
        .expect("put");
    world.reset_requests().await;
    let out = dwsctl(d, &world, &["apply", "plan.json"]).await;
    out.assert_exit(4);
    assert!(
        out.stderr()
            .contains("policy of pol-demo changed since the plan was made"),
        "{}",
        out.text()
    );
    assert_eq!(policy_calls(&world).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_cluster_has_its_policy_and_cns_read_under_the_old_name_and_changed_after_the_rename(
) {
    let world = world(SCALE, 15).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let base = write(d, "base.yaml", &spec("      keep_days: 3\n"));
    dwsctl(d, &world, &["apply", "-f", &base, "--yes"])
        .await
        .assert_exit(0);
    let renamed = write(
        d,
        "renamed.yaml",
        &spec_named(
            "pol-prod",
            "    renamed_from: pol-demo\n    number_of_cn: 2\n",
            "      keep_days: 7
      policies:
        nightly: {schedule: \"0 0 3 * * ?\", type: full}
",
        ),
    );
    let text = plan_shows(d, &world, &renamed).await;
    // Columns are aligned per cluster: compare with single spaces.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for line in [
        "~ name = \"pol-demo\" -> \"pol-prod\"",
        "automated_snapshots.keep_days = 3 -> 7",
        "+ automated_snapshots.policies.nightly",
        "after: cluster.pol-demo.rename",
        "~ number_of_cn = 3 -> 2",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    assert!(!text.contains("policy_not_read"), "{text}");
    world.reset_requests().await;
    let out = dwsctl(d, &world, &["apply", "-f", &renamed, "--yes"]).await;
    out.assert_exit(0);
    let sent = world.requests().await;
    let rename = "PUT /v1/{project_id}/clusters/{cluster_id}/cluster-name";
    assert_eq!(sent.get(rename).copied(), Some(1), "{sent:?}");
    let cns = "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-delete";
    assert_eq!(sent.get(cns).copied(), Some(1), "{sent:?}");
    assert_eq!(policy_calls(&world).await, (1, 0), "{}", out.text());
    let out = dwsctl(d, &world, &["plan", "-f", &renamed, "--detailed-exitcode"]).await;
    out.assert_exit(0);
    let live = world.client.observe().await.expect("observe");
    let id = live.cluster("pol-prod").expect("renamed").id.clone();
    let policy = world.client.get_snapshot_policy(&id).await.expect("policy");
    assert_eq!(policy.keep_day, Some(7));
    assert!(
        policy
            .backup_strategies
            .iter()
            .any(|s| s.policy_name == "nightly" && s.backup_strategy == "0 0 3 * * ?"),
        "{policy:?}"
    );
}
