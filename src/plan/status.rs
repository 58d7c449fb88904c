//! What a live status means to the planner: idle, busy (wait for it), failed (block with the
//! cloud's reason), being deleted, gone, or unknown (report it, never guess).
//!
//! The vocabularies are those of reference §6.3: the OTC values, the newer Huawei values, and
//! every `task_status` either source lists. A value not listed here is reported as unknown.

use crate::api::wire::{Cluster, Snapshot};

/// `status` values meaning the cluster is up.
const READY: &[&str] = &["AVAILABLE", "ACTIVE"];
/// `status` values meaning creation (or the cluster itself) failed.
const FAILED: &[&str] = &[
    "CREATION FAILED",
    "CREATE_FAILED",
    "FAILED",
    "DELETE_FAILED",
];
/// `status` values meaning the account or cluster is frozen (arrears or a policy action).
const FROZEN: &[&str] = &["FROZEN", "POLICE_FROZEN"];

/// `task_status` values of a task still running (reference §6.3, OTC and Huawei lists).
pub(crate) const RUNNING_TASKS: &[&str] = &[
    "RESTORING",
    "SNAPSHOTTING",
    "GROWING",
    "REBOOTING",
    "SETTING_CONFIGURATION",
    "CONFIGURING_EXT_DATASOURCE",
    "DELETING_EXT_DATASOURCE",
    "UNFREEZING",
    "FREEZING",
    "ADD_CN_ING",
    "DEL_CN_ING",
    "CREATING_NODE",
    "DELETING_NODE",
    "REDISTRIBUTING",
    "WAITING_REDISTRIBUTION",
    "ELB_BINDING",
    "ELB_UNBINDING",
    "ELB_SWITCHING",
    "NETWORK_CONFIGURING",
    "DISK_EXPANDING",
    "ACTIVE_STANDY_SWITCHOVER",
    "CLUSTER_SHRINKING",
    "SHRINK_CHECKING",
    "FLAVOR_RESIZING",
    "MANAGE_IP_BINDING",
    "ORDER_PENDING",
    "FINE_GRAINED_RESTORING",
    "DR_RECOVERING",
];

/// `task_status` values left behind by a failed task (they stay until the next task), plus
/// a paused redistribution, which also needs an operator.
pub(crate) const FAILED_TASKS: &[&str] = &[
    "REBOOT_FAILURE",
    "RESIZE_FAILURE",
    "CREATE_NODE_FAILED",
    "DELETE_NODE_FAILED",
    "REDISTRIBUTE_FAILURE",
    "REDISTRIBUTION_PAUSED",
    "ELB_BIND_FAILED",
    "ELB_UNBIND_FAILED",
    "ELB_SWITCHING_FAILED",
    "NETWORK_CONFIG_FAILED",
    "DISK_EXPAND_FAILED",
    "ACTIVE_STANDY_SWITCHOVER_FAILURE",
    "CLUSTER_SHRINK_FAILED",
    "SHRINK_CHECK_FAILED",
    "FLAVOR_RESIZING_FAILED",
    "MANAGE_IP_BIND_FAILED",
];

/// Every cluster `status` value of reference §6.3 (OTC, Huawei and Terraform unions); the
/// tests check that each is understood.
#[cfg(test)]
pub(crate) const CLUSTER_STATUSES: &[&str] = &[
    "CREATING",
    "AVAILABLE",
    "ACTIVE",
    "UNAVAILABLE",
    "CREATION FAILED",
    "CREATE_FAILED",
    "FAILED",
    "DELETING",
    "DELETE_FAILED",
    "DELETED",
    "FROZEN",
    "POLICE_FROZEN",
];

/// A live cluster's state as far as planning is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ClusterState {
    /// Up with no task: changes may be planned.
    Idle,
    /// An operation is running in the cloud: dependents wait for it.
    Busy,
    /// Creation failed or the cluster is broken: nothing runs on it.
    Failed { rule: &'static str, reason: String },
    /// Up, but its last task failed; further changes would retry it blindly.
    TaskFailed { reason: String },
    /// The cloud is deleting it.
    Deleting,
    /// Deleted (a Huawei detail value): treated as absent.
    Gone,
    /// A status or task status the planner does not know.
    Unknown { reason: String },
}

fn failed_reasons(cluster: &Cluster) -> String {
    match &cluster.failed_reasons {
        Some(f) if f.error_code.is_some() || f.error_msg.is_some() => format!(
            "; the cloud says: {} {}",
            f.error_code.as_deref().unwrap_or("-"),
            f.error_msg.as_deref().unwrap_or("")
        )
        .trim_end()
        .to_owned(),
        _ => String::new(),
    }
}

/// Classifies a live cluster. Status values are compared trimmed and upper-cased.
pub(crate) fn cluster_state(cluster: &Cluster) -> ClusterState {
    let status = cluster.status.trim().to_ascii_uppercase();
    let why = failed_reasons(cluster);
    if status == "CREATING" {
        return ClusterState::Busy;
    }
    if FAILED.contains(&status.as_str()) {
        return ClusterState::Failed {
            rule: "failed_cluster",
            reason: format!("the cluster is in status {}{why}", cluster.status),
        };
    }
    if status == "UNAVAILABLE" {
        return ClusterState::Failed {
            rule: "unavailable_cluster",
            reason: format!("the cluster is UNAVAILABLE{why}"),
        };
    }
    if FROZEN.contains(&status.as_str()) {
        return ClusterState::Failed {
            rule: "frozen_cluster",
            reason: format!("the cluster is {}{why}", cluster.status),
        };
    }
    match status.as_str() {
        "DELETING" => return ClusterState::Deleting,
        "DELETED" => return ClusterState::Gone,
        _ => {}
    }
    if !READY.contains(&status.as_str()) {
        return ClusterState::Unknown {
            reason: format!("unknown cluster status {:?}", cluster.status),
        };
    }
    task_state(cluster, &why)
}

/// An up cluster: its task, progress and sub-status decide.
fn task_state(cluster: &Cluster, why: &str) -> ClusterState {
    let task = cluster
        .task_status
        .as_deref()
        .map(|t| t.trim().to_ascii_uppercase())
        .filter(|t| !t.is_empty());
    if let Some(task) = task {
        if RUNNING_TASKS.contains(&task.as_str()) {
            return ClusterState::Busy;
        }
        if FAILED_TASKS.contains(&task.as_str()) {
            return ClusterState::TaskFailed {
                reason: format!("the cluster's last task ended in {task}{why}"),
            };
        }
        return ClusterState::Unknown {
            reason: format!("unknown task status {task:?}"),
        };
    }
    // A scale-out ends with the data being redistributed; the API refuses new tasks meanwhile.
    let redistributing = cluster
        .sub_status
        .as_deref()
        .is_some_and(|s| s.split('|').any(|p| p.trim() == "REDISTRIBUTING"));
    if !cluster.action_progress.is_empty() || redistributing {
        return ClusterState::Busy;
    }
    ClusterState::Idle
}

/// A live snapshot's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SnapshotState {
    Available,
    Creating,
    Unavailable,
    Unknown(String),
}

pub(crate) fn snapshot_state(snapshot: &Snapshot) -> SnapshotState {
    match snapshot.status.trim().to_ascii_uppercase().as_str() {
        "AVAILABLE" => SnapshotState::Available,
        "CREATING" => SnapshotState::Creating,
        "UNAVAILABLE" => SnapshotState::Unavailable,
        _ => SnapshotState::Unknown(snapshot.status.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testkit::live_cluster;

    #[test]
    fn every_documented_cluster_status_is_understood() {
        for status in CLUSTER_STATUSES {
            let mut c = live_cluster("c1", 3);
            c.status = (*status).to_owned();
            assert!(
                !matches!(cluster_state(&c), ClusterState::Unknown { .. }),
                "{status} is not understood"
            );
        }
    }

    #[test]
    fn every_documented_task_status_is_running_or_failed() {
        for task in RUNNING_TASKS.iter().chain(FAILED_TASKS) {
            let mut c = live_cluster("c1", 3);
            c.task_status = Some((*task).to_owned());
            let state = cluster_state(&c);
            assert!(
                matches!(state, ClusterState::Busy | ClusterState::TaskFailed { .. }),
                "{task}: {state:?}"
            );
        }
    }

    #[test]
    fn an_undocumented_status_is_unknown_not_guessed() {
        let mut c = live_cluster("c1", 3);
        c.status = "MELTING".into();
        assert!(matches!(cluster_state(&c), ClusterState::Unknown { .. }));
        let mut c = live_cluster("c1", 3);
        c.task_status = Some("JUGGLING".into());
        assert!(matches!(cluster_state(&c), ClusterState::Unknown { .. }));
    }

    #[test]
    fn progress_or_redistribution_means_busy() {
        let mut c = live_cluster("c1", 3);
        c.action_progress
            .insert("SNAPSHOTTING".into(), "20%".into());
        assert_eq!(cluster_state(&c), ClusterState::Busy);
        let mut c = live_cluster("c1", 3);
        c.sub_status = Some("UNBALANCED | REDISTRIBUTING".into());
        assert_eq!(cluster_state(&c), ClusterState::Busy);
    }
}
