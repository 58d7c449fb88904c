//! The client against the simulator's `huawei` profile (src/sim/profile.rs; README,
//! "Profiles: OTC and Huawei"): Huawei's not-found codes read as "not found" (401 DWS.0047 is no auth
//! failure, while a refused token still is), base64 error bodies decoded, 200/417 refusals
//! decided by the body's `error_code`, and every API error naming the answer's request id.

use dwsctl::api::config::{ClientConfig, Credentials};
use dwsctl::api::{ApiError, Client};
use dwsctl::cli::connect::sim_client_config;
use dwsctl::secret::Secret;
use dwsctl::sim::{self, Config, Profile};
use serde_json::json;

use super::client_sim::{counters, create_body, fast, hook, start_with, TOKEN_ROUTE};
use super::fake_http::{FakeHttp, Reply};

/// A well-formed id that names nothing.
const UNKNOWN: &str = "0b4a3f8e-0000-4000-8000-000000000001";

async fn huawei() -> (sim::SimHandle, String, Client) {
    let (handle, base) = start_with(Config {
        profile: Profile::Huawei,
        ..Config::default()
    })
    .await;
    let client = Client::new(fast(sim_client_config(&base, 1000.0))).expect("client");
    (handle, base, client)
}

fn assert_not_found(err: &ApiError, status: u16, code: &str) {
    assert!(err.is_not_found(), "{err}");
    assert!(!matches!(err, ApiError::Unauthorized { .. }), "{err}");
    assert_eq!(err.status(), Some(status), "{err}");
    assert_eq!(err.code(), Some(code), "{err}");
}

#[tokio::test]
async fn a_401_dws_0047_is_not_found_and_costs_no_new_token() {
    let (_sim, base, client) = huawei().await;
    client.observe().await.expect("observe");
    let err = client.restart(UNKNOWN).await.expect_err("unknown cluster");
    assert_not_found(&err, 401, "DWS.0047");
    // The base64 body was decoded: the cloud's own message is shown.
    assert!(
        err.to_string()
            .contains("Cluster does not exist or has been deleted"),
        "{err}"
    );
    let err = client
        .delete_cluster(UNKNOWN, 0)
        .await
        .expect_err("unknown cluster");
    assert_not_found(&err, 401, "DWS.0047");
    let err = client.get_cluster(UNKNOWN).await.expect_err("unknown");
    assert_not_found(&err, 403, "DWS.0015");
    assert_eq!(counters(&base).await.get(TOKEN_ROUTE), Some(&1));
}

#[tokio::test]
async fn a_refused_token_is_still_an_authentication_failure_on_huawei() {
    let (_sim, base, _) = huawei().await;
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new("not-a-token-of-this-sim"),
        project_id: sim::DEFAULT_PROJECT_ID.into(),
    });
    config.endpoint = Some(base.clone());
    let err = Client::new(fast(config))
        .expect("client")
        .restart(UNKNOWN)
        .await
        .expect_err("refused token");
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
    assert!(!err.is_not_found(), "{err}");
}

#[tokio::test]
async fn deleting_an_already_deleted_snapshot_or_cluster_is_gone() {
    let (_sim, base, client) = huawei().await;
    let cluster = client
        .create_cluster(&create_body("hw-gone"))
        .await
        .expect("create");
    hook(&base, "/_sim/clock/advance", json!({"seconds": 3600.0})).await;
    let snapshot = client
        .create_snapshot(&dwsctl::api::wire::CreateSnapshot {
            name: "hw-snap".into(),
            cluster_id: cluster.clone(),
            description: None,
        })
        .await
        .expect("snapshot");
    hook(&base, "/_sim/clock/advance", json!({"seconds": 3600.0})).await;
    client.delete_snapshot(&snapshot).await.expect("delete");
    hook(&base, "/_sim/clock/advance", json!({"seconds": 3600.0})).await;
    let err = client.delete_snapshot(&snapshot).await.expect_err("gone");
    assert_not_found(&err, 400, "DWS.0001");
    client.delete_cluster(&cluster, 0).await.expect("delete");
    hook(&base, "/_sim/clock/advance", json!({"seconds": 3600.0})).await;
    let err = client.delete_cluster(&cluster, 0).await.expect_err("gone");
    assert_not_found(&err, 404, "DWS.3027");
    // DWS.0001 means "gone" only for a snapshot's DELETE: elsewhere it is a bad parameter.
    let err = client.resize("not-a-uuid", 3).await.expect_err("bad id");
    assert_eq!(err.code(), Some("DWS.0001"), "{err}");
    assert!(!err.is_not_found(), "{err}");
}

#[tokio::test]
async fn scale_in_refusals_are_decided_by_the_body_error_code() {
    let (_sim, base, client) = huawei().await;
    let id = client
        .create_cluster(&create_body("hw-shrink"))
        .await
        .expect("create");
    hook(&base, "/_sim/clock/advance", json!({"seconds": 3600.0})).await;
    // 417 with DWS.5047: refused, not busy.
    let err = client.shrink(&id, 1).await.expect_err("417");
    assert_eq!((err.status(), err.code()), (Some(417), Some("DWS.5047")));
    assert!(!err.is_busy() && !err.is_retryable(), "{err}");
    // 200 with DWS.7023 while it restarts: HTTP 200, yet busy, not done.
    client.restart(&id).await.expect("restart");
    let err = client.shrink(&id, 1).await.expect_err("200 is no success");
    assert_eq!((err.status(), err.code()), (Some(200), Some("DWS.7023")));
    assert!(err.is_busy(), "{err}");
}

#[tokio::test]
async fn every_api_error_names_the_request_id_of_its_answer() {
    let (_sim, _base, client) = huawei().await;
    let err = client.restart(UNKNOWN).await.expect_err("unknown");
    let id = err
        .request_id()
        .expect("the sim sends X-Request-Id")
        .to_owned();
    assert!(
        err.to_string().ends_with(&format!("[request id {id}]")),
        "{err}"
    );
}

#[tokio::test]
async fn a_hostile_request_id_is_escaped_and_cut_and_garbage_bodies_do_not_panic() {
    // Legal in a header, unsafe on a terminal: a C1 CSI and a right-to-left override.
    let hostile = format!("\u{9b}31mred\u{202e}{}", "x".repeat(500));
    let fake = FakeHttp::start(move |request| {
        let body: &[u8] = match request.path.as_str() {
            p if p.ends_with("/restart") => {
                b"eyJlcnJvcl9jb2RlIjoiRFdTLjAwNDciLCJlcnJvcl9tc2ciOiJnb25lPyJ9"
            }
            p if p.ends_with("/resize") => b"e30=\xff\xfe not base64 {{{",
            _ => b"Zm9v",
        };
        Reply::Full {
            status: 401,
            headers: vec![("X-Request-Id".into(), hostile.clone())],
            body: body.to_vec(),
        }
    })
    .await;
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new("pre-issued"),
        project_id: sim::DEFAULT_PROJECT_ID.into(),
    });
    config.endpoint = Some(fake.base.clone());
    let client = Client::new(fast(config)).expect("client");
    // Base64 JSON with a DWS code: not found, the code and message decoded.
    let err = client.restart(UNKNOWN).await.expect_err("401");
    assert_not_found(&err, 401, "DWS.0047");
    assert!(err.to_string().contains("gone?"), "{err}");
    // Garbage, and base64 of something that is not an error body: an auth failure.
    for err in [
        client.resize(UNKNOWN, 3).await.expect_err("401"),
        client.shrink(UNKNOWN, 3).await.expect_err("401"),
    ] {
        assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
        let text = err.to_string();
        assert!(
            !text.contains('\u{9b}') && !text.contains('\u{202e}'),
            "{text:?}"
        );
        let id = err.request_id().expect("request id");
        assert!(id.chars().count() == 65 && id.ends_with("xx…"), "{id:?}");
        assert!(text.contains("[request id \\u009b31mred"), "{text}");
    }
}
