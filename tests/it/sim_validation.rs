//! One test per validation rule and error path of the DWS routes: status, code and message.

use dwsctl::sim::{Config, PasswordPolicy};
use serde_json::{json, Value};

use crate::sim_support::{assert_error, cluster_body, start, start_with, Sim};

async fn create_with(sim: &Sim, field: &str, value: Value) -> (u16, Value) {
    let mut body = cluster_body("valid-name");
    body["cluster"][field] = value;
    sim.post("clusters", body).await
}

#[tokio::test]
async fn cluster_name_too_short_is_dws_5001() {
    let sim = start().await;
    let got = create_with(&sim, "name", json!("abc")).await;
    assert_error(&got, 400, "DWS.5001", "4 to 64 characters");
}

#[tokio::test]
async fn cluster_name_starting_with_a_digit_is_dws_5057() {
    let sim = start().await;
    let got = create_with(&sim, "name", json!("1cluster")).await;
    assert_error(&got, 400, "DWS.5057", "must start with a letter");
}

#[tokio::test]
async fn cluster_name_with_a_dot_is_dws_5057() {
    let sim = start().await;
    let got = create_with(&sim, "name", json!("my.cluster")).await;
    assert_error(
        &got,
        400,
        "DWS.5057",
        "The cluster name pattern is invalid.",
    );
}

#[tokio::test]
async fn duplicate_cluster_name_is_409_dws_5050() {
    let sim = start().await;
    sim.create("taken-name").await;
    let got = sim.post("clusters", cluster_body("taken-name")).await;
    assert_error(&got, 409, "DWS.5050", "The cluster name already exists.");
}

#[tokio::test]
async fn unknown_node_type_is_dws_5006() {
    let sim = start().await;
    let got = create_with(&sim, "node_type", json!("dws.huge.none")).await;
    assert_error(&got, 400, "DWS.5006", "dws.huge.none");
}

#[tokio::test]
async fn two_nodes_is_an_invalid_instance_quantity() {
    let sim = start().await;
    let got = create_with(&sim, "number_of_node", json!(2)).await;
    assert_error(&got, 400, "DWS.5047", "3 to 256 nodes");
}

#[tokio::test]
async fn port_outside_8000_to_30000_is_dws_5060() {
    let sim = start().await;
    let got = create_with(&sim, "port", json!(5432)).await;
    assert_error(&got, 400, "DWS.5060", "between 8000 and 30000");
}

#[tokio::test]
async fn too_many_cns_is_dws_5060() {
    let sim = start().await;
    let got = create_with(&sim, "number_of_cn", json!(4)).await;
    assert_error(
        &got,
        400,
        "DWS.5060",
        "number_of_cn must be between 2 and 3",
    );
}

#[tokio::test]
async fn admin_name_with_uppercase_is_dws_5059() {
    let sim = start().await;
    let got = create_with(&sim, "user_name", json!("DbAdmin")).await;
    assert_error(
        &got,
        400,
        "DWS.5059",
        "Database username contains invalid characters.",
    );
}

#[tokio::test]
async fn admin_name_that_is_a_keyword_is_dws_5082() {
    let sim = start().await;
    let got = create_with(&sim, "user_name", json!("select")).await;
    assert_error(&got, 400, "DWS.5082", "reserved keyword");
}

#[tokio::test]
async fn admin_name_on_the_merged_keyword_list_is_dws_5082() {
    // "rownum" was only on the spec validator's list before the lists were merged.
    let sim = start().await;
    let got = create_with(&sim, "user_name", json!("rownum")).await;
    assert_error(&got, 400, "DWS.5082", "\"rownum\" is a reserved keyword");
}

#[tokio::test]
async fn admin_name_longer_than_63_is_dws_5198() {
    let sim = start().await;
    let got = create_with(&sim, "user_name", json!("a".repeat(64))).await;
    assert_error(&got, 400, "DWS.5198", "1 to 63 characters");
}

#[tokio::test]
async fn short_password_is_refused_by_the_strict_policy() {
    let sim = start().await;
    let got = create_with(&sim, "user_pwd", json!("Short-pw1")).await;
    assert_error(&got, 400, "DWS.5144", "12 to 32 characters");
}

#[tokio::test]
async fn lenient_policy_accepts_an_eight_character_password() {
    let sim = start_with(Config {
        password_policy: PasswordPolicy::Lenient,
        ..Config::default()
    })
    .await;
    let (status, body) = create_with(&sim, "user_pwd", json!("Short-pw1")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn password_with_two_character_classes_is_refused() {
    let sim = start().await;
    let got = create_with(&sim, "user_pwd", json!("alllowercase1234")).await;
    assert_error(&got, 400, "DWS.5144", "at least three of");
}

#[tokio::test]
async fn password_containing_the_user_name_is_dws_5145() {
    let sim = start().await;
    let got = create_with(&sim, "user_pwd", json!("Xdbadmin-2024!")).await;
    assert_error(&got, 400, "DWS.5145", "cannot contain the username");
}

#[tokio::test]
async fn blank_subnet_is_dws_5202() {
    let sim = start().await;
    let got = create_with(&sim, "subnet_id", json!("")).await;
    assert_error(&got, 400, "DWS.5202", "The subnet ID cannot be left blank.");
}

#[tokio::test]
async fn blank_security_group_is_dws_5203() {
    let sim = start().await;
    let got = create_with(&sim, "security_group_id", json!("")).await;
    assert_error(
        &got,
        400,
        "DWS.5203",
        "The security group ID cannot be left blank.",
    );
}

#[tokio::test]
async fn malformed_vpc_id_is_dws_5014() {
    let sim = start().await;
    let got = create_with(&sim, "vpc_id", json!("vpc-123")).await;
    assert_error(&got, 400, "DWS.5014", "Invalid VPC ID.");
}

#[tokio::test]
async fn unknown_vpc_is_404_dws_5021() {
    let sim = start().await;
    let got = create_with(
        &sim,
        "vpc_id",
        json!("00000000-0000-4000-8000-000000000000"),
    )
    .await;
    assert_error(&got, 404, "DWS.5021", "The VPC does not exist");
}

#[tokio::test]
async fn unknown_subnet_is_404_dws_5022() {
    let sim = start().await;
    let got = create_with(
        &sim,
        "subnet_id",
        json!("00000000-0000-4000-8000-000000000000"),
    )
    .await;
    assert_error(&got, 404, "DWS.5022", "The subnet does not exist");
}

#[tokio::test]
async fn unknown_security_group_is_404_dws_5023() {
    let sim = start().await;
    let got = create_with(
        &sim,
        "security_group_id",
        json!("00000000-0000-4000-8000-000000000000"),
    )
    .await;
    assert_error(&got, 404, "DWS.5023", "The security group does not exist");
}

#[tokio::test]
async fn unknown_availability_zone_is_dws_5011() {
    let sim = start().await;
    let got = create_with(&sim, "availability_zone", json!("mars-01")).await;
    assert_error(&got, 400, "DWS.5011", "Invalid AZ.");
}

#[tokio::test]
async fn unknown_eip_bind_type_is_dws_5098() {
    let sim = start().await;
    let got = create_with(&sim, "public_ip", json!({"public_bind_type": "maybe"})).await;
    assert_error(&got, 400, "DWS.5098", "Invalid EIP binding type.");
}

#[tokio::test]
async fn bind_existing_without_eip_is_dws_5133() {
    let sim = start().await;
    let got = create_with(
        &sim,
        "public_ip",
        json!({"public_bind_type": "bind_existing"}),
    )
    .await;
    assert_error(&got, 400, "DWS.5133", "Invalid EIP ID.");
}

#[tokio::test]
async fn tag_with_a_slash_is_dws_5197() {
    let sim = start().await;
    let got = create_with(&sim, "tags", json!([{"key": "a/b", "value": "x"}])).await;
    assert_error(&got, 400, "DWS.5197", "The tag is invalid.");
}

#[tokio::test]
async fn tag_key_longer_than_36_or_value_longer_than_43_is_dws_5197() {
    // The stricter of the vendor reference's two tag pages, shared with `dwsctl validate`.
    let sim = start().await;
    let long_key = create_with(&sim, "tags", json!([{"key": "k".repeat(37), "value": "x"}])).await;
    assert_error(&long_key, 400, "DWS.5197", "1 to 36 characters");
    let long_value =
        create_with(&sim, "tags", json!([{"key": "k", "value": "v".repeat(44)}])).await;
    assert_error(&long_value, 400, "DWS.5197", "at most 43 characters");
    let at_limit = json!([{"key": "k".repeat(36), "value": "v".repeat(43)}]);
    let (status, _) = create_with(&sim, "tags", at_limit).await;
    assert!(
        status < 300,
        "a tag at the limits is accepted, got {status}"
    );
}

#[tokio::test]
async fn duplicate_tag_keys_are_dws_5039() {
    let sim = start().await;
    let got = create_with(
        &sim,
        "tags",
        json!([{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]),
    )
    .await;
    assert_error(&got, 400, "DWS.5039", "appears more than once");
}

#[tokio::test]
async fn eleventh_tag_is_dws_5194() {
    let sim = start().await;
    let id = sim.create("many-tags").await;
    let ten: Vec<Value> = (0..10)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    let (status, _) = sim
        .post(
            &format!("clusters/{id}/tags/batch-create"),
            json!({ "tags": ten }),
        )
        .await;
    assert_eq!(status, 200);
    let got = sim
        .post(
            &format!("clusters/{id}/tags/batch-create"),
            json!({"tags": [{"key": "k10", "value": "v"}]}),
        )
        .await;
    assert_error(&got, 400, "DWS.5194", "at most 10 tags");
}

#[tokio::test]
async fn exceeding_the_node_quota_is_dws_5091() {
    let sim = start_with(Config {
        node_quota: 5,
        ..Config::default()
    })
    .await;
    sim.create("within-quota").await;
    let got = sim.post("clusters", cluster_body("over-quota")).await;
    assert_error(&got, 400, "DWS.5091", "node quota is 5");
}

#[tokio::test]
async fn resize_beyond_the_quota_is_dws_5091() {
    let sim = start_with(Config {
        node_quota: 4,
        ..Config::default()
    })
    .await;
    let id = sim.create_available("grow-too-far").await;
    let got = sim
        .post(
            &format!("clusters/{id}/resize"),
            json!({"scale_out": {"count": 2}}),
        )
        .await;
    assert_error(
        &got,
        400,
        "DWS.5091",
        "The number of nodes has reached the maximum.",
    );
}

#[tokio::test]
async fn resize_by_zero_is_dws_5047() {
    let sim = start().await;
    let id = sim.create_available("grow-zero").await;
    let got = sim
        .post(
            &format!("clusters/{id}/resize"),
            json!({"scale_out": {"count": 0}}),
        )
        .await;
    assert_error(&got, 400, "DWS.5047", "can grow by 1 to 253 more");
}

#[tokio::test]
async fn shrink_below_three_nodes_is_dws_5047() {
    let sim = start().await;
    let id = sim.create_available("shrink-too-far").await;
    let got = sim
        .post(
            &format!("clusters/{id}/cluster-shrink"),
            json!({"shrink_number": 1}),
        )
        .await;
    assert_error(&got, 400, "DWS.5047", "must keep at least 3");
}

#[tokio::test]
async fn weak_reset_password_is_dws_5144() {
    let sim = start().await;
    let id = sim.create_available("weak-reset").await;
    let got = sim
        .post(
            &format!("clusters/{id}/reset-password"),
            json!({"new_password": "weak"}),
        )
        .await;
    assert_error(
        &got,
        400,
        "DWS.5144",
        "Invalid password of the cluster administrator.",
    );
}

#[tokio::test]
async fn unknown_cluster_id_is_404_dws_0047() {
    let sim = start().await;
    let got = sim
        .get("clusters/00000000-0000-4000-8000-000000000000")
        .await;
    assert_error(
        &got,
        404,
        "DWS.0047",
        "Cluster does not exist or has been deleted.",
    );
}

#[tokio::test]
async fn malformed_cluster_id_is_400_dws_0001() {
    let sim = start().await;
    let got = sim.get("clusters/not-found-cluster-id").await;
    assert_error(&got, 400, "DWS.0001", "not a valid UUID");
}

#[tokio::test]
async fn unknown_snapshot_id_is_404_dws_5149() {
    let sim = start().await;
    let got = sim
        .get("snapshots/00000000-0000-4000-8000-000000000000")
        .await;
    assert_error(&got, 404, "DWS.5149", "The snapshot ID is invalid.");
}

#[tokio::test]
async fn malformed_snapshot_id_is_400_dws_0001() {
    let sim = start().await;
    let got = sim.call("DELETE", "snapshots/xyz", None).await;
    assert_error(&got, 400, "DWS.0001", "not a valid UUID");
}

#[tokio::test]
async fn snapshot_of_an_unknown_cluster_is_404_dws_0047() {
    let sim = start().await;
    let got = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "orphan-snap", "cluster_id": "00000000-0000-4000-8000-000000000000"}}),
        )
        .await;
    assert_error(&got, 404, "DWS.0047", "Cluster does not exist");
}

#[tokio::test]
async fn snapshot_name_too_short_is_dws_5056() {
    let sim = start().await;
    let id = sim.create_available("snap-short").await;
    let got = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "abc", "cluster_id": id}}),
        )
        .await;
    assert_error(&got, 400, "DWS.5056", "4 to 64 characters");
}

#[tokio::test]
async fn snapshot_name_with_a_space_is_dws_5065() {
    let sim = start().await;
    let id = sim.create_available("snap-space").await;
    let got = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "my snap", "cluster_id": id}}),
        )
        .await;
    assert_error(&got, 400, "DWS.5065", "must start with a letter");
}

#[tokio::test]
async fn snapshot_description_with_a_forbidden_character_is_dws_5065() {
    let sim = start().await;
    let id = sim.create_available("snap-desc").await;
    let got = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "desc-snap", "cluster_id": id, "description": "a<b"}}),
        )
        .await;
    assert_error(&got, 400, "DWS.5065", "must not contain '<'");
}

#[tokio::test]
async fn snapshot_description_over_256_characters_is_dws_5056() {
    let sim = start().await;
    let id = sim.create_available("snap-long").await;
    let got = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "long-snap", "cluster_id": id, "description": "d".repeat(257)}}),
        )
        .await;
    assert_error(&got, 400, "DWS.5056", "at most 256 characters");
}

#[tokio::test]
async fn duplicate_snapshot_name_is_dws_5039() {
    let sim = start().await;
    let id = sim.create_available("snap-dup").await;
    sim.snapshot(&id, "same-name").await;
    sim.advance(301.0).await;
    let got = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "same-name", "cluster_id": id}}),
        )
        .await;
    assert_error(&got, 400, "DWS.5039", "already exists");
}

#[tokio::test]
async fn deleting_a_creating_snapshot_is_dws_7023() {
    let sim = start().await;
    let id = sim.create_available("snap-busy").await;
    let snap = sim.snapshot(&id, "busy-snap").await;
    let got = sim.call("DELETE", &format!("snapshots/{snap}"), None).await;
    assert_error(&got, 403, "DWS.7023", "being created");
}

#[tokio::test]
async fn deleting_an_automated_snapshot_is_refused() {
    let sim = start().await;
    sim.hook(
        "POST",
        "seed",
        Some(json!({"clusters": 1, "automated_snapshots": 1})),
    )
    .await;
    let (_, list) = sim.get("snapshots").await;
    let snap = list["snapshots"][0]["id"].as_str().expect("id").to_owned();
    let got = sim.call("DELETE", &format!("snapshots/{snap}"), None).await;
    assert_error(
        &got,
        400,
        "DWS.0001",
        "Only manual snapshots can be deleted",
    );
}

#[tokio::test]
async fn restoring_a_creating_snapshot_is_dws_7023() {
    let sim = start().await;
    let id = sim.create_available("restore-early").await;
    let snap = sim.snapshot(&id, "early-snap").await;
    let got = sim
        .post(
            &format!("snapshots/{snap}/actions"),
            json!({"restore": {"name": "too-early"}}),
        )
        .await;
    assert_error(&got, 403, "DWS.7023", "Only AVAILABLE snapshots");
}

#[tokio::test]
async fn restoring_onto_a_taken_name_is_409_dws_5050() {
    let sim = start().await;
    let id = sim.create_available("restore-dup").await;
    let snap = sim.snapshot(&id, "dup-snap").await;
    sim.advance(301.0).await;
    let got = sim
        .post(
            &format!("snapshots/{snap}/actions"),
            json!({"restore": {"name": "restore-dup"}}),
        )
        .await;
    assert_error(&got, 409, "DWS.5050", "The cluster name already exists.");
}

#[tokio::test]
async fn delete_without_a_body_is_dws_0006() {
    let sim = start().await;
    let id = sim.create_available("delete-nobody").await;
    let got = sim.call("DELETE", &format!("clusters/{id}"), None).await;
    assert_error(&got, 400, "DWS.0006", "Empty request.");
}

#[tokio::test]
async fn malformed_json_is_dws_0001() {
    let sim = start().await;
    let resp = sim
        .http
        .post(sim.url("clusters"))
        .header("X-Auth-Token", &sim.token)
        .header("Content-Type", "application/json")
        .body("{\"cluster\": {")
        .send()
        .await
        .expect("response");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json");
    assert_error(
        &(status, body),
        400,
        "DWS.0001",
        "The request body is invalid",
    );
}

#[tokio::test]
async fn wrong_json_type_is_dws_0001() {
    let sim = start().await;
    let got = create_with(&sim, "number_of_node", json!("three")).await;
    assert_error(&got, 400, "DWS.0001", "invalid type");
}

#[tokio::test]
async fn huge_body_is_413_with_an_error_body() {
    let sim = start().await;
    let got = create_with(&sim, "name", json!("x".repeat(2 << 20))).await;
    assert_error(&got, 413, "DWS.0001", "exceeds");
}

#[tokio::test]
async fn unknown_route_is_404_with_a_gateway_body() {
    let sim = start().await;
    let got = sim
        .get("clusters/00000000-0000-4000-8000-000000000000/unknown")
        .await;
    assert_error(&got, 404, "APIGW.0101", "does not exist");
}

#[tokio::test]
async fn wrong_method_is_405_with_a_gateway_body() {
    let sim = start().await;
    let got = sim.call("PUT", "clusters", Some(json!({}))).await;
    assert_error(&got, 405, "APIGW.0101", "method not allowed");
}
