//! What execution needs from the cloud, as a trait: two list calls and one method per
//! mutating API call.
//!
//! The scheduler is generic over [`Cloud`] so that its logic (ordering, polling, outcome
//! resolution) is tested against an in-memory fake in virtual time, and runs against the real
//! HTTP client in production. Errors are reduced to the distinctions the scheduler acts on:
//! did the call take effect, might it have, or is the name already taken.

use std::future::Future;

use crate::api::policy::{PutSnapshotPolicy, SnapshotPolicy};
use crate::api::wire::{Cluster, CreateCluster, CreateSnapshot, Restore, Snapshot, Tag};
use crate::secret::Secret;

/// A failed cloud call, classified by what the executor must do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// The call was refused or failed and did not take effect; the message is the cloud's.
    #[error("{0}")]
    Failed(String),
    /// A mutating call that may or may not have taken effect (timeout or connection reset
    /// after sending). Resolved by listing, never by re-sending blindly.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),
    /// The name is already taken (409 DWS.5050 or the snapshot equivalent).
    #[error("{0}")]
    NameTaken(String),
    /// The object does not exist (404 or one of the API's not-found codes).
    #[error("{0}")]
    NotFound(String),
    /// Another operation is running on the cluster (409 DWS.0011); retry after it ends.
    #[error("{0}")]
    Busy(String),
    /// The API gateway still answered 429 after the client's own retries. The gateway
    /// refuses before the service sees the request, so it took no effect: send it again
    /// later, within the step's time.
    #[error("{0}")]
    Throttled(String),
}

/// The calls the executor makes. Every mutating method is sent at most once per call of the
/// method: implementations must not retry a non-idempotent request whose outcome is unknown.
pub trait Cloud: Clone + Send + Sync + 'static {
    /// `GET /clusters`.
    fn list_clusters(&self) -> impl Future<Output = Result<Vec<Cluster>, CloudError>> + Send;
    /// `GET /snapshots`.
    fn list_snapshots(&self) -> impl Future<Output = Result<Vec<Snapshot>, CloudError>> + Send;
    /// `POST /clusters`; returns the new cluster's id.
    fn create_cluster(
        &self,
        body: &CreateCluster,
    ) -> impl Future<Output = Result<String, CloudError>> + Send;
    /// `POST /snapshots/{snapshot_id}/actions`; returns the new cluster's id.
    fn restore_cluster(
        &self,
        snapshot_id: &str,
        body: &Restore,
    ) -> impl Future<Output = Result<String, CloudError>> + Send;
    /// `DELETE /clusters/{id}`.
    fn delete_cluster(
        &self,
        id: &str,
        keep_last_manual_snapshot: u32,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /clusters/{id}/resize` adding `count` nodes.
    fn resize(&self, id: &str, count: u32) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /clusters/{id}/cluster-shrink` removing `count` nodes.
    fn shrink(&self, id: &str, count: u32) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /clusters/{id}/reset-password`.
    fn reset_password(
        &self,
        id: &str,
        password: &Secret,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /clusters/{id}/tags/batch-create`.
    fn create_tags(
        &self,
        id: &str,
        tags: &[Tag],
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /clusters/{id}/tags/batch-delete`.
    fn delete_tags(
        &self,
        id: &str,
        tags: &[Tag],
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /snapshots`; returns the new snapshot's id.
    fn create_snapshot(
        &self,
        body: &CreateSnapshot,
    ) -> impl Future<Output = Result<String, CloudError>> + Send;
    /// `DELETE /snapshots/{id}`.
    fn delete_snapshot(&self, id: &str) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `PUT /v1/{project_id}/clusters/{id}/security-group` (replaces the groups).
    fn set_security_group(
        &self,
        id: &str,
        security_group_id: &str,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `DELETE /v2/{project_id}/clusters/{id}/eips/{eip_id}`.
    fn unbind_eip(
        &self,
        id: &str,
        eip_id: &str,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /v2/{project_id}/clusters/{id}/eips/{eip_id}`.
    fn bind_eip(
        &self,
        id: &str,
        eip_id: &str,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /v1/{project_id}/clusters/{id}/start` (its job id is not needed: the listing
    /// shows the cluster STARTING, then AVAILABLE).
    fn start_cluster(&self, id: &str) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /v1/{project_id}/clusters/{id}/stop`.
    fn stop_cluster(&self, id: &str) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `GET /v1.0/{project_id}/clusters/{id}/cns`: the ids of its CNs, in listing order.
    fn list_coordinators(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Vec<String>, CloudError>> + Send;
    /// `POST …/cns/batch-create` with `num: total` (the count after the addition).
    fn add_coordinators(
        &self,
        id: &str,
        total: u32,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST …/cns/batch-delete` of these CNs.
    fn delete_coordinators(
        &self,
        id: &str,
        cns: &[String],
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `GET /v2/…/clusters/{id}/snapshot-policies`.
    fn get_snapshot_policy(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<SnapshotPolicy, CloudError>> + Send;
    /// `PUT /v2/…/clusters/{id}/snapshot-policies`.
    fn put_snapshot_policy(
        &self,
        id: &str,
        body: &PutSnapshotPolicy,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `DELETE /v1.0/…/clusters/{id}/snapshot-policies/{policy_id}`.
    fn delete_snapshot_policy(
        &self,
        id: &str,
        policy_id: &str,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `POST /v1/{project_id}/clusters/{id}/description`.
    fn set_description(
        &self,
        id: &str,
        text: &str,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
    /// `GET /v1.0/{project_id}/clusters/{id}`: the detail's `cluster_description_info` (`""`
    /// for none); only the detail shows a description.
    fn cluster_description(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<String, CloudError>> + Send;
    /// `PUT /v1/{project_id}/clusters/{id}/cluster-name`.
    fn rename_cluster(
        &self,
        id: &str,
        name: &str,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;
}
