//! The policy step against the fake cloud: a lost answer never adds a strategy twice, a busy
//! answer is sent again, a policy that moved since the plan makes the step stale, and a goal
//! already reached is done without a call.

use super::super::fake::{FakeCloud, Fault};
use super::super::*;
use super::kit::lists_first;
use super::{plan, step, target};
use crate::api::policy::PutSnapshotPolicy;
use crate::plan::policy::digest;
use crate::plan::{Action, PolicyEntry, Step};

fn nightly() -> PolicyEntry {
    PolicyEntry {
        name: "nightly".into(),
        schedule: "0 0 3 * * ?".into(),
        kind: "full".into(),
    }
}

fn set_policy(from: Option<String>) -> Step {
    step(
        "cluster.dws-demo.policy",
        target("dws-demo"),
        Action::SetSnapshotPolicy {
            keep_days: Some(7),
            put: vec![nightly()],
            delete: vec![],
            from,
        },
        &[],
    )
}

async fn run(cloud: &FakeCloud, step: Step) -> Report {
    super::run(&plan(vec![step]), cloud, lists_first()).await
}

async fn nightlies(cloud: &FakeCloud, id: &str) -> usize {
    let policy = cloud.get_snapshot_policy(id).await.expect("policy");
    assert_eq!(policy.keep_day, Some(7));
    policy
        .backup_strategies
        .iter()
        .filter(|s| s.policy_name == "nightly")
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_put_that_took_effect_but_lost_its_answer_is_not_sent_again() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.fault(&format!("put_policy:{id}"), Fault::CommitThenUnknown);
    let report = run(&cloud, set_policy(None)).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("put_policy:"), 1);
    assert_eq!(nightlies(&cloud, &id).await, 1);
}

#[tokio::test(start_paused = true)]
async fn a_put_lost_before_it_took_effect_and_a_busy_one_are_sent_again() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.fault(&format!("put_policy:{id}"), Fault::LostUnknown);
    cloud.fault(&format!("put_policy:{id}"), Fault::Busy);
    let report = run(&cloud, set_policy(None)).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("put_policy:"), 3);
    assert_eq!(nightlies(&cloud, &id).await, 1);
}

#[tokio::test(start_paused = true)]
async fn a_policy_that_moved_since_the_plan_is_stale_and_a_reached_goal_is_in_place() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    let planned_from = digest(&cloud.get_snapshot_policy(&id).await.expect("policy"));
    let moved = PutSnapshotPolicy {
        keep_day: Some(12),
        ..PutSnapshotPolicy::default()
    };
    cloud.put_snapshot_policy(&id, &moved).await.expect("put");
    let report = run(&cloud, set_policy(Some(planned_from))).await;
    assert!(
        matches!(&report.steps[0].outcome, Outcome::Stale { reason } if reason.contains("changed since the plan")),
        "{report:?}"
    );
    assert_eq!(cloud.count("put_policy:"), 1, "only the test's own PUT");
    // Someone else made exactly this policy: done, no call.
    let goal = PutSnapshotPolicy {
        keep_day: Some(7),
        backup_strategies: Some(vec![crate::api::policy::StrategyRequest {
            policy_name: Some("nightly".into()),
            backup_strategy: Some("0 0 3 * * ?".into()),
            backup_type: Some("full".into()),
            ..Default::default()
        }]),
        ..PutSnapshotPolicy::default()
    };
    cloud.put_snapshot_policy(&id, &goal).await.expect("put");
    let report = run(&cloud, set_policy(Some("whatever".into()))).await;
    assert!(
        matches!(report.steps[0].outcome, Outcome::AlreadyDone { .. }),
        "{report:?}"
    );
    assert_eq!(cloud.count("put_policy:"), 2);
}
