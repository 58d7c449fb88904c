//! The in-place changes of issue 12: security group, EIP unbind and bind, rename and
//! description (read back from the detail, [`set_description`]). Each
//! is one call whose 200 answer means it took effect
//! (`cluster_management/modifying_the_security_group_of_a_cluster.rst`,
//! `connection_management/binding_an_eip_to_a_cluster.rst`, `unbinding_an_eip_from_a_cluster.rst`);
//! the step then waits for a listing that shows the new value, so the steps after it (and
//! the next plan) see it.
//!
//! A busy cluster would answer 403 DWS.7023 (nothing done): the call waits for a listing
//! that shows the cluster idle, and one refused as busy all the same goes out again after a
//! later such listing. An unknown outcome is resolved by looking first: the call is sent again
//! only while a listing made after it does not show the value (an unbind that took effect
//! would be refused the second time). Both are [`send_once`]'s rules.

use std::future::Future;

use tokio::time::Instant;

use super::cloud::{Cloud, CloudError};
use super::ctx::{Ctx, StepEnd, StepResult};
use super::ended::Check;
use super::find::cluster_by_id;
use super::mutate::cluster_id;
use super::poller::Need;
use super::send::{idle, send_once, Once, Unknown};
use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::Step;

/// `PUT …/security-group` with the one group.
pub async fn set_security_group<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    group: &str,
) -> StepResult<()> {
    let id = cluster_id(ctx, step.target.cluster())?;
    let goal = |live: &Live| {
        seen(live, &id, |c| {
            (c.security_group_id.as_deref() == Some(group))
                .then_some(())
                .ok_or_else(|| {
                    format!(
                        "security group {}",
                        c.security_group_id.as_deref().unwrap_or("none")
                    )
                })
        })
    };
    set_and_see(ctx, step, ("set security group", &id), &goal, || {
        ctx.cloud.set_security_group(&id, group)
    })
    .await
}

/// `DELETE …/eips/{eip_id}`.
pub async fn unbind_eip<C: Cloud>(ctx: &Ctx<C>, step: &Step, eip: &str) -> StepResult<()> {
    let id = cluster_id(ctx, step.target.cluster())?;
    let goal = |live: &Live| {
        seen(live, &id, |c| match c.bound_eip() {
            Some(bound) if bound == eip => Err(format!("EIP {eip} still bound")),
            _ => Ok(()),
        })
    };
    set_and_see(ctx, step, ("unbind EIP", &id), &goal, || {
        ctx.cloud.unbind_eip(&id, eip)
    })
    .await
}

/// `POST …/eips/{eip_id}`.
pub async fn bind_eip<C: Cloud>(ctx: &Ctx<C>, step: &Step, eip: &str) -> StepResult<()> {
    let id = cluster_id(ctx, step.target.cluster())?;
    let goal = |live: &Live| {
        seen(live, &id, |c| match c.bound_eip() {
            Some(bound) if bound == eip => Ok(()),
            other => Err(format!("EIP {}", other.unwrap_or("none"))),
        })
    };
    set_and_see(ctx, step, ("bind EIP", &id), &goal, || {
        ctx.cloud.bind_eip(&id, eip)
    })
    .await
}

/// `PUT …/cluster-name`. The reference answers "Request submitted" with a job id, so the
/// step waits for a listing that shows the cluster (by id) under its new name; a re-send of
/// a rename that took effect is a no-op (the cluster's own name).
pub async fn rename_cluster<C: Cloud>(ctx: &Ctx<C>, step: &Step, name: &str) -> StepResult<()> {
    let id = cluster_id(ctx, step.target.cluster())?;
    let goal = |live: &Live| {
        seen(live, &id, |c| {
            (c.name == name)
                .then_some(())
                .ok_or_else(|| format!("name {}", c.name))
        })
    };
    set_and_see(ctx, step, ("rename", &id), &goal, || {
        ctx.cloud.rename_cluster(&id, name)
    })
    .await
}

/// `POST …/description` (`cluster_management/modifying_cluster_description.rst`). The
/// call sets the whole text, so a lost answer is resolved by sending it again
/// (`send_idempotent`; a busy cluster is waited out before the call, and one refused as busy
/// all the same by [`Ctx::call`]). The listings do not
/// show a description, so the step then reads the detail back until it shows the text, for
/// at most the grace a read may lag.
pub async fn set_description<C: Cloud>(ctx: &Ctx<C>, step: &Step, text: &str) -> StepResult<()> {
    let what = "set description";
    let id = cluster_id(ctx, step.target.cluster())?;
    let limit = Instant::now() + ctx.options.real(ctx.options.timeouts.resize);
    // As for the other calls here, a cluster busy since the plan is waited out before the
    // call, not sent calls it refuses (403 DWS.7023) once per listing.
    let left = ctx
        .options
        .cloud(limit.saturating_duration_since(Instant::now()));
    ctx.await_ready(&step.id, 0, left, |live: &Live| {
        idle(cluster_by_id(live, &id))
    })
    .await?;
    super::send::send_idempotent(ctx, step, what, limit, false, || {
        ctx.cloud.set_description(&id, text)
    })
    .await?;
    let deadline = Instant::now() + ctx.options.real(ctx.options.unknown_grace);
    loop {
        let shown = match ctx.cloud.cluster_description(&id).await {
            Ok(shown) if shown == text => return Ok(()),
            Ok(_) => "another description".to_owned(),
            Err(err) => format!("no answer ({err})"),
        };
        if Instant::now() >= deadline {
            return Err(StepEnd::Failed(format!(
                "{what}: the call was answered as done, but the cluster's detail gives {shown} \
                 after {} s; run plan again",
                ctx.options.unknown_grace.as_secs()
            )));
        }
        ctx.await_next_listing(Need::Clusters).await?;
    }
}

/// Whether the cluster `id` shows the value (`shows` says what it shows instead).
fn seen(live: &Live, id: &str, shows: impl Fn(&Cluster) -> Result<(), String>) -> Check {
    match cluster_by_id(live, id) {
        None => Check::Failed("the cluster is no longer listed".to_owned()),
        Some(c) => match shows(c) {
            Ok(()) => Check::Done,
            Err(now) => Check::Pending {
                status: format!("listed with {now}"),
                percent: None,
            },
        },
    }
}

/// Sends the call (see the module doc for busy and unknown answers), then waits, for at
/// most the grace period a listing may lag, for a listing that shows `goal`.
async fn set_and_see<C, F, Fut>(
    ctx: &Ctx<C>,
    step: &Step,
    (what, id): (&str, &str),
    goal: &(dyn Fn(&Live) -> Check + Sync),
    mut send: F,
) -> StepResult<()>
where
    C: Cloud,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), CloudError>>,
{
    // The step's time limit: the send below and the verdict after the grace period share it.
    let limit = Instant::now() + ctx.options.real(ctx.options.timeouts.resize);
    // A busy cluster refuses the call (403 DWS.7023, nothing done), so the call waits for a
    // listing that shows the cluster idle, as a resize or a stop does: sent to a cluster that
    // turned busy after the plan, it would be refused once per listing until the task ends
    // (issue 12: the route is sent once). A cluster not listed by id goes to the call, whose
    // answer says so.
    let ready = |live: &Live| idle(cluster_by_id(live, id));
    let seen = |live: &Live, _: &str| goal(live) == Check::Done;
    let once = Once {
        what,
        timeout: ctx.options.timeouts.resize,
        ready: &ready,
        unknown: Unknown::SendUnlessSeen(&seen),
    };
    let check = |_| std::future::ready(Ok(id.to_owned()));
    send_once(ctx, step, &once, check, |_| send()).await?;
    let after = ctx.poller.ticks_started();
    let grace = ctx.options.unknown_grace;
    match ctx
        .await_end(&step.id, what, Need::Clusters, after, grace, goal)
        .await
    {
        // The call was answered as done: a listing that still disagrees after the grace
        // period is a cloud that did not do it, not an operation still running. The grace
        // may have run out on listings that failed (which show nothing), so the verdict is
        // taken on the next one that succeeds.
        Err(StepEnd::StillRunning(_)) if !ctx.interrupted() => {
            let shown = shown_on_next_listing(ctx, what, goal, limit).await?;
            if shown {
                return Ok(());
            }
            Err(StepEnd::Failed(format!(
                "{what}: the call was answered as done, but the listings do not show it after \
                 {} s; run plan again",
                grace.as_secs()
            )))
        }
        other => other,
    }
}

/// Whether the next listing that succeeds (before `limit`) shows `goal`.
async fn shown_on_next_listing<C: Cloud>(
    ctx: &Ctx<C>,
    what: &str,
    goal: &(dyn Fn(&Live) -> Check + Sync),
    limit: Instant,
) -> StepResult<bool> {
    match tokio::time::timeout_at(limit, ctx.await_next_listing(Need::Clusters)).await {
        Ok(listed) => {
            // Interrupted while waiting: the call was sent, so the step is not "not started".
            listed.map_err(|_| {
                StepEnd::StillRunning(format!(
                    "{what} was answered; interrupted before a listing showed it"
                ))
            })?;
            Ok(goal(&ctx.latest().live) == Check::Done)
        }
        Err(_) => Err(StepEnd::Failed(format!(
            "{what}: the call was answered as done, but no cluster listing succeeded since; \
             run plan again"
        ))),
    }
}
