//! Background life: automated snapshots on the `/_sim/background` schedule (off by default),
//! the cluster busy meanwhile, and the default snapshot policy
//! (`snapshot_management/querying_a_snapshot_policy.rst`).

use serde_json::{json, Value};

use crate::sim_support::{assert_error, start, token, Sim};

async fn auto_snapshots(sim: &Sim, cluster_id: &str) -> Vec<Value> {
    let (_, body) = sim.get("snapshots").await;
    body["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .filter(|s| s["type"] == "AUTO" && s["cluster_id"] == cluster_id)
        .cloned()
        .collect()
}

async fn every(sim: &Sim, seconds: f64) -> Value {
    let (status, body) = sim
        .hook(
            "POST",
            "background",
            Some(json!({"automated_snapshots": {"every_seconds": seconds}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn no_automated_snapshots_unless_the_schedule_is_on() {
    let mut sim = start().await;
    let id = sim.create_available("quiet-one").await;
    sim.advance(7.0 * 86_400.0).await;
    sim.token = token(&sim.http, &sim.base).await;
    assert!(auto_snapshots(&sim, &id).await.is_empty());
    let (_, body) = sim.hook("GET", "background", None).await;
    assert_eq!(body["automated_snapshots"]["every_seconds"], 0.0);
    assert_eq!(body["automated_snapshots"]["next_fire"], Value::Null);
}

#[tokio::test]
async fn clusters_snapshot_on_schedule_and_refuse_changes_meanwhile() {
    let sim = start().await;
    let id = sim.create_available("busy-one").await;
    every(&sim, 3600.0).await;
    sim.advance(3599.0).await;
    assert!(auto_snapshots(&sim, &id).await.is_empty());
    sim.advance(2.0).await;
    let autos = auto_snapshots(&sim, &id).await;
    assert_eq!(autos.len(), 1);
    assert_eq!(autos[0]["status"], "CREATING");
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["task_status"], "SNAPSHOTTING");
    let got = sim
        .post(
            &format!("clusters/{id}/resize"),
            json!({"scale_out": {"count": 3}}),
        )
        .await;
    assert_error(&got, 403, "DWS.7023", "SNAPSHOTTING");
    sim.advance(1800.0).await;
    let autos = auto_snapshots(&sim, &id).await;
    assert_eq!(autos[0]["status"], "AVAILABLE");
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["task_status"], Value::Null);
    // An automated snapshot cannot be deleted by hand.
    let snap = autos[0]["id"].as_str().expect("id");
    let got = sim.call("DELETE", &format!("snapshots/{snap}"), None).await;
    assert_error(&got, 400, "DWS.0001", "manual");
    // Lazily, a long jump replays every fire (each one after the previous ended).
    sim.advance(5.0 * 3600.0).await;
    assert_eq!(auto_snapshots(&sim, &id).await.len(), 6);
    every(&sim, 0.0).await;
    sim.advance(5.0 * 3600.0).await;
    assert_eq!(auto_snapshots(&sim, &id).await.len(), 6, "0 turns it off");
}

#[tokio::test]
async fn a_cluster_busy_at_a_fire_skips_it() {
    let sim = start().await;
    let id = sim.create_available("skipper").await;
    every(&sim, 3600.0).await;
    sim.advance(3500.0).await;
    let (status, _) = sim
        .post(&format!("clusters/{id}/restart"), json!({"restart": {}}))
        .await;
    assert_eq!(status, 200);
    sim.advance(200.0).await;
    assert!(
        auto_snapshots(&sim, &id).await.is_empty(),
        "rebooting at the fire"
    );
    sim.advance(3600.0).await;
    assert_eq!(auto_snapshots(&sim, &id).await.len(), 1);
}

#[tokio::test]
async fn automated_snapshots_expire_after_the_policy_retention() {
    let mut sim = start().await;
    let id = sim.create_available("keeper").await;
    every(&sim, 86_400.0).await;
    sim.advance(10.0 * 86_400.0 + 3600.0).await;
    sim.token = token(&sim.http, &sim.base).await;
    // Fires on days 1..=10; those that ended more than 3 days ago are gone.
    assert_eq!(auto_snapshots(&sim, &id).await.len(), 3);
}

#[tokio::test]
async fn every_cluster_has_the_default_snapshot_policy() {
    let sim = start().await;
    let id = sim.create_available("policed").await;
    let path = format!(
        "/v2/{}/clusters/{id}/snapshot-policies",
        crate::sim_support::PID
    );
    let (status, body) = sim.get(&path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["keep_day"], 3);
    assert_eq!(body["auto_backup"], true);
    let strategies = body["backup_strategies"].as_array().expect("strategies");
    assert_eq!(strategies.len(), 2);
    assert_eq!(strategies[0]["backup_strategy"], "0 0 2 ? * 1");
    assert_eq!(strategies[0]["next_fire_time"], Value::Null);
    every(&sim, 600.0).await;
    let (_, body) = sim.get(&path).await;
    let next = body["backup_strategies"][1]["next_fire_time"]
        .as_str()
        .expect("next fire in ms");
    assert!(
        next.parse::<u64>().is_ok_and(|ms| ms > 1_700_000_000_000),
        "{next}"
    );
    let (status, _) = sim
        .get(&format!(
            "/v2/{}/clusters/0b4a3f8e-0000-4000-8000-000000000001/snapshot-policies",
            crate::sim_support::PID
        ))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_schedule_is_checked() {
    let sim = start().await;
    let got = sim
        .hook(
            "POST",
            "background",
            Some(json!({"automated_snapshots": {"every_seconds": -5}})),
        )
        .await;
    assert_error(&got, 400, "DWS.0001", "every_seconds");
}

/// `POST /_sim/background/fire` starts one automated snapshot on each idle cluster, once; a
/// paused clock keeps it running however long the test takes, even on a fast simulator.
#[tokio::test]
async fn one_fire_on_a_paused_clock_starts_one_snapshot_that_runs_until_time_moves() {
    let sim = crate::sim_support::start_with(dwsctl::sim::Config {
        time_scale: 1000.0,
        ..dwsctl::sim::Config::default()
    })
    .await;
    let id = sim.create_available("held-one").await;
    let (status, clock) = sim.hook("POST", "clock/pause", None).await;
    assert_eq!(
        (status, clock["paused"].clone()),
        (200, json!(true)),
        "{clock}"
    );
    let (status, fired) = sim.hook("POST", "background/fire", None).await;
    assert_eq!(status, 200, "{fired}");
    assert_eq!(
        fired["started"].as_array().map(Vec::len),
        Some(1),
        "{fired}"
    );
    // Busy now: a second fire starts nothing.
    let (_, again) = sim.hook("POST", "background/fire", None).await;
    assert_eq!(again["started"], json!([]), "{again}");
    // 300 ms is 300 simulated seconds at this scale, longer than any snapshot of this size.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["task_status"], "SNAPSHOTTING");
    assert_eq!(auto_snapshots(&sim, &id).await[0]["status"], "CREATING");

    let (status, clock) = sim.hook("POST", "clock/resume", None).await;
    assert_eq!(
        (status, clock["paused"].clone()),
        (200, json!(false)),
        "{clock}"
    );
    sim.advance(3600.0).await;
    let autos = auto_snapshots(&sim, &id).await;
    assert_eq!(autos.len(), 1, "{autos:?}");
    assert_eq!(autos[0]["status"], "AVAILABLE");
    // The schedule itself stayed off.
    let (_, body) = sim.hook("GET", "background", None).await;
    assert_eq!(body["automated_snapshots"]["next_fire"], Value::Null);
}
