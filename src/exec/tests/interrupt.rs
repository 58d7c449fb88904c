//! An interrupt that arrives while a restore call is in flight: the restore is accepted, so
//! the run still tags the new cluster as ours before it stops (otherwise the next plan would
//! see an unowned cluster and refuse it), and reports it as still running, not skipped.

use std::sync::Arc;
use std::time::Duration;

use super::super::fake::FakeCloud;
use super::super::*;
use super::kit::{listing, spawn_run};
use super::{create, options, plan, restore, snapshot};
use crate::plan::{OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE};

#[tokio::test(start_paused = true)]
async fn an_interrupt_during_the_restore_call_still_tags_the_restored_cluster() {
    let cloud = FakeCloud::new();
    // The restore call takes the fake's 500 ms: interrupt about 100 ms into it.
    let (report, _) = interrupted_after(&cloud, "restore:", Duration::from_millis(50)).await;
    assert_eq!(report.status(), RunStatus::Interrupted, "{report:?}");
    assert!(
        report
            .still_running()
            .any(|s| s.step.0 == "cluster.dws-restore.restore"),
        "{report:?}"
    );
    assert!(
        owned(&cloud, "dws-restore").await,
        "the restore was accepted and tagged"
    );
    assert_eq!(cloud.count("restore:"), 1);
}

/// Runs the quickstart's three steps on `cloud` and interrupts once `trigger` calls were
/// sent plus `delay`. Returns the report and how long (virtual time) the run took to stop.
async fn interrupted_after(
    cloud: &FakeCloud,
    trigger: &str,
    delay: Duration,
) -> (Report, Duration) {
    let steps = vec![
        create("dws-demo"),
        snapshot("snap-1", "dws-demo", &["cluster.dws-demo.create"]),
        restore("dws-restore", "snap-1", &["snapshot.snap-1.create"]),
    ];
    spawn_run(plan(steps), cloud, options(), Arc::new(NoEvents))
        .interrupt_after_call(cloud, trigger, delay)
        .await
}

async fn owned(cloud: &FakeCloud, name: &str) -> bool {
    listing(cloud)
        .await
        .clusters
        .iter()
        .filter(|c| c.name == name)
        .any(|c| {
            c.tags
                .iter()
                .any(|t| t.key == OWNERSHIP_TAG_KEY && t.value == OWNERSHIP_TAG_VALUE)
        })
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_during_a_slow_tag_call_after_a_restore_waits_for_it() {
    let cloud = FakeCloud::new();
    // The tag call takes 3.5 s, far past the 1.5 s every other call gets after an interrupt.
    cloud.slow("create_tags:", Duration::from_secs(3));
    let (report, _) = interrupted_after(&cloud, "create_tags:", Duration::from_millis(300)).await;
    assert_eq!(report.status(), RunStatus::Interrupted, "{report:?}");
    assert!(owned(&cloud, "dws-restore").await, "{:?}", cloud.calls());
    assert_eq!(cloud.count("create_tags:"), 1);
}

#[tokio::test(start_paused = true)]
async fn the_finish_grace_is_bounded_even_for_a_tag_call_that_never_returns() {
    let cloud = FakeCloud::new();
    cloud.slow("create_tags:", Duration::from_secs(3600));
    let (report, took) =
        interrupted_after(&cloud, "create_tags:", Duration::from_millis(300)).await;
    assert_eq!(report.status(), RunStatus::Interrupted, "{report:?}");
    // Virtual time: exact, not flaky.
    assert_eq!(took, Options::default().finish_grace, "{report:?}");
    assert!(
        report
            .still_running()
            .any(|s| s.step.0 == "cluster.dws-restore.restore"),
        "{report:?}"
    );
}
