//! Time limits are judged on listings, not on the clock alone: when a listing is slow to
//! answer (a stalled process, a loaded machine, a slow API), a limit that passes while it
//! is in flight waits for its answer instead of deciding on the previous, stale listing,
//! and an idempotent call with unknown outcomes gets its minimum number of sends.

use std::time::Duration;

use tokio::time::Instant;

use super::super::fake::{FakeCloud, Fault};
use super::super::*;
use super::{create, plan};
use crate::api::Live;

/// Every call (lists included) takes 400 s to answer: the stall.
fn stalled() -> FakeCloud {
    FakeCloud {
        latency: Duration::from_secs(400),
        ..FakeCloud::new()
    }
}

async fn run(cloud: &FakeCloud, options: Options) -> Report {
    execute(
        &plan(vec![create("dws-demo")]),
        cloud.clone(),
        options,
        std::sync::Arc::new(NoEvents),
    )
    .await
    .expect("plan executes")
}

#[tokio::test(start_paused = true)]
async fn an_operation_done_within_its_timeout_is_not_reported_late_by_a_slow_listing() {
    let cloud = stalled();
    // Committed at 400 s, AVAILABLE at 1300 s; the limit passes at ~1400 s, while the
    // listing that started at ~1230 s (and sees it AVAILABLE) is still being answered.
    let mut options = Options {
        live: Some(Live::default()),
        ..Options::default()
    };
    options.timeouts.create = Duration::from_secs(1000);
    let report = run(&cloud, options).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("create:"), 1);
}

#[tokio::test(start_paused = true)]
async fn an_operation_still_running_past_its_timeout_is_reported_after_one_more_listing() {
    let cloud = stalled();
    cloud.create_duration("dws-demo", Duration::from_secs(5000));
    let mut options = Options {
        live: Some(Live::default()),
        ..Options::default()
    };
    options.timeouts.create = Duration::from_secs(500);
    let start = Instant::now();
    let report = run(&cloud, options).await;
    assert!(
        matches!(&report.steps[..], [only] if matches!(&only.outcome,
            Outcome::StillRunning { detail } if detail.contains("did not finish within"))),
        "{report:?}"
    );
    // The verdict came from a listing that started after the limit (~900 s), not before.
    assert!(
        start.elapsed() >= Duration::from_secs(900 + 400),
        "{:?}",
        start.elapsed()
    );
    assert!(start.elapsed() < Duration::from_secs(2 * (900 + 400)));
}

#[tokio::test(start_paused = true)]
async fn an_unknown_outcome_listed_by_a_slow_listing_is_adopted_not_sent_again() {
    let cloud = stalled();
    cloud.fault("create:dws-demo", Fault::CommitThenUnknown);
    // The 120 s grace passes while the listing that shows the cluster is in flight: it must
    // be adopted from that listing, not concluded absent and sent again.
    let report = run(
        &cloud,
        Options {
            live: Some(Live::default()),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("create:"), 1);
    assert_eq!(cloud.clusters_named("dws-demo"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_slow_api_does_not_cut_short_the_resends_of_an_idempotent_call() {
    let cloud = stalled();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    for _ in 0..3 {
        cloud.fault(&format!("delete_cluster:{id}"), Fault::LostUnknown);
    }
    // Each unknown answer takes 400 s, past the whole 100 s limit: the clock alone would
    // allow one send.
    let mut options = Options {
        live: None,
        ..Options::default()
    };
    options.timeouts.delete_cluster = Duration::from_secs(100);
    let delete = super::step(
        "cluster.dws-demo.delete",
        super::target("dws-demo"),
        crate::plan::Action::DeleteCluster {
            keep_last_manual_snapshot: 0,
        },
        &[],
    );
    let report = execute(
        &plan(vec![delete]),
        cloud.clone(),
        options,
        std::sync::Arc::new(NoEvents),
    )
    .await
    .expect("plan executes");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("delete_cluster:"), 4);
    assert_eq!(cloud.clusters_named("dws-demo"), 0);
}
