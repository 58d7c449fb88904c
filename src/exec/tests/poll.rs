//! The poll schedule in the executor, in virtual time: how many status calls a run costs
//! and how soon after its end each operation is seen (the figures in the bench
//! `apply_makespan`, here with the fake cloud's fixed durations).

use std::time::Duration;

use tokio::time::Instant;

use super::super::fake::FakeCloud;
use super::super::*;
use super::{create, options, plan, restore, run, snapshot};

fn status_calls(cloud: &FakeCloud) -> usize {
    cloud.count("list:")
}

#[tokio::test(start_paused = true)]
async fn one_create_is_listed_a_handful_of_times_not_every_ten_seconds() {
    let cloud = FakeCloud::new();
    let start = Instant::now();
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    // 900 s: the fixed 10 s tick listed 90 times. The listing that checks the new cluster's
    // tags also dates its progress: the wait does not list again just to read it.
    let calls = status_calls(&cloud);
    assert!(calls <= 5, "{calls} status calls");
    // Seen done within one dense interval of its end (plus the calls' 0.5 s latencies).
    assert!(
        start.elapsed() <= Duration::from_secs(900 + 11),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn the_chain_costs_at_most_nine_status_calls_per_operation_and_little_lag() {
    let cloud = FakeCloud::new();
    let steps = vec![
        create("dws-demo"),
        snapshot("snap-1", "dws-demo", &["cluster.dws-demo.create"]),
        restore("dws-restore", "snap-1", &["snapshot.snap-1.create"]),
    ];
    let start = Instant::now();
    let report = run(&plan(steps), &cloud, options()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let calls = status_calls(&cloud);
    assert!(calls <= 3 * 9, "{calls} status calls");
    let over = start.elapsed().as_secs_f64() - (900.0 + 300.0 + 900.0);
    assert!(over <= 30.0, "makespan - critical path = {over} s");
}

#[tokio::test(start_paused = true)]
async fn two_hundred_creates_of_spread_durations_share_their_listings() {
    let cloud = FakeCloud::new();
    let steps = (0..200)
        .map(|i| {
            let name = format!("c{i:03}");
            // 600 to 900 s, spread evenly: every listing near the end serves few of them.
            cloud.create_duration(&name, Duration::from_millis(600_000 + i * 1_500));
            create(&name)
        })
        .collect();
    let start = Instant::now();
    let report = run(
        &plan(steps),
        &cloud,
        Options {
            parallelism: 10,
            ..options()
        },
    )
    .await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let calls = status_calls(&cloud);
    assert!(calls as f64 / 200.0 <= 2.2, "{calls} status calls");
    // The longest create (898.5 s) starts after 20 rounds of ten 0.5 s calls.
    let ratio = start.elapsed().as_secs_f64() / (898.5 + 10.0);
    assert!(ratio <= 1.05, "makespan {:?}", start.elapsed());
}

#[tokio::test(start_paused = true)]
async fn progress_that_says_nothing_of_the_time_left_does_not_delay_the_end() {
    // A cloud showing 50% throughout: read naively ("half done after t, so done at 2t") the
    // gaps would double and the end would be seen hundreds of seconds late.
    let cloud = FakeCloud {
        fixed_percent: Some(50),
        create: Duration::from_secs(750),
        ..FakeCloud::new()
    };
    let start = Instant::now();
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert!(
        start.elapsed() <= Duration::from_secs(750 + 11),
        "{:?}",
        start.elapsed()
    );
    // Approach to the expected 600 s, then every 10 s: more calls, still bounded.
    let calls = status_calls(&cloud);
    assert!(calls <= 30, "{calls} status calls");
}

#[tokio::test(start_paused = true)]
async fn an_operation_far_longer_than_expected_is_still_seen_within_a_dense_interval() {
    let cloud = FakeCloud {
        create: Duration::from_secs(3 * 3600),
        ..FakeCloud::new()
    };
    let mut options = options();
    options.timeouts.create = Duration::from_secs(4 * 3600);
    let start = Instant::now();
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert!(
        start.elapsed() <= Duration::from_secs(3 * 3600 + 11),
        "{:?}",
        start.elapsed()
    );
    // Progress corrects the expectation: no dense polling for the 2.75 h past it, only the
    // longest gap (5 min) between listings: 36 of them, plus the approach.
    let calls = status_calls(&cloud);
    assert!(calls <= 45, "{calls} status calls");
}

#[tokio::test(start_paused = true)]
async fn a_timeout_is_declared_on_a_listing_made_at_once_not_when_the_schedule_comes_round() {
    // The schedule would next list this 3000 s create minutes after its 500 s limit; the
    // verdict asks for its own listing as soon as the limit passes.
    let cloud = FakeCloud {
        create: Duration::from_secs(3000),
        ..FakeCloud::new()
    };
    let mut options = options();
    options.timeouts.create = Duration::from_secs(500);
    let start = Instant::now();
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options).await;
    assert!(
        matches!(&report.steps[..], [only] if matches!(&only.outcome,
            Outcome::StillRunning { detail } if detail.contains("did not finish within"))),
        "{report:?}"
    );
    // The limit counts from the start of the wait, which follows the first listing (the
    // create's tags are checked on it, ~11 s in); the schedule's next listing would have
    // come at ~785 s.
    let took = start.elapsed();
    assert!(took >= Duration::from_secs(500), "{took:?}");
    assert!(took <= Duration::from_secs(500 + 20), "{took:?}");
}
