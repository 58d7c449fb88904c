//! Adding and deleting CNs (`AddCoordinators`, `DeleteCoordinators`): wait until the cluster
//! is idle, read its CN list, send the change once while the list still has the count the
//! step was planned from, wait for the task (`ADD_CN_ING` / `DEL_CN_ING` in the listing),
//! then read the list back.
//!
//! The listing does not carry the CN count, so the precondition and the result are read from
//! `GET …/cns` (`node_change/querying_cn_nodes_of_a_cluster.rst`) just before the call and
//! after the task: a list at the target count makes the step "already in place" (another
//! run, or an interrupted one, did it), one at neither count makes it stale. A lost answer
//! is resolved by the listings (the CN task shows there or not), never by sending again.

use std::sync::Arc;

use super::cloud::Cloud;
use super::ctx::{Ctx, StepEnd, StepResult};
use super::ended::cluster_settled;
use super::find::cluster_by_id;
use super::poller::Need;
use super::send::{idle, send_once, Once, Unknown};
use crate::api::state::failed_reason;
use crate::api::Live;
use crate::plan::Step;

/// Runs a CN step: from `from` CNs to `total`, deleting `ids` (none: an addition).
pub async fn change<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    from: u32,
    total: u32,
    ids: &[String],
) -> StepResult<()> {
    let name = step.target.cluster();
    let what = if ids.is_empty() {
        "add CNs"
    } else {
        "delete CNs"
    };
    let timeout = ctx.options.timeouts.resize;
    let ready = |live: &Live| idle(live.cluster(name));
    // Never re-sent on a lost answer (a second addition would be refused, a second deletion
    // could take other CNs): a CN task in the listings says it took effect.
    let seen = |live: &Live, id: &str| {
        cluster_by_id(live, id)
            .and_then(|c| c.task_status.as_deref())
            .is_some_and(is_cn_task)
    };
    // The listing has no CN count: the precondition is read from the CN list each time.
    let precondition = |live: Arc<Live>| async move {
        let Some(id) = live.cluster(name).map(|c| c.id.clone()) else {
            return Err(StepEnd::Stale(format!(
                "cluster {name} is no longer listed"
            )));
        };
        check(name, &read(ctx, &id).await?, from, total, ids)?;
        Ok(id)
    };
    let once = Once {
        what,
        timeout,
        ready: &ready,
        unknown: Unknown::Look(&seen),
    };
    let (id, before) = send_once(ctx, step, &once, precondition, |id| async move {
        if ids.is_empty() {
            ctx.cloud.add_coordinators(&id, total).await
        } else {
            ctx.cloud.delete_coordinators(&id, ids).await
        }
    })
    .await?;
    let after = before.max(ctx.poller.ticks_started());
    ctx.await_end(&step.id, what, Need::Clusters, after, timeout, |live| {
        cluster_settled(cluster_by_id(live, &id))
    })
    .await?;
    read_back(ctx, (name, &id), what, total).await
}

/// After the task: the CN list at `total`, or the step fails with the cloud's reason if the
/// listing shows one.
async fn read_back<C: Cloud>(
    ctx: &Ctx<C>,
    (name, id): (&str, &str),
    what: &str,
    total: u32,
) -> StepResult<()> {
    let now = read(ctx, id).await?;
    if count(&now) == total {
        return Ok(());
    }
    let latest = ctx.latest();
    let reason = cluster_by_id(&latest.live, id)
        .and_then(failed_reason)
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    Err(StepEnd::Failed(format!(
        "{what}: cluster {name} has {} CNs after the task, not {total}{reason}; run plan again",
        count(&now)
    )))
}

async fn read<C: Cloud>(ctx: &Ctx<C>, id: &str) -> StepResult<Vec<String>> {
    ctx.cloud
        .list_coordinators(id)
        .await
        .map_err(|err| StepEnd::Failed(format!("reading the CN list: {err}")))
}

fn count(cns: &[String]) -> u32 {
    u32::try_from(cns.len()).unwrap_or(u32::MAX)
}

/// The step's precondition on a fresh CN list: at the target, done; at `from` (with the CNs
/// to delete among them), act; anything else moved since the plan.
fn check(name: &str, have: &[String], from: u32, total: u32, ids: &[String]) -> StepResult<()> {
    let n = count(have);
    if n == total && ids.iter().all(|cn| !have.contains(cn)) {
        return Err(StepEnd::InPlace(format!(
            "cluster {name} already has {total} CNs"
        )));
    }
    if n == from && ids.iter().all(|cn| have.contains(cn)) {
        return Ok(());
    }
    Err(StepEnd::Stale(format!(
        "cluster {name} has {n} CNs; the step was planned from {from} to reach {total}, so its \
         CNs changed since the plan was made; run plan again"
    )))
}

/// A CN change's task: it runs for minutes, so the dense listings of the grace period see
/// it.
fn is_cn_task(task: &str) -> bool {
    task.eq_ignore_ascii_case("ADD_CN_ING") || task.eq_ignore_ascii_case("DEL_CN_ING")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("cn-{i}")).collect()
    }

    #[test]
    fn a_change_is_sent_only_from_the_planned_count() {
        assert_eq!(check("c", &ids(3), 3, 5, &[]), Ok(()));
        assert!(matches!(
            check("c", &ids(5), 3, 5, &[]),
            Err(StepEnd::InPlace(_))
        ));
        assert!(matches!(
            check("c", &ids(4), 3, 5, &[]),
            Err(StepEnd::Stale(_))
        ));
        let gone = vec!["cn-2".to_owned()];
        assert_eq!(check("c", &ids(3), 3, 2, &gone), Ok(()));
        assert!(matches!(
            check("c", &ids(2), 3, 2, &gone),
            Err(StepEnd::InPlace(_))
        ));
        // Three CNs, but not the one the plan deletes: someone changed them.
        let other = vec!["cn-9".to_owned()];
        assert!(matches!(
            check("c", &ids(3), 3, 2, &other),
            Err(StepEnd::Stale(_))
        ));
    }
}
