//! What a live cluster's state allows the planner. The states themselves are read by
//! [`crate::api::state`] (the one reading the executor uses too); this module only says,
//! for each state that stops changes, which rule blocks them, why, and what the operator can
//! do (the README's state table lists them all).

use crate::api::state::ClusterState;
use crate::plan::model::Blocked;
use crate::plan::procedure::{self, rule};

/// The blocked step for a state in which no change may be planned on `cluster`; `None` for
/// the states that allow changes (idle, or a task that failed: the planner blocks only the
/// changes then), for a running operation (waited for) and for a deleted cluster (absent).
pub(crate) fn refusal(cluster: &str, state: &ClusterState) -> Option<Blocked> {
    let (rule, how) = match state {
        ClusterState::Idle { .. }
        | ClusterState::Busy { .. }
        | ClusterState::TaskFailed { .. }
        | ClusterState::Gone => return None,
        ClusterState::CreationFailed { .. } => {
            (rule::FAILED_CLUSTER, procedure::failed_cluster(cluster))
        }
        ClusterState::DeleteFailed { .. } => {
            (rule::FAILED_CLUSTER, procedure::delete_failed(cluster))
        }
        ClusterState::Unavailable { .. } => {
            (rule::UNAVAILABLE_CLUSTER, procedure::unavailable(cluster))
        }
        ClusterState::Frozen { .. } => (rule::FROZEN_CLUSTER, procedure::frozen(cluster)),
        ClusterState::Stopped => (rule::STOPPED_CLUSTER, procedure::stopped(cluster)),
        ClusterState::Deleting => (
            rule::CLUSTER_BEING_DELETED,
            procedure::being_deleted(cluster),
        ),
        ClusterState::Unknown { .. } => (rule::UNKNOWN_STATUS, procedure::unknown_status(cluster)),
    };
    Some(procedure::blocked(
        rule,
        format!("{cluster} is {state}"),
        how,
    ))
}

/// Whether a cluster in `state` that the spec marks absent may be deleted without a final
/// snapshot (none can be taken of it) when the spec waives one: a failed, unavailable or
/// stopped cluster. Frozen, deleting, delete-failed and unknown ones are not deleted.
pub(crate) fn deletable_without_snapshot(state: &ClusterState) -> bool {
    matches!(
        state,
        ClusterState::CreationFailed { .. }
            | ClusterState::Unavailable { .. }
            | ClusterState::Stopped
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::state::{cluster_state, CLUSTER_STATUSES};
    use crate::plan::testkit::live_cluster;

    /// Every status of the vocabulary, through the shared reading, to what the planner does.
    #[test]
    fn every_cluster_status_has_a_planner_decision() {
        let expected = [
            ("CREATING", None),
            ("AVAILABLE", None),
            ("ACTIVE", None),
            ("UNAVAILABLE", Some(rule::UNAVAILABLE_CLUSTER)),
            ("FAILED", Some(rule::UNAVAILABLE_CLUSTER)),
            ("CREATION FAILED", Some(rule::FAILED_CLUSTER)),
            ("CREATE_FAILED", Some(rule::FAILED_CLUSTER)),
            ("DELETING", Some(rule::CLUSTER_BEING_DELETED)),
            ("DELETE_FAILED", Some(rule::FAILED_CLUSTER)),
            ("DELETED", None),
            ("FROZEN", Some(rule::FROZEN_CLUSTER)),
            ("POLICE_FROZEN", Some(rule::FROZEN_CLUSTER)),
            ("STARTING", None),
            ("STOPPING", None),
            ("STOPPED", Some(rule::STOPPED_CLUSTER)),
        ];
        assert_eq!(expected.len(), CLUSTER_STATUSES.len());
        for (status, want) in expected {
            let mut c = live_cluster("c1", 3);
            c.status = status.to_owned();
            let got = refusal("c1", &cluster_state(&c));
            assert_eq!(got.as_ref().map(|b| b.rule.as_str()), want, "{status}");
            if let Some(blocked) = got {
                assert!(
                    blocked.reason.contains(status),
                    "{status}: {}",
                    blocked.reason
                );
            }
        }
        let mut c = live_cluster("c1", 3);
        c.status = "MELTING".into();
        let blocked = refusal("c1", &cluster_state(&c)).expect("blocked");
        assert_eq!(blocked.rule, rule::UNKNOWN_STATUS);
        assert_eq!(blocked.reason, "c1 is in an unknown status \"MELTING\"");
    }
}
