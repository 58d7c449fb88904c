//! The checks before apply: after `plan::diff` (pure) has made a plan, ask the cloud, with
//! calls that change nothing, whether each step that adds or removes nodes would pass, and
//! turn a step that would fail into a blocked step (`preflight_failed`, exit 3) quoting the
//! cloud's reason. A plan reviewed on a pull request then fails there, not mid-apply.
//!
//! Which checks, for which steps (README, "Checks before apply"):
//! - creates and restores: the node type's status in the zone ([`offered`], one read of the
//!   v2 node types per plan), the node quota ([`quota`], one read of the quotas per plan,
//!   counting every node-adding step of the plan together), then the cloud's precheck, one
//!   `POST /v2/{project_id}/cluster-precheck` per step;
//! - scale-outs: the quota, then one `POST …/grow-check` per step;
//! - scale-ins: `GET …/shrink-check` per item (`guc`, `schema`, `disk`), stopping at the
//!   first that fails.
//!
//! A plan without such steps makes no call. A check the cloud answers with a refusal blocks
//! its step; a check the endpoint does not offer (404 without a DWS code) gives a warning;
//! a check that could not run (unreachable, timeout, 5xx, 401/403, 429) is an error
//! ([`CouldNotRun`], exit 1): the plan is not shown as checked when it was not.

mod block;
mod cloud;
mod demand;
mod offered;
mod quota;
mod steps;

#[cfg(test)]
mod tests;

use crate::api::wire::NodeType;
use crate::api::{ApiError, Live};
use crate::plan::{Plan, StepId};

pub use block::{Concern, Verdict};
pub use cloud::Checks;
use cloud::{classify, quote, Failure};
use demand::{Demand, What};
use quota::{Ledger, NodeQuota};
use steps::{complete, Incomplete, Refusal};

/// A check that could not run: the plan cannot be called checked.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the check before apply {what} could not run")]
#[diagnostic(
    code(dwsctl::preflight::could_not_run),
    help(
        "nothing is known about whether the step would pass, so the plan is not shown as \
         checked; run it again once the API answers"
    )
)]
pub struct CouldNotRun {
    /// Which check, for which step.
    pub what: String,
    #[source]
    pub source: Box<ApiError>,
}

/// What the checks found besides the steps they blocked.
#[derive(Debug, Default, PartialEq)]
pub struct Report {
    /// Steps or checks that were not checked, and why (one line each, for stderr).
    pub warnings: Vec<String>,
    /// The steps blocked, with why.
    pub verdicts: Vec<Verdict>,
}

/// Runs the checks `plan`'s steps need against `cloud` and blocks the steps that would fail.
pub async fn check<C: Checks>(
    plan: &mut Plan,
    live: &Live,
    cloud: &C,
) -> Result<Report, CouldNotRun> {
    let demands = demand::of_plan(plan, live);
    let mut run = Run {
        cloud,
        report: Report::default(),
    };
    if demands.is_empty() {
        return Ok(run.report);
    }
    let types = run.node_types(&demands).await?;
    let mut ledger = Ledger::new(run.quota(&demands).await?);
    for demand in &demands {
        let verdict = run.one(demand, &types, &ledger).await?;
        ledger.record(demand.nodes(), demand.subnet());
        run.report.verdicts.extend(verdict);
    }
    block::block(plan, &run.report.verdicts);
    Ok(run.report)
}

struct Run<'a, C> {
    cloud: &'a C,
    report: Report,
}

impl<C: Checks> Run<'_, C> {
    /// Ok(None) for a check the endpoint does not offer (warned about), Err for one that
    /// could not run, and the refusal otherwise. A listing the cloud refuses could not run
    /// either: a refusal is a verdict only on a step's own check.
    fn failure(
        &mut self,
        what: String,
        err: ApiError,
        listing: bool,
    ) -> Result<Option<Refusal>, CouldNotRun> {
        match classify(&err) {
            Failure::Refused { code, reason } if !listing => Ok(Some(Refusal { code, reason })),
            Failure::NotOffered => {
                self.report.warnings.push(format!(
                    "{what} is not offered by this endpoint, so it was not checked: {}",
                    quote(&err.to_string())
                ));
                Ok(None)
            }
            Failure::Refused { .. } | Failure::CouldNotRun => Err(CouldNotRun {
                what,
                source: Box::new(err),
            }),
        }
    }

    async fn node_types(&mut self, demands: &[Demand]) -> Result<Vec<NodeType>, CouldNotRun> {
        if !demands
            .iter()
            .any(|d| matches!(d.what, What::NewCluster(_)))
        {
            return Ok(Vec::new());
        }
        match self.cloud.node_types().await {
            Ok(types) => Ok(types),
            Err(err) => {
                self.failure("the node types listing".into(), err, true)?;
                Ok(Vec::new())
            }
        }
    }

    async fn quota(&mut self, demands: &[Demand]) -> Result<Option<NodeQuota>, CouldNotRun> {
        if !demands.iter().any(|d| d.nodes() > 0) {
            return Ok(None);
        }
        match self.cloud.quotas().await {
            Ok(resources) => Ok(NodeQuota::of(&resources)),
            Err(err) => {
                self.failure("the quota listing".into(), err, true)?;
                Ok(None)
            }
        }
    }

    /// The verdict on one step, given the steps before it (`ledger`).
    async fn one(
        &mut self,
        demand: &Demand,
        types: &[NodeType],
        ledger: &Ledger,
    ) -> Result<Option<Verdict>, CouldNotRun> {
        let verdict = |concern, reason| {
            Some(Verdict {
                step: demand.step.clone(),
                concern,
                reason,
            })
        };
        // Over the quota only with the earlier steps: the cloud, which checks one step,
        // cannot say so; over it alone: the cloud's own words are asked for first.
        let over = ledger.over_quota(demand.nodes());
        if over.is_some() && !ledger.over_alone(demand.nodes()) {
            return Ok(over.and_then(|reason| verdict(Concern::Quota, reason)));
        }
        let over_quota = || {
            over.clone()
                .and_then(|reason| verdict(Concern::Quota, reason))
        };
        let earlier = ledger.earlier_in_subnet(demand.subnet());
        let refusal = match &demand.what {
            What::NewCluster(check) => {
                let check = match complete(check, types) {
                    Ok(check) => check,
                    Err(Incomplete::NotOffered(reason)) => {
                        return Ok(verdict(Concern::NodeType, reason))
                    }
                    Err(Incomplete::Unknown(why)) => {
                        self.warn_unchecked(&demand.step, &why);
                        return Ok(over_quota());
                    }
                };
                self.precheck(&demand.step, check, earlier).await?
            }
            What::Grow {
                cluster_id,
                node_type,
                availability_zone,
                from,
                count,
                ..
            } => {
                let zone = availability_zone.as_deref().unwrap_or_default();
                if let Some(reason) = offered::not_offered(types, node_type, zone) {
                    return Ok(verdict(Concern::NodeType, reason));
                }
                self.grow(&demand.step, cluster_id, *from, *count, earlier)
                    .await?
            }
            What::Shrink { cluster_id, count } => {
                return self.shrink(&demand.step, cluster_id, *count).await;
            }
            What::Unknown { why } => {
                self.warn_unchecked(&demand.step, why);
                return Ok(None);
            }
        };
        Ok(match refusal {
            Some(r) => verdict(r.concern, r.reason),
            None => over_quota(),
        })
    }

    fn warn_unchecked(&mut self, step: &StepId, why: &str) {
        self.report
            .warnings
            .push(format!("{step} was not checked before apply: {why}"));
    }
}
