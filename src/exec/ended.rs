//! Whether an operation has ended: pure checks of one listing against the state a step waits
//! for ([`super::waits`] does the waiting). Each returns whether the operation is still
//! pending (with what to show), done, or failed with the cloud's reason.
//!
//! The states are read by [`crate::api::state`], the same reading the planner uses, so a
//! state the plan blocks on is a state a wait fails on. A failed, unavailable, frozen,
//! stopped or unknown state ends the wait at once with the state said in words: waiting out
//! the step's timeout would not change it, and the next plan shows it with the way forward.

use crate::api::state::{cluster_state, snapshot_state, ClusterState, SnapshotState};
use crate::api::wire::{Cluster, Snapshot};

/// One listing's verdict on a waited-for operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    Pending { status: String, percent: Option<u8> },
    Done,
    Failed(String),
}

fn pending(status: impl Into<String>) -> Check {
    Check::Pending {
        status: status.into(),
        percent: None,
    }
}

/// A state that ends a wait with a failure, in words (`cluster x is CREATION FAILED (...)`).
fn failed(cluster: &Cluster, state: &ClusterState) -> Check {
    let mut text = format!("cluster {} is {state}", cluster.name);
    if matches!(state, ClusterState::Unknown { .. }) {
        text.push_str(
            "; dwsctl does not guess what it means: check the cluster in the console, then run \
             plan again",
        );
    }
    Check::Failed(text)
}

/// A cluster being created, restored or waited on: done when idle.
pub fn cluster_settled(cluster: Option<&Cluster>) -> Check {
    let Some(cluster) = cluster else {
        return pending("not listed yet");
    };
    match cluster_state(cluster) {
        ClusterState::Idle { .. } => Check::Done,
        ClusterState::Busy { operation, percent } => Check::Pending {
            status: operation,
            percent,
        },
        state => failed(cluster, &state),
    }
}

/// A cluster being resized to `expected` nodes (scale out or in): done when idle at that
/// node count.
pub fn cluster_resized(cluster: Option<&Cluster>, expected: u32) -> Check {
    let Some(cluster) = cluster else {
        return Check::Failed("the cluster is no longer listed".to_owned());
    };
    match cluster_settled(Some(cluster)) {
        Check::Done if cluster.number_of_node == expected => Check::Done,
        Check::Done => pending(format!("{} of {expected} nodes", cluster.number_of_node)),
        other => other,
    }
}

/// A snapshot being created: done when complete and its cluster no longer SNAPSHOTTING
/// (the cluster accepts no other task until then).
pub fn snapshot_available(snapshot: Option<&Snapshot>, cluster: Option<&Cluster>) -> Check {
    let Some(snapshot) = snapshot else {
        return pending("not listed yet");
    };
    let cluster_busy = cluster.map(cluster_state).and_then(|state| match state {
        ClusterState::Busy { operation, percent } => Some((operation, percent)),
        _ => None,
    });
    match snapshot_state(snapshot) {
        state if state.is_complete() => match cluster_busy {
            Some((operation, percent)) if operation == "SNAPSHOTTING" => Check::Pending {
                status: operation,
                percent,
            },
            _ => Check::Done,
        },
        SnapshotState::Creating => match cluster_busy {
            Some((operation, Some(percent))) => Check::Pending {
                status: operation,
                percent: Some(percent),
            },
            _ => pending(snapshot.status.clone()),
        },
        SnapshotState::Failed { status } => Check::Failed(format!(
            "snapshot {} is {status} (the cloud failed or cancelled it)",
            snapshot.name
        )),
        _ => Check::Failed(format!(
            "snapshot {} is in an unknown status {:?}; dwsctl does not guess what it means: \
             check it in the console, then run plan again",
            snapshot.name, snapshot.status
        )),
    }
}

/// A cluster being deleted: done once it is no longer listed (or listed as `DELETED`);
/// `DELETE_FAILED` fails with the cloud's reason, and so does `UNAVAILABLE` (Huawei:
/// `FAILED`), which is how OTC, having no `DELETE_FAILED`, shows a failed delete (the
/// simulator's `otc` profile; README, "Behaviour worth knowing"): it will not end by itself.
pub fn cluster_deleted(cluster: Option<&Cluster>) -> Check {
    let Some(cluster) = cluster else {
        return Check::Done;
    };
    match cluster_state(cluster) {
        ClusterState::Gone => Check::Done,
        state @ (ClusterState::DeleteFailed { .. } | ClusterState::Unavailable { .. }) => {
            failed(cluster, &state)
        }
        _ => pending(format!("deleting ({})", cluster.status)),
    }
}

/// An object being deleted: done once it is no longer listed.
pub fn gone(still_listed: Option<&str>) -> Check {
    match still_listed {
        None => Check::Done,
        Some(status) => pending(format!("deleting ({status})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::FailedReasons;

    fn cluster(status: &str, task: Option<&str>) -> Cluster {
        serde_json::from_value(serde_json::json!({
            "id": "c1", "name": "dws-demo", "status": status, "port": 8000,
            "user_name": "dbadmin", "number_of_node": 3, "node_type": "dws.m3.xlarge",
            "task_status": task,
        }))
        .expect("cluster")
    }

    #[test]
    fn creation_failed_fails_with_the_clouds_reason() {
        let mut c = cluster("CREATION FAILED", None);
        c.failed_reasons = Some(FailedReasons {
            error_code: Some("DWS.6000".into()),
            error_msg: Some("insufficient quota".into()),
        });
        assert_eq!(
            cluster_settled(Some(&c)),
            Check::Failed(
                "cluster dws-demo is CREATION FAILED (DWS.6000: insufficient quota)".into()
            )
        );
    }

    #[test]
    fn a_failed_delete_ends_the_wait_with_the_clouds_reason_on_both_clouds() {
        let reasons = Some(FailedReasons {
            error_code: Some("DWS.6014".into()),
            error_msg: Some("Failed to delete the cluster.".into()),
        });
        for status in ["UNAVAILABLE", "FAILED", "DELETE_FAILED"] {
            let mut c = cluster(status, None);
            c.failed_reasons = reasons.clone();
            match cluster_deleted(Some(&c)) {
                Check::Failed(text) => assert!(text.contains("DWS.6014"), "{text}"),
                other => panic!("{status}: {other:?}"),
            }
        }
        assert!(matches!(
            cluster_deleted(Some(&cluster("DELETING", None))),
            Check::Pending { .. }
        ));
        assert_eq!(cluster_deleted(None), Check::Done);
    }

    #[test]
    fn a_running_task_keeps_an_available_cluster_pending() {
        let mut c = cluster("AVAILABLE", Some("RESTORING"));
        c.action_progress.insert("RESTORING".into(), "40%".into());
        assert_eq!(
            cluster_settled(Some(&c)),
            Check::Pending {
                status: "RESTORING".into(),
                percent: Some(40)
            }
        );
        assert_eq!(
            cluster_settled(Some(&cluster("AVAILABLE", None))),
            Check::Done
        );
    }

    #[test]
    fn resize_is_done_only_at_the_expected_node_count() {
        let c = cluster("AVAILABLE", None);
        assert_eq!(cluster_resized(Some(&c), 3), Check::Done);
        assert!(matches!(
            cluster_resized(Some(&c), 6),
            Check::Pending { .. }
        ));
        let failed = cluster("AVAILABLE", Some("RESIZE_FAILURE"));
        assert!(
            matches!(cluster_resized(Some(&failed), 6), Check::Failed(r) if r.contains("RESIZE_FAILURE"))
        );
    }

    #[test]
    fn snapshot_waits_for_its_cluster_to_stop_snapshotting() {
        let snap: Snapshot = serde_json::from_value(serde_json::json!({
            "id": "s1", "name": "snap", "status": "AVAILABLE"
        }))
        .expect("snapshot");
        let busy = cluster("AVAILABLE", Some("SNAPSHOTTING"));
        assert!(matches!(
            snapshot_available(Some(&snap), Some(&busy)),
            Check::Pending { .. }
        ));
        let idle = cluster("AVAILABLE", None);
        assert_eq!(snapshot_available(Some(&snap), Some(&idle)), Check::Done);
        let mut bad = snap.clone();
        bad.status = "UNAVAILABLE".into();
        assert!(matches!(
            snapshot_available(Some(&bad), Some(&idle)),
            Check::Failed(_)
        ));
    }
}
