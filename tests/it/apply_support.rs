//! Helpers for the apply tests: a simulator on 127.0.0.1:0, a client for it, and the
//! library-level plan → execute loop that `dwsctl apply` runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dwsctl::api::client::Client;
use dwsctl::api::config::{self, Flags};
use dwsctl::api::wire::Cluster;
use dwsctl::api::Live;
use dwsctl::exec::{self, Event, Events, NoEvents, Options, Report, RunStatus};
use dwsctl::plan::{self, Action, Plan};
use dwsctl::render::{text, TextOptions};
use dwsctl::sim::{self, Config, SimHandle};
use dwsctl::spec::{self, Loaded};
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// The administrator password the examples read; strong enough for the simulator's rules.
pub const ADMIN_PASSWORD: &str = "Demo-Passw0rd!2024";

/// A simulator and a read-write client for it.
pub struct World {
    /// Keeps the simulator running.
    #[allow(dead_code)]
    pub handle: SimHandle,
    pub base: String,
    pub client: Client,
    pub http: reqwest::Client,
    pub scale: f64,
}

pub async fn world(scale: f64, seed: u64) -> World {
    let handle = sim::spawn(Config {
        time_scale: scale,
        seed,
        ..Config::default()
    })
    .await
    .expect("spawn simulator");
    let base = handle.base_url();
    let client = client_for(&base, scale);
    World {
        handle,
        base,
        client,
        http: reqwest::Client::new(),
        scale,
    }
}

/// A client with the simulator's default account; retry waits scaled like the simulator.
pub fn client_for(base: &str, scale: f64) -> Client {
    client_with_timeout(base, scale, None)
}

/// [`client_for`] with a per-request timeout (real time), for answers held past it.
pub fn client_with_timeout(base: &str, scale: f64, timeout: Option<Duration>) -> Client {
    let env = |name: &str| -> Option<String> {
        let value = match name {
            "OS_AUTH_URL" => format!("{base}/v3"),
            "OS_USERNAME" => sim::DEFAULT_USER.to_owned(),
            "OS_PASSWORD" => sim::DEFAULT_PASSWORD.to_owned(),
            "OS_USER_DOMAIN_NAME" => sim::DEFAULT_DOMAIN.to_owned(),
            "OS_PROJECT_NAME" => sim::DEFAULT_PROJECT_NAME.to_owned(),
            "DWS_ENDPOINT" => base.to_owned(),
            _ => return None,
        };
        Some(value)
    };
    let mut config = config::resolve(&Flags::default(), &env).expect("client config");
    config.retry.time_scale = scale;
    if let Some(timeout) = timeout {
        config.request_timeout = timeout;
    }
    Client::new(config).expect("client")
}

pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// Writes `text` to `dir/name` and loads it as the spec, with the password variable that
/// the test specs read (`{from_env: DWS_ADMIN_PASSWORD}`) set for the executor.
pub fn load_spec(dir: &Path, name: &str, text: &str) -> Loaded {
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the spec");
    spec::load(&[path]).expect("the spec loads")
}

/// A spec of one cluster `name` of dws.d1.xlarge in the simulator's default network with the
/// administrator from [`ADMIN_PASSWORD`], and `extra` (lines indented for the cluster).
pub fn one_cluster(name: &str, extra: &str) -> String {
    format!(
        "version: 1\nclusters:\n  {name}:\n    node_type: dws.d1.xlarge\n    vpc_id: {vpc}\n    \
         subnet_id: {subnet}\n    security_group_id: {sg}\n    user_name: dbadmin\n    \
         password: {{from_env: DWS_ADMIN_PASSWORD}}\n{extra}",
        vpc = sim::DEFAULT_VPC_ID,
        subnet = sim::DEFAULT_SUBNET_ID,
        sg = sim::DEFAULT_SECURITY_GROUP_ID,
    )
}

/// The plan's actions, without the step that records the apply (`plan::record`).
pub fn without_record(plan: &Plan) -> Vec<&Action> {
    plan.steps
        .iter()
        .filter(|s| !s.id.0.ends_with(".record"))
        .map(|s| &s.action)
        .collect()
}

/// The quickstart spec, with the password variable set for the executor to read.
pub fn quickstart() -> Loaded {
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    spec::load(&[example("quickstart.yaml")]).expect("quickstart loads")
}

impl World {
    pub fn options(&self) -> Options {
        Options {
            time_scale: self.scale,
            ..Options::default()
        }
    }

    pub async fn plan(&self, loaded: &Loaded) -> Result<Plan, String> {
        let reads = loaded.desired.reads();
        let live = self
            .client
            .observe_with(&reads)
            .await
            .map_err(|e| e.to_string())?;
        Ok(plan::diff(&loaded.desired, &live, &loaded.digest))
    }

    /// What `dwsctl apply --yes` does: observe, plan, execute.
    pub async fn apply(&self, loaded: &Loaded) -> Result<Report, String> {
        let reads = loaded.desired.reads();
        let live = self
            .client
            .observe_with(&reads)
            .await
            .map_err(|e| e.to_string())?;
        let plan = plan::diff(&loaded.desired, &live, &loaded.digest);
        let options = Options {
            live: Some(live),
            ..self.options()
        };
        exec::execute(&plan, self.client.clone(), options, Arc::new(NoEvents))
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("POST");
        assert!(resp.status().is_success(), "POST {path}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    }

    pub async fn clear_faults(&self) {
        let resp = self
            .http
            .delete(format!("{}/_sim/faults", self.base))
            .send()
            .await
            .expect("DELETE faults");
        assert!(resp.status().is_success());
    }

    /// Applies `loaded`, checks that the run completed and that the next plan is empty (shown
    /// as `dwsctl plan` would print it when it is not).
    pub async fn applied(&self, loaded: &Loaded) {
        let report = self.apply(loaded).await.expect("apply");
        assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
        let next = self.plan(loaded).await.expect("plan");
        assert!(next.is_empty(), "{}", text(&next, &TextOptions::default()));
    }

    /// Calls made so far on `route` (`METHOD template`).
    pub async fn count(&self, route: &str) -> u64 {
        self.requests().await.get(route).copied().unwrap_or(0)
    }

    /// Simulated seconds since the simulator started.
    pub async fn clock(&self) -> f64 {
        self.get("/_sim/clock").await["now"]
            .as_f64()
            .expect("clock now")
    }

    /// Request counts by `METHOD template`.
    pub async fn requests(&self) -> BTreeMap<String, u64> {
        let body = self.get("/_sim/requests").await;
        serde_json::from_value(body["requests"].clone()).expect("counters")
    }

    /// Sets every request counter back to zero.
    pub async fn reset_requests(&self) {
        let resp = self
            .http
            .delete(format!("{}/_sim/requests", self.base))
            .send()
            .await
            .expect("reset counters");
        assert!(
            resp.status().is_success(),
            "reset counters: {}",
            resp.status()
        );
    }

    /// Names that more than one cluster or snapshot carries (with a fault-free listing).
    pub async fn duplicates(&self) -> Vec<String> {
        let live = self.client.observe().await.expect("observe");
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for name in live.clusters.iter().map(|c| format!("cluster {}", c.name)) {
            *seen.entry(name).or_default() += 1;
        }
        for name in live
            .snapshots
            .iter()
            .map(|s| format!("snapshot {}", s.name))
        {
            *seen.entry(name).or_default() += 1;
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(name, n)| format!("{name} x{n}"))
            .collect()
    }
}

/// Hands every event of a run to the test.
struct Forward(mpsc::UnboundedSender<Event>);

impl Events for Forward {
    fn emit(&self, event: &Event) {
        let _ = self.0.send(event.clone());
    }
}

impl World {
    /// Runs `plan` (made from `live`) and interrupts it as soon as a listing shows cluster
    /// `demo` in the state `under_way` picks out (the cloud's operation running); asserts
    /// that the run reports its first step as still running, and returns the report.
    pub async fn execute_interrupted_when(
        &self,
        plan: &Plan,
        live: Live,
        under_way: impl Fn(&Cluster) -> bool + Send + 'static,
    ) -> Report {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let watcher = {
            let client = self.client.clone();
            tokio::spawn(async move {
                loop {
                    let live = client.observe().await.expect("observe");
                    if live.cluster("demo").is_some_and(&under_way) {
                        let _ = tx.send(true);
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        let options = Options {
            live: Some(live),
            interrupt: Some(rx),
            ..self.options()
        };
        let report = exec::execute(plan, self.client.clone(), options, Arc::new(NoEvents))
            .await
            .expect("execute");
        watcher.await.expect("watcher");
        assert!(
            matches!(report.steps[0].outcome, exec::Outcome::StillRunning { .. }),
            "{report:?}"
        );
        report
    }

    /// Runs `plan`, made from the listing `idle`, on a cloud that started an automated
    /// snapshot of `cluster` after the plan was made, and returns the report.
    ///
    /// The simulator's clock stands still from before the snapshot starts until the run
    /// reports the cluster busy with it; then time runs again and the snapshot ends. So the
    /// run always meets the snapshot, and exactly one is taken, however late a loaded machine
    /// schedules the test or the run (a schedule firing every second, switched off by the
    /// next call, fired again whenever that call came late).
    pub async fn execute_meeting_an_automated_snapshot(
        &self,
        plan: &Plan,
        idle: Live,
        cluster: &str,
    ) -> Report {
        self.post("/_sim/clock/pause", &json!({})).await;
        let fired = self.post("/_sim/background/fire", &json!({})).await;
        assert_eq!(
            fired["started"].as_array().map(Vec::len),
            Some(1),
            "{fired}"
        );
        let busy = self.client.observe().await.expect("observe");
        let listed = busy.cluster(cluster).expect("the cluster is listed");
        assert_eq!(
            listed.task_status.as_deref(),
            Some("SNAPSHOTTING"),
            "{listed:?}"
        );

        let (tx, mut rx) = mpsc::unbounded_channel();
        let run = {
            let (plan, client) = (plan.clone(), self.client.clone());
            let options = Options {
                live: Some(idle),
                ..self.options()
            };
            tokio::spawn(async move {
                exec::execute(&plan, client, options, Arc::new(Forward(tx))).await
            })
        };
        // A guard against a run that never looks, not a timing: the clock stands still.
        let met = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(event) = rx.recv().await {
                if matches!(&event, Event::Progress { status, .. } if status.contains("SNAPSHOTTING"))
                {
                    return true;
                }
            }
            false
        })
        .await;
        self.post("/_sim/clock/resume", &json!({})).await;
        let report = run.await.expect("the run's task").expect("execute");
        assert!(
            matches!(met, Ok(true)),
            "the run never reported the cluster busy with the snapshot: {report:?}"
        );
        report
    }
}

/// Runs `one_seed` for every seed, at most `at_once` at a time, and returns the failures
/// (sorted, so a report reads the same on every run) and the tallies of the seeds that passed.
pub async fn run_seeds<T, F, Fut>(
    seeds: std::ops::Range<u64>,
    at_once: usize,
    one_seed: F,
) -> (Vec<String>, Vec<T>)
where
    T: Send + 'static,
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>> + Send + 'static,
{
    let slots = Arc::new(tokio::sync::Semaphore::new(at_once));
    let mut tasks = tokio::task::JoinSet::new();
    for seed in seeds {
        let slots = Arc::clone(&slots);
        let run = one_seed(seed);
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            run.await
        });
    }
    let mut failures = Vec::new();
    let mut passed = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(tally)) => passed.push(tally),
            Ok(Err(failure)) => failures.push(failure),
            Err(err) => failures.push(format!("a seed's task failed: {err}")),
        }
    }
    failures.sort();
    (failures, passed)
}
