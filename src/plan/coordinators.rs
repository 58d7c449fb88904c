//! `number_of_cn` of a cluster that exists: CNs added or deleted in a batch
//! (`node_change/adding_cn_nodes_in_batches.rst`, `deleting_cn_nodes_in_batches.rst`), from
//! the CN list read at plan time (`GET …/cns`, `Live.extras.coordinators`, read only for
//! clusters whose spec declares the field).
//!
//! - The count must lie within the list's `min_num` … `max_num`; outside it the change is
//!   blocked (`coordinator_range`) with the cloud's bounds, never sent to be refused.
//!   `max_num` is the cluster's now: a scale-out in the same plan may raise it, and the CN
//!   change then waits for the next plan (the reason says so).
//! - Which CNs go: the last ones of the list. The reference names no CN as special; the
//!   first ones are those the cluster was created with (the connection addresses clients
//!   were given point at them), so the newest go first.
//! - The CN count is no part of the fingerprint (a saved plan is applied without reading the
//!   CN lists): each step records the count it was planned `from`, and the executor reads
//!   the list again just before the call and sends it only at that count.

use crate::api::ops::CoordinatorList;
use crate::plan::changes::change;
use crate::plan::diff::Planned;
use crate::plan::fingerprint::ClusterFacts;
use crate::plan::inplace::{target, Item};
use crate::plan::model::Action;
use crate::plan::procedure::{self, rule};
use crate::spec::DesiredCluster;

/// The CN step (or its refusal) that takes the listed CNs to the spec's count.
pub(crate) fn coordinators(
    desired: &DesiredCluster,
    facts: &ClusterFacts,
    list: Option<&CoordinatorList>,
) -> Option<Item> {
    let want = desired.number_of_cn?;
    let list = list?;
    let have = u32::try_from(list.instances.len()).unwrap_or(u32::MAX);
    if want == have {
        return None;
    }
    let changes = vec![change("number_of_cn", have, want)];
    if want < list.min_num || want > list.max_num {
        let blocked = procedure::blocked(
            rule::COORDINATOR_RANGE,
            format!(
                "{} may have {} to {} CNs (the cloud's CN list); the spec asks for {want}",
                desired.name, list.min_num, list.max_num
            ),
            format!(
                "Set number_of_cn of {} within {} and {}. The maximum grows with the node \
                 count: after a scale-out, plan again to reach a higher count.",
                desired.name, list.min_num, list.max_num
            ),
        );
        return Some(Item::Blocked(blocked, changes));
    }
    let (action, reason) = if want > have {
        (
            Action::AddCoordinators {
                total: want,
                from: have,
            },
            format!("number_of_cn changed: add {} CNs", want - have),
        )
    } else {
        let gone: Vec<_> = list.instances.iter().skip(want as usize).collect();
        let names: Vec<&str> = gone.iter().map(|cn| cn.name.as_str()).collect();
        (
            Action::DeleteCoordinators {
                ids: gone.iter().map(|cn| cn.id.clone()).collect(),
                from: have,
            },
            format!(
                "number_of_cn changed: delete the newest {} CNs ({})",
                gone.len(),
                names.join(", ")
            ),
        )
    };
    let planned = Planned {
        target: target(desired),
        action,
        changes,
        reason,
    };
    Some(Item::Step(Box::new(planned), facts.clone()))
}
