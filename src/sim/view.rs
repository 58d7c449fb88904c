//! How a cluster record looks on the wire at a given virtual time: the list and detail shapes
//! of vendor API reference: querying_cluster_details.rst, with progress, endpoints and nodes
//! derived from the phase.

use std::collections::BTreeMap;

use super::clock::Clock;
use super::conditions::FailureKind;
use super::profile::Profile;
use super::state::{ClusterRec, Phase, TaskKind};
use crate::api::wire;

/// `action_progress`, `task_status` and `resize_info` at `now`.
struct Progress {
    action_progress: BTreeMap<String, String>,
    task_status: Option<String>,
    resize_info: Option<wire::ResizeInfo>,
    /// A scaling is in its redistribution phase.
    redistributing: bool,
    /// A scale-out's nodes that exist already (shown before the task ends).
    nodes_added: u32,
}

fn progress(c: &ClusterRec, phase: &Phase<'_>, now: f64) -> Progress {
    let mut p = Progress {
        action_progress: BTreeMap::new(),
        task_status: None,
        resize_info: None,
        redistributing: false,
        nodes_added: 0,
    };
    match phase {
        Phase::Creating => {
            let key = if c.restoring { "RESTORING" } else { "CREATING" };
            p.action_progress
                .insert(key.to_owned(), c.creation.percent(now));
            if c.restoring {
                p.task_status = Some("RESTORING".to_owned());
            }
        }
        Phase::Failed(_) => {}
        Phase::Available => {
            let Some(task) = c.task.as_ref().filter(|t| !t.op.done(now)) else {
                // A failure value stays after the task ended (as OTC clusters show it).
                p.task_status = c
                    .failure
                    .as_ref()
                    .and_then(|f| f.kind.task_status())
                    .map(str::to_owned);
                return p;
            };
            let key = task.kind.task_status();
            p.action_progress
                .insert(key.to_owned(), task.op.percent(now));
            p.task_status = Some(key.to_owned());
            // A scaling's redistribution shows as `sub_status` REDISTRIBUTING
            // (`querying_cluster_details.rst`), a scale-out's new nodes once they exist.
            if let Some(phases) = &task.phases {
                let elapsed = now - task.op.start;
                p.redistributing = phases.redistributing(elapsed);
                if let TaskKind::Growing { new_node_ids, .. } = &task.kind {
                    if phases.nodes_added(elapsed) {
                        p.nodes_added = u32::try_from(new_node_ids.len()).unwrap_or(0);
                    }
                }
            }
            if let TaskKind::Growing { new_node_ids, .. } = &task.kind {
                p.resize_info = Some(wire::ResizeInfo {
                    target_node_num: u64::from(c.number_of_node) + new_node_ids.len() as u64,
                    origin_node_num: u64::from(c.number_of_node),
                    resize_status: "GROWING".to_owned(),
                    start_time: Some(task.started_wall.clone()),
                });
            }
        }
    }
    p
}

fn jdbc(host: &str, port: u32) -> String {
    format!("jdbc:postgresql://{host}:{port}/<YOUR_DATABASE_name>")
}

/// Private endpoints (two, like the getting-started example), once AVAILABLE.
fn endpoints(c: &ClusterRec) -> Vec<wire::Endpoint> {
    c.private_ips
        .iter()
        .take(2)
        .map(|ip| wire::Endpoint {
            connect_info: format!("{ip}:{}", c.port),
            jdbc_url: jdbc(ip, c.port),
        })
        .collect()
}

fn public_endpoints(c: &ClusterRec) -> Vec<wire::PublicEndpoint> {
    c.eip_address
        .iter()
        .map(|addr| wire::PublicEndpoint {
            public_connect_info: format!("{addr}:{}", c.port),
            jdbc_url: jdbc(addr, c.port),
        })
        .collect()
}

fn nodes(c: &ClusterRec) -> Vec<wire::Node> {
    c.node_ids
        .iter()
        .map(|id| wire::Node {
            id: id.clone(),
            status: "200".to_owned(),
        })
        .collect()
}

/// `status` and `failed_reasons`: `DELETING` while a delete runs (README, "Behaviour worth
/// knowing"),
/// the failure state a failed operation left, spelled as `profile` does.
fn status(
    c: &ClusterRec,
    phase: &Phase<'_>,
    profile: Profile,
) -> (String, Option<wire::FailedReasons>) {
    let (status, reasons) = match phase {
        _ if c.deleting.is_some() => ("DELETING", None),
        Phase::Creating => ("CREATING", None),
        Phase::Failed(reasons) => ("CREATION FAILED", Some((*reasons).clone())),
        Phase::Available => match &c.failure {
            Some(f) if f.kind == FailureKind::Delete => {
                (profile.delete_failed_status(), Some(f.reasons.clone()))
            }
            Some(f) if f.kind.leaves_unavailable() => ("UNAVAILABLE", Some(f.reasons.clone())),
            Some(f) => ("AVAILABLE", Some(f.reasons.clone())),
            None => ("AVAILABLE", None),
        },
    };
    (profile.cluster_status(status).to_owned(), reasons)
}

/// The cluster as the list (`detail == false`) or the detail call shows it.
pub fn cluster(c: &ClusterRec, clock: &Clock, profile: Profile, detail: bool) -> wire::Cluster {
    let now = clock.now();
    let phase = c.phase(now);
    let available = phase == Phase::Available;
    let progress = progress(c, &phase, now);
    let public_ip = c.public_ip.clone().map(|mut ip| {
        if available {
            ip.eip_address = c.eip_address.clone();
        }
        ip
    });
    let (mut status, failed_reasons) = status(c, &phase, profile);
    let power = power_status(c, now).filter(|_| available && c.deleting.is_none());
    if let Some(power) = power {
        status = power.to_owned();
    }
    let mut view = wire::Cluster {
        id: c.id.clone(),
        name: c.name.clone(),
        status,
        version: Some(c.version.clone()),
        created: Some(c.created.clone()),
        updated: Some(c.updated.clone()),
        port: c.port,
        endpoints: if available { endpoints(c) } else { Vec::new() },
        public_endpoints: if available {
            public_endpoints(c)
        } else {
            Vec::new()
        },
        nodes: if available { nodes(c) } else { Vec::new() },
        tags: c.tags.clone(),
        user_name: c.user_name.clone(),
        number_of_node: c.number_of_node.saturating_add(progress.nodes_added),
        recent_event: Some(0),
        availability_zone: Some(c.availability_zone.clone()),
        enterprise_project_id: Some(c.enterprise_project_id.clone()),
        node_type: c.node_type.clone(),
        vpc_id: Some(c.vpc_id.clone()),
        subnet_id: Some(c.subnet_id.clone()),
        public_ip,
        action_progress: progress.action_progress,
        sub_status: (available && power.is_none()).then(|| {
            if progress.redistributing {
                "REDISTRIBUTING".to_owned()
            } else {
                "NORMAL".to_owned()
            }
        }),
        task_status: progress.task_status,
        security_group_id: Some(c.security_group_id.clone()),
        failed_reasons,
        private_ip: None,
        node_type_id: None,
        parameter_group: None,
        maintain_window: None,
        resize_info: None,
        cluster_description_info: None,
    };
    if detail {
        add_detail(&mut view, c, available, progress.resize_info);
    }
    apply_condition(&mut view, c);
    view
}

/// What a test set through `/_sim/clusters/{id}/condition` wins over the simulation.
fn apply_condition(view: &mut wire::Cluster, c: &ClusterRec) {
    let Some(cond) = &c.condition else { return };
    if let Some(status) = &cond.status {
        view.status = status.clone();
    }
    if let Some(sub) = &cond.sub_status {
        view.sub_status = Some(sub.clone());
    }
    if let Some(task) = &cond.task_status {
        view.task_status = Some(task.clone());
    }
    if let Some(reasons) = &cond.failed_reasons {
        view.failed_reasons = Some(reasons.clone());
    }
}

/// The fields only the detail call has.
fn add_detail(
    view: &mut wire::Cluster,
    c: &ClusterRec,
    available: bool,
    resize_info: Option<wire::ResizeInfo>,
) {
    view.private_ip = available.then(|| c.private_ips.clone());
    view.node_type_id = Some(c.node_type_id.clone());
    view.parameter_group = Some(wire::ParameterGroup {
        id: "157e9cc4-64a8-11e8-adc0-fa7ae01bbebc".to_owned(),
        name: "Default-Parameter-Group-dws ".to_owned(),
        status: "In-Sync".to_owned(),
    });
    view.maintain_window = Some(c.maintain_window.clone());
    view.resize_info = resize_info;
    view.cluster_description_info = Some(c.description.clone());
}

/// The status of a cluster being started or stopped, or stopped: no value for these is
/// documented for OTC (`cluster_management/querying_cluster_details.rst` lists `CREATING`,
/// `AVAILABLE`, `UNAVAILABLE`, `CREATION FAILED`); the Huawei SDK has `STARTING` and
/// `STOPPING` (dws-api.md Corrections) and the console says "Stopped" (OTC-UMN), so the
/// simulator shows `STARTING`, `STOPPING` and `STOPPED`, the values `api::state` reads.
fn power_status(c: &ClusterRec, now: f64) -> Option<&'static str> {
    match c.task.as_ref().filter(|t| !t.op.done(now)).map(|t| &t.kind) {
        Some(TaskKind::Power { start: true }) => Some("STARTING"),
        Some(TaskKind::Power { start: false }) => Some("STOPPING"),
        _ if c.stopped => Some("STOPPED"),
        _ => None,
    }
}
