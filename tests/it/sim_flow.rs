//! The vendor's getting-started flow, sent verbatim (only the host replaced), and the
//! asynchronous state machine of clusters and snapshots.

use serde_json::{json, Value};

use crate::sim_support::{assert_error, start, PID};

const CLUSTER_ID: &str = "7ba031f6-81f4-4670-ad20-c490b91877e5";
const SNAPSHOT_ID: &str = "2a4d0f86-67cd-408a-8b66-017454fb7793";

const AUTH_BODY: &str = r#"{
    "auth": {
        "identity": {
            "methods": [
                "password"
            ],
            "password": {
                "user": {
                    "name": "testname",
                    "domain": {
                        "name": "testname"
                    },
                    "password": "Passw0rd"
                }
            }
        },
        "scope": {
            "project": {
                "name": "eu-de"
            }
        }
    }
}"#;

const CREATE_BODY: &str = r#"{
    "node_type": "dws.d1.xlarge",
        "number_of_node": 3,
        "subnet_id": "d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec",
        "security_group_id": "12e3c23a-8710-4b75-95e4-5c8d7f68ef3c",
        "vpc_id": "219ab8a0-1272-4049-a383-8ad0b770fa11",
        "port": 8000,
        "name": "dws-demo",
        "user_name": "dbadmin",
        "user_pwd": "Dws2017demo!",
        "public_ip": {
            "public_bind_type": "auto_assign"
        }
}"#;

const SNAPSHOT_BODY: &str = r#"{
    "snapshot": {
        "name": "snapshotForDemoCluster",
        "cluster_id": "7ba031f6-81f4-4670-ad20-c490b91877e5",
        "description": "Snapshot description"
    }
}"#;

const RESTORE_BODY: &str = r#"{
    "restore": {
        "name": "dws-restore"
    }
}"#;

const DELETE_BODY: &str = r#"{
    "keep_last_manual_snapshot":0
}"#;

const UTF8: &str = "application/json;charset=utf-8";

async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    content_type: &str,
    token: Option<&str>,
    body: Option<&'static str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = http
        .request(method, url)
        .header("Content-type", content_type);
    if let Some(token) = token {
        req = req.header("X-Auth-Token", token);
    }
    if let Some(body) = body {
        req = req.body(body);
    }
    let resp = req.send().await.expect("response");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, headers, value)
}

fn assert_idle_available(cluster: &Value) {
    assert_eq!(cluster["status"], "AVAILABLE");
    assert_eq!(cluster["sub_status"], "NORMAL");
    assert_eq!(cluster["task_status"], Value::Null);
    assert_eq!(cluster["action_progress"], json!({}));
}

#[tokio::test]
async fn getting_started_flow_runs_verbatim_through_both_deletes() {
    use reqwest::Method;
    let sim = start().await;
    let (http, base) = (&sim.http, sim.base.clone());
    // The page's paths carry fixed ids; queue them so the verbatim paths address our objects.
    let (status, _) = sim
        .hook(
            "POST",
            "ids",
            Some(json!({"clusters": [CLUSTER_ID], "snapshots": [SNAPSHOT_ID]})),
        )
        .await;
    assert_eq!(status, 200);

    // 1. Token.
    let (status, headers, body) = send(
        http,
        Method::POST,
        format!("{base}/v3/auth/tokens"),
        "application/json",
        None,
        Some(AUTH_BODY),
    )
    .await;
    assert_eq!(status, 201);
    let token = headers["x-subject-token"]
        .to_str()
        .expect("token")
        .to_owned();
    assert_eq!(body["token"]["project"]["id"], PID);
    let token = Some(token.as_str());

    // 2. Node types.
    let (status, _, body) = send(
        http,
        Method::GET,
        format!("{base}/v1.0/{PID}/node_types"),
        UTF8,
        token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let d1 = body["node_types"]
        .as_array()
        .and_then(|types| types.iter().find(|t| t["spec_name"] == "dws.d1.xlarge"))
        .expect("dws.d1.xlarge offered");
    assert_eq!(d1["id"], "ebe532d6-665f-40e6-a4d4-3c51545b6a67");
    assert!(d1["detail"]
        .as_array()
        .expect("detail")
        .iter()
        .all(|d| d["value"].is_string()));

    // 3. Create (the page's body has no "cluster" wrapper).
    let clusters_url = format!("{base}/v1.0/{PID}/clusters");
    let (status, _, body) = send(
        http,
        Method::POST,
        clusters_url.clone(),
        UTF8,
        token,
        Some(CREATE_BODY),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"cluster": {"id": CLUSTER_ID}}));

    // 4. List: CREATING first, AVAILABLE after the create's 10–15 minutes.
    let (status, _, body) = send(http, Method::GET, clusters_url.clone(), UTF8, token, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 1);
    let creating = &body["clusters"][0];
    assert_eq!(creating["status"], "CREATING");
    assert_eq!(creating["task_status"], Value::Null);
    assert!(creating["action_progress"]["CREATING"]
        .as_str()
        .is_some_and(|p| p.ends_with('%')));
    assert_eq!(creating["endpoints"], json!([]));
    sim.advance(15.0 * 60.0).await;
    let (_, _, body) = send(http, Method::GET, clusters_url.clone(), UTF8, token, None).await;
    let listed = &body["clusters"][0];
    assert_eq!(listed["id"], CLUSTER_ID);
    assert_idle_available(listed);
    assert_eq!(listed["public_ip"]["public_bind_type"], "auto_assign");
    assert_eq!(listed["public_endpoints"].as_array().map(Vec::len), Some(1));
    assert!(listed["endpoints"][0]["jdbc_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("jdbc:postgresql://") && u.contains(":8000/")));
    assert_eq!(listed["number_of_node"], 3);

    // 5. Detail.
    let cluster_url = format!("{clusters_url}/{CLUSTER_ID}");
    let (status, _, body) = send(
        http,
        Method::GET,
        cluster_url.clone(),
        "application/json",
        token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let detail = &body["cluster"];
    assert_idle_available(detail);
    assert_eq!(detail["name"], "dws-demo");
    assert_eq!(detail["node_type"], "dws.d1.xlarge");
    assert_eq!(detail["private_ip"].as_array().map(Vec::len), Some(3));
    assert_eq!(detail["parameter_group"]["status"], "In-Sync");
    assert!(detail["maintain_window"]["day"].is_string());

    // 6. Snapshot.
    let snapshots_url = format!("{base}/v1.0/{PID}/snapshots");
    let (status, _, body) = send(
        http,
        Method::POST,
        snapshots_url,
        "application/json",
        token,
        Some(SNAPSHOT_BODY),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"snapshot": {"id": SNAPSHOT_ID}}));
    let (_, _, body) = send(
        http,
        Method::GET,
        cluster_url.clone(),
        "application/json",
        token,
        None,
    )
    .await;
    assert_eq!(body["cluster"]["task_status"], "SNAPSHOTTING");
    assert!(body["cluster"]["action_progress"]["SNAPSHOTTING"].is_string());

    // 7. Snapshot detail: CREATING, then AVAILABLE.
    let snapshot_url = format!("{base}/v1.0/{PID}/snapshots/{SNAPSHOT_ID}");
    let (status, _, body) = send(http, Method::GET, snapshot_url.clone(), UTF8, token, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["snapshot"]["status"], "CREATING");
    sim.advance(5.0 * 60.0).await;
    let (_, _, body) = send(http, Method::GET, snapshot_url.clone(), UTF8, token, None).await;
    let snapshot = &body["snapshot"];
    assert_eq!(snapshot["status"], "AVAILABLE");
    assert_eq!(snapshot["type"], "MANUAL");
    assert_eq!(snapshot["name"], "snapshotForDemoCluster");
    assert_eq!(snapshot["description"], "Snapshot description");
    assert_eq!(snapshot["cluster_id"], CLUSTER_ID);
    assert!(snapshot["size"].is_number() && snapshot["finished"].is_string());
    let (_, _, body) = send(
        http,
        Method::GET,
        cluster_url.clone(),
        "application/json",
        token,
        None,
    )
    .await;
    assert_idle_available(&body["cluster"]);

    // 8. Restore into a new cluster that inherits node type and count.
    let (status, _, body) = send(
        http,
        Method::POST,
        format!("{snapshot_url}/actions"),
        UTF8,
        token,
        Some(RESTORE_BODY),
    )
    .await;
    assert_eq!(status, 200);
    let restored_id = body["cluster"]["id"]
        .as_str()
        .expect("restored id")
        .to_owned();
    let restored_url = format!("{clusters_url}/{restored_id}");
    let (_, _, body) = send(http, Method::GET, restored_url.clone(), UTF8, token, None).await;
    let restoring = &body["cluster"];
    assert_eq!(restoring["status"], "CREATING");
    assert_eq!(restoring["task_status"], "RESTORING");
    assert!(restoring["action_progress"]["RESTORING"].is_string());
    assert_eq!(restoring["node_type"], "dws.d1.xlarge");
    assert_eq!(restoring["number_of_node"], 3);
    assert_eq!(restoring["user_name"], "dbadmin");
    // The page checks the restore's progress before going on. A restore takes at least as
    // long as a create of its size (at most 15 min for 3 nodes) plus the data transfer.
    sim.advance(18.0 * 60.0).await;
    let (_, _, body) = send(http, Method::GET, restored_url, UTF8, token, None).await;
    assert_idle_available(&body["cluster"]);

    // 9. Delete the snapshot.
    let (status, _, _) = send(
        http,
        Method::DELETE,
        snapshot_url.clone(),
        UTF8,
        token,
        None,
    )
    .await;
    assert_eq!(status, 202);
    let (status, _, body) = send(http, Method::GET, snapshot_url, UTF8, token, None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error_code"], "DWS.5149");

    // 10. Delete the cluster: AVAILABLE while the delete runs, then gone.
    let (status, _, _) = send(
        http,
        Method::DELETE,
        cluster_url.clone(),
        UTF8,
        token,
        Some(DELETE_BODY),
    )
    .await;
    assert_eq!(status, 202);
    let (status, _, body) = send(
        http,
        Method::GET,
        cluster_url.clone(),
        "application/json",
        token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    // OTC shows DELETING while a delete runs (terraform-provider-opentelekomcloud #3339).
    assert_eq!(body["cluster"]["status"], "DELETING");
    sim.advance(3.0 * 60.0).await;
    let (status, _, body) = send(
        http,
        Method::GET,
        cluster_url,
        "application/json",
        token,
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error_code"], "DWS.0047");
    assert_eq!(
        body["error_msg"],
        "Cluster does not exist or has been deleted."
    );
}

#[tokio::test]
async fn wrapped_create_body_is_accepted_like_real_clients_send_it() {
    let sim = start().await;
    let id = sim.create("wrapped-one").await;
    let (status, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["cluster"]["name"], "wrapped-one");
}

#[tokio::test]
async fn resize_grows_the_cluster_through_a_growing_task() {
    let sim = start().await;
    let id = sim.create_available("grow-me").await;
    let (status, _) = sim
        .post(
            &format!("clusters/{id}/resize"),
            json!({"scale_out": {"count": 2}}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    let c = &body["cluster"];
    assert_eq!(c["task_status"], "GROWING");
    assert_eq!(c["number_of_node"], 3);
    assert_eq!(c["resize_info"]["target_node_num"], 5);
    assert_eq!(c["resize_info"]["origin_node_num"], 3);
    assert_eq!(c["resize_info"]["resize_status"], "GROWING");
    sim.advance(601.0).await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    let c = &body["cluster"];
    assert_eq!(c["number_of_node"], 5);
    assert_eq!(c["nodes"].as_array().map(Vec::len), Some(5));
    assert_eq!(c["task_status"], Value::Null);
    assert!(c.get("resize_info").is_none());
}

#[tokio::test]
async fn shrink_removes_nodes_through_a_shrinking_task() {
    let sim = start().await;
    let id = sim.create_available("shrink-me").await;
    sim.post(
        &format!("clusters/{id}/resize"),
        json!({"scale_out": {"count": 2}}),
    )
    .await;
    sim.advance(601.0).await;
    let (status, body) = sim
        .post(
            &format!("clusters/{id}/cluster-shrink"),
            json!({"shrink_number": 1}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["error_code"], "DWS.0000");
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["task_status"], "CLUSTER_SHRINKING");
    sim.advance(601.0).await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["number_of_node"], 4);
    assert_eq!(body["cluster"]["task_status"], Value::Null);
}

#[tokio::test]
async fn restart_shows_rebooting_until_done() {
    let sim = start().await;
    let id = sim.create_available("reboot-me").await;
    let (status, _) = sim
        .post(&format!("clusters/{id}/restart"), json!({"restart": {}}))
        .await;
    assert_eq!(status, 200);
    let (_, body) = sim.get("clusters").await;
    assert_eq!(body["clusters"][0]["task_status"], "REBOOTING");
    assert!(body["clusters"][0]["action_progress"]["REBOOTING"].is_string());
    sim.advance(211.0).await;
    let (_, body) = sim.get("clusters").await;
    assert_idle_available(&body["clusters"][0]);
}

#[tokio::test]
async fn busy_cluster_rejects_a_second_operation() {
    let sim = start().await;
    let id = sim.create("busy-one").await;
    let creating = sim
        .post(&format!("clusters/{id}/restart"), json!({"restart": {}}))
        .await;
    assert_error(
        &creating,
        403,
        "DWS.7023",
        "Cluster status is not allowed to operation.",
    );
    sim.advance(1000.0).await;
    sim.snapshot(&id, "first-snap").await;
    let second = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "second-snap", "cluster_id": id}}),
        )
        .await;
    assert_error(&second, 403, "DWS.7023", "SNAPSHOTTING");
    let resize = sim
        .post(
            &format!("clusters/{id}/resize"),
            json!({"scale_out": {"count": 3}}),
        )
        .await;
    assert_error(&resize, 403, "DWS.7023", "SNAPSHOTTING");
    let reset = sim
        .post(
            &format!("clusters/{id}/reset-password"),
            json!({"new_password": "Another-Pw-2025!"}),
        )
        .await;
    assert_error(&reset, 403, "DWS.7023", "SNAPSHOTTING");
}

#[tokio::test]
async fn reset_password_is_synchronous_and_refuses_the_current_password() {
    let sim = start().await;
    let id = sim.create_available("pw-reset").await;
    let path = format!("clusters/{id}/reset-password");
    let (status, _) = sim
        .post(&path, json!({"new_password": "Another-Pw-2025!"}))
        .await;
    assert_eq!(status, 200);
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_idle_available(&body["cluster"]);
    let same = sim
        .post(&path, json!({"new_password": "Another-Pw-2025!"}))
        .await;
    assert_error(&same, 400, "DWS.5144", "must differ from the current one");
}

#[tokio::test]
async fn tags_are_kept_from_create_and_changed_by_batch_calls() {
    let sim = start().await;
    let mut body = crate::sim_support::cluster_body("tagged-one");
    body["cluster"]["tags"] = json!([{"key": "env", "value": "prod"}]);
    let (status, created) = sim.post("clusters", body).await;
    assert_eq!(status, 200);
    let id = created["cluster"]["id"].as_str().expect("id").to_owned();
    let tags = format!("clusters/{id}/tags");
    let (status, _) = sim
        .post(
            &format!("{tags}/batch-create"),
            json!({"tags": [{"key": "owner", "value": "dwsctl"}, {"key": "env", "value": "test"}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, listed) = sim.get(&tags).await;
    assert_eq!(
        listed["tags"],
        json!([{"key": "env", "value": "test"}, {"key": "owner", "value": "dwsctl"}])
    );
    let (status, _) = sim
        .post(
            &format!("{tags}/batch-delete"),
            json!({"tags": [{"key": "env"}, {"key": "never-set"}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, detail) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(
        detail["cluster"]["tags"],
        json!([{"key": "owner", "value": "dwsctl"}])
    );
}

#[tokio::test]
async fn deleted_cluster_lists_as_deleting_until_it_is_gone() {
    let sim = start().await;
    let id = sim.create_available("delete-me").await;
    let (status, _) = sim
        .call(
            "DELETE",
            &format!("clusters/{id}"),
            Some(json!({"keep_last_manual_snapshot": 0})),
        )
        .await;
    assert_eq!(status, 202);
    let again = sim
        .call(
            "DELETE",
            &format!("clusters/{id}"),
            Some(json!({"keep_last_manual_snapshot": 0})),
        )
        .await;
    assert_eq!(again.0, 202, "a retried delete is harmless");
    // OTC shows DELETING while a delete runs (terraform-provider-opentelekomcloud #3339).
    let (_, body) = sim.get("clusters").await;
    assert_eq!(body["clusters"][0]["status"], "DELETING");
    sim.advance(121.0).await;
    let (_, body) = sim.get("clusters").await;
    assert_eq!(body, json!({"clusters": [], "count": 0}));
}

#[tokio::test]
async fn manual_snapshots_survive_their_cluster_and_automated_ones_do_not() {
    let sim = start().await;
    let (status, _) = sim
        .hook(
            "POST",
            "seed",
            Some(json!({"clusters": 1, "snapshots": 1, "automated_snapshots": 1})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, list) = sim.get("clusters").await;
    let id = list["clusters"][0]["id"].as_str().expect("id").to_owned();
    sim.call(
        "DELETE",
        &format!("clusters/{id}"),
        Some(json!({"keep_last_manual_snapshot": 0})),
    )
    .await;
    sim.advance(121.0).await;
    let (_, snaps) = sim.get("snapshots").await;
    assert_eq!(snaps["count"], 1);
    assert_eq!(snaps["snapshots"][0]["type"], "MANUAL");
}

#[tokio::test]
async fn same_seed_gives_the_same_ids() {
    let ids = |seed| async move {
        let sim = crate::sim_support::start_with(dwsctl::sim::Config {
            seed,
            ..Default::default()
        })
        .await;
        let a = sim.create("seeded-a").await;
        let b = sim.create("seeded-b").await;
        (a, b)
    };
    let first = ids(42).await;
    assert_eq!(first, ids(42).await);
    assert_ne!(first, ids(43).await);
}

#[tokio::test]
async fn node_types_v2_and_quotas_have_the_documented_shapes() {
    let sim = start().await;
    let (status, body) = sim.get(&format!("/v2/{PID}/node-types")).await;
    assert_eq!(status, 200);
    let count = body["node_types"].as_array().map(Vec::len).expect("list");
    assert_eq!(body["count"], count as u64);
    let first = &body["node_types"][0];
    assert!(first["vcpus"].is_u64() && first["ram"].is_u64());
    assert_eq!(first["datastore_type"], "dws");
    assert_eq!(first["available_zones"][0]["status"], "normal");
    // The fields of cluster_management/querying_flavor_information.rst's example.
    for node_type in body["node_types"].as_array().expect("list") {
        assert_eq!(node_type["datastores"][0]["attachments"]["min_cn"], 2);
        assert!(node_type["volume"]["size"].is_u64(), "{node_type}");
        assert!(node_type["volume"]["type"].is_string());
        assert_eq!(node_type["elastic_volume_specs"][0]["step"], 100);
    }
    sim.create("quota-user").await;
    let (status, body) = sim.get("quotas").await;
    assert_eq!(status, 200);
    let instances = &body["quotas"]["resources"][0];
    assert_eq!(instances["type"], "instances");
    assert_eq!(instances["used"], 3);
    assert_eq!(instances["quota"], dwsctl::sim::DEFAULT_NODE_QUOTA);
}
