//! Finding in a listing the object a step made (or an earlier run made for it), and the
//! wait checks by id.

use super::ctx::Found;
use super::wait::{cluster_settled, snapshot_available, Check};
use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::{CreateClusterParams, OWNERSHIP_TAG_KEY};

fn owned(cluster: &Cluster) -> bool {
    cluster.tags.iter().any(|t| t.key == OWNERSHIP_TAG_KEY)
}

/// Whether a listed cluster of the created name is the one this create makes. With
/// `untagged_ok` (a create of this step may have taken effect on a cloud that drops the
/// body's tags), an untagged one of the right node type is.
pub fn find_created(live: &Live, name: &str, p: &CreateClusterParams, untagged_ok: bool) -> Found {
    let wants_owner = p.tags.iter().any(|t| t.key == OWNERSHIP_TAG_KEY);
    match live.cluster(name) {
        None => Found::Absent,
        Some(c)
            if c.node_type == p.node_type
                && (owned(c) || !wants_owner || (untagged_ok && c.tags.is_empty())) =>
        {
            Found::Match(c.id.clone())
        }
        Some(c) => Found::Mismatch(format!(
            "a cluster named {name} exists (node type {}, {}) that this plan did not create",
            c.node_type,
            if owned(c) {
                "owned"
            } else {
                "not owned by dwsctl"
            }
        )),
    }
}

/// A restored cluster has no tags until this step sets them; one with foreign tags is not
/// ours.
pub fn find_restored(live: &Live, name: &str) -> Found {
    match live.cluster(name) {
        None => Found::Absent,
        Some(c) if c.tags.is_empty() || owned(c) => Found::Match(c.id.clone()),
        Some(_) => Found::Mismatch(format!(
            "a cluster named {name} exists that dwsctl did not restore"
        )),
    }
}

/// Whether a listed snapshot of this name belongs to the cluster the step snapshots.
pub fn find_snapshot(live: &Live, name: &str, cluster_id: &str) -> Found {
    match live.snapshot(name) {
        None => Found::Absent,
        Some(s) if s.cluster_id.as_deref().map_or(true, |id| id == cluster_id) => {
            Found::Match(s.id.clone())
        }
        Some(_) => Found::Mismatch(format!(
            "a snapshot named {name} exists for another cluster"
        )),
    }
}

pub fn cluster_by_id<'a>(live: &'a Live, id: &str) -> Option<&'a Cluster> {
    live.clusters.iter().find(|c| c.id == id)
}

/// The create/restore wait check, by id.
pub fn settled_by_id(live: &Live, id: &str) -> Check {
    cluster_settled(cluster_by_id(live, id))
}

/// The snapshot wait check, by ids.
pub fn snapshot_by_id(live: &Live, id: &str, cluster_id: &str) -> Check {
    snapshot_available(
        live.snapshots.iter().find(|s| s.id == id),
        cluster_by_id(live, cluster_id),
    )
}
