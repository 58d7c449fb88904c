//! The real cloud: [`Cloud`] for the HTTP [`Client`], with its errors classified by what
//! the executor does about them.

use super::cloud::{Cloud, CloudError};
use crate::api::client::Client;
use crate::api::error::{is_busy_code, ApiError};
use crate::api::wire::{Cluster, CreateCluster, CreateSnapshot, Restore, Snapshot, Tag};
use crate::secret::Secret;

/// The error code of "cluster name already exists" (reference §3.3).
/// and of "snapshot name already exists" as the simulator answers it (DWS.5039, duplicate
/// parameter); the real code for snapshots is unconfirmed (reference §12).
const NAME_TAKEN_CODES: &[&str] = &["DWS.5050", "DWS.5039"];

/// Sorts an API error into the executor's classes. Messages come from the client, which
/// redacts bodies and never includes secrets.
pub fn classify(err: ApiError) -> CloudError {
    let message = err.to_string();
    if err.is_outcome_unknown() {
        return CloudError::OutcomeUnknown(message);
    }
    if is_busy_code(err.code()) {
        return CloudError::Busy(message);
    }
    if err.code().is_some_and(|c| NAME_TAKEN_CODES.contains(&c)) || err.status() == Some(409) {
        return CloudError::NameTaken(message);
    }
    if err.is_not_found() {
        return CloudError::NotFound(message);
    }
    match err {
        // Only repeatable calls (deletes) end in a transport error: the request may have
        // reached the server, and sending it again is safe.
        ApiError::Transport { .. } => CloudError::OutcomeUnknown(message),
        _ => CloudError::Failed(message),
    }
}

impl Cloud for Client {
    async fn list_clusters(&self) -> Result<Vec<Cluster>, CloudError> {
        Client::list_clusters(self).await.map_err(classify)
    }

    async fn list_snapshots(&self) -> Result<Vec<Snapshot>, CloudError> {
        Client::list_snapshots(self).await.map_err(classify)
    }

    async fn create_cluster(&self, body: &CreateCluster) -> Result<String, CloudError> {
        Client::create_cluster(self, body).await.map_err(classify)
    }

    async fn restore_cluster(
        &self,
        snapshot_id: &str,
        body: &Restore,
    ) -> Result<String, CloudError> {
        Client::restore_cluster(self, snapshot_id, body)
            .await
            .map_err(classify)
    }

    async fn delete_cluster(&self, id: &str, keep: u32) -> Result<(), CloudError> {
        Client::delete_cluster(self, id, keep)
            .await
            .map_err(classify)
    }

    async fn resize(&self, id: &str, count: u32) -> Result<(), CloudError> {
        Client::resize(self, id, count).await.map_err(classify)
    }

    async fn shrink(&self, id: &str, count: u32) -> Result<(), CloudError> {
        Client::shrink(self, id, count).await.map_err(classify)
    }

    async fn reset_password(&self, id: &str, password: &Secret) -> Result<(), CloudError> {
        Client::reset_password(self, id, password)
            .await
            .map_err(classify)
    }

    async fn create_tags(&self, id: &str, tags: &[Tag]) -> Result<(), CloudError> {
        Client::create_tags(self, id, tags).await.map_err(classify)
    }

    async fn delete_tags(&self, id: &str, tags: &[Tag]) -> Result<(), CloudError> {
        Client::delete_tags(self, id, tags).await.map_err(classify)
    }

    async fn create_snapshot(&self, body: &CreateSnapshot) -> Result<String, CloudError> {
        Client::create_snapshot(self, body).await.map_err(classify)
    }

    async fn delete_snapshot(&self, id: &str) -> Result<(), CloudError> {
        Client::delete_snapshot(self, id).await.map_err(classify)
    }
}
