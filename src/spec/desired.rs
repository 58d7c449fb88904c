//! The validated, resolved desired state: what the planner consumes.
//!
//! Everything here has passed validation; the planner trusts it. Fields that a cluster
//! restored from a snapshot inherits from the snapshot's source are `Option`: `None` means
//! "inherit, do not manage".

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::api::live::Reads;
use crate::secret::SecretRef;

/// The whole desired state, clusters in spec order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    pub clusters: IndexMap<String, DesiredCluster>,
}

impl Desired {
    /// The per-cluster reads beyond the two listings that planning this spec needs: only for
    /// clusters that should exist and declare a field the listings do not carry, so a spec
    /// without such fields is planned from the listings alone.
    pub fn reads(&self) -> Reads {
        let mut reads = Reads::default();
        for cluster in self.clusters.values() {
            if cluster.presence != Presence::Present {
                continue;
            }
            let name = || cluster.name.clone();
            // Until a rename is applied the live cluster has its old name (`renamed_from`);
            // only a listed name is read, so asking for both reads the one that is live.
            if cluster.number_of_cn.is_some() {
                reads.coordinators.insert(name());
                reads.coordinators.extend(cluster.renamed_from.clone());
            }
            if cluster.automated_snapshots.is_some() {
                reads.policies.insert(name());
                reads.policies.extend(cluster.renamed_from.clone());
            }
            if cluster.description.is_some() {
                // The live cluster may still carry its old name (`renamed_from`).
                reads.details.insert(name());
                reads.details.extend(cluster.renamed_from.clone());
            }
        }
        reads
    }
}

/// Whether an object should exist. Deleting takes an explicit `state: absent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    #[default]
    Present,
    Absent,
}

/// How a cluster comes into being when it does not exist yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `POST /clusters` with the cluster's own fields.
    Create,
    /// `POST /snapshots/{id}/actions` from the snapshot with this name (a snapshot of the
    /// spec, or an existing one).
    Restore { snapshot: String },
}

/// What to do with a live cluster of this name that dwsctl did not create (no ownership tag).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    /// Only manage it if it carries the ownership tag; otherwise the plan is blocked.
    #[default]
    Owned,
    /// Take it over: the plan tags it and manages it from then on.
    Adopt,
}

/// `public_ip` of a cluster: how it is reachable from outside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicIpSpec {
    /// `auto_assign`, `not_use` or `bind_existing`.
    pub public_bind_type: String,
    pub eip_id: Option<String>,
}

/// How a cluster marked `state: absent` is deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletePolicy {
    /// Take a manual snapshot, and wait until it is AVAILABLE, before deleting (default true).
    pub final_snapshot: bool,
    /// Sent as `keep_last_manual_snapshot` with the delete (default 0; with a final snapshot,
    /// at least 1 so that the final snapshot is kept).
    pub keep_last_manual_snapshot: u32,
}

impl Default for DeletePolicy {
    fn default() -> Self {
        Self {
            final_snapshot: true,
            keep_last_manual_snapshot: 1,
        }
    }
}

/// One cluster of the spec, fully resolved (defaults applied, overlays merged,
/// `${VAR}` interpolated).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesiredCluster {
    pub name: String,
    pub presence: Presence,
    pub origin: Origin,
    pub ownership: Ownership,
    /// Required for `Origin::Create`; a restored cluster inherits it when `None`.
    pub node_type: Option<String>,
    /// Required for `Origin::Create`; for a restore, a different value is reached by
    /// scaling after the restore.
    pub number_of_node: Option<u32>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub security_group_id: Option<String>,
    pub availability_zone: Option<String>,
    pub port: Option<u32>,
    /// Admin user; required for `Origin::Create`.
    pub user_name: Option<String>,
    /// Admin password reference; required for `Origin::Create`. Never read back.
    pub password: Option<SecretRef>,
    /// A label the operator bumps to rotate the password; kept in a tag on the cluster.
    pub password_version: Option<String>,
    pub public_ip: Option<PublicIpSpec>,
    pub number_of_cn: Option<u32>,
    pub enterprise_project_id: Option<String>,
    /// The user's tags. The planner adds its own ownership and password-version tags.
    pub tags: BTreeMap<String, String>,
    /// Manual snapshots of this cluster, in spec order.
    pub snapshots: IndexMap<String, DesiredSnapshot>,
    pub delete_policy: DeletePolicy,
    /// The automated-snapshot policy the spec declares; `None` leaves the cluster's alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_snapshots: Option<AutomatedSnapshots>,
    /// Whether the cluster should run; `None` leaves it as it is (and a stopped cluster is
    /// then blocked, as before the field existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<Power>,
    /// The name a live cluster has that this cluster renames (`renamed_from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The description to set (detail-only: read per cluster, [`Desired::reads`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `power` of a cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Power {
    Running,
    Stopped,
}

/// `automated_snapshots` of a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomatedSnapshots {
    pub enabled: Option<bool>,
    /// The API's `keep_day`.
    pub keep_days: Option<u32>,
    /// Policies by name, in spec order.
    pub policies: IndexMap<String, SnapshotPolicy>,
    /// The policies listed are the whole set: live ones not listed are deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
}

/// One automated-snapshot policy (the API's `backup_strategies[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPolicy {
    /// `backup_strategy`: the cron form, e.g. `0 0 2 ? * 1`.
    pub schedule: String,
    /// `backup_type`: `full` or `increment`.
    pub r#type: String,
}

/// A manual snapshot of a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredSnapshot {
    pub name: String,
    pub description: Option<String>,
    pub presence: Presence,
}
