//! The fake cloud's state: its clusters (with the task each runs and what it shows instead,
//! see [`Forced`]), snapshots, queued faults and call log, and the rules every call shares
//! (a finished task settles on the next touch; a busy or stopped cluster refuses a change).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use super::super::cloud::CloudError;
use super::Fault;
use crate::api::policy::SnapshotPolicy;
use crate::api::wire::Tag;

#[derive(Clone, Debug)]
pub(super) enum Task {
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
pub(super) struct FakeCluster {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) node_type: String,
    pub(super) nodes: u32,
    pub(super) tags: Vec<Tag>,
    pub(super) listed_from: Instant,
    pub(super) task: Task,
    /// When `task` began: its progress grows linearly from there to its end, as the API's
    /// `action_progress` does on the simulator.
    pub(super) task_since: Instant,
    /// Shown instead of what `task` says (see [`super::FakeCloud::force_state`]).
    pub(super) forced: Option<Forced>,
    /// The security group and the bound EIP.
    pub(super) network: Network,
    /// Stopped (`power`): STOPPED once a stop ended, until a start ends.
    pub(super) stopped: bool,
    /// The CN ids (three until a CN task ends: see `ops`).
    pub(super) cns: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Network {
    pub(super) security_group: Option<String>,
    pub(super) eip: Option<String>,
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
pub(super) struct FakeSnapshot {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) cluster_id: String,
    pub(super) listed_from: Instant,
    pub(super) ready_at: Instant,
}

#[derive(Default)]
pub(in crate::exec) struct State {
    pub(super) clusters: Vec<FakeCluster>,
    pub(super) snapshots: Vec<FakeSnapshot>,
    pub(super) next_id: u64,
    pub(super) faults: HashMap<String, VecDeque<Fault>>,
    pub(super) fail_creation: HashMap<String, String>,
    pub(super) create_durations: HashMap<String, Duration>,
    /// Extra latency of the calls whose key starts with the prefix.
    pub(super) slow: Vec<(String, Duration)>,
    pub(super) calls: Vec<String>,
    pub(super) in_flight: usize,
    pub(super) peak_in_flight: usize,
    /// Automated-snapshot policies by cluster id (none: an empty policy).
    pub(super) policies: HashMap<String, SnapshotPolicy>,
    /// Descriptions by cluster id (none: empty); like the API's, only a read of its own
    /// shows one, not the listing.
    pub(super) descriptions: HashMap<String, String>,
}

impl State {
    pub(super) fn cluster_mut(&mut self, id: &str) -> Result<&mut FakeCluster, CloudError> {
        self.clusters
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| CloudError::NotFound("no such cluster".into()))
    }

    /// The cluster for a call that needs it idle: a finished task is settled first; a
    /// running task (or a stopped cluster) answers busy, as the API does (403 DWS.7023).
    pub(super) fn idle_cluster(
        &mut self,
        id: &str,
        now: Instant,
    ) -> Result<&mut FakeCluster, CloudError> {
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
    /// A cluster as a create, restore or seed makes it: three CNs, no network, running.
    pub(super) fn new(id: String, name: &str, nodes: u32, task: Task, now: Instant) -> Self {
        Self {
            id,
            name: name.to_owned(),
            node_type: "dws.m3.xlarge".to_owned(),
            nodes,
            tags: Vec::new(),
            listed_from: now,
            task,
            task_since: now,
            forced: None,
            network: Network::default(),
            stopped: false,
            cns: super::ops::first_cns(),
        }
    }

    /// Ends the task whose time is up, leaving what it made (nodes, power state, CNs).
    pub(super) fn settle(&mut self, now: Instant) {
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
