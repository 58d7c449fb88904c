//! The executor tests' shared setup: the steps and plans they run, the options, how a run is
//! started (to its end, or in the background and interrupted at a chosen moment), and how
//! they read the fake back, so that each test file states only what it is about.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::super::fake::FakeCloud;
use super::super::*;
use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::{
    Action, CreateClusterParams, Fingerprint, Plan, RestoreClusterParams, Step, StepId, TagKv,
    Target, OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE,
};
use crate::secret::SecretRef;

pub(super) const PASSWORD_ENV: &str = "DWSCTL_EXEC_TEST_PASSWORD";

pub(super) fn target(name: &str) -> Target {
    Target::Cluster {
        name: name.to_owned(),
    }
}

pub(super) fn snap_target(name: &str, cluster: &str) -> Target {
    Target::Snapshot {
        name: name.to_owned(),
        cluster: cluster.to_owned(),
    }
}

pub(super) fn step(id: &str, target: Target, action: Action, deps: &[&str]) -> Step {
    Step {
        id: StepId(id.to_owned()),
        target,
        action,
        changes: Vec::new(),
        reason: "test".to_owned(),
        depends_on: deps.iter().map(|d| StepId((*d).to_owned())).collect(),
        fingerprint: Fingerprint::absent(),
        maintenance: None,
    }
}

/// A three-node create of `name` (also used by `exec::find`'s tests).
pub(in crate::exec) fn create(name: &str) -> Step {
    std::env::set_var(PASSWORD_ENV, "Secret-pw-123!");
    step(
        &format!("cluster.{name}.create"),
        target(name),
        Action::CreateCluster(CreateClusterParams {
            node_type: "dws.m3.xlarge".into(),
            number_of_node: 3,
            vpc_id: "vpc".into(),
            subnet_id: "subnet".into(),
            security_group_id: "sg".into(),
            availability_zone: None,
            port: None,
            user_name: "dbadmin".into(),
            password: SecretRef::FromEnv(PASSWORD_ENV.into()),
            public_ip: None,
            number_of_cn: None,
            enterprise_project_id: None,
            tags: vec![TagKv {
                key: OWNERSHIP_TAG_KEY.into(),
                value: OWNERSHIP_TAG_VALUE.into(),
            }],
        }),
        &[],
    )
}

pub(super) fn snapshot(name: &str, cluster: &str, deps: &[&str]) -> Step {
    step(
        &format!("snapshot.{name}.create"),
        snap_target(name, cluster),
        Action::CreateSnapshot { description: None },
        deps,
    )
}

pub(super) fn restore(name: &str, snapshot: &str, deps: &[&str]) -> Step {
    step(
        &format!("cluster.{name}.restore"),
        target(name),
        Action::RestoreCluster(RestoreClusterParams {
            snapshot: snapshot.into(),
            vpc_id: None,
            subnet_id: None,
            security_group_id: None,
            availability_zone: None,
            port: None,
            public_ip: None,
            enterprise_project_id: None,
            tags: vec![TagKv {
                key: OWNERSHIP_TAG_KEY.into(),
                value: OWNERSHIP_TAG_VALUE.into(),
            }],
        }),
        deps,
    )
}

pub(super) fn plan(steps: Vec<Step>) -> Plan {
    Plan {
        format_version: crate::plan::FORMAT_VERSION,
        spec_digest: "digest".into(),
        steps,
    }
}

pub(super) fn options() -> Options {
    Options {
        live: Some(Live::default()),
        ..Options::default()
    }
}

/// Records every event.
#[derive(Default)]
pub(super) struct Recorder(pub(super) Mutex<Vec<Event>>);

impl Events for Recorder {
    fn emit(&self, event: &Event) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event.clone());
        }
    }
}

pub(super) async fn run(plan: &Plan, cloud: &FakeCloud, options: Options) -> Report {
    execute(plan, cloud.clone(), options, Arc::new(NoEvents))
        .await
        .expect("plan executes")
}

pub(super) fn outcome<'r>(report: &'r Report, id: &str) -> &'r Outcome {
    &report
        .steps
        .iter()
        .find(|s| s.step.0 == id)
        .expect("step in report")
        .outcome
}

impl Recorder {
    /// The progress lines emitted so far.
    pub(super) fn progress(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|events| {
                events
                    .iter()
                    .filter_map(|e| match e {
                        Event::Progress { status, .. } => Some(status.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Options for a run that lists the cloud itself before its first step (a saved plan).
pub(super) fn lists_first() -> Options {
    Options {
        live: None,
        ..options()
    }
}

/// Options whose first listing is the cloud as it is now (a plan made just before the run).
pub(super) async fn planned_now(cloud: &FakeCloud) -> Options {
    Options {
        live: Some(listing(cloud).await),
        ..options()
    }
}

/// The cloud's clusters as a listing shows them now.
pub(super) async fn listing(cloud: &FakeCloud) -> Live {
    Live {
        clusters: cloud.list_clusters().await.expect("list"),
        ..Live::default()
    }
}

/// The named cluster as a listing shows it now.
pub(super) async fn listed(cloud: &FakeCloud, name: &str) -> Cluster {
    listing(cloud)
        .await
        .cluster(name)
        .cloned()
        .expect("the cluster is listed")
}

/// An interrupt that comes `after` from now, for a run awaited in place.
pub(super) fn interrupt_in(after: Duration) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        tx.send_replace(true);
    });
    rx
}

/// A run in the background, and the interrupt the test sends it.
pub(super) struct Background {
    handle: JoinHandle<Result<Report, ExecError>>,
    interrupt: watch::Sender<bool>,
}

/// Starts `plan` in the background with `options` (their interrupt replaced by the test's).
pub(super) fn spawn_run(
    plan: Plan,
    cloud: &FakeCloud,
    options: Options,
    events: Arc<dyn Events>,
) -> Background {
    let (interrupt, rx) = watch::channel(false);
    let cloud = cloud.clone();
    let options = Options {
        interrupt: Some(rx),
        ..options
    };
    let handle = tokio::spawn(async move { execute(&plan, cloud, options, events).await });
    Background { handle, interrupt }
}

impl Background {
    /// Interrupts now; returns the report and how long (virtual time) the run took to stop.
    pub(super) async fn interrupt(self) -> (Report, Duration) {
        self.interrupt.send_replace(true);
        let sent = Instant::now();
        let report = self.handle.await.expect("join").expect("report");
        (report, sent.elapsed())
    }

    /// Interrupts `delay` after the fake saw a call whose key starts with `key`.
    pub(super) async fn interrupt_after_call(
        self,
        cloud: &FakeCloud,
        key: &str,
        delay: Duration,
    ) -> (Report, Duration) {
        while cloud.count(key) == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(delay).await;
        self.interrupt().await
    }
}
