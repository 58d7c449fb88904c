//! One function per plan action: the calls it sends and the state it waits for.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::time::Instant;

use super::bodies::{create_body, restore_body, to_wire_tags};
use super::cloud::{Cloud, CloudError};
use super::ctx::{Ctx, Found, StepEnd, StepResult};
use super::ended::{cluster_deleted, cluster_resized, cluster_settled, gone, snapshot_available};
use super::find::{
    cluster_by_id, find_created, find_restored, find_snapshot, settled_by_id, snapshot_by_id,
};
use super::poller::Need;
use super::send::{create_resolved, idle, send_idempotent, send_once, Once, Unknown};
use super::verify::{cluster_to_act_on, resize_unreachable};
use crate::api::{wire, Live};
use crate::plan::{
    Action, CreateClusterParams, RestoreClusterParams, Step, TagKv, Target,
    PASSWORD_VERSION_TAG_KEY,
};
use crate::secret::SecretRef;
use std::sync::Arc;

/// Dispatches a mutating step to its action.
pub async fn mutate<C: Cloud>(ctx: &Ctx<C>, step: &Step) -> StepResult<()> {
    match &step.action {
        Action::CreateCluster(p) => create_cluster(ctx, step, p).await,
        Action::RestoreCluster(p) => restore_cluster(ctx, step, p).await,
        Action::ScaleOut { count, from } => resize(ctx, step, *count, *from, true).await,
        Action::ScaleIn { count, from } => resize(ctx, step, *count, *from, false).await,
        Action::ResetPassword {
            password,
            password_version,
            delete_tags,
        } => reset_password(ctx, step, password, password_version, delete_tags).await,
        Action::UpdateTags { create, delete } => {
            let id = cluster_id(ctx, step.target.cluster())?;
            update_tags(ctx, step, &id, create, delete).await
        }
        Action::CreateSnapshot { description } => create_snapshot(ctx, step, description).await,
        Action::DeleteSnapshot => delete_snapshot(ctx, step).await,
        Action::DeleteCluster {
            keep_last_manual_snapshot,
        } => delete_cluster(ctx, step, *keep_last_manual_snapshot).await,
        Action::SetSnapshotPolicy {
            keep_days,
            put,
            delete,
            from,
        } => {
            let id = cluster_id(ctx, step.target.cluster())?;
            let goal = super::policy::Goal {
                keep_days: *keep_days,
                put,
                delete,
                from: from.as_deref(),
            };
            super::policy::set_snapshot_policy(ctx, step, &id, goal).await
        }
        Action::Wait { .. } | Action::Blocked(_) => {
            Err(StepEnd::Failed("not an executable action".to_owned()))
        }
        Action::SetSecurityGroup { security_group_id } => {
            super::settings::set_security_group(ctx, step, security_group_id).await
        }
        Action::UnbindEip { eip_id } => super::settings::unbind_eip(ctx, step, eip_id).await,
        Action::BindEip { eip_id } => super::settings::bind_eip(ctx, step, eip_id).await,
        Action::StartCluster => super::power::power(ctx, step, true).await,
        Action::StopCluster => super::power::power(ctx, step, false).await,
        Action::AddCoordinators { total, from } => {
            super::coordinators::change(ctx, step, *from, *total, &[]).await
        }
        Action::DeleteCoordinators { ids, from } => {
            let total = from.saturating_sub(u32::try_from(ids.len()).unwrap_or(u32::MAX));
            super::coordinators::change(ctx, step, *from, total, ids).await
        }
        Action::RenameCluster { new_name } => {
            super::settings::rename_cluster(ctx, step, new_name).await
        }
        Action::SetDescription { description } => {
            super::settings::set_description(ctx, step, description).await
        }
    }
}

fn deadline<C: Cloud>(ctx: &Ctx<C>, timeout: std::time::Duration) -> Instant {
    Instant::now() + ctx.options.real(timeout)
}

/// The id of a cluster by name, from the latest listing.
pub(super) fn cluster_id<C: Cloud>(ctx: &Ctx<C>, name: &str) -> StepResult<String> {
    ctx.latest()
        .live
        .cluster(name)
        .map(|c| c.id.clone())
        .ok_or_else(|| StepEnd::Failed(format!("cluster {name} is not listed")))
}

async fn create_cluster<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    p: &CreateClusterParams,
) -> StepResult<()> {
    let name = step.target.name();
    let timeout = ctx.options.timeouts.create;
    let body = create_body(name, p)?;
    // A cloud may drop the body's tags (Huawei, see `ensure_tags`): once a create of ours
    // may have taken effect, an untagged cluster of the name is taken for it.
    let maybe_ours = AtomicBool::new(false);
    let find =
        |live: &crate::api::Live| find_created(live, name, p, maybe_ours.load(Ordering::Relaxed));
    // The create and the tag call are one unit: an interrupt lets both calls finish.
    ctx.ownership_unit(&step.id, true);
    let created = create_resolved(
        ctx,
        step,
        "create",
        Need::Clusters,
        timeout,
        || {
            let sent = ctx.cloud.create_cluster(&body);
            let maybe_ours = &maybe_ours;
            async move {
                let result = sent.await;
                if matches!(result, Err(CloudError::OutcomeUnknown(_))) {
                    maybe_ours.store(true, Ordering::Relaxed);
                }
                result
            }
        },
        &find,
    )
    .await;
    let id = match created {
        Ok(id) => id,
        Err(end) => {
            ctx.ownership_unit(&step.id, false);
            return Err(end);
        }
    };
    let tagged = ensure_tags(ctx, step, &id, &p.tags).await;
    ctx.ownership_unit(&step.id, false);
    let after = ctx.poller.ticks_started();
    ctx.await_end(&step.id, "create", Need::Clusters, after, timeout, |live| {
        settled_by_id(live, &id)
    })
    .await?;
    if let Err(missing) = tagged {
        send_idempotent(ctx, step, "tag", deadline(ctx, timeout), false, || {
            ctx.cloud.create_tags(&id, &missing)
        })
        .await?;
    }
    Ok(())
}

/// Ownership must not depend on the create body alone: Huawei Cloud's create stopped
/// honouring `tags` (terraform-provider-huaweicloud PR #2660; README,
/// "Profiles: OTC and Huawei"). So
/// the new cluster's tags are read from the first listing that shows it, and the ones it
/// lacks are added at once with the tag API (all of them when it is not listed within the
/// grace period: adding a tag again is harmless). `Err` holds the tags still to add when
/// that call failed, for after the create (a cloud may refuse tags while it creates).
async fn ensure_tags<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    id: &str,
    wanted: &[TagKv],
) -> Result<(), Vec<wire::Tag>> {
    if wanted.is_empty() {
        return Ok(());
    }
    let lacking = std::sync::Mutex::new(None);
    let find = |live: &crate::api::Live| match cluster_by_id(live, id) {
        Some(cluster) => {
            if let Ok(mut slot) = lacking.lock() {
                *slot = Some(tags_lacking(cluster, wanted));
            }
            Found::Match(cluster.id.clone())
        }
        None => Found::Absent,
    };
    let after = ctx.poller.ticks_started();
    // An interrupt ends the look early: the tags are then sent without looking.
    let _ = ctx
        .await_listed(
            &step.id,
            Need::Clusters,
            after,
            ctx.options.unknown_grace,
            &find,
        )
        .await;
    let missing = lacking
        .into_inner()
        .ok()
        .flatten()
        .unwrap_or_else(|| to_wire_tags(wanted));
    if missing.is_empty() {
        return Ok(());
    }
    match ctx
        .call_to_finish(&step.id, "tag", || ctx.cloud.create_tags(id, &missing))
        .await
    {
        Ok(()) => Ok(()),
        Err(_) => Err(missing),
    }
}

/// The tags of `wanted` that `cluster` does not carry with the same value.
fn tags_lacking(cluster: &wire::Cluster, wanted: &[TagKv]) -> Vec<wire::Tag> {
    let lacking: Vec<TagKv> = wanted
        .iter()
        .filter(|w| {
            !cluster
                .tags
                .iter()
                .any(|t| t.key == w.key && t.value == w.value)
        })
        .cloned()
        .collect();
    to_wire_tags(&lacking)
}

async fn restore_cluster<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    p: &RestoreClusterParams,
) -> StepResult<()> {
    let name = step.target.name();
    let timeout = ctx.options.timeouts.restore;
    let snapshot_id = {
        let latest = ctx.latest();
        let snapshot = latest
            .live
            .snapshot(&p.snapshot)
            .ok_or_else(|| StepEnd::Failed(format!("snapshot {} is not listed", p.snapshot)))?;
        snapshot.id.clone()
    };
    let body = restore_body(name, p);
    let find = |live: &crate::api::Live| find_restored(live, name);
    // The restore and the tag call are one unit: an interrupt lets both calls finish.
    ctx.ownership_unit(&step.id, true);
    let id = create_resolved(
        ctx,
        step,
        "restore",
        Need::Clusters,
        timeout,
        || ctx.cloud.restore_cluster(&snapshot_id, &body),
        &find,
    )
    .await?;
    let tags = to_wire_tags(&p.tags);
    // Tag at once, even if an interrupt came while the restore was in flight, so that an
    // interrupted run leaves the cluster marked as ours; a cloud that refuses tags while
    // restoring gets them once the restore is over.
    let mut tagged = tags.is_empty();
    if !tagged {
        tagged = ctx
            .call_to_finish(&step.id, "tag", || ctx.cloud.create_tags(&id, &tags))
            .await
            .is_ok();
    }
    ctx.ownership_unit(&step.id, false);
    let after = ctx.poller.ticks_started();
    ctx.await_end(
        &step.id,
        "restore",
        Need::Clusters,
        after,
        timeout,
        |live| settled_by_id(live, &id),
    )
    .await?;
    if !tagged {
        send_idempotent(ctx, step, "tag", deadline(ctx, timeout), false, || {
            ctx.cloud.create_tags(&id, &tags)
        })
        .await?;
    }
    Ok(())
}

async fn resize<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    count: u32,
    from: u32,
    out: bool,
) -> StepResult<()> {
    let name = step.target.cluster();
    let expected = if out {
        from.checked_add(count)
    } else {
        from.checked_sub(count)
    }
    .ok_or_else(|| StepEnd::Failed(format!("cannot resize {from} nodes by {count}")))?;
    let what = if out { "scale out" } else { "scale in" };
    let timeout = ctx.options.timeouts.resize;
    // The call takes a delta: it goes out only on a listing, made after any wait or busy
    // answer, that shows the cluster idle at the node count the step was planned from, and
    // a lost answer is looked for, never sent again (it would add the nodes twice).
    let seen = |live: &Live, id: &str| resizing(cluster_by_id(live, id), expected);
    let ready = |live: &Live| idle(live.cluster(name));
    let check = |live: Arc<Live>| async move { cluster_to_act_on(step, &live) };
    let once = Once {
        what,
        timeout,
        ready: &ready,
        unknown: Unknown::Look(&seen),
    };
    let (id, before) = send_once(ctx, step, &once, check, |id| async move {
        if out {
            ctx.cloud.resize(&id, count).await
        } else {
            ctx.cloud.shrink(&id, count).await
        }
    })
    .await?;
    let after = before.max(ctx.poller.ticks_started());
    ctx.await_end(&step.id, what, Need::Clusters, after, timeout, |live| {
        let cluster = cluster_by_id(live, &id);
        resize_unreachable(cluster, from, expected)
            .unwrap_or_else(|| cluster_resized(cluster, expected))
    })
    .await
}

/// Whether a resize of unknown outcome shows: the node count reached, or a task running.
fn resizing(cluster: Option<&wire::Cluster>, expected: u32) -> bool {
    cluster.is_some_and(|c| {
        c.number_of_node == expected || c.task_status.as_deref().is_some_and(|t| t.ends_with("ING"))
    })
}

/// Resets the password, then replaces the version tag: deletes the tags the plan recorded
/// (`verify` made sure they are still what the cluster carries) and adds the new version.
async fn reset_password<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    password: &SecretRef,
    version: &str,
    delete_tags: &[TagKv],
) -> StepResult<()> {
    let id = cluster_id(ctx, step.target.cluster())?;
    let secret = password
        .resolve()
        .map_err(|err| StepEnd::Failed(format!("password: {err}")))?;
    let limit = deadline(ctx, ctx.options.timeouts.resize);
    // The reset is synchronous, so an unknown outcome is resolved by sending it again. The
    // API refuses a new password equal to the current one (400 DWS.5144, "must differ";
    // otc-dws-api/api_description/cluster_management/resetting_a_password.rst,
    // appendix/error_code.rst): after a send whose answer was lost, that
    // refusal says the lost send set it. (The same code for a password breaking the rules
    // would have refused the first send too; the plan checks the rules, plan/secrets.rs.)
    let lost = AtomicBool::new(false);
    send_idempotent(ctx, step, "reset password", limit, false, || async {
        match ctx.cloud.reset_password(&id, &secret).await {
            Err(CloudError::OutcomeUnknown(message)) => {
                lost.store(true, Ordering::Relaxed);
                Err(CloudError::OutcomeUnknown(message))
            }
            Err(CloudError::Failed(message))
                if lost.load(Ordering::Relaxed) && message.contains("DWS.5144") =>
            {
                Ok(())
            }
            other => other,
        }
    })
    .await?;
    let new = [TagKv {
        key: PASSWORD_VERSION_TAG_KEY.to_owned(),
        value: version.to_owned(),
    }];
    update_tags(ctx, step, &id, &new, delete_tags).await
}

async fn update_tags<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    id: &str,
    create: &[TagKv],
    delete: &[TagKv],
) -> StepResult<()> {
    let limit = deadline(ctx, ctx.options.timeouts.resize);
    if !delete.is_empty() {
        let tags = to_wire_tags(delete);
        send_idempotent(ctx, step, "delete tags", limit, true, || {
            ctx.cloud.delete_tags(id, &tags)
        })
        .await?;
    }
    if !create.is_empty() {
        let tags = to_wire_tags(create);
        send_idempotent(ctx, step, "create tags", limit, false, || {
            ctx.cloud.create_tags(id, &tags)
        })
        .await?;
    }
    Ok(())
}

async fn create_snapshot<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    description: &Option<String>,
) -> StepResult<()> {
    let name = step.target.name();
    let cluster_id = cluster_id(ctx, step.target.cluster())?;
    let timeout = ctx.options.timeouts.snapshot;
    let body = wire::CreateSnapshot {
        name: name.to_owned(),
        cluster_id: cluster_id.clone(),
        description: description.clone(),
    };
    let find = |live: &crate::api::Live| find_snapshot(live, name, &cluster_id);
    let id = create_resolved(
        ctx,
        step,
        "snapshot",
        Need::ClustersAndSnapshots,
        timeout,
        || ctx.cloud.create_snapshot(&body),
        &find,
    )
    .await?;
    let after = ctx.poller.ticks_started();
    ctx.await_end(
        &step.id,
        "snapshot",
        Need::ClustersAndSnapshots,
        after,
        timeout,
        |live| snapshot_by_id(live, &id, &cluster_id),
    )
    .await
}

async fn delete_snapshot<C: Cloud>(ctx: &Ctx<C>, step: &Step) -> StepResult<()> {
    let name = step.target.name();
    let Some(id) = ctx.latest().live.snapshot(name).map(|s| s.id.clone()) else {
        return Ok(()); // already gone
    };
    let timeout = ctx.options.timeouts.delete_snapshot;
    send_idempotent(ctx, step, "delete", deadline(ctx, timeout), true, || {
        ctx.cloud.delete_snapshot(&id)
    })
    .await?;
    let after = ctx.poller.ticks_started();
    ctx.await_end(
        &step.id,
        "delete",
        Need::ClustersAndSnapshots,
        after,
        timeout,
        |live| {
            gone(
                live.snapshots
                    .iter()
                    .find(|s| s.id == id)
                    .map(|s| s.status.as_str()),
            )
        },
    )
    .await
}

async fn delete_cluster<C: Cloud>(ctx: &Ctx<C>, step: &Step, keep: u32) -> StepResult<()> {
    let name = step.target.name();
    let Some(id) = ctx.latest().live.cluster(name).map(|c| c.id.clone()) else {
        return Ok(()); // already gone
    };
    let timeout = ctx.options.timeouts.delete_cluster;
    send_idempotent(ctx, step, "delete", deadline(ctx, timeout), true, || {
        ctx.cloud.delete_cluster(&id, keep)
    })
    .await?;
    let after = ctx.poller.ticks_started();
    ctx.await_end(&step.id, "delete", Need::Clusters, after, timeout, |live| {
        cluster_deleted(cluster_by_id(live, &id))
    })
    .await
}

/// A `wait` step: an operation an earlier run (or someone else) started; wait for it to end.
pub async fn wait_existing<C: Cloud>(ctx: &Ctx<C>, step: &Step) -> StepResult<()> {
    let timeout = ctx.options.timeouts.wait;
    match &step.target {
        Target::Cluster { name } => {
            // A stop someone started ends at STOPPED, a state the plan knows (`power`).
            let stopping = matches!(&step.action, Action::Wait { status, .. }
                if status.trim().eq_ignore_ascii_case("STOPPING"));
            ctx.await_end(&step.id, "wait", Need::Clusters, 0, timeout, |live| {
                if stopping {
                    super::power::powered(live.cluster(name), false)
                } else {
                    cluster_settled(live.cluster(name))
                }
            })
            .await
        }
        Target::Snapshot { name, cluster } => {
            ctx.await_end(
                &step.id,
                "wait",
                Need::ClustersAndSnapshots,
                0,
                timeout,
                |live| snapshot_available(live.snapshot(name), live.cluster(cluster)),
            )
            .await
        }
    }
}
