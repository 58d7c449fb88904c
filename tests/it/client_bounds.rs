//! Answers that must not make dwsctl grow or hang: endless and huge bodies stop at the call's
//! limit with an error naming the call and the limit; slow headers and a dripping body end at
//! the request timeout. Bounded: the fake endpoint generates its bodies as it sends them, and
//! each test checks how much it had to send before the client hung up.

use std::time::{Duration, Instant};

use dwsctl::api::body::{ERROR_LIMIT, LIST_LIMIT, OBJECT_LIMIT};
use dwsctl::api::config::{ClientConfig, Credentials};
use dwsctl::api::retry::RetryPolicy;
use dwsctl::api::{ApiError, Client};
use dwsctl::secret::Secret;
use serde_json::json;

use super::client_sim::create_body;
use super::fake_http::{FakeHttp, Reply, Request};

/// Socket buffers on both sides can hold this much beyond what the client read.
const SLACK: u64 = 16 * 1024 * 1024;

fn client(base: &str, timeout: Duration) -> Client {
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new("fake-token-123456"),
        project_id: "p1".into(),
    });
    config.endpoint = Some(base.to_owned());
    config.retry = RetryPolicy {
        max_attempts: 2,
        time_scale: 1000.0,
        ..RetryPolicy::default()
    };
    config.request_timeout = timeout;
    Client::new(config).expect("client")
}

fn on_lists(reply: Reply) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |request: &Request| {
        if request.method == "GET" {
            reply.clone()
        } else {
            Reply::json(200, &json!({"cluster": {"id": "c1"}}))
        }
    }
}

#[tokio::test]
async fn an_endless_list_answer_stops_at_the_list_limit_with_an_error_naming_the_call() {
    let fake = FakeHttp::start(on_lists(Reply::Endless { status: 200 })).await;
    let err = client(&fake.base, Duration::from_secs(60))
        .list_clusters()
        .await
        .expect_err("too large");
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /v1.0/{project_id}/clusters: the answer is larger than 64 MiB, the limit for this call; it was not read further"
    );
    // Not retried: the server sent one body's worth, not two.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = fake.sent();
    assert!(sent >= LIST_LIMIT as u64, "read up to the limit: {sent}");
    assert!(
        sent < LIST_LIMIT as u64 + SLACK,
        "stopped at the limit: {sent}"
    );
}

#[tokio::test]
async fn a_body_announced_larger_than_the_limit_is_not_read() {
    let fake = FakeHttp::start(on_lists(Reply::Announced {
        status: 200,
        len: 100 * 1024 * 1024 * 1024,
    }))
    .await;
    let err = client(&fake.base, Duration::from_secs(60))
        .get_cluster("c1")
        .await
        .expect_err("too large");
    assert!(
        err.to_string().starts_with(
            "GET /v1.0/{project_id}/clusters/{cluster_id}: the answer is larger than 4 MiB"
        ),
        "{err}"
    );
    assert!(fake.sent() < SLACK, "sent {}", fake.sent());
}

#[tokio::test]
async fn an_endless_answer_to_a_create_is_an_unknown_outcome_not_a_retry() {
    let fake = FakeHttp::start(|request: &Request| {
        if request.method == "POST" && request.path.ends_with("/clusters") {
            assert!(!request.body.is_empty(), "the create carries its body");
            Reply::Endless { status: 200 }
        } else {
            Reply::json(200, &json!({"clusters": []}))
        }
    })
    .await;
    let err = client(&fake.base, Duration::from_secs(60))
        .create_cluster(&create_body("dws-big"))
        .await
        .expect_err("unknown");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(
        err.to_string().contains("the answer was larger than 4 MiB"),
        "{err}"
    );
    let sent = fake.sent();
    assert!(sent < OBJECT_LIMIT as u64 + SLACK, "sent {sent}");
}

#[tokio::test]
async fn an_endless_error_body_is_cut_and_the_status_still_reported() {
    let fake = FakeHttp::start(on_lists(Reply::Endless { status: 400 })).await;
    let err = client(&fake.base, Duration::from_secs(60))
        .list_clusters()
        .await
        .expect_err("400");
    assert_eq!(err.status(), Some(400), "{err:?}");
    let text = err.to_string();
    assert!(text.len() < 8 * 1024, "shown body is short: {}", text.len());
    assert!(fake.sent() < ERROR_LIMIT as u64 + SLACK);
}

#[tokio::test]
async fn slow_headers_end_at_the_request_timeout() {
    let fake = FakeHttp::start(on_lists(Reply::SlowHeaders(Duration::from_secs(3600)))).await;
    let started = Instant::now();
    let err = client(&fake.base, Duration::from_millis(500))
        .list_clusters()
        .await
        .expect_err("timeout");
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_dripping_body_ends_at_the_request_timeout() {
    let fake = FakeHttp::start(on_lists(Reply::Drip {
        every: Duration::from_millis(50),
    }))
    .await;
    let started = Instant::now();
    let err = client(&fake.base, Duration::from_millis(500))
        .list_clusters()
        .await
        .expect_err("timeout");
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("broke off"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert!(fake.sent() > 0, "the body did start");
}
