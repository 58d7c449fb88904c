//! Every fault kind of the simulator's `/_sim/faults` against the client: it either succeeds
//! within its retry budget or fails with a clear error, and never creates a duplicate.

use dwsctl::api::{ApiError, Client};
use serde_json::{json, Value};

use super::client_sim::{client, counters, create_body, hook, impatient, start, LIST_CLUSTERS};

const CREATE: &str = "POST /v1.0/{project_id}/clusters";
const DELETE_SNAPSHOT: &str = "DELETE /v1.0/{project_id}/snapshots/{snapshot_id}";

async fn faults(base: &str, rules: Value) {
    hook(base, "/_sim/faults", json!({"seed": 7, "rules": rules})).await;
}

/// How many clusters of that name exist (asked without faults in the way).
async fn clusters_named(base: &str, name: &str) -> usize {
    reqwest::Client::new()
        .delete(format!("{base}/_sim/faults"))
        .send()
        .await
        .expect("clear faults");
    client(base)
        .list_clusters()
        .await
        .expect("list")
        .iter()
        .filter(|c| c.name == name)
        .count()
}

fn count(counts: &std::collections::BTreeMap<String, u64>, route: &str) -> u64 {
    counts.get(route).copied().unwrap_or(0)
}

#[tokio::test]
async fn throttled_reads_wait_for_retry_after_and_succeed() {
    let (_sim, base) = start().await;
    faults(&base, json!([{"route": LIST_CLUSTERS, "nth": [1, 2], "fault": {"kind": "status", "status": 429, "retry_after": 2}}])).await;
    client(&base).observe().await.expect("within budget");
    assert_eq!(count(&counters(&base).await, LIST_CLUSTERS), 3);
}

#[tokio::test]
async fn a_throttled_create_is_resent_and_creates_exactly_one_cluster() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([{"route": CREATE, "nth": [1], "fault": {"kind": "status", "status": 429}}]),
    )
    .await;
    client(&base)
        .create_cluster(&create_body("dws-throttled"))
        .await
        .expect("429 is safe to resend");
    assert_eq!(count(&counters(&base).await, CREATE), 2);
    assert_eq!(clusters_named(&base, "dws-throttled").await, 1);
}

#[tokio::test]
async fn persistent_throttling_fails_after_three_attempts_with_advice() {
    let (_sim, base) = start().await;
    faults(&base, json!([{"route": LIST_CLUSTERS, "fault": {"kind": "status", "status": 429, "retry_after": 1}}])).await;
    let err = client(&base)
        .list_clusters()
        .await
        .expect_err("always throttled");
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.code(), Some("APIG.0308"));
    assert!(err.is_retryable());
    let help = miette::Diagnostic::help(&err)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(help.contains("throttled"), "{help}");
    assert_eq!(count(&counters(&base).await, LIST_CLUSTERS), 3);
}

#[tokio::test]
async fn server_errors_on_reads_are_retried() {
    let (_sim, base) = start().await;
    faults(&base, json!([{"route": LIST_CLUSTERS, "nth": [1], "fault": {"kind": "status", "status": 503}},
                         {"route": LIST_CLUSTERS, "nth": [2], "fault": {"kind": "status", "status": 502}}])).await;
    client(&base)
        .list_clusters()
        .await
        .expect("third attempt succeeds");
}

#[tokio::test]
async fn a_server_error_on_create_is_outcome_unknown_and_never_resent() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([{"route": CREATE, "nth": [1], "fault": {"kind": "status", "status": 500}}]),
    )
    .await;
    let err = client(&base)
        .create_cluster(&create_body("dws-500"))
        .await
        .expect_err("5xx on a create");
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains("DWS.0005"), "{err}");
    assert_eq!(count(&counters(&base).await, CREATE), 1);
    assert_eq!(clusters_named(&base, "dws-500").await, 0);
}

#[tokio::test]
async fn a_slow_read_times_out_and_is_retried() {
    let (_sim, base) = start().await;
    // Longer than the impatient client's 1 s request timeout.
    faults(
        &base,
        json!([{"route": LIST_CLUSTERS, "nth": [1], "fault": {"kind": "latency", "ms": 3000}}]),
    )
    .await;
    impatient(&base)
        .list_clusters()
        .await
        .expect("second attempt is fast");
    assert_eq!(count(&counters(&base).await, LIST_CLUSTERS), 2);
}

#[tokio::test]
async fn a_slow_but_timely_create_succeeds() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([{"route": CREATE, "nth": [1], "fault": {"kind": "latency", "ms": 100}}]),
    )
    .await;
    client(&base)
        .create_cluster(&create_body("dws-slow"))
        .await
        .expect("within the timeout");
    assert_eq!(clusters_named(&base, "dws-slow").await, 1);
}

#[tokio::test]
async fn a_create_that_times_out_is_outcome_unknown_and_never_resent() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([{"route": CREATE, "nth": [1], "fault": {"kind": "latency", "ms": 3000}}]),
    )
    .await;
    let err = impatient(&base)
        .create_cluster(&create_body("dws-timeout"))
        .await
        .expect_err("timeout");
    assert!(err.is_outcome_unknown(), "{err}");
    assert_eq!(count(&counters(&base).await, CREATE), 1);
    assert!(clusters_named(&base, "dws-timeout").await <= 1);
}

#[tokio::test]
async fn a_reset_before_commit_on_create_is_outcome_unknown_and_creates_nothing() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([{"route": CREATE, "nth": [1], "fault": {"kind": "reset_before_commit"}}]),
    )
    .await;
    let err = client(&base)
        .create_cluster(&create_body("dws-reset-before"))
        .await
        .expect_err("reset");
    assert!(err.is_outcome_unknown(), "{err}");
    assert_eq!(count(&counters(&base).await, CREATE), 1);
    assert_eq!(clusters_named(&base, "dws-reset-before").await, 0);
}

#[tokio::test]
async fn a_reset_after_commit_on_create_is_outcome_unknown_and_the_cluster_is_found_by_name() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([{"route": CREATE, "nth": [1], "fault": {"kind": "reset_after_commit"}}]),
    )
    .await;
    let client = client(&base);
    let err = client
        .create_cluster(&create_body("dws-reset-after"))
        .await
        .expect_err("reset");
    assert!(err.is_outcome_unknown(), "{err}");
    assert_eq!(count(&counters(&base).await, CREATE), 1);
    // What the executor does next: list by name, and adopt instead of re-sending.
    let live = client.observe().await.expect("observe");
    assert!(live.cluster("dws-reset-after").is_some());
    assert_eq!(clusters_named(&base, "dws-reset-after").await, 1);
}

#[tokio::test]
async fn resets_on_reads_are_retried() {
    let (_sim, base) = start().await;
    faults(&base, json!([{"route": LIST_CLUSTERS, "nth": [1], "fault": {"kind": "reset_before_commit"}},
                         {"route": LIST_CLUSTERS, "nth": [2], "fault": {"kind": "reset_after_commit"}}])).await;
    client(&base)
        .list_clusters()
        .await
        .expect("third attempt answers");
    assert_eq!(count(&counters(&base).await, LIST_CLUSTERS), 3);
}

#[tokio::test]
async fn a_delete_whose_answer_is_lost_is_repeated_and_counts_as_done() {
    let (_sim, base) = start().await;
    hook(&base, "/_sim/seed", json!({"clusters": 1, "snapshots": 1})).await;
    let client = client(&base);
    let snapshot = client.list_snapshots().await.expect("list").remove(0);
    faults(
        &base,
        json!([{"route": DELETE_SNAPSHOT, "nth": [1], "fault": {"kind": "reset_after_commit"}}]),
    )
    .await;
    client
        .delete_snapshot(&snapshot.id)
        .await
        .expect("already gone is done");
    assert_eq!(count(&counters(&base).await, DELETE_SNAPSHOT), 2);
    assert!(client.list_snapshots().await.expect("list").is_empty());
}

#[tokio::test]
async fn list_lag_hides_a_new_cluster_from_lists_but_not_from_its_detail() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([{"route": CREATE, "nth": [1], "fault": {"kind": "list_lag", "seconds": 3600.0}}]),
    )
    .await;
    let client = client(&base);
    let id = client
        .create_cluster(&create_body("dws-lagging"))
        .await
        .expect("create");
    let live = client.observe().await.expect("observe");
    assert!(live.cluster("dws-lagging").is_none(), "hidden by the lag");
    assert_eq!(
        client.get_cluster(&id).await.expect("detail").name,
        "dws-lagging"
    );
    assert_eq!(count(&counters(&base).await, CREATE), 1);
}

#[tokio::test]
async fn a_create_that_fails_later_is_accepted_then_shows_its_failure() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([{"route": CREATE, "nth": [1], "fault": {"kind": "create_fails"}}]),
    )
    .await;
    let client = client(&base);
    let id = client
        .create_cluster(&create_body("dws-doomed"))
        .await
        .expect("accepted");
    hook(&base, "/_sim/clock/advance", json!({"seconds": 3600.0})).await;
    let cluster = client.get_cluster(&id).await.expect("detail");
    assert_eq!(cluster.status, "CREATION FAILED");
    assert_eq!(clusters_named(&base, "dws-doomed").await, 1);
}

#[tokio::test]
async fn an_outage_of_every_route_fails_fast_with_a_clear_error() {
    let (_sim, base) = start().await;
    let c: Client = client(&base);
    c.list_clusters().await.expect("token first");
    faults(
        &base,
        json!([{"route": "*", "fault": {"kind": "status", "status": 503}}]),
    )
    .await;
    let err = c.observe().await.expect_err("outage");
    assert!(
        matches!(
            err,
            ApiError::Status {
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("(after 3 attempts)"), "{err}");
    let help = miette::Diagnostic::help(&err)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(help.contains("retry later"), "{help}");
}

#[tokio::test]
async fn when_both_listings_fail_the_cluster_listings_error_is_reported_even_if_it_came_last() {
    let (_sim, base) = start().await;
    let c: Client = client(&base);
    c.list_clusters().await.expect("token first");
    faults(
        &base,
        json!([
            {"route": "GET /v1.0/{project_id}/clusters", "fault": {"kind": "latency", "ms": 300}},
            {"route": "GET /v1.0/{project_id}/clusters", "fault": {"kind": "status", "status": 403}},
            {"route": "GET /v1.0/{project_id}/snapshots", "fault": {"kind": "status", "status": 400}},
        ]),
    )
    .await;
    let err = c.observe().await.expect_err("both fail");
    assert!(
        matches!(err, ApiError::Status { status: 403, .. }),
        "the cluster listing's 403, not the snapshot listing's earlier 400: {err}"
    );
}

#[tokio::test]
async fn random_faults_never_duplicate_a_create() {
    let (_sim, base) = start().await;
    faults(
        &base,
        json!([
        {"route": CREATE, "probability": 0.2, "fault": {"kind": "reset_after_commit"}},
        {"route": CREATE, "probability": 0.2, "fault": {"kind": "reset_before_commit"}},
        {"route": CREATE, "probability": 0.2, "fault": {"kind": "status", "status": 429}},
        {"route": CREATE, "probability": 0.1, "fault": {"kind": "status", "status": 502}},
        {"route": "*", "probability": 0.1, "fault": {"kind": "status", "status": 503}}]),
    )
    .await;
    let client = client(&base);
    let mut outcomes = Vec::new();
    for i in 0..12 {
        let name = format!("dws-chaos-{i:02}");
        outcomes.push((
            name.clone(),
            client.create_cluster(&create_body(&name)).await,
        ));
    }
    for (name, outcome) in outcomes {
        let n = clusters_named(&base, &name).await;
        match outcome {
            Ok(_) => assert_eq!(n, 1, "{name} created once"),
            Err(err) if err.is_outcome_unknown() => assert!(n <= 1, "{name}: {n}"),
            Err(err) => assert_eq!(n, 0, "{name} failed cleanly: {err}"),
        }
    }
}
