//! `GET /v2/{project_id}/clusters/{cluster_id}/snapshot-policies`: every cluster has the
//! default automated-snapshot policy of `snapshot_management/querying_a_snapshot_policy.rst`
//! (keep 3 days; a full backup Sundays 02:00, increments at 02:07, 10:07 and 18:07 on the
//! other days, UTC). `next_fire_time` is when the simulator takes the cluster's next automated
//! snapshot (milliseconds since the epoch, as the reference shows it), `null` while the
//! background schedule is off ([`super::background`] says why the crons are not fired).

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::extract::State;
use serde_json::{json, Value};

use super::background::KEEP_DAYS;
use super::clusters;
use super::reply::{self, ApiResult, Params};
use super::server::Shared;
use super::validate;

pub async fn get(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let inner = shared.world();
    let id = params.get("cluster_id");
    validate::id("cluster", id)?;
    let Some(cluster) = inner.world.cluster(id) else {
        return Err(clusters::not_found(&inner, id, false));
    };
    let next_fire = inner.world.background.next_fire().map(|t| {
        let ms = inner
            .clock
            .wall_at(t)
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        ms.to_string()
    });
    let updated = cluster.created.clone();
    reply::ok(&policy(next_fire, &updated))
}

fn strategy(
    id: &str,
    name: &str,
    cron: &str,
    kind: &str,
    next: &Option<String>,
    updated: &str,
) -> Value {
    json!({
        "policy_id": id,
        "policy_name": name,
        "backup_strategy": cron,
        "backup_type": kind,
        "backup_level": "cluster",
        "next_fire_time": next,
        "update_time": updated,
        "time_zone_offset": 0
    })
}

/// The reference's example answer, with this simulator's next fire.
fn policy(next: Option<String>, updated: &str) -> Value {
    json!({
        "keep_day": KEEP_DAYS as u32,
        "backup_strategies": [
            strategy("3b5464ad-74a5-42cc-9667-76122839109a", "apie-default-full-strategy",
                     "0 0 2 ? * 1", "full", &next, updated),
            strategy("ceaeaf07-d600-494c-86d7-caa0fbf0858a", "apie-default-increment-strategy",
                     "0 7 2/8 ? * 2,3,4,5,6,7", "increment", &next, updated),
        ],
        "device_name": "OBS",
        "server_ips": null,
        "server_port": null,
        "backup_param": null,
        "auto_backup": true,
        "backup_strategy_cluster_type_limit_num": 10,
        "backup_strategy_schema_type_limit_num": 50
    })
}
