//! The in-place operations of issue 12, as the vendor's reference describes them
//! (`otc-dws-api/api_description/`, file named at each handler): security group, EIP bind and
//! unbind, description, rename, start and stop, and the CNs (list, add, delete).
//!
//! Like every mutating call, each refuses a busy cluster with 403 DWS.7023 (see
//! [`super::clusters`]); a stopped cluster refuses everything but a start and a delete. The
//! security group, EIP and description take effect at once: their pages answer "modified" /
//! "bound". The rename answers a `job_id` ("Request submitted") and takes effect when its
//! job ends. Start, stop and the CN changes run as
//! tasks (`STARTING` / `STOPPING`, `ADD_CN_ING` / `DEL_CN_ING`), fail under the `task_fails`
//! fault, and last what [`durations`] says. Every `job_id` handed out can be queried
//! ([`jobs`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::json;

use super::clusters::{find, find_idle, name_taken, start_task, task_fails, Length};
use super::faults::Actions;
use super::reply::{self, ApiErr, ApiResult, DwsJson, Params};
use super::server::{Inner, Shared};
use super::state::{Op, Renaming, TaskKind};
use super::{capacity, durations, jobs, validate};
use crate::api::ops::{
    AddCoordinatorsRequest, CoordinatorList, CoordinatorNode, DeleteCoordinatorsRequest,
    DescriptionRequest, RenameRequest, SecurityGroupsRequest,
};
use crate::api::wire::PublicIp;

/// The fewest CNs a cluster has (`querying_cn_nodes_of_a_cluster.rst`'s `min_num`, and the
/// create page's range).
pub const MIN_CNS: u32 = 2;
/// The most CNs a cluster has: its node count, at most 20 (the create page's range).
pub fn max_cns(nodes: u32) -> u32 {
    nodes.min(20)
}

fn bad(code: &str, doc: &str, detail: impl AsRef<str>) -> ApiErr {
    ApiErr::dws(
        StatusCode::BAD_REQUEST,
        code,
        format!("{doc} {}", detail.as_ref()),
    )
}

/// `{"error_code": null, "error_msg": null, "job_id": …}`, the start and stop answers, with
/// the job of the task just started on cluster `cluster_id`.
fn job(inner: &mut Inner, cluster_id: &str, name: &str) -> Response {
    let id = jobs::for_task(inner, cluster_id, name);
    (
        StatusCode::OK,
        axum::Json(json!({"error_code": null, "error_msg": null, "job_id": id})),
    )
        .into_response()
}

/// `PUT /v1/{project_id}/clusters/{cluster_id}/security-group`
/// (`cluster_management/modifying_the_security_group_of_a_cluster.rst`): a list of groups,
/// each one of the account's (the create's codes: DWS.5203 empty, DWS.5016 not a UUID,
/// 404 DWS.5023 unknown, DWS.5039 twice). The page's example sends two; the detail has one
/// `security_group_id` field, which then lists them joined by commas (as the v2 create
/// joins zones).
pub async fn security_group(
    State(shared): State<Arc<Shared>>,
    params: Params,
    DwsJson(body): DwsJson<SecurityGroupsRequest>,
) -> ApiResult {
    let groups = body.security_groups;
    if groups.is_empty() {
        return Err(bad(
            "DWS.5203",
            "The security group ID cannot be left blank.",
            "security_groups is empty.",
        ));
    }
    for (i, sg) in groups.iter().enumerate() {
        validate::security_group(&shared.config.networks, sg)?;
        if groups[..i].contains(sg) {
            return Err(bad(
                "DWS.5039",
                "Duplicate parameters.",
                format!("Security group {sg} appears more than once."),
            ));
        }
    }
    let mut inner = shared.world();
    let cluster = find_idle(&mut inner, params.get("cluster_id"))?;
    cluster.security_group_id = groups.join(",");
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

/// `POST /v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}`
/// (`connection_management/binding_an_eip_to_a_cluster.rst`): the EIP must be the account's
/// and free ([`capacity::eip_free`]), the cluster without another EIP; binding the EIP it
/// already has is a no-op (a retried bind must not fail on its own success).
pub async fn bind_eip(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let eip = params.get("eip_id");
    eip_id(eip)?;
    let mut inner = shared.world();
    let id = params.get("cluster_id");
    let cluster = find_idle(&mut inner, id)?;
    if let Some(bound) = capacity::bound_eip(cluster) {
        if bound == eip {
            return reply::empty(StatusCode::OK);
        }
        return Err(bad(
            "DWS.5133",
            "Invalid EIP ID.",
            format!("The cluster already has EIP {bound}; unbind it first."),
        ));
    }
    capacity::eip_free(&shared.config, &inner.world, eip, Some(id))?;
    let address = capacity::eip_address(&shared.config, eip, None)
        .unwrap_or_else(|| "80.158.90.254".to_owned());
    let cluster = find(&mut inner, id)?;
    cluster.public_ip = Some(PublicIp {
        public_bind_type: "bind_existing".to_owned(),
        eip_id: Some(eip.to_owned()),
        eip_address: None,
    });
    cluster.eip_address = Some(address);
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

/// `DELETE /v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}`
/// (`connection_management/unbinding_an_eip_from_a_cluster.rst`): only the EIP the cluster
/// has. Afterwards the detail shows `public_bind_type: not_use` and an empty `eip_id`, as
/// terraform-provider-huaweicloud observes (dws-api.md §6.2).
pub async fn unbind_eip(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let eip = params.get("eip_id");
    eip_id(eip)?;
    let mut inner = shared.world();
    let cluster = find_idle(&mut inner, params.get("cluster_id"))?;
    if capacity::bound_eip(cluster) != Some(eip) {
        return Err(bad(
            "DWS.5133",
            "Invalid EIP ID.",
            format!("EIP {eip} is not bound to this cluster."),
        ));
    }
    cluster.public_ip = Some(PublicIp {
        public_bind_type: "not_use".to_owned(),
        eip_id: Some(String::new()),
        eip_address: None,
    });
    cluster.eip_address = None;
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

fn eip_id(eip: &str) -> Result<(), ApiErr> {
    if validate::is_uuid(eip) {
        Ok(())
    } else {
        Err(bad(
            "DWS.5133",
            "Invalid EIP ID.",
            "The ID is not a valid UUID.",
        ))
    }
}

/// `POST /v1/{project_id}/clusters/{cluster_id}/description`
/// (`cluster_management/modifying_cluster_description.rst`): answers
/// `{"error_code": "DWS.0000", "error_msg": null}`; a newer API, so the Huawei profile answers
/// refusals its way ([`super::profile`]). The page gives no limit; the snapshot
/// description's (256 characters, none of `!<>'=&"`) is applied, the stricter choice.
/// `namespace`, if given, must be `DWS`.
pub async fn description(
    State(shared): State<Arc<Shared>>,
    params: Params,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    DwsJson(body): DwsJson<DescriptionRequest>,
) -> ApiResult {
    let Query(query) = query.map_err(|_| super::checks::query_error())?;
    let result = set_description(&shared, params.get("cluster_id"), &query, &body);
    match result {
        Ok(()) => reply::ok(&json!({"error_code": "DWS.0000", "error_msg": null})),
        Err(err) => Ok(shared.config.profile.newer_api_refusal(err)),
    }
}

fn set_description(
    shared: &Shared,
    id: &str,
    query: &HashMap<String, String>,
    body: &DescriptionRequest,
) -> Result<(), ApiErr> {
    if query.get("namespace").is_some_and(|ns| ns != "DWS") {
        return Err(ApiErr::bad_param("namespace must be DWS."));
    }
    let text = &body.description_info;
    validate::cluster_description(text)?;
    let mut inner = shared.world();
    find_idle(&mut inner, id)?.description = text.clone();
    shared.commit(&inner)
}

/// `PUT /v1/{project_id}/clusters/{cluster_id}/cluster-name`
/// (`cluster_management/changing_a_cluster_name.rst`): the page says "start with a letter, 3
/// to 64 characters", the create page 4 to 64; the create's rule applies (the stricter, and
/// the one the name must meet anyway). The page answers "Request submitted" with a job id:
/// the name changes when the job ends ([`durations::rename`]); meanwhile the cluster is not
/// busy, and the new name is taken (another create or rename of it is 409 DWS.5050, as for a
/// name in use). The cluster's own name, or the one it is being renamed to, is a no-op; a
/// different rename while one runs is refused as busy. The page's "GuestAgent 8.3.1 or
/// later" is not modelled.
pub async fn rename(
    State(shared): State<Arc<Shared>>,
    params: Params,
    DwsJson(body): DwsJson<RenameRequest>,
) -> ApiResult {
    let name = body
        .cluster_name
        .ok_or_else(|| ApiErr::bad_param("cluster_name is missing."))?;
    validate::cluster_name(&name)?;
    let mut inner = shared.world();
    let id = params.get("cluster_id");
    let cluster = find_idle(&mut inner, id)?;
    let job = match (&cluster.renaming, cluster.name == name) {
        (Some(running), _) if running.name == name => {
            let op = running.op;
            jobs::for_op(&mut inner, RENAME_JOB, op)
        }
        (Some(running), _) => {
            return Err(super::clusters::busy(&format!(
                "The cluster is being renamed to {}.",
                running.name
            )))
        }
        (None, true) => jobs::done_now(&mut inner, RENAME_JOB),
        (None, false) => {
            if inner.world.clusters.iter().any(|c| c.claims(&name)) {
                return Err(name_taken(&name));
            }
            let op = Op {
                start: inner.clock.now(),
                duration: durations::rename(inner.world.uniform()),
            };
            find(&mut inner, id)?.renaming = Some(Renaming { name, op });
            jobs::for_op(&mut inner, RENAME_JOB, op)
        }
    };
    shared.commit(&inner)?;
    reply::ok(&json!({ "job_id": job }))
}

const RENAME_JOB: &str = "ClusterRenameJob";

/// `POST /v1/{project_id}/clusters/{cluster_id}/start` (`cluster_management/starting_a_cluster.rst`):
/// only a stopped cluster starts (403 DWS.7023 otherwise).
pub async fn start(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
) -> ApiResult {
    let mut inner = shared.world();
    let id = params.get("cluster_id");
    if !find(&mut inner, id)?.stopped {
        return Err(super::clusters::busy("The cluster is not stopped."));
    }
    let secs = durations::start(inner.world.uniform());
    let kind = TaskKind::Power { start: true };
    start_task(
        &mut inner,
        id,
        kind,
        Length::Secs(secs),
        task_fails(actions),
    )?;
    let answer = job(&mut inner, id, "ClusterStartJob");
    shared.commit(&inner)?;
    Ok(answer)
}

/// `POST /v1/{project_id}/clusters/{cluster_id}/stop` (`cluster_management/stopping_a_cluster.rst`):
/// an idle, running cluster stops (a stopped one is refused as busy: "The cluster is stopped.").
pub async fn stop(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
) -> ApiResult {
    let mut inner = shared.world();
    let id = params.get("cluster_id");
    find(&mut inner, id)?;
    let secs = durations::stop(inner.world.uniform());
    let kind = TaskKind::Power { start: false };
    start_task(
        &mut inner,
        id,
        kind,
        Length::Secs(secs),
        task_fails(actions),
    )?;
    let answer = job(&mut inner, id, "ClusterStopJob");
    shared.commit(&inner)?;
    Ok(answer)
}

/// `GET /v1.0/{project_id}/clusters/{cluster_id}/cns`
/// (`node_change/querying_cn_nodes_of_a_cluster.rst`): a CN runs on a node; its name follows
/// the page's example (`demo-dws-cn-cn-1-1`).
pub async fn list_cns(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let mut inner = shared.world();
    let cluster = find(&mut inner, params.get("cluster_id"))?;
    let instances = cluster
        .coordinator_ids()
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let at = cluster.node_ids.iter().position(|n| *n == id);
            CoordinatorNode {
                name: format!("{}-cn-{}-1", cluster.name, i + 1),
                private_ip: at
                    .and_then(|at| cluster.private_ips.get(at).cloned())
                    .unwrap_or_default(),
                id,
            }
        })
        .collect();
    reply::ok(&CoordinatorList {
        min_num: MIN_CNS,
        max_num: max_cns(cluster.number_of_node),
        instances,
    })
}

/// `POST …/cns/batch-create` (`node_change/adding_cn_nodes_in_batches.rst`): `num` is the
/// total after the addition, more than now and at most [`max_cns`] (400 DWS.5047).
pub async fn add_cns(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
    DwsJson(body): DwsJson<AddCoordinatorsRequest>,
) -> ApiResult {
    let mut inner = shared.world();
    let id = params.get("cluster_id");
    let cluster = find_idle(&mut inner, id)?;
    let (now, max) = (cluster.number_of_cn, max_cns(cluster.number_of_node));
    if body.num <= now || body.num > max {
        return Err(bad(
            "DWS.5047",
            "Invalid instance quantity.",
            format!("num is the number of CNs after the addition: more than the {now} the cluster has, at most {max}."),
        ));
    }
    let mut ids = cluster.coordinator_ids();
    let spare: Vec<String> = cluster
        .node_ids
        .iter()
        .filter(|n| !ids.contains(n))
        .take((body.num - now) as usize)
        .cloned()
        .collect();
    ids.extend(spare);
    change_cns(&shared, &mut inner, id, ids, true, task_fails(actions))
}

/// `POST …/cns/batch-delete` (`node_change/deleting_cn_nodes_in_batches.rst`): the ids of
/// CNs of the cluster ("cannot be left blank"), keeping at least [`MIN_CNS`].
pub async fn delete_cns(
    State(shared): State<Arc<Shared>>,
    params: Params,
    actions: Option<Extension<Actions>>,
    DwsJson(body): DwsJson<DeleteCoordinatorsRequest>,
) -> ApiResult {
    if body.instances.is_empty() {
        return Err(ApiErr::bad_param("instances cannot be left blank."));
    }
    let mut inner = shared.world();
    let id = params.get("cluster_id");
    let ids = find_idle(&mut inner, id)?.coordinator_ids();
    for (i, gone) in body.instances.iter().enumerate() {
        if !ids.contains(gone) || body.instances[..i].contains(gone) {
            return Err(ApiErr::bad_param(format!(
                "{gone:?} is not a CN of this cluster, or is named twice."
            )));
        }
    }
    let keep: Vec<String> = ids
        .iter()
        .filter(|n| !body.instances.contains(n))
        .cloned()
        .collect();
    if (keep.len() as u32) < MIN_CNS {
        return Err(bad(
            "DWS.5047",
            "Invalid instance quantity.",
            format!(
                "The cluster has {} CNs and must keep at least {MIN_CNS}.",
                ids.len()
            ),
        ));
    }
    change_cns(&shared, &mut inner, id, keep, false, task_fails(actions))
}

/// Starts the CN task that leaves the cluster with the CNs `ids`.
fn change_cns(
    shared: &Shared,
    inner: &mut Inner,
    id: &str,
    ids: Vec<String>,
    adding: bool,
    fails: bool,
) -> ApiResult {
    let before = find(inner, id)?.number_of_cn;
    let changed = before.abs_diff(ids.len() as u32);
    let secs = durations::coordinators(inner.world.uniform(), changed);
    let kind = TaskKind::Coordinators { ids, adding };
    start_task(inner, id, kind, Length::Secs(secs), fails)?;
    let name = if adding {
        "ClusterCnAddJob"
    } else {
        "ClusterCnDeleteJob"
    };
    let job = jobs::for_task(inner, id, name);
    shared.commit(inner)?;
    reply::ok(&json!({ "job_id": job }))
}
