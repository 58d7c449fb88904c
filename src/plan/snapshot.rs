//! Rules for snapshots: take, wait for, delete, and the final snapshot taken before a
//! cluster is deleted.

use crate::api::state::{snapshot_kind, snapshot_state, SnapshotKind, SnapshotState};
use crate::api::wire::{Cluster, Snapshot};
use crate::plan::changes::{change, same, set, unset};
use crate::plan::diff::{Builder, Planned};
use crate::plan::model::{Action, StepId, Target};
use crate::plan::procedure::{self, rule};
use crate::spec::{DesiredCluster, Presence};

/// The name of the final snapshot of a cluster: deterministic, so that a re-run after an
/// interrupted delete finds it instead of taking another; it carries the start of the
/// cluster's id, so that a cluster of the same name created later gets its own. At most 64
/// characters, as the API requires.
pub fn final_snapshot_name(cluster: &str, cluster_id: &str) -> String {
    let id: String = cluster_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let suffix = if id.is_empty() {
        "-final".to_owned()
    } else {
        format!("-final-{id}")
    };
    let base: String = cluster.chars().take(64 - suffix.len()).collect();
    format!("{base}{suffix}")
}

fn snapshot_target(name: &str, cluster: &str) -> Target {
    Target::Snapshot {
        name: name.to_owned(),
        cluster: cluster.to_owned(),
    }
}

impl<'a> Builder<'a> {
    /// Whether a live snapshot may be managed as the spec cluster `d`'s: it belongs to the
    /// live cluster; or `d` is marked absent and gone, and the snapshot's cluster is gone too
    /// (the manual snapshots a deleted cluster leaves behind, which the spec may delete).
    fn snapshot_is_ours(
        &self,
        snapshot: &Snapshot,
        cluster: Option<&Cluster>,
        d: &DesiredCluster,
    ) -> bool {
        match (cluster, snapshot.cluster_id.as_deref()) {
            (Some(c), owner) => owner == Some(c.id.as_str()),
            _ if d.presence == Presence::Present => false,
            (None, None) => true,
            (None, Some(owner)) => self.live.cluster_by_id(owner).is_none(),
        }
    }

    /// Plans the spec's snapshots of one cluster (`cluster` is the live cluster, if any).
    pub(crate) fn snapshots(
        &mut self,
        d: &DesiredCluster,
        cluster: Option<&Cluster>,
        can_create: bool,
    ) {
        for ds in d.snapshots.values() {
            let target = snapshot_target(&ds.name, &d.name);
            let matches: Vec<&'a Snapshot> = self.live.snapshots_named(&ds.name).to_vec();
            let found = match matches.as_slice() {
                [] => None,
                [one] => Some(*one),
                many => {
                    let blocked = procedure::blocked(
                        rule::DUPLICATE_NAME,
                        format!("{} live snapshots are named {}", many.len(), ds.name),
                        procedure::duplicate_name("snapshot", &ds.name),
                    );
                    self.block(target, blocked, Vec::new());
                    continue;
                }
            };
            if let Some(s) = found {
                if let Some(blocked) = self.foreign(s, cluster, d) {
                    self.block(target, blocked, vec![same("cluster_id", &s.cluster_id)]);
                    continue;
                }
            }
            match (ds.presence, found) {
                (Presence::Present, None) => {
                    if cluster.is_none() && d.presence == Presence::Absent || !can_create {
                        let blocked = procedure::blocked(
                            rule::SNAPSHOT_WITHOUT_CLUSTER,
                            format!(
                                "snapshot {} cannot be taken: {} is not available",
                                ds.name, d.name
                            ),
                            "Remove the snapshot from the spec, or make its cluster present.",
                        );
                        self.block(target, blocked, Vec::new());
                        continue;
                    }
                    self.take_snapshot(d, ds);
                }
                (Presence::Present, Some(s)) => {
                    self.existing_snapshot(d, ds.description.as_deref(), s)
                }
                (Presence::Absent, None) => {}
                (Presence::Absent, Some(s)) => self.delete_snapshot(d, s),
            }
        }
    }

    /// A `POST /snapshots` step in the cluster's chain; records the size the snapshot will
    /// have, for restores from it.
    fn take_snapshot(&mut self, d: &DesiredCluster, ds: &crate::spec::DesiredSnapshot) {
        let mut changes = vec![set("cluster", &d.name)];
        if let Some(text) = &ds.description {
            changes.push(set("description", text));
        }
        let id = self.chain(
            Planned {
                target: snapshot_target(&ds.name, &d.name),
                action: Action::CreateSnapshot {
                    description: ds.description.clone(),
                },
                changes,
                reason: format!("snapshot {} is in the spec but not in the cloud", ds.name),
            },
            Vec::new(),
        );
        self.snapshot_ready.insert(ds.name.clone(), id);
        if let Some(facts) = self.facts(&d.name) {
            self.taken.insert(ds.name.clone(), facts.number_of_node);
        }
    }

    /// Why a live snapshot of the spec's name must not be touched, if it must not.
    fn foreign(
        &self,
        s: &Snapshot,
        cluster: Option<&Cluster>,
        d: &DesiredCluster,
    ) -> Option<crate::plan::model::Blocked> {
        let name = &d.name;
        if !self.snapshot_is_ours(s, cluster, d) {
            return Some(procedure::blocked(
                rule::SNAPSHOT_NAME_TAKEN,
                format!(
                    "a snapshot named {} exists but belongs to another cluster",
                    s.name
                ),
                format!(
                    "Rename the snapshot in the spec; dwsctl only manages snapshots of {name}."
                ),
            ));
        }
        match snapshot_kind(s) {
            SnapshotKind::Manual => None,
            SnapshotKind::Automated => Some(procedure::blocked(
                rule::AUTOMATED_SNAPSHOT,
                format!(
                    "{} is an automated snapshot; the service manages those",
                    s.name
                ),
                "Rename the snapshot in the spec to take a manual one.",
            )),
            SnapshotKind::Unknown(kind) => Some(procedure::blocked(
                rule::UNKNOWN_STATUS,
                format!("snapshot {} has an unknown type {kind:?}", s.name),
                procedure::unknown_status(&s.name),
            )),
        }
    }

    fn existing_snapshot(&mut self, d: &DesiredCluster, description: Option<&str>, s: &Snapshot) {
        let target = snapshot_target(&s.name, &d.name);
        match snapshot_state(s) {
            SnapshotState::Available | SnapshotState::Restoring => {
                let have = s.description.as_deref().unwrap_or("");
                if let Some(want) = description.filter(|want| *want != have) {
                    let blocked = procedure::blocked(
                        rule::IMMUTABLE_FIELD,
                        "a snapshot's description cannot be changed",
                        format!(
                            "Mark snapshot {} `state: absent` and apply, then add it back with \
                             the new description (or keep the description).",
                            s.name
                        ),
                    );
                    self.block(target, blocked, vec![change("description", have, want)]);
                }
            }
            SnapshotState::Creating => {
                let id = self.wait_snapshot(d, s);
                self.snapshot_ready.insert(s.name.clone(), id);
            }
            SnapshotState::Failed { status } => {
                let blocked = procedure::blocked(
                    rule::FAILED_SNAPSHOT,
                    format!(
                        "snapshot {} is {status} (it failed or was cancelled)",
                        s.name
                    ),
                    format!(
                        "Mark snapshot {} `state: absent` and apply to delete it, then add it \
                         back to take it again.",
                        s.name
                    ),
                );
                self.block(target, blocked, vec![same("status", &s.status)]);
            }
            SnapshotState::Unknown(status) => {
                let blocked = procedure::blocked(
                    rule::UNKNOWN_STATUS,
                    format!("unknown snapshot status {status:?}"),
                    procedure::unknown_status(&s.name),
                );
                self.block(target, blocked, vec![same("status", &s.status)]);
            }
        }
    }

    fn wait_snapshot(&mut self, d: &DesiredCluster, s: &Snapshot) -> StepId {
        self.chain(
            Planned {
                target: snapshot_target(&s.name, &d.name),
                action: Action::Wait {
                    status: s.status.clone(),
                    task_status: None,
                },
                changes: vec![change("status", &s.status, "AVAILABLE")],
                reason: format!(
                    "snapshot {} is being taken: wait until it is AVAILABLE",
                    s.name
                ),
            },
            Vec::new(),
        )
    }

    fn delete_snapshot(&mut self, d: &DesiredCluster, s: &Snapshot) {
        let target = snapshot_target(&s.name, &d.name);
        match snapshot_state(s) {
            SnapshotState::Creating => {
                self.wait_snapshot(d, s);
            }
            SnapshotState::Unknown(status) => {
                let blocked = procedure::blocked(
                    rule::UNKNOWN_STATUS,
                    format!("unknown snapshot status {status:?}"),
                    procedure::unknown_status(&s.name),
                );
                self.block(target, blocked, vec![same("status", &s.status)]);
                return;
            }
            SnapshotState::Available | SnapshotState::Restoring | SnapshotState::Failed { .. } => {}
        }
        let id = self.chain(
            Planned {
                target,
                action: Action::DeleteSnapshot,
                changes: vec![unset("id", &s.id)],
                reason: format!("snapshot {} is marked absent", s.name),
            },
            Vec::new(),
        );
        self.snapshot_deletes.push((id, s.name.clone()));
    }

    /// Takes (or finds, or waits for) the final snapshot before a delete. Returns whether
    /// the delete may follow.
    pub(crate) fn final_snapshot(&mut self, d: &DesiredCluster, cluster: &Cluster) -> bool {
        let name = final_snapshot_name(&d.name, &cluster.id);
        let target = snapshot_target(&name, &d.name);
        let found: Vec<&'a Snapshot> = self.live.snapshots_named(&name).to_vec();
        let Some(s) = found.first().copied() else {
            self.chain(
                Planned {
                    target,
                    action: Action::CreateSnapshot {
                        description: Some(format!(
                            "Final snapshot of {} taken by dwsctl before deleting it",
                            d.name
                        )),
                    },
                    changes: vec![set("cluster", &d.name)],
                    reason: format!(
                        "final snapshot of {}: the delete waits until it is AVAILABLE",
                        d.name
                    ),
                },
                Vec::new(),
            );
            return true;
        };
        if let Some(blocked) = self.foreign(s, Some(cluster), d) {
            self.block(target, blocked, vec![same("cluster_id", &s.cluster_id)]);
            return false;
        }
        match snapshot_state(s) {
            SnapshotState::Available | SnapshotState::Restoring => true,
            SnapshotState::Creating => {
                self.wait_snapshot(d, s);
                true
            }
            SnapshotState::Failed { .. } | SnapshotState::Unknown(_) => {
                let blocked = procedure::blocked(
                    rule::FAILED_SNAPSHOT,
                    format!(
                        "the final snapshot {name} is {}; {} is not deleted without it",
                        s.status, d.name
                    ),
                    format!("Delete snapshot {name} in the console and re-plan to take it again."),
                );
                self.block(target, blocked, vec![same("status", &s.status)]);
                false
            }
        }
    }
}
