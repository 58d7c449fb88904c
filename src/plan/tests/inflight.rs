//! In-flight and failed states: wait for what runs, refuse what failed, report the unknown.

use crate::api::wire::{Cluster, FailedReasons};
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};
use crate::spec::{DeletePolicy, Presence};

fn plan_for(d: crate::spec::DesiredCluster, l: Cluster) -> Plan {
    diff(&desired(vec![d]), &live(vec![l], vec![]), "digest")
}

fn show(plan: &Plan) -> String {
    text(plan, &TextOptions::default())
}

#[test]
fn creating_cluster_is_waited_for_not_created_again() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "CREATING".into();
    l.action_progress.insert("CREATING".into(), "30%".into());
    let plan = plan_for(desired_cluster("dws-demo", 3), l);
    assert!(!plan
        .steps
        .iter()
        .any(|s| matches!(s.action, Action::CreateCluster(_))));
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn running_task_is_waited_for_before_the_next_operation() {
    let mut l = live_cluster("dws-demo", 3);
    l.task_status = Some("GROWING".into());
    l.action_progress.insert("GROWING".into(), "40%".into());
    let plan = plan_for(desired_cluster("dws-demo", 6), l);
    let scale = plan
        .steps
        .iter()
        .find(|s| matches!(s.action, Action::ScaleOut { .. }))
        .expect("scale step");
    assert_eq!(
        scale.depends_on,
        vec![StepId("cluster.dws-demo.wait".into())]
    );
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn snapshotting_cluster_with_progress_only_is_waited_for() {
    let mut l = live_cluster("dws-demo", 3);
    l.action_progress
        .insert("SNAPSHOTTING".into(), "20%".into());
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 3), l)));
}

#[test]
fn redistributing_cluster_is_waited_for() {
    let mut l = live_cluster("dws-demo", 6);
    l.sub_status = Some("UNBALANCED | REDISTRIBUTING".into());
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 6), l)));
}

#[test]
fn creation_failed_is_blocked_with_the_clouds_reason() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "CREATION FAILED".into();
    l.failed_reasons = Some(FailedReasons {
        error_code: Some("DWS.6000".into()),
        error_msg: Some("Insufficient quota.".into()),
    });
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 3), l)));
}

/// What a plan does, in short: `scale_out`, `wait`, `blocked:<rule>`, ...
fn kinds(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        // The record step after a change is not what these cases are about.
        .filter(|s| !s.id.0.ends_with(".record"))
        .map(|s| match &s.action {
            Action::Blocked(b) => format!("blocked:{}", b.rule),
            Action::Wait { .. } => "wait".into(),
            Action::ScaleOut { .. } => "scale_out".into(),
            Action::CreateCluster(_) => "create".into(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// `status`, `sub_status`, `task_status`, and the plan's steps in short.
type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [&'a str]);

/// Every value of the vocabulary, read through `api::state`, to what the plan does with a
/// cluster the spec wants scaled from 3 to 6 nodes (the README's state table).
#[test]
fn every_state_of_the_vocabulary_has_its_plan() {
    let cases: &[Case] = &[
        ("CREATING", None, None, &["wait", "scale_out"]),
        ("AVAILABLE", Some("NORMAL"), None, &["scale_out"]),
        ("ACTIVE", None, None, &["scale_out"]),
        ("UNAVAILABLE", None, None, &["blocked:unavailable_cluster"]),
        ("FAILED", None, None, &["blocked:unavailable_cluster"]),
        ("CREATION FAILED", None, None, &["blocked:failed_cluster"]),
        ("CREATE_FAILED", None, None, &["blocked:failed_cluster"]),
        ("DELETING", None, None, &["blocked:cluster_being_deleted"]),
        ("DELETE_FAILED", None, None, &["blocked:failed_cluster"]),
        ("DELETED", None, None, &["create"]),
        ("FROZEN", None, None, &["blocked:frozen_cluster"]),
        ("POLICE_FROZEN", None, None, &["blocked:frozen_cluster"]),
        ("STARTING", None, None, &["wait", "scale_out"]),
        // A scale after the wait would meet a stopped cluster: blocked, not planned to fail.
        ("STOPPING", None, None, &["wait", "blocked:stopped_cluster"]),
        ("STOPPED", None, None, &["blocked:stopped_cluster"]),
        ("MELTING", None, None, &["blocked:unknown_status"]),
        ("AVAILABLE", Some("READONLY"), None, &["scale_out"]),
        ("AVAILABLE", Some("UNBALANCED"), None, &["scale_out"]),
        (
            "AVAILABLE",
            Some("DEGRADED | READONLY"),
            None,
            &["scale_out"],
        ),
        (
            "AVAILABLE",
            Some("UNBALANCED | REDISTRIBUTING"),
            None,
            &["wait", "scale_out"],
        ),
        (
            "AVAILABLE",
            Some("REDISTRIBUTION-FAILURE"),
            None,
            &["blocked:failed_task"],
        ),
        (
            "AVAILABLE",
            Some("WOBBLY"),
            None,
            &["blocked:unknown_status"],
        ),
        (
            "AVAILABLE",
            None,
            Some("SNAPSHOTTING"),
            &["wait", "scale_out"],
        ),
        (
            "AVAILABLE",
            None,
            Some("CLUSTER_SHRINKING"),
            &["wait", "scale_out"],
        ),
        (
            "AVAILABLE",
            None,
            Some("RESIZE_FAILURE"),
            &["blocked:failed_task"],
        ),
        (
            "AVAILABLE",
            None,
            Some("REBOOT_FAILURE"),
            &["blocked:failed_task"],
        ),
        (
            "AVAILABLE",
            None,
            Some("JUGGLING"),
            &["blocked:unknown_status"],
        ),
    ];
    for (status, sub, task, want) in cases {
        let mut l = live_cluster("dws-demo", 3);
        l.status = (*status).into();
        l.sub_status = sub.map(str::to_owned);
        l.task_status = task.map(str::to_owned);
        let plan = plan_for(desired_cluster("dws-demo", 6), l);
        assert_eq!(kinds(&plan), *want, "{status} / {sub:?} / {task:?}");
    }
    for status in crate::api::state::CLUSTER_STATUSES {
        assert!(
            cases.iter().any(|(s, ..)| s == status),
            "{status} has no planner case"
        );
    }
}

#[test]
fn an_automated_snapshot_of_the_specs_name_is_not_taken_for_a_manual_one() {
    // The reference says `AUTO`; older text `AUTOMATED`: both are the service's.
    for kind in ["AUTO", "AUTOMATED"] {
        let mut d = desired_cluster("dws-demo", 3);
        d.snapshots
            .insert("snap-1".into(), desired_snapshot("snap-1"));
        let mut s = live_snapshot("snap-1", "id-dws-demo");
        s.kind = Some(kind.into());
        let plan = diff(
            &desired(vec![d]),
            &live(vec![live_cluster("dws-demo", 3)], vec![s]),
            "digest",
        );
        assert_eq!(kinds(&plan), ["blocked:automated_snapshot"], "{kind}");
    }
}

#[test]
fn a_failed_or_restoring_snapshot_has_its_plan() {
    for (status, want) in [
        ("FAILED", vec!["blocked:failed_snapshot"]),
        ("UNAVAILABLE", vec!["blocked:failed_snapshot"]),
        ("RESTORING", vec![]),
        ("CREATING", vec!["wait"]),
        ("EVAPORATING", vec!["blocked:unknown_status"]),
    ] {
        let mut d = desired_cluster("dws-demo", 3);
        d.snapshots
            .insert("snap-1".into(), desired_snapshot("snap-1"));
        let mut s = live_snapshot("snap-1", "id-dws-demo");
        s.status = status.into();
        let plan = diff(
            &desired(vec![d]),
            &live(vec![live_cluster("dws-demo", 3)], vec![s]),
            "digest",
        );
        assert_eq!(kinds(&plan), want, "{status}");
    }
}

#[test]
fn resize_failure_blocks_further_changes_instead_of_retrying() {
    let mut l = live_cluster("dws-demo", 3);
    l.task_status = Some("RESIZE_FAILURE".into());
    l.failed_reasons = Some(FailedReasons {
        error_code: Some("DWS.7001".into()),
        error_msg: Some("Node creation timed out.".into()),
    });
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 6), l)));
}

#[test]
fn resize_failure_without_pending_changes_plans_nothing() {
    let mut l = live_cluster("dws-demo", 3);
    l.task_status = Some("RESIZE_FAILURE".into());
    assert!(plan_for(desired_cluster("dws-demo", 3), l).is_empty());
}

#[test]
fn unavailable_cluster_is_blocked() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "UNAVAILABLE".into();
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 3), l)));
}

#[test]
fn frozen_cluster_is_blocked() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "FROZEN".into();
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 3), l)));
}

#[test]
fn deleting_cluster_that_the_spec_wants_is_blocked_until_gone() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "DELETING".into();
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 3), l)));
}

#[test]
fn deleting_cluster_that_the_spec_marks_absent_needs_nothing() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "DELETING".into();
    let mut d = desired_cluster("dws-demo", 3);
    d.presence = Presence::Absent;
    assert!(plan_for(d, l).is_empty());
}

#[test]
fn deleted_cluster_counts_as_absent_and_is_created() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "DELETED".into();
    let plan = plan_for(desired_cluster("dws-demo", 3), l);
    assert!(matches!(&plan.steps[..], [s] if matches!(s.action, Action::CreateCluster(_))));
}

#[test]
fn unknown_status_is_reported_not_guessed() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "MELTING".into();
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 6), l)));
}

#[test]
fn unknown_task_status_is_reported_not_guessed() {
    let mut l = live_cluster("dws-demo", 3);
    l.task_status = Some("JUGGLING".into());
    insta::assert_snapshot!(show(&plan_for(desired_cluster("dws-demo", 3), l)));
}

#[test]
fn failed_cluster_marked_absent_needs_final_snapshot_waived() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "CREATION FAILED".into();
    let mut d = desired_cluster("dws-demo", 3);
    d.presence = Presence::Absent;
    let blocked = plan_for(d.clone(), l.clone());
    insta::assert_snapshot!(show(&blocked));
    d.delete_policy = DeletePolicy {
        final_snapshot: false,
        keep_last_manual_snapshot: 0,
    };
    let plan = plan_for(d, l);
    assert!(matches!(&plan.steps[..], [s] if matches!(s.action, Action::DeleteCluster { .. })));
}

#[test]
fn creating_snapshot_is_waited_for() {
    let mut d = desired_cluster("dws-demo", 3);
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    let mut s = live_snapshot("snap-1", "id-dws-demo");
    s.status = "CREATING".into();
    let plan = diff(
        &desired(vec![d]),
        &live(vec![live_cluster("dws-demo", 3)], vec![s]),
        "digest",
    );
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn unavailable_snapshot_is_blocked() {
    let mut d = desired_cluster("dws-demo", 3);
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    let mut s = live_snapshot("snap-1", "id-dws-demo");
    s.status = "UNAVAILABLE".into();
    let plan = diff(
        &desired(vec![d]),
        &live(vec![live_cluster("dws-demo", 3)], vec![s]),
        "digest",
    );
    insta::assert_snapshot!(show(&plan));
}
