//! Runs a plan's steps as soon as their dependencies are done, and turns their outcomes
//! into a report.
//!
//! Each step runs as its own task; the scheduler only decides when a step may start. A step
//! that does not complete stops its dependents (skipped) while independent branches go on;
//! `--fail-fast` starts nothing new after the first failure. On the first interrupt nothing
//! new starts, calls already sent get a short grace to return (so that the report knows
//! whether they took effect), and every operation still running in the cloud is reported.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::cloud::{Cloud, CloudError};
use super::ctx::{stopped, Ctx, Phase};
use super::events::{Event, Events};
use super::expect::operation;
use super::options::Options;
use super::poller::Poller;
use super::report::{Outcome, Report, StepReport};
use super::schedule::{Cadence, LONGEST};
use super::step::run_step;
use crate::api::Live;
use crate::plan::{Action, Plan, StepId};

/// Why a plan was not executed at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExecError {
    /// The plan has blocked steps; apply refuses it as a whole.
    #[error(
        "apply refuses a plan with blocked steps; nothing was executed:{}",
        .0.iter().map(|b| format!("\n  ! {}: {}", b.step, b.reason)).collect::<String>()
    )]
    #[diagnostic(
        code(dwsctl::exec::blocked),
        help("resolve the blocked steps (each shows its manual procedure in the plan), then run apply again")
    )]
    Blocked(Vec<BlockedStep>),
    /// A step depends on a step the plan does not contain.
    #[error("step {step} depends on {missing}, which is not in the plan")]
    UnknownDependency { step: StepId, missing: StepId },
    /// Two steps share an id.
    #[error("step id {0} appears more than once in the plan")]
    DuplicateStep(StepId),
    /// The dependencies form a cycle (the steps on it are listed).
    #[error("the plan's dependencies form a cycle through {}", list(.0))]
    Cycle(Vec<StepId>),
    /// The listing the run starts from failed.
    #[error("cannot list the live state: {0}")]
    Listing(CloudError),
}

/// A step the plan blocks, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedStep {
    pub step: StepId,
    pub reason: String,
}

fn list(ids: &[StepId]) -> String {
    ids.iter()
        .map(|id| id.0.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The steps' dependency graph by index.
struct Graph {
    deps: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
}

impl Graph {
    fn new(plan: &Plan) -> Result<Self, ExecError> {
        let mut index = HashMap::new();
        for (i, step) in plan.steps.iter().enumerate() {
            if index.insert(&step.id, i).is_some() {
                return Err(ExecError::DuplicateStep(step.id.clone()));
            }
        }
        let mut deps = vec![Vec::new(); plan.steps.len()];
        let mut dependents = vec![Vec::new(); plan.steps.len()];
        for (i, step) in plan.steps.iter().enumerate() {
            for dep in &step.depends_on {
                let Some(&d) = index.get(dep) else {
                    return Err(ExecError::UnknownDependency {
                        step: step.id.clone(),
                        missing: dep.clone(),
                    });
                };
                if !deps[i].contains(&d) {
                    deps[i].push(d);
                    dependents[d].push(i);
                }
            }
        }
        let graph = Self { deps, dependents };
        graph.check_acyclic(plan)?;
        Ok(graph)
    }

    /// Kahn's algorithm: whatever cannot be ordered is on (or behind) a cycle.
    fn check_acyclic(&self, plan: &Plan) -> Result<(), ExecError> {
        let mut remaining: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut queue: VecDeque<usize> = (0..remaining.len())
            .filter(|&i| remaining[i] == 0)
            .collect();
        let mut ordered = HashSet::new();
        while let Some(i) = queue.pop_front() {
            ordered.insert(i);
            for &d in &self.dependents[i] {
                remaining[d] -= 1;
                if remaining[d] == 0 {
                    queue.push_back(d);
                }
            }
        }
        let stuck: Vec<StepId> = plan
            .steps
            .iter()
            .enumerate()
            .filter(|(i, _)| !ordered.contains(i))
            .map(|(_, s)| s.id.clone())
            .collect();
        if stuck.is_empty() {
            Ok(())
        } else {
            Err(ExecError::Cycle(stuck))
        }
    }
}

/// Whether [`execute`] would run `plan`: no step is blocked (a plan with one is refused as a
/// whole) and the dependencies form a graph. The CLI asks before its prompt; `execute` asks
/// again, so that no caller can run a blocked plan.
pub fn check(plan: &Plan) -> Result<(), ExecError> {
    refuse_blocked(plan)?;
    Graph::new(plan).map(drop)
}

/// The one place the "apply refuses blocked steps" rule lives.
fn refuse_blocked(plan: &Plan) -> Result<(), ExecError> {
    let blocked: Vec<BlockedStep> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Blocked(b) => Some(BlockedStep {
                step: s.id.clone(),
                reason: b.reason.clone(),
            }),
            _ => None,
        })
        .collect();
    if blocked.is_empty() {
        Ok(())
    } else {
        Err(ExecError::Blocked(blocked))
    }
}

/// Executes `plan` against `cloud`. Refuses a plan with blocked steps or a broken graph
/// ([`check`]); otherwise always returns a report, whatever the steps' outcomes.
pub async fn execute<C: Cloud>(
    plan: &Plan,
    cloud: C,
    mut options: Options,
    events: Arc<dyn Events>,
) -> Result<Report, ExecError> {
    refuse_blocked(plan)?;
    let graph = Graph::new(plan)?;
    let seed = match options.live.take() {
        Some(live) => live,
        None => Live {
            clusters: cloud.list_clusters().await.map_err(ExecError::Listing)?,
            snapshots: cloud.list_snapshots().await.map_err(ExecError::Listing)?,
            extras: Default::default(),
        },
    };
    // Keeps a never-firing interrupt alive for callers that pass none.
    let (_keep, never) = watch::channel(false);
    let interrupt = options.interrupt.clone().unwrap_or(never);
    let cadence = Cadence::new(
        options.real(options.poll_interval),
        options.real(LONGEST.max(options.poll_interval)),
    );
    let poller = Poller::new(seed, cadence);
    let poll_task = tokio::spawn(Arc::clone(&poller).run(cloud.clone()));
    let ctx = Arc::new(Ctx::new(cloud, poller, options, events, interrupt.clone()));
    let mut run = Run::new(plan, graph, Arc::clone(&ctx));
    run.drive(interrupt).await;
    poll_task.abort();
    Ok(run.into_report())
}

/// What `JoinSet::join_next_with_id` yields for a step task.
type Joined = Result<(tokio::task::Id, (usize, Outcome)), tokio::task::JoinError>;

/// The state of one execution.
struct Run<'p, C> {
    plan: &'p Plan,
    graph: Graph,
    ctx: Arc<Ctx<C>>,
    outcomes: Vec<Option<Outcome>>,
    waiting: Vec<usize>,
    ready: BTreeSet<usize>,
    tasks: JoinSet<(usize, Outcome)>,
    running: HashMap<tokio::task::Id, usize>,
    aborts: HashMap<tokio::task::Id, tokio::task::AbortHandle>,
    stop_starting: bool,
    interrupted: bool,
}

impl<'p, C: Cloud> Run<'p, C> {
    fn new(plan: &'p Plan, graph: Graph, ctx: Arc<Ctx<C>>) -> Self {
        let waiting: Vec<usize> = graph.deps.iter().map(Vec::len).collect();
        let ready = (0..waiting.len()).filter(|&i| waiting[i] == 0).collect();
        Self {
            plan,
            graph,
            ctx,
            outcomes: vec![None; plan.steps.len()],
            waiting,
            ready,
            tasks: JoinSet::new(),
            running: HashMap::new(),
            aborts: HashMap::new(),
            stop_starting: false,
            interrupted: false,
        }
    }

    async fn drive(&mut self, mut interrupt: watch::Receiver<bool>) {
        loop {
            if !self.stop_starting && !self.interrupted {
                for i in std::mem::take(&mut self.ready) {
                    self.start(i);
                }
            }
            if self.tasks.is_empty() {
                break;
            }
            tokio::select! {
                joined = self.tasks.join_next_with_id() => self.joined(joined),
                _ = stopped(&mut interrupt) => {
                    self.interrupted = true;
                    break;
                }
            }
        }
        // The last steps may have seen the interrupt before this loop did.
        self.interrupted |= *interrupt.borrow();
        if self.interrupted {
            self.wind_down().await;
        }
    }

    fn start(&mut self, i: usize) {
        let Some(step) = self.plan.steps.get(i) else {
            return;
        };
        let ctx = Arc::clone(&self.ctx);
        ctx.expect(&step.id, operation(step, &ctx.latest().live));
        let step = step.clone();
        let handle = self
            .tasks
            .spawn(async move { (i, run_step(ctx, step).await) });
        self.running.insert(handle.id(), i);
        self.aborts.insert(handle.id(), handle);
    }

    fn joined(&mut self, joined: Option<Joined>) {
        match joined {
            Some(Ok((task, (i, outcome)))) => {
                self.running.remove(&task);
                self.aborts.remove(&task);
                self.record(i, outcome);
            }
            Some(Err(err)) => {
                self.aborts.remove(&err.id());
                if let Some(i) = self.running.remove(&err.id()) {
                    let outcome = self.abandoned(i, err.is_panic());
                    self.record(i, outcome);
                }
            }
            None => {}
        }
    }

    /// After an interrupt: calls in flight get the grace period to return, a call of an
    /// ownership unit ([`Phase::Finishing`]) the longer finish grace; then every task is
    /// dropped (operations in the cloud carry on).
    async fn wind_down(&mut self) {
        let start = tokio::time::Instant::now();
        self.join_until(start + self.ctx.options.interrupt_grace)
            .await;
        if self.abort_unless_finishing() {
            self.join_until(start + self.ctx.options.finish_grace).await;
        }
        self.tasks.abort_all();
        while let Some(joined) = self.tasks.join_next_with_id().await {
            self.joined(Some(joined));
        }
    }

    /// Records the steps that end before `deadline` (or until none is left).
    async fn join_until(&mut self, deadline: tokio::time::Instant) {
        let grace = tokio::time::sleep_until(deadline);
        tokio::pin!(grace);
        while !self.tasks.is_empty() {
            tokio::select! {
                joined = self.tasks.join_next_with_id() => self.joined(joined),
                _ = &mut grace => break,
            }
        }
    }

    /// Aborts every running step but those finishing an ownership unit, and tells the user
    /// about these. Returns whether any is left.
    fn abort_unless_finishing(&mut self) -> bool {
        let mut left = false;
        for (task, &i) in &self.running {
            let Some(step) = self.plan.steps.get(i) else {
                continue;
            };
            match self.ctx.phase(&step.id) {
                Some(Phase::Finishing(what)) => {
                    left = true;
                    self.ctx.emit(Event::Progress {
                        step: step.id.clone(),
                        status: format!(
                            "finishing the {what} call before stopping (at most {} s), so \
                             that the new cluster is marked as dwsctl's",
                            self.ctx.options.finish_grace.as_secs()
                        ),
                        percent: None,
                    });
                }
                _ => {
                    if let Some(handle) = self.aborts.get(task) {
                        handle.abort();
                    }
                }
            }
        }
        left
    }

    /// The outcome of a step whose task ended without returning one.
    fn abandoned(&self, i: usize, panicked: bool) -> Outcome {
        let id = self.plan.steps.get(i).map(|s| s.id.clone());
        let phase = id.as_ref().and_then(|id| self.ctx.phase(id));
        let outcome = match (panicked, phase) {
            (true, _) => Outcome::Failed {
                reason: "internal error: the step's task panicked".into(),
            },
            (false, Some(Phase::Calling(what) | Phase::Finishing(what))) => Outcome::StillRunning {
                detail: format!(
                    "interrupted during the {what} call, which may have taken effect; \
                     the next plan shows it"
                ),
            },
            (false, Some(Phase::Waiting(what))) => Outcome::StillRunning {
                detail: format!("{what} continues in the cloud"),
            },
            (false, _) => Outcome::Skipped {
                reason: "interrupted before it started".into(),
            },
        };
        if let Some(step) = id {
            self.ctx.emit(outcome_event(step, &outcome));
        }
        outcome
    }

    fn record(&mut self, i: usize, outcome: Outcome) {
        let done = outcome.is_done();
        let failed =
            !done && !matches!(outcome, Outcome::Skipped { .. } | Outcome::Deferred { .. });
        if let Some(slot) = self.outcomes.get_mut(i) {
            *slot = Some(outcome);
        }
        if done {
            for &d in self
                .graph
                .dependents
                .get(i)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                self.waiting[d] -= 1;
                if self.waiting[d] == 0 && self.outcomes[d].is_none() {
                    self.ready.insert(d);
                }
            }
            return;
        }
        if failed && self.ctx.options.fail_fast {
            self.stop_starting = true;
        }
        self.skip_dependents(i);
    }

    /// Marks every transitive dependent of step `i` skipped.
    fn skip_dependents(&mut self, i: usize) {
        let Some(cause) = self.plan.steps.get(i).map(|s| s.id.clone()) else {
            return;
        };
        let label = self.outcomes[i].as_ref().map_or("not done", Outcome::label);
        let reason = format!("{cause} did not complete ({label})");
        // What waits for a deferred step is deferred with it: the next run takes both.
        let deferred = matches!(self.outcomes[i], Some(Outcome::Deferred { .. }));
        let mut queue: VecDeque<usize> = self.graph.dependents[i].iter().copied().collect();
        while let Some(d) = queue.pop_front() {
            if self.outcomes[d].is_some() {
                continue;
            }
            let outcome = if deferred {
                Outcome::Deferred {
                    reason: format!("waits for {cause}, which is deferred"),
                }
            } else {
                Outcome::Skipped {
                    reason: reason.clone(),
                }
            };
            self.ctx
                .emit(outcome_event(self.plan.steps[d].id.clone(), &outcome));
            self.outcomes[d] = Some(outcome);
            self.ready.remove(&d);
            queue.extend(self.graph.dependents[d].iter().copied());
        }
    }

    fn into_report(mut self) -> Report {
        let reason = if self.interrupted {
            "interrupted before it started"
        } else {
            "not started: --fail-fast after a failure"
        };
        let mut steps = Vec::with_capacity(self.plan.steps.len());
        for (i, step) in self.plan.steps.iter().enumerate() {
            let outcome = match self.outcomes[i].take() {
                Some(outcome) => outcome,
                None => {
                    let outcome = Outcome::Skipped {
                        reason: reason.to_owned(),
                    };
                    self.ctx.emit(outcome_event(step.id.clone(), &outcome));
                    outcome
                }
            };
            steps.push(StepReport {
                step: step.id.clone(),
                outcome,
            });
        }
        Report {
            steps,
            interrupted: self.interrupted,
        }
    }
}

fn outcome_event(step: StepId, outcome: &Outcome) -> Event {
    match outcome {
        Outcome::Done => Event::StepDone {
            step,
            elapsed_s: 0.0,
        },
        Outcome::AlreadyDone { detail } => Event::StepAlreadyDone {
            step,
            detail: detail.clone(),
        },
        Outcome::Failed { reason } => Event::StepFailed {
            step,
            reason: reason.clone(),
            elapsed_s: 0.0,
        },
        Outcome::Stale { reason } => Event::StepStale {
            step,
            reason: reason.clone(),
        },
        Outcome::Skipped { reason } => Event::StepSkipped {
            step,
            reason: reason.clone(),
        },
        Outcome::StillRunning { detail } => Event::StepStillRunning {
            step,
            detail: detail.clone(),
        },
        Outcome::Deferred { reason } => Event::StepDeferred {
            step,
            reason: reason.clone(),
        },
    }
}
