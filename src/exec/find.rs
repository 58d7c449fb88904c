//! Finding in a listing the object a step made (or an earlier run made for it), and the
//! wait checks by id.

use super::ctx::Found;
use super::ended::{cluster_settled, snapshot_available, Check};
use crate::api::tags::{is_ownership, owned};
use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::CreateClusterParams;

/// Whether a listed cluster of the created name is the one this create makes. With
/// `untagged_ok` (a create of this step may have taken effect on a cloud that drops the
/// body's tags), an untagged one of the right node type is.
pub fn find_created(live: &Live, name: &str, p: &CreateClusterParams, untagged_ok: bool) -> Found {
    let wants_owner = p.tags.iter().any(|t| is_ownership(&t.key, &t.value));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::Tag;
    use crate::exec::tests::create;
    use crate::plan::testkit::{live, live_cluster};
    use crate::plan::Action;

    /// A cluster of the name that another tool marks with the same key.
    fn foreign(name: &str) -> Live {
        let mut cluster = live_cluster(name, 3);
        cluster.tags = vec![Tag {
            key: "managed-by".into(),
            value: "terraform".into(),
        }];
        live(vec![cluster], vec![])
    }

    #[test]
    fn a_cluster_another_tool_manages_is_not_taken_for_ours() {
        let Action::CreateCluster(p) = create("dws-demo").action else {
            panic!("a create step");
        };
        let found = find_created(&foreign("dws-demo"), "dws-demo", &p, false);
        assert!(
            matches!(&found, Found::Mismatch(why) if why.contains("not owned by dwsctl")),
            "{found:?}"
        );
        assert!(matches!(
            find_restored(&foreign("dws-demo"), "dws-demo"),
            Found::Mismatch(_)
        ));
        // Ours (key and value) is found.
        let ours = live(vec![live_cluster("dws-demo", 3)], vec![]);
        assert_eq!(
            find_created(&ours, "dws-demo", &p, false),
            Found::Match("id-dws-demo".into())
        );
        assert_eq!(
            find_restored(&ours, "dws-demo"),
            Found::Match("id-dws-demo".into())
        );
    }
}
