//! Cloud-side coordination between runs: an expiring lease tag on a cluster.
//!
//! dwsctl keeps no state file, so two runs of one spec (two CI pipelines) meet only in the
//! cloud. Before a step whose call is not idempotent (scale out, scale in, reset password)
//! acts on a cluster, its run writes the tag `dwsctl-lease` = `<run id>_<expiry>` (expiry in
//! Unix milliseconds) on it, then re-reads it on a listing started a settle time after the
//! write: the tag holds one value and the last writer wins, so exactly one of two runs that
//! wrote at once reads its own id back (that is the tie-break: the cloud's order of writes).
//! The loser, and any run that finds another run's unexpired lease, waits and says so; once
//! the lease is gone it verifies the step afresh (usually: already in place).
//!
//! The holder renews the lease every third of its term while its step runs and deletes it at
//! the end. A killed run stops renewing: a reader takes the lease over once the expiry the
//! tag carries has passed on its own clock (so clocks must agree to well within a term;
//! a run that still takes over too early is caught by the precondition check of `verify`).
//! When the lease cannot be written (the cluster already carries 10 tags), the step goes on
//! without it and says so: the precondition check still keeps a delta from being sent twice.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::cloud::{Cloud, CloudError};
use super::ctx::{humanize, Ctx, StepEnd, StepResult};
use super::events::Event;
use super::poller::Poller;
use crate::api::wire::{Cluster, Tag};
use crate::plan::{Action, Step, LEASE_TAG_KEY};

/// How many writes whose lease never showed in a listing before the step goes on without
/// (losing to another run's write does not count: that run is then waited for).
const MAX_UNSEEN_WRITES: u32 = 3;

/// The shortest lease in real time, however fast the (simulated) cloud runs.
const MIN_REAL_TERM: Duration = Duration::from_secs(1);

/// A clock in Unix milliseconds that advances with tokio's clock (so that paused-clock tests
/// see leases expire) and starts at the wall clock (so that runs on different machines agree).
#[derive(Clone, Copy, Debug)]
pub struct WallClock {
    base_ms: u64,
    base: Instant,
}

impl WallClock {
    pub fn new() -> Self {
        let base_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self {
            base_ms,
            base: Instant::now(),
        }
    }

    pub fn now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.base_ms.saturating_add(elapsed)
    }
}

impl Default for WallClock {
    fn default() -> Self {
        Self::new()
    }
}

/// A fresh run id: 12 hex digits.
pub fn run_id() -> String {
    format!("{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff)
}

/// A lease as the tag carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseValue {
    pub run: String,
    pub until_ms: u64,
}

impl LeaseValue {
    pub fn render(&self) -> String {
        format!("{}_{}", self.run, self.until_ms)
    }

    /// `None` for a value dwsctl did not write (treated as no lease).
    pub fn parse(value: &str) -> Option<Self> {
        let (run, until) = value.split_once('_')?;
        let ok = !run.is_empty() && run.len() <= 24 && run.chars().all(|c| c.is_ascii_hexdigit());
        Some(Self {
            run: ok.then(|| run.to_owned())?,
            until_ms: until.parse().ok()?,
        })
    }
}

/// The lease a listed cluster carries, if any.
pub fn holder(cluster: Option<&Cluster>) -> Option<LeaseValue> {
    cluster?
        .tags
        .iter()
        .find(|t| t.key == LEASE_TAG_KEY)
        .and_then(|t| LeaseValue::parse(&t.value))
}

/// Whether a step takes the lease: those whose call must not be sent twice.
pub fn needed(step: &Step) -> bool {
    matches!(
        step.action,
        Action::ScaleOut { .. } | Action::ScaleIn { .. } | Action::ResetPassword { .. }
    )
}

/// What a step got: the lease (renewed until released), or none, and whom it waited for.
#[derive(Default)]
pub struct Lease {
    held: Option<Held>,
    /// The run whose lease this step waited for, if any.
    pub waited_for: Option<String>,
}

struct Held {
    cluster_id: String,
    /// Tells the renewal to stop before its next write (dropping it does too).
    stop: Option<oneshot::Sender<()>>,
    renewal: JoinHandle<()>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

fn tag(value: &LeaseValue) -> Tag {
    Tag {
        key: LEASE_TAG_KEY.to_owned(),
        value: value.render(),
    }
}

/// Takes the lease on the step's cluster (see the module doc), waiting while another run
/// holds it, until `limit`.
pub async fn acquire<C: Cloud>(ctx: &Ctx<C>, step: &Step, limit: Instant) -> StepResult<Lease> {
    let name = step.target.cluster();
    let me = ctx.run_id.as_str();
    // A simulator at a high time scale would otherwise make it a few milliseconds long.
    let term = ctx.options.real(ctx.options.lease_term).max(MIN_REAL_TERM);
    let waited: Mutex<Option<String>> = Mutex::new(None);
    let mut after = ctx.poller.ticks_started();
    let mut unseen = 0;
    while unseen < MAX_UNSEEN_WRITES {
        let left = ctx
            .options
            .cloud(limit.saturating_duration_since(Instant::now()));
        let listing = ctx
            .await_ready(&step.id, after, left, |live| {
                Ok(match holder(live.cluster(name)) {
                    Some(other) if other.run != me && other.until_ms > ctx.clock.now_ms() => {
                        if let Ok(mut w) = waited.lock() {
                            *w = Some(other.run.clone());
                        }
                        Some(format!(
                            "waiting for another dwsctl run ({}) that is changing cluster \
                             {name} (its lease lapses {} after that run stops renewing it)",
                            other.run,
                            humanize(ctx.options.lease_term)
                        ))
                    }
                    _ => None,
                })
            })
            .await?;
        let waited_for = waited.lock().ok().and_then(|w| w.clone());
        let Some(id) = listing.live.cluster(name).map(|c| c.id.clone()) else {
            // Gone: nothing to lease; the step's own checks report it.
            return Ok(Lease {
                held: None,
                waited_for,
            });
        };
        let value = LeaseValue {
            run: me.to_owned(),
            until_ms: ctx.clock.now_ms().saturating_add(millis(term)),
        };
        let before = ctx.poller.ticks_started();
        let tags = [tag(&value)];
        match ctx
            .call_once(&step.id, "lease", || ctx.cloud.create_tags(&id, &tags))
            .await?
        {
            Ok(()) | Err(CloudError::OutcomeUnknown(_)) => {}
            Err(CloudError::Busy(_)) => {
                after = before;
                continue;
            }
            Err(err) => {
                unleased(
                    ctx,
                    step,
                    &format!("the lease tag could not be written: {err}"),
                );
                return Ok(Lease {
                    held: None,
                    waited_for,
                });
            }
        }
        // Any run that wrote at the same moment has written by now; the listing shows who
        // wrote last.
        tokio::time::sleep(ctx.options.real(ctx.options.lease_settle)).await;
        after = ctx.poller.ticks_started();
        let confirm = ctx.await_ready(&step.id, after, left, |_| Ok(None)).await?;
        match holder(confirm.live.cluster(name)) {
            Some(lease) if lease.run == me => {
                let (stop, stopped) = oneshot::channel();
                let renewal = tokio::spawn(renew(
                    ctx.cloud.clone(),
                    Arc::clone(&ctx.poller),
                    ctx.clock,
                    Renewal {
                        id: id.clone(),
                        name: name.to_owned(),
                        run: me.to_owned(),
                        term,
                    },
                    stopped,
                ));
                return Ok(Lease {
                    held: Some(Held {
                        cluster_id: id,
                        stop: Some(stop),
                        renewal,
                    }),
                    waited_for,
                });
            }
            // Another run wrote last: it holds the lease; wait for it.
            Some(_) => after = confirm.seq,
            // Not listed yet (a lagging list) or deleted at once: write again.
            None => {
                unseen += 1;
                after = confirm.seq;
            }
        }
    }
    unleased(
        ctx,
        step,
        "the lease tag never showed in the listings after it was written",
    );
    Ok(Lease {
        held: None,
        waited_for: waited.lock().ok().and_then(|w| w.clone()),
    })
}

fn unleased<C: Cloud>(ctx: &Ctx<C>, step: &Step, why: &str) {
    ctx.emit(Event::Progress {
        step: step.id.clone(),
        status: format!(
            "going on without a lease ({why}); the precondition check still guards the call"
        ),
        percent: None,
    });
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The lease a renewal keeps writing: on cluster `id` (named `name`), for `run`.
struct Renewal {
    id: String,
    name: String,
    run: String,
    term: Duration,
}

/// Rewrites the lease every third of its term, for as long as it is ours, until `stop`.
async fn renew<C: Cloud>(
    cloud: C,
    poller: Arc<Poller>,
    clock: WallClock,
    lease: Renewal,
    mut stop: oneshot::Receiver<()>,
) {
    let Renewal {
        id,
        name,
        run,
        term,
    } = lease;
    loop {
        tokio::select! {
            () = tokio::time::sleep(term / 3) => {}
            _ = &mut stop => return,
        }
        let latest = poller.latest();
        if holder(latest.live.cluster(&name)).is_some_and(|l| l.run != run) {
            return; // taken over after it expired: never steal it back
        }
        let value = LeaseValue {
            run: run.clone(),
            until_ms: clock.now_ms().saturating_add(millis(term)),
        };
        // A failed renewal is retried at the next third; the lease outlives two misses.
        // Not raced against `stop`: a write once sent is answered before the release deletes
        // the lease (see `Lease::release`).
        let _ = cloud.create_tags(&id, &[tag(&value)]).await;
    }
}

impl Lease {
    /// Stops renewing and deletes the lease unless another run holds it now (delete works by
    /// key). A renewal write in flight is answered first: sent before the delete but
    /// answered after it, it would put the lease back, and the next run would wait for a
    /// run that has ended. Each wait is bounded by `finish_grace` (an interrupted run's step
    /// is cut shorter by the scheduler): a lease left behind expires on its own.
    pub async fn release<C: Cloud>(mut self, ctx: &Ctx<C>, name: &str) {
        let Some(mut held) = self.held.take() else {
            return;
        };
        let bound = ctx.options.finish_grace;
        if let Some(stop) = held.stop.take() {
            let _ = stop.send(());
        }
        // On timeout `held`'s drop aborts the renewal; its write may still land (bounded by
        // the lease's term).
        let _ = tokio::time::timeout(bound, &mut held.renewal).await;
        let latest = ctx.latest();
        let cluster = latest.live.cluster(name);
        if holder(cluster).is_some_and(|l| l.run != ctx.run_id) {
            return;
        }
        let value = cluster
            .and_then(|c| c.tags.iter().find(|t| t.key == LEASE_TAG_KEY))
            .map(|t| t.value.clone())
            .unwrap_or_default();
        let gone = [Tag {
            key: LEASE_TAG_KEY.to_owned(),
            value,
        }];
        let delete = ctx.cloud.delete_tags(&held.cluster_id, &gone);
        let _ = tokio::time::timeout(bound, delete).await;
    }

    /// Adds whom the step waited for to an "already in place" outcome.
    pub fn explain(&self, end: StepEnd) -> StepEnd {
        match (end, &self.waited_for) {
            (StepEnd::InPlace(detail), Some(run)) => StepEnd::InPlace(format!(
                "{detail} (after waiting for dwsctl run {run}, which was changing it)"
            )),
            (end, _) => end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_value_carries_run_and_expiry_within_the_tag_rules() {
        let value = LeaseValue {
            run: "0123456789ab".into(),
            until_ms: 1_764_490_000_000,
        };
        let text = value.render();
        assert_eq!(text, "0123456789ab_1764490000000");
        assert!(crate::api::rules::tag_value(&text).is_ok());
        assert_eq!(LeaseValue::parse(&text), Some(value));
        assert_eq!(LeaseValue::parse("someone-else"), None);
        assert_eq!(LeaseValue::parse("xyz_12"), None);
        assert_eq!(LeaseValue::parse("ab_"), None);
    }
}
