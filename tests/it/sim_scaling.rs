//! Scaling in phases (src/sim/durations.rs): checks, then for a scale-out the new nodes and the
//! redistribution onto them, for a scale-in the redistribution off the leaving nodes and their
//! removal; the redistribution shows as `sub_status` REDISTRIBUTING
//! (`cluster_management/querying_cluster_details.rst`), and dwsctl waits through all of it.

use serde_json::{json, Value};

use super::apply_support::{world, ADMIN_PASSWORD};
use super::sim_support::{assert_error, start, Sim};

/// What the list shows of a cluster: node count, `sub_status`, `task_status`.
async fn shown(sim: &Sim, id: &str) -> (u64, String, String) {
    let (_, body) = sim.get("clusters").await;
    let cluster = body["clusters"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == id))
        .cloned()
        .unwrap_or(Value::Null);
    (
        cluster["number_of_node"].as_u64().unwrap_or(0),
        cluster["sub_status"].as_str().unwrap_or("-").to_owned(),
        cluster["task_status"].as_str().unwrap_or("-").to_owned(),
    )
}

/// The distinct states a cluster goes through, sampled every 10 simulated seconds until idle.
async fn phases(sim: &Sim, id: &str) -> Vec<(u64, String, String)> {
    let mut seen: Vec<(u64, String, String)> = vec![shown(sim, id).await];
    for _ in 0..2000 {
        sim.advance(10.0).await;
        let now = shown(sim, id).await;
        if seen.last() != Some(&now) {
            seen.push(now.clone());
        }
        if now.2 == "-" {
            break;
        }
    }
    seen
}

fn state(nodes: u64, sub: &str, task: &str) -> (u64, String, String) {
    (nodes, sub.to_owned(), task.to_owned())
}

#[tokio::test]
async fn a_scale_out_grows_then_redistributes_and_a_scale_in_redistributes_then_shrinks() {
    let sim = start().await;
    let id = sim.create_available("phased-one").await;
    let (status, body) = sim
        .post(
            &format!("clusters/{id}/resize"),
            json!({"scale_out": {"count": 3}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        phases(&sim, &id).await,
        [
            state(3, "NORMAL", "GROWING"),
            state(6, "REDISTRIBUTING", "GROWING"),
            state(6, "NORMAL", "-"),
        ]
    );

    let (status, body) = sim
        .post(
            &format!("clusters/{id}/cluster-shrink"),
            json!({"shrink_number": 3}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sim.advance(61.0).await; // past the checks (30-60 s): redistributing, and busy
    assert_eq!(
        shown(&sim, &id).await,
        state(6, "REDISTRIBUTING", "CLUSTER_SHRINKING")
    );
    let got = sim
        .post(&format!("clusters/{id}/restart"), json!({"restart": {}}))
        .await;
    assert_error(&got, 403, "DWS.7023", "CLUSTER_SHRINKING");
    assert_eq!(
        phases(&sim, &id).await,
        [
            state(6, "REDISTRIBUTING", "CLUSTER_SHRINKING"),
            state(6, "NORMAL", "CLUSTER_SHRINKING"),
            state(3, "NORMAL", "-"),
        ]
    );
}

/// A wait that looked at the node count alone would end when the new nodes appear, before the
/// redistribution: apply must end with the cluster idle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_waits_through_the_redistribution_of_a_scale_out() {
    let world = world(2000.0, 41).await;
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = |nodes: u32| {
        let path = dir.path().join(format!("n{nodes}.yaml"));
        let text = format!(
            "version: 1\nclusters:\n  phased-two:\n    node_type: dws.d1.xlarge\n    \
             number_of_node: {nodes}\n    vpc_id: {}\n    subnet_id: {}\n    \
             security_group_id: {}\n    user_name: dbadmin\n    \
             password: {{from_env: DWS_ADMIN_PASSWORD}}\n",
            dwsctl::sim::DEFAULT_VPC_ID,
            dwsctl::sim::DEFAULT_SUBNET_ID,
            dwsctl::sim::DEFAULT_SECURITY_GROUP_ID
        );
        std::fs::write(&path, text).expect("write spec");
        dwsctl::spec::load(&[path]).expect("spec loads")
    };
    for nodes in [3, 6, 4] {
        let report = world.apply(&spec(nodes)).await.expect("apply");
        // A scale is followed by the step that records what was applied.
        let steps = if nodes == 3 { 1 } else { 2 };
        assert_eq!(report.counts().done, steps, "{nodes}: {report:?}");
        let live = world.client.observe().await.expect("observe");
        let cluster = live.cluster("phased-two").expect("listed");
        assert_eq!(cluster.number_of_node, nodes);
        assert_eq!(cluster.sub_status.as_deref(), Some("NORMAL"), "{cluster:?}");
        assert_eq!(cluster.task_status, None, "{cluster:?}");
    }
}
