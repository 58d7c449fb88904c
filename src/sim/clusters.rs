//! The cluster routes under `/v1.0/{project_id}`: node types, quotas, create / list / detail /
//! delete, restart, resize, cluster-shrink, reset-password and tags (vendor API reference:
//! cluster_management/,
//! node_change/, tag_management/).
//!
//! A cluster busy with a task (or still creating, or deleting) rejects other operations with
//! 403 DWS.7023 "Cluster status is not allowed to operation.", the stricter of the two
//! documented answers: it is the one seen live (all four error keys), and as a 403 a generic
//! client does not retry it, so a caller must order its operations instead of hammering
//! (the alternative, 409 DWS.0011, reads as "retry later").

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Extension;
use rand::Rng;
use serde_json::Value;

use super::clock::format_local;
use super::conditions::FailureKind;
use super::durations;
use super::faults::Actions;
use super::profile::Missing;
use super::reply::{self, ApiErr, ApiResult, DwsJson, Params};
use super::server::{Inner, Shared};
use super::state::{hash_password, password_matches, ClusterRec, Op, Task, TaskKind};
use super::Config;
use super::{capacity, catalog};
use super::{validate, view};
use crate::api::wire::{
    ClusterDetailResponse, ClusterIdResponse, ClusterList, CreateCluster, DeleteClusterRequest,
    FailedReasons, IdOnly, NodeTypesResponse, PublicIp, ResetPasswordRequest, ResizeRequest,
    RestartRequest, ShrinkRequest, Tag, TagsBody,
};

/// The answer for a well-formed id of no cluster: 404 DWS.0047 on OTC (README, "Profiles: OTC and
/// Huawei"), the
/// Huawei profile's codes otherwise ([`super::profile`]); `detail` is the GET of one cluster.
pub fn not_found(inner: &Inner, id: &str, detail: bool) -> ApiErr {
    let missing = if inner.world.deleted_cluster_ids.iter().any(|d| d == id) {
        Missing::Deleted
    } else {
        Missing::Never
    };
    inner.profile.cluster_not_found(missing, detail)
}

/// 403 DWS.7023 for an operation on a busy cluster (see the module comment).
pub fn busy(reason: &str) -> ApiErr {
    ApiErr::dws(
        StatusCode::FORBIDDEN,
        "DWS.7023",
        format!("Cluster status is not allowed to operation. {reason}"),
    )
}

pub fn find<'a>(inner: &'a mut Inner, id: &str) -> Result<&'a mut ClusterRec, ApiErr> {
    validate::id("cluster", id)?;
    if inner.world.cluster(id).is_none() {
        return Err(not_found(inner, id, false));
    }
    inner
        .world
        .cluster_mut(id)
        .ok_or_else(|| ApiErr::bad_param("The cluster vanished."))
}

/// Looks a cluster up and checks that it is idle and AVAILABLE.
pub fn find_idle<'a>(inner: &'a mut Inner, id: &str) -> Result<&'a mut ClusterRec, ApiErr> {
    find_idle_for(inner, id, None)
}

/// [`find_idle`] for an operation that retries the failure `retry`.
pub fn find_idle_for<'a>(
    inner: &'a mut Inner,
    id: &str,
    retry: Option<FailureKind>,
) -> Result<&'a mut ClusterRec, ApiErr> {
    let now = inner.clock.now();
    let cluster = find(inner, id)?;
    match cluster.busy_reason_for(now, retry) {
        Some(reason) => Err(busy(&reason)),
        None => Ok(cluster),
    }
}

pub async fn node_types_v1() -> ApiResult {
    let node_types = catalog::node_types_v1();
    reply::ok(&NodeTypesResponse {
        node_types,
        count: None,
    })
}

pub async fn node_types_v2(State(shared): State<Arc<Shared>>) -> ApiResult {
    let nets = &shared.config.networks;
    let node_types = catalog::node_types_v2(&nets.availability_zones, &nets.sold_out);
    let count = Some(node_types.len() as u64);
    let mut body = serde_json::to_value(NodeTypesResponse { node_types, count })
        .map_err(|err| ApiErr::bad_param(format!("cannot render node types: {err}")))?;
    if let Some(list) = body.get_mut("node_types").and_then(Value::as_array_mut) {
        for (node_type, flavor) in list.iter_mut().zip(catalog::FLAVORS) {
            if let Value::Object(map) = node_type {
                map.extend(catalog::v2_extras(flavor));
            }
        }
    }
    reply::ok(&body)
}

pub async fn quotas(State(shared): State<Arc<Shared>>) -> ApiResult {
    let inner = shared.world();
    let (mut cores, mut ram) = (0, 0);
    for c in &inner.world.clusters {
        if let Some(f) = catalog::flavor(&c.node_type) {
            cores += f.vcpus * u64::from(c.number_of_node);
            ram += f.ram_gb * u64::from(c.number_of_node);
        }
    }
    let nodes = inner.world.nodes_in_use();
    reply::ok(&catalog::quotas(
        nodes,
        cores,
        ram,
        shared.config.node_quota,
    ))
}

pub async fn list(State(shared): State<Arc<Shared>>) -> ApiResult {
    // Build the views under the lock, serialize after releasing it.
    let clusters: Vec<_> = {
        let inner = shared.world();
        let now = inner.clock.now();
        inner
            .world
            .clusters
            .iter()
            .filter(|c| c.visible_at <= now)
            .map(|c| view::cluster(c, &inner.clock, inner.profile, false))
            .collect()
    };
    let count = clusters.len() as u64;
    reply::ok(&ClusterList { clusters, count })
}

pub async fn detail(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let inner = shared.world();
    let id = params.get("cluster_id");
    validate::id("cluster", id)?;
    let cluster = inner
        .world
        .cluster(id)
        .ok_or_else(|| not_found(&inner, id, true))?;
    reply::ok(&ClusterDetailResponse {
        cluster: view::cluster(cluster, &inner.clock, inner.profile, true),
    })
}

/// What a new cluster is made of (create, restore and `/_sim/seed`).
#[derive(Debug, Clone)]
pub struct NewCluster {
    pub name: String,
    pub flavor: &'static catalog::Flavor,
    pub number_of_node: u32,
    pub subnet_id: String,
    pub security_group_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub port: u32,
    pub user_name: String,
    pub password_sha256: String,
    pub public_ip: Option<PublicIp>,
    pub number_of_cn: u32,
    pub tags: Vec<Tag>,
    pub enterprise_project_id: String,
    /// The snapshot a restore reads from.
    pub restored_from: Option<String>,
    pub version: String,
    /// Virtual seconds until AVAILABLE (or CREATION FAILED); 0 = available at once.
    pub duration: f64,
    pub failure: Option<FailedReasons>,
    pub list_lag: f64,
    /// GB of data (`None`: a tenth of the capacity).
    pub data_gb: Option<f64>,
}

/// Adds a cluster to the world and returns its id.
pub fn insert(inner: &mut Inner, new: NewCluster) -> String {
    let now = inner.clock.now();
    let wall = format_local(inner.clock.wall_at(now));
    let world = &mut inner.world;
    let id = world.new_cluster_id();
    let node_ids = (0..new.number_of_node).map(|_| world.new_uuid()).collect();
    let private_ips = world.private_ips(new.number_of_node);
    let (public_ip, eip_address) = match new.public_ip {
        Some(ip) if ip.public_bind_type != "not_use" => {
            let eip_id = match ip.eip_id {
                Some(id) => id,
                None => world.new_uuid(),
            };
            let mut rng = world.rng();
            let address = format!(
                "80.158.{}.{}",
                rng.gen_range(0..=255u8),
                rng.gen_range(1..=254u8)
            );
            let ip = PublicIp {
                public_bind_type: ip.public_bind_type,
                eip_id: Some(eip_id),
                eip_address: None,
            };
            (Some(ip), Some(address))
        }
        other => (other, None),
    };
    world.clusters.push(ClusterRec {
        id: id.clone(),
        name: new.name,
        node_type: new.flavor.spec_name.to_owned(),
        node_type_id: new.flavor.id.to_owned(),
        number_of_node: new.number_of_node,
        subnet_id: new.subnet_id,
        security_group_id: new.security_group_id,
        vpc_id: new.vpc_id,
        availability_zone: new.availability_zone,
        port: new.port,
        user_name: new.user_name,
        password_sha256: new.password_sha256,
        public_ip,
        eip_address,
        number_of_cn: new.number_of_cn,
        tags: new.tags,
        enterprise_project_id: new.enterprise_project_id,
        created: wall.clone(),
        updated: wall,
        visible_at: now + new.list_lag,
        creation: Op {
            start: now,
            duration: new.duration,
        },
        restoring: new.restored_from.is_some(),
        restored_from: new.restored_from,
        creation_failure: new.failure,
        task: None,
        deleting: None,
        delete_fails: false,
        failure: None,
        condition: None,
        node_ids,
        private_ips,
        version: new.version,
        data_gb: new.data_gb,
        description: String::new(),
        stopped: false,
        cn_ids: Vec::new(),
        maintain_window: super::state::default_maintain_window(),
        renaming: None,
    });
    id
}

/// The body of a create, with or without the `{"cluster": …}` wrapper: every real client
/// wraps it, the getting-started page does not.
fn unwrap_create(body: Value) -> Result<CreateCluster, ApiErr> {
    let inner = match body {
        Value::Object(mut map) if map.contains_key("cluster") => {
            map.remove("cluster").unwrap_or(Value::Null)
        }
        other => other,
    };
    serde_json::from_value(inner)
        .map_err(|err| ApiErr::bad_param(format!("The request body is invalid: {err}.")))
}

/// Checks a create request against every stateless rule, in the order of the create page's
/// field table, and turns it into a [`NewCluster`] (duration, faults and lag still zero).
fn checked(cfg: &Config, req: CreateCluster) -> Result<NewCluster, ApiErr> {
    validate::cluster_name(&req.name)?;
    let flavor = catalog::flavor(&req.node_type).ok_or_else(|| {
        ApiErr::dws(
            StatusCode::BAD_REQUEST,
            "DWS.5006",
            format!(
                "Invalid specifications. Node type {:?} does not exist.",
                req.node_type
            ),
        )
    })?;
    validate::node_count(req.number_of_node)?;
    let port = req.port.unwrap_or(8000);
    validate::port(port)?;
    validate::user_name(&req.user_name)?;
    validate::password(cfg.password_policy, req.user_pwd.expose(), &req.user_name)?;
    validate::network(
        &cfg.networks,
        &req.vpc_id,
        &req.subnet_id,
        &req.security_group_id,
    )?;
    let az = req
        .availability_zone
        .clone()
        .or_else(|| cfg.networks.availability_zones.first().cloned())
        .unwrap_or_default();
    validate::availability_zone(&cfg.networks, &az)?;
    if let Some(ip) = &req.public_ip {
        validate::public_ip(ip)?;
    }
    let cns = req.number_of_cn.unwrap_or(3.min(req.number_of_node));
    validate::number_of_cn(cns, req.number_of_node)?;
    let tags = req.tags.clone().unwrap_or_default();
    validate::tags(&tags)?;
    Ok(NewCluster {
        password_sha256: hash_password(req.user_pwd.expose()),
        name: req.name,
        flavor,
        number_of_node: req.number_of_node,
        subnet_id: req.subnet_id,
        security_group_id: req.security_group_id,
        vpc_id: req.vpc_id,
        availability_zone: az,
        port,
        user_name: req.user_name,
        public_ip: req.public_ip,
        number_of_cn: cns,
        tags,
        enterprise_project_id: req.enterprise_project_id.unwrap_or_else(|| "0".to_owned()),
        restored_from: None,
        version: "8.1.3.310".to_owned(),
        duration: 0.0,
        failure: None,
        list_lag: 0.0,
        data_gb: None,
    })
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    actions: Option<Extension<Actions>>,
    DwsJson(body): DwsJson<Value>,
) -> ApiResult {
    let mut new = checked(&shared.config, unwrap_create(body)?)?;
    if !shared.config.profile.create_keeps_tags() {
        // Huawei's create stopped honouring `tags` (TF-HW PR #2660): they were checked, and
        // are dropped.
        new.tags.clear();
    }
    let actions = actions.map(|Extension(a)| a).unwrap_or_default();
    let mut inner = shared.world();
    capacity::admit(&shared.config, &inner.world, &new)?;
    let u = inner.world.uniform();
    new.duration = durations::create(u, new.number_of_node);
    let u = inner.world.uniform();
    new.data_gb = Some(durations::new_cluster_data_gb(u, new.number_of_node));
    new.failure = actions
        .creation_fails()
        .then(|| FailureKind::Create.reasons());
    new.list_lag = actions.list_lag.unwrap_or(0.0);
    let id = insert_with_eip(&shared.config, &mut inner, new);
    shared.commit(&inner)?;
    reply::ok(&ClusterIdResponse {
        cluster: IdOnly { id },
    })
}

/// [`insert`], giving an account EIP bound at creation its address.
pub fn insert_with_eip(cfg: &Config, inner: &mut Inner, new: NewCluster) -> String {
    let id = insert(inner, new);
    if let Some(c) = inner.world.cluster_mut(&id) {
        let eip = capacity::bound_eip(c).map(str::to_owned);
        if let Some(eip) = eip {
            c.eip_address = capacity::eip_address(cfg, &eip, c.eip_address.take());
        }
    }
    id
}

/// 409 DWS.5050 for a cluster name in use.
pub fn name_taken(name: &str) -> ApiErr {
    ApiErr::dws(
        StatusCode::CONFLICT,
        "DWS.5050",
        format!(
            "The cluster name already exists. A cluster named {name:?} exists in this project."
        ),
    )
}

/// `DELETE …/clusters/{id}` with `{"keep_last_manual_snapshot": n}` (mandatory). Manual
/// snapshots are retained whatever `n` says (OTC-UMN: "manual snapshots are retained").
/// A second delete of a deleting cluster answers 202 again, so a retried delete is harmless.
/// A cluster whose creation or deletion failed can be deleted (that is the way forward).
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
    DwsJson(_body): DwsJson<DeleteClusterRequest>,
) -> ApiResult {
    let fails = actions.is_some_and(|Extension(a)| a.task_fails);
    let mut inner = shared.world();
    let now = inner.clock.now();
    let duration = durations::delete(inner.world.uniform());
    let cluster = find(&mut inner, params.get("cluster_id"))?;
    if cluster.deleting.is_none() {
        if let Some(task) = cluster.task.as_ref().filter(|t| !t.op.done(now)) {
            return Err(busy(&format!(
                "The cluster is busy with task {}.",
                task.kind.task_status()
            )));
        }
        cluster.deleting = Some(Op {
            start: now,
            duration,
        });
        cluster.delete_fails = fails;
        cluster.failure = None;
        shared.commit(&inner)?;
    }
    reply::empty(StatusCode::ACCEPTED)
}

/// How long a task takes: seconds, or a scaling's phases (their sum).
pub enum Length {
    Secs(f64),
    Phases(durations::Scaling),
}

/// Starts a task on an idle cluster (clearing what a failed one left behind); `fails` makes
/// it end in its failure state.
pub fn start_task(
    inner: &mut Inner,
    id: &str,
    kind: TaskKind,
    length: Length,
    fails: bool,
) -> Result<(), ApiErr> {
    find_idle_for(inner, id, kind.failure())?;
    let now = inner.clock.now();
    let (duration, phases) = match length {
        Length::Secs(secs) => (secs, None),
        Length::Phases(scaling) => (scaling.total(), Some(scaling)),
    };
    let started_wall = format_local(inner.clock.wall_at(now));
    let cluster = find(inner, id)?;
    cluster.failure = None;
    cluster.task = Some(Task {
        kind,
        op: Op {
            start: now,
            duration,
        },
        started_wall,
        fails,
        phases,
    });
    Ok(())
}

/// Whether the call's fault schedule makes its task fail.
pub fn task_fails(actions: Option<Extension<Actions>>) -> bool {
    actions.is_some_and(|Extension(a)| a.task_fails)
}

pub async fn restart(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
    DwsJson(_body): DwsJson<RestartRequest>,
) -> ApiResult {
    let mut inner = shared.world();
    let id = params.get("cluster_id");
    find(&mut inner, id)?;
    let secs = durations::restart(inner.world.uniform());
    start_task(
        &mut inner,
        id,
        TaskKind::Rebooting,
        Length::Secs(secs),
        task_fails(actions),
    )?;
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

/// Scale out by `count` (≥ 1: GTC's acceptance test adds one node on the live service, so
/// the "at least 3" of the current doc is not enforced), to at most 256 nodes and the quota.
pub async fn resize(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
    DwsJson(body): DwsJson<ResizeRequest>,
) -> ApiResult {
    let count = body.scale_out.count;
    let id = params.get("cluster_id");
    let mut inner = shared.world();
    let cluster = find_idle(&mut inner, id)?;
    let (current, data_gb) = (cluster.number_of_node, cluster.data_gb());
    capacity::grow_count_rule(current, count)?;
    capacity::grow_rules(&shared.config, &inner.world, id, count)?;
    let new_node_ids = (0..count).map(|_| inner.world.new_uuid()).collect();
    let new_private_ips = inner.world.private_ips(count);
    let scaling = durations::scale_out(inner.world.uniform(), data_gb, current, count);
    start_task(
        &mut inner,
        id,
        TaskKind::Growing {
            new_node_ids,
            new_private_ips,
        },
        Length::Phases(scaling),
        task_fails(actions),
    )?;
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

/// Scale in by `shrink_number`, keeping at least 3 nodes. Answers 200 with the
/// `{"error_code": "DWS.0000", "error_msg": null}` success body the newer APIs use and the
/// `job_id` of the scale-in (`node_change/scaling_in_a_cluster.rst`; see [`super::jobs`]);
/// the Huawei profile answers refusals the newer APIs' way too ([`super::profile`]).
pub async fn shrink(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
    DwsJson(body): DwsJson<ShrinkRequest>,
) -> ApiResult {
    let id = params.get("cluster_id");
    let fails = task_fails(actions);
    match start_shrink(&shared, id, body.shrink_number, fails) {
        Ok(job) => Ok((
            StatusCode::OK,
            axum::Json(
                serde_json::json!({"error_code": "DWS.0000", "error_msg": null, "job_id": job}),
            ),
        )
            .into_response()),
        Err(err) => Ok(shared.config.profile.newer_api_refusal(err)),
    }
}

/// Starts the scale-in; the id of its job.
fn start_shrink(shared: &Shared, id: &str, count: u32, fails: bool) -> Result<String, ApiErr> {
    let mut inner = shared.world();
    let cluster = find_idle(&mut inner, id)?;
    capacity::shrink_rule(cluster, count)?;
    let (current, data_gb) = (cluster.number_of_node, cluster.data_gb());
    let scaling = durations::scale_in(inner.world.uniform(), data_gb, current, count);
    start_task(
        &mut inner,
        id,
        TaskKind::Shrinking { count },
        Length::Phases(scaling),
        fails,
    )?;
    let job = super::jobs::for_task(&mut inner, id, "ClusterShrinkJob");
    shared.commit(&inner)?;
    Ok(job)
}

/// Synchronous (vendor API reference: resetting_a_password.rst): the new password must follow the
/// creation rules and differ
/// from the current one.
pub async fn reset_password(
    State(shared): State<Arc<Shared>>,
    params: Params,
    DwsJson(body): DwsJson<ResetPasswordRequest>,
) -> ApiResult {
    let mut inner = shared.world();
    let cluster = find_idle(&mut inner, params.get("cluster_id"))?;
    let pw = body.new_password.expose();
    validate::password(shared.config.password_policy, pw, &cluster.user_name)?;
    if password_matches(&cluster.password_sha256, pw) {
        return Err(ApiErr::dws(
            StatusCode::BAD_REQUEST,
            "DWS.5144",
            "Invalid password of the cluster administrator. The new password must differ from the current one.",
        ));
    }
    cluster.password_sha256 = hash_password(pw);
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

pub async fn list_tags(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let mut inner = shared.world();
    let tags = find(&mut inner, params.get("cluster_id"))?.tags.clone();
    reply::ok(&TagsBody { tags })
}

/// Adds tags; an existing key gets the new value. At most 10 tags per cluster.
pub async fn create_tags(
    State(shared): State<Arc<Shared>>,
    params: Params,
    DwsJson(body): DwsJson<TagsBody>,
) -> ApiResult {
    validate::tags(&body.tags)?;
    let mut inner = shared.world();
    let cluster = find(&mut inner, params.get("cluster_id"))?;
    let mut tags = cluster.tags.clone();
    for tag in body.tags {
        match tags.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value = tag.value,
            None => tags.push(tag),
        }
    }
    if tags.len() > validate::MAX_TAGS {
        return Err(validate::too_many_tags());
    }
    cluster.tags = tags;
    shared.commit(&inner)?;
    Ok(StatusCode::OK.into_response())
}

/// Removes tags by key; a key the cluster does not carry is ignored, so a retried delete
/// succeeds.
pub async fn delete_tags(
    State(shared): State<Arc<Shared>>,
    params: Params,
    DwsJson(body): DwsJson<TagsBody>,
) -> ApiResult {
    for tag in &body.tags {
        if tag.key.is_empty() || tag.key.chars().count() > 128 {
            return Err(ApiErr::dws(
                StatusCode::BAD_REQUEST,
                "DWS.5197",
                "The tag is invalid. A tag key must be 1 to 128 characters long.",
            ));
        }
    }
    let mut inner = shared.world();
    let cluster = find(&mut inner, params.get("cluster_id"))?;
    cluster
        .tags
        .retain(|t| !body.tags.iter().any(|gone| gone.key == t.key));
    shared.commit(&inner)?;
    Ok(StatusCode::OK.into_response())
}
