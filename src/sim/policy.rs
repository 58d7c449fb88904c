//! The automated-snapshot policy API of a cluster (vendor API reference
//! snapshot_management/querying_a_snapshot_policy.rst, adding_a_snapshot_policy.rst,
//! deleting_a_snapshot_policy.rst):
//!
//! - `GET /v2/…/snapshot-policies` answers the cluster's policy; a cluster whose policy was
//!   never changed has the reference's default one (keep 3 days; a full backup Sundays 02:00,
//!   increments at 02:07, 10:07 and 18:07 on the other days, UTC). `next_fire_time` is when the
//!   simulator takes the cluster's next automated snapshot (milliseconds since the epoch, as
//!   the reference shows it), `null` while the background schedule is off or the cluster has
//!   no strategy ([`super::background`] says why the crons are not fired).
//! - `PUT /v2/…/snapshot-policies` sets `keep_day` (1–31) and changes (`policy_id` given) or
//!   adds (no `policy_id`: `policy_name` and `backup_strategy` mandatory) strategies; names are
//!   unique ignoring case, at most `backup_strategy_cluster_type_limit_num` (10) per cluster.
//!   The value rules are [`crate::api::rules`]'s, shared with `dwsctl validate`.
//! - `DELETE /v1.0/…/snapshot-policies/{id}` removes one strategy; an unknown id is 404.
//!
//! The pages document no error codes for these calls, only the statuses (400, 404): a broken
//! value is the generic 400 DWS.0001, an unknown strategy 404 with the same code. Neither page
//! says a busy cluster refuses a policy change (it only changes the schedule), so the
//! simulator accepts one at any cluster status, as it does tags.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::background::KEEP_DAYS;
use super::clock::format_local;
use super::clusters;
use super::reply::{self, ApiErr, ApiResult, DwsJson, Params};
use super::server::{Inner, Shared};
use super::state::{ClusterRec, State as World};
use super::validate;
use crate::api::policy::{PutSnapshotPolicy, StrategyRequest, DEFAULT_STRATEGIES};
use crate::api::rules::{self, MAX_POLICIES};

/// The backup media the PUT names (`device_name`: "OBS, NBU, and NFS are supported").
const DEVICES: &[&str] = &["OBS", "NBU", "NFS"];

/// A cluster's policy once a PUT or DELETE changed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyRec {
    pub keep_day: u32,
    pub strategies: Vec<StrategyRec>,
    pub device_name: String,
    #[serde(default)]
    pub server_ips: Option<Vec<String>>,
    #[serde(default)]
    pub server_port: Option<String>,
    #[serde(default)]
    pub backup_param: Option<String>,
}

/// One strategy (`backup_strategies[]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyRec {
    pub id: String,
    pub name: String,
    pub cron: String,
    pub kind: String,
    pub updated: String,
}

impl PolicyRec {
    /// The reference's example policy, updated when the cluster was created.
    pub fn default_for(cluster: &ClusterRec) -> Self {
        let strategy = |id: &str, name: &str, cron: &str, kind: &str| StrategyRec {
            id: id.to_owned(),
            name: name.to_owned(),
            cron: cron.to_owned(),
            kind: kind.to_owned(),
            updated: cluster.created.clone(),
        };
        Self {
            keep_day: KEEP_DAYS as u32,
            // The reference example's ids, so that a GET reads like the page.
            strategies: [
                "3b5464ad-74a5-42cc-9667-76122839109a",
                "ceaeaf07-d600-494c-86d7-caa0fbf0858a",
            ]
            .iter()
            .zip(DEFAULT_STRATEGIES)
            .map(|(id, (name, cron, kind))| strategy(id, name, cron, kind))
            .collect(),
            device_name: "OBS".to_owned(),
            server_ips: None,
            server_port: None,
            backup_param: None,
        }
    }
}

/// The policy of `cluster`: the stored one, or the default.
pub fn policy_of(world: &World, cluster: &ClusterRec) -> PolicyRec {
    world
        .policies
        .get(&cluster.id)
        .cloned()
        .unwrap_or_else(|| PolicyRec::default_for(cluster))
}

/// Days the automated snapshots of `cluster_id` are kept (the default when it has no
/// stored policy, or is gone).
pub fn keep_days(world: &World, cluster_id: &str) -> f64 {
    world
        .policies
        .get(cluster_id)
        .map_or(KEEP_DAYS, |p| f64::from(p.keep_day))
}

/// Whether the cluster's policy has a strategy (one without takes no automated snapshot).
pub fn takes_automated(world: &World, cluster_id: &str) -> bool {
    world
        .policies
        .get(cluster_id)
        .map_or(true, |p| !p.strategies.is_empty())
}

pub async fn get(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let inner = shared.world();
    let id = params.get("cluster_id");
    validate::id("cluster", id)?;
    let Some(cluster) = inner.world.cluster(id) else {
        return Err(clusters::not_found(&inner, id, false));
    };
    let policy = policy_of(&inner.world, cluster);
    let next_fire = inner
        .world
        .background
        .next_fire()
        .filter(|_| !policy.strategies.is_empty())
        .map(|t| {
            let ms = inner
                .clock
                .wall_at(t)
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            ms.to_string()
        });
    reply::ok(&answer(&policy, next_fire))
}

pub async fn put(
    State(shared): State<Arc<Shared>>,
    params: Params,
    DwsJson(body): DwsJson<PutSnapshotPolicy>,
) -> ApiResult {
    let id = params.get("cluster_id");
    validate::id("cluster", id)?;
    check_body(&body)?;
    let mut inner = shared.world();
    let mut policy = current(&inner, id)?;
    let now = format_local(inner.clock.wall_at(inner.clock.now()));
    if let Some(days) = body.keep_day {
        policy.keep_day = u32::try_from(days).unwrap_or(KEEP_DAYS as u32);
    }
    if let Some(device) = &body.device_name {
        policy.device_name = device.to_ascii_uppercase();
        policy.server_ips = body.server_ips.clone();
        policy.server_port = body.server_port.clone();
        policy.backup_param = body.backup_param.clone();
    }
    for s in body.backup_strategies.iter().flatten() {
        let updated = now.clone();
        match &s.policy_id {
            Some(pid) => change(&mut policy, pid, s, updated)?,
            None => {
                let new_id = inner.world.new_uuid();
                add(&mut policy, new_id, s, updated)?;
            }
        }
    }
    if policy.strategies.len() > MAX_POLICIES {
        return Err(ApiErr::bad_param(format!(
            "A cluster has at most {MAX_POLICIES} cluster-level snapshot policies; this request would make {}.",
            policy.strategies.len()
        )));
    }
    inner.world.policies.insert(id.to_owned(), policy);
    shared.commit(&inner)?;
    reply::ok(&json!({}))
}

pub async fn delete(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let id = params.get("cluster_id");
    validate::id("cluster", id)?;
    let policy_id = params.get("id");
    let mut inner = shared.world();
    let mut policy = current(&inner, id)?;
    let before = policy.strategies.len();
    policy.strategies.retain(|s| s.id != policy_id);
    if policy.strategies.len() == before {
        return Err(unknown_strategy(policy_id));
    }
    inner.world.policies.insert(id.to_owned(), policy);
    shared.commit(&inner)?;
    Ok(StatusCode::OK.into_response())
}

/// The cluster's policy, or its not-found answer.
fn current(inner: &Inner, id: &str) -> Result<PolicyRec, ApiErr> {
    match inner.world.cluster(id) {
        Some(cluster) => Ok(policy_of(&inner.world, cluster)),
        None => Err(clusters::not_found(inner, id, false)),
    }
}

fn unknown_strategy(policy_id: &str) -> ApiErr {
    let shown: String = policy_id.chars().take(64).collect();
    ApiErr::dws(
        StatusCode::NOT_FOUND,
        "DWS.0001",
        format!("Incorrect parameter. The cluster has no snapshot policy with id {shown:?}."),
    )
}

/// The checks that need no state: values, media, and what an addition must carry.
fn check_body(body: &PutSnapshotPolicy) -> Result<(), ApiErr> {
    if let Some(days) = body.keep_day {
        rules::keep_days(days).map_err(|v| validate::api_error(&v, ""))?;
    }
    if let Some(device) = &body.device_name {
        check_device(device, body)?;
    }
    for s in body.backup_strategies.iter().flatten() {
        check_strategy(s)?;
    }
    Ok(())
}

fn check_device(device: &str, body: &PutSnapshotPolicy) -> Result<(), ApiErr> {
    let upper = device.to_ascii_uppercase();
    if !DEVICES.contains(&upper.as_str()) {
        return Err(ApiErr::bad_param(
            "device_name must be one of OBS, NBU and NFS.",
        ));
    }
    let ips = body.server_ips.as_ref().is_some_and(|v| !v.is_empty());
    let nbu = body.server_port.is_some() && body.backup_param.is_some();
    match upper.as_str() {
        "NBU" if !(ips && nbu) => Err(ApiErr::bad_param(
            "server_ips, server_port and backup_param are mandatory for NBU.",
        )),
        "NFS" if !ips => Err(ApiErr::bad_param("server_ips is mandatory for NFS.")),
        _ => Ok(()),
    }
}

fn check_strategy(s: &StrategyRequest) -> Result<(), ApiErr> {
    if s.policy_id.is_none() {
        // An addition: name and schedule mandatory; the page gives no default backup type,
        // so the simulator asks for one rather than guess.
        let missing = [
            ("policy_name", s.policy_name.is_none()),
            ("backup_strategy", s.backup_strategy.is_none()),
            ("backup_type", s.backup_type.is_none()),
        ];
        if let Some((field, _)) = missing.iter().find(|(_, absent)| *absent) {
            return Err(ApiErr::bad_param(format!(
                "{field} is mandatory when adding a snapshot policy."
            )));
        }
    }
    if let Some(name) = &s.policy_name {
        rules::policy_name(name).map_err(|v| validate::api_error(&v, name))?;
    }
    if let Some(cron) = &s.backup_strategy {
        rules::policy_schedule(cron).map_err(|v| validate::api_error(&v, ""))?;
    }
    if let Some(kind) = &s.backup_type {
        rules::policy_type(kind).map_err(|v| validate::api_error(&v, ""))?;
    }
    match s.backup_level.as_deref() {
        None | Some("cluster") => Ok(()),
        Some(_) => Err(ApiErr::bad_param("backup_level must be cluster.")),
    }
}

fn name_taken(policy: &PolicyRec, name: &str, except: Option<&str>) -> Result<(), ApiErr> {
    let clash = policy
        .strategies
        .iter()
        .any(|s| Some(s.id.as_str()) != except && s.name.eq_ignore_ascii_case(name));
    if clash {
        let shown: String = name.chars().take(92).collect();
        return Err(ApiErr::bad_param(format!(
            "The snapshot policy name {shown:?} is already in use (names ignore case)."
        )));
    }
    Ok(())
}

fn add(
    policy: &mut PolicyRec,
    id: String,
    s: &StrategyRequest,
    updated: String,
) -> Result<(), ApiErr> {
    let name = s.policy_name.clone().unwrap_or_default();
    name_taken(policy, &name, None)?;
    policy.strategies.push(StrategyRec {
        id,
        name,
        cron: s.backup_strategy.clone().unwrap_or_default(),
        kind: s.backup_type.clone().unwrap_or_default(),
        updated,
    });
    Ok(())
}

fn change(
    policy: &mut PolicyRec,
    pid: &str,
    s: &StrategyRequest,
    updated: String,
) -> Result<(), ApiErr> {
    if let Some(name) = &s.policy_name {
        name_taken(policy, name, Some(pid))?;
    }
    let Some(rec) = policy.strategies.iter_mut().find(|r| r.id == pid) else {
        return Err(unknown_strategy(pid));
    };
    if let Some(name) = &s.policy_name {
        rec.name.clone_from(name);
    }
    if let Some(cron) = &s.backup_strategy {
        rec.cron.clone_from(cron);
    }
    if let Some(kind) = &s.backup_type {
        rec.kind.clone_from(kind);
    }
    rec.updated = updated;
    Ok(())
}

/// The GET's body (querying_a_snapshot_policy.rst, Table 2).
fn answer(policy: &PolicyRec, next: Option<String>) -> Value {
    let strategies: Vec<Value> = policy
        .strategies
        .iter()
        .map(|s| {
            json!({
                "policy_id": s.id,
                "policy_name": s.name,
                "backup_strategy": s.cron,
                "backup_type": s.kind,
                "backup_level": "cluster",
                "next_fire_time": next,
                "update_time": s.updated,
                "time_zone_offset": 0
            })
        })
        .collect();
    json!({
        "keep_day": policy.keep_day,
        "backup_strategies": strategies,
        "device_name": policy.device_name,
        "server_ips": policy.server_ips,
        "server_port": policy.server_port,
        "backup_param": policy.backup_param,
        "auto_backup": !policy.strategies.is_empty(),
        "backup_strategy_cluster_type_limit_num": MAX_POLICIES,
        "backup_strategy_schema_type_limit_num": 50
    })
}
