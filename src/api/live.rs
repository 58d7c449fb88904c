//! The live state as the API lists it: the planner's other input.

use serde::{Deserialize, Serialize};

use super::wire::{Cluster, Snapshot};

/// Every cluster and every snapshot of the project, from one list call each.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub clusters: Vec<Cluster>,
    pub snapshots: Vec<Snapshot>,
}

impl Live {
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    pub fn snapshot(&self, name: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.name == name)
    }
}
