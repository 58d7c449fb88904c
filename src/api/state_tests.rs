//! Every value of the vocabulary, read through the one classification.

use super::*;
use crate::api::wire::FailedReasons;

fn cluster(status: &str, sub: Option<&str>, task: Option<&str>) -> Cluster {
    serde_json::from_value(serde_json::json!({
        "id": "c1", "name": "dws-demo", "status": status, "port": 8000,
        "user_name": "dbadmin", "number_of_node": 3, "node_type": "dws.m3.xlarge",
        "sub_status": sub, "task_status": task,
    }))
    .expect("cluster")
}

fn snapshot(status: &str, kind: Option<&str>) -> Snapshot {
    serde_json::from_value(serde_json::json!({
        "id": "s1", "name": "snap", "status": status, "type": kind,
    }))
    .expect("snapshot")
}

fn state(status: &str) -> ClusterState {
    cluster_state(&cluster(status, None, None))
}

#[test]
fn every_cluster_status_has_its_meaning() {
    let reason = None;
    let expected = [
        (
            "CREATING",
            ClusterState::Busy {
                operation: "CREATING".into(),
                percent: None,
            },
        ),
        ("AVAILABLE", ClusterState::Idle { health: vec![] }),
        ("ACTIVE", ClusterState::Idle { health: vec![] }),
        (
            "UNAVAILABLE",
            ClusterState::Unavailable {
                status: "UNAVAILABLE".into(),
                reason: reason.clone(),
            },
        ),
        // Huawei's FAILED means unavailable, not "creation failed" (README, "Profiles: OTC and Huawei").
        (
            "FAILED",
            ClusterState::Unavailable {
                status: "FAILED".into(),
                reason: reason.clone(),
            },
        ),
        (
            "CREATION FAILED",
            ClusterState::CreationFailed {
                status: "CREATION FAILED".into(),
                reason: reason.clone(),
            },
        ),
        (
            "CREATE_FAILED",
            ClusterState::CreationFailed {
                status: "CREATE_FAILED".into(),
                reason: reason.clone(),
            },
        ),
        ("DELETING", ClusterState::Deleting),
        (
            "DELETE_FAILED",
            ClusterState::DeleteFailed {
                reason: reason.clone(),
            },
        ),
        ("DELETED", ClusterState::Gone),
        (
            "FROZEN",
            ClusterState::Frozen {
                status: "FROZEN".into(),
            },
        ),
        (
            "POLICE_FROZEN",
            ClusterState::Frozen {
                status: "POLICE_FROZEN".into(),
            },
        ),
        (
            "STARTING",
            ClusterState::Busy {
                operation: "STARTING".into(),
                percent: None,
            },
        ),
        (
            "STOPPING",
            ClusterState::Busy {
                operation: "STOPPING".into(),
                percent: None,
            },
        ),
        ("STOPPED", ClusterState::Stopped),
    ];
    assert_eq!(expected.len(), CLUSTER_STATUSES.len());
    for (status, want) in expected {
        assert!(CLUSTER_STATUSES.contains(&status), "{status}");
        assert_eq!(state(status), want, "{status}");
    }
}

#[test]
fn statuses_are_read_trimmed_and_case_blind() {
    assert_eq!(state(" available "), ClusterState::Idle { health: vec![] });
    assert_eq!(state("creation failed").to_string(), "creation failed");
}

#[test]
fn an_undocumented_value_in_any_field_is_unknown_not_guessed() {
    assert_eq!(
        state("MELTING"),
        ClusterState::Unknown {
            field: "status",
            value: "MELTING".into()
        }
    );
    assert_eq!(
        state(""),
        ClusterState::Unknown {
            field: "status",
            value: "".into()
        }
    );
    assert_eq!(
        cluster_state(&cluster("AVAILABLE", None, Some("JUGGLING"))),
        ClusterState::Unknown {
            field: "task_status",
            value: "JUGGLING".into()
        }
    );
    assert_eq!(
        cluster_state(&cluster("AVAILABLE", Some("NORMAL | WOBBLY"), None)),
        ClusterState::Unknown {
            field: "sub_status",
            value: "NORMAL | WOBBLY".into()
        }
    );
    assert_eq!(
        state("MELTING").to_string(),
        "in an unknown status \"MELTING\""
    );
}

#[test]
fn every_task_status_is_running_or_failed() {
    for task in RUNNING_TASKS {
        let s = cluster_state(&cluster("AVAILABLE", Some("NORMAL"), Some(task)));
        assert_eq!(
            s,
            ClusterState::Busy {
                operation: (*task).into(),
                percent: None
            }
        );
    }
    for task in FAILED_TASKS {
        let s = cluster_state(&cluster("AVAILABLE", Some("NORMAL"), Some(task)));
        assert_eq!(
            s,
            ClusterState::TaskFailed {
                task: (*task).into(),
                reason: None
            }
        );
    }
    // The documented failures of the OTC list are among them.
    assert!(FAILED_TASKS.contains(&"RESIZE_FAILURE") && FAILED_TASKS.contains(&"REBOOT_FAILURE"));
}

#[test]
fn every_sub_status_has_its_meaning() {
    let idle = |health: Vec<Health>| ClusterState::Idle { health };
    let cases = [
        ("NORMAL", idle(vec![])),
        ("READONLY", idle(vec![Health::ReadOnly])),
        ("UNBALANCED", idle(vec![Health::Unbalanced])),
        ("DEGRADED", idle(vec![Health::Degraded])),
        (
            "DEGRADED | UNBALANCED | READONLY",
            idle(vec![Health::Degraded, Health::Unbalanced, Health::ReadOnly]),
        ),
        (
            "REDISTRIBUTING",
            ClusterState::Busy {
                operation: "REDISTRIBUTING".into(),
                percent: None,
            },
        ),
        (
            "UNBALANCED | REDISTRIBUTING",
            ClusterState::Busy {
                operation: "REDISTRIBUTING".into(),
                percent: None,
            },
        ),
        (
            "REDISTRIBUTION-FAILURE",
            ClusterState::TaskFailed {
                task: "REDISTRIBUTION-FAILURE".into(),
                reason: None,
            },
        ),
        (
            "DEGRADED | UNBALANCED | READONLY | REDISTRIBUTION-FAILURE",
            ClusterState::TaskFailed {
                task: "REDISTRIBUTION-FAILURE".into(),
                reason: None,
            },
        ),
    ];
    for (sub, want) in cases {
        assert_eq!(
            cluster_state(&cluster("AVAILABLE", Some(sub), None)),
            want,
            "{sub}"
        );
    }
    for part in SUB_STATUSES {
        assert!(
            !matches!(
                cluster_state(&cluster("AVAILABLE", Some(part), None)),
                ClusterState::Unknown { .. }
            ),
            "{part}"
        );
    }
}

#[test]
fn progress_alone_means_busy_with_its_percentage() {
    let mut c = cluster("AVAILABLE", Some("READONLY"), None);
    c.action_progress
        .insert("SNAPSHOTTING".into(), "20%".into());
    assert_eq!(
        cluster_state(&c),
        ClusterState::Busy {
            operation: "SNAPSHOTTING".into(),
            percent: Some(20)
        }
    );
    // A restore shows CREATING with task RESTORING; the task names the operation.
    let mut c = cluster("CREATING", None, Some("RESTORING"));
    c.action_progress.insert("RESTORING".into(), "40%".into());
    assert_eq!(
        cluster_state(&c),
        ClusterState::Busy {
            operation: "RESTORING".into(),
            percent: Some(40)
        }
    );
    assert_eq!(cluster_state(&c).to_string(), "busy (RESTORING 40%)");
}

#[test]
fn failures_carry_the_clouds_reason() {
    let mut c = cluster("CREATION FAILED", None, None);
    c.failed_reasons = Some(FailedReasons {
        error_code: Some("DWS.6000".into()),
        error_msg: Some("Insufficient quota.".into()),
    });
    assert_eq!(
        cluster_state(&c).to_string(),
        "CREATION FAILED (DWS.6000: Insufficient quota.)"
    );
    let mut c = cluster("AVAILABLE", None, Some("RESIZE_FAILURE"));
    c.failed_reasons = Some(FailedReasons {
        error_code: Some("DWS.5112".into()),
        error_msg: None,
    });
    assert_eq!(
        cluster_state(&c).to_string(),
        "AVAILABLE, but its last task ended in RESIZE_FAILURE (DWS.5112)"
    );
}

#[test]
fn every_snapshot_status_and_type_has_its_meaning() {
    let cases = [
        ("CREATING", SnapshotState::Creating),
        ("AVAILABLE", SnapshotState::Available),
        ("RESTORING", SnapshotState::Restoring),
        (
            "UNAVAILABLE",
            SnapshotState::Failed {
                status: "UNAVAILABLE".into(),
            },
        ),
        (
            "FAILED",
            SnapshotState::Failed {
                status: "FAILED".into(),
            },
        ),
    ];
    assert_eq!(cases.len(), SNAPSHOT_STATUSES.len());
    for (status, want) in cases {
        assert_eq!(snapshot_state(&snapshot(status, None)), want, "{status}");
    }
    assert_eq!(
        snapshot_state(&snapshot("EVAPORATING", None)),
        SnapshotState::Unknown("EVAPORATING".into())
    );
    // The reference says AUTO; older text says AUTOMATED: both are automated.
    assert_eq!(
        snapshot_kind(&snapshot("AVAILABLE", Some("AUTO"))),
        SnapshotKind::Automated
    );
    assert_eq!(
        snapshot_kind(&snapshot("AVAILABLE", Some("AUTOMATED"))),
        SnapshotKind::Automated
    );
    assert_eq!(
        snapshot_kind(&snapshot("AVAILABLE", Some("MANUAL"))),
        SnapshotKind::Manual
    );
    assert_eq!(
        snapshot_kind(&snapshot("AVAILABLE", None)),
        SnapshotKind::Manual
    );
    assert_eq!(
        snapshot_kind(&snapshot("AVAILABLE", Some("COPY"))),
        SnapshotKind::Unknown("COPY".into())
    );
}

#[test]
fn percentages_parse_or_are_none() {
    assert_eq!(parse_percent("40%"), Some(40));
    assert_eq!(parse_percent(" 7 % "), Some(7));
    assert_eq!(parse_percent("12.6%"), Some(13));
    assert_eq!(parse_percent("abc"), None);
    assert_eq!(parse_percent("250%"), None);
}
