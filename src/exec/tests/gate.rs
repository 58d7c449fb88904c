//! `--deadline` and maintenance windows: a step that may not start now is deferred, sends
//! nothing, takes its dependents with it, and leaves the run partial rather than failed.

use time::macros::datetime;

use super::*;
use crate::api::wire::MaintainWindow;
use crate::plan::window::Maintenance;

/// A scale-out of `dws-demo` (3 → 6) whose plan recorded the window `Wed 22:00-02:00`.
fn scale_out_in_window() -> Step {
    let mut step = step(
        "cluster.dws-demo.scale_out",
        target("dws-demo"),
        Action::ScaleOut { count: 3, from: 3 },
        &[],
    );
    step.maintenance = Some(Maintenance {
        window: MaintainWindow {
            day: Some("Wed".into()),
            start_time: Some("22:00".into()),
            end_time: Some("02:00".into()),
        },
        deferred: false,
        deferred_until: None,
    });
    step
}

fn tags_after(dep: &str, cluster: &str) -> Step {
    step(
        &format!("cluster.{cluster}.tags"),
        target(cluster),
        Action::UpdateTags {
            create: vec![TagKv {
                key: "team".into(),
                value: "a".into(),
            }],
            delete: Vec::new(),
        },
        &[dep],
    )
}

/// Everything but the lease's own tag calls and the listings: what a step sends.
fn sent(cloud: &FakeCloud) -> Vec<String> {
    cloud
        .calls()
        .into_iter()
        .filter(|c| !c.starts_with("list:"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_deadline_shorter_than_a_create_defers_it_and_its_dependents_and_sends_nothing() {
    let cloud = FakeCloud::new();
    let steps = vec![
        create("dws-demo"),
        snapshot("snap-1", "dws-demo", &["cluster.dws-demo.create"]),
    ];
    let report = run(
        &plan(steps),
        &cloud,
        Options {
            // A 3-node create is expected to take up to 15 minutes.
            deadline: Some(Instant::now() + Duration::from_secs(14 * 60)),
            ..options()
        },
    )
    .await;
    assert!(sent(&cloud).is_empty(), "{:?}", cloud.calls());
    match outcome(&report, "cluster.dws-demo.create") {
        Outcome::Deferred { reason } => {
            assert!(reason.contains("expected to take up to 15 min"), "{reason}");
            assert!(
                reason.contains("14 min is left before the --deadline"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        outcome(&report, "snapshot.snap-1.create"),
        Outcome::Deferred { reason } if reason.contains("waits for cluster.dws-demo.create")
    ));
    assert_eq!(
        report.status(),
        RunStatus::Partial,
        "deferred is not failed"
    );
    assert_eq!(report.counts().deferred, 2);
    assert!(
        report.summary_line().ends_with(", 2 deferred."),
        "{}",
        report.summary_line()
    );
}

#[tokio::test(start_paused = true)]
async fn a_deadline_long_enough_starts_the_create_and_an_independent_branch_goes_on() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-other", 3, &[(OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE)]);
    let report = run(
        &plan(vec![create("dws-demo")]),
        &cloud,
        Options {
            deadline: Some(Instant::now() + Duration::from_secs(16 * 60)),
            live: None,
            ..options()
        },
    )
    .await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("create:"), 1);

    // A deadline that defers the create leaves a step that starts no operation (tags) free to
    // run while time is left.
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-other", 3, &[(OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE)]);
    let tags = step(
        "cluster.dws-other.tags",
        target("dws-other"),
        Action::UpdateTags {
            create: vec![TagKv {
                key: "team".into(),
                value: "a".into(),
            }],
            delete: Vec::new(),
        },
        &[],
    );
    let report = run(
        &plan(vec![create("dws-demo"), tags]),
        &cloud,
        Options {
            deadline: Some(Instant::now() + Duration::from_secs(60)),
            live: None,
            ..options()
        },
    )
    .await;
    assert!(matches!(
        outcome(&report, "cluster.dws-demo.create"),
        Outcome::Deferred { .. }
    ));
    assert_eq!(outcome(&report, "cluster.dws-other.tags"), &Outcome::Done);
    assert_eq!(report.status(), RunStatus::Partial);
    assert_eq!(cloud.count("create:"), 0);
}

/// Runs the scale-out with the calendar at `now`, returning the report and the calls sent.
async fn scale_at(now: time::OffsetDateTime, ignore: bool) -> (Report, Vec<String>) {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[(OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE)]);
    let steps = vec![
        scale_out_in_window(),
        tags_after("cluster.dws-demo.scale_out", "dws-demo"),
    ];
    let report = run(
        &plan(steps),
        &cloud,
        Options {
            calendar: Some(now),
            ignore_maintenance_window: ignore,
            live: None,
            ..options()
        },
    )
    .await;
    (report, sent(&cloud))
}

#[tokio::test(start_paused = true)]
async fn a_disruptive_step_outside_its_window_is_deferred_with_its_dependents_and_sends_nothing() {
    // Tuesday noon: the window opens Wednesday 22:00.
    let (report, sent) = scale_at(datetime!(2026-12-01 12:00:00 UTC), false).await;
    assert!(sent.is_empty(), "{sent:?}");
    match outcome(&report, "cluster.dws-demo.scale_out") {
        Outcome::Deferred { reason } => assert!(
            reason.contains("outside the maintenance window Wed 22:00-02:00 UTC; it next opens 2026-12-02T22:00:00Z"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        outcome(&report, "cluster.dws-demo.tags"),
        Outcome::Deferred { .. }
    ));
    assert_eq!(report.status(), RunStatus::Partial);
}

#[tokio::test(start_paused = true)]
async fn inside_the_window_or_with_the_flag_the_disruptive_step_runs() {
    // Thursday 01:00 is inside `Wed 22:00-02:00`.
    let (report, sent) = scale_at(datetime!(2026-12-03 01:00:00 UTC), false).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(sent.iter().filter(|c| c.starts_with("resize:")).count(), 1);

    let (report, sent) = scale_at(datetime!(2026-12-01 12:00:00 UTC), true).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(sent.iter().filter(|c| c.starts_with("resize:")).count(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_window_is_checked_when_the_step_starts_not_when_the_run_does() {
    // The run starts at 21:50 on Wednesday, closed; a 15-minute create of another cluster
    // comes first, so the scale-out starts after 22:00, inside the window.
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[(OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE)]);
    let mut scale = scale_out_in_window();
    scale.depends_on = vec![StepId("cluster.dws-new.create".into())];
    let report = run(
        &plan(vec![create("dws-new"), scale]),
        &cloud,
        Options {
            calendar: Some(datetime!(2026-12-02 21:50:00 UTC)),
            live: None,
            ..options()
        },
    )
    .await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("resize:"), 1);
}

/// A rename runs as a job of up to 20 s (`exec::expect`): a deadline 10 s away defers it,
/// where a step that starts no operation would still run.
#[tokio::test(start_paused = true)]
async fn a_deadline_shorter_than_a_rename_job_defers_it_and_sends_nothing() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-old", 3, &[(OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE)]);
    let rename = step(
        "cluster.dws-old.rename",
        target("dws-old"),
        Action::RenameCluster {
            new_name: "dws-new".into(),
        },
        &[],
    );
    let report = run(
        &plan(vec![rename]),
        &cloud,
        Options {
            deadline: Some(Instant::now() + Duration::from_secs(10)),
            live: None,
            ..options()
        },
    )
    .await;
    match outcome(&report, "cluster.dws-old.rename") {
        Outcome::Deferred { reason } => {
            assert!(reason.contains("expected to take up to 20 s"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(cloud.count("rename:"), 0, "{:?}", cloud.calls());
}
