//! The real binary against an endpoint that puts escape sequences, line breaks and bidi
//! overrides in what it answers: `plan` prints them escaped (text and JSON alike, the JSON
//! still decoding to what the server sent), and an error report holds none of them raw.

use serde_json::{json, Value};

use super::apply_support::example;
use super::cli_support::{dwsctl, Run};
use super::fake_http::{FakeHttp, Reply, Request};

const HOSTILE: &str = "\u{1b}[2J\u{1b}[H\nApply complete: 3 done, 0 failed.\u{9b}1m\u{202e}";

/// A listed cluster named like the quickstart's, in a state no DWS reports.
fn hostile_cluster() -> Value {
    json!({
        "id": "6c3b9aa7-67f7-45b5-b7c0-d8ba5fa54677", "name": "dws-demo",
        "status": format!("AVAILABLE{HOSTILE}"), "version": "8.1.3.310",
        "created": "2026-11-30T07:49:30", "updated": "2026-11-30T07:49:30", "port": 8000,
        "endpoints": [], "public_endpoints": [], "nodes": [],
        "tags": [{"key": "managed-by", "value": "dwsctl"}],
        "user_name": "dbadmin", "number_of_node": 3, "recent_event": 0,
        "availability_zone": "eu-de-01", "enterprise_project_id": "0",
        "node_type": "dws.m3.xlarge", "vpc_id": "vpc-1", "subnet_id": "subnet-1",
        "public_ip": null, "action_progress": {}, "sub_status": "NORMAL",
        "task_status": format!("x{HOSTILE}"), "security_group_id": "sg-1",
        "failed_reasons": {"code": HOSTILE}
    })
}

async fn plan(base: &str, extra: &[&str]) -> Run {
    dwsctl(["plan", "-f"])
        .arg(example("quickstart.yaml"))
        .args(extra)
        .env("DWS_ENDPOINT", base)
        .env("OS_AUTH_TOKEN", "hostile-test-token-01")
        .env("OS_PROJECT_ID", "p1")
        .run()
        .await
}

#[track_caller]
fn assert_safe(label: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(
        !text
            .chars()
            .any(|c| dwsctl::term::is_unsafe(c) && c != '\n'),
        "{label} holds a raw control character: {text:?}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with("Apply complete")),
        "{label} holds a forged line:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_shows_hostile_names_and_statuses_escaped_in_text_and_json() {
    let fake = FakeHttp::start(|request: &Request| {
        if request.path.ends_with("/clusters") {
            Reply::json(200, &json!({"clusters": [hostile_cluster()], "count": 1}))
        } else {
            Reply::json(200, &json!({"snapshots": [], "count": 0}))
        }
    })
    .await;
    let out = plan(&fake.base, &[]).await;
    assert_safe("plan stdout", &out.stdout);
    assert_safe("plan stderr", &out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\\u001b[2J"), "shown, escaped:\n{stdout}");

    let out = plan(&fake.base, &["--json"]).await;
    assert_safe("plan --json stdout", &out.stdout);
    let plan: Value = serde_json::from_slice(&out.stdout).expect("still JSON");
    assert!(
        holds(&plan, HOSTILE),
        "the JSON decodes to what the server sent: {plan}"
    );
}

/// Whether a string somewhere in `value` contains `needle`.
fn holds(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s.contains(needle),
        Value::Array(items) => items.iter().any(|v| holds(v, needle)),
        Value::Object(map) => map.values().any(|v| holds(v, needle)),
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_report_from_a_hostile_endpoint_holds_no_escape_sequence() {
    // Only the cluster listing fails: plan lists clusters and snapshots at once, and which
    // failure is reported when both fail depends on timing.
    let fake = FakeHttp::start(|request: &Request| {
        if request.path.ends_with("/snapshots") {
            return Reply::json(200, &json!({"snapshots": [], "count": 0}));
        }
        Reply::json(
            400,
            &json!({"error_code": format!("DWS.{HOSTILE}"), "error_msg": HOSTILE}),
        )
    })
    .await;
    let out = plan(&fake.base, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_safe("error report", &out.stderr);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\\u001b[2J"), "{stderr}");
    insta::assert_snapshot!(out.transcript());
}
