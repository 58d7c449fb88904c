//! The shared state of a run, and how a step sends a mutating call (holding a concurrency
//! slot only for the call). How a step waits on the poller's listings is in
//! [`super::waits`].

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;

use super::cloud::{Cloud, CloudError};
use super::events::{Event, Events};
use super::expect::{self, Operation};
use super::lease::WallClock;
use super::options::Options;
use super::poller::{Need, Observation, Poller};
use super::schedule::Forecast;
use crate::plan::{StepId, Target};

/// Where a running step is, for the report if the run stops under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for its turn (cluster lock or a concurrency slot); nothing sent yet.
    Queued,
    /// A mutating call is in flight: it may or may not take effect.
    Calling(String),
    /// The cloud operation runs; the step observes it.
    Waiting(String),
    /// A mutating call in flight that belongs to an ownership unit (a restore and the tag
    /// call that marks its cluster as ours): after an interrupt it gets
    /// `Options::finish_grace` rather than `interrupt_grace`, so that one Ctrl-C cannot leave
    /// the new cluster untagged.
    Finishing(String),
}

/// How a step ended early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepEnd {
    Failed(String),
    Stale(String),
    /// Nothing to send: the cloud already shows the step's goal.
    InPlace(String),
    /// Started in the cloud, not seen to end.
    StillRunning(String),
    /// Stopped by an interrupt before anything was sent.
    NotStarted(String),
    /// Left for the next run before anything was sent (`exec::gate`).
    Deferred(String),
}

pub type StepResult<T> = Result<T, StepEnd>;

/// What a lookup by name found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// The object, by id.
    Match(String),
    /// An object of that name that is not the one this step would have made.
    Mismatch(String),
    Absent,
}

pub struct Ctx<C> {
    pub cloud: C,
    pub poller: Arc<Poller>,
    pub options: Options,
    pub events: Arc<dyn Events>,
    permits: Semaphore,
    cluster_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    phases: Mutex<HashMap<StepId, Phase>>,
    touched: Mutex<HashSet<Target>>,
    /// Steps inside an ownership unit (see [`Phase::Finishing`]).
    finishing: Mutex<HashSet<StepId>>,
    /// The operation each step starts in the cloud, for the poll schedule.
    operations: Mutex<HashMap<StepId, Operation>>,
    /// When each step's latest mutating call was sent and answered.
    sends: Mutex<HashMap<StepId, (Instant, Instant)>>,
    pub(super) interrupt: watch::Receiver<bool>,
    /// This run's id in the leases it writes.
    pub run_id: String,
    pub clock: WallClock,
    /// The calendar maintenance windows are read against.
    pub calendar: super::gate::Calendar,
}

impl<C: Cloud> Ctx<C> {
    pub fn new(
        cloud: C,
        poller: Arc<Poller>,
        options: Options,
        events: Arc<dyn Events>,
        interrupt: watch::Receiver<bool>,
    ) -> Self {
        let options_calendar = options.calendar;
        Self {
            permits: Semaphore::new(options.parallelism.max(1)),
            cloud,
            poller,
            options,
            events,
            cluster_locks: Mutex::new(HashMap::new()),
            phases: Mutex::new(HashMap::new()),
            touched: Mutex::new(HashSet::new()),
            finishing: Mutex::new(HashSet::new()),
            operations: Mutex::new(HashMap::new()),
            sends: Mutex::new(HashMap::new()),
            interrupt,
            run_id: super::lease::run_id(),
            clock: WallClock::new(),
            calendar: super::gate::Calendar::new(options_calendar),
        }
    }

    pub fn set_phase(&self, step: &StepId, phase: Phase) {
        if let Ok(mut phases) = self.phases.lock() {
            phases.insert(step.clone(), phase);
        }
    }

    pub fn phase(&self, step: &StepId) -> Option<Phase> {
        self.phases.lock().ok()?.get(step).cloned()
    }

    /// Records the operation `step` starts in the cloud (none: a wait step, whose operation
    /// started before this run, or a synchronous call).
    pub fn expect(&self, step: &StepId, operation: Option<Operation>) {
        if let (Some(operation), Ok(mut operations)) = (operation, self.operations.lock()) {
            operations.insert(step.clone(), operation);
        }
    }

    /// Sends a mutating call, recording when it went out and when it was answered.
    async fn timed<T>(&self, step: &StepId, call: impl Future<Output = T>) -> T {
        let sent = Instant::now();
        let result = call.await;
        if let Ok(mut sends) = self.sends.lock() {
            sends.insert(step.clone(), (sent, Instant::now()));
        }
        result
    }

    /// What the poll schedule knows of the operation `step` waits for: its expected span
    /// and when its call went out; `None` if either is unknown.
    pub(super) fn forecast(&self, step: &StepId) -> Option<Forecast> {
        let operation = *self.operations.lock().ok()?.get(step)?;
        let (sent, returned) = *self.sends.lock().ok()?.get(step)?;
        let span = expect::span(operation);
        let span = expect::Span {
            shortest: self.options.real(span.shortest),
            longest: self.options.real(span.longest),
        };
        Some(Forecast::new(sent, returned, span))
    }

    /// Marks the start (`true`) or end of the step's ownership unit: its calls in between
    /// are in [`Phase::Finishing`] while in flight.
    pub fn ownership_unit(&self, step: &StepId, inside: bool) {
        if let Ok(mut finishing) = self.finishing.lock() {
            if inside {
                finishing.insert(step.clone());
            } else {
                finishing.remove(step);
            }
        }
    }

    /// The phase of a call in flight for `step`.
    fn calling(&self, step: &StepId, what: &str) -> Phase {
        let unit = self
            .finishing
            .lock()
            .map(|f| f.contains(step))
            .unwrap_or(false);
        if unit {
            Phase::Finishing(what.to_owned())
        } else {
            Phase::Calling(what.to_owned())
        }
    }

    /// The lock that keeps one mutating operation per cluster at a time.
    pub fn cluster_lock(&self, cluster: &str) -> Arc<tokio::sync::Mutex<()>> {
        match self.cluster_locks.lock() {
            Ok(mut locks) => Arc::clone(locks.entry(cluster.to_owned()).or_default()),
            // A poisoned map only happens after a panic elsewhere; a fresh lock is harmless.
            Err(_) => Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Records that this run acted on `target` (its fingerprint is then expected to move).
    pub fn touch(&self, target: &Target) {
        if let Ok(mut touched) = self.touched.lock() {
            touched.insert(target.clone());
            if let Target::Snapshot { cluster, .. } = target {
                touched.insert(Target::Cluster {
                    name: cluster.clone(),
                });
            }
        }
    }

    pub fn touched(&self, target: &Target) -> bool {
        self.touched
            .lock()
            .map(|t| t.contains(target))
            .unwrap_or(false)
    }

    pub fn interrupted(&self) -> bool {
        *self.interrupt.borrow()
    }

    pub fn latest(&self) -> Arc<Observation> {
        self.poller.latest()
    }

    pub fn emit(&self, event: Event) {
        self.events.emit(&event);
    }

    /// Sends one mutating call in a concurrency slot, once: a `Busy` answer is returned, for
    /// a caller that must re-verify its precondition before sending again (a delta call).
    pub async fn call_once<T, F, Fut>(
        &self,
        step: &StepId,
        what: &str,
        send: F,
    ) -> StepResult<Result<T, CloudError>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, CloudError>>,
    {
        if self.interrupted() {
            return Err(StepEnd::NotStarted(format!(
                "interrupted before {what} was sent"
            )));
        }
        let _permit = self.permits.acquire().await;
        self.set_phase(step, Phase::Calling(what.to_owned()));
        let result = self.timed(step, send()).await;
        if matches!(result, Err(CloudError::Busy(_))) {
            self.set_phase(step, Phase::Queued);
        }
        Ok(result)
    }

    /// Sends one mutating call in a concurrency slot. A `Busy` answer (another task on the
    /// cluster) or a `Throttled` one (429 after the client's retries: nothing happened) is
    /// sent again after the next listing, until `deadline`: throttling slows a step down
    /// within its time, it does not fail it.
    pub async fn call<T, F, Fut>(
        &self,
        step: &StepId,
        what: &str,
        deadline: Instant,
        mut send: F,
    ) -> StepResult<Result<T, CloudError>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, CloudError>>,
    {
        loop {
            if self.interrupted() {
                return Err(StepEnd::NotStarted(format!(
                    "interrupted before {what} was sent"
                )));
            }
            let result = {
                let _permit = self.permits.acquire().await;
                self.set_phase(step, self.calling(step, what));
                self.timed(step, send()).await
            };
            match result {
                Err(err @ (CloudError::Busy(_) | CloudError::Throttled(_))) => {
                    self.set_phase(step, Phase::Queued);
                    if Instant::now() >= deadline {
                        return Ok(Err(err));
                    }
                    self.await_next_listing(Need::Clusters).await?;
                }
                other => return Ok(other),
            }
        }
    }

    /// Sends one mutating call in a concurrency slot even after an interrupt: for a call
    /// that completes one already made (the ownership tags of a cluster just restored), so
    /// that an interrupt cannot leave that cluster looking like someone else's. In flight it
    /// is [`Phase::Finishing`]. No retry.
    pub async fn call_to_finish<T, Fut>(
        &self,
        step: &StepId,
        what: &str,
        send: impl FnOnce() -> Fut,
    ) -> Result<T, CloudError>
    where
        Fut: Future<Output = Result<T, CloudError>>,
    {
        let _permit = self.permits.acquire().await;
        self.set_phase(step, Phase::Finishing(what.to_owned()));
        send().await
    }
}

/// Resolves on the first interrupt; never, if the interrupt sender is gone.
pub async fn stopped(interrupt: &mut watch::Receiver<bool>) {
    if interrupt.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// `90 s`, `30 min`.
pub fn humanize(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 120 {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}
