//! Approved plans: `plan` prints `plan-hash: sha256:<hex>`, the same for the same plan on
//! every run; `apply PLAN --expect-plan-hash` refuses any other plan (exit 4) before a single
//! request reaches the cloud (the simulator's request counters say so).

use std::path::Path;

use serde_json::Value;

use super::apply_cli;
use super::apply_support::ADMIN_PASSWORD;
use crate::cli_support::{self, Run};
use crate::sim_support::{self, Sim};

const QUICKSTART: &str = "examples/quickstart.yaml";

async fn dwsctl(sim: &Sim, args: &[&str]) -> Run {
    cli_support::dwsctl(args)
        .ak_sk(&sim.base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .run()
        .await
}

/// The hash from the one `plan-hash: ` line of a run's stderr.
fn printed_hash(run: &Run) -> String {
    let stderr = String::from_utf8_lossy(&run.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("plan-hash: "))
        .collect();
    assert_eq!(lines.len(), 1, "one plan-hash line expected:\n{stderr}");
    let hash = lines[0].to_owned();
    assert!(
        dwsctl::plan::parse_plan_hash(&hash).as_deref() == Some(hash.as_str()),
        "{hash}"
    );
    hash
}

/// `plan -f QUICKSTART --out DIR/NAME`: its printed hash.
async fn plan_out(sim: &Sim, dir: &Path, name: &str) -> String {
    let out_path = dir.join(name).display().to_string();
    let run = dwsctl(sim, &["plan", "-f", QUICKSTART, "--out", &out_path]).await;
    run.assert_exit(0);
    printed_hash(&run)
}

#[tokio::test]
async fn the_same_plan_hashes_identically_across_runs_and_as_the_file_reads() {
    let sim = sim_support::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let first = plan_out(&sim, dir.path(), "a.json").await;
    let second = plan_out(&sim, dir.path(), "b.json").await;
    assert_eq!(first, second);
    // The hash is of the plan, not of the run: what apply reads back hashes the same.
    let saved = dwsctl::plan::load_plan_file(&dir.path().join("a.json")).expect("load");
    assert_eq!(dwsctl::plan::plan_hash(&saved), first);
    // `--json` prints the plan alone (the hash goes to stderr, as with text).
    let run = dwsctl(&sim, &["plan", "-f", QUICKSTART, "--json"]).await;
    run.assert_exit(0);
    assert_eq!(printed_hash(&run), first);
    let stdout: Value = serde_json::from_slice(&run.stdout).expect("json plan");
    assert!(stdout.get("plan_hash").is_none(), "{stdout}");
    run.assert_no_secrets();
}

/// Changes a saved plan's JSON in place.
type Tamper = fn(&mut Value);

/// Each way of changing what a plan file means, applied to the saved JSON.
fn tamperings() -> Vec<(&'static str, Tamper)> {
    vec![
        ("node count", |plan| {
            plan["steps"][0]["action"]["number_of_node"] = 30.into();
        }),
        ("cluster name", |plan| {
            plan["steps"][0]["target"]["name"] = "dws-other".into();
        }),
        ("a step removed", |plan| {
            if let Some(steps) = plan["steps"].as_array_mut() {
                steps.pop();
            }
        }),
        ("a dependency dropped", |plan| {
            plan["steps"][1]["depends_on"] = Value::Array(Vec::new());
        }),
    ]
}

#[tokio::test]
async fn a_tampered_plan_file_is_refused_with_exit_4_and_nothing_is_sent() {
    let sim = sim_support::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let approved = plan_out(&sim, dir.path(), "plan.json").await;
    let path = dir.path().join("plan.json");
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    let path_arg = path.display().to_string();
    sim.reset_requests().await;
    for (what, tamper) in tamperings() {
        let mut plan = original.clone();
        tamper(&mut plan);
        assert_ne!(plan, original, "{what}: the tampering changed nothing");
        std::fs::write(&path, serde_json::to_string_pretty(&plan).expect("json")).expect("write");
        let run = dwsctl(&sim, &["apply", &path_arg, "--expect-plan-hash", &approved]).await;
        run.assert_exit(4);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains("Error: precondition::plan_hash"),
            "{what}: {stderr}"
        );
        assert!(stderr.contains(&approved), "{what}: {stderr}");
        if what == "node count" {
            insta::assert_snapshot!("apply_refuses_a_tampered_plan", run.transcript());
        }
    }
    assert!(
        sim.requests().await.is_empty(),
        "a refused plan sent requests: {:?}",
        sim.requests().await
    );
}

#[tokio::test]
async fn layout_is_not_meaning_a_compact_reordered_file_keeps_its_hash() {
    let sim = sim_support::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let approved = plan_out(&sim, dir.path(), "plan.json").await;
    let path = dir.path().join("plan.json");
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    // Members in reverse order, no whitespace.
    fn reverse(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .rev()
                    .map(|(k, v)| (k.clone(), reverse(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(reverse).collect()),
            other => other.clone(),
        }
    }
    std::fs::write(
        &path,
        serde_json::to_string(&reverse(&value)).expect("json"),
    )
    .expect("write");
    let reread = dwsctl::plan::load_plan_file(&path).expect("load");
    assert_eq!(dwsctl::plan::plan_hash(&reread), approved);
}

/// The approved plan applies, and says in the log that its hash was checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_approved_plan_applies_and_the_json_plan_event_carries_its_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = super::apply_support::example("quickstart.yaml")
        .display()
        .to_string();
    let run = apply_cli::dwsctl(dir.path(), &["plan", "-f", &q, "--out", "plan.json"]).await;
    run.assert_exit(0);
    let approved = printed_hash(&run);
    let run = apply_cli::dwsctl(
        dir.path(),
        &[
            "apply",
            "plan.json",
            "--expect-plan-hash",
            &approved,
            "--json",
        ],
    )
    .await;
    run.assert_exit(0);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("plan-hash: {approved} (as expected)")),
        "{stderr}"
    );
    let first = run.stdout.split(|&b| b == b'\n').next().unwrap_or_default();
    let event: Value = serde_json::from_slice(first).expect("a JSON line");
    assert_eq!(event["event"], "plan");
    assert_eq!(event["plan_hash"], Value::from(approved.as_str()));
}

#[tokio::test]
async fn a_malformed_hash_or_one_without_a_plan_file_is_a_usage_error() {
    for args in [
        vec!["apply", "plan.json", "--expect-plan-hash", "abc"],
        vec!["apply", "--expect-plan-hash", "sha256:"],
    ] {
        let run = cli_support::dwsctl(args.clone()).run().await;
        run.assert_exit(1);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains("Error: usage::arguments"),
            "{args:?}: {stderr}"
        );
    }
    let hash = format!("sha256:{}", "a".repeat(64));
    let run = cli_support::dwsctl(["apply", "--expect-plan-hash", &hash])
        .run()
        .await;
    run.assert_exit(1);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("<PLAN>"), "{stderr}");
}
