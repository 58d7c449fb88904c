//! SIGINT at seeded random points of `dwsctl apply`, then a re-run: the first run exits with
//! 130 (or 0 if it finished first), the re-run completes, the next plan is empty, and no
//! cluster or snapshot exists twice.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::task::JoinSet;

use super::apply_cli::{command, dwsctl};
use super::apply_support::{client_for, example};
use dwsctl::sim::{self, Config};

/// Slow enough that a kill lands in every stage of the quickstart (about 3 s of wall time).
const SCALE: &str = "600";
const SEEDS: u64 = 6;

/// Waits (without a time limit: a slow machine only makes the test slower) until process
/// `pid` has a SIGINT handler, as Linux shows in `SigCgt`, or has exited; elsewhere, returns
/// at once.
pub fn wait_until_it_catches_sigint(pid: u32) {
    const SIGINT_BIT: u64 = 1 << (2 - 1);
    let status = format!("/proc/{pid}/status");
    loop {
        let Ok(text) = std::fs::read_to_string(&status) else {
            return;
        };
        // Exited already (a zombie until waited for): nothing left to wait for.
        if text
            .lines()
            .any(|line| line.starts_with("State:") && line.contains('Z'))
        {
            return;
        }
        let caught = text
            .lines()
            .find_map(|line| line.strip_prefix("SigCgt:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok());
        match caught {
            Some(mask) if mask & SIGINT_BIT != 0 => return,
            Some(_) => std::thread::sleep(Duration::from_millis(2)),
            None => return,
        }
    }
}

/// Counts objects by name in the simulator state the runs left behind.
async fn names(state: &std::path::Path) -> BTreeMap<String, usize> {
    let handle = sim::spawn(Config {
        state_file: Some(state.to_owned()),
        ..Config::default()
    })
    .await
    .expect("simulator on the state file");
    let live = client_for(&handle.base_url(), 1.0)
        .observe()
        .await
        .expect("observe");
    let mut names = BTreeMap::new();
    for c in &live.clusters {
        *names.entry(format!("cluster {}", c.name)).or_default() += 1;
    }
    for s in &live.snapshots {
        *names.entry(format!("snapshot {}", s.name)).or_default() += 1;
    }
    names
}

async fn one_seed(seed: u64) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let q = example("quickstart.yaml").display().to_string();
    let delay = Duration::from_millis(ChaCha8Rng::seed_from_u64(seed).gen_range(100..3500));
    let cmd = command(dir.path(), SCALE, &["apply", "-f", &q, "--yes"]);
    let (code, exit_after) = tokio::task::spawn_blocking(move || {
        let child = cmd.spawn();
        // The delay counts from when the process handles SIGINT: before that, on a loaded
        // machine, the signal's default action would kill a process still starting up.
        wait_until_it_catches_sigint(child.id());
        std::thread::sleep(delay);
        let sent = Instant::now();
        child.signal("-INT");
        let run = child.wait();
        (run.code(), sent.elapsed())
    })
    .await
    .map_err(|e| e.to_string())?;
    if !matches!(code, Some(130) | Some(0)) {
        return Err(format!("seed {seed}: interrupted run exited with {code:?}"));
    }
    let rerun = dwsctl(dir.path(), &["apply", "-f", &q, "--yes"]).await;
    if rerun.status.code() != Some(0) {
        return Err(format!(
            "seed {seed}: re-run exited with {:?}:\n{}",
            rerun.status.code(),
            String::from_utf8_lossy(&rerun.stderr)
        ));
    }
    let plan = dwsctl(dir.path(), &["plan", "-f", &q, "--detailed-exitcode"]).await;
    if plan.status.code() != Some(0) {
        return Err(format!("seed {seed}: plan after the re-run is not empty"));
    }
    let names = names(&dir.path().join("sim-state.json")).await;
    if names.values().any(|n| *n > 1) || names.len() != 3 {
        return Err(format!("seed {seed}: objects after the re-run: {names:?}"));
    }
    Ok(format!(
        "seed {seed}: SIGINT after {delay:?}, exit {code:?} {exit_after:?} later"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_at_random_points_then_a_rerun_converges_without_duplicates() {
    let mut tasks = JoinSet::new();
    for seed in 0..SEEDS {
        tasks.spawn(one_seed(seed));
    }
    let mut failures = Vec::new();
    let mut interrupted = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("join") {
            Ok(line) => interrupted += usize::from(line.contains("Some(130)")),
            Err(failure) => failures.push(failure),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(interrupted > 0, "no run was actually interrupted");
}
