//! The checks without side effects that catch a failure before the operation: the check
//! before a create (`cluster_management/performing_a_check_before_cluster_creation.rst`), the
//! scale-out check (`node_change/performing_a_scale-out_check.rst`) and the scale-in check
//! (`node_change/performing_a_scale-in_check.rst`).
//!
//! Each runs the very functions that make its operation fail ([`capacity::admit`],
//! [`capacity::grow_rules`] through [`capacity::rules`], [`capacity::shrink_rule`] and its
//! parts), so a passing check means the operation would be accepted by an idle cluster. A
//! check changes nothing and does not look at whether the cluster is busy (that can change
//! before the operation runs); it refuses only malformed requests and unknown clusters.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::json;

use super::capacity::grow_demand;
use super::catalog;
use super::clusters::{self, NewCluster};
use super::reply::{self, ApiErr, ApiResult, DwsJson, Params};
use super::server::Shared;
use super::{capacity, validate, Config};
use crate::api::ops::{ClusterCheck, ClusterCheckRequest, GrowCheckRequest, GrowCheckResult};

/// `POST /v2/{project_id}/cluster-precheck`: 200 `{}` when a create of this cluster would be
/// accepted, else the error the create answers (same status, code and reason). The page
/// documents no failure body; answering as the operation does is what makes the reason the
/// cloud's.
pub async fn precheck(
    State(shared): State<Arc<Shared>>,
    DwsJson(body): DwsJson<ClusterCheckRequest>,
) -> ApiResult {
    let new = checked(&shared.config, body.cluster)?;
    let inner = shared.world();
    capacity::admit(&shared.config, &inner.world, &new)?;
    reply::ok(&json!({}))
}

/// The create's stateless rules for the fields a check carries, in the create's order.
fn checked(cfg: &Config, c: ClusterCheck) -> Result<NewCluster, ApiErr> {
    let name = c.name.unwrap_or_default();
    if !name.is_empty() {
        validate::cluster_name(&name)?;
    }
    let flavor = catalog::flavor(&c.flavor).ok_or_else(|| {
        ApiErr::dws(
            StatusCode::BAD_REQUEST,
            "DWS.5006",
            format!(
                "Invalid specifications. Node type {:?} does not exist.",
                c.flavor
            ),
        )
    })?;
    validate::node_count(c.num_node)?;
    let port = match c.db_port.as_deref() {
        None => 8000,
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| ApiErr::bad_param("db_port must be a number."))?,
    };
    validate::port(port)?;
    let sg = c
        .security_group_id
        .or_else(|| cfg.networks.security_group_ids.first().cloned())
        .unwrap_or_default();
    validate::network(&cfg.networks, &c.vpc_id, &c.subnet_id, &sg)?;
    let az = c.availability_zones.first().cloned().unwrap_or_default();
    validate::availability_zone(&cfg.networks, &az)?;
    if let Some(ip) = &c.public_ip {
        validate::public_ip(ip)?;
    }
    let cns = c.num_cn.unwrap_or(3.min(c.num_node));
    validate::number_of_cn(cns, c.num_node)?;
    let tags = c.tag_list.unwrap_or_default();
    validate::tags(&tags)?;
    Ok(NewCluster {
        name,
        flavor,
        number_of_node: c.num_node,
        subnet_id: c.subnet_id,
        security_group_id: sg,
        vpc_id: c.vpc_id,
        availability_zone: az,
        port,
        user_name: String::new(),
        password_sha256: String::new(),
        public_ip: c.public_ip,
        number_of_cn: cns,
        tags,
        enterprise_project_id: c.enterprise_project_id.unwrap_or_else(|| "0".to_owned()),
        restored_from: None,
        version: c.datastore_version,
        duration: 0.0,
        failure: None,
        list_lag: 0.0,
        data_gb: None,
    })
}

/// `POST /v2/{project_id}/clusters/{cluster_id}/grow-check`: one item per capacity rule, each
/// `required`, with the reason the scale-out would give; a `count` the scale-out refuses is
/// refused the same way (400 DWS.5047).
pub async fn grow_check(
    State(shared): State<Arc<Shared>>,
    params: Params,
    DwsJson(body): DwsJson<GrowCheckRequest>,
) -> ApiResult {
    let count = body.scale_out.count;
    let mut inner = shared.world();
    let id = params.get("cluster_id");
    let current = clusters::find(&mut inner, id)?.number_of_node;
    capacity::grow_count_rule(current, count)?;
    let cluster = clusters::find(&mut inner, id)?.clone();
    let data: Vec<GrowCheckResult> =
        capacity::rules(&shared.config, &inner.world, &grow_demand(&cluster, count))
            .into_iter()
            .map(|(rule, result)| GrowCheckResult {
                pass: result.is_ok(),
                reason: result.err().map(|r| r.reason),
                required: true,
                desc: Some(rule.desc().to_owned()),
                kind: Some("Quota".to_owned()),
            })
            .collect();
    let note = json!({"bucket_split_info": {
        "current_dn_num": current,
        "after_scale_out_dn_num": current.saturating_add(count),
        "is_bucket_split": false,
    }});
    reply::ok(&json!({ "note": note, "data": data }))
}

/// The answer to a query string that cannot be decoded (instead of axum's plain text).
pub fn query_error() -> ApiErr {
    ApiErr::bad_param("The query string cannot be decoded.")
}

/// `GET /v1/{project_id}/clusters/{cluster_id}/shrink-check?check_item=…&shrink_count=…`:
/// `is_passed` per item, each by the rule of the scale-in it stands for: `disk` ("whether the
/// disk capacity meets the requirements after scale-in") by the whole [`capacity::shrink_rule`]
/// (the data must fit on the nodes that stay); `guc` and `schema` by the node count alone
/// ([`capacity::shrink_count_rule`]), since the simulator has no GUC parameters or tables that
/// could stop a scale-in. The page's range for `shrink_count` (3 to nodes − 3) is the
/// scale-in's own count rule, and its `is_passed` says to "adjust the number of nodes to be
/// removed" when it fails, so an out-of-range count is not passed rather than refused.
pub async fn shrink_check(
    State(shared): State<Arc<Shared>>,
    params: Params,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult {
    let Query(query) = query.map_err(|_| query_error())?;
    let item = query.get("check_item").map(String::as_str);
    if !matches!(item, Some("guc" | "schema" | "disk")) {
        return Err(ApiErr::bad_param(
            "check_item must be one of guc, schema, disk.",
        ));
    }
    let count: u32 = query
        .get("shrink_count")
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| ApiErr::bad_param("shrink_count must be a whole number."))?;
    let mut inner = shared.world();
    let cluster = clusters::find(&mut inner, params.get("cluster_id"))?;
    let passed = if item == Some("disk") {
        capacity::shrink_rule(cluster, count).is_ok()
    } else {
        capacity::shrink_count_rule(cluster.number_of_node, count).is_ok()
    };
    reply::ok(&json!({ "is_passed": passed }))
}
