//! When an operation is over: pure checks of one listing against the state a step waits
//! for. Each returns whether the operation is still pending (with what to show), done, or
//! failed with the cloud's reason.

use crate::api::wire::{Cluster, Snapshot};

use super::events::parse_percent;

/// One listing's verdict on a waited-for operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    Pending { status: String, percent: Option<u8> },
    Done,
    Failed(String),
}

/// Cluster statuses that mean the creation or restore failed (vocabularies of OTC and
/// Huawei, reference §6.3).
const FAILED_STATUSES: &[&str] = &["CREATION FAILED", "CREATE_FAILED", "FAILED"];
const READY_STATUSES: &[&str] = &["AVAILABLE", "ACTIVE"];

fn task(cluster: &Cluster) -> Option<&str> {
    cluster.task_status.as_deref().filter(|t| !t.is_empty())
}

fn task_failed(task: &str) -> bool {
    task.contains("FAIL")
}

/// What the cluster is doing, for display: `RESTORING 40%`, `CREATING`, ...
fn pending(cluster: &Cluster) -> Check {
    if let Some((key, value)) = cluster.action_progress.iter().next() {
        return Check::Pending {
            status: key.clone(),
            percent: parse_percent(value),
        };
    }
    let status = match task(cluster) {
        Some(task) => format!("{} ({task})", cluster.status),
        None => cluster.status.clone(),
    };
    Check::Pending {
        status,
        percent: None,
    }
}

fn failure_reason(cluster: &Cluster, what: &str) -> String {
    let reason =
        cluster
            .failed_reasons
            .as_ref()
            .and_then(|r| match (&r.error_code, &r.error_msg) {
                (Some(code), Some(msg)) => Some(format!("{code}: {msg}")),
                (None, Some(msg)) => Some(msg.clone()),
                (Some(code), None) => Some(code.clone()),
                (None, None) => None,
            });
    match reason {
        Some(reason) => format!("{what}: {reason}"),
        None => what.to_owned(),
    }
}

/// A cluster being created, restored or waited on: done when ready with no task running.
pub fn cluster_settled(cluster: Option<&Cluster>) -> Check {
    let Some(cluster) = cluster else {
        return Check::Pending {
            status: "not listed yet".to_owned(),
            percent: None,
        };
    };
    if FAILED_STATUSES.contains(&cluster.status.as_str()) {
        return Check::Failed(failure_reason(
            cluster,
            &format!("cluster {} is {}", cluster.name, cluster.status),
        ));
    }
    if let Some(task) = task(cluster).filter(|t| task_failed(t)) {
        return Check::Failed(failure_reason(
            cluster,
            &format!("cluster {} task ended in {task}", cluster.name),
        ));
    }
    if READY_STATUSES.contains(&cluster.status.as_str())
        && task(cluster).is_none()
        && cluster.action_progress.is_empty()
    {
        return Check::Done;
    }
    pending(cluster)
}

/// A cluster being resized to `expected` nodes (scale out or in).
pub fn cluster_resized(cluster: Option<&Cluster>, expected: u32) -> Check {
    let Some(cluster) = cluster else {
        return Check::Failed("the cluster is no longer listed".to_owned());
    };
    if let Some(task) = task(cluster).filter(|t| task_failed(t)) {
        return Check::Failed(failure_reason(
            cluster,
            &format!("cluster {} resize ended in {task}", cluster.name),
        ));
    }
    match cluster_settled(Some(cluster)) {
        Check::Done if cluster.number_of_node == expected => Check::Done,
        Check::Done => Check::Pending {
            status: format!("{} of {expected} nodes", cluster.number_of_node),
            percent: None,
        },
        other => other,
    }
}

/// A snapshot being created: done when AVAILABLE and its cluster no longer SNAPSHOTTING
/// (the cluster accepts no other task until then).
pub fn snapshot_available(snapshot: Option<&Snapshot>, cluster: Option<&Cluster>) -> Check {
    let Some(snapshot) = snapshot else {
        return Check::Pending {
            status: "not listed yet".to_owned(),
            percent: None,
        };
    };
    match snapshot.status.as_str() {
        "AVAILABLE" => {
            match cluster.filter(|c| task(c).is_some_and(|t| t.contains("SNAPSHOTTING"))) {
                Some(cluster) => pending(cluster),
                None => Check::Done,
            }
        }
        "UNAVAILABLE" => Check::Failed(format!("snapshot {} is UNAVAILABLE", snapshot.name)),
        status => match cluster.map(pending) {
            Some(Check::Pending {
                status: cluster_status,
                percent,
            }) if percent.is_some() => Check::Pending {
                status: cluster_status,
                percent,
            },
            _ => Check::Pending {
                status: status.to_owned(),
                percent: None,
            },
        },
    }
}

/// An object being deleted: done once it is no longer listed.
pub fn gone(still_listed: Option<&str>) -> Check {
    match still_listed {
        None => Check::Done,
        Some(status) => Check::Pending {
            status: format!("deleting ({status})"),
            percent: None,
        },
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
                "cluster dws-demo is CREATION FAILED: DWS.6000: insufficient quota".into()
            )
        );
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
