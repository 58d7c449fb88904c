//! Start and stop against the fake: sent once while the cluster is in the state the step was
//! planned from, done at the goal state; a lost answer is resolved by the listings, never by
//! sending again; a cluster someone else already started is "already in place".

use super::super::fake::{FakeCloud, Fault};
use super::super::*;
use super::kit::{listed, lists_first};
use super::{plan, step, target};
use crate::plan::{Action, Step};

fn power(start: bool) -> Step {
    let (verb, action) = if start {
        ("start", Action::StartCluster)
    } else {
        ("stop", Action::StopCluster)
    };
    step(
        &format!("cluster.dws-demo.{verb}"),
        target("dws-demo"),
        action,
        &[],
    )
}

async fn run(cloud: &FakeCloud, steps: Vec<Step>) -> Report {
    super::run(&plan(steps), cloud, lists_first()).await
}

async fn status(cloud: &FakeCloud) -> String {
    listed(cloud, "dws-demo").await.status
}

#[tokio::test(start_paused = true)]
async fn a_stop_then_a_start_each_go_out_once_and_end_at_their_state() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    let report = run(&cloud, vec![power(false)]).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(status(&cloud).await, "STOPPED");
    let report = run(&cloud, vec![power(true)]).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(status(&cloud).await, "AVAILABLE");
    assert_eq!((cloud.count("stop:"), cloud.count("start:")), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_lost_start_answer_is_resolved_by_the_listings_not_a_second_send() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.stop_now("dws-demo");
    cloud.fault(&format!("start:{id}"), Fault::CommitThenUnknown);
    let report = run(&cloud, vec![power(true)]).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("start:"), 1);
    assert_eq!(status(&cloud).await, "AVAILABLE");
}

#[tokio::test(start_paused = true)]
async fn a_start_of_a_running_cluster_is_already_in_place_and_sends_nothing() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    let report = run(&cloud, vec![power(true)]).await;
    assert!(
        matches!(&report.steps[0].outcome, Outcome::AlreadyDone { detail } if detail.contains("already running")),
        "{report:?}"
    );
    assert_eq!(cloud.count("start:"), 0);
}
