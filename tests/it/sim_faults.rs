//! The `/_sim/` hooks: every fault kind observable from a client, counters, seed, reset, clock.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::sim_support::{assert_error, cluster_body, start};

const CREATE: &str = "POST /v1.0/{project_id}/clusters";
const LIST: &str = "GET /v1.0/{project_id}/clusters";

async fn add_rule(sim: &crate::sim_support::Sim, rule: Value) {
    let (status, body) = sim
        .hook("POST", "faults", Some(json!({ "rules": [rule] })))
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Sends a create and returns the transport error, if any.
async fn raw_create(sim: &crate::sim_support::Sim, name: &str) -> Result<u16, reqwest::Error> {
    sim.http
        .post(sim.url("clusters"))
        .header("X-Auth-Token", &sim.token)
        .json(&cluster_body(name))
        .send()
        .await
        .map(|r| r.status().as_u16())
}

async fn cluster_names(sim: &crate::sim_support::Sim) -> Vec<String> {
    let (_, body) = sim.get("clusters").await;
    body["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn throttling_fault_answers_429_with_retry_after_and_the_gateway_body() {
    let sim = start().await;
    add_rule(&sim, json!({"route": LIST, "nth": [1], "fault": {"kind": "status", "status": 429, "retry_after": 3}})).await;
    let resp = sim
        .http
        .get(sim.url("clusters"))
        .header("X-Auth-Token", &sim.token)
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "3");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error_code"], "APIG.0308");
    assert!(body["error_msg"]
        .as_str()
        .is_some_and(|m| m.contains("throttling threshold")));
    assert_eq!(
        sim.get("clusters").await.0,
        200,
        "only the first call is throttled"
    );
}

#[tokio::test]
async fn server_error_fault_answers_the_status_without_committing() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": CREATE, "fault": {"kind": "status", "status": 503}}),
    )
    .await;
    let got = sim.post("clusters", cluster_body("never-made")).await;
    assert_error(&got, 503, "DWS.0005", "Server failure.");
    sim.hook("DELETE", "faults", None).await;
    assert!(cluster_names(&sim).await.is_empty());
}

#[tokio::test]
async fn latency_fault_delays_the_answer() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": LIST, "fault": {"kind": "latency", "ms": 300}}),
    )
    .await;
    let started = Instant::now();
    assert_eq!(sim.get("clusters").await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn reset_before_commit_drops_the_connection_and_changes_nothing() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": CREATE, "nth": [1], "fault": {"kind": "reset_before_commit"}}),
    )
    .await;
    let err = raw_create(&sim, "dropped-early")
        .await
        .expect_err("connection dropped");
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    assert!(cluster_names(&sim).await.is_empty());
}

#[tokio::test]
async fn reset_after_commit_drops_the_connection_but_keeps_the_change() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": CREATE, "nth": [1], "fault": {"kind": "reset_after_commit"}}),
    )
    .await;
    let err = raw_create(&sim, "dropped-late")
        .await
        .expect_err("connection dropped");
    assert!(err.is_request() || err.is_body(), "{err:?}");
    assert_eq!(cluster_names(&sim).await, ["dropped-late"]);
}

#[tokio::test]
async fn list_lag_hides_a_new_cluster_from_lists_but_not_from_detail() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": CREATE, "fault": {"kind": "list_lag", "seconds": 60}}),
    )
    .await;
    let id = sim.create("lagging-one").await;
    assert!(cluster_names(&sim).await.is_empty());
    assert_eq!(sim.get(&format!("clusters/{id}")).await.0, 200);
    sim.advance(61.0).await;
    assert_eq!(cluster_names(&sim).await, ["lagging-one"]);
}

#[tokio::test]
async fn create_fails_fault_ends_in_creation_failed_with_reasons() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": CREATE, "times": 1, "fault": {"kind": "create_fails"}}),
    )
    .await;
    let id = sim.create("doomed-one").await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["status"], "CREATING");
    sim.advance(1000.0).await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    let c = &body["cluster"];
    assert_eq!(c["status"], "CREATION FAILED");
    assert_eq!(c["failed_reasons"]["error_code"], "DWS.6000");
    assert!(c["failed_reasons"]["error_msg"].is_string());
    assert_eq!(c["endpoints"], json!([]));
    let next = sim.create_available("healthy-one").await;
    assert!(!next.is_empty(), "times: 1 lets the next create succeed");
}

#[tokio::test]
async fn probability_rules_fire_deterministically_for_a_seed() {
    let run = || async {
        let sim = start().await;
        sim.hook(
            "POST",
            "faults",
            Some(json!({"seed": 9, "rules": [
            {"route": LIST, "probability": 0.5, "fault": {"kind": "status", "status": 502}}]})),
        )
        .await;
        let mut statuses = Vec::new();
        for _ in 0..16 {
            statuses.push(sim.get("clusters").await.0);
        }
        statuses
    };
    let first = run().await;
    assert_eq!(first, run().await);
    assert!(first.contains(&502) && first.contains(&200));
}

#[tokio::test]
async fn fault_rules_report_what_they_matched_and_fired() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": LIST, "nth": [2], "fault": {"kind": "status", "status": 500}}),
    )
    .await;
    sim.get("clusters").await;
    sim.get("clusters").await;
    let (_, body) = sim.hook("GET", "faults", None).await;
    assert_eq!(body["rules"][0]["seen"], 2);
    assert_eq!(body["rules"][0]["fired"], 1);
    sim.hook("DELETE", "faults", None).await;
    let (_, body) = sim.hook("GET", "faults", None).await;
    assert_eq!(body["rules"], json!([]));
}

#[tokio::test]
async fn malformed_fault_schedule_is_refused() {
    let sim = start().await;
    let got = sim
        .hook(
            "POST",
            "faults",
            Some(json!({"rules": [{"fault": {"kind": "explode"}}]})),
        )
        .await;
    assert_eq!(got.0, 400);
    let got = sim
        .hook(
            "POST",
            "faults",
            Some(json!({"rules": [{"nth": [0], "fault": {"kind": "create_fails"}}]})),
        )
        .await;
    assert_error(&got, 400, "DWS.0001", "nth counts from 1");
}

#[tokio::test]
async fn requests_are_counted_per_route_template_and_reset() {
    let sim = start().await;
    sim.hook("DELETE", "requests", None).await;
    let id = sim.create("counted-one").await;
    sim.get(&format!("clusters/{id}")).await;
    sim.get("clusters").await;
    sim.get("clusters").await;
    let (_, body) = sim.hook("GET", "requests", None).await;
    assert_eq!(body["requests"][LIST], 2);
    assert_eq!(body["requests"][CREATE], 1);
    assert_eq!(
        body["requests"]["GET /v1.0/{project_id}/clusters/{cluster_id}"],
        1
    );
    assert_eq!(body["total"], 4);
    sim.hook("DELETE", "requests", None).await;
    let (_, body) = sim.hook("GET", "requests", None).await;
    assert_eq!(body["total"], 0);
}

#[tokio::test]
async fn seed_creates_available_clusters_and_snapshots_and_reset_empties_the_world() {
    let sim = start().await;
    let (status, _) = sim
        .hook(
            "POST",
            "seed",
            Some(json!({"clusters": 25, "snapshots": 40})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, clusters) = sim.get("clusters").await;
    assert_eq!(clusters["count"], 25);
    assert!(clusters["clusters"]
        .as_array()
        .expect("list")
        .iter()
        .all(|c| c["status"] == "AVAILABLE" && c["task_status"].is_null()));
    let (_, snapshots) = sim.get("snapshots").await;
    assert_eq!(snapshots["count"], 40);
    let (status, _) = sim.hook("POST", "reset", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        sim.get("clusters").await.1,
        json!({"clusters": [], "count": 0})
    );
    assert_eq!(
        sim.get("snapshots").await.1,
        json!({"snapshots": [], "count": 0})
    );
}

#[tokio::test]
async fn clock_reports_virtual_time_and_advances() {
    let sim = start().await;
    let (_, before) = sim.hook("GET", "clock", None).await;
    assert_eq!(before["time_scale"], 1.0);
    let (status, after) = sim
        .hook("POST", "clock/advance", Some(json!({"seconds": 3600})))
        .await;
    assert_eq!(status, 200);
    let gained = after["now"].as_f64().expect("now") - before["now"].as_f64().expect("now");
    assert!(gained >= 3600.0, "{gained}");
    let got = sim
        .hook("POST", "clock/advance", Some(json!({"seconds": -5})))
        .await;
    assert_eq!(got.0, 400);
}

#[tokio::test]
async fn rate_limit_answers_429_beyond_the_burst() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": LIST, "fault": {"kind": "rate_limit", "per_second": 0.1, "burst": 2}}),
    )
    .await;
    assert_eq!(sim.get("clusters").await.0, 200);
    assert_eq!(sim.get("clusters").await.0, 200);
    let resp = sim
        .http
        .get(sim.url("clusters"))
        .header("X-Auth-Token", &sim.token)
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status(), 429);
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error_code"], "APIG.0308");
}

#[tokio::test]
async fn hang_after_commit_times_the_client_out_but_keeps_the_change() {
    let sim = start().await;
    add_rule(
        &sim,
        json!({"route": CREATE, "nth": [1], "fault": {"kind": "hang_after_commit", "ms": 2000}}),
    )
    .await;
    let err = sim
        .http
        .post(sim.url("clusters"))
        .header("X-Auth-Token", &sim.token)
        .json(&cluster_body("slow-answer"))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("the client times out");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(cluster_names(&sim).await, ["slow-answer"]);
}
