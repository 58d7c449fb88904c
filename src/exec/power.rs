//! Starting and stopping a cluster (`StartCluster`, `StopCluster`): wait until the cluster
//! can take the call, check that the step is still right, send it once, wait for the state
//! it leads to.
//!
//! A start or stop is no delta, but sending it twice is not harmless either (the second is
//! refused as busy, or starts what someone else just stopped), so it goes out only on a
//! listing that shows the cluster in the state the step was planned from, and an unknown
//! outcome is resolved by looking at the listings, never by sending again. An interrupted
//! run leaves the cluster STARTING or STOPPING; the next plan waits for it (a `wait` step
//! that ends at STOPPED for a stop) and finds nothing left to do.

use std::sync::Arc;

use super::cloud::Cloud;
use super::ctx::{Ctx, StepResult};
use super::ended::Check;
use super::find::cluster_by_id;
use super::poller::Need;
use super::send::{send_once, Once, Unknown};
use super::verify::cluster_to_act_on;
use crate::api::state::{cluster_state, failed_reason, ClusterState};
use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::Step;

/// Runs a `StartCluster` (`start`) or `StopCluster` step.
pub async fn power<C: Cloud>(ctx: &Ctx<C>, step: &Step, start: bool) -> StepResult<()> {
    let name = step.target.cluster();
    let what = if start { "start" } else { "stop" };
    // A cluster's update timeout, as for a resize (the Terraform providers' 60 minutes).
    let timeout = ctx.options.timeouts.resize;
    let ready = |live: &Live| ready(live.cluster(name));
    // Seen once the cluster left the state it was in (or is on its way).
    let seen = |live: &Live, id: &str| {
        cluster_by_id(live, id).is_some_and(|c| crate::plan::is_stopped(c) != start)
    };
    let check = |live: Arc<Live>| async move { cluster_to_act_on(step, &live) };
    let once = Once {
        what,
        timeout,
        ready: &ready,
        unknown: Unknown::Look(&seen),
    };
    let (id, before) = send_once(ctx, step, &once, check, |id| async move {
        if start {
            ctx.cloud.start_cluster(&id).await
        } else {
            ctx.cloud.stop_cluster(&id).await
        }
    })
    .await?;
    let after = before.max(ctx.poller.ticks_started());
    ctx.await_end(&step.id, what, Need::Clusters, after, timeout, |live| {
        powered(cluster_by_id(live, &id), start)
    })
    .await
}

/// Whether a cluster can take a start or stop now: idle, stopped, or gone (the verdict then
/// says which); busy is "not yet"; anything else ends the step.
fn ready(cluster: Option<&Cluster>) -> Result<Option<String>, String> {
    let Some(cluster) = cluster else {
        return Ok(None);
    };
    match cluster_state(cluster) {
        ClusterState::Idle { .. } | ClusterState::Stopped => Ok(None),
        ClusterState::Busy { operation, .. } => Ok(Some(format!(
            "waiting for the cluster to be idle: {operation}"
        ))),
        state => Err(format!("cluster {} is {state}", cluster.name)),
    }
}

/// A cluster being started (`start`) or stopped: done when idle (started) or STOPPED. The
/// state it was in is "not yet" (a listing may lag behind the call) unless the cloud reports
/// a failure, which is how a failed start or stop shows (`failed_reasons`, no task).
pub fn powered(cluster: Option<&Cluster>, start: bool) -> Check {
    let Some(cluster) = cluster else {
        return Check::Failed("the cluster is no longer listed".to_owned());
    };
    let state = cluster_state(cluster);
    let pending = |status: &str| Check::Pending {
        status: status.to_owned(),
        percent: None,
    };
    match (&state, start) {
        (ClusterState::Idle { .. }, true) | (ClusterState::Stopped, false) => Check::Done,
        (ClusterState::Busy { operation, percent }, _) => Check::Pending {
            status: operation.clone(),
            percent: *percent,
        },
        (ClusterState::Stopped, true) | (ClusterState::Idle { .. }, false) => {
            match failed_reason(cluster) {
                Some(reason) => Check::Failed(format!(
                    "cluster {} is still {}: {reason}",
                    cluster.name, cluster.status
                )),
                None if start => pending("STOPPED (the start is not shown yet)"),
                None => pending("AVAILABLE (the stop is not shown yet)"),
            }
        }
        (state, _) => Check::Failed(format!("cluster {} is {state}", cluster.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::FailedReasons;
    use crate::plan::testkit::live_cluster;

    fn with_status(status: &str) -> Cluster {
        let mut c = live_cluster("c1", 3);
        c.status = status.into();
        c
    }

    #[test]
    fn a_start_ends_when_available_and_a_stop_when_stopped() {
        assert_eq!(powered(Some(&with_status("AVAILABLE")), true), Check::Done);
        assert_eq!(powered(Some(&with_status("STOPPED")), false), Check::Done);
        assert!(matches!(
            powered(Some(&with_status("STARTING")), true),
            Check::Pending { .. }
        ));
        assert!(matches!(
            powered(Some(&with_status("STOPPED")), true),
            Check::Pending { .. }
        ));
        assert!(matches!(powered(None, true), Check::Failed(_)));
        assert!(matches!(
            powered(Some(&with_status("FROZEN")), false),
            Check::Failed(_)
        ));
    }

    #[test]
    fn a_failed_start_ends_the_wait_with_the_clouds_reason() {
        let mut c = with_status("STOPPED");
        c.failed_reasons = Some(FailedReasons {
            error_code: Some("DWS.6002".into()),
            error_msg: Some("Failed to start the cluster".into()),
        });
        match powered(Some(&c), true) {
            Check::Failed(text) => assert!(text.contains("DWS.6002"), "{text}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_an_idle_or_stopped_cluster_takes_the_call() {
        assert_eq!(ready(Some(&with_status("STOPPED"))), Ok(None));
        assert_eq!(ready(Some(&with_status("AVAILABLE"))), Ok(None));
        assert!(matches!(ready(Some(&with_status("STOPPING"))), Ok(Some(_))));
        assert!(ready(Some(&with_status("UNAVAILABLE"))).is_err());
    }
}
