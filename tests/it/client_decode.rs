//! Decoding the response bodies of the vendor API reference, with the variants seen live:
//! `count` as a string, timestamps with and without `Z`, `action_progress` null or `{}`,
//! `tags: null`, numbers quoted as strings, and the four error-body forms.

use dwsctl::api::wire::{
    ClusterDetailResponse, ClusterIdResponse, ClusterList, ErrorBody, NodeTypesResponse,
    QuotasResponse, SnapshotIdResponse, SnapshotList, TokenResponse,
};

/// The getting-started detail body: no `Z`, `tags` and `action_progress` null, two
/// endpoints, `task_status` null.
const GETTING_STARTED_DETAIL: &str = r#"{"cluster": {
  "id": "7d85f602-a948-4a30-afd4-e84f47471c15", "name": "dws-demo", "status": "AVAILABLE",
  "version": "1.2.0", "updated": "2018-01-15T12:50:06", "created": "2018-01-15T12:40:06",
  "port": 8000,
  "endpoints": [{"connect_info": "192.168.0.10:8000", "jdbc_url": "jdbc:postgresql://192.168.0.10:8000/<YOUR_DATABASE_name>"},
                {"connect_info": "192.168.0.11:8000", "jdbc_url": "jdbc:postgresql://192.168.0.11:8000/<YOUR_DATABASE_name>"}],
  "nodes": [{"id": "acaf62a4-41b4-4106-a5ec-4dbe6e2f0bda", "status": "200"}],
  "tags": null, "user_name": "dbadmin", "number_of_node": 3, "recent_event": 6,
  "availability_zone": "eu-de-01", "enterprise_project_id": "0", "node_type": "dws.m3.xlarge",
  "vpc_id": "85b20d7e-9eb7-4b2a-98f3-3c8843ea3574", "subnet_id": "0b14e5d4-2b22-4b6a-8b6b-6f3b4ae5b6a1",
  "public_ip": {"public_bind_type": "auto_assign", "eip_id": "85b20d7e-9eb7-4b2a-98f3-3c8843ea3574"},
  "public_endpoints": [{"public_connect_info": "10.0.0.8:8000", "jdbc_url": "jdbc:postgresql://10.0.0.8:8000/<YOUR_DATABASE_name>"}],
  "action_progress": null, "sub_status": "NORMAL", "task_status": null,
  "security_group_id": "dc3ec145-9029-4b39-b5a3-ace5a01f772b",
  "parameter_group": {"id": "157e9cc4-64a8-11e8-adc0-fa7ae01bbebc", "name": "Default-Parameter-Group-dws ", "status": "In-Sync"},
  "node_type_id": "ebe532d6-665f-40e6-a4d4-3c51545b6a67", "private_ip": ["192.168.0.12", "192.168.0.66"],
  "maintain_window": {"day": "Wed", "start_time": "22:00", "end_time": "02:00"},
  "resize_info": {"target_node_num": "6", "origin_node_num": "3", "resize_status": "GROWING", "start_time": "2018-05-04T11:41:37Z"}
}}"#;

/// A real OTC detail body (python-otcextensions' unit-test example): extra fields, `{}` for
/// `action_progress` and `failed_reasons`, `eip_address`, host-name endpoints.
const OTC_DETAIL: &str = r#"{"cluster": {
  "action_progress": {}, "availability_zone": "eu-de-01", "created": "2023-01-16T02:11:19",
  "endpoints": [{"connect_info": "test-dws-6433a577.dws.otc-tsi.de:8000", "jdbc_url": "jdbc:postgresql://test-dws-6433a577.dws.otc-tsi.de:8000/<YOUR_DATABASE_name>"}],
  "enterprise_project_id": "0", "failed_reasons": {}, "guest_agent_version": "8.1.1.202",
  "id": "a2a95fd7-2b8e-4a6c-9b6e-1f3b7f0c8d9e", "logical_cluster_initialed": false,
  "logical_cluster_mode": false, "name": "test-dws", "node_type": "dws2.m6.4xlarge.8",
  "nodes": [{"id": "n1", "status": "200"}, {"id": "n2", "status": "200"}, {"id": "n3", "status": "200"}],
  "number_of_free_node": 0, "number_of_node": 3,
  "plugins": [{"aarchType": "x86", "autoInstall": true, "datastoreType": "dws", "id": "x", "packageName": "p", "status": "1", "type": "t", "updateTime": 1673835079000, "version": "8.1.1.202"}],
  "port": 8000, "public_endpoints": [],
  "public_ip": {"public_bind_type": "auto_assign", "eip_id": "e-1", "eip_address": "80.158.1.2"},
  "recent_event": 0, "security_group_id": "sg", "spec_version": "v1.0", "status": "AVAILABLE",
  "sub_status": "NORMAL", "subnet_id": "sn", "tags": [{"key": "owner", "value": "dwsctl"}],
  "task_status": null, "updated": "2023-01-16T02:22:31", "use_logical_cluster": false,
  "user_name": "dbadmin", "version": "8.1.1.202", "vpc_id": "vpc"
}}"#;

#[test]
fn getting_started_detail_decodes_with_nulls_as_empty() {
    let detail: ClusterDetailResponse =
        serde_json::from_str(GETTING_STARTED_DETAIL).expect("decode");
    let c = detail.cluster;
    assert_eq!(c.name, "dws-demo");
    assert_eq!(c.number_of_node, 3);
    assert!(c.tags.is_empty(), "tags: null is no tags");
    assert!(
        c.action_progress.is_empty(),
        "action_progress: null is idle"
    );
    assert_eq!(c.task_status, None);
    assert_eq!(c.endpoints.len(), 2);
    assert_eq!(
        c.created.as_deref(),
        Some("2018-01-15T12:40:06"),
        "no Z kept as sent"
    );
    let resize = c.resize_info.expect("resize info");
    assert_eq!(
        (resize.origin_node_num, resize.target_node_num),
        (3, 6),
        "quoted numbers"
    );
}

#[test]
fn real_otc_detail_decodes_with_unknown_fields_and_empty_objects() {
    let detail: ClusterDetailResponse = serde_json::from_str(OTC_DETAIL).expect("decode");
    let c = detail.cluster;
    assert!(c.action_progress.is_empty());
    assert_eq!(c.failed_reasons, Some(Default::default()));
    assert_eq!(
        c.public_ip.and_then(|p| p.eip_address).as_deref(),
        Some("80.158.1.2")
    );
    assert_eq!(c.tags.len(), 1);
}

#[test]
fn cluster_list_count_may_be_a_number_or_a_string() {
    let busy = r#"{"id": "c2", "name": "busy", "status": "AVAILABLE", "port": 8000,
        "user_name": "dbadmin", "number_of_node": 3, "node_type": "dws.m3.xlarge",
        "action_progress": {"SNAPSHOTTING": "20%"}, "task_status": "SNAPSHOTTING",
        "created": "2026-11-26T10:00:00Z", "tags": []}"#;
    let otc: serde_json::Value = serde_json::from_str(OTC_DETAIL).expect("json");
    let busy: serde_json::Value = serde_json::from_str(busy).expect("json");
    for count in [serde_json::json!("2"), serde_json::json!(2)] {
        let body = serde_json::json!({"clusters": [otc["cluster"], busy], "count": count});
        let list: ClusterList = serde_json::from_value(body).expect("decode");
        assert_eq!(list.count, 2);
        assert_eq!(list.clusters[1].action_progress["SNAPSHOTTING"], "20%");
        assert_eq!(
            list.clusters[1].created.as_deref(),
            Some("2026-11-26T10:00:00Z")
        );
    }
}

#[test]
fn a_quoted_node_count_is_refused_because_a_plan_would_act_on_it() {
    let body = r#"{"clusters": [{"id": "c", "name": "n", "status": "AVAILABLE", "port": 8000,
        "user_name": "u", "number_of_node": "3", "node_type": "t"}], "count": 1}"#;
    let err = serde_json::from_str::<ClusterList>(body).expect_err("strict");
    assert!(err.to_string().contains("invalid type: string"), "{err}");
}

#[test]
fn snapshot_list_decodes_with_and_without_z_and_integer_sizes() {
    let body = r#"{"snapshots": [
        {"id": "s1", "name": "snap1", "description": "", "started": "2016-08-23T03:59:23Z",
         "finished": "2016-08-23T04:01:40Z", "size": 500, "status": "AVAILABLE", "type": "MANUAL",
         "cluster_id": "c1"},
        {"id": "s2", "name": "auto", "started": "2023-01-16T02:11:19", "finished": null,
         "size": 12.5, "status": "CREATING", "type": "AUTOMATED", "cluster_id": "c1"}],
        "count": "2"}"#;
    let list: SnapshotList = serde_json::from_str(body).expect("decode");
    assert_eq!(list.count, 2);
    assert_eq!(list.snapshots[0].size, Some(500.0));
    assert_eq!(list.snapshots[1].finished, None);
    assert_eq!(list.snapshots[1].kind.as_deref(), Some("AUTOMATED"));
}

#[test]
fn create_answers_carry_the_new_id() {
    let cluster: ClusterIdResponse =
        serde_json::from_str(r#"{"cluster": {"id": "7d85f602-a948-4a30-afd4-e84f47471c15"}}"#)
            .expect("decode");
    assert_eq!(cluster.cluster.id, "7d85f602-a948-4a30-afd4-e84f47471c15");
    let snapshot: SnapshotIdResponse =
        serde_json::from_str(r#"{"snapshot": {"id": "2a4d0f86-67cd-408a-8b66-017454fb7793"}}"#)
            .expect("decode");
    assert_eq!(snapshot.snapshot.id, "2a4d0f86-67cd-408a-8b66-017454fb7793");
}

#[test]
fn node_types_and_quotas_decode_in_their_documented_variants() {
    let v1 = r#"{"node_types": [
        {"spec_name": "dws.d1.xlarge", "id": "ebe532d6-665f-40e6-a4d4-3c51545b6a67",
         "detail": [{"type": "vCPU", "value": "4"}, {"type": "LOCAL_DISK", "value": "1675", "unit": "GB"},
                    {"type": "mem", "value": "32", "unit": "GB"}]}]}"#;
    let types: NodeTypesResponse = serde_json::from_str(v1).expect("decode");
    assert_eq!(types.node_types[0].detail.len(), 3);
    assert_eq!(types.count, None);
    let quotas = r#"{"quotas": {"resources": [
        {"type": "instances", "used": 3, "quota": 100, "unit": null},
        {"type": "ram", "used": "24", "quota": "1000", "unit": "GB"}]}}"#;
    let quotas: QuotasResponse = serde_json::from_str(quotas).expect("decode");
    assert_eq!(quotas.quotas.resources[1].used, 24);
    assert_eq!(quotas.quotas.resources[1].quota, 1000);
}

#[test]
fn every_error_body_form_yields_code_and_message() {
    let forms = [
        (
            r#"{"error_msg": "The format of message is error", "error_code": "AS.0001"}"#,
            "AS.0001",
            "The format of message is error",
        ),
        (
            r#"{"errCode":"DWS.0005","externalMessage":"Server failure."}"#,
            "DWS.0005",
            "Server failure.",
        ),
        (
            r#"{"externalMessage":"Cluster status is not allowed to operation.","errCode":"DWS.7023","error_code":"DWS.7023","error_msg":"Cluster status is not allowed to operation."}"#,
            "DWS.7023",
            "Cluster status is not allowed to operation.",
        ),
        (
            r#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#,
            "Unauthorized",
            "The request you have made requires authentication.",
        ),
    ];
    for (body, code, message) in forms {
        let error: ErrorBody = serde_json::from_str(body).expect("decode");
        assert_eq!(error.code(), Some(code), "{body}");
        assert_eq!(error.message(), Some(message), "{body}");
    }
    let success: ErrorBody =
        serde_json::from_str(r#"{"error_code":"DWS.0000","error_msg":null}"#).expect("decode");
    assert_eq!(success.code(), Some("DWS.0000"));
    assert_eq!(success.message(), None);
}

#[test]
fn token_body_gives_project_and_catalog() {
    let body = r#"{"token": {"methods": ["password"], "expires_at": "2015-11-09T01:42:57.527363Z",
        "issued_at": "2015-11-08T01:42:57.527363Z",
        "project": {"id": "0123abcd", "name": "eu-de", "domain": {"id": "d1", "name": "OTC0001"}},
        "user": {"id": "u1", "name": "alice", "password_expires_at": "", "domain": {"id": "d1", "name": "OTC0001"}},
        "roles": [{"id": "r1", "name": "te_admin"}],
        "catalog": [{"type": "dws", "id": "x", "name": "datawarehouseservice",
                     "endpoints": [{"id": "e", "interface": "public", "region": "eu-de", "region_id": "eu-de",
                                    "url": "https://dws.eu-de.otc.t-systems.com"}]},
                    {"type": "dwsv1", "id": "y", "name": "dwsv1",
                     "endpoints": [{"id": "f", "interface": "public", "region": "eu-de", "region_id": "eu-de",
                                    "url": "https://dws.eu-de.otc.t-systems.com/v1.0/0123abcd"}]}]}}"#;
    let token: TokenResponse = serde_json::from_str(body).expect("decode");
    assert_eq!(
        token.token.project.map(|p| p.id).as_deref(),
        Some("0123abcd")
    );
    assert_eq!(
        dwsctl::api::endpoints::from_catalog(&token.token.catalog, Some("eu-de")).as_deref(),
        Some("https://dws.eu-de.otc.t-systems.com")
    );
}
