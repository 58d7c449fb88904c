//! An interrupt that arrives while a restore call is in flight: the restore is accepted, so
//! the run still tags the new cluster as ours before it stops (otherwise the next plan would
//! see an unowned cluster and refuse it), and reports it as still running, not skipped.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::super::fake::FakeCloud;
use super::super::*;
use super::{create, plan, restore, snapshot};
use crate::api::Live;
use crate::plan::{OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE};

#[tokio::test(start_paused = true)]
async fn an_interrupt_during_the_restore_call_still_tags_the_restored_cluster() {
    let cloud = FakeCloud::new();
    let steps = vec![
        create("dws-demo"),
        snapshot("snap-1", "dws-demo", &["cluster.dws-demo.create"]),
        restore("dws-restore", "snap-1", &["snapshot.snap-1.create"]),
    ];
    let (tx, rx) = watch::channel(false);
    let run = {
        let cloud = cloud.clone();
        tokio::spawn(async move {
            let options = Options {
                live: Some(Live::default()),
                interrupt: Some(rx),
                ..Options::default()
            };
            execute(&plan(steps), cloud, options, Arc::new(NoEvents)).await
        })
    };
    // The restore call takes the fake's 500 ms: interrupt 100 ms into it.
    while cloud.count("restore:") == 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tx.send_replace(true);
    let report = run.await.expect("join").expect("report");
    assert_eq!(report.status(), RunStatus::Interrupted, "{report:?}");
    assert!(
        report
            .still_running()
            .any(|s| s.step.0 == "cluster.dws-restore.restore"),
        "{report:?}"
    );
    let listed = cloud.list_clusters().await.expect("list");
    let restored = listed
        .iter()
        .find(|c| c.name == "dws-restore")
        .expect("the restore was accepted");
    assert!(
        restored
            .tags
            .iter()
            .any(|t| t.key == OWNERSHIP_TAG_KEY && t.value == OWNERSHIP_TAG_VALUE),
        "{:?}",
        restored.tags
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
    let (tx, rx) = watch::channel(false);
    let run = {
        let cloud = cloud.clone();
        tokio::spawn(async move {
            let options = Options {
                live: Some(Live::default()),
                interrupt: Some(rx),
                ..Options::default()
            };
            execute(&plan(steps), cloud, options, Arc::new(NoEvents)).await
        })
    };
    while cloud.count(trigger) == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(delay).await;
    tx.send_replace(true);
    let sent = tokio::time::Instant::now();
    let report = run.await.expect("join").expect("report");
    (report, sent.elapsed())
}

async fn owned(cloud: &FakeCloud, name: &str) -> bool {
    let listed = cloud.list_clusters().await.expect("list");
    listed.iter().filter(|c| c.name == name).any(|c| {
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
