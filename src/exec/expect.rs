//! How long each kind of cloud operation is expected to take, by kind and size: the client's
//! own model, a small pure table. The poll schedule ([`super::schedule`]) spaces its listings
//! by it; it is not a time limit (those are `Options::timeouts`).
//!
//! The figures are the vendor's and the field's, as the README's "Durations" list under
//! "The simulator" sums them up (the simulator follows the same sources, in
//! `src/sim/durations.rs`, which the client does not read: a real cloud has no such file):
//! a create takes 10–15 minutes for 3 nodes (the API reference's "10–15 min"; Terraform
//! acceptance runs of 702 s and 890 s); a backup moves about 200 MB/s per data node and a
//! restore about 125 MB/s per data node, 1.5–2× the backup (OTC user manual); a restart about
//! 3 minutes; a scale-out "several minutes plus redistribution" (OTC user manual); deletes are
//! undocumented and take a minute or two in practice. Where a source gives no figure the span
//! is kept wide: the schedule narrows it with the progress the API reports.

use std::time::Duration;

use crate::api::Live;
use crate::plan::{Action, Step};

/// An operation the executor waits for, with the sizes its duration depends on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operation {
    /// A new cluster of `nodes` nodes.
    Create {
        nodes: u32,
    },
    /// A cluster restored from a snapshot of `data_gb` (the snapshot's `size`, if listed).
    Restore {
        nodes: u32,
        data_gb: Option<f64>,
    },
    /// A manual snapshot of a cluster holding `data_gb`, if known.
    Snapshot {
        nodes: u32,
        data_gb: Option<f64>,
    },
    /// Scale out from `before` nodes by `added`.
    ScaleOut {
        before: u32,
        added: u32,
    },
    /// Scale in from `before` nodes by `removed`.
    ScaleIn {
        before: u32,
        removed: u32,
    },
    Restart,
    /// Synchronous: the API answers when it is done.
    ResetPassword,
    DeleteCluster,
    DeleteSnapshot,
    /// A start (`true`) or stop of a cluster.
    Power {
        start: bool,
    },
    /// Adding or deleting `changed` CNs.
    Coordinators {
        changed: u32,
    },
    /// A rename's job (`cluster-name` answers a `job_id`; the name changes when it ends).
    Rename,
}

/// When an operation is expected to end, in cloud time since it started: not before
/// `shortest`, most likely by `longest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub shortest: Duration,
    pub longest: Duration,
}

/// Backup rate per data node, MB/s (OTC user manual, snapshot overview).
const BACKUP_MB_S_PER_NODE: f64 = 200.0;
/// Restore rate per data node, MB/s (OTC user manual).
const RESTORE_MB_S_PER_NODE: f64 = 125.0;
/// Redistribution has no documented rate; taken below the restore rate (tables are rewritten
/// online), and only as a bound on the long side.
const REDISTRIBUTE_MB_S_PER_NODE: f64 = 100.0;
/// A data size assumed when none is known, for the long side only: 10 GB per node, the most a
/// fresh warehouse with a first load holds (README, "Durations").
const ASSUMED_GB_PER_NODE: f64 = 10.0;

/// Seconds to move `data_gb` at `rate` MB/s per node over `nodes` nodes.
fn transfer(data_gb: f64, rate: f64, nodes: u32) -> f64 {
    let data_gb = if data_gb.is_finite() {
        data_gb.max(0.0)
    } else {
        0.0
    };
    data_gb * 1024.0 / (rate * f64::from(nodes.max(1)))
}

/// Seconds per node beyond the three of the documented create.
fn extra_nodes(nodes: u32) -> f64 {
    10.0 * f64::from(nodes.saturating_sub(3))
}

/// The expected span of `operation`.
pub fn span(operation: Operation) -> Span {
    let (shortest, longest) = match operation {
        Operation::Create { nodes } => (600.0 + extra_nodes(nodes), 900.0 + extra_nodes(nodes)),
        // As long as a create of its size, plus reading the data back.
        Operation::Restore { nodes, data_gb } => {
            let data = transfer(data_gb.unwrap_or(0.0), RESTORE_MB_S_PER_NODE, nodes.max(1));
            let assumed = data_gb.unwrap_or(ASSUMED_GB_PER_NODE * f64::from(nodes.max(1)));
            let data_long = transfer(assumed, RESTORE_MB_S_PER_NODE, nodes);
            (
                600.0 + extra_nodes(nodes) + data,
                960.0 + extra_nodes(nodes) + data_long,
            )
        }
        // 1.5–3.5 minutes of preparation, plus the backup of the data.
        Operation::Snapshot { nodes, data_gb } => {
            let data = transfer(data_gb.unwrap_or(0.0), BACKUP_MB_S_PER_NODE, nodes);
            let assumed = data_gb.unwrap_or(ASSUMED_GB_PER_NODE * f64::from(nodes.max(1)));
            (
                90.0 + data,
                210.0 + transfer(assumed, BACKUP_MB_S_PER_NODE, nodes),
            )
        }
        // Checks, node creation or removal (4–6 minutes plus 20 s a node), redistribution.
        Operation::ScaleOut { before, added } => scaling(added, before.saturating_add(added)),
        Operation::ScaleIn { before, removed } => scaling(removed, before.saturating_sub(removed)),
        // "About 3 minutes" (OTC user manual).
        Operation::Restart => (150.0, 210.0),
        Operation::ResetPassword => (0.0, 0.0),
        Operation::DeleteCluster | Operation::DeleteSnapshot => (60.0, 120.0),
        // No figure is documented (`starting_a_cluster.rst`, `stopping_a_cluster.rst`): a
        // start as a restart (the nodes boot); a stop shuts them down, taken as a delete.
        Operation::Power { start: true } => (150.0, 210.0),
        Operation::Power { start: false } => (60.0, 120.0),
        // No figure is documented (the node_change pages say only that services stop):
        // 3–4 minutes and a minute per CN, the simulator's choice.
        Operation::Coordinators { changed } => {
            let per_cn = 60.0 * f64::from(changed);
            (180.0 + per_cn, 240.0 + per_cn)
        }
        // No figure is documented (`changing_a_cluster_name.rst` answers "Request submitted"
        // with a job id): 5–20 s, the simulator's choice.
        Operation::Rename => (5.0, 20.0),
    };
    Span {
        shortest: seconds(shortest),
        longest: seconds(longest.max(shortest)),
    }
}

/// Seconds as a duration, the longest one for a value too large (a snapshot's `size` comes
/// from the network: `Duration::from_secs_f64` would panic on an absurd one).
fn seconds(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

/// A scaling by `changed` nodes that leaves `after` nodes.
fn scaling(changed: u32, after: u32) -> (f64, f64) {
    let per_node = 20.0 * f64::from(changed);
    let redistribute = transfer(
        ASSUMED_GB_PER_NODE * f64::from(after.max(1)),
        REDISTRIBUTE_MB_S_PER_NODE,
        after,
    );
    (
        30.0 + 240.0 + per_node + 60.0,
        60.0 + 360.0 + per_node + 60.0 + redistribute,
    )
}

/// The operation a plan step starts in the cloud, with the sizes the latest listing shows;
/// `None` for a step that starts none (tags, a blocked step) or whose operation started
/// before this run (a wait step: its start, and so its remaining time, is unknown).
pub fn operation(step: &Step, live: &Live) -> Option<Operation> {
    let nodes_of = |name: &str| live.cluster(name).map_or(3, |c| c.number_of_node);
    Some(match &step.action {
        Action::CreateCluster(p) => Operation::Create {
            nodes: p.number_of_node,
        },
        Action::RestoreCluster(p) => {
            let snapshot = live.snapshot(&p.snapshot);
            // A restored cluster has its source's node count (README, "Behaviour worth
            // knowing").
            let nodes = snapshot
                .and_then(|s| s.cluster_id.as_deref())
                .and_then(|id| live.clusters.iter().find(|c| c.id == id))
                .map_or(3, |c| c.number_of_node);
            Operation::Restore {
                nodes,
                data_gb: snapshot.and_then(|s| s.size),
            }
        }
        Action::CreateSnapshot { .. } => Operation::Snapshot {
            nodes: nodes_of(step.target.cluster()),
            data_gb: None,
        },
        Action::ScaleOut { count, from } => Operation::ScaleOut {
            before: *from,
            added: *count,
        },
        Action::ScaleIn { count, from } => Operation::ScaleIn {
            before: *from,
            removed: *count,
        },
        Action::ResetPassword { .. } => Operation::ResetPassword,
        Action::DeleteSnapshot => Operation::DeleteSnapshot,
        Action::DeleteCluster { .. } => Operation::DeleteCluster,
        Action::StartCluster => Operation::Power { start: true },
        Action::StopCluster => Operation::Power { start: false },
        Action::AddCoordinators { total, from } => Operation::Coordinators {
            changed: total.abs_diff(*from),
        },
        Action::DeleteCoordinators { ids, .. } => Operation::Coordinators {
            changed: u32::try_from(ids.len()).unwrap_or(u32::MAX),
        },
        // Synchronous calls: no operation to forecast.
        Action::UpdateTags { .. }
        | Action::Wait { .. }
        | Action::Blocked(_)
        | Action::SetSecurityGroup { .. }
        | Action::UnbindEip { .. }
        | Action::BindEip { .. }
        | Action::SetSnapshotPolicy { .. } => return None,
        Action::RenameCluster { .. } => Operation::Rename,
        Action::SetDescription { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(span: Span) -> (u64, u64) {
        (span.shortest.as_secs(), span.longest.as_secs())
    }

    #[test]
    fn a_three_node_create_takes_ten_to_fifteen_minutes() {
        assert_eq!(secs(span(Operation::Create { nodes: 3 })), (600, 900));
        let big = span(Operation::Create { nodes: 10 });
        assert!(big.shortest > Duration::from_secs(600) && big.longest > big.shortest);
    }

    #[test]
    fn a_restore_is_never_expected_shorter_than_a_create_and_grows_with_its_data() {
        let create = span(Operation::Create { nodes: 3 });
        let small = span(Operation::Restore {
            nodes: 3,
            data_gb: Some(10.0),
        });
        let large = span(Operation::Restore {
            nodes: 3,
            data_gb: Some(5000.0),
        });
        assert!(small.shortest >= create.shortest && small.longest > create.longest);
        assert!(large.shortest > small.shortest && large.longest > small.longest);
        // 5000 GB at 125 MB/s per node over 3 nodes: about 3.8 h more than an empty one.
        assert!(large.shortest - small.shortest > Duration::from_secs(13_000));
    }

    #[test]
    fn snapshots_and_scalings_grow_with_size_and_spans_are_never_inverted() {
        let small = span(Operation::Snapshot {
            nodes: 3,
            data_gb: Some(10.0),
        });
        let large = span(Operation::Snapshot {
            nodes: 3,
            data_gb: Some(1000.0),
        });
        assert!(large.shortest > small.shortest);
        let out = |added| span(Operation::ScaleOut { before: 3, added });
        assert!(out(9).longest > out(1).longest);
        for op in [
            Operation::Create { nodes: 0 },
            Operation::Snapshot {
                nodes: 0,
                data_gb: Some(f64::NAN),
            },
            Operation::Restore {
                nodes: u32::MAX,
                data_gb: Some(-1.0),
            },
            Operation::Restore {
                nodes: 1,
                data_gb: Some(1e300),
            },
            Operation::ScaleIn {
                before: 1,
                removed: 5,
            },
            Operation::Restart,
            Operation::ResetPassword,
            Operation::DeleteCluster,
            Operation::DeleteSnapshot,
            Operation::Power { start: true },
            Operation::Power { start: false },
            Operation::Coordinators { changed: 0 },
            Operation::Rename,
        ] {
            let s = span(op);
            assert!(s.shortest <= s.longest, "{op:?}: {s:?}");
        }
    }
}
