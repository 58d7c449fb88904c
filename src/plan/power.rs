//! `power: running | stopped`: the start and stop steps of a cluster, and where they go in
//! its chain.
//!
//! A stopped cluster accepts no operation but a start and a delete: the operation pages of
//! the reference say nothing either way, the simulator answers 403 DWS.7023 "The cluster is
//! stopped." (the stricter reading, kept). Hence:
//! - `running` on a stopped cluster: the start is the first step of its chain, so every other
//!   change (scale, password, CNs, snapshots) runs after it;
//! - `stopped` on a running cluster: the stop is the last step, after the other changes and
//!   the snapshots, which need the cluster running;
//! - `stopped` on a stopped cluster with other changes: they are blocked (rule
//!   `stopped_cluster`), not planned as start, change, stop again. Tag changes (an adoption
//!   among them) are the exception and planned: tags are metadata of the resource, not an
//!   operation of the cluster (tag_management/adding_tags_in_batches.rst and
//!   delete_tags_in_batches.rst name no cluster status; the simulator tags a stopped
//!   cluster), so an exported stopped cluster plans as its adoption only. The spec says the warehouse
//!   stays down; bringing it up, even briefly, bills it and lets clients in, and a failure in
//!   between would leave it running. Saying so and letting the operator set `power: running`
//!   for one apply is the honest plan;
//! - no `power`: a stopped cluster is blocked as before the field existed (its procedure now
//!   names `power: running`); so are the changes of one being stopped (they used to be
//!   planned after its wait, and then refused by the stopped cluster).

use crate::api::ops::CoordinatorList;
use crate::plan::changes::change;
use crate::plan::cluster::cluster_target;
use crate::plan::coordinators::coordinators;
use crate::plan::diff::{Builder, Planned};
use crate::plan::fingerprint::ClusterFacts;
use crate::plan::inplace::{in_place, Item};
use crate::plan::model::{Action, FieldChange};
use crate::plan::procedure::{self, rule};
use crate::spec::{DesiredCluster, Power};

/// The in-place changes of a cluster that exists, with its power taken into account: a start
/// first when the spec wants a stopped cluster running, every change blocked when it keeps
/// one stopped. Also says whether the cluster will run for the rest of its chain (snapshots
/// can then be taken).
pub(crate) fn in_place_powered(
    desired: &DesiredCluster,
    facts: &ClusterFacts,
    adopting: Option<&str>,
    cns: Option<&CoordinatorList>,
) -> (Vec<Item>, bool) {
    if let Some((start, running)) = start(desired, facts) {
        let mut items = vec![Item::Step(Box::new(start), running.clone())];
        items.extend(with_coordinators(desired, &running, adopting, cns));
        return (items, true);
    }
    let items = with_coordinators(desired, facts, adopting, cns);
    if !facts.stopped {
        return (items, true);
    }
    (kept_stopped(desired, items), false)
}

/// [`in_place`], then the CN change (after a scale, whose new nodes may host CNs).
fn with_coordinators(
    desired: &DesiredCluster,
    facts: &ClusterFacts,
    adopting: Option<&str>,
    cns: Option<&CoordinatorList>,
) -> Vec<Item> {
    let mut items = in_place(desired, facts, adopting);
    let last = items
        .iter()
        .rev()
        .find_map(|item| match item {
            Item::Step(_, next) => Some(next.clone()),
            Item::Blocked(..) => None,
        })
        .unwrap_or_else(|| facts.clone());
    items.extend(coordinators(desired, &last, cns));
    items
}

/// The start a stopped cluster needs when the spec says `power: running`, and the facts it
/// leaves.
fn start(desired: &DesiredCluster, facts: &ClusterFacts) -> Option<(Planned, ClusterFacts)> {
    if desired.power != Some(Power::Running) || !facts.stopped {
        return None;
    }
    let planned = Planned {
        target: cluster_target(&desired.name),
        action: Action::StartCluster,
        changes: vec![change("power", "stopped", "running")],
        reason: format!(
            "{} is stopped and the spec says `power: running`: start it (first: a stopped \
             cluster accepts no other change)",
            desired.name
        ),
    };
    let next = ClusterFacts {
        stopped: false,
        ..facts.clone()
    };
    Some((planned, next))
}

/// The changes of a stopped cluster the spec keeps stopped: its tag step, then one blocked
/// step that lists the other changes.
fn kept_stopped(desired: &DesiredCluster, items: Vec<Item>) -> Vec<Item> {
    let (tags, others): (Vec<Item>, Vec<Item>) = items.into_iter().partition(|item| {
        matches!(item, Item::Step(planned, _) if matches!(planned.action, Action::UpdateTags { .. }))
    });
    let changes: Vec<FieldChange> = others
        .into_iter()
        .flat_map(|item| match item {
            Item::Step(planned, _) => planned.changes,
            Item::Blocked(_, changes) => changes,
        })
        .collect();
    if changes.is_empty() {
        return tags;
    }
    let name = &desired.name;
    let blocked = if desired.power == Some(Power::Stopped) {
        procedure::blocked(
            rule::STOPPED_CLUSTER,
            format!(
                "{name} is stopped and the spec keeps it stopped (`power: stopped`); a stopped \
                 cluster accepts no change but a start"
            ),
            procedure::kept_stopped(name),
        )
    } else {
        // No `power` and the cluster is being stopped (a stopped one is blocked earlier,
        // `plan::status`): the changes would meet a stopped cluster after the wait.
        procedure::blocked(
            rule::STOPPED_CLUSTER,
            format!("{name} is being stopped; a stopped cluster accepts no change but a start"),
            procedure::stopped(name),
        )
    };
    tags.into_iter()
        .chain([Item::Blocked(blocked, changes)])
        .collect()
}

/// The change a stop would make, for a cluster whose other changes are blocked.
pub(crate) fn stop_change(desired: &DesiredCluster, facts: &ClusterFacts) -> Option<FieldChange> {
    (desired.power == Some(Power::Stopped) && !facts.stopped)
        .then(|| change("power", "running", "stopped"))
}

impl Builder<'_> {
    /// Chains the stop of a cluster the spec says is `power: stopped` and that will be
    /// running once its chain so far is done: called after its other changes and snapshots.
    pub(crate) fn power_off(&mut self, desired: &DesiredCluster) {
        let facts = self.facts(&desired.name).cloned().unwrap_or_default();
        let Some(change) = stop_change(desired, &facts) else {
            return;
        };
        self.chain(
            Planned {
                target: cluster_target(&desired.name),
                action: Action::StopCluster,
                changes: vec![change],
                reason: format!(
                    "the spec says `power: stopped`: stop {} (last: a stopped cluster accepts no \
                     other change)",
                    desired.name
                ),
            },
            Vec::new(),
        );
        self.set_facts(
            &desired.name,
            ClusterFacts {
                stopped: true,
                ..facts
            },
        );
    }
}
