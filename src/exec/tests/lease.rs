//! Two runs at once against one cloud: the lease tag lets exactly one of them send the
//! delta call; the other waits, says so, and finds the goal in place. A killed run's lease
//! expires.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::super::fake::FakeCloud;
use super::super::*;
use super::kit::Recorder;
use super::{plan, step, target};
use crate::plan::{Action, Plan, LEASE_TAG_KEY};

fn scale(action: Action) -> Plan {
    let verb = match action {
        Action::ScaleOut { .. } => "scale_out",
        _ => "scale_in",
    };
    plan(vec![step(
        &format!("cluster.dws-demo.{verb}"),
        target("dws-demo"),
        action,
        &[],
    )])
}

fn spawn_run(
    cloud: &FakeCloud,
    plan: Plan,
) -> (
    tokio::task::JoinHandle<Result<Report, ExecError>>,
    Arc<Recorder>,
) {
    let recorder = Arc::new(Recorder::default());
    let events: Arc<dyn Events> = recorder.clone();
    let cloud = cloud.clone();
    let handle = tokio::spawn(async move {
        let options = Options {
            live: None,
            ..Options::default()
        };
        execute(&plan, cloud, options, events).await
    });
    (handle, recorder)
}

/// Two runs of one plan started at the same moment; returns both reports and progress.
async fn two_runs(cloud: &FakeCloud, plan: &Plan) -> Vec<(Report, Vec<String>)> {
    runs(cloud, plan, 2).await
}

/// `n` runs of one plan started at the same moment.
async fn runs(cloud: &FakeCloud, plan: &Plan, n: usize) -> Vec<(Report, Vec<String>)> {
    let runs: Vec<_> = (0..n).map(|_| spawn_run(cloud, plan.clone())).collect();
    let mut out = Vec::new();
    for (handle, recorder) in runs {
        let report = handle.await.expect("join").expect("executes");
        out.push((report, recorder.progress()));
    }
    out
}

#[tokio::test(start_paused = true)]
async fn two_runs_at_once_send_one_scale_call_each_way() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    for (action, prefix, nodes) in [
        (Action::ScaleOut { count: 3, from: 3 }, "resize:", 6),
        (Action::ScaleIn { count: 3, from: 6 }, "shrink:", 3),
    ] {
        let start = Instant::now();
        let runs = two_runs(&cloud, &scale(action)).await;
        assert_eq!(cloud.count(prefix), 1, "{prefix} {:?}", cloud.calls());
        assert_eq!(cloud.nodes("dws-demo"), Some(nodes));
        for (report, _) in &runs {
            assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
        }
        // One run did it; the other waited for it, said so, and found it in place.
        let waited: Vec<_> = runs
            .iter()
            .filter(|(r, _)| matches!(r.steps[0].outcome, Outcome::AlreadyDone { .. }))
            .collect();
        assert_eq!(waited.len(), 1, "{runs:?}");
        let (report, progress) = waited[0];
        assert!(
            matches!(&report.steps[0].outcome, Outcome::AlreadyDone { detail } if detail.contains("after waiting for dwsctl run")),
            "{report:?}"
        );
        assert!(
            progress
                .iter()
                .any(|p| p.contains("waiting for another dwsctl run")),
            "{progress:?}"
        );
        // Within the operation's time (600 s) plus a few polls, not twice it.
        assert!(
            start.elapsed() < Duration::from_secs(700),
            "{:?}",
            start.elapsed()
        );
        // Both leases are gone.
        let listed = cloud.list_clusters().await.expect("list");
        assert!(listed[0].tags.iter().all(|t| t.key != LEASE_TAG_KEY));
    }
}

#[tokio::test(start_paused = true)]
async fn a_killed_runs_lease_expires_and_the_next_run_goes_on() {
    let cloud = FakeCloud::new();
    // A run that wrote its lease and was killed: it expires in 300 s and is never renewed.
    let until = lease::WallClock::new().now_ms() + 300_000;
    let value = format!("0123456789ab_{until}");
    cloud.seed_cluster("dws-demo", 3, &[(LEASE_TAG_KEY, value.as_str())]);
    let start = Instant::now();
    let (handle, recorder) = spawn_run(&cloud, scale(Action::ScaleOut { count: 3, from: 3 }));
    let report = handle.await.expect("join").expect("executes");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(report.steps[0].outcome, Outcome::Done);
    assert_eq!(cloud.count("resize:"), 1);
    assert_eq!(cloud.nodes("dws-demo"), Some(6));
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_secs(300 + 600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(300 + 700), "{elapsed:?}");
    assert!(recorder
        .progress()
        .iter()
        .any(|p| p.contains("0123456789ab")));
}

#[tokio::test(start_paused = true)]
async fn three_runs_at_once_still_send_one_call_and_all_succeed() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    let runs = runs(&cloud, &scale(Action::ScaleOut { count: 3, from: 3 }), 3).await;
    assert_eq!(cloud.count("resize:"), 1, "{:?}", cloud.calls());
    assert_eq!(cloud.nodes("dws-demo"), Some(6));
    let in_place = runs
        .iter()
        .filter(|(r, _)| {
            assert_eq!(r.status(), RunStatus::Complete, "{r:?}");
            matches!(r.steps[0].outcome, Outcome::AlreadyDone { .. })
        })
        .count();
    assert_eq!(in_place, 2);
}

#[tokio::test(start_paused = true)]
async fn two_runs_resetting_one_password_send_one_reset() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    std::env::set_var("DWSCTL_LEASE_TEST_PASSWORD", "Secret-pw-123!");
    let reset = plan(vec![step(
        "cluster.dws-demo.reset_password",
        target("dws-demo"),
        Action::ResetPassword {
            password: crate::secret::SecretRef::FromEnv("DWSCTL_LEASE_TEST_PASSWORD".into()),
            password_version: "v2".into(),
            delete_tags: Vec::new(),
        },
        &[],
    )]);
    let runs = two_runs(&cloud, &reset).await;
    // The API refuses a reset to the current password: a second reset would fail that run.
    assert_eq!(cloud.count("reset_password:"), 1, "{:?}", cloud.calls());
    for (report, _) in &runs {
        assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    }
}

/// A run that ends normally leaves no lease, even when its step ends while a renewal of the
/// lease is in flight: that write, answered after the delete, would put the lease back and
/// make the next run wait for a run that is gone. Renewals here (every second) take 5.5 s
/// to answer, and the resize ends at offsets spread over a whole renewal cycle.
#[tokio::test(start_paused = true)]
async fn a_run_that_ends_while_renewing_its_lease_leaves_none() {
    for offset in 0..7 {
        let mut cloud = FakeCloud::new();
        cloud.resize = Duration::from_secs(600 + offset);
        cloud.slow("create_tags:", Duration::from_secs(5));
        cloud.seed_cluster("dws-demo", 3, &[]);
        let options = Options {
            live: None,
            lease_term: Duration::from_secs(3),
            ..Options::default()
        };
        let plan = scale(Action::ScaleOut { count: 3, from: 3 });
        let report = execute(&plan, cloud.clone(), options, Arc::new(NoEvents))
            .await
            .expect("executes");
        assert_eq!(report.steps[0].outcome, Outcome::Done, "{report:?}");
        let renewals = cloud.count("create_tags:");
        assert!(renewals > 2, "{renewals} lease writes");
        // Every write sent has been answered long before this.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let listed = cloud.list_clusters().await.expect("list");
        assert!(
            listed[0].tags.iter().all(|t| t.key != LEASE_TAG_KEY),
            "resize of {} s: {:?}; calls {:?}",
            600 + offset,
            listed[0].tags,
            cloud.calls()
        );
    }
}
