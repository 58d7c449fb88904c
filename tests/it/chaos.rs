//! The chaos campaign (issue 10): a 15-cluster change (creates, a restore chain, scaling both
//! ways, a password rotation, a delete, a security group, an EIP and a description changed in
//! place, a stop, a start followed by a scale-out, a rename, CNs added and deleted) applied to
//! an estate that the cloud keeps busy with automated snapshots every few simulated minutes,
//! under seeded transport faults and, on some seeds, a task that fails. Even seeds play OTC,
//! odd ones Huawei Cloud.
//!
//! Asserted for every seed: no duplicate cluster or snapshot; no operation applied twice (the
//! node counts end exactly where the spec puts them, and no create-like call was sent more
//! often than the unknown-outcome rule allows, by `/_sim/requests`); every failed step gives
//! the cloud's reason (a `DWS.`/`APIG.` code) and, when it was an API answer, its request id;
//! at most two re-runs converge unless a task failed, in which case the re-runs block the
//! failed object with its rule instead of sending the operation again.
//!
//! `DWSCTL_CHAOS_SEEDS=N` runs more seeds (the benchmark tier; 50 by default),
//! `DWSCTL_CHAOS_SEEDS=FROM..TO` replays some.

use std::collections::BTreeMap;
use std::time::Duration;

use dwsctl::api::state::{snapshot_kind, SnapshotKind};
use dwsctl::exec::{Outcome, Report};
use dwsctl::plan::{Action, Plan};
use dwsctl::sim::Profile;
use dwsctl::spec::Loaded;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::apply_support::{client_for, client_with_timeout, load_spec, run_seeds, World};
use super::huawei_apply::world_on;

/// Slower than the quickstart campaign's 3000: a cluster's idle time between two automated
/// snapshots (at least ~3 simulated minutes) must stay longer than a loaded 2-core machine's
/// scheduling hiccups (90 ms here), or no listing sees the cluster idle.
const SCALE: f64 = 2000.0;
const CONCURRENT_SEEDS: usize = 10;
/// The client gives up on an answer after this long (real time) ...
const REQUEST_TIMEOUT: Duration = Duration::from_millis(400);
/// ... and `hang_after_commit` holds committed answers this long (real milliseconds).
const HELD_MS: (u64, u64) = (500, 800);
/// The rotated password (it must differ from the first, or the API refuses the reset).
const ROTATED_PASSWORD: &str = "Chaos-Rotated-Pw!2025";

const DEFAULTS: &str = "version: 1
defaults:
  node_type: dws.d1.xlarge
  vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11
  subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec
  security_group_id: 12e3c23a-8710-4b75-95e4-5c8d7f68ef3c
  user_name: dbadmin
  password: {from_env: DWS_ADMIN_PASSWORD}
";

/// The estate before the change.
const BEFORE: &str = "clusters:
  grow: {number_of_node: 3}
  shrink: {number_of_node: 6}
  rotate: {number_of_node: 3, password_version: 1, number_of_cn: 2}
  doomed: {number_of_node: 3}
  netted:
    number_of_node: 3
    public_ip: {public_bind_type: bind_existing, eip_id: a1b2c3d4-0001-4e5f-8a9b-000000000001}
  sleepy: {number_of_node: 3}
  waking: {number_of_node: 3, power: stopped}
  was-named: {number_of_node: 3}
";

/// The change: thirteen clusters.
const AFTER: &str = "clusters:
  grow: {number_of_node: 6}
  shrink: {number_of_node: 3, number_of_cn: 2}
  rotate:
    number_of_node: 3
    number_of_cn: 3
    password: {from_env: DWSCTL_CHAOS_ROTATED}
    password_version: 2
  doomed: {state: absent}
  fresh-a:
    number_of_node: 3
    snapshots: {snap-a: First link of the chain}
  chain-b:
    restore_from: snap-a
    snapshots: {snap-b: Second link of the chain}
  chain-c: {restore_from: snap-b}
  fresh-d: {number_of_node: 3}
  fresh-e: {number_of_node: 4}
  fresh-f:
    number_of_node: 3
    tags: {team: chaos}
  netted:
    number_of_node: 3
    security_group_id: 2b1c5f5e-6e7a-4b8c-9d0e-1f2a3b4c5d6e
    public_ip: {public_bind_type: bind_existing, eip_id: a1b2c3d4-0001-4e5f-8a9b-000000000002}
    description: Changed in place under chaos
  sleepy: {number_of_node: 3, power: stopped}
  waking: {number_of_node: 6, power: running}
  now-named: {number_of_node: 3, renamed_from: was-named}
";

/// The node count each cluster of [`AFTER`] ends with.
const NODES: &[(&str, u32)] = &[
    ("grow", 6),
    ("shrink", 3),
    ("rotate", 3),
    ("fresh-a", 3),
    ("chain-b", 3),
    ("chain-c", 3),
    ("fresh-d", 3),
    ("fresh-e", 4),
    ("fresh-f", 3),
    ("netted", 3),
    ("sleepy", 3),
    ("waking", 6),
    ("now-named", 3),
];

/// Routes whose calls take effect when answered: where transport faults go.
const MUTATING_ROUTES: &[&str] = &[
    "POST /v1.0/{project_id}/clusters",
    "POST /v1.0/{project_id}/snapshots",
    "POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/tags/batch-create",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/resize",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/cluster-shrink",
    "DELETE /v1.0/{project_id}/clusters/{cluster_id}",
    "PUT /v1/{project_id}/clusters/{cluster_id}/security-group",
    "DELETE /v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}",
    "POST /v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}",
    "POST /v1/{project_id}/clusters/{cluster_id}/start",
    "POST /v1/{project_id}/clusters/{cluster_id}/stop",
    "PUT /v1/{project_id}/clusters/{cluster_id}/cluster-name",
    "POST /v1/{project_id}/clusters/{cluster_id}/description",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-create",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-delete",
];
const CREATE_ROUTES: &[&str] = &[
    "POST /v1.0/{project_id}/clusters",
    "POST /v1.0/{project_id}/snapshots",
    "POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions",
];
/// Where a seed's failing task may go, and the operations of [`AFTER`] on that route. Not
/// the CN routes: a failed CN task shows its reason only until the cluster's next task (an
/// automated snapshot here) clears it, and the CN count is in no listing, so a run that
/// missed that window cannot give the cloud's reason, which [`check_reasons`] demands.
const TASK_ROUTES: &[&str] = &[
    "POST /v1.0/{project_id}/clusters",
    "POST /v1.0/{project_id}/snapshots",
    "POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/resize",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/cluster-shrink",
    "DELETE /v1.0/{project_id}/clusters/{cluster_id}",
    "POST /v1/{project_id}/clusters/{cluster_id}/start",
    "POST /v1/{project_id}/clusters/{cluster_id}/stop",
];

/// What a seed injects.
#[derive(Clone, Debug, PartialEq)]
pub struct Chaos {
    pub profile: Profile,
    /// Simulated seconds between automated snapshots.
    pub every_seconds: f64,
    /// The route of the task that fails, on one seed in three.
    pub task_fails: Option<&'static str>,
    pub faults: Value,
}

/// A seed's chaos: every transport fault kind with seed-dependent probabilities (lower than
/// the quickstart campaign's, for a run makes about 30 calls that change something).
pub fn chaos(seed: u64) -> Chaos {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xc4a0_5eed);
    let server_error = [500, 502, 503, 504][rng.gen_range(0..4)];
    let mut rules = vec![
        json!({"route": "*", "probability": rng.gen_range(0.0..0.05),
               "fault": {"kind": "status", "status": 429, "retry_after": rng.gen_range(1..4)}}),
        json!({"route": "*", "probability": rng.gen_range(0.0..0.03),
               "fault": {"kind": "status", "status": server_error}}),
        json!({"route": "*", "probability": rng.gen_range(0.0..0.1),
               "fault": {"kind": "latency", "ms": rng.gen_range(1..20)}}),
    ];
    for route in MUTATING_ROUTES {
        for kind in ["reset_before_commit", "reset_after_commit"] {
            rules.push(
                json!({"route": route, "probability": rng.gen_range(0.0..0.15),
                              "fault": {"kind": kind}}),
            );
        }
        rules.push(
            json!({"route": route, "probability": rng.gen_range(0.0..0.08),
                          "fault": {"kind": "hang_after_commit",
                                    "ms": rng.gen_range(HELD_MS.0..HELD_MS.1)}}),
        );
    }
    for route in CREATE_ROUTES {
        rules.push(
            json!({"route": route, "probability": rng.gen_range(0.0..0.4),
                          "fault": {"kind": "list_lag", "seconds": rng.gen_range(0.0..150.0)}}),
        );
    }
    let task_fails = (seed % 3 == 2).then(|| TASK_ROUTES[rng.gen_range(0..TASK_ROUTES.len())]);
    if let Some(route) = task_fails {
        rules.push(json!({"route": route, "times": 1, "fault": {"kind": "task_fails"}}));
    }
    Chaos {
        profile: if seed % 2 == 0 {
            Profile::Otc
        } else {
            Profile::Huawei
        },
        every_seconds: rng.gen_range(420.0..900.0),
        task_fails,
        faults: json!({"seed": seed, "rules": rules}),
    }
}

fn load(dir: &std::path::Path, name: &str, clusters: &str) -> Loaded {
    std::env::set_var("DWSCTL_CHAOS_ROTATED", ROTATED_PASSWORD);
    load_spec(dir, name, &format!("{DEFAULTS}{clusters}"))
}

/// What the re-runs still find to do: steps that are neither waits on the cloud's own
/// operations (an automated snapshot running) nor blocked.
fn work_left(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .filter(|s| !matches!(s.action, Action::Wait { .. } | Action::Blocked(_)))
        .map(|s| s.id.0.clone())
        .collect()
}

fn blocked(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Blocked(b) => Some(format!("{} {}", s.id.0, b.rule)),
            _ => None,
        })
        .collect()
}

/// Every failed step says what the cloud said: a code, and the request id of an answer.
fn check_reasons(seed: u64, run: &str, report: &Report) -> Result<(), String> {
    for step in &report.steps {
        let Outcome::Failed { reason } = &step.outcome else {
            continue;
        };
        let answered = reason.contains(" HTTP ");
        let coded = ["DWS.", "APIG.", "APIGW."]
            .iter()
            .any(|c| reason.contains(c));
        let no_answer = reason.contains("outcome unknown") || reason.contains("connection");
        let status_only = failed_snapshot(reason);
        if (answered && !reason.contains("[request id ")) || !(coded || no_answer || status_only) {
            return Err(format!(
                "seed {seed} {run}: {} failed without the cloud's reason and request id: \
                 {reason}",
                step.step.0
            ));
        }
    }
    Ok(())
}

/// Whether a step failed because its task did: the console's `DWS.60xx` failure codes, or
/// a snapshot the cloud marked failed (the snapshot answers document no reason field).
fn task_fails_seen(report: &Report) -> bool {
    report.steps.iter().any(|s| match &s.outcome {
        Outcome::Failed { reason } => reason.contains("(DWS.60") || failed_snapshot(reason),
        _ => false,
    })
}

fn failed_snapshot(reason: &str) -> bool {
    reason.starts_with("snapshot ") && reason.contains("(the cloud failed or cancelled it)")
}

async fn apply(seed: u64, run: &str, world: &World, loaded: &Loaded) -> Result<Report, String> {
    let report = world
        .apply(loaded)
        .await
        .map_err(|err| format!("seed {seed} {run}: {err}"))?;
    check_reasons(seed, run, &report)?;
    Ok(report)
}

/// One seed; returns what it did (for the campaign's tally) or what went wrong.
async fn one_seed(seed: u64) -> Result<Tally, String> {
    let chaos = chaos(seed);
    let mut world = world_on(chaos.profile, SCALE, seed).await;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let before = load(dir.path(), "before.yaml", BEFORE);
    let after = load(dir.path(), "after.yaml", AFTER);
    let setup = apply(seed, "setup", &world, &before).await?;
    if setup.counts().done != setup.steps.len() {
        return Err(format!("seed {seed}: setup did not complete: {setup:?}"));
    }
    let background = json!({"automated_snapshots": {"every_seconds": chaos.every_seconds}});
    world.post("/_sim/background", &background).await;
    world.post("/_sim/faults", &chaos.faults).await;
    // Impatient for the faulted run only, so that `hang_after_commit` bites.
    world.client = client_with_timeout(&world.base, SCALE, Some(REQUEST_TIMEOUT));
    let first = apply(seed, "faulted run", &world, &after).await?;
    let mut tally = Tally::default();
    let rules = world.get("/_sim/faults").await;
    for rule in rules["rules"].as_array().into_iter().flatten() {
        let kind = rule["fault"]["kind"].as_str().unwrap_or("?").to_owned();
        *tally.fired.entry(kind).or_default() += rule["fired"].as_u64().unwrap_or(0);
    }
    world.clear_faults().await;
    // The re-runs meet no injected fault: a client with the normal request timeout, so that
    // a loaded test machine cannot fake the hang faults the faulted run had.
    world.client = client_for(&world.base, SCALE);
    let mut plan = world.plan(&after).await?;
    let mut task_failed = task_fails_seen(&first);
    for rerun in 1..=2 {
        // A plan with a blocked step is refused whole (exit 3): only a failed task blocks.
        if work_left(&plan).is_empty() || !blocked(&plan).is_empty() {
            break;
        }
        tally.reruns += 1;
        let report = apply(seed, &format!("re-run {rerun}"), &world, &after).await?;
        task_failed |= task_fails_seen(&report);
        plan = world.plan(&after).await?;
    }
    // A failed task is reported with the cloud's reason; the next plan blocks the object
    // with its rule and the documented way forward, or plans it anew once a later task (an
    // automated snapshot) cleared the failure from the cluster. Nothing else may be left.
    let left = work_left(&plan);
    let stuck = !left.is_empty() || !blocked(&plan).is_empty();
    if stuck && !task_failed {
        return Err(format!(
            "seed {seed} ({:?}, automated snapshots every {:.0} s): not converged after two \
             re-runs: work left {left:?}, blocked {:?}; faulted run: {first:?}",
            chaos.profile,
            chaos.every_seconds,
            blocked(&plan)
        ));
    }
    if task_failed {
        tally.tasks_failed += 1;
    }
    check_applied_once(seed, &world, task_failed).await?;
    Ok(tally)
}

/// No duplicates, the node counts exact, and no create-like call sent more than the
/// unknown-outcome rule allows (3 sends per object, 4 with a 409 answer adopted).
async fn check_applied_once(seed: u64, world: &World, task_failed: bool) -> Result<(), String> {
    let duplicates = world.duplicates().await;
    if !duplicates.is_empty() {
        return Err(format!("seed {seed}: duplicates: {duplicates:?}"));
    }
    let live = world.client.observe().await.map_err(|e| e.to_string())?;
    if live.cluster("doomed").is_some() && !task_failed {
        return Err(format!("seed {seed}: doomed was not deleted"));
    }
    for (name, nodes) in NODES {
        let Some(cluster) = live.cluster(name) else {
            if task_failed {
                continue; // a failed create or restore blocks its chain
            }
            return Err(format!("seed {seed}: {name} is missing"));
        };
        let planned_from = match *name {
            "grow" | "waking" => 3,
            "shrink" => 6,
            _ => *nodes,
        };
        let ok = cluster.number_of_node == *nodes
            || (task_failed && cluster.number_of_node == planned_from);
        if !ok {
            return Err(format!(
                "seed {seed}: {name} has {} nodes, the spec says {nodes}",
                cluster.number_of_node
            ));
        }
    }
    // The CNs added (rotate) and deleted (shrink) once each: the counts the spec gives.
    for (name, want) in [("rotate", 3), ("shrink", 2)] {
        let Some(id) = live.cluster(name).map(|c| c.id.clone()) else {
            continue;
        };
        let cns = world.client.list_coordinators(&id).await;
        let have = cns.map_err(|e| e.to_string())?.instances.len();
        if have != want && !task_failed {
            return Err(format!(
                "seed {seed}: {name} has {have} CNs, the spec says {want}"
            ));
        }
    }
    // Renamed, not created anew: the old name is gone.
    if live.cluster("was-named").is_some() {
        return Err(format!("seed {seed}: was-named is still listed"));
    }
    // The security group and EIP changed in place, each to the spec's value.
    if let Some(netted) = live.cluster("netted") {
        let got = (netted.security_group_id.as_deref(), netted.bound_eip());
        if got
            != (
                Some(dwsctl::sim::SECOND_SECURITY_GROUP_ID),
                Some(dwsctl::sim::DEFAULT_EIP_IDS[1]),
            )
        {
            return Err(format!(
                "seed {seed}: netted has security group and EIP {got:?}"
            ));
        }
    }
    // `power`: stopped and started as the spec says (a failed start or stop leaves either).
    for (name, want) in [("sleepy", "STOPPED"), ("waking", "AVAILABLE")] {
        let status = live.cluster(name).map(|c| c.status.as_str());
        if status != Some(want) && !task_failed {
            return Err(format!(
                "seed {seed}: {name} is {status:?}, the spec says {want}"
            ));
        }
    }
    // The manual snapshots are exactly the spec's two and doomed's final one (a second final
    // snapshot would carry another name, so the duplicate check alone would not see it).
    let manual: Vec<&str> = live
        .snapshots
        .iter()
        .filter(|s| snapshot_kind(s) == SnapshotKind::Manual)
        .map(|s| s.name.as_str())
        .collect();
    if manual.len() > 3 || (!task_failed && manual.len() != 3) {
        return Err(format!("seed {seed}: manual snapshots {manual:?}"));
    }
    // Creates and restores are never refused as busy, so their counters show every send:
    // at most 3 per object (the unknown-outcome rule) and one more answered 409 and adopted.
    let requests = world.requests().await;
    for (route, objects) in [
        ("POST /v1.0/{project_id}/clusters", 8 + 4),
        ("POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions", 2),
    ] {
        let sent = requests.get(route).copied().unwrap_or(0);
        if sent > objects * 4 {
            return Err(format!(
                "seed {seed}: {route} sent {sent} times for {objects} objects"
            ));
        }
    }
    Ok(())
}

/// What the seeds did, to show that the faults bit.
#[derive(Default, Debug)]
pub struct Tally {
    pub fired: BTreeMap<String, u64>,
    pub reruns: u64,
    pub tasks_failed: u64,
}

pub async fn campaign(seeds: std::ops::Range<u64>) -> (Vec<String>, Tally) {
    let (failures, tallies) = run_seeds(seeds, CONCURRENT_SEEDS, one_seed).await;
    let mut total = Tally::default();
    for tally in tallies {
        total.reruns += tally.reruns;
        total.tasks_failed += tally.tasks_failed;
        for (kind, n) in tally.fired {
            *total.fired.entry(kind).or_default() += n;
        }
    }
    (failures, total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chaos_campaign_no_duplicates_no_double_operations_reasons_and_convergence() {
    // `N` seeds from 0, or `FROM..TO` to replay some.
    let var = std::env::var("DWSCTL_CHAOS_SEEDS").unwrap_or_default();
    let seeds = match var.split_once("..") {
        Some((from, to)) => from.parse().unwrap_or(0)..to.parse().unwrap_or(0),
        None => 0..var.parse().unwrap_or(50),
    };
    let (failures, tally) = campaign(seeds.clone()).await;
    assert!(
        failures.is_empty(),
        "{} of the seeds {seeds:?} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    if seeds.end - seeds.start < 20 {
        return; // a replay of a few seeds need not meet every fault
    }
    for kind in [
        "status",
        "latency",
        "reset_before_commit",
        "reset_after_commit",
        "hang_after_commit",
        "list_lag",
        "task_fails",
    ] {
        assert!(
            tally.fired.get(kind).is_some_and(|n| *n > 0),
            "{kind} never fired: {tally:?}"
        );
    }
    assert!(tally.tasks_failed > 0, "{tally:?}");
}

#[test]
fn chaos_is_seeded_and_covers_both_profiles_and_failing_tasks() {
    assert_eq!(chaos(7), chaos(7));
    assert_ne!(chaos(7).faults, chaos(8).faults);
    let seeds: Vec<Chaos> = (0..6).map(chaos).collect();
    assert!(seeds.iter().any(|c| c.profile == Profile::Huawei));
    assert!(seeds.iter().any(|c| c.profile == Profile::Otc));
    assert!(seeds.iter().any(|c| c.task_fails.is_some()));
    assert!(seeds
        .iter()
        .all(|c| (420.0..900.0).contains(&c.every_seconds)));
}

/// A plan made while the cluster was idle meets it taking an automated snapshot: apply waits
/// for the snapshot to end, verifies again, and scales once (a scale-out sent meanwhile would
/// be refused as busy and counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_waits_out_an_automated_snapshot_and_then_proceeds() {
    for profile in [Profile::Otc, Profile::Huawei] {
        let world = world_on(profile, 2000.0, 31).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let before = load(
            dir.path(),
            "before.yaml",
            "clusters:\n  grow: {number_of_node: 3}\n",
        );
        let after = load(
            dir.path(),
            "after.yaml",
            "clusters:\n  grow: {number_of_node: 6}\n",
        );
        let setup = world.apply(&before).await.expect("setup");
        assert_eq!(setup.counts().done, 1, "{setup:?}");
        let idle = world.client.observe().await.expect("observe");
        let plan = dwsctl::plan::diff(&after.desired, &idle, &after.digest);
        assert_eq!(
            work_left(&plan),
            ["cluster.grow.scale_out", "cluster.grow.record"],
            "{plan:?}"
        );

        let report = world
            .execute_meeting_an_automated_snapshot(&plan, idle, "grow")
            .await;
        // The scale, then the record of the apply.
        assert_eq!(report.counts().done, 2, "{profile:?}: {report:?}");
        let live = world.client.observe().await.expect("observe");
        assert_eq!(live.cluster("grow").map(|c| c.number_of_node), Some(6));
        let auto: Vec<_> = live
            .snapshots
            .iter()
            .filter(|s| snapshot_kind(s) == SnapshotKind::Automated)
            .collect();
        assert_eq!(auto.len(), 1, "{auto:?}");
        assert_eq!(auto[0].status, "AVAILABLE");
        let requests = world.requests().await;
        assert_eq!(
            requests.get("POST /v1.0/{project_id}/clusters/{cluster_id}/resize"),
            Some(&1),
            "{profile:?}: {requests:?}"
        );
    }
}
