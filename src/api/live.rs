//! The live state as the API lists it: the planner's other input.
//!
//! Two list calls give every cluster and snapshot. A few facts are not in the listings (a
//! cluster's description and maintenance window are detail-only; its coordinator nodes and
//! its automated-snapshot policy have their own routes); they are read per cluster, and only
//! for the clusters whose spec needs them ([`Reads`]), so a spec that asks for none of them
//! is planned from exactly two calls whatever the estate's size.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::ops::CoordinatorList;
use super::policy::SnapshotPolicy;
use super::wire::{Cluster, Snapshot};

/// Every cluster and every snapshot of the project, from one list call each, and the
/// per-cluster facts that were asked for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub clusters: Vec<Cluster>,
    pub snapshots: Vec<Snapshot>,
    #[serde(default, skip_serializing_if = "Extras::is_empty")]
    pub extras: Extras,
}

impl Live {
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    pub fn snapshot(&self, name: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.name == name)
    }
}

/// Which clusters (by name) need which per-cluster read: one call per cluster and kind.
/// A name that is not listed, or listed more than once, is not read (the planner creates the
/// one and blocks the other).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    /// `GET /v1.0/{project_id}/clusters/{cluster_id}`: detail-only fields (the description,
    /// the maintenance window; vendor API reference querying_cluster_details.rst).
    pub details: BTreeSet<String>,
    /// `GET /v1.0/{project_id}/clusters/{cluster_id}/cns` (node_change/querying_cn_nodes_of_a_cluster.rst).
    pub coordinators: BTreeSet<String>,
    /// `GET /v2/{project_id}/clusters/{cluster_id}/snapshot-policies`
    /// (snapshot_management/querying_a_snapshot_policy.rst).
    pub policies: BTreeSet<String>,
}

impl Reads {
    pub fn is_empty(&self) -> bool {
        self.details.is_empty() && self.coordinators.is_empty() && self.policies.is_empty()
    }

    /// Both sets of reads.
    pub fn union(mut self, other: Reads) -> Reads {
        self.details.extend(other.details);
        self.coordinators.extend(other.coordinators);
        self.policies.extend(other.policies);
        self
    }
}

/// What the per-cluster reads returned, by cluster name. A cluster missing from a map was
/// not asked for (or is not listed): "unknown", never "none".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Extras {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, Cluster>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub coordinators: BTreeMap<String, CoordinatorList>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policies: BTreeMap<String, SnapshotPolicy>,
}

impl Extras {
    pub fn is_empty(&self) -> bool {
        self.details.is_empty() && self.coordinators.is_empty() && self.policies.is_empty()
    }
}
