//! A valid [`RawSpec`] → [`Desired`]: defaults applied, references resolved, spans dropped.
//!
//! Only called when validation found no problem, so every value is within its rule; the
//! conversions below still never panic (an impossible value becomes `None`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use super::desired::{
    AutomatedSnapshots, DeletePolicy, Desired, DesiredCluster, DesiredSnapshot, Origin, Ownership,
    Power, Presence, PublicIpSpec, SnapshotPolicy,
};
use super::raw::{Named, RawAutomatedSnapshots, RawCluster, RawPower, RawSpec, RawState, Spanned};
use crate::secret::SecretRef;

/// Resolves the spec. `files` are the spec files in `-f` order: a `from_file` password path
/// is relative to the file it is written in.
pub fn resolve(spec: &RawSpec, files: &[PathBuf]) -> Desired {
    Desired {
        clusters: spec
            .clusters
            .iter()
            .map(|c| (c.name.clone(), cluster(c, files)))
            .collect(),
    }
}

/// SHA-256 (hex) of the canonical JSON of the resolved spec. It holds secret references,
/// never secret values, so it can be printed and stored.
pub fn digest(desired: &Desired) -> String {
    let json = serde_json::to_vec(desired).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

fn presence(state: &Option<Spanned<RawState>>) -> Presence {
    match state.as_ref().map(|s| s.value) {
        Some(RawState::Absent) => Presence::Absent,
        _ => Presence::Present,
    }
}

fn text(v: &Option<Spanned<String>>) -> Option<String> {
    v.as_ref().map(|v| v.value.clone())
}

fn count(v: &Option<Spanned<i64>>) -> Option<u32> {
    v.as_ref().and_then(|v| u32::try_from(v.value).ok())
}

fn cluster(c: &Named<RawCluster>, files: &[PathBuf]) -> DesiredCluster {
    let v = &c.value;
    let k = &v.common;
    let policy = k.delete_policy.clone().unwrap_or_default();
    let final_snapshot = policy.final_snapshot.map_or(true, |f| f.value);
    let keep = count(&policy.keep_last_manual_snapshot).unwrap_or(u32::from(final_snapshot));
    DesiredCluster {
        name: c.name.clone(),
        presence: presence(&v.state),
        origin: match &v.restore_from {
            Some(r) => Origin::Restore {
                snapshot: r.value.snapshot.value.clone(),
            },
            None => Origin::Create,
        },
        ownership: if v.adopt.as_ref().is_some_and(|a| a.value) {
            Ownership::Adopt
        } else {
            Ownership::Owned
        },
        node_type: text(&k.node_type),
        number_of_node: count(&k.number_of_node),
        vpc_id: text(&k.vpc_id),
        subnet_id: text(&k.subnet_id),
        security_group_id: text(&k.security_group_id),
        availability_zone: text(&k.availability_zone),
        port: count(&k.port),
        user_name: text(&k.user_name),
        password: k.password.as_ref().map(|p| secret(p, files)),
        password_version: text(&k.password_version),
        public_ip: k.public_ip.as_ref().map(|ip| PublicIpSpec {
            public_bind_type: ip.value.public_bind_type.value.clone(),
            eip_id: text(&ip.value.eip_id),
        }),
        number_of_cn: count(&k.number_of_cn),
        enterprise_project_id: text(&k.enterprise_project_id),
        tags: k
            .tags
            .iter()
            .flatten()
            .map(|t| (t.name.clone(), t.value.value.clone()))
            .collect::<BTreeMap<_, _>>(),
        snapshots: v
            .snapshots
            .iter()
            .map(|s| {
                let snap = DesiredSnapshot {
                    name: s.name.clone(),
                    description: text(&s.value.description),
                    presence: presence(&s.value.state),
                };
                (s.name.clone(), snap)
            })
            .collect::<IndexMap<_, _>>(),
        delete_policy: DeletePolicy {
            final_snapshot,
            keep_last_manual_snapshot: keep,
        },
        automated_snapshots: k
            .automated_snapshots
            .as_ref()
            .map(|b| automated_snapshots(&b.value)),
        power: k.power.as_ref().map(|p| match p.value {
            RawPower::Running => Power::Running,
            RawPower::Stopped => Power::Stopped,
        }),
        renamed_from: text(&v.renamed_from),
        description: text(&k.description),
    }
}

fn automated_snapshots(b: &RawAutomatedSnapshots) -> AutomatedSnapshots {
    AutomatedSnapshots {
        enabled: b.enabled.as_ref().map(|e| e.value),
        keep_days: count(&b.keep_days),
        exclusive: b.exclusive.as_ref().is_some_and(|e| e.value),
        policies: b
            .policies
            .iter()
            .map(|p| {
                let policy = SnapshotPolicy {
                    schedule: text(&p.value.schedule).unwrap_or_default(),
                    r#type: text(&p.value.r#type).unwrap_or_default(),
                };
                (p.name.clone(), policy)
            })
            .collect(),
    }
}

/// A `from_file` path is relative to the spec file that names it (not the working
/// directory), so a spec reads the same secret wherever dwsctl runs.
fn secret(p: &Spanned<SecretRef>, files: &[PathBuf]) -> SecretRef {
    match &p.value {
        SecretRef::FromFile(path) if Path::new(path).is_relative() => {
            let dir = files
                .get(p.span.file)
                .and_then(|f| f.parent())
                .unwrap_or(Path::new(""));
            SecretRef::FromFile(dir.join(path).display().to_string())
        }
        other => other.clone(),
    }
}
