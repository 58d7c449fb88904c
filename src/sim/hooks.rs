//! The test hooks under `/_sim/` (README, "Test hooks (`/_sim/`)"): request counters, the fault
//! schedule, bulk seeding, reset, the clock, and preset ids. They need no credentials and are
//! neither counted nor faulted.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::catalog;
use super::clusters::{self, NewCluster};
use super::conditions::{check_value, Condition, SnapshotCondition};
use super::faults::{Faults, FaultsRequest};
use super::reply::{self, ApiErr, ApiResult, DwsJson};
use super::server::{lock, Shared};
use super::snapshots::source_of;
use super::state::{hash_password, Op, SnapshotRec, State as World, AUTO, MANUAL};

/// The most objects one seed call creates.
pub const MAX_SEED: u64 = 100_000;

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/requests", get(requests).delete(reset_requests))
        .route(
            "/_sim/faults",
            get(faults).post(add_faults).delete(clear_faults),
        )
        .route("/_sim/seed", post(seed))
        .route("/_sim/reset", post(reset))
        .route("/_sim/clock", get(clock))
        .route("/_sim/clock/advance", post(advance))
        .route("/_sim/clock/skew", post(skew))
        .route("/_sim/clock/pause", post(pause))
        .route("/_sim/clock/resume", post(resume))
        .route("/_sim/ids", post(preset_ids))
        .route("/_sim/background", get(background).post(set_background))
        .route("/_sim/background/fire", post(fire_background))
        .route(
            "/_sim/clusters/{cluster_id}/maintain-window",
            axum::routing::put(set_maintain_window),
        )
        .route(
            "/_sim/clusters/{cluster_id}/data",
            axum::routing::put(set_cluster_data),
        )
        .route(
            "/_sim/clusters/{cluster_id}/condition",
            post(set_cluster_condition).delete(clear_cluster_condition),
        )
        .route(
            "/_sim/snapshots/{snapshot_id}/condition",
            post(set_snapshot_condition).delete(clear_snapshot_condition),
        )
}

/// `POST /_sim/background` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackgroundRequest {
    automated_snapshots: AutomatedSnapshots,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AutomatedSnapshots {
    every_seconds: f64,
}

fn background_body(world: &World) -> serde_json::Value {
    json!({"automated_snapshots": {
        "every_seconds": world.background.every_seconds,
        "next_fire": world.background.next_fire(),
    }})
}

async fn background(State(shared): State<Arc<Shared>>) -> ApiResult {
    let inner = shared.world();
    reply::ok(&background_body(&inner.world))
}

/// Every cluster takes an automated snapshot every N simulated seconds from now (0: off).
async fn set_background(
    State(shared): State<Arc<Shared>>,
    DwsJson(req): DwsJson<BackgroundRequest>,
) -> ApiResult {
    let every = req.automated_snapshots.every_seconds;
    if !(every.is_finite() && (every == 0.0 || every >= 1.0)) {
        return Err(ApiErr::bad_param(
            "automated_snapshots.every_seconds must be 0 (off) or at least 1",
        ));
    }
    let mut inner = shared.world();
    let now = inner.clock.now();
    inner.world.background = super::background::Background::every(every, now);
    shared.commit(&inner)?;
    reply::ok(&background_body(&inner.world))
}

/// One fire of the schedule now, whatever the schedule: every idle cluster whose policy
/// takes automated snapshots starts one. Answers the names of the snapshots started. Unlike
/// a schedule set to fire soon, it fires exactly once however long the test takes to call
/// the simulator next.
async fn fire_background(State(shared): State<Arc<Shared>>) -> ApiResult {
    let mut inner = shared.world();
    let now = inner.clock.now();
    let before = inner.world.snapshots.len();
    let super::server::Inner { world, clock, .. } = &mut *inner;
    super::background::fire(world, now, clock);
    world.background.fired += 1;
    let started: Vec<&str> = world.snapshots[before..]
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let body = json!({ "started": started });
    shared.commit(&inner)?;
    reply::ok(&body)
}

/// Sets what a cluster shows (`{"status", "sub_status", "task_status", "failed_reasons"}`,
/// each optional; `{}` clears). A status other than AVAILABLE, a redistribution or a running
/// task makes it refuse operations; `READONLY` refuses snapshots.
async fn set_cluster_condition(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    DwsJson(condition): DwsJson<Condition>,
) -> ApiResult {
    condition.check().map_err(ApiErr::bad_param)?;
    let mut inner = shared.world();
    let cluster = inner
        .world
        .cluster_mut(&id)
        .ok_or_else(|| ApiErr::bad_param(format!("no cluster {id:?}")))?;
    cluster.condition = (!condition.is_empty()).then_some(condition);
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

/// `PUT /_sim/clusters/{id}/data` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataRequest {
    gb: f64,
}

/// Sets how much data a cluster holds (a warehouse fills up over time), at most what its
/// disks hold. Everything that depends on the data follows: the durations of its snapshots,
/// restores and redistributions, and the scale-in's disk rule (and so the scale-in check).
async fn set_cluster_data(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    DwsJson(req): DwsJson<DataRequest>,
) -> ApiResult {
    let mut inner = shared.world();
    let cluster = inner
        .world
        .cluster_mut(&id)
        .ok_or_else(|| ApiErr::bad_param(format!("no cluster {id:?}")))?;
    let per_node = catalog::flavor(&cluster.node_type).map_or(100, |f| f.disk_gb);
    let capacity = per_node * u64::from(cluster.number_of_node);
    if !(req.gb.is_finite() && req.gb >= 0.0 && req.gb <= capacity as f64) {
        return Err(ApiErr::bad_param(format!(
            "gb must be 0 to {capacity}, what the cluster's disks hold"
        )));
    }
    cluster.data_gb = Some(req.gb);
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

/// Sets the maintenance window the cluster's detail shows (`{"day": "Mon", "start_time":
/// "03:00", "end_time": "07:00"}`), taken as given so that tests can also show a window a
/// client cannot read.
async fn set_maintain_window(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    DwsJson(window): DwsJson<crate::api::wire::MaintainWindow>,
) -> ApiResult {
    let mut inner = shared.world();
    let cluster = inner
        .world
        .cluster_mut(&id)
        .ok_or_else(|| ApiErr::bad_param(format!("no cluster {id:?}")))?;
    cluster.maintain_window = window;
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

async fn clear_cluster_condition(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult {
    let mut inner = shared.world();
    let cluster = inner
        .world
        .cluster_mut(&id)
        .ok_or_else(|| ApiErr::bad_param(format!("no cluster {id:?}")))?;
    cluster.condition = None;
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

/// Sets the status a snapshot shows (`{"status": "UNAVAILABLE"}`); only an AVAILABLE
/// snapshot can be restored from.
async fn set_snapshot_condition(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    DwsJson(condition): DwsJson<SnapshotCondition>,
) -> ApiResult {
    check_value("status", &condition.status).map_err(ApiErr::bad_param)?;
    let mut inner = shared.world();
    let snapshot = inner
        .world
        .snapshots
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiErr::bad_param(format!("no snapshot {id:?}")))?;
    snapshot.condition = Some(condition);
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

async fn clear_snapshot_condition(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult {
    let mut inner = shared.world();
    let snapshot = inner
        .world
        .snapshots
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiErr::bad_param(format!("no snapshot {id:?}")))?;
    snapshot.condition = None;
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}

async fn requests(State(shared): State<Arc<Shared>>) -> ApiResult {
    let counters = lock(&shared.counters).clone();
    reply::ok(&counters)
}

async fn reset_requests(State(shared): State<Arc<Shared>>) -> ApiResult {
    lock(&shared.counters).reset();
    reply::empty(StatusCode::OK)
}

async fn faults(State(shared): State<Arc<Shared>>) -> ApiResult {
    let faults = lock(&shared.faults);
    reply::ok(&json!({ "rules": faults.rules() }))
}

async fn add_faults(
    State(shared): State<Arc<Shared>>,
    DwsJson(request): DwsJson<FaultsRequest>,
) -> ApiResult {
    Faults::check(&request).map_err(ApiErr::bad_param)?;
    let mut faults = lock(&shared.faults);
    faults.add(request);
    reply::ok(&json!({ "rules": faults.rules() }))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> ApiResult {
    lock(&shared.faults).clear();
    reply::empty(StatusCode::OK)
}

/// `POST /_sim/seed` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRequest {
    #[serde(default)]
    clusters: u64,
    /// Manual snapshots, spread over the seeded clusters round-robin.
    #[serde(default)]
    snapshots: u64,
    /// Automated snapshots, spread the same way.
    #[serde(default)]
    automated_snapshots: u64,
    /// Name prefix (`seed` → `seed-0001`, `seed-0001-snap-0001`).
    #[serde(default = "default_prefix")]
    prefix: String,
}

fn default_prefix() -> String {
    "seed".to_owned()
}

/// Creates N AVAILABLE clusters and M AVAILABLE snapshots at once (no quota check: for
/// benchmarks at scales beyond a real project's quota).
async fn seed(State(shared): State<Arc<Shared>>, DwsJson(req): DwsJson<SeedRequest>) -> ApiResult {
    let snapshots = req.snapshots + req.automated_snapshots;
    if req.clusters > MAX_SEED || snapshots > MAX_SEED {
        return Err(ApiErr::bad_param(format!(
            "seed at most {MAX_SEED} objects of each kind"
        )));
    }
    if snapshots > 0 && req.clusters == 0 {
        return Err(ApiErr::bad_param("snapshots need clusters to belong to"));
    }
    let flavor = catalog::flavor("dws.m3.xlarge")
        .or_else(|| catalog::FLAVORS.first())
        .ok_or_else(|| ApiErr::bad_param("no node types"))?;
    let nets = &shared.config.networks;
    let mut inner = shared.world();
    let mut ids = Vec::new();
    for i in 1..=req.clusters {
        let name = format!("{}-{i:04}", req.prefix);
        if inner.world.clusters.iter().any(|c| c.claims(&name)) {
            return Err(clusters::name_taken(&name));
        }
        let new = seed_cluster(nets, flavor, name);
        ids.push(clusters::insert(&mut inner, new));
    }
    let now = inner.clock.now();
    let started = super::clock::format_zulu(inner.clock.wall_at(now));
    for j in 0..snapshots {
        let Some(cluster_id) = ids.get((j % req.clusters.max(1)) as usize) else {
            break;
        };
        let Some(cluster) = inner.world.cluster(cluster_id) else {
            break;
        };
        let source = source_of(cluster);
        let name = format!("{}-snap-{:05}", cluster.name, j + 1);
        let id = inner.world.new_snapshot_id();
        inner.world.snapshots.push(SnapshotRec {
            id,
            name,
            description: String::new(),
            cluster_id: cluster_id.clone(),
            kind: if j < req.snapshots { MANUAL } else { AUTO }.to_owned(),
            op: Op {
                start: now,
                duration: 0.0,
            },
            fails: false,
            condition: None,
            started: started.clone(),
            size: 10.0,
            visible_at: now,
            source,
        });
    }
    shared.commit(&inner)?;
    reply::ok(&json!({ "clusters": req.clusters, "snapshots": snapshots }))
}

/// An AVAILABLE 3-node cluster in the first configured network.
fn seed_cluster(
    nets: &super::Networks,
    flavor: &'static catalog::Flavor,
    name: String,
) -> NewCluster {
    let first = |ids: &[String]| ids.first().cloned().unwrap_or_default();
    NewCluster {
        name,
        flavor,
        number_of_node: 3,
        subnet_id: first(&nets.subnet_ids),
        security_group_id: first(&nets.security_group_ids),
        vpc_id: first(&nets.vpc_ids),
        availability_zone: first(&nets.availability_zones),
        port: 8000,
        user_name: "dbadmin".to_owned(),
        password_sha256: hash_password("Seeded-Passw0rd!"),
        public_ip: None,
        number_of_cn: 3,
        tags: Vec::new(),
        enterprise_project_id: "0".to_owned(),
        restored_from: None,
        version: "8.1.3.310".to_owned(),
        duration: 0.0,
        failure: None,
        list_lag: 0.0,
        data_gb: Some(10.0),
    }
}

/// Empties the world (same seed, ids start over), the fault schedule, the counters and the
/// clock skew. Issued tokens and virtual time stay.
async fn reset(State(shared): State<Arc<Shared>>) -> ApiResult {
    {
        let mut inner = shared.world();
        inner.world = World::new(shared.config.seed);
        shared.commit(&inner)?;
    }
    *lock(&shared.faults) = Faults::new(shared.config.seed);
    lock(&shared.counters).reset();
    shared.skew_secs.store(0, Ordering::SeqCst);
    reply::empty(StatusCode::OK)
}

fn clock_body(shared: &Shared) -> serde_json::Value {
    let inner = lock(&shared.inner);
    json!({
        "now": inner.clock.now(),
        "time_scale": inner.clock.scale(),
        "paused": inner.clock.paused(),
        "skew_seconds": shared.skew_secs.load(Ordering::SeqCst),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SkewRequest {
    seconds: i64,
}

/// Sets how far the server's wall clock is off (`Date` header, AK/SK date window).
async fn skew(State(shared): State<Arc<Shared>>, DwsJson(req): DwsJson<SkewRequest>) -> ApiResult {
    if req.seconds.unsigned_abs() > 86_400 * 365 {
        return Err(ApiErr::bad_param("skew at most a year"));
    }
    shared.skew_secs.store(req.seconds, Ordering::SeqCst);
    reply::ok(&clock_body(&shared))
}

async fn clock(State(shared): State<Arc<Shared>>) -> ApiResult {
    reply::ok(&clock_body(&shared))
}

/// Stops virtual time (after settling the world at the instant it stops); `advance` still
/// moves it. Requests keep being served: a test can look at a state that cannot move on.
async fn pause(State(shared): State<Arc<Shared>>) -> ApiResult {
    set_paused(&shared, true)?;
    reply::ok(&clock_body(&shared))
}

/// Lets virtual time run again at the configured scale, from where it stood.
async fn resume(State(shared): State<Arc<Shared>>) -> ApiResult {
    set_paused(&shared, false)?;
    reply::ok(&clock_body(&shared))
}

fn set_paused(shared: &Shared, paused: bool) -> Result<(), ApiErr> {
    let mut inner = shared.world();
    inner.clock.set_paused(paused);
    shared.commit(&inner)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceRequest {
    seconds: f64,
}

/// Moves virtual time forward; every running operation progresses accordingly.
async fn advance(
    State(shared): State<Arc<Shared>>,
    DwsJson(req): DwsJson<AdvanceRequest>,
) -> ApiResult {
    if !(req.seconds.is_finite() && req.seconds >= 0.0) {
        return Err(ApiErr::bad_param("seconds must be a non-negative number"));
    }
    {
        let mut inner = lock(&shared.inner);
        inner.clock.advance(req.seconds);
    }
    {
        let inner = shared.world();
        shared.commit(&inner)?;
    }
    reply::ok(&clock_body(&shared))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetIds {
    #[serde(default)]
    clusters: Vec<String>,
    #[serde(default)]
    snapshots: Vec<String>,
}

/// Queues ids for the next creates (so a test can replay a documented flow whose paths
/// contain fixed ids).
async fn preset_ids(
    State(shared): State<Arc<Shared>>,
    DwsJson(req): DwsJson<PresetIds>,
) -> ApiResult {
    if let Some(bad) = req
        .clusters
        .iter()
        .chain(&req.snapshots)
        .find(|id| !super::validate::is_uuid(id))
    {
        return Err(ApiErr::bad_param(format!("{bad:?} is not a UUID")));
    }
    let mut inner = shared.world();
    inner.world.next_cluster_ids.extend(req.clusters);
    inner.world.next_snapshot_ids.extend(req.snapshots);
    shared.commit(&inner)?;
    reply::empty(StatusCode::OK)
}
