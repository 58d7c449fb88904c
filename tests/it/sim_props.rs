//! Random methods, paths and bodies never crash or hang the simulator: every request gets an
//! HTTP answer, every error answer carries an error body, and the server stays healthy.

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use serde_json::{json, Value};

use crate::sim_support::{cluster_body, start, PID};

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("7ba031f6-81f4-4670-ad20-c490b91877e5".to_owned()),
        "[a-zA-Z0-9._~-]{0,40}",
        Just("%FF%FE".to_owned()),
        Just("%2F..%2F".to_owned()),
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    let suffix = prop_oneof![
        Just(String::new()),
        Just("/restart".to_owned()),
        Just("/resize".to_owned()),
        Just("/cluster-shrink".to_owned()),
        Just("/reset-password".to_owned()),
        Just("/tags".to_owned()),
        Just("/tags/batch-create".to_owned()),
        Just("/tags/batch-delete".to_owned()),
        Just("/actions".to_owned()),
        Just("/security-group".to_owned()),
        Just("/description".to_owned()),
        Just("/cluster-name".to_owned()),
        Just("/start".to_owned()),
        Just("/stop".to_owned()),
        Just("/cns".to_owned()),
        Just("/cns/batch-create".to_owned()),
        Just("/cns/batch-delete".to_owned()),
        Just("/grow-check".to_owned()),
        Just("/shrink-check?check_item=disk&shrink_count=3".to_owned()),
        Just("/eips/a1b2c3d4-0001-4e5f-8a9b-000000000001".to_owned()),
        "/[a-z]{1,8}",
    ];
    let project = prop_oneof![Just(PID.to_owned()), segment()];
    (0..11usize, project, segment(), suffix).prop_map(|(kind, pid, seg, suffix)| match kind {
        0 => format!("/v1.0/{pid}/clusters"),
        1 => format!("/v1.0/{pid}/clusters/{seg}{suffix}"),
        2 => format!("/v1.0/{pid}/snapshots"),
        3 => format!("/v1.0/{pid}/snapshots/{seg}{suffix}"),
        4 => format!("/v1.0/{pid}/{seg}"),
        5 => format!("/v2/{pid}/node-types"),
        6 => "/v3/auth/tokens".to_owned(),
        7 => format!("/v1/{pid}/clusters/{seg}{suffix}"),
        8 => format!("/v2/{pid}/clusters/{seg}{suffix}"),
        9 => format!("/v2/{pid}/cluster-precheck"),
        _ => format!("/{seg}{suffix}"),
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let fields = prop_oneof![
        Just("name"),
        Just("node_type"),
        Just("number_of_node"),
        Just("port"),
        Just("user_pwd"),
        Just("tags"),
        Just("public_ip"),
    ];
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..256),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (fields, json_value()).prop_map(|(field, value)| {
            let mut body = cluster_body("prop-cluster");
            body["cluster"][field] = value;
            body.to_string().into_bytes()
        }),
    ]
}

fn method() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("DELETE"),
        Just("PUT"),
        Just("PATCH"),
        Just("HEAD"),
    ]
}

#[test]
fn random_requests_never_crash_the_server() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt.block_on(start());
    let mut runner = TestRunner::new(PropConfig {
        cases: 192,
        failure_persistence: None,
        ..PropConfig::default()
    });
    let strategy = (method(), path(), body(), any::<bool>());
    let result = runner.run(&strategy, |(method, path, body, with_token)| {
        let (status, text) = rt.block_on(async {
            let mut req = sim
                .http
                .request(
                    reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                    format!("{}{path}", sim.base),
                )
                .header("Content-Type", "application/json")
                .timeout(std::time::Duration::from_secs(10))
                .body(body);
            if with_token {
                req = req.header("X-Auth-Token", &sim.token);
            }
            let resp = req.send().await.expect("the server answers");
            let status = resp.status().as_u16();
            (status, resp.text().await.expect("a complete body"))
        });
        prop_assert!((200..600).contains(&status));
        if status >= 400 && method != "HEAD" {
            let body: Value = serde_json::from_str(&text).expect("error bodies are JSON");
            prop_assert!(
                body.get("error_code").is_some() || body.get("error").is_some(),
                "{status} {text}"
            );
        }
        Ok(())
    });
    result.expect("no request breaks the server");
    let healthy = rt.block_on(sim.get("clusters"));
    assert_eq!(healthy.0, 200);
}
