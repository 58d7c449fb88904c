//! The fake's start and stop: a task of [`FakeCloud::resize`]'s length that ends STOPPED or
//! AVAILABLE; like the simulator, a stopped cluster refuses every other operation as busy.
//! Its CN changes take effect at once (no task): what the executor's CN steps need from it is
//! the list read before and after.

use tokio::time::Instant;

use super::{CloudError, FakeCloud, State, Task};

impl FakeCloud {
    /// Starts (`start`) or stops the cluster `id`: only a stopped cluster starts, only a
    /// running idle one stops.
    pub(super) async fn power(&self, id: &str, start: bool) -> Result<(), CloudError> {
        let duration = self.resize;
        let verb = if start { "start" } else { "stop" };
        self.mutate(format!("{verb}:{id}"), move |s, now| {
            settle_power(s, id, now)?;
            let cluster = s.cluster_mut(id)?;
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

    /// Adds CNs up to `total` (no `delete`) or deletes the CNs `delete`, on an idle cluster.
    pub(super) async fn change_cns(
        &self,
        id: &str,
        total: u32,
        delete: &[String],
    ) -> Result<(), CloudError> {
        let delete = delete.to_vec();
        self.mutate(format!("cns:{id}"), move |s, now| {
            s.idle_cluster(id, now)?;
            let mut list = cns(s, id)?;
            if delete.is_empty() {
                while list.len() < total as usize {
                    list.push(format!("cn-{}", list.len() + 1));
                }
            } else {
                list.retain(|cn| !delete.contains(cn));
            }
            s.coordinators.insert(id.to_owned(), list);
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
}

/// Ends a start or stop whose time is up.
fn settle_power(s: &mut State, id: &str, now: Instant) -> Result<(), CloudError> {
    let cluster = s.cluster_mut(id)?;
    if let Task::Power { until, start } = cluster.task {
        if now >= until {
            cluster.stopped = !start;
            cluster.task = Task::None;
        }
    }
    Ok(())
}

/// The CNs of cluster `id`: three until changed.
pub(super) fn cns(s: &mut State, id: &str) -> Result<Vec<String>, CloudError> {
    s.cluster_mut(id)?;
    Ok(s.coordinators
        .get(id)
        .cloned()
        .unwrap_or_else(|| (1..=3).map(|i| format!("cn-{i}")).collect()))
}
