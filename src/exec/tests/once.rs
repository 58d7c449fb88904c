//! Exactly once: a delta call (resize, shrink) goes out only while the cluster still has the
//! node count the step was planned from, verified on a listing made after any wait or busy
//! answer; a step whose goal is already reached is done "already in place"; a wait that can
//! no longer reach its target ends at once.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::super::fake::{FakeCloud, Fault};
use super::super::*;
use super::kit::{listing, lists_first, spawn_run};
use super::{plan, step, target};
use crate::plan::{Action, Fingerprint, Step};

fn scale_out(from: u32) -> Step {
    step(
        "cluster.dws-demo.scale_out",
        target("dws-demo"),
        Action::ScaleOut { count: 3, from },
        &[],
    )
}

fn outcome(report: &Report) -> &Outcome {
    &report.steps[0].outcome
}

#[tokio::test(start_paused = true)]
async fn a_busy_answer_leads_to_reverification_not_a_blind_resend() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    // This run planned on an idle cluster of 3 nodes ...
    let planned_from = listing(&cloud).await;
    // ... then another run's resize to 6 started: our first send is answered busy.
    cloud.resize(&id, 3).await.expect("the other run's resize");
    let options = Options {
        live: Some(planned_from),
        ..Options::default()
    };
    let report = execute(
        &plan(vec![scale_out(3)]),
        cloud.clone(),
        options,
        Arc::new(NoEvents),
    )
    .await
    .expect("executes");
    assert_eq!(
        cloud.nodes("dws-demo"),
        Some(6),
        "{} resize calls",
        cloud.count("resize:")
    );
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert!(
        matches!(outcome(&report), Outcome::AlreadyDone { detail } if detail.contains("already has 6 nodes")),
        "{report:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_past_its_target_fails_at_once_not_at_the_timeout() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    let run = {
        let cloud = cloud.clone();
        tokio::spawn(async move {
            let options = Options {
                live: None,
                ..Options::default()
            };
            execute(
                &plan(vec![scale_out(3)]),
                cloud,
                options,
                Arc::new(NoEvents),
            )
            .await
        })
    };
    let start = Instant::now();
    while cloud.nodes("dws-demo") != Some(6) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // A cloud that took a second resize behind our back: the cluster ends at 9, not 6.
    cloud.retarget_resize("dws-demo", 9);
    let report = run.await.expect("join").expect("executes");
    assert!(
        matches!(outcome(&report), Outcome::Failed { reason } if reason.contains("9 nodes, beyond the target of 6")),
        "{report:?}"
    );
    // The resize takes 600 s; the limit is 60 min.
    assert!(
        start.elapsed() < Duration::from_secs(700),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_saved_plan_whose_goal_is_reached_is_done_not_stale() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 6, &[]);
    let mut scale = scale_out(3);
    scale.fingerprint = Fingerprint("nodes=3".into());
    let options = Options {
        live: None,
        fingerprint: Some(|_, _| Fingerprint("nodes=6".into())),
        ..Options::default()
    };
    let report = execute(
        &plan(vec![scale]),
        cloud.clone(),
        options,
        Arc::new(NoEvents),
    )
    .await
    .expect("executes");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert!(matches!(outcome(&report), Outcome::AlreadyDone { .. }));
    assert_eq!(cloud.count("resize:"), 0);
    assert_eq!(cloud.nodes("dws-demo"), Some(6));
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_while_looking_for_a_lost_scale_out_says_so_not_create() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.fault(&format!("resize:{id}"), Fault::LostUnknown);
    let run = spawn_run(
        plan(vec![scale_out(3)]),
        &cloud,
        lists_first(),
        Arc::new(NoEvents),
    );
    // The answer is lost after the fake's 500 ms; the step then looks for a resize task.
    let (report, _) = run
        .interrupt_after_call(&cloud, "resize:", Duration::from_secs(5))
        .await;
    assert!(
        matches!(outcome(&report), Outcome::Failed { reason }
            if reason.starts_with("scale out: interrupted") && reason.contains("answer was lost")),
        "{report:?}"
    );
    assert_eq!(cloud.count("resize:"), 1);
}
