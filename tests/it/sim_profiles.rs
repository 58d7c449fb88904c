//! The `huawei` profile: where Huawei Cloud answers differently from OTC (README,
//! "Profiles: OTC and Huawei"; src/sim/profile.rs), against the same calls on the default `otc` profile.

use serde_json::{json, Value};

use crate::sim_support::{assert_error, cluster_body, start, start_with, Sim};
use dwsctl::sim::{Config, Profile};

const UNKNOWN: &str = "0b4a3f8e-0000-4000-8000-000000000001";

async fn huawei() -> Sim {
    start_with(Config {
        profile: Profile::Huawei,
        ..Config::default()
    })
    .await
}

/// A base64-encoded JSON body, decoded (the test decodes it by hand: the simulator sends it).
fn decode_base64(body: &Value) -> Value {
    let text = body.as_str().expect("a base64 text body");
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.chars().filter(|&c| c != '=') {
        let v = alphabet.find(c).expect("base64 character") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    serde_json::from_slice(&out).expect("JSON inside the base64")
}

#[tokio::test]
async fn unknown_and_deleted_clusters_answer_as_huawei_does() {
    let sim = huawei().await;
    let (status, body) = sim.get(&format!("clusters/{UNKNOWN}")).await;
    assert_eq!(status, 403);
    assert_error(
        &(status, decode_base64(&body)),
        403,
        "DWS.0015",
        "not found",
    );
    let (status, body) = sim
        .post(
            &format!("clusters/{UNKNOWN}/restart"),
            json!({"restart": {}}),
        )
        .await;
    assert_error(
        &(status, decode_base64(&body)),
        401,
        "DWS.0047",
        "does not exist",
    );

    let id = sim.create_available("gone-soon").await;
    let del = json!({"keep_last_manual_snapshot": 0});
    let (status, _) = sim
        .call("DELETE", &format!("clusters/{id}"), Some(del))
        .await;
    assert_eq!(status, 202);
    sim.advance(600.0).await;
    let (status, body) = sim.get(&format!("clusters/{id}")).await;
    assert_error(&(status, decode_base64(&body)), 404, "DWS.3027", "deleted");

    let otc = start().await;
    let got = otc.get(&format!("clusters/{UNKNOWN}")).await;
    assert_error(&got, 404, "DWS.0047", "does not exist");
}

#[tokio::test]
async fn unknown_snapshots_answer_as_huawei_does() {
    let sim = huawei().await;
    let got = sim
        .call("DELETE", &format!("snapshots/{UNKNOWN}"), None)
        .await;
    assert_error(&got, 400, "DWS.0001", "does not exist");
    let got = sim.get(&format!("snapshots/{UNKNOWN}")).await;
    assert_error(&got, 400, "DWS.5149", "invalid");
}

#[tokio::test]
async fn create_ignores_tags_on_huawei_and_keeps_them_on_otc() {
    for (sim, expected) in [
        (huawei().await, json!([])),
        (start().await, json!([{"key": "owner", "value": "dwsctl"}])),
    ] {
        let mut body = cluster_body("tagged-one");
        body["cluster"]["tags"] = json!([{"key": "owner", "value": "dwsctl"}]);
        let (status, created) = sim.post("clusters", body).await;
        assert_eq!(status, 200, "{created}");
        let id = created["cluster"]["id"].as_str().expect("id");
        let (_, detail) = sim.get(&format!("clusters/{id}")).await;
        assert_eq!(detail["cluster"]["tags"], expected);
        let (_, tags) = sim.get(&format!("clusters/{id}/tags")).await;
        assert_eq!(tags["tags"], expected);
    }
}

#[tokio::test]
async fn scale_in_refusals_come_as_200_or_417_with_the_deciding_error_code() {
    let sim = huawei().await;
    let id = sim.create_available("shrink-refused").await;
    let path = format!("clusters/{id}/cluster-shrink");
    let (status, body) = sim.post(&path, json!({"shrink_number": 1})).await;
    assert_eq!(status, 417, "{body}");
    assert_eq!(body["error_code"], "DWS.5047");
    sim.post(&format!("clusters/{id}/restart"), json!({"restart": {}}))
        .await;
    let (status, body) = sim.post(&path, json!({"shrink_number": 1})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["error_code"], "DWS.7023", "200 is no success here");

    let otc = start().await;
    let id = otc.create_available("shrink-refused").await;
    let got = otc
        .post(
            &format!("clusters/{id}/cluster-shrink"),
            json!({"shrink_number": 1}),
        )
        .await;
    assert_error(&got, 400, "DWS.5047", "at least 3");
}

#[tokio::test]
async fn unavailable_reads_failed_and_a_failed_delete_delete_failed() {
    let sim = huawei().await;
    let id = sim.create_available("hw-failing").await;
    let fail = |route: &str| json!({"rules": [{"route": route, "times": 1, "fault": {"kind": "task_fails"}}]});
    sim.hook(
        "POST",
        "faults",
        Some(fail(
            "POST /v1.0/{project_id}/clusters/{cluster_id}/restart",
        )),
    )
    .await;
    sim.post(&format!("clusters/{id}/restart"), json!({"restart": {}}))
        .await;
    sim.advance(3600.0).await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["status"], "FAILED");
    assert_eq!(body["cluster"]["task_status"], "REBOOT_FAILURE");

    sim.hook(
        "POST",
        "faults",
        Some(fail("DELETE /v1.0/{project_id}/clusters/{cluster_id}")),
    )
    .await;
    let del = json!({"keep_last_manual_snapshot": 0});
    let (status, _) = sim
        .call("DELETE", &format!("clusters/{id}"), Some(del))
        .await;
    assert_eq!(status, 202);
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["status"], "DELETING");
    sim.advance(600.0).await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["status"], "DELETE_FAILED");
    assert_eq!(body["cluster"]["failed_reasons"]["error_code"], "DWS.6014");
}

#[tokio::test]
async fn a_failed_create_reads_create_failed() {
    let sim = huawei().await;
    sim.hook(
        "POST",
        "faults",
        Some(
            json!({"rules": [{"route": "POST /v1.0/{project_id}/clusters",
                                "fault": {"kind": "task_fails"}}]}),
        ),
    )
    .await;
    let id = sim.create("hw-doomed").await;
    sim.advance(3600.0).await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["status"], "CREATE_FAILED");
    assert_eq!(body["cluster"]["failed_reasons"]["error_code"], "DWS.6000");
}
