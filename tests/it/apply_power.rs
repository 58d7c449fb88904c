//! `power: running | stopped` end to end on the simulator: the plan shows the `~` step with
//! the operation and the old and new value, apply sends the route once, the next plan is
//! empty; a stopped cluster with a scale-out is started first; a busy cluster is waited for
//! (the stop is never sent twice); an interrupted start is waited for by the next run.

use std::sync::Arc;

use dwsctl::exec::{self, NoEvents, Outcome, RunStatus};
use dwsctl::plan::{self, Action, Plan};
use dwsctl::render::{text, TextOptions};
use dwsctl::spec::{self, Loaded};

use super::apply_support::{world, World, ADMIN_PASSWORD};

const START: &str = "POST /v1/{project_id}/clusters/{cluster_id}/start";
const STOP: &str = "POST /v1/{project_id}/clusters/{cluster_id}/stop";
const RESIZE: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/resize";

/// One cluster, `demo`, with `extra` lines added to its block.
fn load(dir: &std::path::Path, name: &str, extra: &str) -> Loaded {
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let path = dir.join(name);
    let body = format!(
        "version: 1
clusters:
  demo:
    node_type: dws.d1.xlarge
    vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11
    subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec
    security_group_id: 12e3c23a-8710-4b75-95e4-5c8d7f68ef3c
    user_name: dbadmin
    password: {{from_env: DWS_ADMIN_PASSWORD}}
{extra}"
    );
    std::fs::write(&path, body).expect("write spec");
    spec::load(&[path]).expect("spec loads")
}

async fn count(world: &World, route: &str) -> u64 {
    world.requests().await.get(route).copied().unwrap_or(0)
}

/// The plan's actions, without the step that records the apply (`plan::record`).
fn actions(plan: &Plan) -> Vec<&Action> {
    plan.steps
        .iter()
        .filter(|s| !s.id.0.ends_with(".record"))
        .map(|s| &s.action)
        .collect()
}

async fn applied(world: &World, loaded: &Loaded) {
    let report = world.apply(loaded).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
}

async fn status(world: &World) -> String {
    let live = world.client.observe().await.expect("observe");
    live.cluster("demo").expect("demo").status.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_start_each_send_their_route_once_and_leave_nothing_to_do() {
    let world = world(2000.0, 41).await;
    let dir = tempfile::tempdir().expect("tempdir");
    applied(
        &world,
        &load(dir.path(), "a.yaml", "    number_of_node: 3\n"),
    )
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
    applied(&world, &stopped).await;
    assert_eq!(count(&world, STOP).await, 1);
    assert_eq!(status(&world).await, "STOPPED");
    assert!(world.plan(&stopped).await.expect("plan").is_empty());

    let running = load(
        dir.path(),
        "c.yaml",
        "    number_of_node: 3\n    power: running\n",
    );
    let plan = world.plan(&running).await.expect("plan");
    assert_eq!(actions(&plan), [&Action::StartCluster]);
    let shown = text(&plan, &TextOptions::default());
    assert!(
        shown.contains(r#"~ power = "stopped" -> "running""#),
        "{shown}"
    );
    applied(&world, &running).await;
    assert_eq!(count(&world, START).await, 1);
    assert_eq!(status(&world).await, "AVAILABLE");
    assert!(world.plan(&running).await.expect("plan").is_empty());
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
    applied(&world, &stopped).await;
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
    applied(&world, &grow).await;
    assert_eq!(
        (count(&world, START).await, count(&world, RESIZE).await),
        (1, 1)
    );
    let live = world.client.observe().await.expect("observe");
    assert_eq!(live.cluster("demo").map(|c| c.number_of_node), Some(6));
    assert!(world.plan(&grow).await.expect("plan").is_empty());
}

/// A plan made while the cluster was idle meets it taking an automated snapshot: the stop
/// waits for the snapshot to end and is sent once (one sent meanwhile would be refused as
/// busy and counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_waits_out_a_busy_cluster_and_is_sent_once() {
    let world = world(2000.0, 43).await;
    let dir = tempfile::tempdir().expect("tempdir");
    applied(
        &world,
        &load(dir.path(), "a.yaml", "    number_of_node: 3\n"),
    )
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
    assert_eq!(count(&world, STOP).await, 1);
    assert_eq!(status(&world).await, "STOPPED");
}

/// Interrupted while the cluster starts: the run reports the start as still running, the
/// next plan waits for it instead of starting again, and then nothing is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_start_is_waited_for_by_the_next_run_not_sent_again() {
    let world = world(100.0, 44).await;
    let dir = tempfile::tempdir().expect("tempdir");
    applied(
        &world,
        &load(
            dir.path(),
            "a.yaml",
            "    number_of_node: 3\n    power: stopped\n",
        ),
    )
    .await;
    let running = load(
        dir.path(),
        "b.yaml",
        "    number_of_node: 3\n    power: running\n",
    );
    let live = world.client.observe().await.expect("observe");
    let plan = plan::diff(&running.desired, &live, &running.digest);
    assert_eq!(actions(&plan), [&Action::StartCluster]);

    let (tx, rx) = tokio::sync::watch::channel(false);
    let watcher = {
        let client = world.client.clone();
        tokio::spawn(async move {
            loop {
                let live = client.observe().await.expect("observe");
                if live.cluster("demo").is_some_and(|c| c.status == "STARTING") {
                    let _ = tx.send(true);
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    };
    let options = exec::Options {
        live: Some(live),
        interrupt: Some(rx),
        ..world.options()
    };
    let report = exec::execute(&plan, world.client.clone(), options, Arc::new(NoEvents))
        .await
        .expect("execute");
    watcher.await.expect("watcher");
    assert!(
        matches!(report.steps[0].outcome, Outcome::StillRunning { .. }),
        "{report:?}"
    );

    let next = world.plan(&running).await.expect("plan");
    assert!(
        matches!(actions(&next).as_slice(), [Action::Wait { status, .. }] if status == "STARTING"),
        "{next:?}"
    );
    applied(&world, &running).await;
    assert_eq!(count(&world, START).await, 1);
    assert_eq!(status(&world).await, "AVAILABLE");
    assert!(world.plan(&running).await.expect("plan").is_empty());
}
