//! Every cloud state of the vocabulary, met by the executor through the shared reading
//! (`api::state`): running operations are waited for, failed, blocked and unknown states end
//! the wait at once with the cloud's words, not after the step's timeout.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::super::fake::{FakeCloud, Forced};
use super::super::*;
use super::{plan, step, target};
use crate::plan::Action;

fn wait_step() -> crate::plan::Step {
    step(
        "cluster.dws-demo.wait",
        target("dws-demo"),
        Action::Wait {
            status: "CREATING".into(),
            task_status: None,
        },
        &[],
    )
}

fn forced(status: &str, sub: Option<&str>, task: Option<&str>) -> Forced {
    Forced {
        status: status.into(),
        sub_status: sub.map(str::to_owned),
        task_status: task.map(str::to_owned),
        failed_reason: Some("the cloud's own words".into()),
    }
}

async fn run_wait(cloud: &FakeCloud) -> (Report, Duration) {
    let started = Instant::now();
    let report = execute(
        &plan(vec![wait_step()]),
        cloud.clone(),
        Options::default(),
        Arc::new(NoEvents),
    )
    .await
    .expect("plan executes");
    (report, started.elapsed())
}

/// States that mean "an operation runs": the wait lasts until it ends (here: 10 minutes).
#[tokio::test(start_paused = true)]
async fn running_operations_are_waited_for_until_idle() {
    let cases = [
        ("CREATING", None, None),
        ("STARTING", None, None),
        ("STOPPING", None, None),
        ("AVAILABLE", Some("UNBALANCED | REDISTRIBUTING"), None),
        ("AVAILABLE", Some("NORMAL"), Some("SNAPSHOTTING")),
        ("ACTIVE", None, Some("CLUSTER_SHRINKING")),
        ("AVAILABLE", None, Some("GROWING")),
    ];
    for (status, sub, task) in cases {
        let cloud = FakeCloud::new();
        let id = cloud.seed_cluster("dws-demo", 3, &[]);
        cloud.force_state(&id, forced(status, sub, task));
        let later = cloud.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(600)).await;
            later.unforce(&id);
        });
        let (report, elapsed) = run_wait(&cloud).await;
        assert_eq!(
            report.status(),
            RunStatus::Complete,
            "{status} {sub:?} {task:?}: {report:?}"
        );
        assert!(elapsed >= Duration::from_secs(600), "{status}: {elapsed:?}");
    }
}

/// Idle states (healthy or with a condition worth showing) end the wait at once.
#[tokio::test(start_paused = true)]
async fn idle_states_end_the_wait() {
    for (status, sub) in [
        ("AVAILABLE", Some("NORMAL")),
        ("ACTIVE", None),
        ("AVAILABLE", Some("READONLY")),
        ("AVAILABLE", Some("DEGRADED | UNBALANCED")),
    ] {
        let cloud = FakeCloud::new();
        let id = cloud.seed_cluster("dws-demo", 3, &[]);
        cloud.force_state(&id, forced(status, sub, None));
        let (report, elapsed) = run_wait(&cloud).await;
        assert_eq!(report.status(), RunStatus::Complete, "{status} {sub:?}");
        assert!(elapsed < Duration::from_secs(60), "{status}: {elapsed:?}");
    }
}

/// States the planner blocks on fail the wait within one listing, saying the state and the
/// cloud's reason; none waits out the timeout (an hour) on a state that will not change.
#[tokio::test(start_paused = true)]
async fn failed_blocked_and_unknown_states_fail_the_wait_at_once() {
    let cases = [
        (
            "UNAVAILABLE",
            None,
            None,
            "UNAVAILABLE (DWS.9999: the cloud's own words)",
        ),
        ("FAILED", None, None, "FAILED (DWS.9999"),
        ("CREATION FAILED", None, None, "CREATION FAILED (DWS.9999"),
        ("CREATE_FAILED", None, None, "CREATE_FAILED (DWS.9999"),
        ("DELETING", None, None, "DELETING"),
        ("DELETE_FAILED", None, None, "DELETE_FAILED (DWS.9999"),
        ("DELETED", None, None, "DELETED"),
        ("FROZEN", None, None, "FROZEN"),
        ("POLICE_FROZEN", None, None, "POLICE_FROZEN"),
        ("STOPPED", None, None, "STOPPED"),
        (
            "AVAILABLE",
            None,
            Some("RESIZE_FAILURE"),
            "RESIZE_FAILURE (DWS.9999",
        ),
        ("AVAILABLE", None, Some("REBOOT_FAILURE"), "REBOOT_FAILURE"),
        (
            "AVAILABLE",
            Some("REDISTRIBUTION-FAILURE"),
            None,
            "REDISTRIBUTION-FAILURE",
        ),
        ("MELTING", None, None, "unknown status \"MELTING\""),
        (
            "AVAILABLE",
            None,
            Some("JUGGLING"),
            "unknown task_status \"JUGGLING\"",
        ),
        (
            "AVAILABLE",
            Some("WOBBLY"),
            None,
            "unknown sub_status \"WOBBLY\"",
        ),
    ];
    for (status, sub, task, words) in cases {
        let cloud = FakeCloud::new();
        let id = cloud.seed_cluster("dws-demo", 3, &[]);
        cloud.force_state(&id, forced(status, sub, task));
        let (report, elapsed) = run_wait(&cloud).await;
        let outcome = &report.steps[0].outcome;
        assert!(
            matches!(outcome, Outcome::Failed { reason } if reason.contains(words)),
            "{status} {sub:?} {task:?}: {outcome:?}"
        );
        assert!(elapsed < Duration::from_secs(60), "{status}: {elapsed:?}");
    }
    for status in crate::api::state::CLUSTER_STATUSES {
        let known = cases.iter().any(|(s, ..)| s == status)
            || ["CREATING", "STARTING", "STOPPING", "AVAILABLE", "ACTIVE"].contains(status);
        assert!(known, "{status} has no executor case");
    }
}

/// A resize whose task ends in RESIZE_FAILURE fails with the cloud's reason, and is not
/// sent again.
#[tokio::test(start_paused = true)]
async fn a_failed_resize_reports_the_clouds_reason_and_is_not_retried() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    let later = cloud.clone();
    let failing = id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(120)).await;
        later.force_state(
            &failing,
            Forced {
                status: "AVAILABLE".into(),
                sub_status: Some("NORMAL".into()),
                task_status: Some("RESIZE_FAILURE".into()),
                failed_reason: Some("Insufficient resources in the AZ.".into()),
            },
        );
    });
    let steps = vec![step(
        "cluster.dws-demo.scale_out",
        target("dws-demo"),
        Action::ScaleOut { count: 3, from: 3 },
        &[],
    )];
    let report = execute(
        &plan(steps),
        cloud.clone(),
        Options::default(),
        Arc::new(NoEvents),
    )
    .await
    .expect("plan executes");
    assert!(
        matches!(&report.steps[0].outcome, Outcome::Failed { reason }
            if reason.contains("RESIZE_FAILURE")
                && reason.contains("DWS.9999: Insufficient resources in the AZ.")),
        "{report:?}"
    );
    assert_eq!(cloud.count(&format!("resize:{id}")), 1);
}
