//! The snapshot routes under `/v1.0/{project_id}`: create / list / detail / delete, and
//! restore to a new cluster (`snapshots/{id}/actions`, vendor API reference:
//! restoring_a_cluster.rst).
//!
//! Choices where the reference is silent: an unknown well-formed snapshot id is 404 DWS.5149
//! ("The snapshot ID is invalid."; the Huawei profile's answers are in [`super::profile`]);
//! snapshot names are unique per project (400 DWS.5039 "Duplicate parameters."); deleting an
//! automated (`AUTO`) snapshot is 400 DWS.0001, deleting a CREATING one (or one a restore is
//! reading) 403 DWS.7023 like any other state conflict.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Extension;

use super::catalog;
use super::clock::format_zulu;
use super::clusters::{self, busy, NewCluster};
use super::conditions::FailureKind;
use super::durations;
use super::faults::Actions;
use super::reply::{self, ApiErr, ApiResult, DwsJson, Params};
use super::server::{Inner, Shared};
use super::state::{Op, Phase, SnapshotRec, SnapshotSource, Task, TaskKind, MANUAL};
use super::validate;
use super::Config;
use crate::api::wire::{
    ClusterIdResponse, CreateSnapshotRequest, IdOnly, Restore, RestoreRequest,
    SnapshotDetailResponse, SnapshotIdResponse, SnapshotList,
};

/// Looks a snapshot up; `delete` picks the not-found answer of the DELETE call.
fn find<'a>(inner: &'a Inner, id: &str, delete: bool) -> Result<&'a SnapshotRec, ApiErr> {
    validate::id("snapshot", id)?;
    inner
        .world
        .snapshot(id)
        .ok_or_else(|| inner.profile.snapshot_not_found(delete))
}

pub async fn list(State(shared): State<Arc<Shared>>) -> ApiResult {
    let snapshots: Vec<_> = {
        let inner = shared.world();
        let now = inner.clock.now();
        inner
            .world
            .snapshots
            .iter()
            .filter(|s| s.visible_at <= now)
            .map(|s| s.view(&inner.clock))
            .collect()
    };
    let count = snapshots.len() as u64;
    reply::ok(&SnapshotList { snapshots, count })
}

pub async fn detail(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let inner = shared.world();
    let snapshot = find(&inner, params.get("snapshot_id"), false)?;
    reply::ok(&SnapshotDetailResponse {
        snapshot: snapshot.view(&inner.clock),
    })
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    actions: Option<Extension<Actions>>,
    DwsJson(body): DwsJson<CreateSnapshotRequest>,
) -> ApiResult {
    let req = body.snapshot;
    validate::snapshot_name(&req.name)?;
    let description = req.description.unwrap_or_default();
    validate::description(&description)?;
    validate::id("cluster", &req.cluster_id)?;
    let actions = actions.map(|Extension(a)| a).unwrap_or_default();
    let lag = actions.list_lag.unwrap_or(0.0);
    let mut inner = shared.world();
    let now = inner.clock.now();
    let Some(cluster) = inner.world.cluster(&req.cluster_id) else {
        return Err(clusters::not_found(&inner, &req.cluster_id, false));
    };
    if let Some(reason) = cluster.busy_reason(now) {
        return Err(busy(&reason));
    }
    if cluster
        .condition
        .as_ref()
        .is_some_and(|c| c.refuses_snapshots())
    {
        return Err(busy("The cluster is read-only."));
    }
    if inner.world.snapshots.iter().any(|s| s.name == req.name) {
        return Err(ApiErr::dws(
            StatusCode::BAD_REQUEST,
            "DWS.5039",
            format!(
                "Duplicate parameters. A snapshot named {:?} already exists.",
                req.name
            ),
        ));
    }
    let source = source_of(cluster);
    let size = cluster.data_gb();
    let nodes = cluster.number_of_node;
    let id = inner.world.new_snapshot_id();
    let duration = durations::snapshot(inner.world.uniform(), size, nodes);
    let op = Op {
        start: now,
        duration,
    };
    let started = format_zulu(inner.clock.wall_at(now));
    if let Some(cluster) = inner.world.cluster_mut(&req.cluster_id) {
        cluster.task = Some(Task {
            kind: TaskKind::Snapshotting {
                snapshot_id: id.clone(),
            },
            op,
            started_wall: started.clone(),
            fails: false,
            phases: None,
        });
        cluster.failure = None;
    }
    inner.world.snapshots.push(SnapshotRec {
        id: id.clone(),
        name: req.name,
        description,
        cluster_id: req.cluster_id,
        kind: MANUAL.to_owned(),
        op,
        fails: actions.task_fails,
        condition: None,
        started,
        size,
        visible_at: now + lag,
        source,
    });
    shared.commit(&inner)?;
    reply::ok(&SnapshotIdResponse {
        snapshot: IdOnly { id },
    })
}

/// What a restore of a snapshot of `cluster` inherits.
pub fn source_of(cluster: &super::state::ClusterRec) -> SnapshotSource {
    SnapshotSource {
        node_type: cluster.node_type.clone(),
        node_type_id: cluster.node_type_id.clone(),
        number_of_node: cluster.number_of_node,
        number_of_cn: cluster.number_of_cn,
        user_name: cluster.user_name.clone(),
        password_sha256: cluster.password_sha256.clone(),
        vpc_id: cluster.vpc_id.clone(),
        subnet_id: cluster.subnet_id.clone(),
        security_group_id: cluster.security_group_id.clone(),
        availability_zone: cluster.availability_zone.clone(),
        port: cluster.port,
        version: cluster.version.clone(),
    }
}

pub async fn delete(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let id = params.get("snapshot_id");
    let mut inner = shared.world();
    let now = inner.clock.now();
    let snapshot = find(&inner, id, true)?;
    if super::state::is_automated(&snapshot.kind) {
        return Err(ApiErr::bad_param(
            "Only manual snapshots can be deleted; automated ones expire with their retention period.",
        ));
    }
    if !snapshot.op.done(now) {
        return Err(ApiErr::dws(
            StatusCode::FORBIDDEN,
            "DWS.7023",
            "Snapshot status is not allowed to operation. The snapshot is being created.",
        ));
    }
    let in_use = inner
        .world
        .clusters
        .iter()
        .any(|c| c.restored_from.as_deref() == Some(id) && c.phase(now) == Phase::Creating);
    if in_use {
        return Err(ApiErr::dws(
            StatusCode::FORBIDDEN,
            "DWS.7023",
            "Snapshot status is not allowed to operation. A cluster is being restored from it.",
        ));
    }
    inner.world.snapshots.retain(|s| s.id != id);
    shared.commit(&inner)?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// Checks a restore request against the stateless rules and builds the new cluster from it
/// and the snapshot's source: node type, node count and admin user from the source; network
/// and port from the request or the source.
fn checked(cfg: &Config, req: Restore, snapshot: &SnapshotRec) -> Result<NewCluster, ApiErr> {
    validate::cluster_name(&req.name)?;
    let src = &snapshot.source;
    let vpc = req.vpc_id.unwrap_or_else(|| src.vpc_id.clone());
    let subnet = req.subnet_id.unwrap_or_else(|| src.subnet_id.clone());
    let sg = req
        .security_group_id
        .unwrap_or_else(|| src.security_group_id.clone());
    validate::network(&cfg.networks, &vpc, &subnet, &sg)?;
    let az = req
        .availability_zone
        .unwrap_or_else(|| src.availability_zone.clone());
    validate::availability_zone(&cfg.networks, &az)?;
    let port = req.port.unwrap_or(8000);
    validate::port(port)?;
    if let Some(ip) = &req.public_ip {
        validate::public_ip(ip)?;
    }
    let flavor = catalog::flavor(&src.node_type)
        .or_else(|| catalog::FLAVORS.first())
        .ok_or_else(|| ApiErr::bad_param("The snapshot's node type is unknown."))?;
    Ok(NewCluster {
        name: req.name,
        flavor,
        number_of_node: src.number_of_node,
        subnet_id: subnet,
        security_group_id: sg,
        vpc_id: vpc,
        availability_zone: az,
        port,
        user_name: src.user_name.clone(),
        password_sha256: src.password_sha256.clone(),
        public_ip: req.public_ip,
        number_of_cn: src.number_of_cn,
        tags: Vec::new(),
        enterprise_project_id: req.enterprise_project_id.unwrap_or_else(|| "0".to_owned()),
        restored_from: Some(snapshot.id.clone()),
        version: src.version.clone(),
        duration: 0.0,
        failure: None,
        list_lag: 0.0,
        data_gb: Some(snapshot.size),
    })
}

/// Restore to a new cluster (`POST snapshots/{id}/actions`).
pub async fn restore(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
    DwsJson(body): DwsJson<RestoreRequest>,
) -> ApiResult {
    let actions = actions.map(|Extension(a)| a).unwrap_or_default();
    let mut inner = shared.world();
    let now = inner.clock.now();
    let snapshot = find(&inner, params.get("snapshot_id"), false)?.clone();
    if !snapshot.available(now) {
        return Err(ApiErr::dws(
            StatusCode::FORBIDDEN,
            "DWS.7023",
            "Snapshot status is not allowed to operation. Only AVAILABLE snapshots can be restored.",
        ));
    }
    let mut new = checked(&shared.config, body.restore, &snapshot)?;
    super::capacity::admit(&shared.config, &inner.world, &new)?;
    new.duration = durations::restore(inner.world.uniform(), snapshot.size, new.number_of_node);
    new.failure = actions
        .creation_fails()
        .then(|| FailureKind::Restore.reasons());
    new.list_lag = actions.list_lag.unwrap_or(0.0);
    let id = clusters::insert_with_eip(&shared.config, &mut inner, new);
    shared.commit(&inner)?;
    reply::ok(&ClusterIdResponse {
        cluster: IdOnly { id },
    })
}
