//! The fake cloud's answers to the [`Cloud`] calls: lists, creates, restores, resizes,
//! deletes, tags, snapshots and the in-place settings, each through [`FakeCloud::mutate`]
//! (latency, queued faults, the call log). Start, stop and CNs are in [`super::ops`],
//! snapshot policies in [`super::policy`].

use tokio::time::Instant;

use super::super::cloud::{Cloud, CloudError};
use super::render::{render_cluster, render_snapshot};
use super::state::{FakeCluster, FakeSnapshot, Task};
use super::{policy, FakeCloud};
use crate::api::policy::{PutSnapshotPolicy, SnapshotPolicy};
use crate::api::wire::{Cluster, CreateCluster, CreateSnapshot, Restore, Snapshot, Tag};
use crate::secret::Secret;

impl Cloud for FakeCloud {
    async fn list_clusters(&self) -> Result<Vec<Cluster>, CloudError> {
        tokio::time::sleep(self.latency).await;
        let (lag, fixed) = (self.list_lag, self.fixed_percent);
        Ok(self.with(|s| {
            s.calls.push("list:clusters".into());
            let now = Instant::now();
            s.clusters
                .retain(|c| !matches!(c.task, Task::Deleting(until) if now >= until));
            s.clusters
                .iter()
                .filter(|c| now >= c.listed_from + lag)
                .map(|c| render_cluster(c, now, fixed))
                .collect()
        }))
    }

    async fn list_snapshots(&self) -> Result<Vec<Snapshot>, CloudError> {
        tokio::time::sleep(self.latency).await;
        let lag = self.list_lag;
        Ok(self.with(|s| {
            s.calls.push("list:snapshots".into());
            let now = Instant::now();
            s.snapshots
                .iter()
                .filter(|x| now >= x.listed_from + lag)
                .map(|x| render_snapshot(x, now))
                .collect()
        }))
    }

    async fn create_cluster(&self, body: &CreateCluster) -> Result<String, CloudError> {
        let default = self.create;
        self.mutate(format!("create:{}", body.name), |s, now| {
            let duration = s
                .create_durations
                .get(&body.name)
                .copied()
                .unwrap_or(default);
            if s.clusters.iter().any(|c| c.name == body.name) {
                return Err(CloudError::NameTaken("DWS.5050 name exists".into()));
            }
            let id = Self::new_id(s, "c");
            let task = match s.fail_creation.get(&body.name) {
                Some(reason) => Task::Failed(reason.clone()),
                None => Task::Creating(now + duration),
            };
            let mut cluster =
                FakeCluster::new(id.clone(), &body.name, body.number_of_node, task, now);
            cluster.node_type.clone_from(&body.node_type);
            cluster.tags = body.tags.clone().unwrap_or_default();
            s.clusters.push(cluster);
            Ok(id)
        })
        .await
    }

    async fn restore_cluster(
        &self,
        snapshot_id: &str,
        body: &Restore,
    ) -> Result<String, CloudError> {
        let duration = self.restore;
        self.mutate(format!("restore:{}", body.name), |s, now| {
            if s.clusters.iter().any(|c| c.name == body.name) {
                return Err(CloudError::NameTaken("DWS.5050 name exists".into()));
            }
            if !s
                .snapshots
                .iter()
                .any(|x| x.id == snapshot_id && now >= x.ready_at)
            {
                return Err(CloudError::Failed("snapshot not available".into()));
            }
            let id = Self::new_id(s, "c");
            let task = Task::Restoring(now + duration);
            s.clusters
                .push(FakeCluster::new(id.clone(), &body.name, 3, task, now));
            Ok(id)
        })
        .await
    }

    async fn delete_cluster(&self, id: &str, _keep: u32) -> Result<(), CloudError> {
        let duration = self.delete;
        self.mutate(format!("delete_cluster:{id}"), |s, now| {
            let cluster = s.cluster_mut(id)?;
            cluster.task = Task::Deleting(now + duration);
            cluster.task_since = now;
            Ok(())
        })
        .await
    }

    async fn resize(&self, id: &str, count: u32) -> Result<(), CloudError> {
        let duration = self.resize;
        self.mutate(format!("resize:{id}"), |s, now| {
            let cluster = s.idle_cluster(id, now)?;
            cluster.task_since = now;
            cluster.task = Task::Resizing {
                until: now + duration,
                nodes: cluster.nodes + count,
            };
            Ok(())
        })
        .await
    }

    async fn shrink(&self, id: &str, count: u32) -> Result<(), CloudError> {
        let duration = self.resize;
        self.mutate(format!("shrink:{id}"), |s, now| {
            let cluster = s.idle_cluster(id, now)?;
            cluster.task_since = now;
            cluster.task = Task::Resizing {
                until: now + duration,
                nodes: cluster.nodes.saturating_sub(count),
            };
            Ok(())
        })
        .await
    }

    async fn reset_password(&self, id: &str, _password: &Secret) -> Result<(), CloudError> {
        self.mutate(format!("reset_password:{id}"), |_, _| Ok(()))
            .await
    }

    async fn create_tags(&self, id: &str, tags: &[Tag]) -> Result<(), CloudError> {
        let (id, tags) = (id.to_owned(), tags.to_vec());
        self.sent(format!("create_tags:{id}"), move |s, _| {
            let cluster = s.cluster_mut(&id)?;
            for tag in &tags {
                cluster.tags.retain(|t| t.key != tag.key);
                cluster.tags.push(tag.clone());
            }
            Ok(())
        })
        .await
    }

    async fn delete_tags(&self, id: &str, tags: &[Tag]) -> Result<(), CloudError> {
        let (id, tags) = (id.to_owned(), tags.to_vec());
        self.sent(format!("delete_tags:{id}"), move |s, _| {
            let cluster = s.cluster_mut(&id)?;
            cluster
                .tags
                .retain(|t| !tags.iter().any(|d| d.key == t.key));
            Ok(())
        })
        .await
    }

    async fn create_snapshot(&self, body: &CreateSnapshot) -> Result<String, CloudError> {
        let duration = self.snapshot;
        self.mutate(format!("snapshot:{}", body.name), |s, now| {
            if s.snapshots.iter().any(|x| x.name == body.name) {
                return Err(CloudError::NameTaken("snapshot name exists".into()));
            }
            let cluster = s.cluster_mut(&body.cluster_id)?;
            cluster.task = Task::Snapshotting(now + duration);
            cluster.task_since = now;
            let id = Self::new_id(s, "s");
            s.snapshots.push(FakeSnapshot {
                id: id.clone(),
                name: body.name.clone(),
                cluster_id: body.cluster_id.clone(),
                listed_from: now,
                ready_at: now + duration,
            });
            Ok(id)
        })
        .await
    }

    async fn start_cluster(&self, id: &str) -> Result<(), CloudError> {
        self.power(id, true).await
    }

    async fn stop_cluster(&self, id: &str) -> Result<(), CloudError> {
        self.power(id, false).await
    }

    async fn list_coordinators(&self, id: &str) -> Result<Vec<String>, CloudError> {
        tokio::time::sleep(self.latency).await;
        self.with(|s| super::ops::cns(s, id, Instant::now()))
    }

    async fn add_coordinators(&self, id: &str, total: u32) -> Result<(), CloudError> {
        self.change_cns(id, total, &[]).await
    }

    async fn delete_coordinators(&self, id: &str, cns: &[String]) -> Result<(), CloudError> {
        self.change_cns(id, 0, cns).await
    }

    async fn delete_snapshot(&self, id: &str) -> Result<(), CloudError> {
        self.mutate(format!("delete_snapshot:{id}"), |s, _| {
            let before = s.snapshots.len();
            s.snapshots.retain(|x| x.id != id);
            if s.snapshots.len() == before {
                return Err(CloudError::NotFound("no such snapshot".into()));
            }
            Ok(())
        })
        .await
    }

    async fn set_security_group(&self, id: &str, group: &str) -> Result<(), CloudError> {
        let (id, group) = (id.to_owned(), group.to_owned());
        self.mutate(format!("security_group:{id}"), move |s, now| {
            s.idle_cluster(&id, now)?.network.security_group = Some(group);
            Ok(())
        })
        .await
    }

    /// Like the API: only the EIP the cluster holds (400 otherwise).
    async fn unbind_eip(&self, id: &str, eip: &str) -> Result<(), CloudError> {
        let (id, eip) = (id.to_owned(), eip.to_owned());
        self.mutate(format!("unbind_eip:{id}"), move |s, now| {
            let cluster = s.idle_cluster(&id, now)?;
            if cluster.network.eip.as_deref() != Some(eip.as_str()) {
                return Err(CloudError::Failed("DWS.5133 EIP not bound".into()));
            }
            cluster.network.eip = None;
            Ok(())
        })
        .await
    }

    async fn set_description(&self, id: &str, text: &str) -> Result<(), CloudError> {
        let (id, text) = (id.to_owned(), text.to_owned());
        self.mutate(format!("description:{id}"), move |s, now| {
            s.idle_cluster(&id, now)?;
            s.descriptions.insert(id, text);
            Ok(())
        })
        .await
    }

    async fn cluster_description(&self, id: &str) -> Result<String, CloudError> {
        self.mutate(format!("get_description:{id}"), |s, _| {
            s.cluster_mut(id)?;
            Ok(s.descriptions.get(id).cloned().unwrap_or_default())
        })
        .await
    }

    /// Like the API: a name in use is refused (409), the cluster's own name is a no-op.
    async fn rename_cluster(&self, id: &str, name: &str) -> Result<(), CloudError> {
        let (id, name) = (id.to_owned(), name.to_owned());
        self.mutate(format!("rename:{id}"), move |s, now| {
            if s.clusters.iter().any(|c| c.name == name && c.id != id) {
                return Err(CloudError::NameTaken("DWS.5050 name exists".into()));
            }
            s.idle_cluster(&id, now)?.name = name;
            Ok(())
        })
        .await
    }

    /// Like the API: binding the EIP the cluster holds is a no-op; another one is refused.
    async fn bind_eip(&self, id: &str, eip: &str) -> Result<(), CloudError> {
        let (id, eip) = (id.to_owned(), eip.to_owned());
        self.mutate(format!("bind_eip:{id}"), move |s, now| {
            let cluster = s.idle_cluster(&id, now)?;
            match cluster.network.eip.as_deref() {
                Some(bound) if bound != eip => {
                    Err(CloudError::Failed("DWS.5133 cluster has an EIP".into()))
                }
                _ => {
                    cluster.network.eip = Some(eip);
                    Ok(())
                }
            }
        })
        .await
    }

    async fn get_snapshot_policy(&self, id: &str) -> Result<SnapshotPolicy, CloudError> {
        self.mutate(format!("get_policy:{id}"), |s, _| policy::get(s, id))
            .await
    }

    async fn put_snapshot_policy(
        &self,
        id: &str,
        body: &PutSnapshotPolicy,
    ) -> Result<(), CloudError> {
        self.mutate(format!("put_policy:{id}"), |s, _| policy::put(s, id, body))
            .await
    }

    async fn delete_snapshot_policy(&self, id: &str, policy_id: &str) -> Result<(), CloudError> {
        self.mutate(format!("delete_policy:{id}"), |s, _| {
            policy::delete(s, id, policy_id)
        })
        .await
    }
}
