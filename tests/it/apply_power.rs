//! `power: running | stopped` end to end on the simulator: the plan shows the `~` step with
//! the operation and the old and new value, apply sends the route once, the next plan is
//! empty; a stopped cluster with a scale-out is started first; a busy cluster is waited for
//! (the stop is never sent twice); an interrupted start or stop is waited for by the next run.

use dwsctl::plan::{self, Action};
use dwsctl::render::{text, TextOptions};
use dwsctl::spec::Loaded;

use super::apply_support::{load_spec, one_cluster, without_record as actions, world, World};

const START: &str = "POST /v1/{project_id}/clusters/{cluster_id}/start";
const STOP: &str = "POST /v1/{project_id}/clusters/{cluster_id}/stop";
const RESIZE: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/resize";

/// One cluster, `demo`, with `extra` lines added to its block.
fn load(dir: &std::path::Path, name: &str, extra: &str) -> Loaded {
    load_spec(dir, name, &one_cluster("demo", extra))
}

async fn status(world: &World) -> String {
    let live = world.client.observe().await.expect("observe");
    live.cluster("demo").expect("demo").status.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_start_each_send_their_route_once_and_leave_nothing_to_do() {
    let world = world(2000.0, 41).await;
    let dir = tempfile::tempdir().expect("tempdir");
    world
        .applied(&load(dir.path(), "a.yaml", "    number_of_node: 3\n"))
        .await;

    let stopped = load(
        dir.path(),
        "b.yaml",
        "    number_of_node: 3\n    power: stopped\n",
    );
    let plan = world.plan(&stopped).await.expect("plan");
    assert_eq!(actions(&plan), [&Action::StopCluster]);
    let shown = text(&plan, &TextOptions::default());
    assert!(shown.contains("~ stop (POST …/stop)"), "{shown}");
    assert!(
        shown.contains(r#"~ power = "running" -> "stopped""#),
        "{shown}"
    );
    world.applied(&stopped).await;
    assert_eq!(world.count(STOP).await, 1);
    assert_eq!(status(&world).await, "STOPPED");

    let running = load(
        dir.path(),
        "c.yaml",
        "    number_of_node: 3\n    power: running\n",
    );
    let plan = world.plan(&running).await.expect("plan");
    assert_eq!(actions(&plan), [&Action::StartCluster]);
    let shown = text(&plan, &TextOptions::default());
    assert!(shown.contains("~ start (POST …/start)"), "{shown}");
    assert!(
        shown.contains(r#"~ power = "stopped" -> "running""#),
        "{shown}"
    );
    world.applied(&running).await;
    assert_eq!(world.count(START).await, 1);
    assert_eq!(status(&world).await, "AVAILABLE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_cluster_with_a_scale_out_is_started_then_scaled() {
    let world = world(2000.0, 42).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let stopped = load(
        dir.path(),
        "a.yaml",
        "    number_of_node: 3\n    power: stopped\n",
    );
    world.applied(&stopped).await;
    assert_eq!(status(&world).await, "STOPPED");
    // Without `power`, a stopped cluster is blocked, and the way out names the field.
    let bare = load(dir.path(), "b.yaml", "    number_of_node: 6\n");
    let plan = world.plan(&bare).await.expect("plan");
    match actions(&plan).as_slice() {
        [Action::Blocked(b)] => {
            assert_eq!(b.rule, "stopped_cluster");
            assert!(b.procedure.contains("power: running"), "{}", b.procedure);
        }
        other => panic!("{other:?}"),
    }

    let grow = load(
        dir.path(),
        "c.yaml",
        "    number_of_node: 6\n    power: running\n",
    );
    let plan = world.plan(&grow).await.expect("plan");
    assert!(
        matches!(
            actions(&plan).as_slice(),
            [Action::StartCluster, Action::ScaleOut { count: 3, from: 3 }]
        ),
        "{plan:?}"
    );
    assert_eq!(plan.steps[1].depends_on, [plan.steps[0].id.clone()]);
    world.applied(&grow).await;
    assert_eq!(
        (world.count(START).await, world.count(RESIZE).await),
        (1, 1)
    );
    let live = world.client.observe().await.expect("observe");
    assert_eq!(live.cluster("demo").map(|c| c.number_of_node), Some(6));
}

/// A plan made while the cluster was idle meets it taking an automated snapshot: the stop
/// waits for the snapshot to end and is sent once (one sent meanwhile would be refused as
/// busy and counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_waits_out_a_busy_cluster_and_is_sent_once() {
    let world = world(2000.0, 43).await;
    let dir = tempfile::tempdir().expect("tempdir");
    world
        .applied(&load(dir.path(), "a.yaml", "    number_of_node: 3\n"))
        .await;
    let stopped = load(
        dir.path(),
        "b.yaml",
        "    number_of_node: 3\n    power: stopped\n",
    );
    let idle = world.client.observe().await.expect("observe");
    let plan = plan::diff(&stopped.desired, &idle, &stopped.digest);
    assert_eq!(actions(&plan), [&Action::StopCluster]);

    let report = world
        .execute_meeting_an_automated_snapshot(&plan, idle, "demo")
        .await;
    // The stop, then the record of the apply (issue 14).
    assert_eq!(report.counts().done, 2, "{report:?}");
    assert_eq!(world.count(STOP).await, 1);
    assert_eq!(status(&world).await, "STOPPED");
}

/// From `from` to `to` power (spec lines), interrupted while the cluster is `transient`:
/// the run reports `action` as still running, the next plan waits for the transient state
/// to end instead of sending it again, and the next apply leaves the cluster `settled` with
/// `route` called once (issue 12: each asynchronous operation re-attaches after an
/// interrupt).
async fn an_interrupted_power_change_is_waited_for(
    seed: u64,
    (from, to): (&str, &str),
    action: Action,
    (route, transient, settled): (&str, &'static str, &str),
) {
    let world = world(100.0, seed).await;
    let dir = tempfile::tempdir().expect("tempdir");
    world.applied(&load(dir.path(), "a.yaml", from)).await;
    let spec = load(dir.path(), "b.yaml", to);
    let live = world.client.observe().await.expect("observe");
    let plan = plan::diff(&spec.desired, &live, &spec.digest);
    assert_eq!(actions(&plan), [&action]);
    world
        .execute_interrupted_when(&plan, live, move |c| c.status == transient)
        .await;

    let next = world.plan(&spec).await.expect("plan");
    assert!(
        matches!(actions(&next).as_slice(), [Action::Wait { status, .. }] if status == transient),
        "{next:?}"
    );
    world.applied(&spec).await;
    assert_eq!(world.count(route).await, 1);
    assert_eq!(status(&world).await, settled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_start_is_waited_for_by_the_next_run_not_sent_again() {
    an_interrupted_power_change_is_waited_for(
        44,
        (
            "    number_of_node: 3\n    power: stopped\n",
            "    number_of_node: 3\n    power: running\n",
        ),
        Action::StartCluster,
        (START, "STARTING", "AVAILABLE"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_stop_is_waited_for_by_the_next_run_not_sent_again() {
    an_interrupted_power_change_is_waited_for(
        45,
        (
            "    number_of_node: 3\n",
            "    number_of_node: 3\n    power: stopped\n",
        ),
        Action::StopCluster,
        (STOP, "STOPPING", "STOPPED"),
    )
    .await;
}
