//! The export of live clusters: the spec fields the list calls report, `adopt: true` where
//! dwsctl's ownership tag is missing, and each cluster's manual snapshots.
//!
//! Only what a plan compares is written, with the live value, so that a plan of the result
//! changes nothing but ownership. Beyond the lists, each exported cluster's detail
//! (`description`), CN list (`number_of_cn`) and automated-snapshot policy are read; a stopped cluster gets `power:
//! stopped` (else the plan would block on it). What nothing reports (the password) becomes a
//! reference; what cannot be a spec entry (a cluster being deleted, a failed snapshot, two
//! objects of one name) is listed in [`Export::skipped`].

use std::collections::{BTreeMap, BTreeSet};

use super::model::ExportSnapshot;
use super::model::{is_one_off, one_off_reason, password_env};
use super::model::{Export, ExportCluster, ExportPolicy, ExportPublicIp};
use super::yaml::quoted;
use super::ExportError;
use crate::api::live::Reads;
use crate::api::ops::CoordinatorList;
use crate::api::policy::SnapshotPolicy;
use crate::api::rules;
use crate::api::state::{cluster_state, snapshot_kind, snapshot_state, ClusterState};
use crate::api::state::{SnapshotKind, SnapshotState};
use crate::api::tags::{owned, PASSWORD_VERSION_TAG_KEY, RESERVED_TAG_KEYS, RESERVED_TAG_PREFIX};
use crate::api::wire::{Cluster, Snapshot};
use crate::api::Live;

/// The per-cluster reads an export of `live` needs: the detail (`description`), the CN list
/// (`number_of_cn`) and the automated-snapshot policy of every cluster it exports (or of those named in `only`, each
/// of which must exist).
pub fn reads(live: &Live, only: &[String]) -> Result<Reads, ExportError> {
    check_names(live, only)?;
    let names: BTreeSet<String> = live
        .clusters
        .iter()
        .filter(|c| only.is_empty() || only.contains(&c.name))
        .filter(|c| not_exportable(c).is_none())
        .map(|c| c.name.clone())
        .collect();
    Ok(Reads {
        details: names.clone(),
        coordinators: names.clone(),
        policies: names,
    })
}

fn check_names(live: &Live, only: &[String]) -> Result<(), ExportError> {
    for name in only {
        if !live.clusters.iter().any(|c| &c.name == name) {
            return Err(ExportError::UnknownCluster {
                name: name.clone(),
                known: name_counts(live.clusters.iter().map(|c| c.name.as_str())).len(),
            });
        }
    }
    Ok(())
}

/// The export of `live`: every cluster, or only those named in `only` (each must exist).
/// A cluster whose policy is in `live.extras` gets an `automated_snapshots` block.
pub fn export(live: &Live, only: &[String]) -> Result<Export, ExportError> {
    check_names(live, only)?;
    let counts = name_counts(live.clusters.iter().map(|c| c.name.as_str()));
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut export = Export {
        origin: vec![
            "Written by `dwsctl export` from the cloud's cluster and snapshot lists and each \
             cluster's detail, CN list and automated-snapshot policy. Not reported by them, so left out \
             (dwsctl leaves it as it is): delete_policy."
                .to_owned(),
        ],
        ..Export::default()
    };
    let mut sorted: Vec<&Cluster> = live.clusters.iter().filter(|c| wanted(&c.name)).collect();
    sorted.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    for cluster in sorted {
        if counts.get(cluster.name.as_str()).copied().unwrap_or(0) > 1 {
            export.skipped.push(format!(
                "cluster {} (id {}): {} live clusters have this name; rename all but one",
                quoted(&cluster.name),
                quoted(&cluster.id),
                counts.get(cluster.name.as_str()).copied().unwrap_or(0)
            ));
            continue;
        }
        if let Some(why) = not_exportable(cluster) {
            export
                .skipped
                .push(format!("cluster {}: {why}", quoted(&cluster.name)));
            continue;
        }
        let mut c = from_live(cluster, &mut export.warnings);
        c.number_of_cn = live
            .extras
            .coordinators
            .get(&cluster.name)
            .map(|list| cn_count(cluster, list, &mut export.warnings));
        if let Some(policy) = live.extras.policies.get(&cluster.name) {
            c.automated_snapshots = Some(policy_of(&c.name, policy, &mut export));
        }
        if let Some(detail) = live.extras.details.get(&cluster.name) {
            c.description = description_of(&c.name, detail, &mut export.warnings);
        }
        c.snapshots = snapshots_of(live, cluster, &mut export);
        export.clusters.push(c);
    }
    if only.is_empty() {
        orphans(live, &mut export);
    }
    Ok(export)
}

fn name_counts<'a>(names: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_insert(0) += 1;
    }
    counts
}

/// Why a live cluster cannot become a spec entry: it is on its way out, or it never came up.
fn not_exportable(cluster: &Cluster) -> Option<String> {
    match cluster_state(cluster) {
        state @ (ClusterState::Deleting
        | ClusterState::Gone
        | ClusterState::CreationFailed { .. }) => Some(format!(
            "it is {}; nothing to manage",
            quoted(&state.to_string())
        )),
        _ => None,
    }
}

/// The spec entry of a live cluster (snapshots aside).
fn from_live(cluster: &Cluster, warnings: &mut Vec<String>) -> ExportCluster {
    let name = &cluster.name;
    if let Err(violation) = rules::cluster_name(name) {
        warnings.push(format!(
            "cluster name {}: {}",
            quoted(name),
            violation.message()
        ));
    }
    let mut tags = BTreeMap::new();
    let mut notes = Vec::new();
    for tag in &cluster.tags {
        let key = tag.key.as_str();
        if RESERVED_TAG_KEYS.contains(&key) || key.starts_with(RESERVED_TAG_PREFIX) {
            if !owned(cluster) && key == crate::api::tags::OWNERSHIP_TAG_KEY {
                notes.push(format!(
                    "It carries the tag managed-by: {}; adopting it replaces that with \
                     managed-by: dwsctl. Stop managing it elsewhere first.",
                    quoted(&tag.value)
                ));
            }
            continue;
        }
        check_tag(name, key, &tag.value, warnings);
        tags.insert(tag.key.clone(), tag.value.clone());
    }
    let state = cluster_state(cluster);
    // A stopped cluster says so with `power: stopped`.
    if !state.is_idle() && state != ClusterState::Stopped {
        notes.push(format!(
            "When exported it was {}.",
            quoted(&state.to_string())
        ));
    }
    ExportCluster {
        name: name.clone(),
        adopt: !owned(cluster),
        node_type: Some(cluster.node_type.clone()),
        number_of_node: Some(cluster.number_of_node),
        vpc_id: cluster.vpc_id.clone(),
        subnet_id: cluster.subnet_id.clone(),
        security_group_id: cluster.security_group_id.clone(),
        availability_zone: cluster.availability_zone.clone(),
        port: Some(cluster.port),
        user_name: Some(cluster.user_name.clone()),
        password_env: password_env(name),
        password_version: cluster
            .tags
            .iter()
            .find(|t| t.key == PASSWORD_VERSION_TAG_KEY)
            .map(|t| t.value.clone()),
        public_ip: cluster.public_ip.as_ref().map(|ip| ExportPublicIp {
            public_bind_type: ip.public_bind_type.clone(),
            eip_id: ip
                .eip_id
                .clone()
                .filter(|id| !id.is_empty() && ip.public_bind_type == "bind_existing"),
        }),
        number_of_cn: None,
        enterprise_project_id: cluster.enterprise_project_id.clone(),
        tags,
        snapshots: Vec::new(),
        automated_snapshots: None,
        notes,
        stopped: crate::plan::is_stopped(cluster),
        description: None,
    }
}

/// `description`: the detail's, when it has one (a text the spec's rules refuse is exported
/// with a warning).
fn description_of(cluster: &str, detail: &Cluster, warnings: &mut Vec<String>) -> Option<String> {
    let text = detail
        .cluster_description_info
        .clone()
        .filter(|d| !d.is_empty())?;
    if let Err(violation) = rules::cluster_description(&text) {
        warnings.push(format!(
            "cluster {}: {}",
            quoted(cluster),
            violation.message()
        ));
    }
    Some(text)
}

/// `automated_snapshots` as the policy GET reports it: the switch, the retention and every
/// strategy (not marked as the whole set: a reviewer who wants the spec to delete strategies it
/// does not list says so). Values the spec's rules refuse are exported with a warning; a
/// one-time strategy is listed instead ([`one_off_reason`]).
fn policy_of(cluster: &str, policy: &SnapshotPolicy, export: &mut Export) -> ExportPolicy {
    let warnings = &mut export.warnings;
    let mut policies = Vec::new();
    for s in &policy.backup_strategies {
        if is_one_off(&s.backup_strategy) {
            export.skipped.push(format!(
                "cluster {}, automated-snapshot policy {}: {}",
                quoted(cluster),
                quoted(&s.policy_name),
                one_off_reason(&s.backup_strategy)
            ));
            continue;
        }
        let checks = [
            rules::policy_name(&s.policy_name),
            rules::policy_schedule(&s.backup_strategy),
            rules::policy_type(&s.backup_type),
        ];
        for violation in checks.into_iter().filter_map(Result::err) {
            warnings.push(format!(
                "cluster {}, automated-snapshot policy {}: {}",
                quoted(cluster),
                quoted(&s.policy_name),
                violation.message()
            ));
        }
        policies.push((
            s.policy_name.clone(),
            s.backup_strategy.clone(),
            s.backup_type.clone(),
        ));
    }
    policies.sort();
    if let Some(Err(violation)) = policy.keep_day.map(|d| rules::keep_days(i64::from(d))) {
        warnings.push(format!(
            "cluster {}: automated_snapshots.keep_days: {}",
            quoted(cluster),
            violation.message()
        ));
    }
    ExportPolicy {
        enabled: policy.auto_backup,
        keep_days: policy.keep_day,
        policies,
    }
}

/// `number_of_cn`: the CNs the list holds (a count the spec's rules refuse is exported with a
/// warning).
fn cn_count(cluster: &Cluster, list: &CoordinatorList, warnings: &mut Vec<String>) -> u32 {
    let count = u32::try_from(list.instances.len()).unwrap_or(u32::MAX);
    let nodes = Some(i64::from(cluster.number_of_node));
    if let Err(violation) = rules::number_of_cn(i64::from(count), nodes) {
        warnings.push(format!(
            "cluster {}: {}",
            quoted(&cluster.name),
            violation.message()
        ));
    }
    count
}

fn check_tag(cluster: &str, key: &str, value: &str, warnings: &mut Vec<String>) {
    let problem = rules::tag_key(key).and_then(|()| rules::tag_value(value));
    if let Err(violation) = problem {
        warnings.push(format!(
            "cluster {}, tag {}: {}",
            quoted(cluster),
            quoted(key),
            violation.message()
        ));
    }
}

/// The manual snapshots of `cluster` that a spec can hold, in name order; the others are
/// listed as skipped.
fn snapshots_of(live: &Live, cluster: &Cluster, export: &mut Export) -> Vec<ExportSnapshot> {
    let counts = name_counts(live.snapshots.iter().map(|s| s.name.as_str()));
    let mut mine: Vec<&Snapshot> = live
        .snapshots
        .iter()
        .filter(|s| s.cluster_id.as_deref() == Some(cluster.id.as_str()))
        .filter(|s| snapshot_kind(s) != SnapshotKind::Automated)
        .collect();
    mine.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let mut out = Vec::new();
    for s in mine {
        let what = format!("snapshot {} of {}", quoted(&s.name), quoted(&cluster.name));
        if let SnapshotKind::Unknown(kind) = snapshot_kind(s) {
            export
                .skipped
                .push(format!("{what}: unknown type {}", quoted(&kind)));
            continue;
        }
        if counts.get(s.name.as_str()).copied().unwrap_or(0) > 1 {
            export.skipped.push(format!(
                "{what}: several live snapshots have this name; a spec names one"
            ));
            continue;
        }
        match snapshot_state(s) {
            SnapshotState::Failed { status } | SnapshotState::Unknown(status) => {
                export.skipped.push(format!(
                    "{what}: it is {}; delete it, or add it with `state: absent`",
                    quoted(&status)
                ));
                continue;
            }
            SnapshotState::Available | SnapshotState::Restoring | SnapshotState::Creating => {}
        }
        if let Err(violation) = rules::snapshot_name(&s.name) {
            export
                .warnings
                .push(format!("{what}: {}", violation.message()));
        }
        let description = s.description.clone().filter(|d| !d.is_empty());
        if let Some(text) = &description {
            if let Err(violation) = rules::snapshot_description(text) {
                export
                    .warnings
                    .push(format!("{what}: {}", violation.message()));
            }
        }
        out.push(ExportSnapshot {
            name: s.name.clone(),
            description,
        });
    }
    out
}

/// Manual snapshots whose cluster no longer exists: a spec can only restore from them
/// (`restore_from: {snapshot: NAME, external: true}`).
fn orphans(live: &Live, export: &mut Export) {
    let ids: BTreeSet<&str> = live.clusters.iter().map(|c| c.id.as_str()).collect();
    let mut names: Vec<&str> = live
        .snapshots
        .iter()
        .filter(|s| snapshot_kind(s) == SnapshotKind::Manual)
        .filter(|s| !matches!(s.cluster_id.as_deref(), Some(id) if ids.contains(id)))
        .map(|s| s.name.as_str())
        .collect();
    names.sort_unstable();
    for name in names {
        export.skipped.push(format!(
            "snapshot {}: its cluster no longer exists; a cluster can restore from it with \
             `restore_from: {{snapshot: NAME, external: true}}`",
            quoted(name)
        ));
    }
}

#[cfg(test)]
#[path = "cloud_tests.rs"]
mod tests;
