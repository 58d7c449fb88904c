//! Apply makespan against the critical path, in simulator time, next to a Terraform-like
//! baseline run on the same simulator.
//!
//! Scenarios: "chain" (the quickstart: create → snapshot → restore), "wide" (40 independent
//! cluster creates) and "wide200" (200 independent creates, `--parallelism 10`: more
//! operations in flight than slots). For each, it prints the makespan (simulator clock, `GET /_sim/clock`),
//! the critical path (the sum of the operations' own durations along the longest chain, as a
//! fine-grained observer saw them), their ratio (target ≤ 1.05), and the status polls per
//! operation (from `GET /_sim/requests`, the observer's own calls subtracted).
//!
//! The baseline behaves like a Terraform provider: `-parallelism=10` slots held while
//! waiting, one detail GET per resource every 30 s.
//!
//! Targets (dwsctl): chain ≤ 9 status calls per operation and makespan − critical path ≤ 30 s;
//! wide and wide200 ≤ 2.2 status calls per operation and a ratio ≤ 1.05.
//!
//! `cargo bench --bench apply_makespan` (`DWSCTL_BENCH_SCALE` sets the simulator time scale,
//! default 500).

// A benchmark's output is its figures on stdout.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dwsctl::api::client::Client;
use dwsctl::api::config::{self, Flags};
use dwsctl::api::wire;
use dwsctl::exec::{self, NoEvents, Options, RunStatus};
use dwsctl::plan::{self, Action, CreateClusterParams, Fingerprint, Plan, Step, StepId, Target};
use dwsctl::secret::{Secret, SecretRef};
use dwsctl::sim::{self, Config, SimHandle};
use serde_json::Value;
use tokio::sync::{watch, Semaphore};

const PASSWORD: &str = "Demo-Passw0rd!2024";
/// The independent creates of the "wide" and "wide200" scenarios.
fn wide_count(scenario: &str) -> usize {
    if scenario == "wide200" {
        200
    } else {
        40
    }
}
const TF_PARALLELISM: usize = 10;
const TF_POLL: Duration = Duration::from_secs(30);

struct Bench {
    _handle: SimHandle,
    base: String,
    http: reqwest::Client,
    client: Client,
    scale: f64,
}

fn client_for(base: &str, scale: f64) -> Client {
    let env = |name: &str| -> Option<String> {
        Some(match name {
            "OS_AUTH_URL" => format!("{base}/v3"),
            "OS_USERNAME" => sim::DEFAULT_USER.to_owned(),
            "OS_PASSWORD" => sim::DEFAULT_PASSWORD.to_owned(),
            "OS_USER_DOMAIN_NAME" => sim::DEFAULT_DOMAIN.to_owned(),
            "OS_PROJECT_NAME" => sim::DEFAULT_PROJECT_NAME.to_owned(),
            "DWS_ENDPOINT" => base.to_owned(),
            _ => return None,
        })
    };
    let mut config = config::resolve(&Flags::default(), &env).expect("client config");
    config.retry.time_scale = scale;
    Client::new(config).expect("client")
}

impl Bench {
    async fn new(scale: f64, seed: u64) -> Self {
        let handle = sim::spawn(Config {
            time_scale: scale,
            seed,
            // 200 clusters of 3 nodes: beyond a real project's default quota of 256 nodes.
            node_quota: 1000,
            // and beyond a real subnet's 251 addresses.
            networks: sim::Networks {
                subnet_addresses: 1000,
                ..sim::Networks::default()
            },
            ..Config::default()
        })
        .await
        .expect("simulator");
        let base = handle.base_url();
        Self {
            client: client_for(&base, scale),
            _handle: handle,
            base,
            http: reqwest::Client::new(),
            scale,
        }
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON")
    }

    async fn clock(&self) -> f64 {
        self.get("/_sim/clock").await["now"].as_f64().unwrap_or(0.0)
    }

    async fn requests(&self) -> BTreeMap<String, u64> {
        serde_json::from_value(self.get("/_sim/requests").await["requests"].clone())
            .unwrap_or_default()
    }

    async fn reset_requests(&self) {
        let _ = self
            .http
            .delete(format!("{}/_sim/requests", self.base))
            .send()
            .await;
    }

    fn sleep(&self, cloud: Duration) -> tokio::time::Sleep {
        tokio::time::sleep(cloud.div_f64(self.scale))
    }
}

/// Watches every object closely (a list every simulated second) and records when each
/// operation started (first seen busy) and ended (first seen settled): the operations' own
/// durations, free of any client's detection lag.
/// Per object: when its operation was first seen, and when first seen settled.
type Spans = Arc<Mutex<BTreeMap<String, (f64, Option<f64>)>>>;

struct Observer {
    spans: Spans,
    calls: Arc<AtomicU64>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Observer {
    fn start(bench: &Bench) -> Self {
        let spans: Spans = Arc::default();
        let calls = Arc::new(AtomicU64::new(0));
        let (stop, mut stopped) = watch::channel(false);
        let client = client_for(&bench.base, bench.scale);
        let base = bench.base.clone();
        let http = bench.http.clone();
        let tick = Duration::from_secs(1).div_f64(bench.scale);
        let (task_spans, task_calls) = (Arc::clone(&spans), Arc::clone(&calls));
        let task = tokio::spawn(async move {
            while !*stopped.borrow_and_update() {
                let (Ok(clusters), Ok(snapshots)) =
                    (client.list_clusters().await, client.list_snapshots().await)
                else {
                    continue;
                };
                task_calls.fetch_add(2, Ordering::SeqCst);
                let now = http.get(format!("{base}/_sim/clock")).send().await.ok();
                let now = match now {
                    Some(resp) => resp.json::<Value>().await.ok(),
                    None => None,
                };
                let now = now.and_then(|v| v["now"].as_f64()).unwrap_or(0.0);
                {
                    let mut spans = task_spans.lock().expect("spans");
                    for c in &clusters {
                        let settled = c.status == "AVAILABLE"
                            && c.task_status.as_deref().unwrap_or("").is_empty()
                            && c.action_progress.is_empty();
                        record(&mut spans, &format!("cluster {}", c.name), now, settled);
                        if let Some(task) = c.task_status.as_deref().filter(|t| !t.is_empty()) {
                            record(&mut spans, &format!("task {} {task}", c.name), now, false);
                        }
                    }
                    for s in &snapshots {
                        record(
                            &mut spans,
                            &format!("snapshot {}", s.name),
                            now,
                            s.status == "AVAILABLE",
                        );
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(tick) => {}
                    _ = stopped.changed() => {}
                }
            }
        });
        Self {
            spans,
            calls,
            stop,
            task,
        }
    }

    /// Each operation's duration, when the last cluster was first seen, and the observer's
    /// own calls.
    async fn finish(self) -> (BTreeMap<String, f64>, f64, u64) {
        self.stop.send_replace(true);
        let _ = self.task.await;
        let spans = self.spans.lock().expect("spans").clone();
        let last_seen = spans
            .iter()
            .filter(|(name, _)| name.starts_with("cluster "))
            .map(|(_, (start, _))| *start)
            .fold(0.0, f64::max);
        let durations = spans
            .into_iter()
            .filter_map(|(name, (start, end))| end.map(|end| (name, end - start)))
            .collect();
        (durations, last_seen, self.calls.load(Ordering::SeqCst))
    }
}

fn record(spans: &mut BTreeMap<String, (f64, Option<f64>)>, key: &str, now: f64, settled: bool) {
    let entry = spans.entry(key.to_owned()).or_insert((now, None));
    if settled && entry.1.is_none() {
        entry.1 = Some(now);
    }
}

fn create_params() -> CreateClusterParams {
    CreateClusterParams {
        node_type: "dws.m3.xlarge".into(),
        number_of_node: 3,
        vpc_id: sim::DEFAULT_VPC_ID.into(),
        subnet_id: sim::DEFAULT_SUBNET_ID.into(),
        security_group_id: sim::DEFAULT_SECURITY_GROUP_ID.into(),
        availability_zone: None,
        port: None,
        user_name: "dbadmin".into(),
        password: SecretRef::FromEnv("DWS_ADMIN_PASSWORD".into()),
        public_ip: None,
        number_of_cn: None,
        enterprise_project_id: None,
        tags: vec![plan::TagKv {
            key: plan::OWNERSHIP_TAG_KEY.into(),
            value: plan::OWNERSHIP_TAG_VALUE.into(),
        }],
    }
}

fn wide_plan(count: usize) -> Plan {
    let steps = (0..count)
        .map(|i| Step {
            id: StepId(format!("cluster.wide-{i:03}.create")),
            target: Target::Cluster {
                name: format!("wide-{i:03}"),
            },
            action: Action::CreateCluster(create_params()),
            changes: Vec::new(),
            reason: "bench".into(),
            depends_on: Vec::new(),
            fingerprint: Fingerprint::absent(),
            maintenance: None,
        })
        .collect();
    Plan {
        format_version: plan::FORMAT_VERSION,
        spec_digest: "bench".into(),
        steps,
    }
}

fn chain_plan() -> Plan {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.yaml");
    let loaded = dwsctl::spec::load(&[path]).expect("quickstart");
    plan::diff(
        &loaded.desired,
        &dwsctl::api::Live::default(),
        &loaded.digest,
    )
}

struct Figures {
    makespan: f64,
    /// When the last cluster was first listed, after the start (the creates' sending).
    last_start: f64,
    critical_path: f64,
    polls: u64,
    operations: usize,
}

impl Figures {
    fn print(&self, who: &str, scenario: &str) {
        println!(
            "{scenario:7} {who:15} makespan {:6.0} s  critical path {:6.0} s  ratio {:5.3}  \
             over {:5.0} s  status calls {:4} = {:6.2}/operation, {:5.2}/simulated minute  \
             (last cluster seen after {:4.0} s)",
            self.makespan,
            self.critical_path,
            self.makespan / self.critical_path.max(1.0),
            self.makespan - self.critical_path,
            self.polls,
            self.polls as f64 / self.operations.max(1) as f64,
            self.polls as f64 * 60.0 / self.makespan.max(1.0),
            self.last_start,
        );
    }
}

/// Critical path from the observer's spans: wide = the longest create; chain = create of
/// dws-demo, then its snapshot, then the restore.
fn critical_path(scenario: &str, spans: &BTreeMap<String, f64>) -> f64 {
    if scenario != "chain" {
        spans
            .iter()
            .filter(|(k, _)| k.starts_with("cluster "))
            .map(|(_, d)| *d)
            .fold(0.0, f64::max)
    } else {
        let get = |k: &str| spans.get(k).copied().unwrap_or(0.0);
        get("cluster dws-demo")
            + get("snapshot snapshotForDemoCluster")
            + get("cluster dws-restore")
    }
}

fn status_polls(requests: &BTreeMap<String, u64>) -> u64 {
    requests
        .iter()
        .filter(|(route, _)| route.starts_with("GET /v1.0/"))
        .map(|(_, n)| *n)
        .sum()
}

async fn dwsctl_run(scenario: &str, scale: f64, seed: u64) -> Figures {
    let bench = Bench::new(scale, seed).await;
    let plan = if scenario == "chain" {
        chain_plan()
    } else {
        wide_plan(wide_count(scenario))
    };
    bench.reset_requests().await;
    let observer = Observer::start(&bench);
    let start = bench.clock().await;
    let options = Options {
        time_scale: scale,
        parallelism: TF_PARALLELISM,
        ..Options::default()
    };
    let report = exec::execute(&plan, bench.client.clone(), options, Arc::new(NoEvents))
        .await
        .expect("execute");
    let end = bench.clock().await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let (spans, last_seen, observer_calls) = observer.finish().await;
    let requests = bench.requests().await;
    Figures {
        makespan: end - start,
        last_start: last_seen - start,
        critical_path: critical_path(scenario, &spans),
        polls: status_polls(&requests).saturating_sub(observer_calls),
        operations: plan.steps.len(),
    }
}

/// The Terraform-like baseline: a slot per resource for its whole create-and-wait, a detail
/// GET per resource every 30 s.
async fn terraform_like(scenario: &str, scale: f64, seed: u64) -> Figures {
    let bench = Arc::new(Bench::new(scale, seed).await);
    bench.reset_requests().await;
    let observer = Observer::start(&bench);
    let start = bench.clock().await;
    let slots = Arc::new(Semaphore::new(TF_PARALLELISM));
    let operations = if scenario == "chain" {
        let _slot = slots.acquire().await;
        tf_chain(&bench).await;
        3
    } else {
        let count = wide_count(scenario);
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..count {
            let (bench, slots) = (Arc::clone(&bench), Arc::clone(&slots));
            tasks.spawn(async move {
                let _slot = slots.acquire_owned().await;
                tf_create(&bench, &format!("wide-{i:03}")).await;
            });
        }
        while tasks.join_next().await.is_some() {}
        count
    };
    let end = bench.clock().await;
    let (spans, last_seen, observer_calls) = observer.finish().await;
    let requests = bench.requests().await;
    Figures {
        makespan: end - start,
        last_start: last_seen - start,
        critical_path: critical_path(scenario, &spans),
        polls: status_polls(&requests).saturating_sub(observer_calls),
        operations,
    }
}

/// create → wait → snapshot → wait → restore → wait, one GET per wait tick.
async fn tf_chain(bench: &Bench) {
    let id = tf_create(bench, "dws-demo").await;
    let snapshot = bench
        .client
        .create_snapshot(&wire::CreateSnapshot {
            name: "snapshotForDemoCluster".into(),
            cluster_id: id,
            description: None,
        })
        .await
        .expect("snapshot");
    loop {
        bench.sleep(TF_POLL).await;
        if bench
            .client
            .get_snapshot(&snapshot)
            .await
            .is_ok_and(|s| s.status == "AVAILABLE")
        {
            break;
        }
    }
    let restored = bench
        .client
        .restore_cluster(
            &snapshot,
            &wire::Restore {
                name: "dws-restore".into(),
                ..wire::Restore::default()
            },
        )
        .await
        .expect("restore");
    tf_wait(bench, &restored).await;
}

async fn tf_create(bench: &Bench, name: &str) -> String {
    let id = bench
        .client
        .create_cluster(&wire::CreateCluster {
            name: name.into(),
            node_type: "dws.m3.xlarge".into(),
            number_of_node: 3,
            subnet_id: sim::DEFAULT_SUBNET_ID.into(),
            security_group_id: sim::DEFAULT_SECURITY_GROUP_ID.into(),
            vpc_id: sim::DEFAULT_VPC_ID.into(),
            availability_zone: None,
            port: None,
            user_name: "dbadmin".into(),
            user_pwd: Secret::new(PASSWORD),
            public_ip: None,
            number_of_cn: None,
            tags: None,
            enterprise_project_id: None,
        })
        .await
        .expect("create");
    tf_wait(bench, &id).await;
    id
}

async fn tf_wait(bench: &Bench, id: &str) {
    loop {
        bench.sleep(TF_POLL).await;
        if let Ok(c) = bench.client.get_cluster(id).await {
            if c.status == "AVAILABLE" && c.task_status.as_deref().unwrap_or("").is_empty() {
                return;
            }
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    std::env::set_var("DWS_ADMIN_PASSWORD", PASSWORD);
    let scale: f64 = std::env::var("DWSCTL_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500.0);
    println!("apply makespan, simulator time scale {scale} (times in simulated seconds)");
    for (seed, scenario) in [(2, "chain"), (1, "wide"), (3, "wide200")] {
        dwsctl_run(scenario, scale, seed)
            .await
            .print("dwsctl", scenario);
        terraform_like(scenario, scale, seed)
            .await
            .print("terraform-like", scenario);
    }
}
