//! What a cloud state means: the one reading of a cluster's `status`, `sub_status`,
//! `task_status`, `action_progress` and `failed_reasons`, and of a snapshot's `status` and
//! `type`, shared by the planner (what may be planned) and the executor (when a waited-for
//! operation is over), so that the two can never disagree.
//!
//! Vocabularies, with their sources (file names are the vendor API reference's):
//! - cluster `status`: `CREATING`, `AVAILABLE`, `UNAVAILABLE`, `CREATION FAILED`
//!   (`cluster_management/querying_cluster_details.rst`); `DELETING` while a delete runs
//!   (README, "Behaviour worth knowing"); Huawei's `ACTIVE`, `FAILED` (meaning unavailable, not
//!   "creation failed"), `CREATE_FAILED`, `DELETE_FAILED`, `DELETED`, `FROZEN`,
//!   `POLICE_FROZEN`, `STARTING`, `STOPPING` (README, "Profiles: OTC and Huawei"); `STOPPED`
//!   after a stop (`cluster_management/stopping_a_cluster.rst`; the console's "Stopped").
//! - `sub_status` of an AVAILABLE cluster: `NORMAL`, `READONLY`, `REDISTRIBUTING`,
//!   `REDISTRIBUTION-FAILURE`, `UNBALANCED`, `DEGRADED`, joined by ` | `
//!   (`querying_cluster_details.rst`).
//! - `task_status`: the OTC list of `querying_cluster_details.rst` and the Huawei SDK's
//!   (huaweicloud-sdk-go-v3's DWS model), split below into running and failed tasks.
//! - `action_progress`: its key names an ongoing task by definition
//!   (`querying_cluster_details.rst`), so any key means busy.
//! - snapshot `status`: `CREATING`, `AVAILABLE`, `UNAVAILABLE`, `RESTORING`
//!   (`snapshot_management/querying_the_cluster_snapshot_list.rst`) and `FAILED` (Huawei);
//!   `type`: `MANUAL` or `AUTO` (same file), `AUTOMATED` in older text (read both).
//!
//! A value outside these lists is [`ClusterState::Unknown`] / [`SnapshotState::Unknown`]:
//! reported with its field and value, never guessed. Values are compared trimmed and
//! upper-cased.

use std::fmt;

use super::wire::{Cluster, Snapshot};

/// `task_status` values of a task still running (the OTC list of querying_cluster_details.rst and
/// huaweicloud-sdk-go-v3's).
pub const RUNNING_TASKS: &[&str] = &[
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
    "STARTING",
    "STOPPING",
];

/// `task_status` values left behind by a failed task (they stay until the next task), plus
/// a paused redistribution, which also needs an operator.
pub const FAILED_TASKS: &[&str] = &[
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

/// Every cluster `status` value this module knows (the tests check each is understood).
pub const CLUSTER_STATUSES: &[&str] = &[
    "CREATING",
    "AVAILABLE",
    "ACTIVE",
    "UNAVAILABLE",
    "FAILED",
    "CREATION FAILED",
    "CREATE_FAILED",
    "DELETING",
    "DELETE_FAILED",
    "DELETED",
    "FROZEN",
    "POLICE_FROZEN",
    "STARTING",
    "STOPPING",
    "STOPPED",
];

/// Every `sub_status` part this module knows.
pub const SUB_STATUSES: &[&str] = &[
    "NORMAL",
    "READONLY",
    "REDISTRIBUTING",
    "REDISTRIBUTION-FAILURE",
    "UNBALANCED",
    "DEGRADED",
];

/// A condition of an AVAILABLE cluster that allows operations but is worth showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// `READONLY`: writes are refused (usually a full disk).
    ReadOnly,
    /// `UNBALANCED`: data not yet redistributed after a scale-out.
    Unbalanced,
    /// `DEGRADED`: a node or instance is faulty; the cluster still serves.
    Degraded,
}

/// What a live cluster's state means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterState {
    /// Up with no operation running: changes may start. `health` lists conditions shown
    /// but not blocking.
    Idle { health: Vec<Health> },
    /// An operation runs in the cloud (`operation` is its task or progress key, or the
    /// status itself: `CREATING`, `STARTING`, ...): wait for it.
    Busy {
        operation: String,
        percent: Option<u8>,
    },
    /// `CREATION FAILED` / `CREATE_FAILED`: the create or restore failed; the cluster is
    /// unusable.
    CreationFailed {
        status: String,
        reason: Option<String>,
    },
    /// Up, but its last task failed (`RESIZE_FAILURE`, ..., or sub-status
    /// `REDISTRIBUTION-FAILURE`); a change would retry it blindly.
    TaskFailed {
        task: String,
        reason: Option<String>,
    },
    /// `UNAVAILABLE` (Huawei: `FAILED`): the cluster does not serve.
    Unavailable {
        status: String,
        reason: Option<String>,
    },
    /// `FROZEN` / `POLICE_FROZEN`: frozen by the cloud (arrears, a policy action).
    Frozen { status: String },
    /// `STOPPED`: stopped by its owner; starting it is a decision dwsctl does not take.
    Stopped,
    /// `DELETING`: being deleted.
    Deleting,
    /// `DELETE_FAILED`: the cloud could not delete it.
    DeleteFailed { reason: Option<String> },
    /// `DELETED` (a Huawei detail value): as good as absent.
    Gone,
    /// A value this module does not know, in `field` (`status`, `task_status`,
    /// `sub_status`).
    Unknown { field: &'static str, value: String },
}

impl ClusterState {
    /// Whether an operation may start on the cluster now.
    pub fn is_idle(&self) -> bool {
        matches!(self, ClusterState::Idle { .. })
    }
}

impl fmt::Display for ClusterState {
    /// A short phrase: "idle", "busy (SNAPSHOTTING 20%)", "CREATION FAILED (DWS.6000:
    /// Insufficient quota.)", "in an unknown task_status \"JUGGLING\"".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = |reason: &Option<String>| match reason {
            Some(r) => format!(" ({r})"),
            None => String::new(),
        };
        match self {
            ClusterState::Idle { .. } => write!(f, "idle"),
            ClusterState::Busy {
                operation,
                percent: Some(p),
            } => write!(f, "busy ({operation} {p}%)"),
            ClusterState::Busy { operation, .. } => write!(f, "busy ({operation})"),
            ClusterState::CreationFailed { status, reason } => write!(f, "{status}{}", why(reason)),
            ClusterState::TaskFailed { task, reason } => {
                write!(
                    f,
                    "AVAILABLE, but its last task ended in {task}{}",
                    why(reason)
                )
            }
            ClusterState::Unavailable { status, reason } => write!(f, "{status}{}", why(reason)),
            ClusterState::Frozen { status } => write!(f, "{status}"),
            ClusterState::Stopped => write!(f, "STOPPED"),
            ClusterState::Deleting => write!(f, "DELETING"),
            ClusterState::DeleteFailed { reason } => write!(f, "DELETE_FAILED{}", why(reason)),
            ClusterState::Gone => write!(f, "DELETED"),
            ClusterState::Unknown { field, value } => {
                write!(f, "in an unknown {field} {value:?}")
            }
        }
    }
}

fn norm(value: &str) -> String {
    value.trim().to_ascii_uppercase()
}

/// The cloud's reason for a failure, `CODE: message`, from `failed_reasons`.
pub fn failed_reason(cluster: &Cluster) -> Option<String> {
    let r = cluster.failed_reasons.as_ref()?;
    match (r.error_code.as_deref(), r.error_msg.as_deref()) {
        (Some(code), Some(msg)) if !msg.trim().is_empty() => Some(format!("{code}: {msg}")),
        (Some(code), _) => Some(code.to_owned()),
        (None, Some(msg)) if !msg.trim().is_empty() => Some(msg.to_owned()),
        _ => None,
    }
}

/// `"40%"` → 40; `None` for anything that is not a percentage.
pub fn parse_percent(text: &str) -> Option<u8> {
    let number = text.trim().trim_end_matches('%').trim();
    let value: f64 = number.parse().ok()?;
    if (0.0..=100.0).contains(&value) {
        Some(value.round() as u8)
    } else {
        None
    }
}

/// Classifies a live cluster: its `status` first, then (when it is up) its task, progress
/// and sub-status.
pub fn cluster_state(cluster: &Cluster) -> ClusterState {
    let status = norm(&cluster.status);
    let reason = failed_reason(cluster);
    match status.as_str() {
        "AVAILABLE" | "ACTIVE" => up_state(cluster, reason),
        "CREATING" | "STARTING" | "STOPPING" => busy(cluster, &status),
        "UNAVAILABLE" | "FAILED" => ClusterState::Unavailable {
            status: cluster.status.clone(),
            reason,
        },
        "CREATION FAILED" | "CREATE_FAILED" => ClusterState::CreationFailed {
            status: cluster.status.clone(),
            reason,
        },
        "FROZEN" | "POLICE_FROZEN" => ClusterState::Frozen {
            status: cluster.status.clone(),
        },
        "STOPPED" => ClusterState::Stopped,
        "DELETING" => ClusterState::Deleting,
        "DELETE_FAILED" => ClusterState::DeleteFailed { reason },
        "DELETED" => ClusterState::Gone,
        _ => ClusterState::Unknown {
            field: "status",
            value: cluster.status.clone(),
        },
    }
}

/// A busy cluster: the operation is the running task, else the progress key, else `fallback`
/// (the status).
fn busy(cluster: &Cluster, fallback: &str) -> ClusterState {
    let progress = cluster.action_progress.iter().next();
    let task = cluster
        .task_status
        .as_deref()
        .map(norm)
        .filter(|t| RUNNING_TASKS.contains(&t.as_str()));
    let operation = task
        .or_else(|| progress.map(|(key, _)| key.clone()))
        .unwrap_or_else(|| fallback.to_owned());
    let percent = cluster
        .action_progress
        .get(&operation)
        .or(progress.map(|(_, value)| value))
        .and_then(|value| parse_percent(value));
    ClusterState::Busy { operation, percent }
}

/// An AVAILABLE cluster: a task (running or failed), progress, then the sub-status decide.
fn up_state(cluster: &Cluster, reason: Option<String>) -> ClusterState {
    if let Some(task) = cluster.task_status.as_deref().map(norm) {
        if RUNNING_TASKS.contains(&task.as_str()) {
            return busy(cluster, &task);
        }
        if FAILED_TASKS.contains(&task.as_str()) {
            return ClusterState::TaskFailed { task, reason };
        }
        if !task.is_empty() {
            return ClusterState::Unknown {
                field: "task_status",
                value: cluster.task_status.clone().unwrap_or_default(),
            };
        }
    }
    if !cluster.action_progress.is_empty() {
        return busy(cluster, "AVAILABLE");
    }
    let mut health = Vec::new();
    let sub = cluster.sub_status.as_deref().unwrap_or("");
    for part in sub.split('|').map(norm).filter(|p| !p.is_empty()) {
        match part.as_str() {
            "NORMAL" => {}
            "READONLY" => health.push(Health::ReadOnly),
            "UNBALANCED" => health.push(Health::Unbalanced),
            "DEGRADED" => health.push(Health::Degraded),
            // A scale-out ends with the data being redistributed; the API refuses new tasks
            // meanwhile.
            "REDISTRIBUTING" => {
                return ClusterState::Busy {
                    operation: "REDISTRIBUTING".to_owned(),
                    percent: None,
                }
            }
            "REDISTRIBUTION-FAILURE" => {
                return ClusterState::TaskFailed {
                    task: "REDISTRIBUTION-FAILURE".to_owned(),
                    reason,
                }
            }
            _ => {
                return ClusterState::Unknown {
                    field: "sub_status",
                    value: sub.to_owned(),
                }
            }
        }
    }
    ClusterState::Idle { health }
}

/// What a live snapshot's status means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotState {
    /// `AVAILABLE`: complete; can be restored from or deleted.
    Available,
    /// `RESTORING`: complete, and a restore from it runs.
    Restoring,
    /// `CREATING`: being taken.
    Creating,
    /// `UNAVAILABLE` or `FAILED`: the snapshot failed or was cancelled.
    Failed { status: String },
    /// A status this module does not know.
    Unknown(String),
}

impl SnapshotState {
    /// Whether the snapshot is complete (a restore may start from it).
    pub fn is_complete(&self) -> bool {
        matches!(self, SnapshotState::Available | SnapshotState::Restoring)
    }
}

/// Every snapshot `status` value this module knows.
pub const SNAPSHOT_STATUSES: &[&str] = &[
    "CREATING",
    "AVAILABLE",
    "RESTORING",
    "UNAVAILABLE",
    "FAILED",
];

pub fn snapshot_state(snapshot: &Snapshot) -> SnapshotState {
    match norm(&snapshot.status).as_str() {
        "AVAILABLE" => SnapshotState::Available,
        "RESTORING" => SnapshotState::Restoring,
        "CREATING" => SnapshotState::Creating,
        "UNAVAILABLE" | "FAILED" => SnapshotState::Failed {
            status: snapshot.status.clone(),
        },
        _ => SnapshotState::Unknown(snapshot.status.clone()),
    }
}

/// Who took a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotKind {
    /// `MANUAL`, or no `type` (older answers list only manual snapshots without one).
    Manual,
    /// `AUTO` (the reference) or `AUTOMATED` (older text): taken and expired by the service.
    Automated,
    /// A type this module does not know.
    Unknown(String),
}

pub fn snapshot_kind(snapshot: &Snapshot) -> SnapshotKind {
    match snapshot.kind.as_deref().map(norm).as_deref() {
        None | Some("") | Some("MANUAL") => SnapshotKind::Manual,
        Some("AUTO") | Some("AUTOMATED") => SnapshotKind::Automated,
        Some(_) => SnapshotKind::Unknown(snapshot.kind.clone().unwrap_or_default()),
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
