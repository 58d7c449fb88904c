//! `dwsctl plan` at scale: against a simulator seeded with 1,000 clusters and 10,000
//! snapshots, prints wall time, CPU time and peak memory of one plan, and the number of API
//! calls it made. Targets (README, "Planning changes", "Performance"): exactly 2 calls, under
//! 0.5 s of CPU and 64 MB.
//!
//! The simulator runs as a separate `dwsctl sim serve` process, and each scenario runs in a
//! fresh child of this binary, so the CPU and peak-memory figures (read from /proc: no unsafe
//! code, no extra crate) are the plan's alone.
//!
//! Scenarios: `quickstart` (the example spec: two clusters to create, among 1,000 others)
//! and `adopt-all` (a spec naming all 1,000 clusters and their 10,000 snapshots, adopting
//! each: 1,000 tag steps).

// A benchmark's output is its figures, on stdout.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use clap::Parser;
use dwsctl::cli::connect::{connect_with, Access};
use dwsctl::cli::Cli;
use dwsctl::sim;

type Res<T> = Result<T, Box<dyn Error>>;

const CLUSTERS: u64 = 1000;
const SNAPSHOTS: u64 = 10_000;

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, scenario, base, spec] = args.as_slice() {
        if flag == "--scenario" {
            return scenario_child(scenario, base, Path::new(spec));
        }
    }
    parent()
}

/// Stops the simulator when the benchmark ends, however it ends.
struct SimProcess(Child);

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn parent() -> Res<()> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dwsctl"))
        .args(["sim", "serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or("no simulator stderr")?;
    let sim_process = SimProcess(child);
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .ok_or("the simulator exited before listening")??;
        if let Some((_, url)) = line.split_once("listening on ") {
            break url.trim().to_owned();
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let http = reqwest::Client::new();
    let seeded = runtime.block_on(async {
        http.post(format!("{base}/_sim/seed"))
            .json(&serde_json::json!({"clusters": CLUSTERS, "snapshots": SNAPSHOTS}))
            .send()
            .await?
            .error_for_status()
    });
    seeded?;
    let dir = tempfile::tempdir()?;
    let adopt_all = dir.path().join("adopt-all.yaml");
    write_adopt_all(&adopt_all)?;
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.yaml");
    println!("plan against {CLUSTERS} clusters and {SNAPSHOTS} snapshots (simulator on loopback)");
    for (name, spec) in [("quickstart", quickstart), ("adopt-all", adopt_all)] {
        runtime.block_on(async {
            http.delete(format!("{base}/_sim/requests"))
                .send()
                .await?
                .error_for_status()
        })?;
        let out = Command::new(std::env::current_exe()?)
            .args(["--scenario", name, &base])
            .arg(&spec)
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "scenario {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let counts: serde_json::Value = runtime.block_on(async {
            http.get(format!("{base}/_sim/requests"))
                .send()
                .await?
                .json()
                .await
        })?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        println!(
            "  API calls:    {} ({})",
            counts["total"], counts["requests"]
        );
    }
    drop(sim_process);
    Ok(())
}

/// A spec that names every seeded cluster and snapshot and adopts the clusters.
fn write_adopt_all(path: &PathBuf) -> Res<()> {
    let mut spec = String::from("version: 1\nclusters:\n");
    for i in 1..=CLUSTERS {
        let name = format!("seed-{i:04}");
        spec.push_str(&format!(
            "  {name}:\n    adopt: true\n    node_type: dws.m3.xlarge\n    number_of_node: 3\n    \
             vpc_id: {}\n    subnet_id: {}\n    security_group_id: {}\n    port: 8000\n    \
             user_name: dbadmin\n    password: {{from_env: DWS_ADMIN_PASSWORD}}\n    snapshots:\n",
            sim::DEFAULT_VPC_ID,
            sim::DEFAULT_SUBNET_ID,
            sim::DEFAULT_SECURITY_GROUP_ID
        ));
        // The simulator spreads snapshot j over cluster j mod N and names it after both.
        let mut j = i - 1;
        while j < SNAPSHOTS {
            spec.push_str(&format!("      {name}-snap-{:05}: {{}}\n", j + 1));
            j += CLUSTERS;
        }
    }
    std::fs::File::create(path)?.write_all(spec.as_bytes())?;
    Ok(())
}

/// User + system CPU time of this process so far, in seconds (/proc/self/stat, USER_HZ).
fn cpu_seconds() -> Res<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').ok_or("odd /proc/self/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Res<f64> {
        Ok(fields
            .get(i)
            .ok_or("short /proc/self/stat")?
            .parse::<f64>()?)
    };
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

/// Peak resident set size of this process so far, in MiB (VmHWM in /proc/self/status).
fn peak_rss_mib() -> Res<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM")?;
    let kib: f64 = line.split_whitespace().nth(1).ok_or("odd VmHWM")?.parse()?;
    Ok(kib / 1024.0)
}

fn scenario_child(name: &str, base: &str, spec: &Path) -> Res<()> {
    let cpu0 = cpu_seconds()?;
    let start = Instant::now();
    let cli = Cli::try_parse_from(["dwsctl", "--endpoint", base, "plan"])?;
    let env = |var: &str| match var {
        "OS_ACCESS_KEY" => Some(sim::DEFAULT_ACCESS_KEY.to_owned()),
        "OS_SECRET_KEY" => Some(sim::DEFAULT_SECRET_KEY.to_owned()),
        "OS_PROJECT_ID" => Some(sim::DEFAULT_PROJECT_ID.to_owned()),
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let loaded = dwsctl::spec::load(&[spec.to_owned()]).map_err(|e| format!("{e:?}"))?;
    let loaded_at = Instant::now();
    let live = runtime.block_on(async {
        let connection = connect_with(&cli.global, Access::ReadOnly, &env)
            .await
            .map_err(|e| format!("{:?}", e.report))?;
        connection
            .client
            .observe()
            .await
            .map_err(|e| format!("{e}"))
    })?;
    let observed_at = Instant::now();
    let cpu_before_diff = cpu_seconds()?;
    let plan = dwsctl::plan::diff(&loaded.desired, &live, &loaded.digest);
    let text = dwsctl::render::text(&plan, &dwsctl::render::TextOptions::default());
    let json = dwsctl::render::json(&plan);
    let planned_at = Instant::now();
    let cpu = cpu_seconds()?;
    let s = plan.summary();
    println!(
        "scenario {name}: {} steps ({} create, {} update, {} blocked), text {} KiB, JSON {} KiB",
        plan.steps.len(),
        s.create,
        s.update,
        s.blocked,
        text.len() / 1024,
        json.len() / 1024
    );
    println!(
        "  wall:         {:.3} s (spec {:.3} s, list calls {:.3} s, diff+render {:.3} s)",
        (planned_at - start).as_secs_f64(),
        (loaded_at - start).as_secs_f64(),
        (observed_at - loaded_at).as_secs_f64(),
        (planned_at - observed_at).as_secs_f64()
    );
    println!(
        "  CPU:          {:.2} s user+sys (diff+render {:.2} s; 10 ms resolution); target < 0.5 s",
        cpu - cpu0,
        cpu - cpu_before_diff
    );
    println!(
        "  peak memory:  {:.1} MiB RSS; target < 64 MiB",
        peak_rss_mib()?
    );
    Ok(())
}
