//! IAM tokens and AK/SK signatures in front of the DWS routes.

use dwsctl::api::sign;
use dwsctl::secret::Secret;
use dwsctl::sim::{self, Account, Config};
use serde_json::{json, Value};

use crate::sim_support::{assert_error, auth_body, start, start_with, PID};

async fn token_call(sim: &crate::sim_support::Sim, body: Value) -> (u16, Option<String>, Value) {
    let resp = sim
        .http
        .post(format!("{}/v3/auth/tokens", sim.base))
        .json(&body)
        .send()
        .await
        .expect("response");
    let status = resp.status().as_u16();
    let token = resp
        .headers()
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, token, resp.json().await.unwrap_or(Value::Null))
}

async fn list_with_token(sim: &crate::sim_support::Sim, token: &str) -> (u16, Value) {
    let resp = sim
        .http
        .get(sim.url("clusters"))
        .header("X-Auth-Token", token)
        .send()
        .await
        .expect("response");
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn token_body_has_project_user_expiry_and_a_catalog_pointing_here() {
    let sim = start().await;
    let (status, token, body) = token_call(
        &sim,
        auth_body(sim::DEFAULT_PASSWORD, json!({"project": {"name": "eu-de"}})),
    )
    .await;
    assert_eq!(status, 201);
    assert!(token.is_some_and(|t| !t.is_empty()));
    let t = &body["token"];
    assert_eq!(t["project"]["id"], PID);
    assert_eq!(t["project"]["name"], "eu-de");
    assert_eq!(t["user"]["name"], sim::DEFAULT_USER);
    assert_eq!(t["methods"], json!(["password"]));
    let issued = time::OffsetDateTime::parse(
        t["issued_at"].as_str().expect("issued_at"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("issued_at parses");
    let expires = time::OffsetDateTime::parse(
        t["expires_at"].as_str().expect("expires_at"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("expires_at parses");
    assert_eq!((expires - issued).whole_hours(), 24);
    let catalog = t["catalog"].as_array().expect("catalog");
    let url_of = |kind: &str| {
        catalog
            .iter()
            .find(|e| e["type"] == kind)
            .and_then(|e| e["endpoints"][0]["url"].as_str())
            .map(str::to_owned)
    };
    assert_eq!(url_of("dws"), Some(sim.base.clone()));
    assert_eq!(url_of("dwsv1"), Some(format!("{}/v1.0/{PID}", sim.base)));
}

#[tokio::test]
async fn project_scope_by_id_works() {
    let sim = start().await;
    let (status, token, _) = token_call(
        &sim,
        auth_body(sim::DEFAULT_PASSWORD, json!({"project": {"id": PID}})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = list_with_token(&sim, &token.expect("token")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn wrong_password_is_401() {
    let sim = start().await;
    let (status, token, body) = token_call(
        &sim,
        auth_body("not-the-password", json!({"project": {"name": "eu-de"}})),
    )
    .await;
    assert_eq!(status, 401);
    assert!(token.is_none());
    assert_eq!(body["error_code"], "IAM.0062");
    assert_eq!(body["error"]["code"], 401);
}

#[tokio::test]
async fn unknown_project_scope_is_400_iam_1109() {
    let sim = start().await;
    let (status, _, body) = token_call(
        &sim,
        auth_body(sim::DEFAULT_PASSWORD, json!({"project": {"name": "xx-yy"}})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error_code"], "IAM.1109");
}

#[tokio::test]
async fn version_discovery_points_at_v3() {
    let sim = start().await;
    let (status, body) = sim.get("/v3").await;
    assert_eq!(status, 200);
    assert_eq!(body["version"]["status"], "stable");
    assert_eq!(
        body["version"]["links"][0]["href"],
        format!("{}/v3/", sim.base)
    );
}

#[tokio::test]
async fn missing_credentials_are_401_apigw_0301() {
    let sim = start().await;
    let resp = sim
        .http
        .get(sim.url("clusters"))
        .send()
        .await
        .expect("response");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json");
    assert_error(
        &(status, body),
        401,
        "APIGW.0301",
        "Incorrect IAM authentication information",
    );
}

#[tokio::test]
async fn unknown_token_is_401_apigw_0301() {
    let sim = start().await;
    let got = list_with_token(&sim, "MIIforged").await;
    assert_error(&got, 401, "APIGW.0301", "the token is unknown");
}

#[tokio::test]
async fn token_expires_after_24_simulated_hours() {
    let sim = start().await;
    assert_eq!(sim.get("clusters").await.0, 200);
    sim.advance(86_401.0).await;
    let got = sim.get("clusters").await;
    assert_error(&got, 401, "APIGW.0307", "The token must be updated.");
}

#[tokio::test]
async fn token_of_another_project_is_403() {
    let other = Account {
        user: "other".into(),
        user_id: "other-user".into(),
        domain: "otherdomain".into(),
        domain_id: "other-domain".into(),
        password: Secret::new("Other-Passw0rd"),
        project_name: "eu-nl".into(),
        project_id: "0123456789abcdef0123456789abcdef".into(),
    };
    let sim = start_with(Config {
        accounts: vec![Account::default(), other],
        ..Config::default()
    })
    .await;
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "other", "domain": {"name": "otherdomain"}, "password": "Other-Passw0rd"}}},
        "scope": {"project": {"name": "eu-nl"}}}});
    let (status, token, _) = token_call(&sim, body).await;
    assert_eq!(status, 201);
    let got = list_with_token(&sim, &token.expect("token")).await;
    assert_error(&got, 403, "DWS.0015", "not valid for project");
}

fn sdk_date(offset_secs: i64) -> String {
    let now = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs);
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    now.format(&format).expect("format date")
}

/// Sends a request signed with `secret`, `date_offset` seconds off the clock.
async fn signed(
    sim: &crate::sim_support::Sim,
    method: &str,
    path: &str,
    body: &str,
    secret: &str,
    date_offset: i64,
) -> (u16, Value) {
    let url = reqwest::Url::parse(&sim.url(path)).expect("url");
    let host = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().expect("port")
    );
    let date = sdk_date(date_offset);
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), host),
        ("X-Project-Id".to_owned(), PID.to_owned()),
        ("X-Sdk-Date".to_owned(), date.clone()),
    ];
    let input = sign::SignInput {
        method,
        path: url.path(),
        query: url.query().unwrap_or(""),
        headers: &headers,
        body: body.as_bytes(),
    };
    let authz = sign::authorization(&input, &date, sim::DEFAULT_ACCESS_KEY, secret);
    let mut req = sim
        .http
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            url.clone(),
        )
        .header("Content-Type", "application/json")
        .header("X-Project-Id", PID)
        .header("X-Sdk-Date", date)
        .header("Authorization", authz);
    if !body.is_empty() {
        req = req.body(body.to_owned());
    }
    let resp = req.send().await.expect("response");
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn signed_requests_are_accepted() {
    let sim = start().await;
    let (status, body) = signed(&sim, "GET", "clusters", "", sim::DEFAULT_SECRET_KEY, 0).await;
    assert_eq!(status, 200, "{body}");
    let create = crate::sim_support::cluster_body("signed-one").to_string();
    let (status, body) = signed(
        &sim,
        "POST",
        "clusters?x=a%20b",
        &create,
        sim::DEFAULT_SECRET_KEY,
        0,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn wrong_secret_key_is_401() {
    let sim = start().await;
    let got = signed(&sim, "GET", "clusters", "", "wrong-secret", 0).await;
    assert_error(&got, 401, "APIGW.0301", "signature does not match");
}

#[tokio::test]
async fn signature_dated_20_minutes_ago_is_401() {
    let sim = start().await;
    let got = signed(
        &sim,
        "GET",
        "clusters",
        "",
        sim::DEFAULT_SECRET_KEY,
        -20 * 60,
    )
    .await;
    assert_error(&got, 401, "APIGW.0301", "15 minutes");
}

#[tokio::test]
async fn unknown_access_key_is_401() {
    let sim = start().await;
    let resp = sim
        .http
        .get(sim.url("clusters"))
        .header("X-Sdk-Date", sdk_date(0))
        .header(
            "Authorization",
            "SDK-HMAC-SHA256 Access=NOPE, SignedHeaders=host;x-sdk-date, Signature=00",
        )
        .send()
        .await
        .expect("response");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json");
    assert_error(&(status, body), 401, "APIGW.0301", "access key is unknown");
}

#[tokio::test]
async fn clock_skew_shifts_the_date_header_and_the_signature_window() {
    let sim = start().await;
    let (status, body) = sim
        .hook("POST", "clock/skew", Some(json!({"seconds": 1200})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["skew_seconds"], 1200);
    let got = signed(&sim, "GET", "clusters", "", sim::DEFAULT_SECRET_KEY, 0).await;
    assert_error(&got, 401, "APIGW.0301", "15 minutes");
    let (status, _) = signed(&sim, "GET", "clusters", "", sim::DEFAULT_SECRET_KEY, 1200).await;
    assert_eq!(
        status, 200,
        "a client that corrects for the skew is accepted"
    );
    let resp = sim
        .http
        .get(sim.url("clusters"))
        .header("X-Auth-Token", &sim.token)
        .send()
        .await
        .expect("response");
    let date = resp.headers()["date"].to_str().expect("ascii").to_owned();
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let server = time::PrimitiveDateTime::parse(&date, &format)
        .expect("HTTP date")
        .assume_utc();
    let ahead = (server - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((1190..=1210).contains(&ahead), "{ahead}");
}

#[tokio::test]
async fn extreme_time_scales_issue_tokens_without_panicking() {
    let slow = start_with(Config {
        time_scale: 1e-30,
        ..Config::default()
    })
    .await;
    assert_eq!(slow.get("clusters").await.0, 200);
    // At 1e30 simulated seconds per second the token's 24 h are over at once.
    let fast = start_with(Config {
        time_scale: 1e30,
        ..Config::default()
    })
    .await;
    let got = fast.get("clusters").await;
    assert_error(&got, 401, "APIGW.0307", "The token must be updated.");
}
