//! Issue 12's in-place changes end to end on the simulator, through the library loop that
//! `dwsctl apply` runs: the plan shows a `~` step naming the operation with the old and new
//! value, apply sends exactly that route once, and the next plan is empty. A busy cluster
//! (busy when planned, or only when the change is sent) gets its change after its task,
//! never twice.

use std::path::PathBuf;

use dwsctl::api::Live;
use dwsctl::exec::RunStatus;
use dwsctl::plan::{Action, Kind, Plan};
use dwsctl::render::{text, TextOptions};
use dwsctl::sim::{DEFAULT_EIP_IDS, DEFAULT_SECURITY_GROUP_ID, SECOND_SECURITY_GROUP_ID};
use dwsctl::spec::{self, Loaded};

use super::apply_support::{without_record, world, World, ADMIN_PASSWORD};

const SCALE: f64 = 1500.0;
const SG_ROUTE: &str = "PUT /v1/{project_id}/clusters/{cluster_id}/security-group";
const BIND_ROUTE: &str = "POST /v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}";
const UNBIND_ROUTE: &str = "DELETE /v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}";

/// A one-cluster spec of `dws-demo` with `extra` lines (indented for the cluster) after the
/// common fields.
pub(super) fn spec(dir: &std::path::Path, security_group: &str, extra: &str) -> Loaded {
    named(dir, "dws-demo", security_group, extra)
}

/// [`spec`] of a cluster called `name`.
fn named(dir: &std::path::Path, name: &str, security_group: &str, extra: &str) -> Loaded {
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let text = format!(
        "version: 1\nclusters:\n  {name}:\n    node_type: dws.d1.xlarge\n    \
         number_of_node: 3\n    vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11\n    \
         subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec\n    \
         security_group_id: {security_group}\n    user_name: dbadmin\n    \
         password: {{from_env: DWS_ADMIN_PASSWORD}}\n{extra}"
    );
    let path: PathBuf = dir.join(format!("spec-{}.yaml", rand_suffix(&text)));
    std::fs::write(&path, text).expect("write spec");
    spec::load(&[path]).expect("spec loads")
}

fn rand_suffix(text: &str) -> usize {
    text.len() ^ text.bytes().map(usize::from).sum::<usize>()
}

fn eip(id: &str) -> String {
    format!("    public_ip: {{public_bind_type: bind_existing, eip_id: {id}}}\n")
}

/// The plan's updates, without the step that records the apply (`plan::record`).
fn updates(plan: &Plan) -> Vec<&Action> {
    assert!(plan.steps.iter().all(|s| s.action.kind() == Kind::Update));
    without_record(plan)
}

/// Asserts that the plan's text holds each of `lines`.
fn shows(plan: &Plan, lines: &[String]) {
    let shown = text(plan, &TextOptions::default());
    for line in lines {
        assert!(shown.contains(line), "{line:?} missing from:\n{shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_and_eip_change_in_place_each_route_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 12).await;
    let [first, second] = DEFAULT_EIP_IDS;
    world
        .applied(&spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, &eip(first)))
        .await;

    // A new security group and another EIP: modify, unbind, bind, in that order.
    let changed = spec(dir.path(), SECOND_SECURITY_GROUP_ID, &eip(second));
    let plan = world.plan(&changed).await.expect("plan");
    assert_eq!(
        updates(&plan),
        vec![
            &Action::SetSecurityGroup {
                security_group_id: SECOND_SECURITY_GROUP_ID.into()
            },
            &Action::UnbindEip {
                eip_id: first.into()
            },
            &Action::BindEip {
                eip_id: second.into()
            },
        ]
    );
    let shown = text(&plan, &TextOptions::default());
    for line in [
        "~ modify security group (security-group)".to_owned(),
        format!("~ security_group_id = \"{DEFAULT_SECURITY_GROUP_ID}\" -> \"{SECOND_SECURITY_GROUP_ID}\""),
        format!("~ unbind EIP {first}"),
        format!("~ bind EIP {second}"),
        format!("~ public_ip.eip_id = \"{first}\" -> \"{second}\""),
    ] {
        assert!(shown.contains(&line), "{line:?} missing from:\n{shown}");
    }
    let before = world.requests().await;
    world.applied(&changed).await;
    let after = world.requests().await;
    let sent = |route: &str| {
        after.get(route).copied().unwrap_or(0) - before.get(route).copied().unwrap_or(0)
    };
    assert_eq!(
        (sent(SG_ROUTE), sent(UNBIND_ROUTE), sent(BIND_ROUTE)),
        (1, 1, 1)
    );

    // `not_use`: one unbind.
    let none = spec(
        dir.path(),
        SECOND_SECURITY_GROUP_ID,
        "    public_ip: {public_bind_type: not_use}\n",
    );
    let plan = world.plan(&none).await.expect("plan");
    assert_eq!(
        updates(&plan),
        vec![&Action::UnbindEip {
            eip_id: second.into()
        }]
    );
    shows(
        &plan,
        &[
            format!("~ unbind EIP {second}"),
            format!("- public_ip.eip_id = \"{second}\""),
        ],
    );
    let unbinds = world.count(UNBIND_ROUTE).await;
    world.applied(&none).await;
    assert_eq!(world.count(UNBIND_ROUTE).await, unbinds + 1);
    // The first EIP is free again: another cluster could bind it; this one binds it back.
    let back = spec(dir.path(), SECOND_SECURITY_GROUP_ID, &eip(first));
    let plan = world.plan(&back).await.expect("plan");
    shows(
        &plan,
        &[
            format!("~ bind EIP {first}"),
            format!("+ public_ip.eip_id = \"{first}\""),
        ],
    );
    let binds = world.count(BIND_ROUTE).await;
    world.applied(&back).await;
    assert_eq!(world.count(BIND_ROUTE).await, binds + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_cluster_is_waited_for_then_changed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 13).await;
    world
        .applied(&spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, ""))
        .await;
    // A manual snapshot outside the spec keeps the cluster busy (task SNAPSHOTTING).
    let live = world.client.observe().await.expect("observe");
    let id = live.clusters[0].id.clone();
    world
        .client
        .create_snapshot(&dwsctl::api::wire::CreateSnapshot {
            name: "outside-1".into(),
            cluster_id: id,
            description: None,
        })
        .await
        .expect("snapshot starts");
    let changed = spec(
        dir.path(),
        SECOND_SECURITY_GROUP_ID,
        &eip(DEFAULT_EIP_IDS[0]),
    );
    let plan = world.plan(&changed).await.expect("plan");
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "cluster.dws-demo.wait",
            "cluster.dws-demo.security_group",
            "cluster.dws-demo.bind_eip",
            "cluster.dws-demo.record"
        ]
    );
    assert_eq!(plan.steps[1].depends_on, vec![plan.steps[0].id.clone()]);
    world.applied(&changed).await;
    // Ordered after the snapshot: no busy refusal, no second send.
    assert_eq!(world.count(SG_ROUTE).await, 1);
    assert_eq!(world.count(BIND_ROUTE).await, 1);
}

/// The cluster list fails for a while after an unbind was answered as done (a 503 spell; on
/// a loaded machine, list calls that time out), past the grace period (120 simulated s, 80
/// ms here) the step gives the listings to show it: the step judges on the first listing
/// that succeeds, which shows the EIP gone, instead of reporting that "the listings do not
/// show it" on listings that showed nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unbind_is_judged_on_a_listing_that_succeeded_not_on_failed_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 14).await;
    let first = DEFAULT_EIP_IDS[0];
    world
        .applied(&spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, &eip(first)))
        .await;
    let none = spec(
        dir.path(),
        DEFAULT_SECURITY_GROUP_ID,
        "    public_ip: {public_bind_type: not_use}\n",
    );
    let live = world.client.observe().await.expect("observe");
    let plan = dwsctl::plan::diff(&none.desired, &live, &none.digest);
    assert_eq!(
        updates(&plan),
        vec![&Action::UnbindEip {
            eip_id: first.into()
        }]
    );
    // The next 60 cluster lists answer 503 after 10 ms each: with the client's retries,
    // several hundred ms without a listing.
    let list = "GET /v1.0/{project_id}/clusters";
    world
        .post(
            "/_sim/faults",
            &serde_json::json!({"rules": [
                {"route": list, "times": 60, "fault": {"kind": "latency", "ms": 10}},
                {"route": list, "times": 60, "fault": {"kind": "status", "status": 503}},
            ]}),
        )
        .await;
    let options = dwsctl::exec::Options {
        live: Some(live),
        ..world.options()
    };
    let report = dwsctl::exec::execute(
        &plan,
        world.client.clone(),
        options,
        std::sync::Arc::new(dwsctl::exec::NoEvents),
    )
    .await
    .expect("execute");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(world.count(UNBIND_ROUTE).await, 1);
    let faults = world.get("/_sim/faults").await;
    assert_eq!(faults["rules"][1]["fired"], 60, "the spell ended: {faults}");
    assert!(world.plan(&none).await.expect("plan").is_empty());
}

const RENAME_ROUTE: &str = "PUT /v1/{project_id}/clusters/{cluster_id}/cluster-name";
const CREATE_ROUTE: &str = "POST /v1.0/{project_id}/clusters";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_from_renames_the_live_cluster_once_then_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 14).await;
    world
        .applied(&spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, ""))
        .await;
    let id = world.client.observe().await.expect("observe").clusters[0]
        .id
        .clone();
    // The new name, and a security group that the step after the rename changes.
    let renamed = named(
        dir.path(),
        "dws-prod",
        SECOND_SECURITY_GROUP_ID,
        "    renamed_from: dws-demo\n",
    );
    let plan = world.plan(&renamed).await.expect("plan");
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "cluster.dws-demo.rename",
            "cluster.dws-prod.security_group",
            "cluster.dws-prod.record"
        ]
    );
    let shown = text(&plan, &TextOptions::default());
    for line in [
        "~ rename to \"dws-prod\" (cluster-name)",
        "~ name = \"dws-demo\" -> \"dws-prod\"",
        "after: cluster.dws-demo.rename",
    ] {
        assert!(shown.contains(line), "{line:?} missing from:\n{shown}");
    }
    let creates = world.count(CREATE_ROUTE).await;
    world.applied(&renamed).await;
    assert_eq!(world.count(RENAME_ROUTE).await, 1);
    assert_eq!(world.count(CREATE_ROUTE).await, creates, "nothing created");
    let live = world.client.observe().await.expect("observe");
    let cluster = live.cluster("dws-prod").expect("renamed");
    assert_eq!(
        (cluster.id.as_str(), cluster.security_group_id.as_deref()),
        (id.as_str(), Some(SECOND_SECURITY_GROUP_ID))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_interrupted_in_flight_is_not_sent_again_by_the_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 15).await;
    world
        .applied(&spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, ""))
        .await;
    let renamed = named(
        dir.path(),
        "dws-prod",
        SECOND_SECURITY_GROUP_ID,
        "    renamed_from: dws-demo\n",
    );
    // The rename takes effect, but its answer is held while the run is interrupted.
    let faults = serde_json::json!({"seed": 15, "rules": [{"route": RENAME_ROUTE, "times": 1,
        "fault": {"kind": "hang_after_commit", "ms": 1500}}]});
    world.post("/_sim/faults", &faults).await;
    let live = world.client.observe().await.expect("observe");
    let plan = dwsctl::plan::diff(&renamed.desired, &live, &renamed.digest);
    let (stop, interrupt) = tokio::sync::watch::channel(false);
    let options = dwsctl::exec::Options {
        live: Some(live),
        interrupt: Some(interrupt),
        ..world.options()
    };
    let run = dwsctl::exec::execute(
        &plan,
        world.client.clone(),
        options,
        std::sync::Arc::new(dwsctl::exec::NoEvents),
    );
    let interrupt = async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        stop.send(true).expect("interrupt");
    };
    let (report, ()) = tokio::join!(run, interrupt);
    let report = report.expect("executes");
    assert!(report.interrupted, "{report:?}");
    assert_ne!(report.status(), RunStatus::Complete, "{report:?}");
    world.clear_faults().await;
    // The re-run finds the cluster under its new name: no rename, the rest of the change.
    let again = world.plan(&renamed).await.expect("plan");
    let ids: Vec<&str> = again.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        ids,
        vec!["cluster.dws-prod.security_group", "cluster.dws-prod.record"]
    );
    world.applied(&renamed).await;
    assert_eq!(world.count(RENAME_ROUTE).await, 1);
}

/// Runs `plan`, made from the listing `idle`, meeting an automated snapshot of `dws-demo`
/// that started after the plan; checks that the run completed and that `loaded` plans empty.
pub(super) async fn run_meeting_a_snapshot(
    world: &World,
    loaded: &Loaded,
    plan: &Plan,
    idle: Live,
) {
    let report = world
        .execute_meeting_an_automated_snapshot(plan, idle, "dws-demo")
        .await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let again = world.plan(loaded).await.expect("plan");
    assert!(
        again.is_empty(),
        "{}",
        text(&again, &TextOptions::default())
    );
}

/// A plan made while the cluster was idle meets it taking an automated snapshot: the unbind
/// and the bind of an EIP change wait for it to end and each is sent once (one sent meanwhile
/// would be refused as busy, 403 DWS.7023, and counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eip_change_meeting_a_busy_cluster_unbinds_and_binds_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 16).await;
    let [first, second] = DEFAULT_EIP_IDS;
    world
        .applied(&spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, &eip(first)))
        .await;
    let changed = spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, &eip(second));
    let idle = world.client.observe().await.expect("observe");
    let plan = dwsctl::plan::diff(&changed.desired, &idle, &changed.digest);
    assert_eq!(
        updates(&plan),
        vec![
            &Action::UnbindEip {
                eip_id: first.into()
            },
            &Action::BindEip {
                eip_id: second.into()
            },
        ]
    );
    let (unbinds, binds) = (
        world.count(UNBIND_ROUTE).await,
        world.count(BIND_ROUTE).await,
    );
    run_meeting_a_snapshot(&world, &changed, &plan, idle).await;
    assert_eq!(
        (
            world.count(UNBIND_ROUTE).await - unbinds,
            world.count(BIND_ROUTE).await - binds
        ),
        (1, 1)
    );
    let live = world.client.observe().await.expect("observe");
    let bound = live.cluster("dws-demo").and_then(|c| c.bound_eip());
    assert_eq!(bound, Some(second));
}

/// The same for a rename: it waits out the automated snapshot, is sent once, and the
/// cluster keeps its id under the new name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_meeting_a_busy_cluster_is_sent_once_after_its_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 17).await;
    world
        .applied(&spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, ""))
        .await;
    let renamed = named(
        dir.path(),
        "dws-prod",
        DEFAULT_SECURITY_GROUP_ID,
        "    renamed_from: dws-demo\n",
    );
    let idle = world.client.observe().await.expect("observe");
    let id = idle.clusters[0].id.clone();
    let plan = dwsctl::plan::diff(&renamed.desired, &idle, &renamed.digest);
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    // No recorded value changes with the name alone: no record step.
    assert_eq!(ids, ["cluster.dws-demo.rename"]);
    run_meeting_a_snapshot(&world, &renamed, &plan, idle).await;
    assert_eq!(world.count(RENAME_ROUTE).await, 1);
    let live = world.client.observe().await.expect("observe");
    assert_eq!(
        live.cluster("dws-prod").map(|c| c.id.as_str()),
        Some(id.as_str())
    );
    assert!(live.cluster("dws-demo").is_none());
}
