//! What goes wrong on a cluster or a snapshot: the failure state an asynchronous operation
//! leaves behind when the `task_fails` fault makes it fail, and the conditions a test sets
//! through `POST /_sim/clusters/{id}/condition` and `POST /_sim/snapshots/{id}/condition`.
//!
//! The failure states follow OTC `cluster_management/querying_cluster_details.rst`:
//! `failed_reasons {error_code, error_msg}`, `task_status` `RESIZE_FAILURE` /
//! `REBOOT_FAILURE` staying after the task ended (as OTC clusters show it),
//! `resize_info.resize_status`
//! `RESIZE_FAILURE`. The error codes are the console's asynchronous failure codes (Huawei's
//! console documentation; the vendor API reference's error-code list does not have them): DWS.6000
//! create, 6001 scale-out, 6002 restart, 6003 restore, 6014
//! deletion. Scale-in has no code of its own there; it uses 6001, the node-change failure.

use serde::{Deserialize, Serialize};

use crate::api::wire::FailedReasons;

/// Which operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Create,
    Restore,
    Resize,
    Shrink,
    Reboot,
    Delete,
    /// A start or stop ([`super::ops`]): no failure code is documented; the restart's.
    Start,
    Stop,
    /// A CN addition or deletion: the node-change failure code, as scale-in.
    Coordinators,
}

impl FailureKind {
    /// The `task_status` the failure leaves (it stays until the next task starts). Scale-in's
    /// is from the Huawei SDK's list; OTC documents none.
    pub fn task_status(self) -> Option<&'static str> {
        match self {
            FailureKind::Resize => Some("RESIZE_FAILURE"),
            FailureKind::Shrink => Some("CLUSTER_SHRINK_FAILED"),
            FailureKind::Reboot => Some("REBOOT_FAILURE"),
            FailureKind::Create
            | FailureKind::Restore
            | FailureKind::Delete
            | FailureKind::Start
            | FailureKind::Stop
            | FailureKind::Coordinators => None,
        }
    }

    /// Whether the cluster is unavailable after this failure (`UNAVAILABLE`, Huawei's
    /// `FAILED`): a failed delete (OTC has no `DELETE_FAILED`) and a failed restart leave
    /// a cluster that does not serve; only a retry of the same operation, or a delete, is
    /// accepted then.
    pub fn leaves_unavailable(self) -> bool {
        matches!(self, FailureKind::Delete | FailureKind::Reboot)
    }

    /// The `failed_reasons` the cluster shows.
    pub fn reasons(self) -> FailedReasons {
        let (code, what) = match self {
            FailureKind::Create => ("DWS.6000", "create the cluster"),
            FailureKind::Restore => ("DWS.6003", "restore the cluster"),
            FailureKind::Resize => ("DWS.6001", "scale out the cluster"),
            FailureKind::Shrink => ("DWS.6001", "scale in the cluster"),
            FailureKind::Reboot => ("DWS.6002", "restart the cluster"),
            FailureKind::Delete => ("DWS.6014", "delete the cluster"),
            FailureKind::Start => ("DWS.6002", "start the cluster"),
            FailureKind::Stop => ("DWS.6002", "stop the cluster"),
            FailureKind::Coordinators => ("DWS.6001", "change the cluster's CNs"),
        };
        FailedReasons {
            error_code: Some(code.to_owned()),
            error_msg: Some(format!(
                "Failed to {what}: the simulator's fault schedule made this operation fail."
            )),
        }
    }
}

/// The failure an operation left on a cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub reasons: FailedReasons,
}

impl Failure {
    pub fn of(kind: FailureKind) -> Self {
        Self {
            kind,
            reasons: kind.reasons(),
        }
    }
}

/// A cluster condition set by a test: each field given replaces what the simulator would
/// show. Values are free text (so that a client's handling of values it does not know can be
/// tested too), within [`check_value`]'s limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_reasons: Option<FailedReasons>,
}

impl Condition {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Checks every value; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        for (field, value) in [
            ("status", &self.status),
            ("sub_status", &self.sub_status),
            ("task_status", &self.task_status),
        ] {
            if let Some(value) = value {
                check_value(field, value)?;
            }
        }
        Ok(())
    }

    /// Why the cluster refuses operations in this condition: a status other than AVAILABLE
    /// (or Huawei's ACTIVE), a redistribution, or a task that is not a failure marker
    /// (`…_FAILURE`, `…_FAILED`: those stay after the task ended).
    pub fn busy_reason(&self) -> Option<String> {
        if let Some(status) = self
            .status
            .as_deref()
            .filter(|s| !matches!(*s, "AVAILABLE" | "ACTIVE"))
        {
            return Some(format!("The cluster is {status}."));
        }
        if self
            .sub_status
            .as_deref()
            .is_some_and(|s| s.contains("REDISTRIBUTING"))
        {
            return Some("The cluster is redistributing data.".to_owned());
        }
        self.task_status
            .as_deref()
            .filter(|t| !(t.ends_with("FAILURE") || t.ends_with("FAILED")))
            .map(|t| format!("The cluster is busy with task {t}."))
    }

    /// Snapshots need a writable cluster on versions from 8.1.3.101 on (OTC's user
    /// manual, creating a snapshot), which every simulated cluster runs.
    pub fn refuses_snapshots(&self) -> bool {
        self.sub_status
            .as_deref()
            .is_some_and(|s| s.contains("READONLY"))
    }
}

/// A snapshot condition set by a test (e.g. `{"status": "UNAVAILABLE"}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotCondition {
    pub status: String,
}

/// 1 to 64 characters of upper-case letters, digits, space, `_`, `-` and `|` (the characters
/// of every documented value, e.g. `DEGRADED | UNBALANCED`).
pub fn check_value(field: &str, value: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || " _-|".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{field} must be 1 to 64 characters of A-Z, 0-9, space, '_', '-' and '|'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_that_refuse_operations() {
        let c = |json: &str| serde_json::from_str::<Condition>(json).expect("condition");
        assert!(c(r#"{"status":"UNAVAILABLE"}"#).busy_reason().is_some());
        assert!(c(r#"{"sub_status":"UNBALANCED | REDISTRIBUTING"}"#)
            .busy_reason()
            .is_some());
        assert!(c(r#"{"task_status":"SETTING_CONFIGURATION"}"#)
            .busy_reason()
            .is_some());
        assert!(c(r#"{"sub_status":"DEGRADED"}"#).busy_reason().is_none());
        assert!(c(r#"{"task_status":"RESIZE_FAILURE"}"#)
            .busy_reason()
            .is_none());
        assert!(c(r#"{"sub_status":"READONLY"}"#).refuses_snapshots());
        assert!(c(r#"{"status":"creating; drop"}"#).check().is_err());
        assert!(c(r#"{"status":"FROZEN"}"#).check().is_ok());
    }
}
