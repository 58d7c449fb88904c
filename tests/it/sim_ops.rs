//! Issue 12's in-place operations and checks, through the typed client against the
//! simulator: each change shows in the detail, the documented refusals, a busy or stopped
//! cluster refusing, EIPs bound once, and the checks failing for the reasons (and with the
//! codes) the operations then fail with.

use dwsctl::api::ops::ShrinkCheckItem;
use dwsctl::api::{ApiError, Client};
use dwsctl::sim::{self, Config, DEFAULT_EIP_IDS, SECOND_SECURITY_GROUP_ID};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use serde_json::json;

use crate::client_sim::client;
use crate::sim_support::{cluster_body, start, start_with, Sim};

/// The status, code and message of a refused call.
#[track_caller]
fn refusal<T: std::fmt::Debug>(result: Result<T, ApiError>) -> (u16, String, String) {
    match result {
        Err(ApiError::Status {
            status,
            code,
            message,
            ..
        }) => (
            status,
            code.unwrap_or_default(),
            message.unwrap_or_default(),
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, ApiError>,
    status: u16,
    code: &str,
    fragment: &str,
) -> String {
    let (got, got_code, message) = refusal(result);
    assert_eq!((got, got_code.as_str()), (status, code), "{message}");
    assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
    message
}

async fn setup() -> (Sim, Client) {
    let sim = start().await;
    let client = client(&sim.base);
    (sim, client)
}

/// An AVAILABLE cluster of `nodes` nodes.
async fn cluster(sim: &Sim, name: &str, nodes: u32) -> String {
    let mut body = cluster_body(name);
    body["cluster"]["number_of_node"] = json!(nodes);
    let (status, answer) = sim.post("clusters", body).await;
    assert_eq!(status, 200, "{answer}");
    sim.advance(1000.0).await;
    answer["cluster"]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn security_group_change_shows_in_the_detail_and_bad_groups_are_refused() {
    let (sim, client) = setup().await;
    let id = cluster(&sim, "sg-demo", 3).await;
    let second = vec![SECOND_SECURITY_GROUP_ID.to_owned()];
    client.set_security_groups(&id, &second).await.expect("set");
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(
        detail.security_group_id.as_deref(),
        Some(SECOND_SECURITY_GROUP_ID)
    );
    let unknown = vec!["0e0e0e0e-1111-4222-8333-444444444444".to_owned()];
    assert_refused(
        client.set_security_groups(&id, &unknown).await,
        404,
        "DWS.5023",
        "security group does not exist",
    );
    assert_refused(
        client.set_security_groups(&id, &[]).await,
        400,
        "DWS.5203",
        "cannot be left blank",
    );
    let twice = vec![second[0].clone(), second[0].clone()];
    assert_refused(
        client.set_security_groups(&id, &twice).await,
        400,
        "DWS.5039",
        "more than once",
    );
}

#[tokio::test]
async fn an_eip_binds_to_one_cluster_at_a_time() {
    let (sim, client) = setup().await;
    let a = cluster(&sim, "eip-a", 3).await;
    let b = cluster(&sim, "eip-b", 3).await;
    let [eip1, eip2] = DEFAULT_EIP_IDS;
    client.bind_eip(&a, eip1).await.expect("bind");
    let detail = client.get_cluster(&a).await.expect("detail");
    let ip = detail.public_ip.expect("public_ip");
    assert_eq!(ip.eip_id.as_deref(), Some(eip1));
    assert_eq!(ip.eip_address.as_deref(), Some("80.158.90.11"));
    assert_eq!(
        detail.public_endpoints[0].public_connect_info,
        "80.158.90.11:8000"
    );
    client
        .bind_eip(&a, eip1)
        .await
        .expect("binding it again is a no-op");
    assert_refused(client.bind_eip(&b, eip1).await, 400, "DWS.5133", "eip-a");
    assert_refused(
        client.bind_eip(&a, eip2).await,
        400,
        "DWS.5133",
        "already has EIP",
    );
    let unknown = "a1b2c3d4-0001-4e5f-8a9b-0000000000ff";
    assert_refused(
        client.bind_eip(&b, unknown).await,
        400,
        "DWS.5135",
        "does not exist",
    );
    assert_refused(client.bind_eip(&b, "eip-1").await, 400, "DWS.5133", "UUID");
    assert_refused(
        client.unbind_eip(&b, eip1).await,
        400,
        "DWS.5133",
        "not bound to this cluster",
    );
    client.unbind_eip(&a, eip1).await.expect("unbind");
    let detail = client.get_cluster(&a).await.expect("detail");
    let ip = detail.public_ip.expect("public_ip");
    assert_eq!(ip.public_bind_type, "not_use");
    assert!(detail.public_endpoints.is_empty());
    client.bind_eip(&b, eip1).await.expect("free again");
    // A create naming an EIP another cluster holds fails the same way.
    let mut body = cluster_body("eip-c");
    body["cluster"]["public_ip"] = json!({"public_bind_type": "bind_existing", "eip_id": eip1});
    let (status, answer) = sim.post("clusters", body).await;
    assert_eq!((status, &answer["error_code"]), (400, &json!("DWS.5133")));
}

#[tokio::test]
async fn description_and_name_change_in_place() {
    let (sim, client) = setup().await;
    let id = cluster(&sim, "named-demo", 3).await;
    cluster(&sim, "taken-name", 3).await;
    client
        .set_description(&id, "sales warehouse")
        .await
        .expect("describe");
    let job = client
        .rename_cluster(&id, "renamed-demo")
        .await
        .expect("rename");
    assert_eq!(job.map(|j| j.len()), Some(32));
    // "Request submitted": the old name until the job ends, the new one is taken meanwhile.
    assert_eq!(
        client.get_cluster(&id).await.expect("detail").name,
        "named-demo"
    );
    let mut body = cluster_body("renamed-demo");
    body["cluster"]["number_of_node"] = json!(3);
    let (status, answer) = sim.post("clusters", body).await;
    assert_eq!(
        (status, &answer["error_code"]),
        (409, &json!("DWS.5050")),
        "{answer}"
    );
    assert_refused(
        client.rename_cluster(&id, "other-name").await,
        403,
        "DWS.7023",
        "being renamed to renamed-demo",
    );
    sim.advance(60.0).await;
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(detail.name, "renamed-demo");
    assert_eq!(
        detail.cluster_description_info.as_deref(),
        Some("sales warehouse")
    );
    let listed = client.list_clusters().await.expect("list");
    assert!(listed
        .iter()
        .any(|c| c.id == id && c.name == "renamed-demo"));
    assert_refused(
        client.rename_cluster(&id, "taken-name").await,
        409,
        "DWS.5050",
        "taken-name",
    );
    assert_refused(
        client.rename_cluster(&id, "ab").await,
        400,
        "DWS.5001",
        "4 to 64",
    );
    assert_refused(
        client.set_description(&id, &"x".repeat(257)).await,
        400,
        "DWS.5056",
        "256",
    );
    assert_refused(
        client.set_description(&id, "a<b").await,
        400,
        "DWS.5065",
        "'<'",
    );
}

#[tokio::test]
async fn stop_and_start_pass_through_their_states_and_a_stopped_cluster_refuses_changes() {
    let (sim, client) = setup().await;
    let id = cluster(&sim, "power-demo", 3).await;
    assert_refused(
        client.start_cluster(&id).await,
        403,
        "DWS.7023",
        "not stopped",
    );
    let job = client.stop_cluster(&id).await.expect("stop");
    assert!(job.is_some());
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(detail.status, "STOPPING");
    assert_eq!(detail.task_status.as_deref(), Some("STOPPING"));
    assert!(detail.action_progress.contains_key("STOPPING"));
    sim.advance(200.0).await;
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(
        (detail.status.as_str(), detail.task_status),
        ("STOPPED", None)
    );
    assert_refused(client.stop_cluster(&id).await, 403, "DWS.7023", "stopped");
    assert_refused(client.restart(&id).await, 403, "DWS.7023", "stopped");
    assert_refused(
        client.set_description(&id, "x").await,
        403,
        "DWS.7023",
        "stopped",
    );
    client.start_cluster(&id).await.expect("start");
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(detail.status, "STARTING");
    sim.advance(300.0).await;
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(detail.status, "AVAILABLE");
    assert_eq!(detail.sub_status.as_deref(), Some("NORMAL"));
    client
        .restart(&id)
        .await
        .expect("a started cluster takes changes");
}

#[tokio::test]
async fn coordinators_are_added_and_deleted_as_tasks() {
    let (sim, client) = setup().await;
    let id = cluster(&sim, "cn-demo", 6).await;
    let cns = client.list_coordinators(&id).await.expect("cns");
    assert_eq!((cns.min_num, cns.max_num, cns.instances.len()), (2, 6, 3));
    assert_eq!(cns.instances[0].name, "cn-demo-cn-1-1");
    assert!(!cns.instances[0].private_ip.is_empty());
    assert_refused(
        client.add_coordinators(&id, 3).await,
        400,
        "DWS.5047",
        "after the addition",
    );
    assert_refused(
        client.add_coordinators(&id, 7).await,
        400,
        "DWS.5047",
        "at most 6",
    );
    client.add_coordinators(&id, 5).await.expect("add");
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(detail.task_status.as_deref(), Some("ADD_CN_ING"));
    assert_refused(client.restart(&id).await, 403, "DWS.7023", "ADD_CN_ING");
    sim.advance(600.0).await;
    let after = client.list_coordinators(&id).await.expect("cns");
    assert_eq!(after.instances.len(), 5);
    let first = after.instances[0].id.clone();
    client
        .delete_coordinators(&id, std::slice::from_ref(&first))
        .await
        .expect("delete");
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(detail.task_status.as_deref(), Some("DEL_CN_ING"));
    sim.advance(600.0).await;
    let after = client.list_coordinators(&id).await.expect("cns");
    assert_eq!(after.instances.len(), 4);
    assert!(after.instances.iter().all(|cn| cn.id != first));
    assert_refused(
        client.delete_coordinators(&id, &[first]).await,
        400,
        "DWS.0001",
        "not a CN",
    );
    let ids: Vec<String> = after
        .instances
        .iter()
        .skip(1)
        .map(|cn| cn.id.clone())
        .collect();
    assert_refused(
        client.delete_coordinators(&id, &ids).await,
        400,
        "DWS.5047",
        "at least 2",
    );
}

#[tokio::test]
async fn a_busy_cluster_refuses_every_operation() {
    let (sim, client) = setup().await;
    let id = cluster(&sim, "busy-demo", 6).await;
    client.restart(&id).await.expect("restart");
    let sg = [SECOND_SECURITY_GROUP_ID.to_owned()];
    let results: Vec<Result<(), ApiError>> = vec![
        client.set_security_groups(&id, &sg).await,
        client.bind_eip(&id, DEFAULT_EIP_IDS[0]).await,
        client.set_description(&id, "x").await,
        client.rename_cluster(&id, "busy-two").await.map(drop),
        client.stop_cluster(&id).await.map(drop),
        client.add_coordinators(&id, 4).await.map(drop),
    ];
    for result in results {
        assert_refused(result, 403, "DWS.7023", "REBOOTING");
    }
}

#[tokio::test]
async fn a_failed_stop_leaves_a_running_cluster_with_the_reason() {
    let (sim, client) = setup().await;
    let id = cluster(&sim, "fail-stop", 3).await;
    let rule = json!({"rules": [{"route": "POST /v1/{project_id}/clusters/{cluster_id}/stop",
                                 "fault": {"kind": "task_fails"}}]});
    let (status, _) = sim.hook("POST", "faults", Some(rule)).await;
    assert_eq!(status, 200);
    client.stop_cluster(&id).await.expect("accepted");
    sim.advance(200.0).await;
    let detail = client.get_cluster(&id).await.expect("detail");
    assert_eq!(detail.status, "AVAILABLE");
    let reasons = detail.failed_reasons.expect("failed_reasons");
    assert_eq!(reasons.error_code.as_deref(), Some("DWS.6002"));
}

#[tokio::test]
async fn precheck_fails_for_the_quota_with_the_reason_the_create_then_gives() {
    let sim = start_with(Config {
        node_quota: 5,
        ..Config::default()
    })
    .await;
    let client = client(&sim.base);
    let check = precheck_body(3);
    client
        .precheck_cluster(&check)
        .await
        .expect("fits the quota");
    cluster(&sim, "quota-a", 3).await;
    let message = assert_refused(
        client.precheck_cluster(&check).await,
        400,
        "DWS.5091",
        "node quota is 5; 3 nodes are in use and 3 more",
    );
    let (status, answer) = sim.post("clusters", cluster_body("quota-b")).await;
    assert_eq!((status, &answer["error_code"]), (400, &json!("DWS.5091")));
    assert_eq!(answer["error_msg"].as_str(), Some(message.as_str()));
}

#[tokio::test]
async fn precheck_and_create_refuse_a_node_type_sold_out_in_the_zone() {
    let sim = start_with(Config {
        networks: sim::Networks {
            sold_out: vec![("dws.m3.xlarge".into(), "eu-de-01".into())],
            ..sim::Networks::default()
        },
        ..Config::default()
    })
    .await;
    let client = client(&sim.base);
    assert_refused(
        client.precheck_cluster(&precheck_body(3)).await,
        400,
        "DWS.5200",
        "not offered in eu-de-01",
    );
    let (status, answer) = sim.post("clusters", cluster_body("sold-out")).await;
    assert_eq!((status, &answer["error_code"]), (400, &json!("DWS.5200")));
    // The v2 node types say so, zone by zone.
    let (_, types) = sim
        .get(&format!("/v2/{}/node-types", sim::DEFAULT_PROJECT_ID))
        .await;
    let m3 = types["node_types"]
        .as_array()
        .and_then(|all| all.iter().find(|t| t["spec_name"] == "dws.m3.xlarge"))
        .expect("dws.m3.xlarge");
    let zones = m3["available_zones"].as_array().expect("zones");
    let status = |zone: &str| {
        zones
            .iter()
            .find(|z| z["code"] == zone)
            .map(|z| z["status"].clone())
    };
    assert_eq!(status("eu-de-01"), Some(json!("sellout")));
    assert_eq!(status("eu-de-02"), Some(json!("normal")));
}

#[tokio::test]
async fn grow_check_reports_too_few_subnet_addresses_and_the_scale_out_fails_alike() {
    let sim = start_with(small_subnet(5)).await;
    let client = client(&sim.base);
    let id = cluster(&sim, "subnet-demo", 3).await;
    let check = client.grow_check(&id, 3).await.expect("check");
    let reason = check.failure().expect("fails");
    assert!(reason.contains("Required: 3; Used: 3/5"), "{reason}");
    assert!(reason.contains("2 free addresses, 3 needed"), "{reason}");
    let message = assert_refused(client.resize(&id, 3).await, 400, "DWS.5051", &reason);
    assert!(message.starts_with("Invalid IP address."), "{message}");
    let check = client.grow_check(&id, 2).await.expect("check");
    assert_eq!(check.failure(), None, "{check:?}");
    assert_eq!(check.data.len(), 3);
    let read_only = client.read_only();
    assert!(read_only.grow_check(&id, 2).await.is_ok(), "plan may check");
    assert!(matches!(
        read_only.bind_eip(&id, DEFAULT_EIP_IDS[0]).await,
        Err(ApiError::ReadOnly { .. })
    ));
    client.resize(&id, 2).await.expect("fits");
    assert_refused(client.grow_check(&id, 0).await, 400, "DWS.5047", "grow by");
}

#[tokio::test]
async fn shrink_check_passes_exactly_when_the_scale_in_is_accepted() {
    let (sim, client) = setup().await;
    let id = cluster(&sim, "shrink-demo", 6).await;
    for item in [
        ShrinkCheckItem::Guc,
        ShrinkCheckItem::Schema,
        ShrinkCheckItem::Disk,
    ] {
        assert!(!client.shrink_check(&id, item, 4).await.expect("check"));
        assert!(client.shrink_check(&id, item, 3).await.expect("check"));
    }
    assert_refused(client.shrink(&id, 4).await, 400, "DWS.5047", "at least 3");
    let base = format!("/v1/{}/clusters/{id}/shrink-check", sim::DEFAULT_PROJECT_ID);
    for (query, fragment) in [
        ("?shrink_count=3", "check_item"),
        ("?check_item=cpu&shrink_count=3", "check_item"),
        ("?check_item=disk&shrink_count=three", "shrink_count"),
        ("?check_item=disk&shrink_count=%FF", "shrink_count"),
    ] {
        let got = sim.get(&format!("{base}{query}")).await;
        crate::sim_support::assert_error(&got, 400, "DWS.0001", fragment);
    }
    client.shrink(&id, 3).await.expect("accepted");
}

/// The `disk` item fails when the data would not fit on the nodes that stay, and so does the
/// scale-in itself; `guc` and `schema` (no GUCs or tables in the simulator) still pass.
#[tokio::test]
async fn shrink_check_disk_fails_when_the_data_would_not_fit_and_so_does_the_scale_in() {
    let (sim, client) = setup().await;
    let id = cluster(&sim, "full-demo", 6).await;
    // dws.m3.xlarge: 160 GB a node, so 3 nodes hold 480 GB and 6 hold 960.
    let data = |gb: f64| json!({ "gb": gb });
    let path = format!("clusters/{id}/data");
    for refused in [-1.0, 961.0] {
        let got = sim
            .call("PUT", &format!("/_sim/{path}"), Some(data(refused)))
            .await;
        crate::sim_support::assert_error(&got, 400, "DWS.0001", "0 to 960");
    }
    let (status, body) = sim
        .call("PUT", &format!("/_sim/{path}"), Some(data(600.0)))
        .await;
    assert_eq!(status, 200, "{body}");
    let passed = |item| client.shrink_check(&id, item, 3);
    assert!(passed(ShrinkCheckItem::Guc).await.expect("check"));
    assert!(passed(ShrinkCheckItem::Schema).await.expect("check"));
    assert!(!passed(ShrinkCheckItem::Disk).await.expect("check"));
    assert!(client
        .shrink_check(&id, ShrinkCheckItem::Disk, 2)
        .await
        .expect("check"));
    assert_refused(client.shrink(&id, 3).await, 400, "DWS.5047", "600 GB");
    client.shrink(&id, 2).await.expect("4 nodes hold 640 GB");
}

fn small_subnet(addresses: u32) -> Config {
    Config {
        networks: sim::Networks {
            subnet_addresses: addresses,
            ..sim::Networks::default()
        },
        ..Config::default()
    }
}

fn precheck_body(nodes: u32) -> dwsctl::api::ops::ClusterCheck {
    dwsctl::api::ops::ClusterCheck {
        name: Some("checked".into()),
        flavor: "dws.m3.xlarge".into(),
        num_node: nodes,
        availability_zones: vec!["eu-de-01".into()],
        vpc_id: sim::DEFAULT_VPC_ID.into(),
        subnet_id: sim::DEFAULT_SUBNET_ID.into(),
        security_group_id: Some(sim::DEFAULT_SECURITY_GROUP_ID.into()),
        datastore_version: "8.1.3.310".into(),
        public_ip: None,
        num_cn: None,
        db_port: None,
        db_name: None,
        db_password: None,
        tag_list: None,
        enterprise_project_id: None,
        restore_point: None,
    }
}

/// Whatever the subnet size and the cluster already in it, the scale-out check passes exactly
/// when the scale-out is accepted.
#[test]
fn grow_check_passes_exactly_when_the_scale_out_is_accepted() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut runner = TestRunner::new(PropConfig {
        cases: 12,
        failure_persistence: None,
        ..PropConfig::default()
    });
    let strategy = (3u32..12, 1u32..10, 3u32..8);
    let result = runner.run(&strategy, |(addresses, count, quota_room)| {
        let (passed, accepted) = rt.block_on(async {
            let sim = start_with(Config {
                node_quota: 3 + quota_room,
                ..small_subnet(addresses)
            })
            .await;
            let client = client(&sim.base);
            let (status, answer) = sim.post("clusters", cluster_body("prop-grow")).await;
            if status != 200 {
                // 3 nodes do not fit the subnet: nothing to scale.
                assert_eq!(answer["error_code"], "DWS.5051", "{answer}");
                return (false, false);
            }
            sim.advance(1000.0).await;
            let id = answer["cluster"]["id"].as_str().expect("id").to_owned();
            let check = client.grow_check(&id, count).await.expect("check");
            let accepted = client.resize(&id, count).await;
            (check.failure().is_none(), accepted.is_ok())
        });
        prop_assert_eq!(passed, accepted);
        Ok(())
    });
    result.expect("the check agrees with the operation");
}

/// On Huawei the description call is one of the newer APIs: a busy cluster's refusal comes as
/// HTTP 200 with the code in the body, and the client still reports it as a refusal.
#[tokio::test]
async fn huawei_description_refusal_in_a_200_body_is_still_a_refusal() {
    let sim = start_with(Config {
        profile: sim::Profile::Huawei,
        ..Config::default()
    })
    .await;
    let client = client(&sim.base);
    let id = cluster(&sim, "hw-demo", 3).await;
    client.restart(&id).await.expect("restart");
    let (_, code, message) = refusal(client.set_description(&id, "x").await);
    assert_eq!(code, "DWS.7023", "{message}");
    sim.advance(600.0).await;
    client.set_description(&id, "x").await.expect("idle again");
}
