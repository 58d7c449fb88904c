//! The events a run emits as it goes, for the progress display and `--json` streams.

use serde::Serialize;

use super::report::Counts;
use crate::plan::{Action, StepId};

/// One thing that happened during a run. Serialized as one JSON line with an `event` tag.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The step passed its checks and is about to act (or to wait, for a `wait` step).
    StepStarted {
        step: StepId,
        action: &'static str,
        target: String,
    },
    /// The latest listing's view of the step's operation.
    Progress {
        step: StepId,
        status: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        percent: Option<u8>,
    },
    StepDone {
        step: StepId,
        elapsed_s: f64,
    },
    /// Nothing sent: the cloud already shows the step's goal (e.g. another run did it).
    StepAlreadyDone {
        step: StepId,
        detail: String,
    },
    StepFailed {
        step: StepId,
        reason: String,
        elapsed_s: f64,
    },
    StepStale {
        step: StepId,
        reason: String,
    },
    StepSkipped {
        step: StepId,
        reason: String,
    },
    /// Left running in the cloud (interrupt or timeout).
    StepStillRunning {
        step: StepId,
        detail: String,
    },
    /// Not started, nothing sent: left for the next run (`--deadline`, maintenance window).
    StepDeferred {
        step: StepId,
        reason: String,
    },
    /// The end of the run.
    Summary {
        status: super::report::RunStatus,
        #[serde(flatten)]
        counts: Counts,
    },
}

/// Where events go. Implementations must be cheap: they are called from the scheduler.
pub trait Events: Send + Sync {
    fn emit(&self, event: &Event);
}

/// Drops every event (library callers that only want the report).
pub struct NoEvents;

impl Events for NoEvents {
    fn emit(&self, _event: &Event) {}
}

/// The snake_case name of an action, as plan JSON spells its `type`.
pub fn action_name(action: &Action) -> &'static str {
    match action {
        Action::CreateCluster(_) => "create_cluster",
        Action::RestoreCluster(_) => "restore_cluster",
        Action::ScaleOut { .. } => "scale_out",
        Action::ScaleIn { .. } => "scale_in",
        Action::ResetPassword { .. } => "reset_password",
        Action::UpdateTags { .. } => "update_tags",
        Action::CreateSnapshot { .. } => "create_snapshot",
        Action::DeleteSnapshot => "delete_snapshot",
        Action::DeleteCluster { .. } => "delete_cluster",
        Action::Wait { .. } => "wait",
        Action::Blocked(_) => "blocked",
        Action::SetSecurityGroup { .. } => "set_security_group",
        Action::UnbindEip { .. } => "unbind_eip",
        Action::BindEip { .. } => "bind_eip",
        Action::StartCluster => "start_cluster",
        Action::StopCluster => "stop_cluster",
        Action::AddCoordinators { .. } => "add_coordinators",
        Action::DeleteCoordinators { .. } => "delete_coordinators",
        Action::SetSnapshotPolicy { .. } => "set_snapshot_policy",
        Action::RenameCluster { .. } => "rename_cluster",
        Action::SetDescription { .. } => "set_description",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_as_tagged_json_lines() {
        let event = Event::Progress {
            step: StepId("cluster.a.create".into()),
            status: "CREATING".into(),
            percent: Some(40),
        };
        let json = serde_json::to_string(&event).expect("serialize");
        assert_eq!(
            json,
            r#"{"event":"progress","step":"cluster.a.create","status":"CREATING","percent":40}"#
        );
    }
}
