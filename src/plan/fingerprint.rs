//! Fingerprints: a short hex digest of the live fields a step depends on.
//!
//! `apply PLAN` recomputes [`fingerprint`] from a fresh listing just before each step and
//! stops that branch when it differs from the one the plan recorded. The digest therefore
//! covers what makes a planned operation right or wrong (a cluster's node count, tags,
//! security group and bound EIP, a snapshot's identity, owner and description) and leaves out what moves on its own while an
//! operation runs (status, task, progress, timestamps), so that a plan saved while a cluster
//! was CREATING is still valid once it is AVAILABLE.
//!
//! For a step that follows earlier steps on the same object, the planner records the
//! fingerprint the object will have once those steps are done (see [`ClusterFacts`]), so the
//! same re-check works for every step of a chain.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::api::wire::{Cluster, Snapshot};
use crate::api::Live;
use crate::plan::model::{Fingerprint, Target, LEASE_TAG_KEY};

const AUTO_ASSIGN: &str = "auto_assign";

/// The fields of a cluster that steps depend on, live or predicted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct ClusterFacts {
    pub number_of_node: u32,
    /// Sorted `(key, value)` pairs.
    pub tags: Vec<(String, String)>,
    /// As listed (several groups are listed joined by commas).
    pub security_group_id: Option<String>,
    /// The bound EIP ([`Cluster::bound_eip`]), for the planner. Not digested as such: the id
    /// of an EIP the cloud assigns at creation is known to no plan; `eip` is digested.
    #[serde(skip)]
    pub eip_id: Option<String>,
    /// The bound EIP's id, or `auto_assign` for one the cloud assigned (whose id the
    /// executor's check compares before an unbind, `exec::verify`).
    pub eip: Option<String>,
    /// Stopped or stopping (`power`): a start or stop is planned from it, and every other
    /// step needs a running cluster. Left out of the digest when false, so that the
    /// fingerprints of running clusters are what they were before `power` existed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
    /// The description (`cluster_description_info`, `""` for none) when the plan knows it:
    /// from the detail read for a spec that sets one ([`ClusterFacts::with_detail`]), or the
    /// spec's once a step sets it; `None` otherwise (a cluster this plan creates has none).
    /// Not digested: the listings `apply` re-reads do not carry it, and the call that sets
    /// it is absolute, so no step depends on the old text.
    #[serde(skip)]
    pub description: Option<String>,
}

impl ClusterFacts {
    pub(crate) fn of(cluster: &Cluster) -> Self {
        // The lease tag comes and goes while runs coordinate; it is no fact a step depends on.
        let mut tags: Vec<(String, String)> = cluster
            .tags
            .iter()
            .filter(|t| t.key != LEASE_TAG_KEY)
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect();
        tags.sort();
        Self {
            number_of_node: cluster.number_of_node,
            tags,
            security_group_id: cluster.security_group_id.clone(),
            eip_id: cluster.bound_eip().map(str::to_owned),
            eip: cluster.bound_eip().map(|id| {
                let assigned = cluster
                    .public_ip
                    .as_ref()
                    .is_some_and(|ip| ip.public_bind_type == AUTO_ASSIGN);
                if assigned { AUTO_ASSIGN } else { id }.to_owned()
            }),
            stopped: is_stopped(cluster),
            description: None,
        }
    }

    /// These facts with what the cluster's detail adds (the description), when it was read.
    pub(crate) fn with_detail(self, detail: Option<&Cluster>) -> Self {
        match detail {
            Some(d) => Self {
                description: Some(d.cluster_description_info.clone().unwrap_or_default()),
                ..self
            },
            None => self,
        }
    }

    /// The facts once `eip_id` is bound (`None`: unbound) by dwsctl (`bind_existing`).
    pub(crate) fn with_eip(&self, eip_id: Option<&str>) -> Self {
        Self {
            eip_id: eip_id.map(str::to_owned),
            eip: eip_id.map(str::to_owned),
            ..self.clone()
        }
    }

    pub(crate) fn fingerprint(&self) -> Fingerprint {
        digest("cluster", self)
    }
}

/// Whether a cluster is stopped or being stopped: what a stop leads to, so that a plan
/// made while it was STOPPING still holds once it is STOPPED (the status values of
/// `api::state`).
pub fn is_stopped(cluster: &Cluster) -> bool {
    is_stopped_status(&cluster.status)
}

/// [`is_stopped`] of a `status` value (a Terraform state's `status` attribute too).
pub fn is_stopped_status(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_uppercase().as_str(),
        "STOPPED" | "STOPPING"
    )
}

/// The fields of a snapshot that steps depend on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct SnapshotFacts<'a> {
    id: &'a str,
    cluster_id: Option<&'a str>,
    kind: Option<&'a str>,
    description: &'a str,
}

impl<'a> SnapshotFacts<'a> {
    fn of(snapshot: &'a Snapshot) -> Self {
        Self {
            id: &snapshot.id,
            cluster_id: snapshot.cluster_id.as_deref(),
            kind: snapshot.kind.as_deref(),
            description: snapshot.description.as_deref().unwrap_or(""),
        }
    }
}

fn digest(kind: &str, facts: &impl Serialize) -> Fingerprint {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update([0]);
    // Serializing these plain structs cannot fail; an empty body would still be a stable
    // digest of the kind alone.
    hasher.update(serde_json::to_vec(facts).unwrap_or_default());
    let out = hasher.finalize();
    Fingerprint(hex::encode(out.get(..8).unwrap_or(&out[..])))
}

/// The fingerprint of `target` in `live`: [`Fingerprint::absent`] when no object of that
/// name exists. When several objects share the name (which the planner blocks), all of them
/// are digested, so any change to any of them shows.
pub fn fingerprint(target: &Target, live: &Live) -> Fingerprint {
    match target {
        Target::Cluster { name } => {
            let matches: Vec<&Cluster> = live.clusters.iter().filter(|c| &c.name == name).collect();
            clusters_fingerprint(&matches)
        }
        Target::Snapshot { name, .. } => {
            let matches: Vec<&Snapshot> =
                live.snapshots.iter().filter(|s| &s.name == name).collect();
            snapshots_fingerprint(&matches)
        }
    }
}

/// The fingerprint of the live clusters that share one name.
pub(crate) fn clusters_fingerprint(matches: &[&Cluster]) -> Fingerprint {
    let facts: Vec<ClusterFacts> = matches.iter().map(|c| ClusterFacts::of(c)).collect();
    match facts.as_slice() {
        [] => Fingerprint::absent(),
        [one] => one.fingerprint(),
        many => digest("clusters", &many),
    }
}

/// The fingerprint of the live snapshots that share one name.
pub(crate) fn snapshots_fingerprint(matches: &[&Snapshot]) -> Fingerprint {
    let facts: Vec<SnapshotFacts> = matches.iter().map(|s| SnapshotFacts::of(s)).collect();
    match facts.as_slice() {
        [] => Fingerprint::absent(),
        [one] => digest("snapshot", one),
        many => digest("snapshots", &many),
    }
}

/// Why a saved plan's step is stale, in words: what the target was when planned (only
/// "absent" is known from a digest) and what the listing shows now.
pub fn what_moved(target: &Target, planned: &Fingerprint, live: &Live) -> String {
    let label = match target {
        Target::Cluster { name } => format!("cluster {name}"),
        Target::Snapshot { name, cluster } => format!("snapshot {name} of cluster {cluster}"),
    };
    let now = match target {
        Target::Cluster { name } => live
            .clusters
            .iter()
            .filter(|c| &c.name == name)
            .map(describe_cluster)
            .collect::<Vec<_>>(),
        Target::Snapshot { name, .. } => live
            .snapshots
            .iter()
            .filter(|s| &s.name == name)
            .map(describe_snapshot)
            .collect(),
    };
    let was_absent = *planned == Fingerprint::absent();
    match (was_absent, now.is_empty()) {
        (true, false) => format!(
            "{label} did not exist when the plan was made and now does ({})",
            now.join("; ")
        ),
        (false, true) => format!("{label} existed when the plan was made and is now gone"),
        _ => format!(
            "{label} changed since the plan was made: it now has {}",
            now.join("; ")
        ),
    }
}

fn describe_cluster(cluster: &Cluster) -> String {
    let mut tags: Vec<String> = cluster
        .tags
        .iter()
        .map(|t| format!("{}={}", t.key, t.value))
        .collect();
    tags.sort();
    format!(
        "status {}, {} nodes, tags {}, security group {}, EIP {}",
        cluster.status,
        cluster.number_of_node,
        if tags.is_empty() {
            "none".to_owned()
        } else {
            tags.join(", ")
        },
        cluster.security_group_id.as_deref().unwrap_or("none"),
        cluster.bound_eip().unwrap_or("none"),
    )
}

fn describe_snapshot(snapshot: &Snapshot) -> String {
    format!(
        "status {}, id {}, of cluster id {}",
        snapshot.status,
        snapshot.id,
        snapshot.cluster_id.as_deref().unwrap_or("unknown")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::Tag;
    use crate::plan::testkit::{live_cluster, live_snapshot};

    fn cluster_target(name: &str) -> Target {
        Target::Cluster { name: name.into() }
    }

    #[test]
    fn a_stale_step_says_what_moved_in_words() {
        let mut live = Live {
            clusters: vec![live_cluster("c1", 6)],
            snapshots: vec![],
            ..Live::default()
        };
        let target = cluster_target("c1");
        let text = what_moved(&target, &Fingerprint::absent(), &live);
        assert!(
            text.starts_with("cluster c1 did not exist when the plan was made and now does")
                && text.contains("6 nodes"),
            "{text}"
        );
        let planned = fingerprint(&target, &live);
        live.clusters.clear();
        let text = what_moved(&target, &planned, &live);
        assert_eq!(
            text,
            "cluster c1 existed when the plan was made and is now gone"
        );
    }

    #[test]
    fn missing_object_is_absent() {
        let live = Live::default();
        assert_eq!(
            fingerprint(&cluster_target("c1"), &live),
            Fingerprint::absent()
        );
    }

    #[test]
    fn status_and_progress_do_not_move_the_fingerprint() {
        let mut live = Live {
            clusters: vec![live_cluster("c1", 3)],
            snapshots: vec![],
            ..Live::default()
        };
        let before = fingerprint(&cluster_target("c1"), &live);
        live.clusters[0].status = "CREATING".into();
        live.clusters[0]
            .action_progress
            .insert("CREATING".into(), "10%".into());
        assert_eq!(before, fingerprint(&cluster_target("c1"), &live));
    }

    #[test]
    fn node_count_and_tags_move_the_fingerprint() {
        let mut live = Live {
            clusters: vec![live_cluster("c1", 3)],
            snapshots: vec![],
            ..Live::default()
        };
        let before = fingerprint(&cluster_target("c1"), &live);
        live.clusters[0].number_of_node = 6;
        let scaled = fingerprint(&cluster_target("c1"), &live);
        assert_ne!(before, scaled);
        live.clusters[0].tags.push(Tag {
            key: "env".into(),
            value: "prod".into(),
        });
        let tagged = fingerprint(&cluster_target("c1"), &live);
        assert_ne!(scaled, tagged);
        assert_eq!(scaled.0.len(), 16);
        live.clusters[0].security_group_id = Some("sg-2".into());
        let regrouped = fingerprint(&cluster_target("c1"), &live);
        assert_ne!(tagged, regrouped);
        live.clusters[0].public_ip = Some(crate::api::wire::PublicIp {
            public_bind_type: "bind_existing".into(),
            eip_id: Some("eip-1".into()),
            eip_address: None,
        });
        assert_ne!(regrouped, fingerprint(&cluster_target("c1"), &live));
    }

    #[test]
    fn stopping_moves_the_fingerprint_once_and_a_running_cluster_keeps_its_digest() {
        let mut live = Live {
            clusters: vec![live_cluster("c1", 3)],
            ..Live::default()
        };
        let running = fingerprint(&cluster_target("c1"), &live);
        // The digest of a running cluster does not mention `stopped` (plans saved before
        // `power` existed stay valid).
        let facts = ClusterFacts::of(&live.clusters[0]);
        assert!(!serde_json::to_string(&facts)
            .expect("json")
            .contains("stopped"));
        live.clusters[0].status = "STOPPING".into();
        let stopping = fingerprint(&cluster_target("c1"), &live);
        live.clusters[0].status = "STOPPED".into();
        assert_ne!(running, stopping);
        assert_eq!(stopping, fingerprint(&cluster_target("c1"), &live));
    }

    #[test]
    fn a_recreated_snapshot_has_another_fingerprint() {
        let target = Target::Snapshot {
            name: "s1".into(),
            cluster: "c1".into(),
        };
        let mut live = Live {
            clusters: vec![],
            snapshots: vec![live_snapshot("s1", "id-c1")],
            ..Live::default()
        };
        let before = fingerprint(&target, &live);
        live.snapshots[0].id = "other".into();
        assert_ne!(before, fingerprint(&target, &live));
    }
}
