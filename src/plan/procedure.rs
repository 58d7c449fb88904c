//! The words of blocked steps: why a step cannot run and what the operator can do instead.
//!
//! Kept together so that the manual procedures read consistently and the docs can quote them.

use crate::plan::model::Blocked;

/// Rule names (stable, machine-readable: they appear in JSON plans and docs).
pub mod rule {
    pub const IMMUTABLE_FIELD: &str = "immutable_field";
    pub const UNOWNED_CLUSTER: &str = "unowned_cluster";
    pub const DUPLICATE_NAME: &str = "duplicate_name";
    pub const FAILED_CLUSTER: &str = "failed_cluster";
    pub const UNAVAILABLE_CLUSTER: &str = "unavailable_cluster";
    pub const FROZEN_CLUSTER: &str = "frozen_cluster";
    pub const STOPPED_CLUSTER: &str = "stopped_cluster";
    pub const FAILED_TASK: &str = "failed_task";
    pub const UNKNOWN_STATUS: &str = "unknown_status";
    pub const CLUSTER_BEING_DELETED: &str = "cluster_being_deleted";
    pub const SCALE_OUT_MINIMUM: &str = "scale_out_minimum";
    pub const INCOMPLETE_SPEC: &str = "incomplete_spec";
    pub const MISSING_SNAPSHOT: &str = "missing_snapshot";
    pub const SNAPSHOT_NOT_RESTORABLE: &str = "snapshot_not_restorable";
    pub const FAILED_SNAPSHOT: &str = "failed_snapshot";
    pub const SNAPSHOT_NAME_TAKEN: &str = "snapshot_name_taken";
    pub const AUTOMATED_SNAPSHOT: &str = "automated_snapshot";
    pub const SNAPSHOT_WITHOUT_CLUSTER: &str = "snapshot_without_cluster";
    pub const NO_FINAL_SNAPSHOT: &str = "no_final_snapshot";
    pub const DEPENDENCY_CYCLE: &str = "dependency_cycle";
    pub const PASSWORD_POLICY: &str = "password_policy";
    pub const COORDINATOR_RANGE: &str = "coordinator_range";
    pub const EIP_NOT_ASSIGNABLE: &str = "eip_not_assignable";
    pub const AUTOMATED_SNAPSHOTS_OFF: &str = "automated_snapshots_off";
    pub const POLICY_NOT_READ: &str = "policy_not_read";
    pub const RENAME_CONFLICT: &str = "rename_conflict";
    /// A check before apply (`preflight`) says the step would fail: quota, subnet
    /// addresses, node type in the zone, or the cloud's own precheck or scale check.
    pub const PREFLIGHT_FAILED: &str = "preflight_failed";
}

/// The cut-over procedure for a field a restore can set (network, zone, port, EIP,
/// enterprise project).
pub fn replace_by_restore(cluster: &str) -> String {
    format!(
        "dwsctl never replaces a data warehouse implicitly. To move {cluster}: (1) add a manual \
         snapshot to {cluster} in the spec and apply; (2) add a new cluster to the spec with \
         `restore_from: <that snapshot>` and the new values, and apply; (3) cut clients over to the new \
         cluster's endpoint; (4) mark {cluster} `state: absent` and apply."
    )
}

/// The procedure for fields a restore keeps from the source (node type, admin user).
pub fn replace_by_migration(cluster: &str) -> String {
    format!(
        "A restored cluster keeps the snapshot's node type and admin user, so these fields need a \
         new cluster and a data migration: (1) add a new cluster with the new values to the \
         spec and apply; (2) copy the data (e.g. with GDS export/import); (3) cut clients over; \
         (4) mark {cluster} `state: absent` and apply. Alternatively change the node flavor in \
         the console, then update the spec."
    )
}

pub fn blocked(rule: &str, reason: impl Into<String>, procedure: impl Into<String>) -> Blocked {
    Blocked {
        rule: rule.to_owned(),
        reason: reason.into(),
        procedure: procedure.into(),
    }
}

pub fn unowned(cluster: &str, restored: bool) -> String {
    let mut text = format!(
        "If {cluster} is the cluster the spec means, set `adopt: true` on it: the next plan \
         tags it `managed-by: dwsctl` and manages it from then on. Otherwise rename the cluster \
         in the spec."
    );
    if restored {
        // A restore takes no tags: dwsctl tags the new cluster once it exists, so an apply
        // interrupted in between leaves an untagged cluster behind.
        text.push_str(&format!(
            " A restore cannot carry tags: when an apply is killed between the restore and its \
             tag call, the next plan adopts {cluster} by itself if the listing proves it is that \
             restore (untagged, created after the snapshot, with the source's node type, admin \
             user and network). It could not prove it here: if {cluster} is that restore, \
             adopting it is the way on."
        ));
    }
    text
}

pub fn failed_cluster(cluster: &str) -> String {
    format!(
        "dwsctl does not retry a failed cluster blindly. Read the cloud's reason above, fix its \
         cause (quota, network, flavor), then delete {cluster} (`state: absent` with \
         `final_snapshot: false`, or in the console) and re-plan to create it again."
    )
}

pub fn delete_failed(cluster: &str) -> String {
    format!(
        "The cloud could not delete {cluster} and dwsctl does not retry a failed delete \
         blindly. Read the cloud's reason above and delete {cluster} in the console (or ask \
         the provider's support, quoting the reason); re-plan once it is gone."
    )
}

pub fn unavailable(cluster: &str) -> String {
    format!(
        "{cluster} does not serve (nodes down or being repaired by the cloud). Check its events \
         in the console and wait for the repair or open a ticket; dwsctl plans changes again \
         once it is AVAILABLE. To give it up instead, mark it `state: absent` with \
         `final_snapshot: false`."
    )
}

pub fn stopped(cluster: &str) -> String {
    format!(
        "{cluster} is stopped, and starting it (it costs money) is your decision, not dwsctl's: \
         add `power: running` to {cluster} in the spec (dwsctl then starts it before its other \
         changes), or `power: stopped` to keep it stopped and plan nothing else for it."
    )
}

pub fn kept_stopped(cluster: &str) -> String {
    format!(
        "dwsctl does not start a cluster the spec keeps stopped. To apply these changes, set \
         `power: running` on {cluster} and apply (dwsctl starts it first), then set `power: \
         stopped` again and apply to stop it; or drop the changes from the spec."
    )
}

pub fn frozen(cluster: &str) -> String {
    format!(
        "{cluster} is frozen by the cloud (usually unpaid bills or a policy action). Resolve it \
         with the provider; dwsctl plans changes again once the cluster is AVAILABLE."
    )
}

pub fn failed_task(cluster: &str) -> String {
    format!(
        "dwsctl does not retry a failed task blindly. Check {cluster}'s events in the console, \
         fix the cause and retry or roll back the operation there; dwsctl plans these changes \
         again once the cluster's task status is clear."
    )
}

pub fn unknown_status(object: &str) -> String {
    format!(
        "dwsctl does not guess what an unknown status allows. Check {object} in the console and \
         re-plan once it is AVAILABLE; please report the status value so dwsctl can learn it."
    )
}

pub fn being_deleted(cluster: &str) -> String {
    format!("Wait until the deletion of {cluster} has finished, then re-plan to create it again.")
}

pub fn scale_out_minimum(cluster: &str, live: u32, wanted: u32) -> String {
    let minimum = live.saturating_add(3);
    format!(
        "Set number_of_node of {cluster} to {minimum} or more, or keep {live}. To reach \
         {wanted} exactly, scale out to {minimum} in one apply and scale in to {wanted} in the \
         next (two data redistributions)."
    )
}

pub fn duplicate_name(kind: &str, name: &str) -> String {
    format!(
        "Names are identity for dwsctl. Rename or delete all but one {kind} named {name} in the \
         console, then re-plan."
    )
}
