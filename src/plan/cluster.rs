//! Rules for one cluster of the spec: create or restore it, change it in place, wait for it,
//! delete it (after a final snapshot), or refuse with a reason.

use std::collections::BTreeSet;

use crate::api::state::{cluster_state, ClusterState};
use crate::api::tags::owned;
use crate::api::wire::Cluster;
use crate::plan::changes::{change, same, set, unset};
use crate::plan::diff::{Builder, Planned};
use crate::plan::fingerprint::{is_stopped, ClusterFacts};
use crate::plan::inplace::{immutable, Item};
use crate::plan::model::{Action, FieldChange, Target, OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE};
use crate::plan::policy;
use crate::plan::power::{in_place_powered, stop_change};
use crate::plan::procedure::{self, rule};
use crate::plan::status::{deletable_without_snapshot, refusal};
use crate::spec::{DesiredCluster, Ownership, Presence};

pub(crate) fn cluster_target(name: &str) -> Target {
    Target::Cluster {
        name: name.to_owned(),
    }
}

impl<'a> Builder<'a> {
    pub(crate) fn cluster(&mut self, desired: &'a DesiredCluster) {
        let matches: Vec<&'a Cluster> = self
            .live
            .clusters_named(&desired.name)
            .iter()
            .copied()
            .filter(|c| cluster_state(c) != ClusterState::Gone)
            .collect();
        if matches.len() > 1 {
            self.block(
                cluster_target(&desired.name),
                procedure::blocked(
                    rule::DUPLICATE_NAME,
                    format!("{} live clusters are named {}", matches.len(), desired.name),
                    procedure::duplicate_name("cluster", &desired.name),
                ),
                Vec::new(),
            );
            return;
        }
        if let Some(old) = desired.renamed_from.as_deref() {
            if desired.presence == Presence::Present && self.rename_or_block(desired, old, &matches)
            {
                return;
            }
        }
        match (desired.presence, matches.first().copied()) {
            (Presence::Present, None) => {
                if self.create(desired) {
                    self.snapshots(desired, None, true);
                    if desired.origin == crate::spec::Origin::Create {
                        // A restore's own changes come later (`restore_followups`), and its
                        // stop after them.
                        self.power_off(desired);
                    }
                    self.policies.push((desired, true));
                }
            }
            (Presence::Present, Some(cluster)) => self.update(desired, cluster),
            (Presence::Absent, None) => self.snapshots(desired, None, false),
            (Presence::Absent, Some(cluster)) => self.delete(desired, cluster),
        }
    }

    /// `renamed_from: old`: when `old` is live and the spec's name is not, the live cluster is
    /// renamed (then changed like any other); both live at once is blocked. Returns whether
    /// the cluster is planned (otherwise it is planned by its own name: created, or changed).
    fn rename_or_block(
        &mut self,
        desired: &'a DesiredCluster,
        old: &str,
        matches: &[&'a Cluster],
    ) -> bool {
        let olds: Vec<&'a Cluster> = self
            .live
            .clusters_named(old)
            .iter()
            .copied()
            .filter(|c| cluster_state(c) != ClusterState::Gone)
            .collect();
        let reason = match (matches.is_empty(), olds.as_slice()) {
            (_, []) => return false,
            (true, [live]) => {
                self.renamed(desired, old, live);
                return true;
            }
            (true, _) => format!("{} live clusters are named {old}", olds.len()),
            (false, _) => format!(
                "{} (the spec's name) and {old} (its `renamed_from`) are both live clusters: \
                 dwsctl cannot tell which one the spec means",
                desired.name
            ),
        };
        self.block(
            cluster_target(&desired.name),
            procedure::blocked(
                rule::RENAME_CONFLICT,
                reason,
                format!(
                    "Decide which cluster is {0}: if it is the live {0}, remove `renamed_from`; \
                     if it is {old}, rename or delete the live {0} first. dwsctl renames \
                     only when exactly one cluster is named {old} and none {0}.",
                    desired.name
                ),
            ),
            vec![change("name", old, &desired.name)],
        );
        true
    }

    /// A live cluster's facts, with its detail's when the spec had it read (the description).
    fn live_facts(&self, live: &Cluster) -> ClusterFacts {
        ClusterFacts::of(live).with_detail(self.live.detail(&live.name))
    }

    /// Renames the live cluster `old` (ours or adopted) to the spec's name, then plans its
    /// other changes after the rename, under the new name.
    fn renamed(&mut self, desired: &'a DesiredCluster, old: &str, live: &Cluster) {
        let as_old = DesiredCluster {
            name: old.to_owned(),
            renamed_from: None,
            ..desired.clone()
        };
        let Some(adoption) = self.ownership(&as_old, live) else {
            return;
        };
        self.set_facts(old, self.live_facts(live));
        let state = cluster_state(live);
        if !self.gate(&as_old, live, &state) {
            return;
        }
        let rename = change("name", old, &desired.name);
        if let ClusterState::TaskFailed { .. } = &state {
            let blocked = procedure::blocked(
                rule::FAILED_TASK,
                format!("{old} is {state}"),
                procedure::failed_task(old),
            );
            self.block(cluster_target(old), blocked, vec![rename]);
            return;
        }
        self.chain(
            Planned {
                target: cluster_target(old),
                action: Action::RenameCluster {
                    new_name: desired.name.clone(),
                },
                changes: vec![rename],
                reason: format!(
                    "the spec renames {old} to {} (`renamed_from`): rename it in place, keeping \
                     its id and data, instead of creating {}",
                    desired.name, desired.name
                ),
            },
            Vec::new(),
        );
        self.follow_rename(old, &desired.name);
        self.update_fields(desired, live, adoption.as_deref(), &state);
    }

    /// Whether dwsctl may change `live`: `Some(None)` when it is ours, `Some(Some(why))` when
    /// the spec adopts it (or restored it), `None` when it is blocked as someone else's.
    fn ownership(&mut self, desired: &DesiredCluster, live: &Cluster) -> Option<Option<String>> {
        Some(match (owned(live), desired.ownership) {
            (true, _) => None,
            (false, Ownership::Adopt) => Some(format!(
                "{} has no `managed-by: dwsctl` tag and the spec adopts it: tag it as managed",
                desired.name
            )),
            (false, Ownership::Owned) => {
                match crate::plan::provenance::spec_restore(desired, live, &self.live) {
                    Some(reason) => Some(reason),
                    None => {
                        self.block_unowned(desired, live);
                        return None;
                    }
                }
            }
        })
    }

    /// Plans the changes to a cluster that exists.
    fn update(&mut self, desired: &'a DesiredCluster, live: &Cluster) {
        let Some(adoption) = self.ownership(desired, live) else {
            return;
        };
        self.set_facts(&desired.name, self.live_facts(live));
        let state = cluster_state(live);
        if !self.gate(desired, live, &state) {
            return;
        }
        self.update_fields(desired, live, adoption.as_deref(), &state);
    }

    /// The changes to a cluster past its gate: blocked fields, in-place steps, snapshots.
    fn update_fields(
        &mut self,
        desired: &'a DesiredCluster,
        live: &Cluster,
        adoption: Option<&str>,
        state: &ClusterState,
    ) {
        let target = cluster_target(&desired.name);
        let (fields, migrate) = immutable(desired, live);
        if !fields.is_empty() {
            let names: Vec<&str> = fields.iter().map(|c| c.field.as_str()).collect();
            let how = if migrate {
                procedure::replace_by_migration(&desired.name)
            } else {
                procedure::replace_by_restore(&desired.name)
            };
            self.block(
                target.clone(),
                procedure::blocked(
                    rule::IMMUTABLE_FIELD,
                    format!("{} cannot be changed in place", names.join(", ")),
                    how,
                ),
                fields,
            );
        }
        let facts = self
            .facts(&desired.name)
            .cloned()
            .unwrap_or_else(|| self.live_facts(live));
        // The CN list was read under the live name (the old one when the spec renames).
        let (items, running) = in_place_powered(
            desired,
            &facts,
            adoption,
            self.live.coordinators(&live.name),
        );
        let failed = matches!(state, ClusterState::TaskFailed { .. });
        if failed {
            let changes: Vec<FieldChange> = items
                .into_iter()
                .flat_map(|item| match item {
                    Item::Step(planned, _) => planned.changes,
                    Item::Blocked(_, changes) => changes,
                })
                .chain(stop_change(desired, &facts))
                .collect();
            if !changes.is_empty() {
                self.block(
                    target,
                    procedure::blocked(
                        rule::FAILED_TASK,
                        format!("{} is {state}", desired.name),
                        procedure::failed_task(&desired.name),
                    ),
                    changes,
                );
            }
        } else {
            self.apply_items(&desired.name, items);
            self.policies.push((desired, false));
        }
        self.snapshots(desired, Some(live), running);
        if !failed {
            self.power_off(desired);
        }
    }

    /// After every cluster's other steps: each policy step comes last in its cluster's
    /// chain, so a new cluster's follows its create or restore (and the restore's
    /// follow-ups), and no later step of the chain expects the cluster to look otherwise.
    pub(crate) fn plan_policies(&mut self) {
        for (desired, new) in std::mem::take(&mut self.policies) {
            let Some(block) = &desired.automated_snapshots else {
                continue;
            };
            let target = cluster_target(&desired.name);
            // An existing cluster's policy was read under its live name: the spec's, or the
            // old one when this plan renames it (`renamed`; both live is blocked before).
            let read = self.live_policies.get(&desired.name).or_else(|| {
                let old = desired.renamed_from.as_deref()?;
                self.live_policies.get(old)
            });
            let live = if new {
                None
            } else {
                match read {
                    Some(policy) => Some(policy),
                    None => {
                        let blocked = procedure::blocked(
                            rule::POLICY_NOT_READ,
                            format!(
                                "the automated-snapshot policy of {} was not read",
                                desired.name
                            ),
                            "Plan again; if it persists, check that the credentials may call \
                             GET /v2/{project_id}/clusters/{cluster_id}/snapshot-policies.",
                        );
                        self.block(target, blocked, Vec::new());
                        continue;
                    }
                }
            };
            match policy::plan_policy(&desired.name, block, live) {
                policy::PolicyPlan::Same => {}
                policy::PolicyPlan::Blocked(blocked, changes) => {
                    self.block(target, blocked, changes);
                }
                policy::PolicyPlan::Step(action, changes) => {
                    let reason = if new {
                        format!(
                            "{} gets the default automated-snapshot policy when it is made; set \
                             the spec's",
                            desired.name
                        )
                    } else {
                        "the automated-snapshot policy differs from the spec".to_owned()
                    };
                    self.chain(
                        Planned {
                            target,
                            action: *action,
                            changes,
                            reason,
                        },
                        Vec::new(),
                    );
                }
            }
        }
    }

    pub(crate) fn apply_items(&mut self, cluster: &str, items: Vec<Item>) {
        for item in items {
            match item {
                Item::Step(planned, next) => {
                    self.chain(*planned, Vec::new());
                    self.set_facts(cluster, next);
                }
                Item::Blocked(blocked, changes) => {
                    self.block(cluster_target(cluster), blocked, changes);
                }
            }
        }
    }

    fn block_unowned(&mut self, desired: &DesiredCluster, live: &Cluster) {
        let verb = match desired.presence {
            Presence::Present => "manage",
            Presence::Absent => "delete",
        };
        self.block(
            cluster_target(&desired.name),
            procedure::blocked(
                rule::UNOWNED_CLUSTER,
                format!(
                    "a cluster named {} exists without the `{}: {}` tag, so dwsctl did not \
                     create it (or did not finish); dwsctl will not {verb} it unless the spec \
                     adopts it",
                    desired.name, OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE
                ),
                procedure::unowned(
                    &desired.name,
                    matches!(desired.origin, crate::spec::Origin::Restore { .. }),
                ),
            ),
            vec![same("id", &live.id)],
        );
    }

    /// Handles a live cluster's state before any change: waits for a running operation,
    /// refuses a failed, frozen, deleting or unknown one. Returns whether changes may follow.
    fn gate(&mut self, desired: &DesiredCluster, live: &Cluster, state: &ClusterState) -> bool {
        match state {
            ClusterState::Gone => return false,
            ClusterState::Busy { .. } => {
                self.wait_for(desired, live);
                return true;
            }
            _ => {}
        }
        if *state == ClusterState::Stopped && desired.power.is_some() {
            // A planned state: `plan::power` starts it or keeps it stopped.
            return true;
        }
        match refusal(&desired.name, state) {
            None => true,
            Some(blocked) => {
                self.block(cluster_target(&desired.name), blocked, status_changes(live));
                false
            }
        }
    }

    /// A `Wait` step for an operation already running on the cluster.
    fn wait_for(&mut self, desired: &DesiredCluster, live: &Cluster) {
        let task = live.task_status.clone().filter(|t| !t.trim().is_empty());
        let doing = match (&task, live.action_progress.iter().next()) {
            (Some(task), _) => format!("task {task}"),
            (None, Some((what, pct))) => format!("{what} {pct}"),
            (None, None) => live
                .sub_status
                .clone()
                .unwrap_or_else(|| live.status.clone()),
        };
        self.chain(
            Planned {
                target: cluster_target(&desired.name),
                action: Action::Wait {
                    status: live.status.clone(),
                    task_status: task,
                },
                changes: wait_changes(live),
                reason: format!(
                    "{} is {} ({doing}): wait until it is AVAILABLE with no task, never start a \
                     second operation",
                    desired.name, live.status
                ),
            },
            Vec::new(),
        );
    }

    /// Whether a cluster marked absent can be deleted now: `None` when not (blocked, or
    /// already being deleted), else whether snapshots can still be taken of it. A running
    /// operation gets a wait first.
    fn delete_gate(&mut self, desired: &DesiredCluster, live: &Cluster) -> Option<bool> {
        let state = cluster_state(live);
        match state {
            ClusterState::Deleting | ClusterState::Gone => None,
            // A cluster being stopped will take no snapshot either.
            _ if deletable_without_snapshot(&state) || is_stopped(live) => {
                if !desired.delete_policy.final_snapshot {
                    return Some(false);
                }
                let blocked = procedure::blocked(
                    rule::NO_FINAL_SNAPSHOT,
                    format!(
                        "{} is {state}: no final snapshot can be taken before deleting it",
                        desired.name
                    ),
                    "Set `final_snapshot: false` in the cluster's delete policy to delete it \
                     without one.",
                );
                self.block(cluster_target(&desired.name), blocked, status_changes(live));
                None
            }
            other => self.gate(desired, live, &other).then_some(true),
        }
    }

    /// Plans the deletion of a cluster marked `state: absent`.
    fn delete(&mut self, desired: &DesiredCluster, live: &Cluster) {
        if !owned(live) && desired.ownership == Ownership::Owned {
            self.block_unowned(desired, live);
            return;
        }
        self.set_facts(&desired.name, ClusterFacts::of(live));
        let Some(can_snapshot) = self.delete_gate(desired, live) else {
            return;
        };
        self.snapshots(desired, Some(live), can_snapshot);
        if desired.delete_policy.final_snapshot && !self.final_snapshot(desired, live) {
            return;
        }
        let mut owned_snapshots: BTreeSet<String> = desired.snapshots.keys().cloned().collect();
        owned_snapshots.extend(
            self.live
                .snapshots_of(&live.id)
                .iter()
                .map(|s| s.name.clone()),
        );
        let id = self.chain(delete_step(desired, live), Vec::new());
        self.cluster_deletes.push((id, owned_snapshots));
    }
}

/// The `DELETE /clusters/{id}` step.
fn delete_step(desired: &DesiredCluster, live: &Cluster) -> Planned {
    let keep = desired.delete_policy.keep_last_manual_snapshot;
    let reason = if desired.delete_policy.final_snapshot {
        format!(
            "{} is marked absent; its final snapshot is taken first",
            desired.name
        )
    } else {
        format!(
            "{} is marked absent (no final snapshot: the spec says so)",
            desired.name
        )
    };
    Planned {
        target: cluster_target(&desired.name),
        action: Action::DeleteCluster {
            keep_last_manual_snapshot: keep,
        },
        changes: vec![
            unset("id", &live.id),
            set("keep_last_manual_snapshot", keep),
        ],
        reason,
    }
}

/// The live status fields, for wait steps: `current -> what the wait ends at`.
pub(crate) fn wait_changes(live: &Cluster) -> Vec<FieldChange> {
    let mut changes = vec![change("status", &live.status, "AVAILABLE")];
    if let Some(task) = live.task_status.as_deref().filter(|t| !t.trim().is_empty()) {
        changes.push(change("task_status", task, None::<String>));
    }
    if !live.action_progress.is_empty() {
        changes.push(change(
            "action_progress",
            &live.action_progress,
            serde_json::json!({}),
        ));
    }
    if let Some(sub) = unusual_sub_status(live) {
        changes.push(same("sub_status", sub));
    }
    changes
}

/// A `sub_status` worth showing: anything but the healthy `NORMAL`.
fn unusual_sub_status(live: &Cluster) -> Option<&str> {
    live.sub_status
        .as_deref()
        .filter(|s| !s.trim().is_empty() && s.trim() != "NORMAL")
}

/// The live status fields, for blocked steps: shown as they are (old equals new).
pub(crate) fn status_changes(live: &Cluster) -> Vec<FieldChange> {
    let mut changes = vec![same("status", &live.status)];
    if let Some(task) = live.task_status.as_deref().filter(|t| !t.trim().is_empty()) {
        changes.push(same("task_status", task));
    }
    if let Some(sub) = unusual_sub_status(live) {
        changes.push(same("sub_status", sub));
    }
    if let Some(reasons) = &live.failed_reasons {
        if reasons.error_code.is_some() || reasons.error_msg.is_some() {
            changes.push(same("failed_reasons", reasons));
        }
    }
    changes
}
