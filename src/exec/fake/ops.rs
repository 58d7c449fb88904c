//! The fake's start, stop and CN changes, each a task like the simulator's: a start or stop
//! runs for [`FakeCloud::resize`]'s length and ends AVAILABLE or STOPPED; a CN change runs
//! as `ADD_CN_ING` / `DEL_CN_ING` for [`FakeCloud::coordinators`] plus a minute per CN and
//! changes the CN list when it ends (`sim::ops::change_cns`). Like the simulator, a stopped
//! or busy cluster refuses them as busy.

use std::time::Duration;

use tokio::time::Instant;

use super::{CloudError, FakeCloud, State, Task};

impl FakeCloud {
    /// Starts (`start`) or stops the cluster `id`: only a stopped cluster starts, only a
    /// running idle one stops.
    pub(super) async fn power(&self, id: &str, start: bool) -> Result<(), CloudError> {
        let duration = self.resize;
        let verb = if start { "start" } else { "stop" };
        self.mutate(format!("{verb}:{id}"), move |s, now| {
            let cluster = s.cluster_mut(id)?;
            cluster.settle(now);
            if !matches!(cluster.task, Task::None) || cluster.stopped != start {
                return Err(CloudError::Busy(format!("DWS.7023 cannot {verb} now")));
            }
            cluster.task = Task::Power {
                until: now + duration,
                start,
            };
            cluster.task_since = now;
            Ok(())
        })
        .await
    }

    /// Starts the task that adds CNs up to `total` (no `delete`) or deletes the CNs
    /// `delete`, on an idle cluster.
    pub(super) async fn change_cns(
        &self,
        id: &str,
        total: u32,
        delete: &[String],
    ) -> Result<(), CloudError> {
        let delete = delete.to_vec();
        let base = self.coordinators;
        self.mutate(format!("cns:{id}"), move |s, now| {
            let cluster = s.idle_cluster(id, now)?;
            let mut cns = cluster.cns.clone();
            if delete.is_empty() {
                while cns.len() < total as usize {
                    cns.push(format!("cn-{}", cns.len() + 1));
                }
            } else {
                cns.retain(|cn| !delete.contains(cn));
            }
            let changed = cns.len().abs_diff(cluster.cns.len());
            let per_cn = Duration::from_secs(60 * u64::try_from(changed).unwrap_or(0));
            cluster.task = Task::Coordinators {
                until: now + base + per_cn,
                cns,
                adding: delete.is_empty(),
            };
            cluster.task_since = now;
            Ok(())
        })
        .await
    }

    /// Makes the named cluster stopped at once (a cluster someone stopped in the console).
    pub fn stop_now(&self, name: &str) {
        self.with(|s| {
            for c in s.clusters.iter_mut().filter(|c| c.name == name) {
                c.stopped = true;
            }
        });
    }

    /// The CNs the named cluster has now (a running CN task changes them when it ends).
    pub fn cns(&self, name: &str) -> Option<usize> {
        let now = Instant::now();
        self.with(|s| {
            let c = s.clusters.iter_mut().find(|c| c.name == name)?;
            c.settle(now);
            Some(c.cns.len())
        })
    }
}

/// A cluster's CNs when it is made: three, as the simulator's default.
pub(super) fn first_cns() -> Vec<String> {
    (1..=3).map(|i| format!("cn-{i}")).collect()
}

/// The CNs of cluster `id` at `now`: those of a CN task that ended, else the current ones.
pub(super) fn cns(s: &mut State, id: &str, now: Instant) -> Result<Vec<String>, CloudError> {
    let cluster = s.cluster_mut(id)?;
    cluster.settle(now);
    Ok(cluster.cns.clone())
}
