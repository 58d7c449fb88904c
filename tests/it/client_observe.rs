//! `Client::observe_with`: the two listings plus exactly the per-cluster reads asked for,
//! against the simulator.

use std::collections::{BTreeMap, BTreeSet};

use dwsctl::api::live::Reads;

use crate::client_sim::{
    client, counters, create_body, reset_counters, start, LIST_CLUSTERS, LIST_SNAPSHOTS,
    TOKEN_ROUTE,
};

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

fn keys<V>(map: &BTreeMap<String, V>) -> Vec<&str> {
    map.keys().map(String::as_str).collect()
}

#[tokio::test]
async fn each_asked_read_is_one_call_for_that_cluster_only() {
    let (_sim, base) = start().await;
    let client = client(&base);
    for name in ["dws-a", "dws-b", "dws-c"] {
        client
            .create_cluster(&create_body(name))
            .await
            .expect("create");
    }
    reset_counters(&base).await;
    let reads = Reads {
        details: names(&["dws-a", "dws-b"]),
        coordinators: names(&["dws-b"]),
        policies: names(&["dws-c", "not-listed"]),
    };
    let live = client.observe_with(&reads).await.expect("observe");

    assert_eq!(keys(&live.extras.details), ["dws-a", "dws-b"]);
    assert_eq!(keys(&live.extras.coordinators), ["dws-b"]);
    assert_eq!(keys(&live.extras.policies), ["dws-c"]);
    assert_eq!(live.extras.details["dws-a"].name, "dws-a");

    let counts = counters(&base).await;
    let calls = |route: &str| counts.get(route).copied().unwrap_or(0);
    assert_eq!(calls(LIST_CLUSTERS), 1);
    assert_eq!(calls(LIST_SNAPSHOTS), 1);
    assert_eq!(calls("GET /v1.0/{project_id}/clusters/{cluster_id}"), 2);
    assert_eq!(calls("GET /v1.0/{project_id}/clusters/{cluster_id}/cns"), 1);
    assert_eq!(
        calls("GET /v2/{project_id}/clusters/{cluster_id}/snapshot-policies"),
        1
    );
    let total: u64 = counts.values().sum::<u64>() - calls(TOKEN_ROUTE);
    assert_eq!(total, 6, "{counts:?}");
}

#[tokio::test]
async fn no_reads_asked_is_the_plain_two_call_observation() {
    let (_sim, base) = start().await;
    let client = client(&base);
    client
        .create_cluster(&create_body("dws-a"))
        .await
        .expect("create");
    reset_counters(&base).await;
    let live = client
        .observe_with(&Reads::default())
        .await
        .expect("observe");
    assert!(live.extras.is_empty());
    let counts = counters(&base).await;
    let total: u64 = counts.values().sum::<u64>() - counts.get(TOKEN_ROUTE).copied().unwrap_or(0);
    assert_eq!(total, 2, "{counts:?}");
}
