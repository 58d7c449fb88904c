//! Running one step: check it is still valid, then hand it to its action (`mutate`) or wait
//! for an operation already running (`mutate::wait_existing`), and report its outcome.

use std::sync::Arc;

use tokio::time::Instant;

use super::cloud::Cloud;
use super::ctx::{Ctx, Phase, StepEnd, StepResult};
use super::events::{action_name, Event};
use super::report::Outcome;
use super::verify::{verify, Verdict};
use crate::plan::{Action, Step};

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
            // Before the lease: a deferred step sends nothing at all.
            if let Some(reason) =
                super::gate::deferral(step, &ctx.latest().live, &ctx.options, &ctx.calendar)
            {
                return Err(StepEnd::Deferred(reason));
            }
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
        Err(StepEnd::Deferred(reason)) => (
            Event::StepDeferred {
                step: id,
                reason: reason.clone(),
            },
            Outcome::Deferred { reason },
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
