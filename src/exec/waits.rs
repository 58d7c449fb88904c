//! The four ways a step waits on the poller's listings, each named for what it waits for:
//!
//! * [`Ctx::await_end`]: an operation in flight in the cloud, until a listing shows it ended
//!   (done or failed) or its time limit passes; its listings follow the operation's forecast
//!   ([`super::schedule`]).
//! * [`Ctx::await_ready`]: before a call, a listing on which its precondition holds (the
//!   cluster idle, a lease read back).
//! * [`Ctx::await_next_listing`]: any listing made after now, before a call goes out again
//!   (after a busy or throttled answer, or an unknown outcome of an idempotent call).
//! * [`Ctx::await_listed`]: an object whose create had an unknown outcome (or whose tags are
//!   checked), until a listing shows it or the window for a lagging list closes.
//!
//! All but the first want a listing every dense interval; all end on an interrupt. Whether
//! an operation has ended is judged by the pure checks of [`super::ended`].

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::cloud::Cloud;
use super::ctx::{humanize, stopped, Ctx, Found, Phase, StepEnd, StepResult};
use super::ended::Check;
use super::events::Event;
use super::poller::{Interest, Need, Observation};
use crate::api::Live;
use crate::plan::StepId;

impl<C: Cloud> Ctx<C> {
    /// Before a call: waits for a listing made after tick `after` on which `ready` says yes
    /// (`Ok(None)`; `Ok(Some(status))` is "not yet", shown as progress), and returns it.
    /// Nothing has been sent, so the time limit and an interrupt end the step as failed or
    /// not started, never as "still running".
    pub async fn await_ready(
        &self,
        step: &StepId,
        after: u64,
        limit: Duration,
        ready: impl Fn(&Live) -> Result<Option<String>, String>,
    ) -> StepResult<Arc<Observation>> {
        self.set_phase(step, Phase::Queued);
        let interest = self.poller.interest(Need::Clusters);
        let mut rx = self.poller.subscribe();
        let mut interrupt = self.interrupt.clone();
        let mut expiry = Expiry::new(self.options.real(limit));
        let mut last = None;
        // The tick of the listing last read: the next one is asked for once per listing (not
        // again after the time limit passed, which asked for one at once).
        let mut read = None;
        loop {
            let observation = Arc::clone(&rx.borrow_and_update());
            if read.replace(observation.tick) != Some(observation.tick) {
                interest.list_soon();
            }
            if fresh(&observation, Need::Clusters, after) {
                match ready(&observation.live) {
                    Ok(None) => return Ok(observation),
                    Ok(Some(status)) => {
                        if last.as_ref() != Some(&status) {
                            self.emit(Event::Progress {
                                step: step.clone(),
                                status: status.clone(),
                                percent: None,
                            });
                        }
                        last = Some(status);
                    }
                    Err(reason) => return Err(StepEnd::Failed(reason)),
                }
            }
            if expiry.confirmed(&observation, Need::Clusters) {
                return Err(StepEnd::Failed(format!(
                    "nothing was sent: still not ready after {} ({})",
                    humanize(limit),
                    last.unwrap_or_else(|| "no listing".to_owned())
                )));
            }
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return Err(StepEnd::Failed("the poller stopped".into()));
                    }
                }
                _ = stopped(&mut interrupt) => {
                    return Err(StepEnd::NotStarted("interrupted before it was sent".into()));
                }
                _ = expiry.elapsed() => expiry.expire(self.poller.ticks_started(), &interest),
            }
        }
    }

    /// Waits for the next listing (or an interrupt).
    pub async fn await_next_listing(&self, need: Need) -> StepResult<()> {
        let _interest = self.poller.interest(need);
        let mut rx = self.poller.subscribe();
        let mut interrupt = self.interrupt.clone();
        let after = self.poller.ticks_started();
        loop {
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() || rx.borrow_and_update().seq > after {
                        return Ok(());
                    }
                }
                _ = stopped(&mut interrupt) => {
                    return Err(StepEnd::NotStarted("interrupted while waiting to send it again".into()));
                }
            }
        }
    }

    /// Waits until `check` says done or failed on a listing made after tick `after`.
    /// `timeout` is in cloud time. Emits progress on every listing. The timeout is only
    /// declared on a listing that started after it expired (see [`Expiry`]).
    pub async fn await_end(
        &self,
        step: &StepId,
        what: &str,
        need: Need,
        after: u64,
        timeout: Duration,
        mut check: impl FnMut(&Live) -> Check,
    ) -> StepResult<()> {
        self.set_phase(step, Phase::Waiting(what.to_owned()));
        let interest = self.poller.interest(need);
        let mut rx = self.poller.subscribe();
        let mut interrupt = self.interrupt.clone();
        let mut expiry = Expiry::new(self.options.real(timeout));
        let mut forecast = self.forecast(step);
        let mut read = None;
        let timed_out = || {
            StepEnd::StillRunning(format!(
                "{what} did not finish within {}; it continues in the cloud",
                humanize(timeout)
            ))
        };
        loop {
            let observation = Arc::clone(&rx.borrow_and_update());
            if fresh(&observation, need, after) {
                match check(&observation.live) {
                    Check::Done => return Ok(()),
                    Check::Failed(reason) => return Err(StepEnd::Failed(reason)),
                    Check::Pending { status, percent } => {
                        if let Some(forecast) = forecast.as_mut() {
                            forecast.observe(
                                observation.listed_from,
                                observation.listed_to,
                                percent,
                            );
                        }
                        self.emit(Event::Progress {
                            step: step.clone(),
                            status,
                            percent,
                        });
                    }
                }
            } else if let Some(forecast) = forecast.as_mut() {
                // A listing too early to decide on (made before `after`, e.g. the one that
                // checked a new cluster's tags) still dates the operation's progress, if it
                // was made after the call was answered.
                if observation.error.is_none() && forecast.follows_call(observation.listed_from) {
                    if let Check::Pending { percent, .. } = check(&observation.live) {
                        forecast.observe(observation.listed_from, observation.listed_to, percent);
                    }
                }
            }
            if read.replace(observation.tick) != Some(observation.tick) {
                match &forecast {
                    Some(forecast) => {
                        interest.list_at(forecast.next_poll(Instant::now(), self.poller.cadence()));
                    }
                    None => interest.list_soon(),
                }
            }
            if expiry.confirmed(&observation, need) {
                return Err(timed_out());
            }
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return Err(StepEnd::StillRunning(format!("{what}: the poller stopped")));
                    }
                }
                _ = stopped(&mut interrupt) => {
                    return Err(StepEnd::StillRunning(format!("{what} continues in the cloud")));
                }
                _ = expiry.elapsed() => expiry.expire(self.poller.ticks_started(), &interest),
            }
        }
    }

    /// Looks for an object by name in listings made after tick `after`, for up to `window`
    /// of cloud time (lists may lag behind writes). `Absent` if not seen on any of them,
    /// the last one started after the window closed (see [`Expiry`]).
    pub async fn await_listed(
        &self,
        step: &StepId,
        need: Need,
        after: u64,
        window: Duration,
        find: &(dyn Fn(&Live) -> Found + Sync),
    ) -> StepResult<Found> {
        self.set_phase(
            step,
            Phase::Waiting("looking for the object by name".into()),
        );
        let interest = self.poller.interest(need);
        let mut rx = self.poller.subscribe();
        let mut interrupt = self.interrupt.clone();
        let mut expiry = Expiry::new(self.options.real(window));
        let mut read = None;
        loop {
            let observation = Arc::clone(&rx.borrow_and_update());
            if read.replace(observation.tick) != Some(observation.tick) {
                interest.list_soon();
            }
            if fresh(&observation, need, after) {
                match find(&observation.live) {
                    Found::Absent => {}
                    found => return Ok(found),
                }
            }
            if expiry.confirmed(&observation, need) {
                return Ok(Found::Absent);
            }
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return Ok(Found::Absent);
                    }
                }
                // Not "still running": nothing this run sent is known to exist.
                _ = stopped(&mut interrupt) => {
                    return Err(StepEnd::Failed(
                        "interrupted while looking for an object whose create had an unknown \
                         outcome; it was not listed so far, and the next plan shows whether it \
                         exists".into(),
                    ));
                }
                _ = expiry.elapsed() => expiry.expire(self.poller.ticks_started(), &interest),
            }
        }
    }
}

/// A wait's time limit, judged by what was listed rather than by the clock alone.
///
/// When the limit passes, the verdict ("still running", "not there") waits for one listing
/// that *started* after it. A process starved of CPU (a loaded CI machine, a laptop waking
/// from sleep) may see its timer fire long after the last listing it processed; deciding on
/// that stale listing would give up on an operation that finished, or an object that
/// appeared, during the stall. The cost is at most one poll interval past the limit.
struct Expiry {
    deadline: Instant,
    /// Set once the limit passed: the verdict needs a listing from a tick after this one.
    after_tick: Option<u64>,
}

impl Expiry {
    fn new(limit: Duration) -> Self {
        Self {
            deadline: Instant::now() + limit,
            after_tick: None,
        }
    }

    /// Resolves when the limit passes; never again once it has.
    async fn elapsed(&self) {
        match self.after_tick {
            None => tokio::time::sleep_until(self.deadline).await,
            Some(_) => std::future::pending::<()>().await,
        }
    }

    /// Records that the limit passed when `ticks_started` ticks had begun, and asks for the
    /// listing the verdict needs at once (rather than when the schedule would have).
    fn expire(&mut self, ticks_started: u64, interest: &Interest) {
        self.after_tick.get_or_insert(ticks_started);
        interest.list_at(Instant::now());
    }

    /// Whether the limit passed and `observation` comes from a tick that began after that
    /// (a failed listing counts: the poller looked again, and could not see it either).
    fn confirmed(&self, observation: &Observation, need: Need) -> bool {
        self.after_tick.is_some_and(|tick| {
            observation.tick > tick
                && (need == Need::Clusters
                    || observation.error.is_some()
                    || observation.snapshots_seq > tick)
        })
    }
}

/// Whether a listing was made after tick `after` (both lists, when snapshots are needed).
fn fresh(observation: &Observation, need: Need, after: u64) -> bool {
    observation.error.is_none()
        && observation.seq > after
        && (need == Need::Clusters || observation.snapshots_seq > after)
}
