//! An in-memory cloud in tokio's (virtual) time, for the scheduler's unit tests.
//!
//! Operations finish after fixed durations; faults are queued per call key such as
//! `create:dws-demo`; the fake counts calls and the peak number of concurrent mutating calls.
//! The in-place operations of issue 12 (start, stop, CNs) are in [`ops`]; they run as tasks
//! (`STARTING` / `STOPPING`, `ADD_CN_ING` / `DEL_CN_ING`) like the simulator's.

mod ops;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::cloud::{Cloud, CloudError};
use crate::api::policy::{PutSnapshotPolicy, SnapshotPolicy};
use crate::api::wire::{
    Cluster, CreateCluster, CreateSnapshot, FailedReasons, Restore, Snapshot, Tag,
};
use crate::secret::Secret;

#[path = "fake_policy.rs"]
mod policy;

#[derive(Clone, Debug)]
pub enum Fault {
    /// The call takes effect but the answer is lost.
    CommitThenUnknown,
    /// The call does not take effect and the answer is lost.
    LostUnknown,
    /// The call fails with this message.
    Error(String),
    /// 409 busy.
    Busy,
    /// 429 after the client's retries (no effect).
    Throttled,
}

#[derive(Clone, Debug)]
enum Task {
    None,
    Creating(Instant),
    Restoring(Instant),
    Snapshotting(Instant),
    Resizing {
        until: Instant,
        nodes: u32,
    },
    Deleting(Instant),
    Failed(String),
    /// A start (`start`) or stop running until `until`.
    Power {
        until: Instant,
        start: bool,
    },
    /// A CN change (`adding` or deleting) that leaves the cluster with `cns` at `until`.
    Coordinators {
        until: Instant,
        cns: Vec<String>,
        adding: bool,
    },
}

#[derive(Clone, Debug)]
struct FakeCluster {
    id: String,
    name: String,
    node_type: String,
    nodes: u32,
    tags: Vec<Tag>,
    listed_from: Instant,
    task: Task,
    /// When `task` began: its progress grows linearly from there to its end, as the API's
    /// `action_progress` does on the simulator.
    task_since: Instant,
    /// Shown instead of what `task` says (see [`FakeCloud::force_state`]).
    forced: Option<Forced>,
    /// The security group and the bound EIP.
    network: Network,
    /// Stopped (`power`): STOPPED once a stop ended, until a start ends.
    stopped: bool,
    /// The CN ids (three until a CN task ends: see `ops`).
    cns: Vec<String>,
}

#[derive(Clone, Debug, Default)]
struct Network {
    security_group: Option<String>,
    eip: Option<String>,
}

/// A cluster state shown as is: `status`, `sub_status`, `task_status`, `failed_reasons`.
#[derive(Clone, Debug, Default)]
pub struct Forced {
    pub status: String,
    pub sub_status: Option<String>,
    pub task_status: Option<String>,
    pub failed_reason: Option<String>,
}

#[derive(Clone, Debug)]
struct FakeSnapshot {
    id: String,
    name: String,
    cluster_id: String,
    listed_from: Instant,
    ready_at: Instant,
}

#[derive(Default)]
pub(super) struct State {
    clusters: Vec<FakeCluster>,
    snapshots: Vec<FakeSnapshot>,
    next_id: u64,
    faults: HashMap<String, VecDeque<Fault>>,
    fail_creation: HashMap<String, String>,
    create_durations: HashMap<String, Duration>,
    /// Extra latency of the calls whose key starts with the prefix.
    slow: Vec<(String, Duration)>,
    calls: Vec<String>,
    in_flight: usize,
    peak_in_flight: usize,
    /// Automated-snapshot policies by cluster id (none: an empty policy).
    policies: HashMap<String, SnapshotPolicy>,
    /// Descriptions by cluster id (none: empty); like the API's, only a read of its own
    /// shows one, not the listing.
    descriptions: HashMap<String, String>,
}

impl State {
    fn cluster_mut(&mut self, id: &str) -> Result<&mut FakeCluster, CloudError> {
        self.clusters
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| CloudError::NotFound("no such cluster".into()))
    }

    /// The cluster for a call that needs it idle: a finished task is settled first; a
    /// running task (or a stopped cluster) answers busy, as the API does (403 DWS.7023).
    fn idle_cluster(&mut self, id: &str, now: Instant) -> Result<&mut FakeCluster, CloudError> {
        let cluster = self.cluster_mut(id)?;
        cluster.settle(now);
        match cluster.task {
            Task::None if cluster.stopped => {
                Err(CloudError::Busy("DWS.7023 cluster stopped".into()))
            }
            Task::None => Ok(cluster),
            _ => Err(CloudError::Busy("DWS.7023 cluster busy".into())),
        }
    }
}

impl FakeCluster {
    /// Ends the task whose time is up, leaving what it made (nodes, power state, CNs).
    fn settle(&mut self, now: Instant) {
        match &mut self.task {
            Task::Resizing { until, nodes } if now >= *until => self.nodes = *nodes,
            Task::Power { until, start } if now >= *until => self.stopped = !*start,
            Task::Coordinators { until, cns, .. } if now >= *until => {
                self.cns = std::mem::take(cns);
            }
            Task::Creating(until) | Task::Restoring(until) | Task::Snapshotting(until)
                if now >= *until => {}
            _ => return,
        }
        self.task = Task::None;
    }
}

#[derive(Clone)]
pub struct FakeCloud {
    pub(super) state: Arc<Mutex<State>>,
    pub create: Duration,
    pub restore: Duration,
    pub snapshot: Duration,
    pub resize: Duration,
    pub delete: Duration,
    /// A CN task takes this long plus a minute per CN added or deleted (the simulator's
    /// lower bound, `sim::durations::coordinators`).
    pub coordinators: Duration,
    pub latency: Duration,
    /// New objects are missing from lists for this long.
    pub list_lag: Duration,
    /// Shown as every running operation's progress instead of the linear one (a cloud whose
    /// progress says nothing about the time left).
    pub fixed_percent: Option<u8>,
}

impl FakeCloud {
    pub fn new() -> Self {
        Self {
            state: Arc::default(),
            create: Duration::from_secs(900),
            restore: Duration::from_secs(900),
            snapshot: Duration::from_secs(300),
            resize: Duration::from_secs(600),
            delete: Duration::from_secs(60),
            coordinators: Duration::from_secs(180),
            latency: Duration::from_millis(500),
            list_lag: Duration::ZERO,
            fixed_percent: None,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.state.lock().expect("fake state");
        f(&mut state)
    }

    pub fn fault(&self, key: &str, fault: Fault) {
        self.with(|s| s.faults.entry(key.to_owned()).or_default().push_back(fault));
    }

    /// Calls whose key starts with `prefix` (e.g. `create_tags:`) take `extra` longer.
    pub fn slow(&self, prefix: &str, extra: Duration) {
        self.with(|s| s.slow.push((prefix.to_owned(), extra)));
    }

    /// The named cluster takes this long to create (instead of `create`).
    pub fn create_duration(&self, name: &str, duration: Duration) {
        self.with(|s| s.create_durations.insert(name.to_owned(), duration));
    }

    /// The named cluster's creation ends in CREATION FAILED with this reason.
    pub fn fail_creation(&self, name: &str, reason: &str) {
        self.with(|s| s.fail_creation.insert(name.to_owned(), reason.to_owned()));
    }

    /// Adds an AVAILABLE cluster.
    pub fn seed_cluster(&self, name: &str, nodes: u32, tags: &[(&str, &str)]) -> String {
        self.with(|s| {
            s.next_id += 1;
            let id = format!("c-{}", s.next_id);
            s.clusters.push(FakeCluster {
                id: id.clone(),
                name: name.to_owned(),
                node_type: "dws.m3.xlarge".to_owned(),
                nodes,
                tags: tags
                    .iter()
                    .map(|(k, v)| Tag {
                        key: (*k).to_owned(),
                        value: (*v).to_owned(),
                    })
                    .collect(),
                listed_from: Instant::now(),
                task: Task::None,
                task_since: Instant::now(),
                forced: None,
                network: Network::default(),
                stopped: false,
                cns: ops::first_cns(),
            });
            id
        })
    }

    /// Sets the named cluster's security group and bound EIP.
    pub fn set_network(&self, name: &str, security_group: Option<&str>, eip: Option<&str>) {
        self.with(|s| {
            for c in s.clusters.iter_mut().filter(|c| c.name == name) {
                c.network = Network {
                    security_group: security_group.map(str::to_owned),
                    eip: eip.map(str::to_owned),
                };
            }
        });
    }

    /// The node count the named cluster shows (or will show, once its resize ends).
    pub fn nodes(&self, name: &str) -> Option<u32> {
        self.with(|s| {
            s.clusters
                .iter()
                .find(|c| c.name == name)
                .map(|c| match c.task {
                    Task::Resizing { nodes, .. } => nodes,
                    _ => c.nodes,
                })
        })
    }

    /// Makes the running resize of the named cluster end at `nodes` instead: a cloud that
    /// accepted a second resize behind the first one's back.
    pub fn retarget_resize(&self, name: &str, nodes: u32) {
        self.with(|s| {
            for c in s.clusters.iter_mut().filter(|c| c.name == name) {
                if let Task::Resizing { nodes: target, .. } = &mut c.task {
                    *target = nodes;
                }
            }
        });
    }

    /// Shows the cluster `id` in `state` (any vocabulary, known or not) until
    /// [`FakeCloud::unforce`]; its real task goes on underneath.
    pub fn force_state(&self, id: &str, state: Forced) {
        self.with(|s| {
            if let Ok(c) = s.cluster_mut(id) {
                c.forced = Some(state);
            }
        });
    }

    pub fn unforce(&self, id: &str) {
        self.with(|s| {
            if let Ok(c) = s.cluster_mut(id) {
                c.forced = None;
            }
        });
    }

    pub fn calls(&self) -> Vec<String> {
        self.with(|s| s.calls.clone())
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.with(|s| s.calls.iter().filter(|c| c.starts_with(prefix)).count())
    }

    pub fn peak_in_flight(&self) -> usize {
        self.with(|s| s.peak_in_flight)
    }

    /// How many clusters (all states) have this name.
    pub fn clusters_named(&self, name: &str) -> usize {
        self.with(|s| s.clusters.iter().filter(|c| c.name == name).count())
    }

    pub fn snapshots_named(&self, name: &str) -> usize {
        self.with(|s| s.snapshots.iter().filter(|c| c.name == name).count())
    }

    /// Sends a mutating call: latency, fault injection, then `apply` unless the fault says
    /// the call did not take effect.
    async fn mutate<T>(
        &self,
        key: String,
        apply: impl FnOnce(&mut State, Instant) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        let extra = self.with(|s| {
            s.calls.push(key.clone());
            s.in_flight += 1;
            s.peak_in_flight = s.peak_in_flight.max(s.in_flight);
            s.slow
                .iter()
                .filter(|(prefix, _)| key.starts_with(prefix.as_str()))
                .map(|(_, extra)| *extra)
                .sum::<Duration>()
        });
        tokio::time::sleep(self.latency + extra).await;
        self.with(|s| {
            s.in_flight -= 1;
            let fault = s.faults.get_mut(&key).and_then(VecDeque::pop_front);
            let now = Instant::now();
            match fault {
                None => apply(s, now),
                Some(Fault::CommitThenUnknown) => {
                    let _ = apply(s, now);
                    Err(CloudError::OutcomeUnknown("connection reset".into()))
                }
                Some(Fault::LostUnknown) => {
                    Err(CloudError::OutcomeUnknown("connection reset".into()))
                }
                Some(Fault::Error(message)) => Err(CloudError::Failed(message)),
                Some(Fault::Busy) => Err(CloudError::Busy("DWS.0011".into())),
                Some(Fault::Throttled) => Err(CloudError::Throttled("HTTP 429 APIG.0308".into())),
            }
        })
    }

    /// [`FakeCloud::mutate`] for a call that, once sent, takes effect whether or not its
    /// caller still waits for the answer (as an HTTP request the server has received does):
    /// the tag calls, whose order the lease's release depends on.
    async fn sent(
        &self,
        key: String,
        apply: impl FnOnce(&mut State, Instant) -> Result<(), CloudError> + Send + 'static,
    ) -> Result<(), CloudError> {
        let this = self.clone();
        tokio::spawn(async move { this.mutate(key, apply).await })
            .await
            .unwrap_or_else(|err| Err(CloudError::OutcomeUnknown(err.to_string())))
    }

    fn new_id(state: &mut State, prefix: &str) -> String {
        state.next_id += 1;
        format!("{prefix}-{}", state.next_id)
    }
}

/// `"37%"`: the share of the way from `since` to `until` at `now`, never 100% while running.
fn percent(since: Instant, until: Instant, now: Instant) -> String {
    let total = until.saturating_duration_since(since).as_secs_f64();
    let done = now.saturating_duration_since(since).as_secs_f64();
    let share = if total > 0.0 { done / total } else { 1.0 };
    format!("{}%", (share * 100.0).clamp(0.0, 99.0) as u32)
}

fn render_cluster(c: &FakeCluster, now: Instant, fixed: Option<u8>) -> Cluster {
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
    let (status, task, progress, nodes): (&str, Option<&str>, Option<&str>, u32) = match &c.task {
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
    };
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

impl Cloud for FakeCloud {
    async fn list_clusters(&self) -> Result<Vec<Cluster>, CloudError> {
        tokio::time::sleep(self.latency).await;
        let (lag, fixed) = (self.list_lag, self.fixed_percent);
        Ok(self.with(|s| {
            s.calls.push("list:clusters".into());
            let now = Instant::now();
            s.clusters
                .retain(|c| !matches!(c.task, Task::Deleting(until) if now >= until));
            s.clusters
                .iter()
                .filter(|c| now >= c.listed_from + lag)
                .map(|c| render_cluster(c, now, fixed))
                .collect()
        }))
    }

    async fn list_snapshots(&self) -> Result<Vec<Snapshot>, CloudError> {
        tokio::time::sleep(self.latency).await;
        let lag = self.list_lag;
        Ok(self.with(|s| {
            s.calls.push("list:snapshots".into());
            let now = Instant::now();
            s.snapshots
                .iter()
                .filter(|x| now >= x.listed_from + lag)
                .map(|x| {
                    let status = if now >= x.ready_at {
                        "AVAILABLE"
                    } else {
                        "CREATING"
                    };
                    serde_json::from_value(serde_json::json!({
                        "id": x.id, "name": x.name, "status": status, "cluster_id": x.cluster_id,
                    }))
                    .expect("fake snapshot")
                })
                .collect()
        }))
    }

    async fn create_cluster(&self, body: &CreateCluster) -> Result<String, CloudError> {
        let default = self.create;
        self.mutate(format!("create:{}", body.name), |s, now| {
            let duration = s
                .create_durations
                .get(&body.name)
                .copied()
                .unwrap_or(default);
            if s.clusters.iter().any(|c| c.name == body.name) {
                return Err(CloudError::NameTaken("DWS.5050 name exists".into()));
            }
            let id = Self::new_id(s, "c");
            let task = match s.fail_creation.get(&body.name) {
                Some(reason) => Task::Failed(reason.clone()),
                None => Task::Creating(now + duration),
            };
            s.clusters.push(FakeCluster {
                id: id.clone(),
                name: body.name.clone(),
                node_type: body.node_type.clone(),
                nodes: body.number_of_node,
                tags: body.tags.clone().unwrap_or_default(),
                listed_from: now,
                task,
                task_since: now,
                forced: None,
                network: Network::default(),
                stopped: false,
                cns: ops::first_cns(),
            });
            Ok(id)
        })
        .await
    }

    async fn restore_cluster(
        &self,
        snapshot_id: &str,
        body: &Restore,
    ) -> Result<String, CloudError> {
        let duration = self.restore;
        self.mutate(format!("restore:{}", body.name), |s, now| {
            if s.clusters.iter().any(|c| c.name == body.name) {
                return Err(CloudError::NameTaken("DWS.5050 name exists".into()));
            }
            if !s
                .snapshots
                .iter()
                .any(|x| x.id == snapshot_id && now >= x.ready_at)
            {
                return Err(CloudError::Failed("snapshot not available".into()));
            }
            let id = Self::new_id(s, "c");
            s.clusters.push(FakeCluster {
                id: id.clone(),
                name: body.name.clone(),
                node_type: "dws.m3.xlarge".into(),
                nodes: 3,
                tags: Vec::new(),
                listed_from: now,
                task: Task::Restoring(now + duration),
                task_since: now,
                forced: None,
                network: Network::default(),
                stopped: false,
                cns: ops::first_cns(),
            });
            Ok(id)
        })
        .await
    }

    async fn delete_cluster(&self, id: &str, _keep: u32) -> Result<(), CloudError> {
        let duration = self.delete;
        self.mutate(format!("delete_cluster:{id}"), |s, now| {
            let cluster = s.cluster_mut(id)?;
            cluster.task = Task::Deleting(now + duration);
            cluster.task_since = now;
            Ok(())
        })
        .await
    }

    async fn resize(&self, id: &str, count: u32) -> Result<(), CloudError> {
        let duration = self.resize;
        self.mutate(format!("resize:{id}"), |s, now| {
            let cluster = s.idle_cluster(id, now)?;
            cluster.task_since = now;
            cluster.task = Task::Resizing {
                until: now + duration,
                nodes: cluster.nodes + count,
            };
            Ok(())
        })
        .await
    }

    async fn shrink(&self, id: &str, count: u32) -> Result<(), CloudError> {
        let duration = self.resize;
        self.mutate(format!("shrink:{id}"), |s, now| {
            let cluster = s.idle_cluster(id, now)?;
            cluster.task_since = now;
            cluster.task = Task::Resizing {
                until: now + duration,
                nodes: cluster.nodes.saturating_sub(count),
            };
            Ok(())
        })
        .await
    }

    async fn reset_password(&self, id: &str, _password: &Secret) -> Result<(), CloudError> {
        self.mutate(format!("reset_password:{id}"), |_, _| Ok(()))
            .await
    }

    async fn create_tags(&self, id: &str, tags: &[Tag]) -> Result<(), CloudError> {
        let (id, tags) = (id.to_owned(), tags.to_vec());
        self.sent(format!("create_tags:{id}"), move |s, _| {
            let cluster = s.cluster_mut(&id)?;
            for tag in &tags {
                cluster.tags.retain(|t| t.key != tag.key);
                cluster.tags.push(tag.clone());
            }
            Ok(())
        })
        .await
    }

    async fn delete_tags(&self, id: &str, tags: &[Tag]) -> Result<(), CloudError> {
        let (id, tags) = (id.to_owned(), tags.to_vec());
        self.sent(format!("delete_tags:{id}"), move |s, _| {
            let cluster = s.cluster_mut(&id)?;
            cluster
                .tags
                .retain(|t| !tags.iter().any(|d| d.key == t.key));
            Ok(())
        })
        .await
    }

    async fn create_snapshot(&self, body: &CreateSnapshot) -> Result<String, CloudError> {
        let duration = self.snapshot;
        self.mutate(format!("snapshot:{}", body.name), |s, now| {
            if s.snapshots.iter().any(|x| x.name == body.name) {
                return Err(CloudError::NameTaken("snapshot name exists".into()));
            }
            let cluster = s.cluster_mut(&body.cluster_id)?;
            cluster.task = Task::Snapshotting(now + duration);
            cluster.task_since = now;
            let id = Self::new_id(s, "s");
            s.snapshots.push(FakeSnapshot {
                id: id.clone(),
                name: body.name.clone(),
                cluster_id: body.cluster_id.clone(),
                listed_from: now,
                ready_at: now + duration,
            });
            Ok(id)
        })
        .await
    }

    async fn start_cluster(&self, id: &str) -> Result<(), CloudError> {
        self.power(id, true).await
    }

    async fn stop_cluster(&self, id: &str) -> Result<(), CloudError> {
        self.power(id, false).await
    }

    async fn list_coordinators(&self, id: &str) -> Result<Vec<String>, CloudError> {
        tokio::time::sleep(self.latency).await;
        self.with(|s| ops::cns(s, id, Instant::now()))
    }

    async fn add_coordinators(&self, id: &str, total: u32) -> Result<(), CloudError> {
        self.change_cns(id, total, &[]).await
    }

    async fn delete_coordinators(&self, id: &str, cns: &[String]) -> Result<(), CloudError> {
        self.change_cns(id, 0, cns).await
    }

    async fn delete_snapshot(&self, id: &str) -> Result<(), CloudError> {
        self.mutate(format!("delete_snapshot:{id}"), |s, _| {
            let before = s.snapshots.len();
            s.snapshots.retain(|x| x.id != id);
            if s.snapshots.len() == before {
                return Err(CloudError::NotFound("no such snapshot".into()));
            }
            Ok(())
        })
        .await
    }

    async fn set_security_group(&self, id: &str, group: &str) -> Result<(), CloudError> {
        let (id, group) = (id.to_owned(), group.to_owned());
        self.mutate(format!("security_group:{id}"), move |s, now| {
            s.idle_cluster(&id, now)?.network.security_group = Some(group);
            Ok(())
        })
        .await
    }

    /// Like the API: only the EIP the cluster holds (400 otherwise).
    async fn unbind_eip(&self, id: &str, eip: &str) -> Result<(), CloudError> {
        let (id, eip) = (id.to_owned(), eip.to_owned());
        self.mutate(format!("unbind_eip:{id}"), move |s, now| {
            let cluster = s.idle_cluster(&id, now)?;
            if cluster.network.eip.as_deref() != Some(eip.as_str()) {
                return Err(CloudError::Failed("DWS.5133 EIP not bound".into()));
            }
            cluster.network.eip = None;
            Ok(())
        })
        .await
    }

    async fn set_description(&self, id: &str, text: &str) -> Result<(), CloudError> {
        let (id, text) = (id.to_owned(), text.to_owned());
        self.mutate(format!("description:{id}"), move |s, now| {
            s.idle_cluster(&id, now)?;
            s.descriptions.insert(id, text);
            Ok(())
        })
        .await
    }

    async fn cluster_description(&self, id: &str) -> Result<String, CloudError> {
        self.mutate(format!("get_description:{id}"), |s, _| {
            s.cluster_mut(id)?;
            Ok(s.descriptions.get(id).cloned().unwrap_or_default())
        })
        .await
    }

    /// Like the API: a name in use is refused (409), the cluster's own name is a no-op.
    async fn rename_cluster(&self, id: &str, name: &str) -> Result<(), CloudError> {
        let (id, name) = (id.to_owned(), name.to_owned());
        self.mutate(format!("rename:{id}"), move |s, now| {
            if s.clusters.iter().any(|c| c.name == name && c.id != id) {
                return Err(CloudError::NameTaken("DWS.5050 name exists".into()));
            }
            s.idle_cluster(&id, now)?.name = name;
            Ok(())
        })
        .await
    }

    /// Like the API: binding the EIP the cluster holds is a no-op; another one is refused.
    async fn bind_eip(&self, id: &str, eip: &str) -> Result<(), CloudError> {
        let (id, eip) = (id.to_owned(), eip.to_owned());
        self.mutate(format!("bind_eip:{id}"), move |s, now| {
            let cluster = s.idle_cluster(&id, now)?;
            match cluster.network.eip.as_deref() {
                Some(bound) if bound != eip => {
                    Err(CloudError::Failed("DWS.5133 cluster has an EIP".into()))
                }
                _ => {
                    cluster.network.eip = Some(eip);
                    Ok(())
                }
            }
        })
        .await
    }

    async fn get_snapshot_policy(&self, id: &str) -> Result<SnapshotPolicy, CloudError> {
        self.mutate(format!("get_policy:{id}"), |s, _| policy::get(s, id))
            .await
    }

    async fn put_snapshot_policy(
        &self,
        id: &str,
        body: &PutSnapshotPolicy,
    ) -> Result<(), CloudError> {
        self.mutate(format!("put_policy:{id}"), |s, _| policy::put(s, id, body))
            .await
    }

    async fn delete_snapshot_policy(&self, id: &str, policy_id: &str) -> Result<(), CloudError> {
        self.mutate(format!("delete_policy:{id}"), |s, _| {
            policy::delete(s, id, policy_id)
        })
        .await
    }
}
