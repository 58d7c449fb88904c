//! The `SetSnapshotPolicy` step: read the cluster's policy, send what it still lacks (the
//! DELETEs of the strategies to remove, then one PUT), and read it again until it shows the
//! step's goal.
//!
//! Each round recomputes the calls from a fresh `GET` ([`crate::plan::policy::calls`]), so a
//! PUT whose answer was lost is never sent again blind: when it took effect the next read
//! shows the strategy, and nothing is added twice. The PUT adds strategies, so it is not
//! idempotent by itself; the reads make the step so. A DELETE by id is idempotent (a 404 means
//! gone). A busy or throttled answer is sent again after the next listing, like every call.

use tokio::time::Instant;

use super::cloud::{Cloud, CloudError};
use super::ctx::{Ctx, StepEnd, StepResult};
use super::poller::Need;
use super::send::send_idempotent;
use crate::api::policy::SnapshotPolicy;
use crate::plan::policy::{calls, digest};
use crate::plan::{PolicyEntry, Step};

/// Rounds of read-and-send before the step gives up: a lost answer costs one.
const ROUNDS: usize = 4;

/// What the step must reach, as the plan says it.
pub struct Goal<'a> {
    pub keep_days: Option<u32>,
    pub put: &'a [PolicyEntry],
    pub delete: &'a [String],
    pub from: Option<&'a str>,
}

pub async fn set_snapshot_policy<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    cluster_id: &str,
    goal: Goal<'_>,
) -> StepResult<()> {
    let name = step.target.cluster();
    let limit = Instant::now() + ctx.options.real(ctx.options.timeouts.resize);
    let mut accepted = false;
    for round in 0..ROUNDS {
        let live = read(ctx, step, cluster_id, limit).await?;
        let (ids, body) = calls(goal.keep_days, goal.put, goal.delete, &live);
        if ids.is_empty() && body.is_none() {
            return match round {
                0 => Err(StepEnd::InPlace(format!(
                    "the automated-snapshot policy of {name} already is as planned"
                ))),
                _ => Ok(()),
            };
        }
        if accepted {
            return Err(StepEnd::Failed(format!(
                "the cloud accepted the policy of {name}, yet reading it back shows it still \
                 differs (keep_day {:?}, {} strategies); run plan again",
                live.keep_day,
                live.backup_strategies.len()
            )));
        }
        if let (0, Some(from)) = (round, goal.from) {
            if digest(&live) != from {
                return Err(StepEnd::Stale(format!(
                    "the automated-snapshot policy of {name} changed since the plan was made; \
                     run plan again"
                )));
            }
        }
        for policy_id in &ids {
            send_idempotent(ctx, step, "delete snapshot policy", limit, true, || {
                ctx.cloud.delete_snapshot_policy(cluster_id, policy_id)
            })
            .await?;
        }
        accepted = match body {
            None => true,
            Some(body) => {
                let sent = ctx
                    .call(&step.id, "put snapshot policy", limit, || {
                        ctx.cloud.put_snapshot_policy(cluster_id, &body)
                    })
                    .await?;
                match sent {
                    Ok(()) => true,
                    // The next read says whether it took effect.
                    Err(CloudError::OutcomeUnknown(_)) => false,
                    // Another run may have made the same change first (a name taken): the
                    // next read decides; if the goal is not there, the refusal stands.
                    Err(err) => {
                        let again = read(ctx, step, cluster_id, limit).await?;
                        let (ids, body) = calls(goal.keep_days, goal.put, goal.delete, &again);
                        if ids.is_empty() && body.is_none() {
                            return Ok(());
                        }
                        return Err(StepEnd::Failed(format!("put snapshot policy: {err}")));
                    }
                }
            }
        };
    }
    Err(StepEnd::Failed(format!(
        "the automated-snapshot policy of {name}: outcome still unknown after {ROUNDS} \
         attempts; run apply again: it sends only what the policy still lacks"
    )))
}

/// The policy, read again after the next listing while the answer is lost.
async fn read<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    cluster_id: &str,
    limit: Instant,
) -> StepResult<SnapshotPolicy> {
    let mut tries = 0;
    loop {
        tries += 1;
        let got = ctx
            .call(&step.id, "read snapshot policy", limit, || {
                ctx.cloud.get_snapshot_policy(cluster_id)
            })
            .await?;
        match got {
            Ok(policy) => return Ok(policy),
            Err(CloudError::OutcomeUnknown(_)) if tries < ROUNDS => {
                ctx.await_next_listing(Need::Clusters).await?;
            }
            Err(err) => {
                return Err(StepEnd::Failed(format!("read snapshot policy: {err}")));
            }
        }
    }
}
