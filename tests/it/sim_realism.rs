//! The simulator's vocabulary of a real estate (README, "Behaviour worth
//! knowing"; vendor API reference: querying_cluster_details.rst): automated snapshots typed `AUTO`,
//! tasks that fail (`task_fails`) and the failure states they leave, and conditions a test
//! sets through `/_sim/…/condition`.

use serde_json::{json, Value};

use crate::sim_support::{assert_error, start, Sim};

const RESIZE: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/resize";
const SHRINK: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/cluster-shrink";
const RESTART: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/restart";
const DELETE: &str = "DELETE /v1.0/{project_id}/clusters/{cluster_id}";
const SNAPSHOT: &str = "POST /v1.0/{project_id}/snapshots";
const RESTORE: &str = "POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions";

async fn fail_next(sim: &Sim, route: &str) {
    let (status, body) = sim
        .hook(
            "POST",
            "faults",
            Some(json!({"rules": [{"route": route, "times": 1, "fault": {"kind": "task_fails"}}]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn cluster(sim: &Sim, id: &str) -> Value {
    let (status, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body["cluster"].clone()
}

async fn resize(sim: &Sim, id: &str, count: u32) -> (u16, Value) {
    sim.post(
        &format!("clusters/{id}/resize"),
        json!({"scale_out": {"count": count}}),
    )
    .await
}

#[tokio::test]
async fn automated_snapshots_are_typed_auto_and_manual_ones_manual() {
    let sim = start().await;
    let (status, _) = sim
        .hook(
            "POST",
            "seed",
            Some(json!({"clusters": 1, "snapshots": 1, "automated_snapshots": 1})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = sim.get("snapshots").await;
    let mut kinds: Vec<&str> = body["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .filter_map(|s| s["type"].as_str())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["AUTO", "MANUAL"]);
}

#[tokio::test]
async fn a_failing_resize_ends_in_resize_failure_with_the_node_count_rolled_back() {
    let sim = start().await;
    let id = sim.create_available("grow-fails").await;
    fail_next(&sim, RESIZE).await;
    let (status, body) = resize(&sim, &id, 3).await;
    assert_eq!(status, 200, "the call is accepted: {body}");
    let running = cluster(&sim, &id).await;
    assert_eq!(running["task_status"], "GROWING");
    sim.advance(3600.0).await;
    let c = cluster(&sim, &id).await;
    assert_eq!(c["status"], "AVAILABLE");
    assert_eq!(c["task_status"], "RESIZE_FAILURE");
    assert_eq!(c["failed_reasons"]["error_code"], "DWS.6001");
    assert!(c["failed_reasons"]["error_msg"].is_string());
    assert_eq!(c["number_of_node"], 3);
    // The documented way forward is another scale-out; it clears the failure marker.
    let (status, _) = resize(&sim, &id, 3).await;
    assert_eq!(status, 200);
    sim.advance(3600.0).await;
    let c = cluster(&sim, &id).await;
    assert_eq!(c["number_of_node"], 6);
    assert_eq!(c["task_status"], Value::Null);
    assert_eq!(c["failed_reasons"], Value::Null);
}

#[tokio::test]
async fn a_failing_restart_leaves_an_unavailable_cluster_that_a_new_restart_repairs() {
    let sim = start().await;
    let id = sim.create_available("restart-fails").await;
    fail_next(&sim, RESTART).await;
    let path = format!("clusters/{id}/restart");
    let restart = || sim.post(&path, json!({"restart": {}}));
    assert_eq!(restart().await.0, 200);
    sim.advance(3600.0).await;
    let c = cluster(&sim, &id).await;
    assert_eq!(c["status"], "UNAVAILABLE");
    assert_eq!(c["task_status"], "REBOOT_FAILURE");
    assert_eq!(c["failed_reasons"]["error_code"], "DWS.6002");
    assert_error(&resize(&sim, &id, 3).await, 403, "DWS.7023", "unavailable");
    assert_eq!(restart().await.0, 200, "a restart retries the failed one");
    sim.advance(3600.0).await;
    let c = cluster(&sim, &id).await;
    assert_eq!(c["status"], "AVAILABLE");
    assert_eq!(c["task_status"], Value::Null);
    assert_eq!(c["failed_reasons"], Value::Null);
}

#[tokio::test]
async fn a_failing_shrink_leaves_its_failure_value_and_every_node() {
    let sim = start().await;
    let id = sim.create_available("shrink-fails").await;
    assert_eq!(resize(&sim, &id, 3).await.0, 200);
    sim.advance(3600.0).await;
    fail_next(&sim, SHRINK).await;
    let (status, body) = sim
        .post(
            &format!("clusters/{id}/cluster-shrink"),
            json!({"shrink_number": 2}),
        )
        .await;
    assert_eq!((status, &body["error_code"]), (200, &json!("DWS.0000")));
    sim.advance(3600.0).await;
    let c = cluster(&sim, &id).await;
    assert_eq!(c["status"], "AVAILABLE");
    assert_eq!(c["task_status"], "CLUSTER_SHRINK_FAILED");
    assert_eq!(c["failed_reasons"]["error_code"], "DWS.6001");
    assert_eq!(c["number_of_node"], 6, "a failed scale-in removes no node");
}

#[tokio::test]
async fn a_failing_snapshot_ends_unavailable_and_cannot_be_restored() {
    let sim = start().await;
    let id = sim.create_available("snap-fails").await;
    fail_next(&sim, SNAPSHOT).await;
    let snap = sim.snapshot(&id, "doomed-snap").await;
    let (_, body) = sim.get(&format!("snapshots/{snap}")).await;
    assert_eq!(body["snapshot"]["status"], "CREATING");
    sim.advance(7200.0).await;
    let (_, body) = sim.get(&format!("snapshots/{snap}")).await;
    assert_eq!(body["snapshot"]["status"], "UNAVAILABLE");
    let c = cluster(&sim, &id).await;
    assert_eq!(c["task_status"], Value::Null, "the cluster is idle again");
    let got = sim
        .post(
            &format!("snapshots/{snap}/actions"),
            json!({"restore": {"name": "from-doomed"}}),
        )
        .await;
    assert_error(&got, 403, "DWS.7023", "Only AVAILABLE snapshots");
}

#[tokio::test]
async fn a_failing_restore_ends_in_creation_failed() {
    let sim = start().await;
    let id = sim.create_available("restore-src").await;
    let snap = sim.snapshot(&id, "restore-snap").await;
    sim.advance(7200.0).await;
    fail_next(&sim, RESTORE).await;
    let (status, body) = sim
        .post(
            &format!("snapshots/{snap}/actions"),
            json!({"restore": {"name": "restored-doomed"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let new_id = body["cluster"]["id"].as_str().expect("id").to_owned();
    assert_eq!(cluster(&sim, &new_id).await["task_status"], "RESTORING");
    sim.advance(7200.0).await;
    let c = cluster(&sim, &new_id).await;
    assert_eq!(c["status"], "CREATION FAILED");
    assert_eq!(c["failed_reasons"]["error_code"], "DWS.6003");
}

#[tokio::test]
async fn a_failing_delete_leaves_an_unavailable_cluster_that_a_new_delete_removes() {
    let sim = start().await;
    let id = sim.create_available("delete-fails").await;
    fail_next(&sim, DELETE).await;
    let del = json!({"keep_last_manual_snapshot": 0});
    let (status, _) = sim
        .call("DELETE", &format!("clusters/{id}"), Some(del.clone()))
        .await;
    assert_eq!(status, 202);
    assert_eq!(cluster(&sim, &id).await["status"], "DELETING");
    sim.advance(600.0).await;
    let c = cluster(&sim, &id).await;
    assert_eq!(c["status"], "UNAVAILABLE");
    assert_eq!(c["failed_reasons"]["error_code"], "DWS.6014");
    let got = resize(&sim, &id, 3).await;
    assert_error(&got, 403, "DWS.7023", "unavailable");
    let (status, _) = sim
        .call("DELETE", &format!("clusters/{id}"), Some(del))
        .await;
    assert_eq!(status, 202);
    sim.advance(600.0).await;
    let (status, _) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn task_fails_is_refused_on_calls_that_start_no_operation() {
    let sim = start().await;
    let got = sim
        .hook(
            "POST",
            "faults",
            Some(json!({"rules": [{
                "route": "POST /v1.0/{project_id}/clusters/{cluster_id}/reset-password",
                "fault": {"kind": "task_fails"}}]})),
        )
        .await;
    assert_error(&got, 400, "DWS.0001", "asynchronous operation");
}

#[tokio::test]
async fn a_cluster_condition_shows_and_decides_what_the_cluster_accepts() {
    let sim = start().await;
    let id = sim.create_available("conditioned").await;
    let path = format!("clusters/{id}/condition");
    let (status, _) = sim
        .hook("POST", &path, Some(json!({"status": "UNAVAILABLE"})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(cluster(&sim, &id).await["status"], "UNAVAILABLE");
    assert_error(&resize(&sim, &id, 3).await, 403, "DWS.7023", "UNAVAILABLE");

    sim.hook("POST", &path, Some(json!({"sub_status": "READONLY"})))
        .await;
    let c = cluster(&sim, &id).await;
    assert_eq!(
        (&c["status"], &c["sub_status"]),
        (&json!("AVAILABLE"), &json!("READONLY"))
    );
    let got = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "readonly-snap", "cluster_id": id}}),
        )
        .await;
    assert_error(&got, 403, "DWS.7023", "read-only");

    sim.hook(
        "POST",
        &path,
        Some(json!({"sub_status": "UNBALANCED | REDISTRIBUTING"})),
    )
    .await;
    assert_error(
        &resize(&sim, &id, 3).await,
        403,
        "DWS.7023",
        "redistributing",
    );

    sim.hook("DELETE", &path, None).await;
    let c = cluster(&sim, &id).await;
    assert_eq!(c["sub_status"], "NORMAL");
    assert_eq!(resize(&sim, &id, 3).await.0, 200);

    let got = sim
        .hook("POST", &path, Some(json!({"status": "lower case"})))
        .await;
    assert_error(&got, 400, "DWS.0001", "status must be");
}

#[tokio::test]
async fn a_snapshot_condition_shows_and_blocks_restores() {
    let sim = start().await;
    let id = sim.create_available("snap-cond").await;
    let snap = sim.snapshot(&id, "snap-cond-1").await;
    sim.advance(7200.0).await;
    let (status, _) = sim
        .hook(
            "POST",
            &format!("snapshots/{snap}/condition"),
            Some(json!({"status": "FAILED"})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = sim.get("snapshots").await;
    assert_eq!(body["snapshots"][0]["status"], "FAILED");
    let got = sim
        .post(
            &format!("snapshots/{snap}/actions"),
            json!({"restore": {"name": "from-failed"}}),
        )
        .await;
    assert_error(&got, 403, "DWS.7023", "Only AVAILABLE snapshots");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let sim = start().await;
    let mut seen = Vec::new();
    for path in ["clusters", "clusters/not-a-uuid", "no-such-route"] {
        let resp = sim
            .http
            .get(sim.url(path))
            .header("X-Auth-Token", &sim.token)
            .send()
            .await
            .expect("response");
        let id = resp
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .expect("X-Request-Id");
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id:?} is a UUID");
        seen.push(id);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "every answer has its own id");
}
