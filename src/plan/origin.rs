//! How a cluster the spec wants comes into being: `POST /clusters` with the spec's fields, or
//! a restore from a snapshot followed (once the snapshot's size is known) by the password and
//! node-count steps that make it match the spec.

use crate::api::state::{snapshot_state, SnapshotState};
use crate::api::wire::Snapshot;
use crate::plan::changes::{
    change, desired_tags, sensitive, set, tag_list, tag_pairs, tags_change,
};
use crate::plan::cluster::cluster_target;
use crate::plan::diff::{Builder, Planned};
use crate::plan::fingerprint::ClusterFacts;
use crate::plan::inplace::in_place;
use crate::plan::model::{
    Action, Blocked, CreateClusterParams, FieldChange, PublicIpParams, RestoreClusterParams,
    StepId, Target,
};
use crate::plan::procedure::{self, rule};
use crate::spec::{DesiredCluster, Origin, Presence};

/// The fields `POST /clusters` requires that the spec leaves out.
fn missing_fields(d: &DesiredCluster) -> Vec<&'static str> {
    [
        ("node_type", d.node_type.is_none()),
        ("number_of_node", d.number_of_node.is_none()),
        ("vpc_id", d.vpc_id.is_none()),
        ("subnet_id", d.subnet_id.is_none()),
        ("security_group_id", d.security_group_id.is_none()),
        ("user_name", d.user_name.is_none()),
        ("password", d.password.is_none()),
    ]
    .into_iter()
    .filter_map(|(field, missing)| missing.then_some(field))
    .collect()
}

/// The create parameters, or the names of the missing required fields.
fn create_params(d: &DesiredCluster) -> Result<CreateClusterParams, Vec<&'static str>> {
    let (Some(node_type), Some(nodes), Some(vpc), Some(subnet), Some(sg), Some(user), Some(pw)) = (
        &d.node_type,
        d.number_of_node,
        &d.vpc_id,
        &d.subnet_id,
        &d.security_group_id,
        &d.user_name,
        &d.password,
    ) else {
        return Err(missing_fields(d));
    };
    Ok(CreateClusterParams {
        node_type: node_type.clone(),
        number_of_node: nodes,
        vpc_id: vpc.clone(),
        subnet_id: subnet.clone(),
        security_group_id: sg.clone(),
        availability_zone: d.availability_zone.clone(),
        port: d.port,
        user_name: user.clone(),
        password: pw.clone(),
        public_ip: d.public_ip.as_ref().map(PublicIpParams::from),
        number_of_cn: d.number_of_cn,
        enterprise_project_id: d.enterprise_project_id.clone(),
        tags: tag_list(&desired_tags(d, d.password_version.as_deref())),
    })
}

/// What a create sets, field by field, in the API's order.
fn create_changes(p: &CreateClusterParams, d: &DesiredCluster) -> Vec<FieldChange> {
    let mut changes = vec![
        set("node_type", &p.node_type),
        set("number_of_node", p.number_of_node),
        set("vpc_id", &p.vpc_id),
        set("subnet_id", &p.subnet_id),
        set("security_group_id", &p.security_group_id),
    ];
    if let Some(zone) = &p.availability_zone {
        changes.push(set("availability_zone", zone));
    }
    if let Some(port) = p.port {
        changes.push(set("port", port));
    }
    changes.push(set("user_name", &p.user_name));
    changes.push(sensitive("password"));
    if let Some(version) = &d.password_version {
        changes.push(set("password_version", version));
    }
    if let Some(ip) = &p.public_ip {
        changes.push(set("public_ip", ip));
    }
    if let Some(cn) = p.number_of_cn {
        changes.push(set("number_of_cn", cn));
    }
    if let Some(eps) = &p.enterprise_project_id {
        changes.push(set("enterprise_project_id", eps));
    }
    changes.push(tags_change(&p.tags));
    changes
}

/// What a restore sets: the snapshot, the fields the spec gives, the tags.
fn restore_changes(p: &RestoreClusterParams) -> Vec<FieldChange> {
    let mut changes = vec![set("snapshot", &p.snapshot)];
    let fields = [
        ("vpc_id", p.vpc_id.as_ref()),
        ("subnet_id", p.subnet_id.as_ref()),
        ("security_group_id", p.security_group_id.as_ref()),
        ("availability_zone", p.availability_zone.as_ref()),
        ("enterprise_project_id", p.enterprise_project_id.as_ref()),
    ];
    changes.extend(fields.into_iter().filter_map(|(f, v)| v.map(|v| set(f, v))));
    if let Some(port) = p.port {
        changes.push(set("port", port));
    }
    if let Some(ip) = &p.public_ip {
        changes.push(set("public_ip", ip));
    }
    changes.push(tags_change(&p.tags));
    changes
}

fn restore_params(d: &DesiredCluster, snapshot: &str) -> RestoreClusterParams {
    RestoreClusterParams {
        snapshot: snapshot.to_owned(),
        vpc_id: d.vpc_id.clone(),
        subnet_id: d.subnet_id.clone(),
        security_group_id: d.security_group_id.clone(),
        availability_zone: d.availability_zone.clone(),
        port: d.port,
        public_ip: d.public_ip.as_ref().map(PublicIpParams::from),
        enterprise_project_id: d.enterprise_project_id.clone(),
        tags: tag_list(&desired_tags(d, None)),
    }
}

/// Why a restore from these live snapshots (all named `snapshot`) cannot be planned.
fn restore_refusal(
    snapshot: &str,
    matches: &[&Snapshot],
    spec_takes_it: bool,
) -> Option<(&'static str, String)> {
    match (matches, spec_takes_it) {
        ([], false) => Some((
            rule::MISSING_SNAPSHOT,
            format!("snapshot {snapshot} does not exist and the spec does not take it"),
        )),
        ([], true) => None,
        ([one], _) => match snapshot_state(one) {
            // A CREATING snapshot is waited for by its own steps, or by a wait that
            // `link_readers` adds.
            // A RESTORING snapshot is complete; another restore from it runs, and the cloud
            // answers busy (waited out) or says why not.
            SnapshotState::Available | SnapshotState::Restoring | SnapshotState::Creating => None,
            SnapshotState::Failed { .. } | SnapshotState::Unknown(_) => Some((
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
    }
}

impl<'a> Builder<'a> {
    /// Plans `POST /clusters` or a restore. Returns whether the cluster will exist.
    pub(crate) fn create(&mut self, desired: &'a DesiredCluster) -> bool {
        match &desired.origin {
            Origin::Create => self.create_new(desired),
            Origin::Restore { snapshot } => self.restore(desired, snapshot),
        }
    }

    fn create_new(&mut self, d: &DesiredCluster) -> bool {
        let target = cluster_target(&d.name);
        let params = match create_params(d) {
            Ok(params) => params,
            Err(missing) => {
                let blocked = procedure::blocked(
                    rule::INCOMPLETE_SPEC,
                    format!("creating {} needs {}", d.name, missing.join(", ")),
                    "Add the missing fields to the cluster in the spec.",
                );
                self.block(target, blocked, Vec::new());
                return false;
            }
        };
        let facts = ClusterFacts {
            number_of_node: params.number_of_node,
            tags: tag_pairs(&desired_tags(d, d.password_version.as_deref())),
            security_group_id: Some(params.security_group_id.clone()),
            ..eip_by_spec(d)
        };
        let changes = create_changes(&params, d);
        self.chain(
            Planned {
                target,
                action: Action::CreateCluster(params),
                changes,
                reason: format!("{} is in the spec but not in the cloud", d.name),
            },
            Vec::new(),
        );
        self.set_facts(&d.name, facts.clone());
        // The create takes no description (creating_a_cluster.rst): set once it exists.
        let items = crate::plan::settings::description(d, &facts);
        self.apply_items(&d.name, items);
        true
    }

    /// The spec cluster that lists snapshot `name` as present, if any.
    pub(crate) fn spec_snapshot_owner(&self, name: &str) -> Option<&'a DesiredCluster> {
        let desired: &'a crate::spec::Desired = self.desired;
        desired.clusters.values().find(|c| {
            c.snapshots
                .get(name)
                .is_some_and(|s| s.presence == Presence::Present)
        })
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
        // A snapshot this plan takes: its size is known once its cluster's chain is planned
        // (see `restore_followups`); node types never change in place, so a live cluster's
        // is the snapshot's.
        let node_type = self.spec_snapshot_owner(name).and_then(|o| {
            self.live
                .cluster(&o.name)
                .map(|c| c.node_type.clone())
                .or_else(|| o.node_type.clone())
        });
        (None, node_type)
    }

    /// Plans a restore from snapshot `snapshot`. Returns whether the cluster will exist.
    fn restore(&mut self, d: &'a DesiredCluster, snapshot: &str) -> bool {
        let target = cluster_target(&d.name);
        let matches: Vec<&'a Snapshot> = self.live.snapshots_named(snapshot).to_vec();
        let spec_takes_it = self.spec_snapshot_owner(snapshot).is_some();
        if let Some((rule, reason)) = restore_refusal(snapshot, &matches, spec_takes_it) {
            let how = format!(
                "Restore {} from an AVAILABLE snapshot, or create it from scratch instead.",
                d.name
            );
            let blocked = procedure::blocked(rule, reason, how);
            self.block(target, blocked, vec![set("snapshot", snapshot)]);
            return false;
        }
        let (source_nodes, source_type) = self.snapshot_source(snapshot);
        if let Some((blocked, change)) = node_type_refusal(d, source_type.as_deref()) {
            self.block(target, blocked, vec![change]);
            return false;
        }
        let params = restore_params(d, snapshot);
        let changes = restore_changes(&params);
        let reason = format!(
            "{} is in the spec but not in the cloud: restore it from snapshot {snapshot}",
            d.name
        );
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
                Origin::Restore { snapshot } => snapshot.as_str(),
                Origin::Create => continue,
            };
            let Some(nodes) = live_nodes.or_else(|| self.taken.get(snapshot).copied()) else {
                // A stop's fingerprint needs the size too: the next plan stops it.
                let stop = d.power == Some(crate::spec::Power::Stopped);
                let described = d.description.as_deref().is_some_and(|t| !t.is_empty());
                if d.number_of_node.is_some() || d.password_version.is_some() || stop || described {
                    if let Some(step) = self.steps.iter_mut().find(|s| s.id == id) {
                        step.reason.push_str(
                            "; its size is known once it exists, so the next plan reconciles \
                             number_of_node and the password",
                        );
                        if described {
                            step.reason.push_str(", sets its description");
                        }
                        if stop {
                            step.reason.push_str(", and stops it (`power: stopped`)");
                        }
                    }
                }
                continue;
            };
            let facts = ClusterFacts {
                number_of_node: nodes,
                tags: tag_pairs(&desired_tags(d, None)),
                security_group_id: d.security_group_id.clone(),
                ..eip_by_spec(d)
            };
            self.set_facts(&d.name, facts.clone());
            // The restore sets the security group and public IP the spec gives: nothing
            // about them is left to change in place.
            let after_restore = DesiredCluster {
                security_group_id: None,
                public_ip: None,
                ..d.clone()
            };
            let items = in_place(&after_restore, &facts, None);
            self.apply_items(&d.name, items);
            self.power_off(d);
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
            target: Target::Snapshot {
                name: snapshot.name.clone(),
                cluster,
            },
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
}

/// A restore keeps the snapshot's node type: a spec that wants another one is refused.
fn node_type_refusal(d: &DesiredCluster, source: Option<&str>) -> Option<(Blocked, FieldChange)> {
    let (want, have) = (d.node_type.as_deref()?, source?);
    (want != have).then(|| {
        (
            procedure::blocked(
                rule::IMMUTABLE_FIELD,
                format!("a restore keeps the snapshot's node type {have}"),
                procedure::replace_by_migration(&d.name),
            ),
            change("node_type", have, want),
        )
    })
}

/// The EIP facts of a cluster created or restored with the spec's `public_ip`: the
/// `bind_existing` EIP, or one the cloud assigns (its id is known once it is listed).
fn eip_by_spec(d: &DesiredCluster) -> ClusterFacts {
    let ip = d.public_ip.as_ref();
    let kind = ip.map(|ip| ip.public_bind_type.as_str());
    ClusterFacts {
        eip_id: ip
            .filter(|_| kind == Some("bind_existing"))
            .and_then(|ip| ip.eip_id.clone()),
        eip: match kind {
            Some("bind_existing") => ip.and_then(|ip| ip.eip_id.clone()),
            Some("auto_assign") => Some("auto_assign".to_owned()),
            _ => None,
        },
        ..ClusterFacts::default()
    }
}
