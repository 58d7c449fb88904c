//! CN changes against the fake, whose CN changes run as tasks (`ADD_CN_ING` / `DEL_CN_ING`)
//! like the simulator's: the step waits for the task and reads the list back; a busy cluster
//! delays the batch call, never doubles it; an interrupted run leaves the task running and
//! the next run re-attaches to it without sending the call again; a lost answer is resolved
//! by the listings, never by a second send.

use std::time::Duration;

use tokio::time::Instant;

use super::super::fake::{FakeCloud, Fault};
use super::super::*;
use super::kit::{interrupt_in, lists_first};
use super::{plan, step, target};
use crate::api::wire::CreateSnapshot;
use crate::plan::{Action, Step};

/// From the fake's three CNs to five.
fn add(deps: &[&str]) -> Step {
    step(
        "cluster.dws-demo.add_cns",
        target("dws-demo"),
        Action::AddCoordinators { total: 5, from: 3 },
        deps,
    )
}

fn delete() -> Step {
    step(
        "cluster.dws-demo.delete_cns",
        target("dws-demo"),
        Action::DeleteCoordinators {
            ids: vec!["cn-3".into()],
            from: 3,
        },
        &[],
    )
}

/// Runs `steps` (first listing made by the run), interrupted after `interrupt` if given.
async fn run(cloud: &FakeCloud, steps: Vec<Step>, interrupt: Option<Duration>) -> Report {
    let options = Options {
        interrupt: interrupt.map(interrupt_in),
        ..lists_first()
    };
    super::run(&plan(steps), cloud, options).await
}

#[tokio::test(start_paused = true)]
async fn cns_are_added_as_a_task_and_the_step_waits_for_it_to_end() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 6, &[]);
    let start = Instant::now();
    let report = run(&cloud, vec![add(&[])], None).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    // 180 s and a minute per CN: the step ended with the task, not at the call's answer.
    assert!(
        start.elapsed() >= Duration::from_secs(300),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(cloud.cns("dws-demo"), Some(5));
    assert_eq!(cloud.count("cns:"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_cn_change_on_a_busy_cluster_waits_for_idle_and_sends_once() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    // A snapshot (300 s) is running when the run starts: the batch call would be refused.
    let body = CreateSnapshot {
        name: "nightly".into(),
        cluster_id: id.clone(),
        description: None,
    };
    cloud.create_snapshot(&body).await.expect("snapshot");
    let start = Instant::now();
    let report = run(&cloud, vec![delete()], None).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert!(
        start.elapsed() >= Duration::from_secs(300 + 240),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(cloud.cns("dws-demo"), Some(2));
    assert_eq!(cloud.count("cns:"), 1, "{:?}", cloud.calls());
}

#[tokio::test(start_paused = true)]
async fn a_busy_answer_to_the_batch_call_is_verified_again_and_sent_once_more() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 6, &[]);
    // Idle on the listing, busy at the call (a task that began in between): nothing happened.
    cloud.fault(&format!("cns:{id}"), Fault::Busy);
    let report = run(&cloud, vec![add(&[])], None).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("cns:"), 2);
    assert_eq!(cloud.cns("dws-demo"), Some(5));
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_during_the_cn_task_leaves_it_running_and_the_rerun_reattaches() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 6, &[]);
    let first = run(&cloud, vec![add(&[])], Some(Duration::from_secs(60))).await;
    assert_eq!(first.status(), RunStatus::Interrupted, "{first:?}");
    assert!(
        first
            .still_running()
            .any(|s| s.step.0 == "cluster.dws-demo.add_cns"),
        "{first:?}"
    );
    assert_eq!(cloud.cns("dws-demo"), Some(3), "the task still runs");
    // The next plan (made while the task runs: the CN list still shows three) waits for the
    // task, then plans the same addition; the re-run finds it done and sends nothing.
    let wait = step(
        "cluster.dws-demo.wait",
        target("dws-demo"),
        Action::Wait {
            status: "AVAILABLE".into(),
            task_status: Some("ADD_CN_ING".into()),
        },
        &[],
    );
    let second = run(&cloud, vec![wait, add(&["cluster.dws-demo.wait"])], None).await;
    assert_eq!(second.status(), RunStatus::Complete, "{second:?}");
    assert!(
        matches!(&second.steps[1].outcome, Outcome::AlreadyDone { detail } if detail.contains("already has 5 CNs")),
        "{second:?}"
    );
    assert_eq!(cloud.count("cns:"), 1, "{:?}", cloud.calls());
    assert_eq!(cloud.cns("dws-demo"), Some(5));
}

#[tokio::test(start_paused = true)]
async fn a_saved_plan_applied_again_during_the_cn_task_waits_for_it_and_sends_nothing() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 6, &[]);
    let first = run(&cloud, vec![add(&[])], Some(Duration::from_secs(60))).await;
    assert_eq!(first.status(), RunStatus::Interrupted, "{first:?}");
    let second = run(&cloud, vec![add(&[])], None).await;
    assert!(
        matches!(&second.steps[0].outcome, Outcome::AlreadyDone { .. }),
        "{second:?}"
    );
    assert_eq!(cloud.count("cns:"), 1, "{:?}", cloud.calls());
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_of_a_cn_change_that_took_effect_is_not_sent_again() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 6, &[]);
    cloud.fault(&format!("cns:{id}"), Fault::CommitThenUnknown);
    let report = run(&cloud, vec![add(&[])], None).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("cns:"), 1);
    assert_eq!(cloud.cns("dws-demo"), Some(5));
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_of_a_cn_change_that_did_not_take_effect_fails_as_unknown() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 6, &[]);
    cloud.fault(&format!("cns:{id}"), Fault::LostUnknown);
    let report = run(&cloud, vec![add(&[])], None).await;
    // Not "3 CNs after the task": no task ran; the lost answer and the listings say so.
    assert!(
        matches!(&report.steps[0].outcome, Outcome::Failed { reason }
            if reason.contains("connection reset") && reason.contains("no sign of it")),
        "{report:?}"
    );
    assert_eq!(cloud.count("cns:"), 1);
    assert_eq!(cloud.cns("dws-demo"), Some(3));
}
