//! Sending a call whose outcome may stay unknown (a timeout, a connection cut after the
//! request left): create-like calls and idempotent ones, each with its rule for sending again.
//!
//! Names resolve to ids from the latest listing just before each call. A create, restore or
//! snapshot whose outcome is unknown is looked for by name (lists may lag) and adopted when
//! found; it is sent again (at most [`MAX_SENDS`] times in all) only after the object stayed
//! absent from every listing for `Options::unknown_grace` (how late a listing can plausibly
//! be), and the API's name uniqueness turns any late duplicate into a 409 that is adopted too.
//! After the last send the step fails once that window has passed: "outcome unknown: not
//! listed after N s".

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::cloud::{Cloud, CloudError};
use super::ctx::{Ctx, Found, StepEnd, StepResult};
use super::poller::Need;
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
