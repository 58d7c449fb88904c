//! Running one step: check it is still valid, send its call(s), and wait for the cloud to
//! finish the operation.
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
use super::ctx::{Ctx, Found, Phase, StepEnd, StepResult};
use super::events::{action_name, Event};
use super::poller::Need;
use super::report::Outcome;
use super::verify::{verify, Verdict};
use super::wait::{cluster_settled, snapshot_available};
use crate::api::wire::{self, Cluster};
use crate::api::Live;
use crate::plan::{
    Action, CreateClusterParams, RestoreClusterParams, Step, TagKv, OWNERSHIP_TAG_KEY,
};

/// How often a create-like call is sent when each attempt's outcome stayed unknown and the
/// object was not listed within the grace period.
pub const MAX_SENDS: usize = 3;

/// Runs a step to its outcome and emits its events.
pub async fn run_step<C: Cloud>(ctx: Arc<Ctx<C>>, step: Step) -> Outcome {
    let started = Instant::now();
    ctx.set_phase(&step.id, Phase::Queued);
    let result = attempt(&ctx, &step).await;
    finish(&ctx, &step, result, started)
}

async fn attempt<C: Cloud>(ctx: &Ctx<C>, step: &Step) -> StepResult<()> {
    match &step.action {
        Action::Wait { .. } => {
            emit_started(ctx, step);
            super::mutate::wait_existing(ctx, step).await
        }
        Action::Blocked(blocked) => Err(StepEnd::Failed(format!("blocked: {}", blocked.reason))),
        _ => {
            let lock = ctx.cluster_lock(step.target.cluster());
            let _guard = lock.lock().await;
            if !super::lease::needed(step) {
                prepare(ctx, step, false)?;
                return super::mutate::mutate(ctx, step).await;
            }
            if ctx.interrupted() {
                return Err(StepEnd::NotStarted("interrupted before it started".into()));
            }
            emit_started(ctx, step);
            let limit = Instant::now() + ctx.options.real(ctx.options.timeouts.resize);
            let lease = super::lease::acquire(ctx, step, limit).await?;
            let result = match prepare(ctx, step, true) {
                Ok(()) => super::mutate::mutate(ctx, step).await,
                Err(end) => Err(end),
            };
            let result = result.map_err(|end| lease.explain(end));
            lease.release(ctx, step.target.cluster()).await;
            result
        }
    }
}

/// The checks just before a mutating step acts, under its cluster lock: a step whose goal
/// the cloud already shows is done without a call; one whose planned-from state moved is
/// stale (see `verify`). A delta step (scale) is judged later, on an idle listing.
fn prepare<C: Cloud>(ctx: &Ctx<C>, step: &Step, started: bool) -> Result<(), StepEnd> {
    if ctx.interrupted() {
        return Err(StepEnd::NotStarted("interrupted before it started".into()));
    }
    if !matches!(
        step.action,
        Action::ScaleOut { .. } | Action::ScaleIn { .. }
    ) {
        match verify(step, &ctx.latest().live) {
            Verdict::InPlace(detail) => return Err(StepEnd::InPlace(detail)),
            Verdict::Moved(reason) => return Err(StepEnd::Stale(reason)),
            Verdict::Exists => {}
            Verdict::Act => check_fingerprint(ctx, step)?,
        }
    }
    if !started {
        emit_started(ctx, step);
    }
    ctx.touch(&step.target);
    Ok(())
}

fn emit_started<C: Cloud>(ctx: &Ctx<C>, step: &Step) {
    ctx.emit(Event::StepStarted {
        step: step.id.clone(),
        action: action_name(&step.action),
        target: step.target.name().to_owned(),
    });
}

fn finish<C: Cloud>(
    ctx: &Ctx<C>,
    step: &Step,
    result: StepResult<()>,
    started: Instant,
) -> Outcome {
    let elapsed_s = ctx.options.cloud_secs(started.elapsed());
    let id = step.id.clone();
    let (event, outcome) = match result {
        Ok(()) => (
            Event::StepDone {
                step: id,
                elapsed_s,
            },
            Outcome::Done,
        ),
        Err(StepEnd::Failed(reason)) => (
            Event::StepFailed {
                step: id,
                reason: reason.clone(),
                elapsed_s,
            },
            Outcome::Failed { reason },
        ),
        Err(StepEnd::InPlace(detail)) => (
            Event::StepAlreadyDone {
                step: id,
                detail: detail.clone(),
            },
            Outcome::AlreadyDone { detail },
        ),
        Err(StepEnd::Stale(reason)) => (
            Event::StepStale {
                step: id,
                reason: reason.clone(),
            },
            Outcome::Stale { reason },
        ),
        Err(StepEnd::StillRunning(detail)) => (
            Event::StepStillRunning {
                step: id,
                detail: detail.clone(),
            },
            Outcome::StillRunning { detail },
        ),
        Err(StepEnd::NotStarted(reason)) => (
            Event::StepSkipped {
                step: id,
                reason: reason.clone(),
            },
            Outcome::Skipped { reason },
        ),
    };
    ctx.emit(event);
    outcome
}

/// For a saved plan: the target must still look as it did when the plan was made, unless
/// this run already acted on it (then it moved because of us).
fn check_fingerprint<C: Cloud>(ctx: &Ctx<C>, step: &Step) -> Result<(), StepEnd> {
    let Some(fingerprint) = ctx.options.fingerprint else {
        return Ok(());
    };
    if ctx.touched(&step.target) {
        return Ok(());
    }
    let now = fingerprint(&step.target, &ctx.latest().live);
    if now == step.fingerprint {
        Ok(())
    } else {
        let moved = crate::plan::what_moved(&step.target, &step.fingerprint, &ctx.latest().live);
        Err(StepEnd::Stale(format!("{moved}; run plan again")))
    }
}

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
                match ctx.look(&step.id, need, before, window, find).await? {
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
                return match ctx.look(&step.id, need, before, timeout, find).await? {
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
                ctx.next_listing(Need::Clusters).await?;
            }
            Err(err) => return Err(StepEnd::Failed(format!("{what}: {err}"))),
        }
    }
}

pub fn to_wire_tags(tags: &[TagKv]) -> Vec<wire::Tag> {
    tags.iter()
        .map(|t| wire::Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect()
}

fn to_wire_ip(ip: &Option<crate::spec::PublicIpSpec>) -> Option<wire::PublicIp> {
    ip.as_ref().map(|ip| wire::PublicIp {
        public_bind_type: ip.public_bind_type.clone(),
        eip_id: ip.eip_id.clone(),
        eip_address: None,
    })
}

fn owned(cluster: &Cluster) -> bool {
    cluster.tags.iter().any(|t| t.key == OWNERSHIP_TAG_KEY)
}

/// The `POST /clusters` body; the password is resolved now, at the moment of the call.
pub fn create_body(name: &str, p: &CreateClusterParams) -> StepResult<wire::CreateCluster> {
    let password = p
        .password
        .resolve()
        .map_err(|err| StepEnd::Failed(format!("password: {err}")))?;
    Ok(wire::CreateCluster {
        name: name.to_owned(),
        node_type: p.node_type.clone(),
        number_of_node: p.number_of_node,
        subnet_id: p.subnet_id.clone(),
        security_group_id: p.security_group_id.clone(),
        vpc_id: p.vpc_id.clone(),
        availability_zone: p.availability_zone.clone(),
        port: p.port,
        user_name: p.user_name.clone(),
        user_pwd: password,
        public_ip: to_wire_ip(&p.public_ip),
        number_of_cn: p.number_of_cn,
        tags: Some(to_wire_tags(&p.tags)),
        enterprise_project_id: p.enterprise_project_id.clone(),
    })
}

/// Whether a listed cluster of the created name is the one this create makes. With
/// `untagged_ok` (a create of this step may have taken effect on a cloud that drops the
/// body's tags), an untagged one of the right node type is.
pub fn find_created(live: &Live, name: &str, p: &CreateClusterParams, untagged_ok: bool) -> Found {
    let wants_owner = p.tags.iter().any(|t| t.key == OWNERSHIP_TAG_KEY);
    match live.cluster(name) {
        None => Found::Absent,
        Some(c)
            if c.node_type == p.node_type
                && (owned(c) || !wants_owner || (untagged_ok && c.tags.is_empty())) =>
        {
            Found::Match(c.id.clone())
        }
        Some(c) => Found::Mismatch(format!(
            "a cluster named {name} exists (node type {}, {}) that this plan did not create",
            c.node_type,
            if owned(c) {
                "owned"
            } else {
                "not owned by dwsctl"
            }
        )),
    }
}

pub fn restore_body(name: &str, p: &RestoreClusterParams) -> wire::Restore {
    wire::Restore {
        name: name.to_owned(),
        subnet_id: p.subnet_id.clone(),
        security_group_id: p.security_group_id.clone(),
        vpc_id: p.vpc_id.clone(),
        availability_zone: p.availability_zone.clone(),
        port: p.port,
        public_ip: to_wire_ip(&p.public_ip),
        enterprise_project_id: p.enterprise_project_id.clone(),
    }
}

/// A restored cluster has no tags until this step sets them; one with foreign tags is not
/// ours.
pub fn find_restored(live: &Live, name: &str) -> Found {
    match live.cluster(name) {
        None => Found::Absent,
        Some(c) if c.tags.is_empty() || owned(c) => Found::Match(c.id.clone()),
        Some(_) => Found::Mismatch(format!(
            "a cluster named {name} exists that dwsctl did not restore"
        )),
    }
}

/// Whether a listed snapshot of this name belongs to the cluster the step snapshots.
pub fn find_snapshot(live: &Live, name: &str, cluster_id: &str) -> Found {
    match live.snapshot(name) {
        None => Found::Absent,
        Some(s) if s.cluster_id.as_deref().map_or(true, |id| id == cluster_id) => {
            Found::Match(s.id.clone())
        }
        Some(_) => Found::Mismatch(format!(
            "a snapshot named {name} exists for another cluster"
        )),
    }
}

pub fn cluster_by_id<'a>(live: &'a Live, id: &str) -> Option<&'a Cluster> {
    live.clusters.iter().find(|c| c.id == id)
}

/// The create/restore wait check, by id.
pub fn settled_by_id(live: &Live, id: &str) -> super::wait::Check {
    cluster_settled(cluster_by_id(live, id))
}

/// The snapshot wait check, by ids.
pub fn snapshot_by_id(live: &Live, id: &str, cluster_id: &str) -> super::wait::Check {
    snapshot_available(
        live.snapshots.iter().find(|s| s.id == id),
        cluster_by_id(live, cluster_id),
    )
}
