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

#[cfg(test)]
mod tests;

use crate::api::ops::{ClusterCheck, ShrinkCheckItem};
use crate::api::wire::NodeType;
use crate::api::{ApiError, Live};
use crate::plan::{Plan, StepId};

pub use block::{Concern, Verdict};
pub use cloud::Checks;
use cloud::{classify, quote, Failure};
use demand::{Demand, What};
use quota::{Ledger, NodeQuota};

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

    /// The cloud's precheck of a new cluster, asked for its nodes plus the `earlier` nodes
    /// this plan puts in its subnet.
    async fn precheck(
        &mut self,
        step: &StepId,
        mut check: ClusterCheck,
        earlier: u64,
    ) -> Result<Option<Checked>, CouldNotRun> {
        let own = check.num_node;
        check.num_node = quota::with_earlier(own, earlier, quota::max_nodes());
        let Err(err) = self.cloud.precheck(&check).await else {
            return Ok(None);
        };
        let what = format!("POST /v2/{{project_id}}/cluster-precheck for {step}");
        let Some(refusal) = self.failure(what, err, false)? else {
            return Ok(None);
        };
        Ok(Some(Checked {
            concern: Concern::of_code(refusal.code.as_deref()),
            reason: together(
                "the cloud's precheck",
                check.num_node - own,
                &refusal.reason,
            ),
        }))
    }

    async fn grow(
        &mut self,
        step: &StepId,
        cluster_id: &str,
        from: u32,
        count: u32,
        earlier: u64,
    ) -> Result<Option<Checked>, CouldNotRun> {
        let limit = quota::max_nodes().saturating_sub(from);
        let asked = quota::with_earlier(count, earlier, limit);
        let what = format!("POST /v2/{{project_id}}/clusters/{{cluster_id}}/grow-check for {step}");
        let answer = match self.cloud.grow_check(cluster_id, asked).await {
            Ok(answer) => answer,
            Err(err) => {
                return Ok(self.failure(what, err, false)?.map(|r| Checked {
                    concern: Concern::of_code(r.code.as_deref()),
                    reason: together("the cloud's scale-out check", asked - count, &r.reason),
                }))
            }
        };
        let Some(reasons) = answer.failure() else {
            return Ok(None);
        };
        let subnet = answer
            .data
            .iter()
            .any(|i| !i.pass && i.required && i.desc.as_deref() == Some("Subnet IP address check"));
        let quota = answer
            .data
            .iter()
            .any(|i| !i.pass && i.required && i.desc.as_deref() == Some("Node quota check"));
        let concern = match (subnet, quota) {
            (true, _) => Concern::Subnet,
            (false, true) => Concern::Quota,
            _ => Concern::Other,
        };
        Ok(Some(Checked {
            concern,
            reason: together(
                "the cloud's scale-out check",
                asked - count,
                &quote(&reasons),
            ),
        }))
    }

    /// The scale-in check, item by item, up to the first that does not pass.
    async fn shrink(
        &mut self,
        step: &StepId,
        cluster_id: &str,
        count: u32,
    ) -> Result<Option<Verdict>, CouldNotRun> {
        for item in [
            ShrinkCheckItem::Guc,
            ShrinkCheckItem::Schema,
            ShrinkCheckItem::Disk,
        ] {
            let passed = match self.cloud.shrink_check(cluster_id, item, count).await {
                Ok(passed) => passed,
                Err(err) => {
                    let what = format!(
                        "GET /v1/{{project_id}}/clusters/{{cluster_id}}/shrink-check ({}) for {step}",
                        item.as_str()
                    );
                    match self.failure(what, err, false)? {
                        Some(r) => {
                            return Ok(Some(Verdict {
                                step: step.clone(),
                                concern: Concern::of_code(r.code.as_deref()),
                                reason: format!(
                                    "the cloud's scale-in check answers: \"{}\"",
                                    r.reason
                                ),
                            }))
                        }
                        None => return Ok(None),
                    }
                }
            };
            if !passed {
                return Ok(Some(Verdict {
                    step: step.clone(),
                    concern: Concern::ShrinkItem(item),
                    reason: format!(
                        "the cloud's scale-in check of {} nodes does not pass for check_item {}",
                        count,
                        item.as_str()
                    ),
                }));
            }
        }
        Ok(None)
    }
}

/// A refusal by the cloud: its code and quoted reason.
struct Refusal {
    code: Option<String>,
    reason: String,
}

/// A failed check's concern and reason.
struct Checked {
    concern: Concern,
    reason: String,
}

/// `the cloud's precheck answers: "…"`, saying when the check was asked for more nodes than
/// the step's own because earlier steps of the plan use the same subnet.
fn together(check: &str, extra: u32, reason: &str) -> String {
    if extra == 0 {
        format!("{check} answers: \"{reason}\"")
    } else {
        format!(
            "{check}, asked for this step's nodes and the {extra} that earlier steps of this \
             plan put in the same subnet, answers: \"{reason}\""
        )
    }
}

/// Why a precheck body cannot be completed.
enum Incomplete {
    /// The node types say the type is not offered in the zone.
    NotOffered(String),
    /// A value the precheck needs is unknown.
    Unknown(String),
}

/// The precheck body with the zone and datastore version the plan left to the cloud, from
/// the node types; refused early when the node types say the type is not offered there.
fn complete(check: &ClusterCheck, types: &[NodeType]) -> Result<ClusterCheck, Incomplete> {
    let mut check = check.clone();
    if check.availability_zones.is_empty() {
        let zone = offered::default_zone(types, &check.flavor).ok_or_else(|| {
            Incomplete::Unknown(format!(
                "the node types do not list {}, so its default availability zone is unknown",
                quote(&check.flavor)
            ))
        })?;
        check.availability_zones.push(zone);
    }
    for zone in &check.availability_zones {
        if let Some(reason) = offered::not_offered(types, &check.flavor, zone) {
            return Err(Incomplete::NotOffered(reason));
        }
    }
    if check.datastore_version.is_empty() {
        check.datastore_version =
            offered::datastore_version(types, &check.flavor).ok_or_else(|| {
                Incomplete::Unknown(format!(
                    "the node types do not list a datastore version for {}",
                    quote(&check.flavor)
                ))
            })?;
    }
    Ok(check)
}
