//! The tags dwsctl sets on clusters itself, and what they mean. They live in the lowest layer
//! because every other one needs them: the spec refuses them in a user's tags, the planner
//! writes and reads them, the executor checks them before and after its calls.

use super::wire::Cluster;

/// The tag that marks a cluster as managed by dwsctl.
pub const OWNERSHIP_TAG_KEY: &str = "managed-by";
pub const OWNERSHIP_TAG_VALUE: &str = "dwsctl";
/// The tag that records the `password_version` the current password was set for.
pub const PASSWORD_VERSION_TAG_KEY: &str = "dwsctl-password-version";
/// The expiring lease a run holds on a cluster while it changes it (`exec::lease`).
pub const LEASE_TAG_KEY: &str = "dwsctl-lease";
/// The record of what dwsctl last applied to the cluster, field by field (`plan::record`):
/// what lets a plan tell a spec change from drift.
pub const APPLIED_TAG_KEY: &str = "dwsctl-applied";
/// Every tag key dwsctl sets itself: never in a spec, never removed by a plan.
pub const RESERVED_TAG_KEYS: [&str; 4] = [
    OWNERSHIP_TAG_KEY,
    PASSWORD_VERSION_TAG_KEY,
    LEASE_TAG_KEY,
    APPLIED_TAG_KEY,
];
/// Tag keys starting with this belong to dwsctl (present and future bookkeeping).
pub const RESERVED_TAG_PREFIX: &str = "dwsctl-";

/// Whether a tag is dwsctl's ownership mark: key and value. The key alone is not enough:
/// `managed-by` is a common convention (`managed-by: terraform`), and a cluster another tool
/// manages must be neither changed nor taken for one this run made.
pub fn is_ownership(key: &str, value: &str) -> bool {
    key == OWNERSHIP_TAG_KEY && value == OWNERSHIP_TAG_VALUE
}

/// Whether a live cluster is dwsctl's: it carries the ownership mark ([`is_ownership`]).
pub fn owned(cluster: &Cluster) -> bool {
    cluster.tags.iter().any(|t| is_ownership(&t.key, &t.value))
}
