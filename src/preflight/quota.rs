//! The project's node quota, and what the plan's steps take of it and of their subnets
//! together: the checks of the cloud look at one step at a time, so three creates that each
//! fit alone would all pass them even when only two fit.
//!
//! The plan's node-adding steps (create, restore, scale-out) are counted in plan order, each
//! with every earlier one: a step is blocked when the nodes of the steps up to it exceed the
//! quota's free nodes (read once per plan from `GET /v1.0/{project_id}/quotas`, `instances`,
//! dws-api.md §9). Nodes that the plan's deletes and scale-ins free are not counted as free:
//! the executor may run them after the steps that add nodes, so only a plan that fits without
//! them is sure to pass. A subnet's free addresses cannot be read through the DWS API, so its
//! sharing is left to the cloud's own checks, asked for the step's nodes plus those the
//! earlier steps put in the same subnet ([`Ledger::earlier_in_subnet`]).

use std::collections::BTreeMap;

use crate::api::rules::NUMBER_OF_NODE;
use crate::api::wire::QuotaResource;

/// The node quota: `quota` nodes, `used` of them in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeQuota {
    pub quota: u64,
    pub used: u64,
}

impl NodeQuota {
    /// The node entry of a quota listing: `instances` (Huawei's docs also name it `rds`).
    pub fn of(resources: &[QuotaResource]) -> Option<NodeQuota> {
        resources
            .iter()
            .find(|r| r.kind == "instances" || r.kind == "rds")
            .map(|r| NodeQuota {
                quota: r.quota,
                used: r.used,
            })
    }

    fn free(&self) -> u64 {
        self.quota.saturating_sub(self.used)
    }
}

/// The nodes the plan's steps take, step by step.
#[derive(Debug, Default)]
pub struct Ledger {
    quota: Option<NodeQuota>,
    taken: u64,
    steps: usize,
    subnets: BTreeMap<String, u64>,
}

impl Ledger {
    pub fn new(quota: Option<NodeQuota>) -> Self {
        Self {
            quota,
            ..Self::default()
        }
    }

    /// Why a step adding `nodes` after the steps recorded so far exceeds the quota, if it does.
    pub fn over_quota(&self, nodes: u32) -> Option<String> {
        let quota = self.quota?;
        let total = self.taken.saturating_add(u64::from(nodes));
        if total <= quota.free() {
            return None;
        }
        let adds = if self.steps == 0 {
            format!("this step adds {nodes}")
        } else {
            format!(
                "this step and the {} before it in this plan add {total} ({nodes} here)",
                self.steps
            )
        };
        Some(format!(
            "the project's node quota is {} with {} in use, so {} nodes are free; {adds}",
            quota.quota,
            quota.used,
            quota.free()
        ))
    }

    /// Whether `nodes` alone exceed the free nodes (without the plan's earlier steps).
    pub fn over_alone(&self, nodes: u32) -> bool {
        self.quota
            .is_some_and(|quota| u64::from(nodes) > quota.free())
    }

    /// The addresses the steps recorded so far take in `subnet`.
    pub fn earlier_in_subnet(&self, subnet: Option<&str>) -> u64 {
        subnet
            .and_then(|s| self.subnets.get(s))
            .copied()
            .unwrap_or(0)
    }

    /// Counts a step adding `nodes` in `subnet`.
    pub fn record(&mut self, nodes: u32, subnet: Option<&str>) {
        if nodes == 0 {
            return;
        }
        self.taken = self.taken.saturating_add(u64::from(nodes));
        self.steps += 1;
        if let Some(subnet) = subnet {
            *self.subnets.entry(subnet.to_owned()).or_default() += u64::from(nodes);
        }
    }
}

/// The node count a check of a step adding `own` nodes asks about, with the `earlier` nodes
/// of this plan in its subnet: at most `limit` (the largest count the check's call accepts,
/// so the sum never turns into a refusal of the count itself).
pub fn with_earlier(own: u32, earlier: u64, limit: u32) -> u32 {
    let sum = u64::from(own).saturating_add(earlier);
    u32::try_from(sum).unwrap_or(u32::MAX).min(limit.max(own))
}

/// The largest cluster the create and restore accept (`rules::NUMBER_OF_NODE`).
pub fn max_nodes() -> u32 {
    u32::try_from(NUMBER_OF_NODE.1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(kind: &str, used: u64, quota: u64) -> QuotaResource {
        QuotaResource {
            kind: kind.into(),
            used,
            quota,
            unit: None,
        }
    }

    #[test]
    fn steps_that_fit_alone_are_blocked_once_together_they_do_not() {
        let quota = NodeQuota::of(&[resource("core", 0, 1), resource("instances", 10, 16)]);
        assert_eq!(
            quota,
            Some(NodeQuota {
                quota: 16,
                used: 10
            })
        );
        let mut ledger = Ledger::new(quota);
        assert_eq!(ledger.over_quota(3), None);
        ledger.record(3, Some("s1"));
        assert_eq!(ledger.over_quota(3), None);
        ledger.record(3, Some("s1"));
        let reason = ledger.over_quota(3).expect("the third exceeds");
        assert_eq!(
            reason,
            "the project's node quota is 16 with 10 in use, so 6 nodes are free; this step \
             and the 2 before it in this plan add 9 (3 here)"
        );
        assert_eq!(ledger.earlier_in_subnet(Some("s1")), 6);
        assert_eq!(ledger.earlier_in_subnet(Some("s2")), 0);
        assert_eq!(ledger.earlier_in_subnet(None), 0);
    }

    #[test]
    fn without_a_quota_entry_nothing_is_over_and_sums_stay_in_range() {
        let mut ledger = Ledger::new(NodeQuota::of(&[resource("ram", 1, 2)]));
        ledger.record(300, Some("s"));
        assert_eq!(ledger.over_quota(300), None);
        assert_eq!(with_earlier(3, 6, 256), 9);
        assert_eq!(with_earlier(3, 600, 256), 256);
        assert_eq!(with_earlier(5, u64::MAX, 2), 5);
    }
}
