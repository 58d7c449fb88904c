//! The duration model: how many simulated seconds each asynchronous operation takes, from the
//! cluster's node count and data size. Every duration has a fixed part drawn uniformly from
//! the seed (`u` in `0..=1`) and a part that grows with the work.
//!
//! Sources: a create takes 10–15 minutes for 3 nodes (API doc, TF-OTC 702 s);
//! backups run at about 200 MB/s per data node and restores at about 125 MB/s per data node,
//! 1.5–2× the backup (OTC-UMN); a restart about 3 minutes; a scale-out "several minutes plus
//! redistribution" (OTC-UMN), the redistribution moving the data onto the new nodes. Where
//! the sources give no rate (node creation, redistribution) the choice is marked here and in
//! the README ("Durations").

/// Backup throughput per data node, MB/s (OTC-UMN snapshot overview).
pub const BACKUP_MB_S_PER_NODE: f64 = 200.0;
/// Restore throughput per data node, MB/s (OTC-UMN).
pub const RESTORE_MB_S_PER_NODE: f64 = 125.0;
/// Redistribution throughput per data node, MB/s: no documented figure; chosen below the
/// restore rate because redistribution rewrites tables online.
pub const REDISTRIBUTE_MB_S_PER_NODE: f64 = 100.0;

/// Seconds to move `data_gb` at `rate` MB/s per node over `nodes` nodes.
fn transfer(data_gb: f64, rate: f64, nodes: u32) -> f64 {
    data_gb.max(0.0) * 1024.0 / (rate * f64::from(nodes.max(1)))
}

/// A new cluster: 10–15 minutes for 3 nodes, 10 s more per further node.
pub fn create(u: f64, nodes: u32) -> f64 {
    600.0 + 300.0 * u + 10.0 * f64::from(nodes.saturating_sub(3))
}

/// A snapshot: 1.5–3.5 minutes of preparation plus the backup of the data.
pub fn snapshot(u: f64, data_gb: f64, nodes: u32) -> f64 {
    90.0 + 120.0 * u + transfer(data_gb, BACKUP_MB_S_PER_NODE, nodes)
}

/// A restore: the longest create of the same size, 0–1 minute, and reading the data back
/// (1.6× its backup's transfer), so never shorter than any create of that size.
pub fn restore(u: f64, data_gb: f64, nodes: u32) -> f64 {
    create(1.0, nodes) + 60.0 * u + transfer(data_gb, RESTORE_MB_S_PER_NODE, nodes)
}

/// The data a new cluster holds: 1–10 GB per node (a fresh warehouse with a first load).
pub fn new_cluster_data_gb(u: f64, nodes: u32) -> f64 {
    (1.0 + 9.0 * u) * f64::from(nodes)
}

/// A restart: 2.5–3.5 minutes ("about 3 minutes", OTC-UMN).
pub fn restart(u: f64) -> f64 {
    150.0 + 60.0 * u
}

/// A start: as a restart (the nodes boot and the instances come up), 2.5–3.5 minutes; no
/// documented figure (`cluster_management/starting_a_cluster.rst` gives none).
pub fn start(u: f64) -> f64 {
    restart(u)
}

/// A stop: 1–2 minutes (the instances shut down, the nodes stop); a choice, undocumented.
pub fn stop(u: f64) -> f64 {
    60.0 + 60.0 * u
}

/// Adding or deleting `changed` CNs: 3–4 minutes plus 1 minute per CN; a choice (the
/// node_change pages give no figure, only that services stop meanwhile).
pub fn coordinators(u: f64, changed: u32) -> f64 {
    180.0 + 60.0 * u + 60.0 * f64::from(changed)
}

/// A rename's job: 5–20 seconds. No documented figure (the page answers "Request
/// submitted" with a job id); a choice well inside the 120 s dwsctl gives a listing to show
/// a change answered as done.
pub fn rename(u: f64) -> f64 {
    5.0 + 15.0 * u
}

/// A delete: 1–2 minutes.
pub fn delete(u: f64) -> f64 {
    60.0 + 60.0 * u
}

/// The phases of a scaling, in seconds each, in the order they run: the checks, then for a
/// scale-out the node creation and the redistribution onto the new nodes, for a scale-in the
/// redistribution off the leaving nodes and their removal.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scaling {
    pub check: f64,
    pub nodes: f64,
    pub redistribute: f64,
    /// A scale-in: the redistribution comes before the node phase.
    #[serde(default)]
    pub shrink: bool,
}

impl Scaling {
    pub fn total(&self) -> f64 {
        self.check + self.nodes + self.redistribute
    }

    /// Whether `elapsed` seconds into the scaling fall in its redistribution phase.
    pub fn redistributing(&self, elapsed: f64) -> bool {
        let from = if self.shrink {
            self.check
        } else {
            self.check + self.nodes
        };
        (from..from + self.redistribute).contains(&elapsed)
    }

    /// Whether a scale-out's new nodes exist `elapsed` seconds into it (its node phase is
    /// over): the cluster then shows them while the data is redistributed.
    pub fn nodes_added(&self, elapsed: f64) -> bool {
        !self.shrink && elapsed >= self.check + self.nodes
    }
}

/// A scale-out of a cluster of `before` nodes by `added`: checks 30–60 s, node creation
/// 4–6 minutes plus 20 s per new node (a choice: no documented figure), then the
/// redistribution of the data over all nodes.
pub fn scale_out(u: f64, data_gb: f64, before: u32, added: u32) -> Scaling {
    Scaling {
        check: 30.0 + 30.0 * u,
        nodes: 240.0 + 120.0 * u + 20.0 * f64::from(added),
        redistribute: 60.0
            + transfer(
                data_gb,
                REDISTRIBUTE_MB_S_PER_NODE,
                before.saturating_add(added),
            ),
        shrink: false,
    }
}

/// A scale-in of a cluster of `before` nodes by `removed`: checks, the redistribution of the
/// data onto the remaining nodes, then their removal (as long as a node creation).
pub fn scale_in(u: f64, data_gb: f64, before: u32, removed: u32) -> Scaling {
    Scaling {
        check: 30.0 + 30.0 * u,
        nodes: 240.0 + 120.0 * u + 20.0 * f64::from(removed),
        redistribute: 60.0
            + transfer(
                data_gb,
                REDISTRIBUTE_MB_S_PER_NODE,
                before.saturating_sub(removed),
            ),
        shrink: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalings_redistribute_after_growing_and_before_shrinking() {
        let out = scale_out(0.5, 30.0, 3, 3);
        let (check, nodes) = (out.check, out.nodes);
        assert!(!out.redistributing(check + nodes - 1.0) && !out.nodes_added(check + nodes - 1.0));
        assert!(out.redistributing(check + nodes + 1.0) && out.nodes_added(check + nodes + 1.0));
        assert!(!out.redistributing(out.total()));
        let inward = scale_in(0.5, 30.0, 6, 3);
        assert!(!inward.redistributing(inward.check - 1.0));
        assert!(inward.redistributing(inward.check + 1.0));
        assert!(!inward.redistributing(inward.check + inward.redistribute + 1.0));
        assert!(!inward.nodes_added(inward.total()));
        assert!(
            scale_out(0.5, 300.0, 3, 3).total() > out.total(),
            "grows with data"
        );
    }

    #[test]
    fn durations_grow_with_nodes_and_data() {
        assert!(create(0.5, 10) > create(0.5, 3));
        assert!(snapshot(0.5, 500.0, 3) > snapshot(0.5, 50.0, 3));
        assert!(
            snapshot(0.5, 500.0, 6) < snapshot(0.5, 500.0, 3),
            "more nodes back up in parallel"
        );
        assert!(scale_out(0.5, 500.0, 3, 3).total() > scale_out(0.5, 50.0, 3, 3).total());
        assert!(scale_out(0.5, 50.0, 3, 9).nodes > scale_out(0.5, 50.0, 3, 3).nodes);
        assert!(scale_in(0.5, 500.0, 6, 3).redistribute > scale_in(0.5, 500.0, 6, 1).redistribute);
    }

    #[test]
    fn a_restore_takes_at_least_any_create_of_its_size_and_longer_than_its_backup() {
        for (data, nodes) in [(0.0, 3), (10.0, 3), (5000.0, 3), (800.0, 32)] {
            assert!(restore(0.0, data, nodes) >= create(1.0, nodes));
            let backup = transfer(data, BACKUP_MB_S_PER_NODE, nodes);
            let back = transfer(data, RESTORE_MB_S_PER_NODE, nodes);
            assert!((1.5 * backup..=2.0 * backup).contains(&back));
        }
    }

    #[test]
    fn the_quickstart_sizes_stay_in_the_documented_ranges() {
        // 3 × dws.m3.xlarge holding 100 GB: create 10–15 min, restart about 3 min.
        assert!((600.0..=900.0).contains(&create(0.0, 3)) && create(1.0, 3) <= 900.0);
        assert!((150.0..=210.0).contains(&restart(0.5)));
        assert!(snapshot(1.0, new_cluster_data_gb(1.0, 3), 3) <= 300.0);
    }
}
