//! Rules for snapshots: take, wait for, delete, restore from, and the final snapshot taken
//! before a cluster is deleted.

use crate::api::wire::{Cluster, Snapshot};
use crate::plan::changes::{change, desired_tags, same, set, tag_list, tag_pairs, unset};
use crate::plan::cluster::cluster_target;
use crate::plan::diff::{Builder, Planned};
use crate::plan::fingerprint::ClusterFacts;
use crate::plan::inplace::in_place;
use crate::plan::model::{Action, RestoreClusterParams, StepId, Target};
use crate::plan::procedure::{self, rule};
use crate::plan::status::{snapshot_state, SnapshotState};
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
    /// The spec cluster that lists snapshot `name` as present, if any.
    fn spec_snapshot_owner(&self, name: &str) -> Option<&'a DesiredCluster> {
        let desired: &'a crate::spec::Desired = self.desired;
        desired.clusters.values().find(|c| {
            c.snapshots
                .get(name)
                .is_some_and(|s| s.presence == Presence::Present)
        })
    }

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

    /// Node count and type of the cluster a snapshot was (or will be) taken from.
    fn snapshot_source(&self, name: &str) -> (Option<u32>, Option<String>) {
        if let Some(snapshot) = self.live.snapshot(name) {
            // An existing snapshot has the size of the cluster it was taken from, if that
            // cluster still exists; otherwise the size is unknown until the restore.
            return snapshot
                .cluster_id
                .as_deref()
                .and_then(|id| self.live.cluster_by_id(id))
                .map_or((None, None), |c| {
                    (Some(c.number_of_node), Some(c.node_type.clone()))
                });
        }
        // A snapshot this plan takes: its node type is its cluster's; its size is known
        // once its cluster's chain is planned (see `restore_followups`).
        let owner = self.spec_snapshot_owner(name);
        // Node types never change in place: a live cluster keeps its own.
        let node_type = owner.and_then(|o| {
            self.live
                .cluster(&o.name)
                .map(|c| c.node_type.clone())
                .or_else(|| o.node_type.clone())
        });
        (None, node_type)
    }

    /// Plans a restore from snapshot `snapshot`. Returns whether the cluster will exist.
    pub(crate) fn restore(&mut self, d: &'a DesiredCluster, snapshot: &str) -> bool {
        let target = cluster_target(&d.name);
        let matches: Vec<&'a Snapshot> = self.live.snapshots_named(snapshot).to_vec();
        let owner = self.spec_snapshot_owner(snapshot);
        let refusal = match (matches.as_slice(), owner) {
            ([], None) => Some((
                rule::MISSING_SNAPSHOT,
                format!("snapshot {snapshot} does not exist and the spec does not take it"),
            )),
            ([], Some(_)) => None,
            ([one], _) => match snapshot_state(one) {
                SnapshotState::Available => None,
                // Waited for by the snapshot's own steps, or by a wait `link_readers` adds.
                SnapshotState::Creating => None,
                SnapshotState::Unavailable | SnapshotState::Unknown(_) => Some((
                    rule::SNAPSHOT_NOT_RESTORABLE,
                    format!(
                        "snapshot {snapshot} is {}, only AVAILABLE snapshots restore",
                        one.status
                    ),
                )),
            },
            (many, _) => Some((
                rule::DUPLICATE_NAME,
                format!("{} live snapshots are named {snapshot}", many.len()),
            )),
        };
        if let Some((rule, reason)) = refusal {
            let how = format!(
                "Restore {} from an AVAILABLE snapshot, or create it from scratch instead.",
                d.name
            );
            self.block(
                target,
                procedure::blocked(rule, reason, how),
                vec![set("snapshot", snapshot)],
            );
            return false;
        }
        let (source_nodes, source_type) = self.snapshot_source(snapshot);
        if let (Some(want), Some(have)) = (&d.node_type, &source_type) {
            if want != have {
                self.block(
                    target,
                    procedure::blocked(
                        rule::IMMUTABLE_FIELD,
                        format!("a restore keeps the snapshot's node type {have}"),
                        procedure::replace_by_migration(&d.name),
                    ),
                    vec![change("node_type", have, want)],
                );
                return false;
            }
        }
        let tags = desired_tags(d, None);
        let mut changes = vec![set("snapshot", snapshot)];
        let fields = [
            ("vpc_id", d.vpc_id.as_ref()),
            ("subnet_id", d.subnet_id.as_ref()),
            ("security_group_id", d.security_group_id.as_ref()),
            ("availability_zone", d.availability_zone.as_ref()),
            ("enterprise_project_id", d.enterprise_project_id.as_ref()),
        ];
        changes.extend(fields.into_iter().filter_map(|(f, v)| v.map(|v| set(f, v))));
        if let Some(port) = d.port {
            changes.push(set("port", port));
        }
        if let Some(ip) = &d.public_ip {
            changes.push(set("public_ip", ip));
        }
        changes.push(set("tags", &tags));
        let reason = format!(
            "{} is in the spec but not in the cloud: restore it from snapshot {snapshot}",
            d.name
        );
        let params = RestoreClusterParams {
            snapshot: snapshot.to_owned(),
            vpc_id: d.vpc_id.clone(),
            subnet_id: d.subnet_id.clone(),
            security_group_id: d.security_group_id.clone(),
            availability_zone: d.availability_zone.clone(),
            port: d.port,
            public_ip: d.public_ip.clone(),
            enterprise_project_id: d.enterprise_project_id.clone(),
            tags: tag_list(&tags),
        };
        let id = self.chain(
            Planned {
                target,
                action: Action::RestoreCluster(params),
                changes,
                reason,
            },
            Vec::new(),
        );
        self.restores.push((id.clone(), snapshot.to_owned()));
        self.followups.push((d, id, source_nodes));
        true
    }

    /// After every cluster is planned: the password and node count of restored clusters,
    /// chained after the restore once the snapshot's size is known.
    pub(crate) fn restore_followups(&mut self) {
        for (d, id, live_nodes) in std::mem::take(&mut self.followups) {
            let snapshot = match &d.origin {
                crate::spec::Origin::Restore { snapshot } => snapshot.as_str(),
                crate::spec::Origin::Create => continue,
            };
            let Some(nodes) = live_nodes.or_else(|| self.taken.get(snapshot).copied()) else {
                if d.number_of_node.is_some() || d.password_version.is_some() {
                    if let Some(step) = self.steps.iter_mut().find(|s| s.id == id) {
                        step.reason.push_str(
                            "; its size is known once it exists, so the next plan reconciles \
                             number_of_node and the password",
                        );
                    }
                }
                continue;
            };
            let facts = ClusterFacts {
                number_of_node: nodes,
                tags: tag_pairs(&desired_tags(d, None)),
            };
            self.set_facts(&d.name, facts.clone());
            let items = in_place(d, &facts, false);
            self.apply_items(&d.name, items);
        }
    }

    /// A wait for a CREATING snapshot that no step of the plan waits for (a restore reads
    /// it).
    pub(crate) fn wait_snapshot_outside_spec(&mut self, snapshot: &Snapshot) -> StepId {
        let cluster = snapshot
            .cluster_id
            .as_deref()
            .and_then(|id| self.live.cluster_by_id(id))
            .map_or_else(|| "-".to_owned(), |c| c.name.clone());
        self.standalone(Planned {
            target: snapshot_target(&snapshot.name, &cluster),
            action: Action::Wait {
                status: snapshot.status.clone(),
                task_status: None,
            },
            changes: vec![change("status", &snapshot.status, "AVAILABLE")],
            reason: format!(
                "snapshot {} is still being taken; a restore reads it",
                snapshot.name
            ),
        })
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
                    let mut changes = vec![set("cluster", &d.name)];
                    if let Some(text) = &ds.description {
                        changes.push(set("description", text));
                    }
                    let id = self.chain(
                        Planned {
                            target,
                            action: Action::CreateSnapshot {
                                description: ds.description.clone(),
                            },
                            changes,
                            reason: format!(
                                "snapshot {} is in the spec but not in the cloud",
                                ds.name
                            ),
                        },
                        Vec::new(),
                    );
                    self.snapshot_ready.insert(ds.name.clone(), id);
                    if let Some(facts) = self.facts(&d.name) {
                        self.taken.insert(ds.name.clone(), facts.number_of_node);
                    }
                }
                (Presence::Present, Some(s)) => {
                    self.existing_snapshot(d, ds.description.as_deref(), s)
                }
                (Presence::Absent, None) => {}
                (Presence::Absent, Some(s)) => self.delete_snapshot(d, s),
            }
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
        if s.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("AUTOMATED"))
        {
            return Some(procedure::blocked(
                rule::AUTOMATED_SNAPSHOT,
                format!(
                    "{} is an automated snapshot; the service manages those",
                    s.name
                ),
                "Rename the snapshot in the spec to take a manual one.",
            ));
        }
        None
    }

    fn existing_snapshot(&mut self, d: &DesiredCluster, description: Option<&str>, s: &Snapshot) {
        let target = snapshot_target(&s.name, &d.name);
        match snapshot_state(s) {
            SnapshotState::Available => {
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
            SnapshotState::Unavailable => {
                let blocked = procedure::blocked(
                    rule::FAILED_SNAPSHOT,
                    format!(
                        "snapshot {} is UNAVAILABLE (it failed or was cancelled)",
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
            SnapshotState::Available | SnapshotState::Unavailable => {}
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
            SnapshotState::Available => true,
            SnapshotState::Creating => {
                self.wait_snapshot(d, s);
                true
            }
            SnapshotState::Unavailable | SnapshotState::Unknown(_) => {
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
