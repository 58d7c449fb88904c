//! The DWS calls dwsctl makes, by route template (as errors name them), with whether
//! repeating each is harmless.

use super::error::{Call, Method, Repeat};

pub const LIST_CLUSTERS: Call = Call::new(Method::Get, "/v1.0/{project_id}/clusters", Repeat::Safe);
pub const GET_CLUSTER: Call = Call::new(
    Method::Get,
    "/v1.0/{project_id}/clusters/{cluster_id}",
    Repeat::Safe,
);
pub const CREATE_CLUSTER: Call =
    Call::new(Method::Post, "/v1.0/{project_id}/clusters", Repeat::Unsafe);
/// Repeating a delete by id is harmless: the id is never reused, so a second delete can
/// only find the same cluster (or nothing, 404, which then means "already gone").
pub const DELETE_CLUSTER: Call = Call::new(
    Method::Delete,
    "/v1.0/{project_id}/clusters/{cluster_id}",
    Repeat::Safe,
);
pub const RESTORE: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/snapshots/{snapshot_id}/actions",
    Repeat::Unsafe,
);
pub const RESIZE: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/clusters/{cluster_id}/resize",
    Repeat::Unsafe,
);
pub const SHRINK: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/clusters/{cluster_id}/cluster-shrink",
    Repeat::Unsafe,
);
pub const RESET_PASSWORD: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/clusters/{cluster_id}/reset-password",
    Repeat::Unsafe,
);
pub const RESTART: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/clusters/{cluster_id}/restart",
    Repeat::Unsafe,
);
pub const CREATE_TAGS: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/clusters/{cluster_id}/tags/batch-create",
    Repeat::Unsafe,
);
pub const DELETE_TAGS: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/clusters/{cluster_id}/tags/batch-delete",
    Repeat::Unsafe,
);
pub const LIST_SNAPSHOTS: Call =
    Call::new(Method::Get, "/v1.0/{project_id}/snapshots", Repeat::Safe);
pub const GET_SNAPSHOT: Call = Call::new(
    Method::Get,
    "/v1.0/{project_id}/snapshots/{snapshot_id}",
    Repeat::Safe,
);
pub const CREATE_SNAPSHOT: Call =
    Call::new(Method::Post, "/v1.0/{project_id}/snapshots", Repeat::Unsafe);
/// Safe to repeat for the same reason as a cluster delete.
pub const DELETE_SNAPSHOT: Call = Call::new(
    Method::Delete,
    "/v1.0/{project_id}/snapshots/{snapshot_id}",
    Repeat::Safe,
);
pub const NODE_TYPES: Call = Call::new(Method::Get, "/v1.0/{project_id}/node_types", Repeat::Safe);
pub const QUOTAS: Call = Call::new(Method::Get, "/v1.0/{project_id}/quotas", Repeat::Safe);
/// The v2 node types, with each type's status per availability zone and its datastore
/// versions (`cluster_management/querying_flavor_information.rst`); the checks before apply
/// read it.
pub const NODE_TYPES_V2: Call = Call::new(Method::Get, "/v2/{project_id}/node-types", Repeat::Safe);

// The in-place operations and checks of issue 12 ([`super::ops`]). The synchronous changes
// and the job-starting calls are not repeated blindly (a repeated rename or CN change could
// act twice or fail on its own result); the checks have no side effects.
pub const SET_SECURITY_GROUP: Call = Call::new(
    Method::Put,
    "/v1/{project_id}/clusters/{cluster_id}/security-group",
    Repeat::Unsafe,
);
pub const BIND_EIP: Call = Call::new(
    Method::Post,
    "/v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}",
    Repeat::Unsafe,
);
pub const UNBIND_EIP: Call = Call::new(
    Method::Delete,
    "/v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}",
    Repeat::Unsafe,
);
pub const SET_DESCRIPTION: Call = Call::new(
    Method::Post,
    "/v1/{project_id}/clusters/{cluster_id}/description",
    Repeat::Unsafe,
);
pub const RENAME: Call = Call::new(
    Method::Put,
    "/v1/{project_id}/clusters/{cluster_id}/cluster-name",
    Repeat::Unsafe,
);
pub const START: Call = Call::new(
    Method::Post,
    "/v1/{project_id}/clusters/{cluster_id}/start",
    Repeat::Unsafe,
);
pub const STOP: Call = Call::new(
    Method::Post,
    "/v1/{project_id}/clusters/{cluster_id}/stop",
    Repeat::Unsafe,
);
pub const LIST_CNS: Call = Call::new(
    Method::Get,
    "/v1.0/{project_id}/clusters/{cluster_id}/cns",
    Repeat::Safe,
);
pub const ADD_CNS: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/clusters/{cluster_id}/cns/batch-create",
    Repeat::Unsafe,
);
pub const DELETE_CNS: Call = Call::new(
    Method::Post,
    "/v1.0/{project_id}/clusters/{cluster_id}/cns/batch-delete",
    Repeat::Unsafe,
);
/// A check changes nothing, but is a POST: marked safe to repeat, and allowed to a
/// read-only client ([`Call::is_mutating`]).
pub const PRECHECK: Call = Call::new(
    Method::Post,
    "/v2/{project_id}/cluster-precheck",
    Repeat::Safe,
);
pub const GROW_CHECK: Call = Call::new(
    Method::Post,
    "/v2/{project_id}/clusters/{cluster_id}/grow-check",
    Repeat::Safe,
);
pub const SHRINK_CHECK: Call = Call::new(
    Method::Get,
    "/v1/{project_id}/clusters/{cluster_id}/shrink-check",
    Repeat::Safe,
);
/// Snapshot policy (snapshot_management/querying_a_snapshot_policy.rst).
pub const GET_SNAPSHOT_POLICY: Call = Call::new(
    Method::Get,
    "/v2/{project_id}/clusters/{cluster_id}/snapshot-policies",
    Repeat::Safe,
);
/// Not repeated blindly: a re-sent addition would meet its own name (adding_a_snapshot_policy.rst).
pub const PUT_SNAPSHOT_POLICY: Call = Call::new(
    Method::Put,
    "/v2/{project_id}/clusters/{cluster_id}/snapshot-policies",
    Repeat::Unsafe,
);
/// Safe to repeat: a strategy id is not reused (deleting_a_snapshot_policy.rst).
pub const DELETE_SNAPSHOT_POLICY: Call = Call::new(
    Method::Delete,
    "/v1.0/{project_id}/clusters/{cluster_id}/snapshot-policies/{id}",
    Repeat::Safe,
);
