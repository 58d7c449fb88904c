//! An in-memory cloud in tokio's (virtual) time, for the scheduler's unit tests.
//!
//! Operations finish after fixed durations; faults are queued per call key such as
//! `create:dws-demo`; the fake counts calls and the peak number of concurrent mutating calls.
//! The in-place operations of issue 12 (start, stop, CNs) are in [`ops`]; they run as tasks
//! (`STARTING` / `STOPPING`, `ADD_CN_ING` / `DEL_CN_ING`) like the simulator's.
//!
//! This file owns the handle ([`FakeCloud`]: its durations, fault queue and what tests read
//! back) and how every mutating call is sent ([`FakeCloud::mutate`]); [`state`] holds the
//! clusters and their tasks, [`render`] shows them as a listing does, [`calls`] answers the
//! [`Cloud`](super::cloud::Cloud) calls, [`ops`] and [`policy`] the issue-12 operations and
//! the snapshot policies.

mod calls;
mod ops;
mod policy;
mod render;
mod state;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::cloud::CloudError;
use crate::api::wire::Tag;
use state::{FakeCluster, Network, State, Task};

pub use state::Forced;

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
            let mut cluster = FakeCluster::new(id.clone(), name, nodes, Task::None, Instant::now());
            cluster.tags = tags
                .iter()
                .map(|(k, v)| Tag {
                    key: (*k).to_owned(),
                    value: (*v).to_owned(),
                })
                .collect();
            s.clusters.push(cluster);
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
