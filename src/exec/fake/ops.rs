//! The fake's start and stop: a task of [`FakeCloud::resize`]'s length that ends STOPPED or
//! AVAILABLE; like the simulator, a stopped cluster refuses every other operation as busy.

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
