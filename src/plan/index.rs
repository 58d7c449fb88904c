//! Lookups into the live state by name and id, built once per plan so that planning stays
//! linear in the number of clusters and snapshots (a project may list thousands of each).

use std::collections::HashMap;

use std::collections::BTreeMap;

use crate::api::ops::CoordinatorList;
use crate::api::wire::{Cluster, Snapshot};
use crate::api::Live;

pub(crate) struct Index<'a> {
    clusters_by_name: HashMap<&'a str, Vec<&'a Cluster>>,
    clusters_by_id: HashMap<&'a str, &'a Cluster>,
    snapshots_by_name: HashMap<&'a str, Vec<&'a Snapshot>>,
    snapshots_by_cluster: HashMap<&'a str, Vec<&'a Snapshot>>,
    /// The CN lists read for the plan, by cluster name (`Live.extras`).
    coordinators: &'a BTreeMap<String, CoordinatorList>,
    /// The cluster details read for the spec ([`crate::api::live::Extras`]), by name.
    details: &'a BTreeMap<String, Cluster>,
}

impl<'a> Index<'a> {
    pub fn new(live: &'a Live) -> Self {
        let mut index = Self {
            clusters_by_name: HashMap::with_capacity(live.clusters.len()),
            clusters_by_id: HashMap::with_capacity(live.clusters.len()),
            snapshots_by_name: HashMap::with_capacity(live.snapshots.len()),
            snapshots_by_cluster: HashMap::new(),
            coordinators: &live.extras.coordinators,
            details: &live.extras.details,
        };
        for c in &live.clusters {
            index.clusters_by_name.entry(&c.name).or_default().push(c);
            index.clusters_by_id.entry(&c.id).or_insert(c);
        }
        for s in &live.snapshots {
            index.snapshots_by_name.entry(&s.name).or_default().push(s);
            if let Some(owner) = s.cluster_id.as_deref() {
                index.snapshots_by_cluster.entry(owner).or_default().push(s);
            }
        }
        index
    }

    /// The detail of the cluster of this name, when the spec asked for it.
    pub fn detail(&self, name: &str) -> Option<&'a Cluster> {
        self.details.get(name)
    }

    /// Every live cluster of this name, in listing order.
    pub fn clusters_named(&self, name: &str) -> &[&'a Cluster] {
        self.clusters_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The first live cluster of this name.
    pub fn cluster(&self, name: &str) -> Option<&'a Cluster> {
        self.clusters_named(name).first().copied()
    }

    pub fn cluster_by_id(&self, id: &str) -> Option<&'a Cluster> {
        self.clusters_by_id.get(id).copied()
    }

    /// Every live snapshot of this name, in listing order.
    pub fn snapshots_named(&self, name: &str) -> &[&'a Snapshot] {
        self.snapshots_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The first live snapshot of this name.
    pub fn snapshot(&self, name: &str) -> Option<&'a Snapshot> {
        self.snapshots_named(name).first().copied()
    }

    /// The CN list read for the cluster of this name, if the plan read one.
    pub fn coordinators(&self, name: &str) -> Option<&'a CoordinatorList> {
        self.coordinators.get(name)
    }

    /// The live snapshots taken from the cluster with this id.
    pub fn snapshots_of(&self, cluster_id: &str) -> &[&'a Snapshot] {
        self.snapshots_by_cluster
            .get(cluster_id)
            .map_or(&[], Vec::as_slice)
    }
}
