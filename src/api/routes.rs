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
