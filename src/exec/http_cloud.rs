//! The real cloud: [`Cloud`] for the HTTP [`Client`], with its errors classified by what
//! the executor does about them.

use super::cloud::{Cloud, CloudError};
use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::api::policy::{PutSnapshotPolicy, SnapshotPolicy};
use crate::api::wire::{Cluster, CreateCluster, CreateSnapshot, Restore, Snapshot, Tag};
use crate::secret::Secret;

/// Sorts an API error into the executor's classes. Messages come from the client, which
/// redacts bodies and never includes secrets.
pub fn classify(err: ApiError) -> CloudError {
    let message = err.to_string();
    if err.is_outcome_unknown() {
        return CloudError::OutcomeUnknown(message);
    }
    if err.is_busy() {
        return CloudError::Busy(message);
    }
    if err.status() == Some(429) {
        return CloudError::Throttled(message);
    }
    // Any other conflict on a create is about the name: the only unique key the API has.
    if err.is_name_taken() || err.status() == Some(409) {
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

    async fn set_security_group(&self, id: &str, group: &str) -> Result<(), CloudError> {
        Client::set_security_groups(self, id, &[group.to_owned()])
            .await
            .map_err(classify)
    }

    async fn unbind_eip(&self, id: &str, eip_id: &str) -> Result<(), CloudError> {
        Client::unbind_eip(self, id, eip_id).await.map_err(classify)
    }

    async fn bind_eip(&self, id: &str, eip_id: &str) -> Result<(), CloudError> {
        Client::bind_eip(self, id, eip_id).await.map_err(classify)
    }

    async fn start_cluster(&self, id: &str) -> Result<(), CloudError> {
        Client::start_cluster(self, id)
            .await
            .map(drop)
            .map_err(classify)
    }

    async fn list_coordinators(&self, id: &str) -> Result<Vec<String>, CloudError> {
        let list = Client::list_coordinators(self, id)
            .await
            .map_err(classify)?;
        Ok(list.instances.into_iter().map(|cn| cn.id).collect())
    }

    async fn add_coordinators(&self, id: &str, total: u32) -> Result<(), CloudError> {
        Client::add_coordinators(self, id, total)
            .await
            .map(drop)
            .map_err(classify)
    }

    async fn delete_coordinators(&self, id: &str, cns: &[String]) -> Result<(), CloudError> {
        Client::delete_coordinators(self, id, cns)
            .await
            .map(drop)
            .map_err(classify)
    }

    async fn stop_cluster(&self, id: &str) -> Result<(), CloudError> {
        Client::stop_cluster(self, id)
            .await
            .map(drop)
            .map_err(classify)
    }

    async fn get_snapshot_policy(&self, id: &str) -> Result<SnapshotPolicy, CloudError> {
        Client::get_snapshot_policy(self, id)
            .await
            .map_err(classify)
    }

    async fn put_snapshot_policy(
        &self,
        id: &str,
        body: &PutSnapshotPolicy,
    ) -> Result<(), CloudError> {
        Client::put_snapshot_policy(self, id, body)
            .await
            .map_err(classify)
    }

    async fn delete_snapshot_policy(&self, id: &str, policy_id: &str) -> Result<(), CloudError> {
        Client::delete_snapshot_policy(self, id, policy_id)
            .await
            .map_err(classify)
    }

    async fn set_description(&self, id: &str, text: &str) -> Result<(), CloudError> {
        Client::set_description(self, id, text)
            .await
            .map_err(classify)
    }

    async fn cluster_description(&self, id: &str) -> Result<String, CloudError> {
        let detail = Client::get_cluster(self, id).await.map_err(classify)?;
        Ok(detail.cluster_description_info.unwrap_or_default())
    }

    async fn rename_cluster(&self, id: &str, name: &str) -> Result<(), CloudError> {
        // The job id is not needed: the listing shows the new name when it is done.
        Client::rename_cluster(self, id, name)
            .await
            .map(drop)
            .map_err(classify)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::{Call, Method, Repeat};

    const CREATE: Call = Call::new(Method::Post, "/v1.0/{project_id}/clusters", Repeat::Unsafe);
    const DELETE: Call = Call::new(
        Method::Delete,
        "/v1.0/{project_id}/clusters/{cluster_id}",
        Repeat::Safe,
    );

    fn status(call: Call, status: u16, code: Option<&str>) -> ApiError {
        ApiError::Status {
            call,
            status,
            code: code.map(str::to_owned),
            message: Some("message".into()),
            attempts: 1,
            request_id: None,
            help: String::new(),
        }
    }

    #[test]
    fn api_errors_map_to_what_the_executor_does_about_them() {
        let unknown = ApiError::OutcomeUnknown {
            call: CREATE,
            reason: "connection reset".into(),
        };
        assert!(matches!(classify(unknown), CloudError::OutcomeUnknown(_)));
        assert!(matches!(
            classify(status(CREATE, 409, Some("DWS.5050"))),
            CloudError::NameTaken(_)
        ));
        let snapshot = Call::new(Method::Post, "/v1.0/{project_id}/snapshots", Repeat::Unsafe);
        assert!(matches!(
            classify(status(snapshot, 400, Some("DWS.5039"))),
            CloudError::NameTaken(_)
        ));
        assert!(matches!(
            classify(status(CREATE, 403, Some("DWS.7023"))),
            CloudError::Busy(_)
        ));
        assert!(matches!(
            classify(status(CREATE, 409, Some("DWS.0011"))),
            CloudError::Busy(_)
        ));
        assert!(matches!(
            classify(status(DELETE, 404, Some("DWS.0047"))),
            CloudError::NotFound(_)
        ));
        assert!(matches!(
            classify(status(CREATE, 400, Some("DWS.5038"))),
            CloudError::Failed(m) if m.contains("DWS.5038")
        ));
        let transport = ApiError::Transport {
            call: DELETE,
            reason: "timed out".into(),
            attempts: 3,
        };
        assert!(matches!(classify(transport), CloudError::OutcomeUnknown(_)));
    }
}
