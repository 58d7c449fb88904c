//! The client's retry, re-auth and error rules against a scripted HTTP server on loopback:
//! each test queues the answers one route gives and counts what the client sent.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use dwsctl::api::config::{ClientConfig, Credentials, NameOrId, PasswordAuth, UserRef};
use dwsctl::api::retry::RetryPolicy;
use dwsctl::api::{ApiError, Client};
use dwsctl::secret::Secret;

/// One scripted answer.
#[derive(Clone)]
enum Reply {
    Json(u16, &'static str),
    WithHeader(u16, &'static str, &'static str, &'static str),
    /// Never answer (the client's timeout fires).
    Hang,
}

#[derive(Default)]
struct Script {
    replies: Mutex<HashMap<String, VecDeque<Reply>>>,
    hits: Mutex<Vec<(String, HeaderMap)>>,
}

impl Script {
    fn queue(&self, route: &str, replies: &[Reply]) {
        let mut map = self.replies.lock().expect("lock");
        map.entry(route.to_owned())
            .or_default()
            .extend(replies.iter().cloned());
    }

    fn hits(&self, route: &str) -> usize {
        let hits = self.hits.lock().expect("lock");
        hits.iter().filter(|(r, _)| r == route).count()
    }

    fn headers(&self, route: &str) -> Vec<HeaderMap> {
        let hits = self.hits.lock().expect("lock");
        hits.iter()
            .filter(|(r, _)| r == route)
            .map(|(_, h)| h.clone())
            .collect()
    }
}

const PID: &str = "p-0001";
const TOKEN_PW: &str = "canary-wire-password-4711";

async fn handle(
    State(script): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    _body: Bytes,
) -> Response {
    let route = format!("{method} {}", uri.path());
    script
        .hits
        .lock()
        .expect("lock")
        .push((route.clone(), headers));
    let next = script
        .replies
        .lock()
        .expect("lock")
        .get_mut(&route)
        .and_then(VecDeque::pop_front);
    let reply = match next {
        Some(reply) => reply,
        None if route == "POST /v3/auth/tokens" => Reply::Json(201, ""),
        None => Reply::Json(
            404,
            r#"{"error_code":"TEST.404","error_msg":"nothing scripted"}"#,
        ),
    };
    match reply {
        Reply::Json(201, "") => token_response(&script),
        Reply::Json(status, body) => json(status, body, None),
        Reply::WithHeader(status, body, name, value) => json(status, body, Some((name, value))),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            json(500, "{}", None)
        }
    }
}

fn json(status: u16, body: &'static str, header: Option<(&'static str, &'static str)>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, [("content-type", "application/json")], body).into_response();
    if let Some((name, value)) = header {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(name),
            axum::http::HeaderValue::try_from(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// A fresh token per call, so tests can tell which one a request carried.
fn token_response(script: &Script) -> Response {
    let n = script.hits("POST /v3/auth/tokens");
    let body = format!(
        r#"{{"token": {{"methods": ["password"], "expires_at": "2099-01-01T00:00:00.000000Z",
            "project": {{"id": "{PID}", "name": "eu-de"}}, "catalog": []}}}}"#
    );
    let mut response = (
        StatusCode::CREATED,
        [("content-type", "application/json")],
        body,
    )
        .into_response();
    if let Ok(value) = axum::http::HeaderValue::try_from(format!("canary-wire-token-{n}")) {
        response.headers_mut().insert("x-subject-token", value);
    }
    response
}

async fn serve() -> (String, Arc<Script>) {
    let script = Arc::new(Script::default());
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), script)
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        time_scale: 1000.0,
        ..RetryPolicy::default()
    }
}

fn password_client(base: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::Password(PasswordAuth {
        auth_url: format!("{base}/v3"),
        user: UserRef::Name {
            name: "alice".into(),
            domain: NameOrId::Name("acme".into()),
        },
        password: Secret::new(TOKEN_PW),
        project: NameOrId::Name("eu-de".into()),
    }));
    config.endpoint = Some(base.to_owned());
    config.retry = fast_policy();
    config.request_timeout = Duration::from_secs(1);
    Client::new(config).expect("client")
}

fn clusters() -> String {
    format!("GET /v1.0/{PID}/clusters")
}

fn create() -> String {
    format!("POST /v1.0/{PID}/clusters")
}

const EMPTY_LIST: &str = r#"{"clusters": [], "count": 0}"#;

fn create_body() -> dwsctl::api::wire::CreateCluster {
    dwsctl::api::wire::CreateCluster {
        name: "dws-wire".into(),
        node_type: "dws.m3.xlarge".into(),
        number_of_node: 3,
        subnet_id: "s".into(),
        security_group_id: "g".into(),
        vpc_id: "v".into(),
        availability_zone: None,
        port: None,
        user_name: "dbadmin".into(),
        user_pwd: Secret::new("canary-wire-admin-pw-99"),
        public_ip: None,
        number_of_cn: None,
        tags: None,
        enterprise_project_id: None,
    }
}

#[tokio::test]
async fn a_read_is_retried_after_a_5xx_and_succeeds() {
    let (base, script) = serve().await;
    script.queue(
        &clusters(),
        &[Reply::Json(503, "{}"), Reply::Json(200, EMPTY_LIST)],
    );
    let client = password_client(&base);
    assert_eq!(client.list_clusters().await.expect("retried").len(), 0);
    assert_eq!(script.hits(&clusters()), 2);
}

#[tokio::test]
async fn a_read_gives_up_after_three_attempts_with_a_retryable_error() {
    let (base, script) = serve().await;
    let outage = Reply::Json(
        503,
        r#"{"error_code":"APIGW.0503","error_msg":"unavailable"}"#,
    );
    script.queue(
        &clusters(),
        &[outage.clone(), outage.clone(), outage.clone(), outage],
    );
    let err = password_client(&base)
        .list_clusters()
        .await
        .expect_err("outage");
    assert_eq!(script.hits(&clusters()), 3);
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "GET /v1.0/{project_id}/clusters failed: HTTP 503 APIGW.0503: unavailable (after 3 attempts)"
    );
}

#[tokio::test]
async fn a_create_answered_with_a_5xx_is_outcome_unknown_and_not_resent() {
    let (base, script) = serve().await;
    script.queue(
        &create(),
        &[Reply::Json(
            500,
            r#"{"errCode":"DWS.0005","externalMessage":"Server failure."}"#,
        )],
    );
    let err = password_client(&base)
        .create_cluster(&create_body())
        .await
        .expect_err("5xx");
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains("DWS.0005"), "{err}");
    assert_eq!(script.hits(&create()), 1);
}

#[tokio::test]
async fn a_create_that_times_out_is_outcome_unknown_and_not_resent() {
    let (base, script) = serve().await;
    script.queue(&create(), &[Reply::Hang]);
    let err = password_client(&base)
        .create_cluster(&create_body())
        .await
        .expect_err("timeout");
    assert!(err.is_outcome_unknown(), "{err}");
    assert_eq!(script.hits(&create()), 1);
}

#[tokio::test]
async fn a_create_throttled_with_429_is_resent_after_retry_after() {
    let (base, script) = serve().await;
    script.queue(
        &create(),
        &[
            Reply::WithHeader(
                429,
                r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
                "retry-after",
                "2",
            ),
            Reply::Json(200, r#"{"cluster": {"id": "c-new"}}"#),
        ],
    );
    let id = password_client(&base)
        .create_cluster(&create_body())
        .await
        .expect("429 is safe to retry");
    assert_eq!(id, "c-new");
    assert_eq!(script.hits(&create()), 2);
}

#[tokio::test]
async fn a_create_to_a_closed_port_is_retried_because_nothing_was_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let mut config = ClientConfig::new(Credentials::AkSk {
        access_key: "AK".into(),
        secret_key: Secret::new("canary-wire-sk-1"),
        project_id: PID.into(),
    });
    config.endpoint = Some(base);
    config.retry = fast_policy();
    let err = Client::new(config)
        .expect("client")
        .create_cluster(&create_body())
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(err, ApiError::Unreachable { attempts: 3, .. }),
        "{err}"
    );
    assert!(!err.is_outcome_unknown());
}

#[tokio::test]
async fn an_expired_token_is_reissued_once_and_the_call_repeated() {
    let (base, script) = serve().await;
    let expired = r#"{"error_msg":"The token must be updated.","error_code":"APIGW.0307"}"#;
    script.queue(
        &clusters(),
        &[Reply::Json(401, expired), Reply::Json(200, EMPTY_LIST)],
    );
    let client = password_client(&base);
    client.list_clusters().await.expect("re-authenticated");
    assert_eq!(script.hits("POST /v3/auth/tokens"), 2);
    let tokens: Vec<_> = script
        .headers(&clusters())
        .iter()
        .map(|h| {
            h.get("x-auth-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(tokens, ["canary-wire-token-1", "canary-wire-token-2"]);
}

#[tokio::test]
async fn a_second_401_fails_with_advice_instead_of_looping() {
    let (base, script) = serve().await;
    let denied =
        r#"{"error_msg":"Incorrect IAM authentication information.","error_code":"APIGW.0301"}"#;
    script.queue(
        &clusters(),
        &[
            Reply::Json(401, denied),
            Reply::Json(401, denied),
            Reply::Json(401, denied),
        ],
    );
    let err = password_client(&base)
        .list_clusters()
        .await
        .expect_err("401");
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
    assert_eq!(script.hits(&clusters()), 2);
    assert_eq!(script.hits("POST /v3/auth/tokens"), 2);
}

#[tokio::test]
async fn concurrent_first_calls_share_one_token() {
    let (base, script) = serve().await;
    script.queue(&clusters(), &[Reply::Json(200, EMPTY_LIST)]);
    script.queue(
        &format!("GET /v1.0/{PID}/snapshots"),
        &[Reply::Json(200, r#"{"snapshots": [], "count": 0}"#)],
    );
    let live = password_client(&base).observe().await.expect("observe");
    assert!(live.clusters.is_empty() && live.snapshots.is_empty());
    assert_eq!(script.hits("POST /v3/auth/tokens"), 1);
}

#[tokio::test]
async fn a_body_that_does_not_decode_names_call_status_type_and_body() {
    let (base, script) = serve().await;
    script.queue(&clusters(), &[Reply::Json(200, r#"{"clusters": [{"id": "c1", "name": "n", "status": "AVAILABLE", "port": 8000, "user_name": "u", "number_of_node": "3", "node_type": "t"}], "count": 1}"#)]);
    let err = password_client(&base)
        .list_clusters()
        .await
        .expect_err("strict");
    let text = err.to_string();
    assert!(text.starts_with("GET /v1.0/{project_id}/clusters answered HTTP 200 with a body that is not a valid ClusterList"), "{text}");
    assert!(
        text.contains("\"number_of_node\": \"3\",\n"),
        "pretty-printed body: {text}"
    );
}

#[tokio::test]
async fn a_repeated_delete_that_finds_nothing_has_succeeded() {
    let (base, script) = serve().await;
    let route = format!("DELETE /v1.0/{PID}/snapshots/s-1");
    script.queue(
        &route,
        &[
            Reply::Hang,
            Reply::Json(404, r#"{"error_code":"DWS.5149","error_msg":"gone"}"#),
        ],
    );
    password_client(&base)
        .delete_snapshot("s-1")
        .await
        .expect("the lost first answer deleted it");
    assert_eq!(script.hits(&route), 2);
}

#[tokio::test]
async fn a_200_with_a_failure_code_is_an_error() {
    let (base, script) = serve().await;
    let route = format!("POST /v1.0/{PID}/clusters/c-1/cluster-shrink");
    script.queue(
        &route,
        &[Reply::Json(
            200,
            r#"{"error_code":"DWS.5091","error_msg":"cannot shrink"}"#,
        )],
    );
    let err = password_client(&base)
        .shrink("c-1", 3)
        .await
        .expect_err("failure in body");
    assert_eq!(err.code(), Some("DWS.5091"));
    script.queue(
        &route,
        &[Reply::Json(
            200,
            r#"{"error_code":"DWS.0000","error_msg":null}"#,
        )],
    );
    password_client(&base)
        .shrink("c-1", 3)
        .await
        .expect("DWS.0000 is success");
}

#[tokio::test]
async fn the_retry_budget_stops_retries_during_an_outage() {
    let (base, script) = serve().await;
    let outage: Vec<Reply> = (0..20).map(|_| Reply::Json(502, "{}")).collect();
    script.queue(&clusters(), &outage);
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new("canary-wire-pre-token"),
        project_id: PID.into(),
    });
    config.endpoint = Some(base);
    // Room for two retries in total (a retry costs 5).
    config.retry = RetryPolicy {
        quota: 10,
        ..fast_policy()
    };
    let client = Client::new(config).expect("client");
    client.list_clusters().await.expect_err("outage");
    client.list_clusters().await.expect_err("outage");
    // 3 attempts for the first call, then the budget is empty: 1 attempt for the second.
    assert_eq!(script.hits(&clusters()), 4);
}

#[tokio::test]
async fn signed_requests_verify_with_the_reference_signer() {
    let (base, script) = serve().await;
    script.queue(&clusters(), &[Reply::Json(200, EMPTY_LIST)]);
    let mut config = ClientConfig::new(Credentials::AkSk {
        access_key: "AKWIRE".into(),
        secret_key: Secret::new("canary-wire-sk-2"),
        project_id: PID.into(),
    });
    config.endpoint = Some(base.clone());
    Client::new(config)
        .expect("client")
        .list_clusters()
        .await
        .expect("signed");
    let headers = script.headers(&clusters()).pop().expect("one request");
    assert!(headers.get("x-auth-token").is_none());
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .expect("signed");
    let parsed = dwsctl::api::sign::parse_authorization(authorization).expect("parse");
    let signed: Vec<(String, String)> = parsed
        .signed_headers
        .iter()
        .map(|name| {
            let value = headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            (name.clone(), value.to_owned())
        })
        .collect();
    let date = headers
        .get("x-sdk-date")
        .and_then(|v| v.to_str().ok())
        .expect("date");
    let input = dwsctl::api::sign::SignInput {
        method: "GET",
        path: &format!("/v1.0/{PID}/clusters"),
        query: "",
        headers: &signed,
        body: b"",
    };
    let expected =
        dwsctl::api::sign::signature(&input, &parsed.signed_headers, date, "canary-wire-sk-2");
    assert_eq!(parsed.signature, expected);
    assert_eq!(parsed.access_key, "AKWIRE");
}

/// A gateway whose clock is `skew` seconds off ours: it refuses signatures more than 15
/// minutes away from its own time (or every signature, with `refuse_all`), and sends its
/// time in `Date` as real gateways do.
async fn skewed_gateway(skew: i64, refuse_all: bool) -> (String, Arc<Mutex<usize>>) {
    let hits = Arc::new(Mutex::new(0usize));
    let seen = hits.clone();
    let handler = move |headers: HeaderMap| {
        let seen = seen.clone();
        async move {
            *seen.lock().expect("lock") += 1;
            let server_now = time::OffsetDateTime::now_utc() + time::Duration::seconds(skew);
            let http_date = time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            );
            let sdk_date =
                time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
            let signed_at = headers
                .get("x-sdk-date")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| time::PrimitiveDateTime::parse(v, &sdk_date).ok())
                .map(time::PrimitiveDateTime::assume_utc);
            let fresh = signed_at.is_some_and(|at| (at - server_now).whole_seconds().abs() <= 900);
            let date = server_now.format(&http_date).unwrap_or_default();
            let (status, body) = if fresh && !refuse_all {
                (StatusCode::OK, EMPTY_LIST)
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    r#"{"error_code":"APIGW.0303","error_msg":"Incorrect app authentication information."}"#,
                )
            };
            (
                status,
                [
                    ("content-type", "application/json".to_owned()),
                    ("date", date),
                ],
                body,
            )
        }
    };
    let app = axum::Router::new().fallback(handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), hits)
}

fn signing_client(base: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::AkSk {
        access_key: "AKSKEW".into(),
        secret_key: Secret::new("canary-wire-sk-skew"),
        project_id: PID.into(),
    });
    config.endpoint = Some(base.to_owned());
    config.retry = fast_policy();
    Client::new(config).expect("client")
}

#[tokio::test]
async fn a_signature_refused_for_clock_skew_is_signed_again_once_with_the_servers_time() {
    let (base, hits) = skewed_gateway(3600, false).await;
    let client = signing_client(&base);
    client
        .list_clusters()
        .await
        .expect("re-signed with the server's time");
    assert_eq!(*hits.lock().expect("lock"), 2);
    client
        .list_clusters()
        .await
        .expect("the offset is remembered");
    assert_eq!(*hits.lock().expect("lock"), 3);
}

#[tokio::test]
async fn a_refused_signature_with_a_correct_clock_is_not_sent_again() {
    let (base, hits) = skewed_gateway(0, true).await;
    let err = signing_client(&base)
        .list_clusters()
        .await
        .expect_err("refused");
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
    assert_eq!(*hits.lock().expect("lock"), 1);
}

#[tokio::test]
async fn clock_correction_is_tried_only_once_per_call() {
    let (base, hits) = skewed_gateway(-3600, true).await;
    let err = signing_client(&base)
        .list_clusters()
        .await
        .expect_err("refused even with the right time");
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
    assert_eq!(*hits.lock().expect("lock"), 2);
}
