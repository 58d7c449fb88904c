//! Sending a call whose outcome may stay unknown (a timeout, a connection cut after the
//! request left): create-like calls, idempotent ones, and calls sent once on a verified
//! precondition ([`send_once`]), each with its rule for sending again.
//!
//! Names resolve to ids from the latest listing just before each call. A create, restore or
//! snapshot whose outcome is unknown is looked for by name (lists may lag) and adopted when
//! found; it is sent again (at most [`MAX_SENDS`] times in all) only after the object stayed
//! absent from every listing for `Options::unknown_grace` (how late a listing can plausibly
//! be), and the API's name uniqueness turns any late duplicate into a 409 that is adopted too.
//! After the last send the step fails once that window has passed: "outcome unknown: not
//! listed after N s".

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::cloud::{Cloud, CloudError};
use super::ctx::{Ctx, Found, StepEnd, StepResult};
use super::ended::{cluster_settled, Check};
use super::events::Event;
use super::poller::Need;
use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::Step;

/// How often a create-like call is sent when each attempt's outcome stayed unknown and the
/// object was not listed within the grace period.
pub const MAX_SENDS: usize = 3;

/// Sends a create-like call and returns the new object's id, resolving unknown outcomes and
/// duplicate-name answers by listing (see the module doc).
pub async fn create_resolved<C, F, Fut>(
    ctx: &Ctx<C>,
    step: &Step,
    what: &str,
    need: Need,
    timeout: Duration,
    mut send: F,
    find: &(dyn Fn(&Live) -> Found + Sync),
) -> StepResult<String>
where
    C: Cloud,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<String, CloudError>>,
{
    // Present already (an earlier run's call that the plan's listing did not show yet)?
    match find(&ctx.latest().live) {
        Found::Match(id) => return Ok(id),
        Found::Mismatch(why) => return Err(StepEnd::Failed(why)),
        Found::Absent => {}
    }
    let deadline = Instant::now() + ctx.options.real(timeout);
    // However late the listing may plausibly be: past it, "not listed" means "not made".
    // Every send gets the same bounded window, the last one too (not the step's 60-minute
    // limit): an object that shows up later is found by the next plan, a restore's by its
    // provenance (plan::provenance).
    let window = ctx.options.unknown_grace;
    let mut unknown = String::new();
    for _ in 0..MAX_SENDS {
        let before = ctx.poller.ticks_started();
        match ctx.call(&step.id, what, deadline, &mut send).await? {
            Ok(id) => return Ok(id),
            Err(CloudError::OutcomeUnknown(message)) => {
                unknown = message.clone();
                match ctx
                    .await_listed(&step.id, need, before, window, find)
                    .await?
                {
                    Found::Match(id) => return Ok(id),
                    Found::Mismatch(why) => {
                        return Err(StepEnd::Failed(format!("{what}: {message}; {why}")))
                    }
                    // Not listed within the window: the call did not take effect, and
                    // sending it again is safe (a late first one makes this one a 409).
                    Found::Absent => continue,
                }
            }
            // The name is taken, so the object exists: wait for the list to show it.
            Err(CloudError::NameTaken(message)) => {
                return match ctx
                    .await_listed(&step.id, need, before, timeout, find)
                    .await?
                {
                    Found::Match(id) => Ok(id),
                    Found::Mismatch(why) => Err(StepEnd::Failed(format!("{message}: {why}"))),
                    Found::Absent => Err(StepEnd::Failed(format!(
                        "{what}: {message} (yet no object of that name is listed)"
                    ))),
                };
            }
            Err(err) => return Err(StepEnd::Failed(format!("{what}: {err}"))),
        }
    }
    Err(StepEnd::Failed(format!(
        "{what}: outcome unknown: not listed after {} s (sent {MAX_SENDS} times, the last \
         answer: {unknown}); run apply again: it creates the object only if it is still absent",
        window.as_secs()
    )))
}

/// However slow each answer, an idempotent call whose outcome stays unknown is sent at
/// least this many times before the step gives up.
const MIN_IDEMPOTENT_SENDS: u32 = 5;

/// Sends an idempotent call (tags, deletes), sending it again while the outcome is unknown,
/// after each next listing, until `deadline` (and at least [`MIN_IDEMPOTENT_SENDS`] times): repeating it does no harm, and giving up early
/// would leave, say, a restored cluster without its ownership tag.
/// With `absent_ok`, a not-found answer counts as success (the object or tag is gone).
pub async fn send_idempotent<C, F, Fut>(
    ctx: &Ctx<C>,
    step: &Step,
    what: &str,
    deadline: Instant,
    absent_ok: bool,
    mut send: F,
) -> StepResult<()>
where
    C: Cloud,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), CloudError>>,
{
    let mut sends = 0;
    loop {
        sends += 1;
        match ctx.call(&step.id, what, deadline, &mut send).await? {
            Ok(()) => return Ok(()),
            Err(CloudError::NotFound(_)) if absent_ok => return Ok(()),
            Err(CloudError::OutcomeUnknown(message)) => {
                // The clock alone does not end it: a slow machine or API (each unknown
                // answer can cost a whole request timeout) must not get fewer tries.
                if sends >= MIN_IDEMPOTENT_SENDS && Instant::now() >= deadline {
                    return Err(StepEnd::Failed(format!(
                        "{what}: outcome still unknown at the timeout: {message}"
                    )));
                }
                ctx.await_next_listing(Need::Clusters).await?;
            }
            Err(err) => return Err(StepEnd::Failed(format!("{what}: {err}"))),
        }
    }
}

/// Whether a listing shows the effect of a call sent to the cluster of the given id.
pub type Seen<'a> = dyn Fn(&Live, &str) -> bool + Sync + 'a;

/// How [`send_once`] resolves a call whose answer was lost.
pub enum Unknown<'a> {
    /// Never sent again (a resize's delta, a start or stop, a CN batch: a second one would
    /// act twice or be refused): the step goes on if a listing within the grace period shows
    /// the call's effect (`seen`), and fails otherwise, saying the outcome is unknown.
    Look(&'a Seen<'a>),
    /// Sent again while the next listing does not show its effect (a call that sets a value:
    /// once the value shows, a second send would change nothing or be refused), at least
    /// [`MIN_IDEMPOTENT_SENDS`] times and until the time limit.
    SendUnlessSeen(&'a Seen<'a>),
}

/// What [`send_once`] sends and how it judges the cloud.
pub struct Once<'a> {
    pub what: &'a str,
    /// The step's time limit in cloud time, from now: past it a busy answer ends the step.
    pub timeout: Duration,
    /// Whether the cluster takes the call now (`Ctx::await_ready`'s `ready`).
    pub ready: &'a (dyn Fn(&Live) -> Result<Option<String>, String> + Sync),
    pub unknown: Unknown<'a>,
}

/// Sends a mutating call at most once per verified precondition, and returns the cluster id
/// it went to and the poller tick before it went out (the step's wait starts there).
///
/// Each attempt waits for a listing made after the last one on which `once.ready` holds,
/// runs `check` on it (the step's precondition: `Err` ends the step, e.g. "already in
/// place" or stale; `Ok` is the cluster id), then sends. A busy or throttled answer means
/// nothing happened: the next attempt verifies again on a later listing, so a delta is never
/// sent on a stale count. A lost answer is resolved as `once.unknown` says.
pub async fn send_once<C, P, PFut, S, SFut>(
    ctx: &Ctx<C>,
    step: &Step,
    once: &Once<'_>,
    mut check: P,
    mut send: S,
) -> StepResult<(String, u64)>
where
    C: Cloud,
    P: FnMut(Arc<Live>) -> PFut,
    PFut: Future<Output = StepResult<String>>,
    S: FnMut(String) -> SFut,
    SFut: Future<Output = Result<(), CloudError>>,
{
    let what = once.what;
    let limit = Instant::now() + ctx.options.real(once.timeout);
    let (mut after, mut sends) = (0, 0);
    loop {
        let left = limit.saturating_duration_since(Instant::now());
        let listing = ctx
            .await_ready(&step.id, after, ctx.options.cloud(left), once.ready)
            .await?;
        let id = check(Arc::clone(&listing.live)).await?;
        let before = ctx.poller.ticks_started();
        sends += 1;
        let sent = ctx.call_once(&step.id, what, || send(id.clone())).await?;
        match sent {
            Ok(()) => return Ok((id, before)),
            // Busy (another run's task, an automated snapshot) or 429 after the client's
            // retries: it took no effect; wait for a later listing and verify again.
            Err(CloudError::Busy(message) | CloudError::Throttled(message))
                if Instant::now() < limit =>
            {
                ctx.emit(Event::Progress {
                    step: step.id.clone(),
                    status: format!("cluster busy ({message}); waiting to verify again"),
                    percent: None,
                });
            }
            Err(CloudError::OutcomeUnknown(message)) => {
                let spent = sends >= MIN_IDEMPOTENT_SENDS && Instant::now() >= limit;
                let at = (id.as_str(), before);
                if took_effect(ctx, step, once, at, &message, spent).await? {
                    return Ok((id, before));
                }
            }
            Err(err) => return Err(StepEnd::Failed(format!("{what}: {err}"))),
        }
        after = before;
    }
}

/// Resolves a lost answer as `once.unknown` says: `Ok(true)` when the listings show the call
/// took effect, `Ok(false)` to send it again, `Err` when the step ends (`spent`: the sends
/// and the time a `SendUnlessSeen` call gets are used up).
async fn took_effect<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    once: &Once<'_>,
    (id, before): (&str, u64),
    message: &str,
    spent: bool,
) -> StepResult<bool> {
    let what = once.what;
    match once.unknown {
        Unknown::Look(seen) => {
            let grace = ctx.options.unknown_grace;
            if shown(ctx, (step, what), (id, before), grace, seen).await? {
                return Ok(true);
            }
            Err(StepEnd::Failed(format!(
                "{what}: {message}; no sign of it in the listings; run plan again"
            )))
        }
        Unknown::SendUnlessSeen(seen) => {
            // The next listing only: it comes within a poll interval, and a value it does
            // not show is sent again (the module doc of `settings`).
            if shown(ctx, (step, what), (id, before), Duration::ZERO, seen).await? {
                return Ok(true);
            }
            if spent {
                return Err(StepEnd::Failed(format!(
                    "{what}: outcome still unknown at the timeout: {message}"
                )));
            }
            Ok(false)
        }
    }
}

/// Whether a listing made after tick `before`, within `window` of cloud time (at least the
/// next listing), shows what `seen` looks for on the cluster `id`.
async fn shown<C: Cloud>(
    ctx: &Ctx<C>,
    (step, what): (&Step, &str),
    (id, before): (&str, u64),
    window: Duration,
    seen: &Seen<'_>,
) -> StepResult<bool> {
    let find = |live: &Live| {
        if seen(live, id) {
            Found::Match(String::new())
        } else {
            Found::Absent
        }
    };
    let found = ctx
        .await_listed(&step.id, Need::Clusters, before, window, &find)
        .await
        .map_err(|end| match end {
            // `await_listed` words its interrupt for a create; this is a call to a cluster.
            StepEnd::Failed(_) if ctx.interrupted() => StepEnd::Failed(format!(
                "{what}: interrupted while looking for the effect of a call whose answer was \
                 lost; the next plan shows whether it took effect"
            )),
            other => other,
        })?;
    Ok(found != Found::Absent)
}

/// `Once::ready` for a call that needs the cluster idle: idle (or gone: the step's check
/// then says so) takes it; a running task is "not yet"; a failed or unknown state ends it.
pub fn idle(cluster: Option<&Cluster>) -> Result<Option<String>, String> {
    match cluster.map(|c| cluster_settled(Some(c))) {
        None | Some(Check::Done) => Ok(None),
        Some(Check::Pending { status, .. }) => Ok(Some(format!(
            "waiting for the cluster to be idle: {status}"
        ))),
        Some(Check::Failed(reason)) => Err(reason),
    }
}
