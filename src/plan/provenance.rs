//! Recognising the spec's own restore in an untagged cluster.
//!
//! A restore call takes no tags, so dwsctl tags the new cluster with a second call. A run
//! killed between the two (SIGKILL, a second Ctrl-C, a crashed runner) leaves a cluster with
//! the spec's name and no ownership tag. Blocking it as someone else's would leave every later
//! plan stuck until a human edits the spec, so the planner adopts it when the live state
//! proves it is that restore, and only then: a cluster someone else made must never be taken
//! over.
//!
//! The API has no "restored from" field (vendor API reference: querying_the_cluster_list.rst lists
//! none), so the proof is built from what a restore leaves (vendor API reference: restoring_a_cluster.rst:
//! the new cluster has the source's flavor and admin user; network fields default to the
//! source's), all of which must hold:
//!
//! - the cluster carries no tag at all (a restore creates none; any other tag means someone
//!   else touched it), dwsctl's own run lease aside;
//! - the spec's snapshot is listed, and the cluster was created at or after that snapshot
//!   finished (the API restores only AVAILABLE snapshots);
//! - every network field the spec sets for the restore matches;
//! - the snapshot's source cluster is listed and the cluster has its node type, admin user and
//!   network (for the fields the spec leaves to the source) — or, when the source is gone,
//!   the cluster is still `RESTORING`, which no create shows.

use crate::api::wire::Cluster;
use crate::plan::index::Index;
use crate::plan::model::LEASE_TAG_KEY;
use crate::spec::{DesiredCluster, Origin};

/// Why `live` is the restore the spec asks for, or `None` if that is not proven.
pub(crate) fn spec_restore(
    desired: &DesiredCluster,
    live: &Cluster,
    index: &Index<'_>,
) -> Option<String> {
    let Origin::Restore { snapshot } = &desired.origin else {
        return None;
    };
    if live.tags.iter().any(|t| t.key != LEASE_TAG_KEY) {
        return None;
    }
    let snap = index.snapshot(snapshot)?;
    let created = timestamp(live.created.as_deref()?)?;
    let ready = timestamp(snap.finished.as_deref().or(snap.started.as_deref())?)?;
    if created < ready || !spec_network_matches(desired, live) {
        return None;
    }
    let source = snap
        .cluster_id
        .as_deref()
        .and_then(|id| index.cluster_by_id(id));
    let evidence = match source {
        Some(source) if like_source(desired, live, source) => {
            "untagged, created after the snapshot, with its source's node type, admin user and \
             network"
        }
        Some(_) => return None,
        None if restoring(live) => "untagged, created after the snapshot, and restoring",
        None => return None,
    };
    Some(format!(
        "{} is this spec's restore of snapshot {} that an interrupted apply left without its \
         tags ({evidence}): tag it as managed",
        desired.name, snap.name
    ))
}

/// The fields the spec sets for the restore have the live values.
fn spec_network_matches(desired: &DesiredCluster, live: &Cluster) -> bool {
    same(&desired.vpc_id, &live.vpc_id)
        && same(&desired.subnet_id, &live.subnet_id)
        && same(&desired.security_group_id, &live.security_group_id)
        && same(&desired.availability_zone, &live.availability_zone)
        && desired.port.map_or(true, |port| port == live.port)
}

fn same(want: &Option<String>, have: &Option<String>) -> bool {
    want.is_none() || want == have
}

/// What a restore copies from the source cluster: the flavor, the admin user, and the
/// network fields the request does not set.
fn like_source(desired: &DesiredCluster, live: &Cluster, source: &Cluster) -> bool {
    let inherited = |want: &Option<String>, have: &Option<String>, src: &Option<String>| {
        want.is_some() || have == src
    };
    live.node_type == source.node_type
        && live.user_name == source.user_name
        && inherited(&desired.vpc_id, &live.vpc_id, &source.vpc_id)
        && inherited(&desired.subnet_id, &live.subnet_id, &source.subnet_id)
        && inherited(
            &desired.security_group_id,
            &live.security_group_id,
            &source.security_group_id,
        )
        && inherited(
            &desired.availability_zone,
            &live.availability_zone,
            &source.availability_zone,
        )
}

fn restoring(live: &Cluster) -> bool {
    live.task_status.as_deref() == Some("RESTORING")
        || live.action_progress.contains_key("RESTORING")
}

/// `YYYY-MM-DDThh:mm:ss`, with or without a trailing `Z` or fraction (the reference and
/// real answers disagree: querying_cluster_details.rst documents a trailing `Z`, real OTC
/// answers come without it), as seconds since the epoch, read as UTC.
fn timestamp(value: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let head = value.get(..19)?;
    let parsed = time::PrimitiveDateTime::parse(head, &format).ok()?;
    Some(parsed.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps_in_every_documented_shape_parse_and_garbage_does_not() {
        let plain = timestamp("2018-01-15T12:50:06");
        assert_eq!(plain, Some(1_516_020_606));
        assert_eq!(timestamp("2018-01-15T12:50:06Z"), plain);
        assert_eq!(timestamp("2018-01-15T12:50:06.000000Z"), plain);
        for bad in [
            "",
            "2018-01-15",
            "yesterday at noon!!",
            "2018-13-45T99:99:99",
        ] {
            assert_eq!(timestamp(bad), None, "{bad}");
        }
    }
}
