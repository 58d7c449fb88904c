//! `number_of_cn` on an existing cluster, end to end on the simulator: the plan shows the
//! `~` step with the operation and the old and new count, apply sends the route once, the
//! next plan is empty; a count outside the cloud's range is blocked at plan time; a busy
//! cluster is waited for (the batch call is never sent twice); an interrupted CN task is
//! waited for by the next run, which then finds the count reached. Both for an addition and
//! a deletion.

use dwsctl::exec::RunStatus;
use dwsctl::plan::Action;
use dwsctl::render::{text, TextOptions};
use dwsctl::spec::Loaded;

use super::apply_support::{load_spec, one_cluster, without_record, world};

const ADD: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-create";
const DELETE: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-delete";

/// `demo`, six nodes, `cns` CNs.
fn load(dir: &std::path::Path, name: &str, cns: u32) -> Loaded {
    let extra = format!("    number_of_node: 6\n    number_of_cn: {cns}\n");
    load_spec(dir, name, &one_cluster("demo", &extra))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cns_are_added_then_deleted_each_route_once_and_nothing_is_left() {
    let world = world(2000.0, 51).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let three = load(dir.path(), "a.yaml", 3);
    let report = world.apply(&three).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert!(world.plan(&three).await.expect("plan").is_empty());

    let five = load(dir.path(), "b.yaml", 5);
    let plan = world.plan(&five).await.expect("plan");
    assert!(
        matches!(
            plan.steps
                .iter()
                .map(|s| &s.action)
                .collect::<Vec<_>>()
                .as_slice(),
            [
                Action::AddCoordinators { total: 5, from: 3 },
                Action::UpdateTags { .. }
            ]
        ),
        "{plan:?}"
    );
    let shown = text(&plan, &TextOptions::default());
    assert!(shown.contains("~ add 2 CNs (cns/batch-create)"), "{shown}");
    assert!(shown.contains("~ number_of_cn = 3 -> 5"), "{shown}");
    let report = world.apply(&five).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(world.count(ADD).await, 1);
    assert!(world.plan(&five).await.expect("plan").is_empty());

    let two = load(dir.path(), "c.yaml", 2);
    let plan = world.plan(&two).await.expect("plan");
    match plan
        .steps
        .iter()
        .map(|s| &s.action)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [Action::DeleteCoordinators { ids, from: 5 }, Action::UpdateTags { .. }] => {
            assert_eq!(ids.len(), 3)
        }
        other => panic!("{other:?}"),
    }
    let shown = text(&plan, &TextOptions::default());
    assert!(
        shown.contains("~ delete 3 CNs (cns/batch-delete)"),
        "{shown}"
    );
    assert!(shown.contains("~ number_of_cn = 5 -> 2"), "{shown}");
    let report = world.apply(&two).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(world.count(DELETE).await, 1);
    assert!(world.plan(&two).await.expect("plan").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_beyond_the_clouds_range_is_blocked_at_plan_time() {
    let world = world(2000.0, 52).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let report = world
        .apply(&load(dir.path(), "a.yaml", 3))
        .await
        .expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    // Six nodes allow at most six CNs (`max_num` of the CN list); validation allows 20.
    let mut too_many = load(dir.path(), "b.yaml", 3);
    if let Some(c) = too_many.desired.clusters.get_mut("demo") {
        c.number_of_cn = Some(7);
    }
    let plan = world.plan(&too_many).await.expect("plan");
    match plan
        .steps
        .iter()
        .map(|s| &s.action)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [Action::Blocked(b)] => {
            assert_eq!(b.rule, "coordinator_range");
            assert!(b.reason.contains("2 to 6 CNs"), "{}", b.reason);
        }
        other => panic!("{other:?}"),
    }
}

/// The one step a change from `from` to `to` CNs plans: an addition of the difference, or a
/// deletion of that many CNs.
fn is_cn_change(action: &Action, from: u32, to: u32) -> bool {
    match action {
        Action::AddCoordinators { total, from: f } => *f == from && *total == to && to > from,
        Action::DeleteCoordinators { ids, from: f } => {
            *f == from && to < from && ids.len() == (from - to) as usize
        }
        _ => false,
    }
}

/// A plan made while the cluster was idle meets it taking an automated snapshot: the CN
/// change waits for the snapshot to end and is sent once (one sent meanwhile would be
/// refused as busy and counted).
async fn a_cn_change_waits_out_a_busy_cluster(seed: u64, from: u32, to: u32, route: &str) {
    let world = world(2000.0, seed).await;
    let dir = tempfile::tempdir().expect("tempdir");
    world.applied(&load(dir.path(), "a.yaml", from)).await;
    let spec = load(dir.path(), "b.yaml", to);
    let plan = world.plan(&spec).await.expect("plan");
    assert!(
        matches!(without_record(&plan).as_slice(), [a] if is_cn_change(a, from, to)),
        "{plan:?}"
    );
    let idle = world.client.observe().await.expect("observe");
    let report = world
        .execute_meeting_an_automated_snapshot(&plan, idle, "demo")
        .await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(world.count(route).await, 1);
    assert!(world.plan(&spec).await.expect("plan").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cn_addition_waits_out_a_busy_cluster_and_is_sent_once() {
    a_cn_change_waits_out_a_busy_cluster(52, 3, 5, ADD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cn_deletion_waits_out_a_busy_cluster_and_is_sent_once() {
    a_cn_change_waits_out_a_busy_cluster(54, 5, 2, DELETE).await;
}

/// Interrupted while the CN task (`task`) runs: the run reports the step as still running,
/// the next plan waits for the task (the CN list still shows the old count, so it plans the
/// change again), and the next apply finds the count reached and sends nothing.
async fn an_interrupted_cn_change_is_waited_for(
    seed: u64,
    (from, to): (u32, u32),
    route: &str,
    task: &'static str,
) {
    let world = world(100.0, seed).await;
    let dir = tempfile::tempdir().expect("tempdir");
    world.applied(&load(dir.path(), "a.yaml", from)).await;
    let spec = load(dir.path(), "b.yaml", to);
    let plan = world.plan(&spec).await.expect("plan");
    let live = world.client.observe().await.expect("observe");

    world
        .execute_interrupted_when(&plan, live, move |c| c.task_status.as_deref() == Some(task))
        .await;

    let next = world.plan(&spec).await.expect("plan");
    assert!(
        matches!(
            without_record(&next).as_slice(),
            [Action::Wait { task_status: Some(running), .. }, change]
                if running == task && is_cn_change(change, from, to)
        ),
        "{next:?}"
    );
    world.applied(&spec).await;
    assert_eq!(world.count(route).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_cn_addition_is_waited_for_by_the_next_run_not_sent_again() {
    an_interrupted_cn_change_is_waited_for(53, (3, 5), ADD, "ADD_CN_ING").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_cn_deletion_is_waited_for_by_the_next_run_not_sent_again() {
    an_interrupted_cn_change_is_waited_for(55, (5, 2), DELETE, "DEL_CN_ING").await;
}
