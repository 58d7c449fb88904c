//! The simulated world: clusters and snapshots, each with the asynchronous operations running
//! on it, stored as (virtual start, virtual duration) and turned into `status`, `task_status`
//! and `action_progress` from the clock on every read.
//!
//! `settle` applies the effects of operations that have finished (a grown cluster gets its
//! nodes, a deleted one disappears); every request settles first, so what a client sees
//! depends only on virtual time, never on when it last looked.

use std::collections::{BTreeMap, VecDeque};

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::background::{self, Background};
use super::clock::{format_local, format_zulu, Clock};
use super::conditions::{Condition, Failure, FailureKind, SnapshotCondition};
use super::policy::PolicyRec;
use crate::api::sign::sha256_hex;
use crate::api::wire::{self, FailedReasons, PublicIp, Tag};

/// The `type` of an automated snapshot: `AUTO` (OTC
/// `snapshot_management/querying_the_cluster_snapshot_list.rst`).
pub const AUTO: &str = "AUTO";
/// The `type` of a manual snapshot.
pub const MANUAL: &str = "MANUAL";

/// Whether a stored snapshot kind is automated (`AUTOMATED` is what state files written
/// before the Corrections hold).
pub fn is_automated(kind: &str) -> bool {
    kind.eq_ignore_ascii_case(AUTO) || kind.eq_ignore_ascii_case("AUTOMATED")
}

/// The format of the state file; bumped when it changes incompatibly.
pub const STATE_FORMAT: u32 = 1;

/// One asynchronous operation in virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub start: f64,
    pub duration: f64,
}

impl Op {
    pub fn end(&self) -> f64 {
        self.start + self.duration
    }

    pub fn done(&self, now: f64) -> bool {
        now >= self.end()
    }

    /// Progress as the API shows it: `"37%"`, never 100% while running.
    pub fn percent(&self, now: f64) -> String {
        let fraction = if self.duration > 0.0 {
            (now - self.start) / self.duration
        } else {
            1.0
        };
        format!("{}%", (fraction * 100.0).clamp(0.0, 99.0) as u32)
    }
}

/// A task on an existing cluster (the cluster is busy while it runs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskKind {
    Snapshotting {
        snapshot_id: String,
    },
    /// Scale out; the new nodes' ids are drawn when the task starts so that results do not
    /// depend on when clients poll.
    Growing {
        new_node_ids: Vec<String>,
        new_private_ips: Vec<String>,
    },
    /// Scale in (`cluster-shrink`).
    Shrinking {
        count: u32,
    },
    Rebooting,
    /// Start (`start: true`) or stop ([`super::ops`]).
    Power {
        start: bool,
    },
    /// A change of the CNs to those of `ids` (node ids) ([`super::ops`]).
    Coordinators {
        ids: Vec<String>,
        adding: bool,
    },
}

impl TaskKind {
    /// The `task_status` and `action_progress` key while the task runs.
    pub fn task_status(&self) -> &'static str {
        match self {
            TaskKind::Snapshotting { .. } => "SNAPSHOTTING",
            TaskKind::Growing { .. } => "GROWING",
            TaskKind::Shrinking { .. } => "CLUSTER_SHRINKING",
            TaskKind::Rebooting => "REBOOTING",
            TaskKind::Power { start: true } => "STARTING",
            TaskKind::Power { start: false } => "STOPPING",
            TaskKind::Coordinators { adding: true, .. } => "ADD_CN_ING",
            TaskKind::Coordinators { adding: false, .. } => "DEL_CN_ING",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub kind: TaskKind,
    pub op: Op,
    pub started_wall: String,
    /// The task ends in its failure state (the `task_fails` fault).
    #[serde(default)]
    pub fails: bool,
    /// A scaling's phases (checks, nodes, redistribution), whose lengths make `op`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<super::durations::Scaling>,
}

impl TaskKind {
    /// What a failure of this task leaves on the cluster (`None`: nothing, e.g. a snapshot,
    /// whose failure shows on the snapshot).
    pub fn failure(&self) -> Option<FailureKind> {
        match self {
            TaskKind::Snapshotting { .. } => None,
            TaskKind::Growing { .. } => Some(FailureKind::Resize),
            TaskKind::Shrinking { .. } => Some(FailureKind::Shrink),
            TaskKind::Rebooting => Some(FailureKind::Reboot),
            TaskKind::Power { start: true } => Some(FailureKind::Start),
            TaskKind::Power { start: false } => Some(FailureKind::Stop),
            TaskKind::Coordinators { .. } => Some(FailureKind::Coordinators),
        }
    }
}

/// A cluster and everything needed to render it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterRec {
    pub id: String,
    pub name: String,
    pub node_type: String,
    pub node_type_id: String,
    pub number_of_node: u32,
    pub subnet_id: String,
    pub security_group_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub port: u32,
    pub user_name: String,
    /// The admin password as `salt:sha256(salt:password)` ([`hash_password`]): enough to
    /// reject a reset to the same value, and the state file never holds the password itself.
    pub password_sha256: String,
    pub public_ip: Option<PublicIp>,
    pub eip_address: Option<String>,
    pub number_of_cn: u32,
    pub tags: Vec<Tag>,
    pub enterprise_project_id: String,
    pub created: String,
    pub updated: String,
    /// Lists show the cluster only from this virtual time on (the list-lag fault).
    pub visible_at: f64,
    pub creation: Op,
    /// Created by a restore (`task_status: RESTORING` while creating).
    pub restoring: bool,
    /// The snapshot a restore reads from (it cannot be deleted meanwhile).
    #[serde(default)]
    pub restored_from: Option<String>,
    /// Set when the creation will end (or has ended) in `CREATION FAILED`.
    pub creation_failure: Option<FailedReasons>,
    pub task: Option<Task>,
    /// A delete is running: the cluster shows `DELETING` until it ends (as OTC
    /// answers: terraform-provider-opentelekomcloud #3339).
    pub deleting: Option<Op>,
    /// The running delete ends in failure (the `task_fails` fault).
    #[serde(default)]
    pub delete_fails: bool,
    /// What the last failed operation left behind (cleared when the next one starts).
    #[serde(default)]
    pub failure: Option<Failure>,
    /// A condition set through `POST /_sim/clusters/{id}/condition`.
    #[serde(default)]
    pub condition: Option<Condition>,
    pub node_ids: Vec<String>,
    pub private_ips: Vec<String>,
    pub version: String,
    /// GB of data the cluster holds (drives snapshot, restore and redistribution times);
    /// state files from before it read as a tenth of the capacity.
    #[serde(default)]
    pub data_gb: Option<f64>,
    /// Set by `POST …/description` (shown as the detail's `cluster_description_info`).
    #[serde(default)]
    pub description: String,
    /// Stopped by `POST …/stop` (status `STOPPED` until a start ends).
    #[serde(default)]
    pub stopped: bool,
    /// The nodes that run a CN, once CNs were added or deleted (before: the first
    /// `number_of_cn` nodes, see [`ClusterRec::coordinator_ids`]).
    #[serde(default)]
    pub cn_ids: Vec<String>,
    /// The weekly maintenance window the detail shows (`maintain_window`); state files from
    /// before it read as the default. Set by `PUT /_sim/clusters/{id}/maintain-window`.
    #[serde(default = "default_maintain_window")]
    pub maintain_window: crate::api::wire::MaintainWindow,
    /// A rename submitted and not yet done ([`super::ops::rename`]): the name it takes when
    /// its job ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renaming: Option<Renaming>,
}

/// A rename in progress: the new name, and the job's time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Renaming {
    pub name: String,
    pub op: Op,
}

/// A new cluster's maintenance window: the reference's own example, Wednesday 22:00 to
/// Thursday 02:00 UTC (querying_cluster_details.rst; dws-api.md gives the same), 4 hours as
/// Huawei's maintenance-window PUT requires.
pub fn default_maintain_window() -> crate::api::wire::MaintainWindow {
    crate::api::wire::MaintainWindow {
        day: Some("Wed".to_owned()),
        start_time: Some("22:00".to_owned()),
        end_time: Some("02:00".to_owned()),
    }
}

/// What a restore needs from the cluster a snapshot was taken of (which may be gone by then).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSource {
    pub node_type: String,
    pub node_type_id: String,
    pub number_of_node: u32,
    pub number_of_cn: u32,
    pub user_name: String,
    pub password_sha256: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub security_group_id: String,
    pub availability_zone: String,
    pub port: u32,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub cluster_id: String,
    /// [`MANUAL`] or [`AUTO`] (older state files: `AUTOMATED`, see [`is_automated`]).
    pub kind: String,
    pub op: Op,
    /// The snapshot ends `UNAVAILABLE` (the `task_fails` fault).
    #[serde(default)]
    pub fails: bool,
    /// A condition set through `POST /_sim/snapshots/{id}/condition`.
    #[serde(default)]
    pub condition: Option<SnapshotCondition>,
    pub started: String,
    pub size: f64,
    pub visible_at: f64,
    pub source: SnapshotSource,
}

/// The whole simulated project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format: u32,
    pub seed: u64,
    /// How many random draws were made: each draw uses its own ChaCha stream, so the
    /// sequence continues exactly after a reload.
    pub draws: u64,
    pub clusters: Vec<ClusterRec>,
    pub snapshots: Vec<SnapshotRec>,
    /// Ids to hand out before drawing random ones (`POST /_sim/ids`).
    #[serde(default)]
    pub next_cluster_ids: VecDeque<String>,
    #[serde(default)]
    pub next_snapshot_ids: VecDeque<String>,
    /// Ids of deleted clusters, newest last (at most [`DELETED_IDS_KEPT`]): the Huawei
    /// profile answers them differently from ids that never existed.
    #[serde(default)]
    pub deleted_cluster_ids: VecDeque<String>,
    /// The automated-snapshot schedule (`POST /_sim/background`).
    #[serde(default)]
    pub background: Background,
    /// Automated-snapshot policies changed through the policy API, by cluster id (a
    /// cluster not here has the default policy, [`super::policy`]).
    #[serde(default)]
    pub policies: BTreeMap<String, PolicyRec>,
    /// The jobs handed out, oldest first ([`super::jobs`]).
    #[serde(default)]
    pub jobs: Vec<super::jobs::JobRec>,
}

/// How many deleted cluster ids the state remembers.
pub const DELETED_IDS_KEPT: usize = 10_000;

impl State {
    pub fn new(seed: u64) -> Self {
        Self {
            format: STATE_FORMAT,
            seed,
            draws: 0,
            clusters: Vec::new(),
            snapshots: Vec::new(),
            next_cluster_ids: VecDeque::new(),
            next_snapshot_ids: VecDeque::new(),
            deleted_cluster_ids: VecDeque::new(),
            background: Background::default(),
            jobs: Vec::new(),
            policies: BTreeMap::new(),
        }
    }

    /// A fresh deterministic random source (the next stream of the seed).
    pub fn rng(&mut self) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(self.draws);
        self.draws += 1;
        rng
    }

    /// A UUID-shaped id drawn from the seed.
    pub fn new_uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.rng().fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    pub fn new_cluster_id(&mut self) -> String {
        match self.next_cluster_ids.pop_front() {
            Some(id) => id,
            None => self.new_uuid(),
        }
    }

    pub fn new_snapshot_id(&mut self) -> String {
        match self.next_snapshot_ids.pop_front() {
            Some(id) => id,
            None => self.new_uuid(),
        }
    }

    /// A draw uniform in `[0, 1]` (the random part of a duration).
    pub fn uniform(&mut self) -> f64 {
        self.rng().gen_range(0.0..=1.0)
    }

    /// A duration in virtual seconds, uniform in `[lo, hi]`.
    pub fn duration(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            return lo;
        }
        self.rng().gen_range(lo..=hi)
    }

    /// `n` private addresses for nodes.
    pub fn private_ips(&mut self, n: u32) -> Vec<String> {
        let mut rng = self.rng();
        let subnet: u8 = rng.gen_range(0..=254);
        (0..n)
            .map(|_| format!("192.168.{subnet}.{}", rng.gen_range(2..=253u8)))
            .collect()
    }

    pub fn cluster(&self, id: &str) -> Option<&ClusterRec> {
        self.clusters.iter().find(|c| c.id == id)
    }

    pub fn cluster_mut(&mut self, id: &str) -> Option<&mut ClusterRec> {
        self.clusters.iter_mut().find(|c| c.id == id)
    }

    pub fn snapshot(&self, id: &str) -> Option<&SnapshotRec> {
        self.snapshots.iter().find(|s| s.id == id)
    }

    /// All nodes of all clusters (what the node quota counts).
    pub fn nodes_in_use(&self) -> u64 {
        self.nodes_where(|_| true)
    }

    /// The nodes of the clusters in `subnet_id` (each takes one of its addresses).
    pub fn nodes_in_subnet(&self, subnet_id: &str) -> u64 {
        self.nodes_where(|c| c.subnet_id == subnet_id)
    }

    /// The nodes (growing ones included) of the clusters `keep` selects.
    fn nodes_where(&self, keep: impl Fn(&ClusterRec) -> bool) -> u64 {
        self.clusters
            .iter()
            .filter(|c| keep(c))
            .map(|c| {
                let growing = match &c.task {
                    Some(Task {
                        kind: TaskKind::Growing { new_node_ids, .. },
                        ..
                    }) => new_node_ids.len() as u64,
                    _ => 0,
                };
                u64::from(c.number_of_node) + growing
            })
            .sum()
    }

    /// Applies the effects of every operation that has finished by now, and starts the
    /// automated snapshots due meanwhile, each at its instant ([`background`]).
    pub fn settle(&mut self, clock: &Clock) {
        let now = clock.now();
        while let Some(t) = self.background.due(now) {
            self.settle_at(t, clock);
            background::fire(self, t, clock);
            self.background.last_fire = t;
            self.background.fired += 1;
        }
        self.settle_at(now, clock);
        if self.background.fired > 0 {
            background::expire(self, now);
        }
    }

    /// Applies the effects of every operation that has finished by virtual time `now`.
    fn settle_at(&mut self, now: f64, clock: &Clock) {
        for cluster in &mut self.clusters {
            if let Some(renaming) = cluster.renaming.take_if(|r| r.op.done(now)) {
                cluster.name = renaming.name;
                cluster.updated = format_local(clock.wall_at(renaming.op.end()));
            }
            let Some(task) = &cluster.task else { continue };
            if !task.op.done(now) {
                continue;
            }
            if task.fails {
                // The documented failure state; a failed scaling rolls the node count back
                // (OTC's user manual; vendor API reference: scaling_out_a_cluster.rst), so nothing
                // else changes.
                cluster.failure = task.kind.failure().map(Failure::of);
                cluster.updated = format_local(clock.wall_at(task.op.end()));
                cluster.task = None;
                continue;
            }
            match &task.kind {
                TaskKind::Growing {
                    new_node_ids,
                    new_private_ips,
                } => {
                    cluster.number_of_node += new_node_ids.len() as u32;
                    cluster.node_ids.extend(new_node_ids.iter().cloned());
                    cluster.private_ips.extend(new_private_ips.iter().cloned());
                }
                TaskKind::Shrinking { count } => {
                    cluster.number_of_node = cluster.number_of_node.saturating_sub(*count);
                    let keep = cluster.number_of_node as usize;
                    cluster.node_ids.truncate(keep);
                    cluster.private_ips.truncate(keep);
                }
                TaskKind::Power { start } => cluster.stopped = !start,
                TaskKind::Coordinators { ids, .. } => {
                    cluster.number_of_cn = ids.len() as u32;
                    cluster.cn_ids = ids.clone();
                }
                TaskKind::Snapshotting { .. } | TaskKind::Rebooting => {}
            }
            cluster.updated = format_local(clock.wall_at(task.op.end()));
            cluster.task = None;
        }
        for cluster in &mut self.clusters {
            if cluster.delete_fails && cluster.deleting.is_some_and(|op| op.done(now)) {
                cluster.deleting = None;
                cluster.delete_fails = false;
                cluster.failure = Some(Failure::of(FailureKind::Delete));
            }
        }
        let gone: Vec<String> = self
            .clusters
            .iter()
            .filter(|c| c.deleting.is_some_and(|op| op.done(now)))
            .map(|c| c.id.clone())
            .collect();
        if gone.is_empty() {
            return;
        }
        self.clusters.retain(|c| !gone.contains(&c.id));
        self.deleted_cluster_ids.extend(gone.iter().cloned());
        while self.deleted_cluster_ids.len() > DELETED_IDS_KEPT {
            self.deleted_cluster_ids.pop_front();
        }
        // Automated snapshots go with their cluster; manual ones are retained (OTC-UMN).
        self.snapshots
            .retain(|s| !(is_automated(&s.kind) && gone.contains(&s.cluster_id)));
        self.policies.retain(|id, _| !gone.contains(id));
    }
}

/// A salted SHA-256 of a password, `salt:hex` (the salt is random, not from the seed: it
/// changes no id or timing).
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = hex::encode(salt);
    let hash = sha256_hex(format!("{salt}:{password}").as_bytes());
    format!("{salt}:{hash}")
}

/// Whether `password` is the one [`hash_password`] stored.
pub fn password_matches(stored: &str, password: &str) -> bool {
    match stored.split_once(':') {
        Some((salt, hash)) => sha256_hex(format!("{salt}:{password}").as_bytes()) == hash,
        None => sha256_hex(password.as_bytes()) == stored,
    }
}

/// The phase a cluster is in at a given virtual time.
#[derive(Debug, PartialEq)]
pub enum Phase<'a> {
    Creating,
    Failed(&'a FailedReasons),
    Available,
}

impl ClusterRec {
    /// Whether the cluster is called `name`, or is being renamed to it: either way a create
    /// or another rename may not take the name.
    pub fn claims(&self, name: &str) -> bool {
        self.name == name || self.renaming.as_ref().is_some_and(|r| r.name == name)
    }

    /// The ids of the nodes that run a CN.
    pub fn coordinator_ids(&self) -> Vec<String> {
        if self.cn_ids.is_empty() {
            let n = self.number_of_cn as usize;
            self.node_ids.iter().take(n).cloned().collect()
        } else {
            self.cn_ids.clone()
        }
    }

    /// GB of data held: the drawn figure, or a tenth of the capacity.
    pub fn data_gb(&self) -> f64 {
        self.data_gb.unwrap_or_else(|| {
            let disk = super::catalog::flavor(&self.node_type).map_or(100, |f| f.disk_gb);
            (disk * u64::from(self.number_of_node)) as f64 / 10.0
        })
    }

    pub fn phase(&self, now: f64) -> Phase<'_> {
        if !self.creation.done(now) {
            Phase::Creating
        } else if let Some(reasons) = &self.creation_failure {
            Phase::Failed(reasons)
        } else {
            Phase::Available
        }
    }

    /// Why another operation cannot start now (`None` when idle and AVAILABLE).
    pub fn busy_reason(&self, now: f64) -> Option<String> {
        self.busy_reason_for(now, None)
    }

    /// Why an operation cannot start now, where `retry` is the failure it would retry (a
    /// restart after `REBOOT_FAILURE` is the documented way forward, not a conflict).
    pub fn busy_reason_for(&self, now: f64, retry: Option<FailureKind>) -> Option<String> {
        match self.phase(now) {
            Phase::Creating => return Some("The cluster is being created.".to_owned()),
            Phase::Failed(_) => return Some("The cluster failed to be created.".to_owned()),
            Phase::Available => {}
        }
        if self.deleting.is_some() {
            return Some("The cluster is being deleted.".to_owned());
        }
        // A start is the way forward for a stopped cluster, as a restart is after a failed
        // restart; everything else waits for it.
        let running = self.task.as_ref().is_some_and(|t| !t.op.done(now));
        if self.stopped && !running && retry != Some(FailureKind::Start) {
            return Some("The cluster is stopped.".to_owned());
        }
        if let Some(reason) = self.condition.as_ref().and_then(Condition::busy_reason) {
            return Some(reason);
        }
        if let Some(f) = self
            .failure
            .as_ref()
            .filter(|f| f.kind.leaves_unavailable() && Some(f.kind) != retry)
        {
            return Some(format!(
                "The cluster is unavailable: {}",
                f.reasons
                    .error_msg
                    .as_deref()
                    .unwrap_or("its last operation failed.")
            ));
        }
        self.task
            .as_ref()
            .filter(|t| !t.op.done(now))
            .map(|t| format!("The cluster is busy with task {}.", t.kind.task_status()))
    }
}

impl SnapshotRec {
    /// `CREATING`, then `AVAILABLE` or (a failed one) `UNAVAILABLE` (OTC
    /// `snapshot_management/querying_the_snapshot_list.rst`; HW-SDK `model_snapshots.go` has
    /// the same three); a condition set by the test hook wins.
    pub fn status(&self, now: f64) -> &str {
        if let Some(status) = self.condition.as_ref().map(|c| c.status.as_str()) {
            return status;
        }
        match (self.op.done(now), self.fails) {
            (false, _) => "CREATING",
            (true, false) => "AVAILABLE",
            (true, true) => "UNAVAILABLE",
        }
    }

    /// Whether it can be restored from (only AVAILABLE ones can: OTC's user manual;
    /// vendor API reference: restoring_a_cluster.rst).
    pub fn available(&self, now: f64) -> bool {
        self.status(now) == "AVAILABLE"
    }

    pub fn view(&self, clock: &Clock) -> wire::Snapshot {
        let now = clock.now();
        let done = self.op.done(now);
        let kind = if is_automated(&self.kind) {
            AUTO
        } else {
            MANUAL
        };
        wire::Snapshot {
            id: self.id.clone(),
            name: self.name.clone(),
            description: Some(self.description.clone()),
            started: Some(self.started.clone()),
            finished: done.then(|| format_zulu(clock.wall_at(self.op.end()))),
            size: Some(if done && !self.fails { self.size } else { 0.0 }),
            status: self.status(now).to_owned(),
            kind: Some(kind.to_owned()),
            cluster_id: Some(self.cluster_id.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hashes_are_salted_and_verifiable() {
        let a = hash_password("Same-Passw0rd!");
        let b = hash_password("Same-Passw0rd!");
        assert_ne!(a, b);
        assert!(!a.contains("Same-Passw0rd!"));
        assert!(password_matches(&a, "Same-Passw0rd!"));
        assert!(!password_matches(&a, "Other-Passw0rd!"));
    }
}
