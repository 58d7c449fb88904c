//! `description` (`POST …/description`): sent once, read back from the detail; a busy
//! cluster delays it, a lost answer sends it again (the call sets the whole text), a detail
//! that never shows it fails the step.

use super::super::fake::{FakeCloud, Fault};
use super::super::*;
use super::kit::planned_now;
use super::{plan, run, step, target};
use crate::plan::{Action, Step};

fn describe(text: &str) -> Step {
    step(
        "cluster.dws-demo.description",
        target("dws-demo"),
        Action::SetDescription {
            description: text.into(),
        },
        &[],
    )
}

/// The calls other than listings.
fn calls(cloud: &FakeCloud) -> Vec<String> {
    cloud
        .calls()
        .into_iter()
        .filter(|c| !c.starts_with("list:"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_description_is_sent_once_and_read_back() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    let report = run(
        &plan(vec![describe("Sales")]),
        &cloud,
        planned_now(&cloud).await,
    )
    .await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(
        calls(&cloud),
        vec![format!("description:{id}"), format!("get_description:{id}")]
    );
    assert_eq!(cloud.cluster_description(&id).await.expect("read"), "Sales");
}

#[tokio::test(start_paused = true)]
async fn a_busy_cluster_gets_its_description_once_its_task_ends() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    // Another run's scale-out holds the cluster for a while.
    cloud.resize(&id, 3).await.expect("the other run's resize");
    let report = run(
        &plan(vec![describe("Sales")]),
        &cloud,
        planned_now(&cloud).await,
    )
    .await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    // Held until a listing shows the cluster idle, then sent once: never to the busy cluster.
    assert_eq!(cloud.count("description:"), 1, "{:?}", cloud.calls());
    assert_eq!(cloud.nodes("dws-demo"), Some(6));
    assert_eq!(cloud.cluster_description(&id).await.expect("read"), "Sales");
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_is_sent_again_and_a_lagging_read_is_read_again() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.fault(&format!("description:{id}"), Fault::LostUnknown);
    cloud.fault(&format!("get_description:{id}"), Fault::LostUnknown);
    let report = run(
        &plan(vec![describe("Sales")]),
        &cloud,
        planned_now(&cloud).await,
    )
    .await;
    assert_eq!(report.steps[0].outcome, Outcome::Done, "{report:?}");
    assert_eq!(cloud.count("description:"), 2, "{:?}", cloud.calls());
    assert_eq!(cloud.count("get_description:"), 2, "{:?}", cloud.calls());
    assert_eq!(cloud.cluster_description(&id).await.expect("read"), "Sales");
}

#[tokio::test(start_paused = true)]
async fn a_detail_that_never_shows_the_description_fails_the_step() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    for _ in 0..1000 {
        cloud.fault(
            &format!("get_description:{id}"),
            Fault::Error("DWS.0047 internal error".into()),
        );
    }
    let report = run(
        &plan(vec![describe("Sales")]),
        &cloud,
        planned_now(&cloud).await,
    )
    .await;
    assert!(
        matches!(&report.steps[0].outcome, Outcome::Failed { reason } if reason.contains("detail")),
        "{report:?}"
    );
    // Sent once: the answer said done; only the read-back did not confirm it.
    assert_eq!(cloud.count("description:"), 1, "{:?}", cloud.calls());
}
