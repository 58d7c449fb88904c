//! `number_of_cn` on an existing cluster, end to end on the simulator: the plan shows the
//! `~` step with the operation and the old and new count, apply sends the route once, the
//! next plan is empty; a count outside the cloud's range is blocked at plan time.

use dwsctl::exec::RunStatus;
use dwsctl::plan::Action;
use dwsctl::render::{text, TextOptions};
use dwsctl::spec::{self, Loaded};

use super::apply_support::{world, World, ADMIN_PASSWORD};

const ADD: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-create";
const DELETE: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-delete";

fn load(dir: &std::path::Path, name: &str, cns: u32) -> Loaded {
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let path = dir.join(name);
    let body = format!(
        "version: 1
clusters:
  demo:
    node_type: dws.d1.xlarge
    number_of_node: 6
    number_of_cn: {cns}
    vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11
    subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec
    security_group_id: 12e3c23a-8710-4b75-95e4-5c8d7f68ef3c
    user_name: dbadmin
    password: {{from_env: DWS_ADMIN_PASSWORD}}
"
    );
    std::fs::write(&path, body).expect("write spec");
    spec::load(&[path]).expect("spec loads")
}

async fn count(world: &World, route: &str) -> u64 {
    world.requests().await.get(route).copied().unwrap_or(0)
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
    assert_eq!(count(&world, ADD).await, 1);
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
    assert!(shown.contains("~ number_of_cn = 5 -> 2"), "{shown}");
    let report = world.apply(&two).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(count(&world, DELETE).await, 1);
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
