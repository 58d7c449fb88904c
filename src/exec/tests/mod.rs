//! Scheduler behaviour against the in-memory fake cloud, in virtual time.

mod coordinators;
mod dag;
mod description;
mod expiry;
mod gate;
mod interrupt;
mod kit;
mod lease;
mod once;
mod policy;
mod poll;
mod power;
mod settings;
mod states;
mod unknown;

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::fake::{FakeCloud, Fault};
use super::*;
use crate::api::Live;
use crate::plan::{
    Action, Blocked, Fingerprint, Step, StepId, TagKv, Target, OWNERSHIP_TAG_KEY,
    OWNERSHIP_TAG_VALUE,
};
use crate::secret::SecretRef;
pub(in crate::exec) use kit::create;
use kit::{
    interrupt_in, lists_first, options, outcome, plan, restore, run, snapshot, spawn_run, step,
    target, Recorder,
};

#[tokio::test(start_paused = true)]
async fn forty_independent_creates_finish_within_one_poll_of_the_critical_path() {
    let cloud = FakeCloud::new();
    let steps = (0..40).map(|i| create(&format!("c{i:02}"))).collect();
    let start = Instant::now();
    let report = run(&plan(steps), &cloud, options()).await;
    let makespan = start.elapsed();
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    // 900 s create + at most one 10 s poll interval + call latencies.
    assert!(
        makespan <= Duration::from_secs(915),
        "makespan {makespan:?}"
    );
    assert!(makespan.as_secs_f64() / 900.0 <= 1.05);
    // One list per tick for all forty operations, not one GET each.
    let lists = cloud.count("list:clusters");
    assert!(lists <= 93, "{lists} cluster lists");
    assert_eq!(cloud.count("list:snapshots"), 0);
    assert_eq!(cloud.count("create:"), 40);
}

#[tokio::test(start_paused = true)]
async fn parallelism_bounds_calls_in_flight_but_not_waiting() {
    let cloud = FakeCloud::new();
    let steps = (0..12).map(|i| create(&format!("c{i:02}"))).collect();
    let start = Instant::now();
    let report = run(
        &plan(steps),
        &cloud,
        Options {
            parallelism: 3,
            ..options()
        },
    )
    .await;
    assert_eq!(report.status(), RunStatus::Complete);
    assert_eq!(cloud.peak_in_flight(), 3);
    // Waits hold no slot: twelve creates with three slots still take one create's time.
    assert!(
        start.elapsed() <= Duration::from_secs(920),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn chain_create_snapshot_restore_tracks_the_critical_path() {
    let cloud = FakeCloud::new();
    let steps = vec![
        create("dws-demo"),
        snapshot("snap-1", "dws-demo", &["cluster.dws-demo.create"]),
        restore("dws-restore", "snap-1", &["snapshot.snap-1.create"]),
    ];
    let start = Instant::now();
    let report = run(&plan(steps), &cloud, options()).await;
    let makespan = start.elapsed().as_secs_f64();
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let critical_path = 900.0 + 300.0 + 900.0;
    assert!(makespan / critical_path <= 1.05, "makespan {makespan}");
    assert!(
        makespan - critical_path <= 3.0 * 10.0 + 5.0,
        "makespan {makespan}"
    );
    // The restored cluster got its tags once it existed.
    let calls = cloud.calls();
    assert!(
        calls.iter().any(|c| c.starts_with("create_tags:")),
        "{calls:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_create_skips_its_dependents_and_independent_branches_go_on() {
    let cloud = FakeCloud::new();
    cloud.fail_creation("bad", "insufficient quota");
    let steps = vec![
        create("bad"),
        snapshot("snap-bad", "bad", &["cluster.bad.create"]),
        create("good"),
    ];
    let report = run(&plan(steps), &cloud, options()).await;
    assert_eq!(report.status(), RunStatus::Partial);
    assert!(
        matches!(outcome(&report, "cluster.bad.create"), Outcome::Failed { reason } if reason.contains("insufficient quota")),
        "{report:?}"
    );
    assert!(matches!(
        outcome(&report, "snapshot.snap-bad.create"),
        Outcome::Skipped { reason } if reason.contains("cluster.bad.create")
    ));
    assert_eq!(outcome(&report, "cluster.good.create"), &Outcome::Done);
}

#[tokio::test(start_paused = true)]
async fn fail_fast_starts_nothing_after_the_first_failure() {
    let cloud = FakeCloud::new();
    cloud.fault("create:bad", Fault::Error("DWS.5038 out of range".into()));
    let steps = vec![
        create("bad"),
        create("slow"),
        snapshot("later", "slow", &["cluster.slow.create"]),
    ];
    let report = run(
        &plan(steps),
        &cloud,
        Options {
            fail_fast: true,
            ..options()
        },
    )
    .await;
    assert!(
        matches!(outcome(&report, "cluster.bad.create"), Outcome::Failed { reason } if reason.contains("DWS.5038"))
    );
    // Already running: finishes. Not yet started: skipped.
    assert_eq!(outcome(&report, "cluster.slow.create"), &Outcome::Done);
    assert!(matches!(
        outcome(&report, "snapshot.later.create"),
        Outcome::Skipped { reason } if reason.contains("--fail-fast")
    ));
    assert_eq!(cloud.count("snapshot:"), 0);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_outcome_that_committed_is_adopted_not_resent() {
    let cloud = FakeCloud::new();
    cloud.fault("create:dws-demo", Fault::CommitThenUnknown);
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("create:"), 1);
    assert_eq!(cloud.clusters_named("dws-demo"), 1);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_outcome_that_did_not_commit_is_sent_again_after_the_grace_period() {
    let cloud = FakeCloud::new();
    cloud.fault("create:dws-demo", Fault::LostUnknown);
    let start = Instant::now();
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("create:"), 2);
    assert_eq!(cloud.clusters_named("dws-demo"), 1);
    // It looked for the grace period (120 s) before sending again.
    assert!(start.elapsed() >= Duration::from_secs(900 + 120));
}

#[tokio::test(start_paused = true)]
async fn list_lag_longer_than_the_grace_period_still_makes_no_duplicate() {
    let cloud = FakeCloud {
        list_lag: Duration::from_secs(200),
        ..FakeCloud::new()
    };
    cloud.fault("snapshot:snap-1", Fault::CommitThenUnknown);
    cloud.fault("create:dws-demo", Fault::CommitThenUnknown);
    let steps = vec![
        create("dws-demo"),
        snapshot("snap-1", "dws-demo", &["cluster.dws-demo.create"]),
    ];
    let report = run(&plan(steps), &cloud, options()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    // The second send met the name uniqueness rule (409) and adopted the first object.
    assert_eq!(cloud.count("create:"), 2);
    assert_eq!(cloud.clusters_named("dws-demo"), 1);
    assert_eq!(cloud.snapshots_named("snap-1"), 1);
}

#[tokio::test(start_paused = true)]
async fn busy_clusters_are_retried_after_the_next_listing() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.fault(&format!("resize:{id}"), Fault::Busy);
    let steps = vec![step(
        "cluster.dws-demo.scale_out",
        target("dws-demo"),
        Action::ScaleOut { count: 3, from: 3 },
        &[],
    )];
    let report = run(&plan(steps), &cloud, lists_first()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("resize:"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_plan_with_a_blocked_step_is_refused_before_any_call() {
    let cloud = FakeCloud::new();
    let blocked = step(
        "cluster.x.blocked",
        target("x"),
        Action::Blocked(Blocked {
            rule: "immutable_field".into(),
            reason: "node_type cannot change".into(),
            procedure: "snapshot, restore".into(),
        }),
        &[],
    );
    let result = execute(
        &plan(vec![create("a"), blocked]),
        cloud.clone(),
        options(),
        Arc::new(NoEvents),
    )
    .await;
    assert!(
        matches!(result, Err(ExecError::Blocked(steps)) if steps == vec![BlockedStep {
            step: StepId("cluster.x.blocked".into()),
            reason: "node_type cannot change".into(),
        }])
    );
    assert!(cloud.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn cycles_and_unknown_dependencies_are_refused() {
    let cloud = FakeCloud::new();
    let a = step("a", target("a"), Action::DeleteSnapshot, &["b"]);
    let b = step("b", target("b"), Action::DeleteSnapshot, &["a"]);
    let result = execute(
        &plan(vec![a, b]),
        cloud.clone(),
        options(),
        Arc::new(NoEvents),
    )
    .await;
    assert!(matches!(result, Err(ExecError::Cycle(ids)) if ids.len() == 2));
    let orphan = step("c", target("c"), Action::DeleteSnapshot, &["nope"]);
    let result = execute(&plan(vec![orphan]), cloud, options(), Arc::new(NoEvents)).await;
    assert!(matches!(result, Err(ExecError::UnknownDependency { .. })));
}

fn node_count_fingerprint(target: &Target, live: &Live) -> Fingerprint {
    match live.cluster(target.cluster()) {
        Some(c) => Fingerprint(format!("nodes={}", c.number_of_node)),
        None => Fingerprint::absent(),
    }
}

#[tokio::test(start_paused = true)]
async fn a_moved_target_stops_its_branch_as_stale() {
    let cloud = FakeCloud::new();
    // Neither the 3 nodes the step was planned from nor the 6 it aims for.
    cloud.seed_cluster("dws-demo", 4, &[]);
    cloud.seed_cluster("other", 3, &[]);
    let mut scale = step(
        "cluster.dws-demo.scale_out",
        target("dws-demo"),
        Action::ScaleOut { count: 3, from: 3 },
        &[],
    );
    scale.fingerprint = Fingerprint("nodes=3".into());
    let tags = step(
        "cluster.dws-demo.tags",
        target("dws-demo"),
        Action::UpdateTags {
            create: vec![TagKv {
                key: "env".into(),
                value: "prod".into(),
            }],
            delete: vec![],
        },
        &["cluster.dws-demo.scale_out"],
    );
    let mut other = step(
        "cluster.other.scale_out",
        target("other"),
        Action::ScaleOut { count: 3, from: 3 },
        &[],
    );
    other.fingerprint = Fingerprint("nodes=3".into());
    let options = Options {
        live: None,
        fingerprint: Some(node_count_fingerprint),
        ..options()
    };
    let report = run(&plan(vec![scale, tags, other]), &cloud, options).await;
    assert_eq!(report.status(), RunStatus::Stale);
    assert!(
        matches!(outcome(&report, "cluster.dws-demo.scale_out"), Outcome::Stale { reason } if reason.contains("has 4 nodes"))
    );
    assert!(matches!(
        outcome(&report, "cluster.dws-demo.tags"),
        Outcome::Skipped { .. }
    ));
    assert_eq!(outcome(&report, "cluster.other.scale_out"), &Outcome::Done);
    assert_eq!(cloud.count("resize:"), 1);
}

#[tokio::test(start_paused = true)]
async fn one_operation_per_cluster_at_a_time_even_without_a_dependency() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    let steps = vec![
        step(
            "cluster.dws-demo.scale_out",
            target("dws-demo"),
            Action::ScaleOut { count: 3, from: 3 },
            &[],
        ),
        snapshot("snap-1", "dws-demo", &[]),
    ];
    let start = Instant::now();
    let report = run(&plan(steps), &cloud, lists_first()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    // Serialized: resize (600 s) then snapshot (300 s).
    assert!(start.elapsed() >= Duration::from_secs(900));
}

#[tokio::test(start_paused = true)]
async fn delete_runs_after_the_final_snapshot_and_waits_until_the_cluster_is_gone() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[(OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE)]);
    let steps = vec![
        snapshot("dws-demo-final", "dws-demo", &[]),
        step(
            "cluster.dws-demo.delete",
            target("dws-demo"),
            Action::DeleteCluster {
                keep_last_manual_snapshot: 1,
            },
            &["snapshot.dws-demo-final.create"],
        ),
    ];
    let start = Instant::now();
    let report = run(&plan(steps), &cloud, lists_first()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.clusters_named("dws-demo"), 0);
    assert_eq!(cloud.snapshots_named("dws-demo-final"), 1);
    assert!(start.elapsed() >= Duration::from_secs(300 + 60));
    let calls = cloud.calls();
    let snap = calls.iter().position(|c| c.starts_with("snapshot:"));
    let delete = calls.iter().position(|c| c.starts_with("delete_cluster:"));
    assert!(snap < delete, "{calls:?}");
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_reports_running_operations_and_starts_nothing_new() {
    let cloud = FakeCloud::new();
    let steps = vec![
        create("a"),
        create("b"),
        snapshot("snap-a", "a", &["cluster.a.create"]),
    ];
    let recorder = Arc::new(Recorder::default());
    let run = spawn_run(plan(steps), &cloud, options(), recorder.clone());
    tokio::time::sleep(Duration::from_secs(100)).await;
    let (report, took) = run.interrupt().await;
    assert!(took <= Duration::from_secs(2));
    assert_eq!(report.status(), RunStatus::Interrupted);
    assert_eq!(report.still_running().count(), 2);
    assert!(matches!(
        outcome(&report, "snapshot.snap-a.create"),
        Outcome::Skipped { .. }
    ));
    assert_eq!(cloud.count("snapshot:"), 0);
    let events = recorder.0.lock().expect("events").clone();
    assert!(events.iter().any(
        |e| matches!(e, Event::StepStillRunning { step, .. } if step.0 == "cluster.a.create")
    ));
}

#[tokio::test(start_paused = true)]
async fn a_wait_step_waits_for_an_operation_already_running() {
    let cloud = FakeCloud::new();
    // An earlier run's create, still running.
    let interrupted = Options {
        interrupt: Some(interrupt_in(Duration::from_secs(60))),
        ..options()
    };
    let first = run(&plan(vec![create("dws-demo")]), &cloud, interrupted).await;
    assert_eq!(first.status(), RunStatus::Interrupted);
    let steps = vec![
        step(
            "cluster.dws-demo.wait",
            target("dws-demo"),
            Action::Wait {
                status: "CREATING".into(),
                task_status: None,
            },
            &[],
        ),
        snapshot("snap-1", "dws-demo", &["cluster.dws-demo.wait"]),
    ];
    let report = run(&plan(steps), &cloud, lists_first()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("create:"), 1);
    assert_eq!(cloud.clusters_named("dws-demo"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_missing_secret_fails_the_step_without_a_call() {
    let cloud = FakeCloud::new();
    let mut step = create("dws-demo");
    if let Action::CreateCluster(p) = &mut step.action {
        p.password = SecretRef::FromEnv("DWSCTL_EXEC_TEST_UNSET_VARIABLE".into());
    }
    let report = run(&plan(vec![step]), &cloud, options()).await;
    assert!(matches!(
        outcome(&report, "cluster.dws-demo.create"),
        Outcome::Failed { reason } if reason.contains("DWSCTL_EXEC_TEST_UNSET_VARIABLE")
    ));
    assert_eq!(report.status(), RunStatus::Failed);
    assert_eq!(cloud.count("create:"), 0);
}
