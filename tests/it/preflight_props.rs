//! The checks agree with the operations on the simulator, over random quotas, subnet sizes,
//! sold-out zones and plans: a precheck passes exactly when the create is accepted, and a
//! plan of several creates that `dwsctl plan` does not block is one whose creates the
//! simulator then accepts, one after another (and a blocked one is one where a create fails).

use std::path::Path;

use dwsctl::api::ops::ClusterCheck;
use dwsctl::sim::{self, Config};
use proptest::test_runner::{Config as PropConfig, TestRng, TestRunner};
use serde_json::{json, Value};

use crate::client_sim::client;
use crate::sim_support::{cluster_body, start_with, Sim};

fn config(quota: u32, addresses: u32, sold_out: bool) -> Config {
    Config {
        node_quota: quota,
        networks: sim::Networks {
            subnet_addresses: addresses,
            sold_out: if sold_out {
                vec![("dws.m3.xlarge".into(), "eu-de-01".into())]
            } else {
                Vec::new()
            },
            ..sim::Networks::default()
        },
        ..Config::default()
    }
}

/// The precheck of `cluster_body(name)` with `nodes` nodes in eu-de-01.
fn check_of(name: &str, nodes: u32) -> ClusterCheck {
    ClusterCheck {
        name: Some(name.into()),
        flavor: "dws.m3.xlarge".into(),
        num_node: nodes,
        availability_zones: vec!["eu-de-01".into()],
        vpc_id: sim::DEFAULT_VPC_ID.into(),
        subnet_id: sim::DEFAULT_SUBNET_ID.into(),
        security_group_id: Some(sim::DEFAULT_SECURITY_GROUP_ID.into()),
        datastore_version: "8.1.3.310".into(),
        public_ip: None,
        num_cn: None,
        db_port: Some("8000".into()),
        db_name: None,
        db_password: None,
        tag_list: None,
        enterprise_project_id: None,
        restore_point: None,
    }
}

fn create_body(name: &str, nodes: u32) -> Value {
    let mut body = cluster_body(name);
    body["cluster"]["number_of_node"] = json!(nodes);
    body["cluster"]["availability_zone"] = json!("eu-de-01");
    body
}

/// A runner with a fixed seed: the cases (and that both outcomes occur) are the same on
/// every run.
fn runner(cases: u32) -> TestRunner {
    let config = PropConfig {
        cases,
        failure_persistence: None,
        ..PropConfig::default()
    };
    let rng = TestRng::deterministic_rng(config.rng_algorithm);
    TestRunner::new_with_rng(config, rng)
}

/// Whatever the quota, the subnet, the clusters already there and the zone's stock, the
/// precheck of a create passes exactly when that create is then accepted.
#[test]
fn a_precheck_passes_exactly_when_the_create_is_accepted() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let strategy = (
        3u32..14,
        3u32..14,
        0usize..3,
        3u32..8,
        proptest::bool::weighted(0.2),
    );
    let seen = std::cell::Cell::new((0, 0));
    let result = runner(16).run(&strategy, |(quota, addresses, before, nodes, sold_out)| {
        let (passed, accepted) = rt.block_on(async {
            let sim = start_with(config(quota, addresses, sold_out)).await;
            for i in 0..before {
                // Some fail for want of room; the world is whatever is left.
                sim.post("clusters", cluster_body(&format!("before-{i}")))
                    .await;
            }
            let passed = client(&sim.base)
                .precheck_cluster(&check_of("checked", nodes))
                .await;
            let (status, _) = sim.post("clusters", create_body("checked", nodes)).await;
            (passed.is_ok(), status == 200)
        });
        proptest::prop_assert_eq!(passed, accepted);
        let (yes, no) = seen.get();
        seen.set(if passed { (yes + 1, no) } else { (yes, no + 1) });
        Ok(())
    });
    result.expect("the precheck agrees with the create");
    let (yes, no) = seen.get();
    assert!(
        yes > 0 && no > 0,
        "both outcomes must occur: {yes} passed, {no} refused"
    );
}

/// A spec of clusters `dws-c0`, `dws-c1`, … with these node counts, all in the default subnet.
fn spec(dir: &Path, nodes: &[u32]) -> String {
    let mut text = String::from("version: 1\nclusters:\n");
    for (i, n) in nodes.iter().enumerate() {
        text.push_str(&format!(
            "  dws-c{i}:\n    node_type: dws.m3.xlarge\n    number_of_node: {n}\n    \
             availability_zone: eu-de-01\n    vpc_id: {}\n    subnet_id: {}\n    \
             security_group_id: {}\n    port: 8000\n    user_name: dbadmin\n    password: \
             {{from_env: DWS_ADMIN_PASSWORD}}\n",
            sim::DEFAULT_VPC_ID,
            sim::DEFAULT_SUBNET_ID,
            sim::DEFAULT_SECURITY_GROUP_ID,
        ));
    }
    let path = dir.join("dws.yaml");
    std::fs::write(&path, text).expect("write the spec");
    path.to_str().expect("utf-8").to_owned()
}

/// `dwsctl plan --detailed-exitcode` of `nodes` against `sim`: 2 (nothing blocked) or 3.
fn plan_exit(sim: &Sim, dir: &Path, nodes: &[u32]) -> i32 {
    let spec = spec(dir, nodes);
    let out = crate::cli_support::dwsctl(["plan", "-f", &spec, "--detailed-exitcode"])
        .ak_sk(&sim.base)
        .env("DWS_ADMIN_PASSWORD", "Canary-Props-Pw-5512!")
        .current_dir(dir)
        .output();
    let code = out.code().unwrap_or(-1);
    assert!(code == 2 || code == 3, "{}", out.text());
    code
}

/// Several creates share the quota and the subnet: the plan is blocked exactly when the
/// creates, sent one after another, would not all be accepted.
#[test]
fn a_plan_is_blocked_exactly_when_its_creates_would_not_all_be_accepted() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let strategy = (3u32..16, 3u32..16, proptest::collection::vec(3u32..6, 1..4));
    let seen = std::cell::Cell::new((0, 0));
    let result = runner(12).run(&strategy, |(quota, addresses, nodes)| {
        let sim = rt.block_on(start_with(config(quota, addresses, false)));
        let dir = tempfile::tempdir().expect("tempdir");
        let blocked = plan_exit(&sim, dir.path(), &nodes) == 3;
        let all_accepted = rt.block_on(async {
            let mut all = true;
            for (i, n) in nodes.iter().enumerate() {
                let (status, _) = sim
                    .post("clusters", create_body(&format!("dws-c{i}"), *n))
                    .await;
                all &= status == 200;
            }
            all
        });
        proptest::prop_assert_eq!(blocked, !all_accepted);
        let (yes, no) = seen.get();
        seen.set(if blocked {
            (yes, no + 1)
        } else {
            (yes + 1, no)
        });
        Ok(())
    });
    result.expect("the plan's checks agree with the creates");
    let (yes, no) = seen.get();
    assert!(
        yes > 0 && no > 0,
        "both outcomes must occur: {yes} passed, {no} blocked"
    );
}
