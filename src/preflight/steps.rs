//! The cloud's own checks of one step: the precheck of a create or restore (with the zone and
//! datastore version the plan left to the cloud filled in from the node types), the
//! scale-out check and the scale-in check items, each turned into the step's verdict.

use super::block::{Concern, Verdict};
use super::cloud::{quote, Checks};
use super::offered;
use super::quota;
use super::{CouldNotRun, Run};
use crate::api::ops::{ClusterCheck, ShrinkCheckItem};
use crate::api::wire::NodeType;
use crate::plan::StepId;

impl<C: Checks> Run<'_, C> {
    /// The cloud's precheck of a new cluster, asked for its nodes plus the `earlier` nodes
    /// this plan puts in its subnet.
    pub(super) async fn precheck(
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

    pub(super) async fn grow(
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
    pub(super) async fn shrink(
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
pub(super) struct Refusal {
    pub(super) code: Option<String>,
    pub(super) reason: String,
}

/// A failed check's concern and reason.
pub(super) struct Checked {
    pub(super) concern: Concern,
    pub(super) reason: String,
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
pub(super) enum Incomplete {
    /// The node types say the type is not offered in the zone.
    NotOffered(String),
    /// A value the precheck needs is unknown.
    Unknown(String),
}

/// The precheck body with the zone and datastore version the plan left to the cloud, from
/// the node types; refused early when the node types say the type is not offered there.
pub(super) fn complete(
    check: &ClusterCheck,
    types: &[NodeType],
) -> Result<ClusterCheck, Incomplete> {
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
