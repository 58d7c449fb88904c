//! The automated-snapshot policy API of the simulator (vendor API reference
//! snapshot_management/adding_a_snapshot_policy.rst, deleting_a_snapshot_policy.rst,
//! querying_a_snapshot_policy.rst): PUT and DELETE change the per-cluster policy, GET reports
//! it, the values are checked with the API's rules, and the policy drives the background
//! snapshots (retention, none without a strategy). Also the client's typed calls.

use dwsctl::api::policy::{PutSnapshotPolicy, StrategyRequest};
use serde_json::{json, Value};

use crate::client_sim::{self, counters};
use crate::sim_support::{assert_error, start, token, Sim, PID};

fn put_path(cluster: &str) -> String {
    format!("/v2/{PID}/clusters/{cluster}/snapshot-policies")
}

fn delete_path(cluster: &str, id: &str) -> String {
    format!("/v1.0/{PID}/clusters/{cluster}/snapshot-policies/{id}")
}

async fn policy(sim: &Sim, cluster: &str) -> Value {
    let (status, body) = sim.get(&put_path(cluster)).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn put(sim: &Sim, cluster: &str, body: Value) -> (u16, Value) {
    sim.call("PUT", &put_path(cluster), Some(body)).await
}

fn names(policy: &Value) -> Vec<String> {
    policy["backup_strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| s["policy_name"].as_str().expect("name").to_owned())
        .collect()
}

fn id_of(policy: &Value, name: &str) -> String {
    policy["backup_strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .find(|s| s["policy_name"] == name)
        .and_then(|s| s["policy_id"].as_str())
        .expect("strategy id")
        .to_owned()
}

#[tokio::test]
async fn put_sets_retention_adds_and_changes_strategies_and_get_reflects_it() {
    let sim = start().await;
    let id = sim.create_available("policy-one").await;
    let got = put(
        &sim,
        &id,
        json!({"keep_day": 7, "backup_strategies": [
            {"policy_name": "nightly", "backup_strategy": "0 0 3 * * ?", "backup_type": "full",
             "backup_level": "cluster"}]}),
    )
    .await;
    assert_eq!(got.0, 200, "{}", got.1);
    let body = policy(&sim, &id).await;
    assert_eq!(body["keep_day"], 7);
    assert_eq!(
        names(&body),
        [
            "apie-default-full-strategy",
            "apie-default-increment-strategy",
            "nightly"
        ]
    );
    let nightly = id_of(&body, "nightly");
    // With its id, a strategy is changed in place (same id, new schedule and type).
    let got = put(
        &sim,
        &id,
        json!({"backup_strategies": [
            {"policy_id": nightly, "backup_strategy": "0 30 4 * * ?", "backup_type": "increment"}]}),
    )
    .await;
    assert_eq!(got.0, 200, "{}", got.1);
    let body = policy(&sim, &id).await;
    assert_eq!(body["keep_day"], 7, "an absent keep_day is left alone");
    let changed = &body["backup_strategies"][2];
    assert_eq!(changed["policy_id"], nightly.as_str());
    assert_eq!(changed["backup_strategy"], "0 30 4 * * ?");
    assert_eq!(changed["backup_type"], "increment");
    // Another cluster keeps the default policy.
    let other = sim.create_available("policy-two").await;
    assert_eq!(policy(&sim, &other).await["keep_day"], 3);
}

#[tokio::test]
async fn delete_removes_one_strategy_and_an_unknown_id_is_not_found() {
    let sim = start().await;
    let id = sim.create_available("policy-del").await;
    let body = policy(&sim, &id).await;
    let inc = id_of(&body, "apie-default-increment-strategy");
    let got = sim.call("DELETE", &delete_path(&id, &inc), None).await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(
        names(&policy(&sim, &id).await),
        ["apie-default-full-strategy"]
    );
    let again = sim.call("DELETE", &delete_path(&id, &inc), None).await;
    assert_error(&again, 404, "DWS.0001", "no snapshot policy");
    let full = id_of(&policy(&sim, &id).await, "apie-default-full-strategy");
    let got = sim.call("DELETE", &delete_path(&id, &full), None).await;
    assert_eq!(got.0, 200, "{}", got.1);
    let body = policy(&sim, &id).await;
    assert!(names(&body).is_empty());
    assert_eq!(body["auto_backup"], false);
    let ghost = "0b4a3f8e-0000-4000-8000-000000000001";
    let got = sim.call("DELETE", &delete_path(ghost, &full), None).await;
    assert_eq!(got.0, 404, "{}", got.1);
    let got = put(&sim, ghost, json!({"keep_day": 5})).await;
    assert_eq!(got.0, 404, "{}", got.1);
}

#[tokio::test]
async fn put_checks_values_with_the_api_rules_and_changes_nothing_when_refused() {
    let sim = start().await;
    let id = sim.create_available("policy-bad").await;
    let add = |fields: Value| json!({"backup_strategies": [fields]});
    let cases = [
        (json!({"keep_day": 0}), "keep_day"),
        (json!({"keep_day": 32}), "keep_day"),
        (
            add(
                json!({"policy_name": "no", "backup_strategy": "0 0 3 * * ?", "backup_type": "full"}),
            ),
            "policy",
        ),
        (
            add(
                json!({"policy_name": "1abc", "backup_strategy": "0 0 3 * * ?", "backup_type": "full"}),
            ),
            "starts with",
        ),
        (
            add(
                json!({"policy_name": "cronless", "backup_strategy": "0 3 * * *", "backup_type": "full"}),
            ),
            "backup_strategy has 5 fields",
        ),
        (
            add(
                json!({"policy_name": "typeless", "backup_strategy": "0 0 3 * * ?", "backup_type": "diff"}),
            ),
            "full",
        ),
        (
            add(json!({"policy_name": "nameonly"})),
            "backup_strategy is mandatory",
        ),
        (
            add(json!({"backup_strategy": "0 0 3 * * ?", "backup_type": "full"})),
            "policy_name is mandatory",
        ),
        (
            add(
                json!({"policy_name": "APIE-DEFAULT-FULL-STRATEGY", "backup_strategy": "0 0 3 * * ?", "backup_type": "full"}),
            ),
            "already in use",
        ),
        (
            add(
                json!({"policy_name": "levelled", "backup_strategy": "0 0 3 * * ?", "backup_type": "full", "backup_level": "schema"}),
            ),
            "backup_level",
        ),
        (json!({"device_name": "NBU"}), "NBU"),
        (json!({"device_name": "TAPE"}), "device_name"),
        (
            add(
                json!({"policy_id": "9b4a3f8e-0000-4000-8000-000000000009", "backup_type": "full"}),
            ),
            "no snapshot policy",
        ),
    ];
    for (body, needle) in cases {
        let got = put(&sim, &id, body.clone()).await;
        assert!(matches!(got.0, 400 | 404), "{body} -> {got:?}");
        assert_eq!(got.1["error_code"], "DWS.0001", "{body}");
        let message = got.1["error_msg"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase();
        assert!(
            message.contains(&needle.to_lowercase()),
            "{body}: {message}"
        );
    }
    let body = policy(&sim, &id).await;
    assert_eq!(body["keep_day"], 3);
    assert_eq!(names(&body).len(), 2);
}

#[tokio::test]
async fn a_cluster_takes_at_most_ten_strategies() {
    let sim = start().await;
    let id = sim.create_available("policy-max").await;
    let strategies = |from: usize, to: usize| -> Value {
        (from..to)
            .map(|i| json!({"policy_name": format!("extra-{i:02}"), "backup_strategy": "0 0 3 * * ?", "backup_type": "full"}))
            .collect()
    };
    // 2 default + 8 = 10: accepted; one more is refused, atomically.
    let got = put(&sim, &id, json!({"backup_strategies": strategies(0, 8)})).await;
    assert_eq!(got.0, 200, "{}", got.1);
    let got = put(
        &sim,
        &id,
        json!({"keep_day": 9, "backup_strategies": strategies(8, 9)}),
    )
    .await;
    assert_error(&got, 400, "DWS.0001", "at most 10");
    let body = policy(&sim, &id).await;
    assert_eq!(names(&body).len(), 10);
    assert_eq!(body["keep_day"], 3);
}

async fn autos(sim: &Sim, cluster: &str) -> usize {
    let (status, body) = sim.get("snapshots").await;
    assert_eq!(status, 200, "{body}");
    body["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .filter(|s| s["type"] == "AUTO" && s["cluster_id"] == cluster)
        .count()
}

#[tokio::test]
async fn the_policy_drives_background_retention_and_a_cluster_without_strategies_takes_none() {
    let mut sim = start().await;
    let kept = sim.create_available("keeps-long").await;
    let bare = sim.create_available("no-strategy").await;
    let got = put(&sim, &kept, json!({"keep_day": 10})).await;
    assert_eq!(got.0, 200, "{}", got.1);
    let body = policy(&sim, &bare).await;
    for name in [
        "apie-default-full-strategy",
        "apie-default-increment-strategy",
    ] {
        let sid = id_of(&body, name);
        let got = sim.call("DELETE", &delete_path(&bare, &sid), None).await;
        assert_eq!(got.0, 200, "{}", got.1);
    }
    let (status, body) = sim
        .hook(
            "POST",
            "background",
            Some(json!({"automated_snapshots": {"every_seconds": 86_400.0}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sim.advance(86_400.0 + 10.0).await;
    sim.token = token(&sim.http, &sim.base).await; // a token lives 24 h
    assert_eq!(autos(&sim, &kept).await, 1);
    assert_eq!(
        autos(&sim, &bare).await,
        0,
        "no strategy, no automated snapshot"
    );
    assert_eq!(policy(&sim, &bare).await["backup_strategies"], json!([]));
    // Five days on, the default 3 days would have expired the first; 10 keep it.
    sim.advance(5.0 * 86_400.0).await;
    sim.token = token(&sim.http, &sim.base).await;
    let (_, body) = sim.get("snapshots").await;
    let first_kept = body["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .any(|s| {
            s["type"] == "AUTO"
                && s["cluster_id"] == kept.as_str()
                && s["name"].as_str().is_some_and(|n| n.ends_with("000001"))
        });
    assert!(first_kept, "keep_day 10 keeps the first automated snapshot");
}

#[tokio::test]
async fn the_client_reads_puts_and_deletes_through_its_typed_calls() {
    let sim = start().await;
    let base = sim.base.clone();
    let client = client_sim::client(&base);
    let id = sim.create_available("client-policy").await;
    let live = client.get_snapshot_policy(&id).await.expect("get");
    assert_eq!(live.keep_day, Some(3));
    assert_eq!(live.backup_strategies.len(), 2);
    let put = PutSnapshotPolicy {
        keep_day: Some(7),
        backup_strategies: Some(vec![StrategyRequest {
            policy_name: Some("nightly".into()),
            backup_strategy: Some("0 0 3 * * ?".into()),
            backup_type: Some("full".into()),
            ..StrategyRequest::default()
        }]),
        ..PutSnapshotPolicy::default()
    };
    client.put_snapshot_policy(&id, &put).await.expect("put");
    let live = client.get_snapshot_policy(&id).await.expect("get");
    assert_eq!(live.keep_day, Some(7));
    let nightly = live
        .backup_strategies
        .iter()
        .find(|s| s.policy_name == "nightly")
        .expect("added");
    client
        .delete_snapshot_policy(&id, &nightly.policy_id)
        .await
        .expect("delete");
    let live = client.get_snapshot_policy(&id).await.expect("get");
    assert!(live
        .backup_strategies
        .iter()
        .all(|s| s.policy_name != "nightly"));
    let calls = counters(&base).await;
    for route in [
        "GET /v2/{project_id}/clusters/{cluster_id}/snapshot-policies",
        "PUT /v2/{project_id}/clusters/{cluster_id}/snapshot-policies",
        "DELETE /v1.0/{project_id}/clusters/{cluster_id}/snapshot-policies/{id}",
    ] {
        assert!(
            calls.get(route).is_some_and(|&n| n >= 1),
            "{route}: {calls:?}"
        );
    }
    // A refusal is an error naming the call, not a success.
    let bad = PutSnapshotPolicy {
        keep_day: Some(40),
        ..PutSnapshotPolicy::default()
    };
    let err = client
        .put_snapshot_policy(&id, &bad)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("snapshot-policies"), "{err}");
}
