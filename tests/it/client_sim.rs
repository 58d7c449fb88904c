//! The client against the simulator over loopback: every auth method (from explicit config
//! and from environment variables through `connect`), token expiry mid-run, `--sim`, and the
//! two-list-call observation of 1,000 clusters and 10,000 snapshots.

use std::collections::BTreeMap;
use std::time::Duration;

use clap::Parser;
use dwsctl::api::config::{ClientConfig, Credentials, NameOrId, PasswordAuth, UserRef};
use dwsctl::api::retry::RetryPolicy;
use dwsctl::api::{ApiError, Client};
use dwsctl::cli::connect::{connect_with, sim_client_config, Access};
use dwsctl::cli::GlobalArgs;
use dwsctl::secret::Secret;
use dwsctl::sim::{self, SimHandle};
use serde_json::{json, Value};

/// A simulator for client tests, fast enough that no test waits for real.
pub async fn start() -> (SimHandle, String) {
    start_with(sim::Config::default()).await
}

pub async fn start_with(config: sim::Config) -> (SimHandle, String) {
    let handle = sim::spawn(sim::Config {
        time_scale: 1000.0,
        ..config
    })
    .await
    .expect("spawn simulator");
    let base = handle.base_url();
    (handle, base)
}

/// POSTs a JSON body to a `/_sim/` hook and returns the answer.
pub async fn hook(base: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("hook request");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

/// The simulator's request counters, by `METHOD template`.
pub async fn counters(base: &str) -> BTreeMap<String, u64> {
    let body: Value = reqwest::Client::new()
        .get(format!("{base}/_sim/requests"))
        .send()
        .await
        .expect("counters")
        .json()
        .await
        .expect("counters body");
    serde_json::from_value(body["requests"].clone()).expect("counter map")
}

pub async fn reset_counters(base: &str) {
    reqwest::Client::new()
        .delete(format!("{base}/_sim/requests"))
        .send()
        .await
        .expect("reset counters");
}

pub const TOKEN_ROUTE: &str = "POST /v3/auth/tokens";
pub const LIST_CLUSTERS: &str = "GET /v1.0/{project_id}/clusters";
pub const LIST_SNAPSHOTS: &str = "GET /v1.0/{project_id}/snapshots";

/// A client of the simulator at `base` that waits 1000× faster than the cloud clock.
pub fn client(base: &str) -> Client {
    Client::new(fast(sim_client_config(base, 1.0))).expect("client")
}

pub fn fast(mut config: ClientConfig) -> ClientConfig {
    config.retry = RetryPolicy {
        time_scale: 1000.0,
        ..RetryPolicy::default()
    };
    // Generous: a loaded 2-core CI machine must not turn a slow answer into a timeout.
    config.request_timeout = Duration::from_secs(10);
    config
}

/// A client that gives up on an answer after one second (for latency faults of 3 s).
pub fn impatient(base: &str) -> Client {
    let mut config = fast(sim_client_config(base, 1.0));
    config.request_timeout = Duration::from_secs(1);
    Client::new(config).expect("client")
}

fn password(base: &str, user: UserRef, project: NameOrId) -> Client {
    let mut config = ClientConfig::new(Credentials::Password(PasswordAuth {
        auth_url: format!("{base}/v3"),
        user,
        password: Secret::new(sim::DEFAULT_PASSWORD),
        project,
    }));
    config.endpoint = Some(base.to_owned());
    Client::new(fast(config)).expect("client")
}

fn default_user() -> UserRef {
    UserRef::Name {
        name: sim::DEFAULT_USER.into(),
        domain: NameOrId::Name(sim::DEFAULT_DOMAIN.into()),
    }
}

#[tokio::test]
async fn password_login_scoped_by_project_name_observes() {
    let (_sim, base) = start().await;
    let client = password(
        &base,
        default_user(),
        NameOrId::Name(sim::DEFAULT_PROJECT_NAME.into()),
    );
    client.observe().await.expect("observe");
    assert_eq!(counters(&base).await.get(TOKEN_ROUTE), Some(&1));
}

#[tokio::test]
async fn password_login_by_user_id_scoped_by_project_id_observes() {
    let (_sim, base) = start().await;
    let user = UserRef::Id(sim::Account::default().user_id);
    let client = password(&base, user, NameOrId::Id(sim::DEFAULT_PROJECT_ID.into()));
    client.observe().await.expect("observe");
}

#[tokio::test]
async fn password_login_with_the_domain_id_observes() {
    let (_sim, base) = start().await;
    let user = UserRef::Name {
        name: sim::DEFAULT_USER.into(),
        domain: NameOrId::Id(sim::Account::default().domain_id),
    };
    password(&base, user, NameOrId::Id(sim::DEFAULT_PROJECT_ID.into()))
        .observe()
        .await
        .expect("observe");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_advice() {
    let (_sim, base) = start().await;
    let mut config = sim_client_config(&base, 1.0);
    if let Credentials::Password(auth) = &mut config.credentials {
        auth.password = Secret::new("Wrong-Passw0rd");
    }
    let err = Client::new(fast(config))
        .expect("client")
        .observe()
        .await
        .expect_err("wrong password");
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
    let report = format!("{:?}", miette::Report::new(err));
    assert!(report.contains("POST /v3/auth/tokens"), "{report}");
    assert!(report.contains("OS_PASSWORD"), "{report}");
}

/// A token issued the way a user would, outside dwsctl.
async fn issue_token(base: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}/v3/auth/tokens"))
        .json(
            &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": sim::DEFAULT_USER, "password": sim::DEFAULT_PASSWORD,
            "domain": {"name": sim::DEFAULT_DOMAIN}}}},
            "scope": {"project": {"name": sim::DEFAULT_PROJECT_NAME}}}}),
        )
        .send()
        .await
        .expect("token");
    response
        .headers()
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .expect("token header")
        .to_owned()
}

#[tokio::test]
async fn a_pre_issued_token_observes_without_a_token_call() {
    let (_sim, base) = start().await;
    let token = issue_token(&base).await;
    reset_counters(&base).await;
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new(token),
        project_id: sim::DEFAULT_PROJECT_ID.into(),
    });
    config.endpoint = Some(base.clone());
    Client::new(fast(config))
        .expect("client")
        .observe()
        .await
        .expect("observe");
    assert_eq!(counters(&base).await.get(TOKEN_ROUTE), None);
}

#[tokio::test]
async fn an_unknown_pre_issued_token_is_refused_without_renewal() {
    let (_sim, base) = start().await;
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new("not-a-token-of-this-sim"),
        project_id: sim::DEFAULT_PROJECT_ID.into(),
    });
    config.endpoint = Some(base.clone());
    let err = Client::new(fast(config))
        .expect("client")
        .list_clusters()
        .await
        .expect_err("unknown token");
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
    assert!(miette::Diagnostic::help(&err).is_some_and(|h| h.to_string().contains("OS_AUTH_TOKEN")));
    assert_eq!(counters(&base).await.get(TOKEN_ROUTE), None);
}

fn aksk(base: &str, secret_key: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::AkSk {
        access_key: sim::DEFAULT_ACCESS_KEY.into(),
        secret_key: Secret::new(secret_key),
        project_id: sim::DEFAULT_PROJECT_ID.into(),
    });
    config.endpoint = Some(base.to_owned());
    Client::new(fast(config)).expect("client")
}

#[tokio::test]
async fn aksk_signing_observes_and_creates_without_any_token() {
    let (_sim, base) = start().await;
    let client = aksk(&base, sim::DEFAULT_SECRET_KEY);
    let id = client
        .create_cluster(&create_body("dws-aksk"))
        .await
        .expect("signed POST");
    let live = client.observe().await.expect("signed GETs");
    assert_eq!(
        live.cluster("dws-aksk").map(|c| c.id.as_str()),
        Some(id.as_str())
    );
    assert_eq!(counters(&base).await.get(TOKEN_ROUTE), None);
}

#[tokio::test]
async fn a_wrong_secret_key_is_refused_with_advice_about_keys_and_clock() {
    let (_sim, base) = start().await;
    let err = aksk(&base, "SKwrong0000000000000000000000000000000000")
        .observe()
        .await
        .expect_err("bad signature");
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
    let help = miette::Diagnostic::help(&err)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(
        help.contains("OS_SECRET_KEY") && help.contains("clock"),
        "{help}"
    );
}

#[tokio::test]
async fn an_expired_token_is_reissued_once_mid_run() {
    let (_sim, base) = start().await;
    let client = client(&base);
    client.observe().await.expect("first observe");
    // A day of simulated time: the gateway now answers 401 APIGW.0307 to the cached token.
    hook(&base, "/_sim/clock/advance", json!({"seconds": 86_401.0})).await;
    client.observe().await.expect("observe after expiry");
    client
        .list_clusters()
        .await
        .expect("the new token is cached");
    let counts = counters(&base).await;
    assert_eq!(counts.get(TOKEN_ROUTE), Some(&2), "{counts:?}");
    // 1 + (401 + repeat) + 1.
    assert_eq!(counts.get(LIST_CLUSTERS), Some(&4), "{counts:?}");
}

pub fn create_body(name: &str) -> dwsctl::api::wire::CreateCluster {
    dwsctl::api::wire::CreateCluster {
        name: name.into(),
        node_type: "dws.m3.xlarge".into(),
        number_of_node: 3,
        subnet_id: sim::DEFAULT_SUBNET_ID.into(),
        security_group_id: sim::DEFAULT_SECURITY_GROUP_ID.into(),
        vpc_id: sim::DEFAULT_VPC_ID.into(),
        availability_zone: None,
        port: Some(8000),
        user_name: "dbadmin".into(),
        user_pwd: Secret::new("Cluster-Passw0rd!"),
        public_ip: None,
        number_of_cn: None,
        tags: None,
        enterprise_project_id: None,
    }
}

#[tokio::test]
async fn observing_a_thousand_clusters_and_ten_thousand_snapshots_takes_two_list_calls() {
    let (_sim, base) = start().await;
    hook(
        &base,
        "/_sim/seed",
        json!({"clusters": 1000, "snapshots": 10_000}),
    )
    .await;
    reset_counters(&base).await;
    // 10,000 snapshots take a while to list on a loaded 2-core machine: no timeout retry here.
    let mut config = fast(sim_client_config(&base, 1.0));
    config.request_timeout = Duration::from_secs(120);
    let client = Client::new(config).expect("client");
    let live = client.observe().await.expect("observe");
    assert_eq!((live.clusters.len(), live.snapshots.len()), (1000, 10_000));
    let counts = counters(&base).await;
    let expected: BTreeMap<String, u64> =
        [(TOKEN_ROUTE, 1), (LIST_CLUSTERS, 1), (LIST_SNAPSHOTS, 1)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    assert_eq!(counts, expected);

    // With AK/SK signing there is no token call at all.
    reset_counters(&base).await;
    let mut config = ClientConfig::new(Credentials::AkSk {
        access_key: sim::DEFAULT_ACCESS_KEY.into(),
        secret_key: Secret::new(sim::DEFAULT_SECRET_KEY),
        project_id: sim::DEFAULT_PROJECT_ID.into(),
    });
    config.endpoint = Some(base.clone());
    config.request_timeout = Duration::from_secs(120);
    let live = Client::new(config)
        .expect("client")
        .observe()
        .await
        .expect("observe");
    assert_eq!(live.snapshots.len(), 10_000);
    let counts = counters(&base).await;
    assert_eq!(counts.values().sum::<u64>(), 2, "{counts:?}");
    assert_eq!(counts.get(LIST_CLUSTERS), Some(&1));
    assert_eq!(counts.get(LIST_SNAPSHOTS), Some(&1));
}

#[tokio::test]
async fn node_types_and_quotas_are_separate_calls_fetched_on_demand() {
    let (_sim, base) = start().await;
    let client = client(&base);
    client.observe().await.expect("observe");
    assert!(!counters(&base)
        .await
        .keys()
        .any(|k| k.contains("node_types") || k.contains("quotas")));
    assert!(!client.node_types().await.expect("node types").is_empty());
    assert!(!client.quotas().await.expect("quotas").is_empty());
}

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    global: GlobalArgs,
}

fn global(args: &[&str]) -> GlobalArgs {
    let mut argv = vec!["dwsctl"];
    argv.extend_from_slice(args);
    Args::try_parse_from(argv).expect("arguments").global
}

fn env_of(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

#[tokio::test]
async fn connect_reads_password_credentials_from_the_environment() {
    let (_sim, base) = start().await;
    let env = env_of(vec![
        ("OS_AUTH_URL", format!("{base}/v3")),
        ("OS_USERNAME", sim::DEFAULT_USER.into()),
        ("OS_PASSWORD", sim::DEFAULT_PASSWORD.into()),
        ("OS_USER_DOMAIN_NAME", sim::DEFAULT_DOMAIN.into()),
        ("OS_PROJECT_NAME", sim::DEFAULT_PROJECT_NAME.into()),
    ]);
    let connection = connect_with(&global(&["--endpoint", &base]), Access::ReadWrite, &env)
        .await
        .expect("connect");
    // A served simulator (not embedded) on loopback: its clock's scale is learnt.
    assert_eq!(connection.time_scale, 1000.0);
    assert!(connection.sim.is_none());
    connection.client.observe().await.expect("observe");
}

/// The `export` block that `dwsctl sim serve` prints is all a client needs, even in a shell
/// that still holds a token, AK/SK pair and project of a real cloud.
#[tokio::test]
async fn the_sim_serve_export_block_connects_and_learns_the_time_scale() {
    let (_sim, base) = start().await;
    let mut vars = dwsctl::cli::sim::client_env(&base);
    vars.extend([
        ("OS_AUTH_TOKEN", "left-over-token".to_owned()),
        ("OS_ACCESS_KEY", "AKLEFTOVER".to_owned()),
        ("OS_SECRET_KEY", "SKLEFTOVER".to_owned()),
    ]);
    let env = env_of(vars);
    let connection = connect_with(&global(&[]), Access::ReadOnly, &env)
        .await
        .expect("connect");
    assert_eq!(connection.time_scale, 1000.0);
    connection.client.observe().await.expect("observe");
}

#[tokio::test]
async fn connect_takes_the_dws_endpoint_from_the_token_catalog() {
    let (_sim, base) = start().await;
    let env = env_of(vec![
        ("OS_AUTH_URL", format!("{base}/v3")),
        ("OS_USERNAME", sim::DEFAULT_USER.into()),
        ("OS_PASSWORD", sim::DEFAULT_PASSWORD.into()),
        ("OS_USER_DOMAIN_NAME", sim::DEFAULT_DOMAIN.into()),
        ("OS_REGION_NAME", sim::DEFAULT_PROJECT_NAME.into()),
    ]);
    let connection = connect_with(&global(&[]), Access::ReadWrite, &env)
        .await
        .expect("connect");
    connection
        .client
        .observe()
        .await
        .expect("endpoint from the catalog");
}

#[tokio::test]
async fn connect_reads_aksk_from_the_environment_and_honours_read_only() {
    let (_sim, base) = start().await;
    let env = env_of(vec![
        ("OS_ACCESS_KEY", sim::DEFAULT_ACCESS_KEY.into()),
        ("OS_SECRET_KEY", sim::DEFAULT_SECRET_KEY.into()),
        ("OS_PROJECT_ID", sim::DEFAULT_PROJECT_ID.into()),
        ("DWS_ENDPOINT", base.clone()),
    ]);
    let connection = connect_with(&global(&["--endpoint", &base]), Access::ReadOnly, &env)
        .await
        .expect("connect");
    assert!(connection.client.is_read_only());
    connection.client.observe().await.expect("observe");
    let err = connection.client.restart("x").await.expect_err("read-only");
    assert!(matches!(err, ApiError::ReadOnly { .. }));
}

#[tokio::test]
async fn connect_with_sim_runs_an_embedded_simulator_and_keeps_its_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("nested").join("sim-state.json");
    let state_arg = format!("--sim={}", state.display());
    let args = global(&[&state_arg, "--sim-time-scale", "500"]);
    let no_env = |_: &str| None;
    let connection = connect_with(&args, Access::ReadWrite, &no_env)
        .await
        .expect("connect");
    assert_eq!(connection.time_scale, 500.0);
    assert!(connection.sim.is_some());
    connection
        .client
        .create_cluster(&create_body("dws-embedded"))
        .await
        .expect("create");
    drop(connection);
    let again = connect_with(&args, Access::ReadOnly, &no_env)
        .await
        .expect("reconnect");
    let live = again.client.observe().await.expect("observe");
    assert!(
        live.cluster("dws-embedded").is_some(),
        "state persisted in {}",
        state.display()
    );
    assert!(again.client.is_read_only());
}

#[tokio::test]
async fn connect_with_sim_defaults_to_the_embedded_time_scale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state_arg = format!("--sim={}", dir.path().join("s.json").display());
    let connection = connect_with(&global(&[&state_arg]), Access::ReadOnly, &|_: &str| None)
        .await
        .expect("connect");
    assert_eq!(connection.time_scale, sim::DEFAULT_EMBEDDED_TIME_SCALE);
}

#[tokio::test]
async fn connect_without_credentials_says_how_to_provide_them() {
    let err = connect_with(&global(&[]), Access::ReadOnly, &|_: &str| None)
        .await
        .expect_err("no credentials");
    let report = format!("{:?}", err.report);
    assert!(report.contains("no credentials found"), "{report}");
    assert!(report.contains("--sim"), "{report}");
}

#[test]
fn a_bare_sim_flag_does_not_swallow_the_command() {
    let cli = dwsctl::cli::Cli::try_parse_from(["dwsctl", "--sim", "apply", "-f", "x.yaml"])
        .expect("parses");
    assert_eq!(
        cli.global.sim.as_deref(),
        Some(std::path::Path::new(".dwsctl/sim-state.json"))
    );
    let cli =
        dwsctl::cli::Cli::try_parse_from(["dwsctl", "--sim=my.json", "apply"]).expect("parses");
    assert_eq!(
        cli.global.sim.as_deref(),
        Some(std::path::Path::new("my.json"))
    );
}

#[tokio::test]
async fn a_token_for_another_project_is_refused_with_advice_about_the_project() {
    let (_sim, base) = start().await;
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new(issue_token(&base).await),
        project_id: "0123456789abcdef0123456789abcdef".into(),
    });
    config.endpoint = Some(base.clone());
    let err = Client::new(fast(config))
        .expect("client")
        .list_clusters()
        .await
        .expect_err("wrong project");
    assert_eq!(err.status(), Some(403), "{err}");
    let help = miette::Diagnostic::help(&err)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(help.contains("OS_PROJECT_ID"), "{err}: {help}");
}
