//! How the fake cloud shows its clusters in a listing: `status`, `task_status` and
//! `action_progress` from the task each runs at the moment of the listing, as the API's.

use std::collections::BTreeMap;

use tokio::time::Instant;

use super::state::{FakeCluster, FakeSnapshot, Task};
use crate::api::wire::{Cluster, FailedReasons, Snapshot};

/// `"37%"`: the share of the way from `since` to `until` at `now`, never 100% while running.
fn percent(since: Instant, until: Instant, now: Instant) -> String {
    let total = until.saturating_duration_since(since).as_secs_f64();
    let done = now.saturating_duration_since(since).as_secs_f64();
    let share = if total > 0.0 { done / total } else { 1.0 };
    format!("{}%", (share * 100.0).clamp(0.0, 99.0) as u32)
}

/// The cluster as a listing shows it at `now`; `fixed` replaces every running operation's
/// progress (see `FakeCloud::fixed_percent`).
pub(super) fn render_cluster(c: &FakeCluster, now: Instant, fixed: Option<u8>) -> Cluster {
    let until = match &c.task {
        Task::Creating(until)
        | Task::Restoring(until)
        | Task::Snapshotting(until)
        | Task::Resizing { until, .. }
        | Task::Power { until, .. }
        | Task::Coordinators { until, .. } => *until,
        _ => now,
    };
    let shown = match fixed {
        Some(p) => format!("{p}%"),
        None => percent(c.task_since, until, now),
    };
    let (status, task, progress, nodes) = shown_state(c, now);
    let mut action_progress = BTreeMap::new();
    if let Some(key) = progress {
        action_progress.insert(key.to_owned(), shown);
    }
    let failed_reasons = match &c.task {
        Task::Failed(reason) => serde_json::json!({"error_code": "DWS.9999", "error_msg": reason}),
        _ => serde_json::Value::Null,
    };
    let mut cluster: Cluster = serde_json::from_value(serde_json::json!({
        "id": c.id, "name": c.name, "status": status, "port": 8000, "user_name": "dbadmin",
        "number_of_node": nodes, "node_type": c.node_type, "tags": c.tags,
        "task_status": task, "action_progress": action_progress,
        "failed_reasons": failed_reasons, "sub_status": "NORMAL",
        "security_group_id": c.network.security_group,
        "public_ip": c.network.eip.as_ref().map(|e| serde_json::json!({
            "public_bind_type": "bind_existing", "eip_id": e,
        })),
    }))
    .expect("fake cluster");
    if let Some(forced) = &c.forced {
        cluster.status = forced.status.clone();
        cluster.sub_status = forced.sub_status.clone();
        cluster.task_status = forced.task_status.clone();
        cluster.action_progress.clear();
        cluster.failed_reasons = forced.failed_reason.as_ref().map(|msg| FailedReasons {
            error_code: Some("DWS.9999".into()),
            error_msg: Some(msg.clone()),
        });
    }
    cluster
}

/// `status`, `task_status`, the `action_progress` key and a node count.
type Shown = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    u32,
);

/// `status`, `task_status`, the `action_progress` key and the node count the cluster shows at
/// `now` (a finished resize shows its new count before the next call settles it).
fn shown_state(c: &FakeCluster, now: Instant) -> Shown {
    match &c.task {
        Task::Creating(until) if now < *until => ("CREATING", None, Some("CREATING"), c.nodes),
        Task::Restoring(until) if now < *until => {
            ("CREATING", Some("RESTORING"), Some("RESTORING"), c.nodes)
        }
        Task::Snapshotting(until) if now < *until => (
            "AVAILABLE",
            Some("SNAPSHOTTING"),
            Some("SNAPSHOTTING"),
            c.nodes,
        ),
        Task::Resizing { until, .. } if now < *until => {
            ("AVAILABLE", Some("GROWING"), Some("GROWING"), c.nodes)
        }
        Task::Resizing { nodes, .. } => ("AVAILABLE", None, None, *nodes),
        Task::Power { until, start } if now < *until => {
            let status = if *start { "STARTING" } else { "STOPPING" };
            (status, None, None, c.nodes)
        }
        Task::Power { start: false, .. } => ("STOPPED", None, None, c.nodes),
        Task::Coordinators { until, adding, .. } if now < *until => {
            let task = if *adding { "ADD_CN_ING" } else { "DEL_CN_ING" };
            ("AVAILABLE", Some(task), Some(task), c.nodes)
        }
        _ if c.stopped && !matches!(c.task, Task::Power { .. }) => ("STOPPED", None, None, c.nodes),
        Task::Failed(_) => ("CREATION FAILED", None, None, c.nodes),
        _ => ("AVAILABLE", None, None, c.nodes),
    }
}

/// The snapshot as a listing shows it at `now`: CREATING until its time is up.
pub(super) fn render_snapshot(x: &FakeSnapshot, now: Instant) -> Snapshot {
    let status = if now >= x.ready_at {
        "AVAILABLE"
    } else {
        "CREATING"
    };
    serde_json::from_value(serde_json::json!({
        "id": x.id, "name": x.name, "status": status, "cluster_id": x.cluster_id,
    }))
    .expect("fake snapshot")
}
