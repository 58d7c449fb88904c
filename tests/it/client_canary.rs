//! Canary secrets: unique passwords, tokens, secret keys and admin passwords are planted in
//! the configuration, the environment, clouds.yaml and request bodies; every string the client
//! can produce about them (Display, Debug, miette reports, error chains), on success and on
//! every kind of failure, is searched for them. Including a server that echoes requests back.

use std::sync::Arc;

use axum::body::Bytes;
use dwsctl::api::clouds::parse_profile;
use dwsctl::api::config::{
    resolve_layers, ClientConfig, Credentials, Flags, NameOrId, PasswordAuth, Settings, UserRef,
};
use dwsctl::api::{ApiError, Client};
use dwsctl::cli::connect::{connect_with, sim_client_config, Access};
use dwsctl::secret::Secret;
use dwsctl::sim;
use serde_json::json;

use super::client_sim::{create_body, fast, hook, start_with};

const OS_PASSWORD: &str = "Canary-OsPassword-5f1e9!";
const WRONG_PASSWORD: &str = "Canary-WrongPw-77ab31!";
const TOKEN: &str = "canary-token-0c4d2e9a";
const SECRET_KEY: &str = "canarySecretKey8e2b41d7a0c9f36e5b1d2c3a4";
const WRONG_SECRET_KEY: &str = "canaryWrongSk3b7e1c9d0a2f4e6b8c1d3e5f7a";
const ADMIN_PASSWORD: &str = "Canary-AdminPw-9d3a7!";
const WEAK_PASSWORD: &str = "canaryweakpwzzq";
const CANARIES: &[&str] = &[
    WEAK_PASSWORD,
    OS_PASSWORD,
    WRONG_PASSWORD,
    TOKEN,
    SECRET_KEY,
    WRONG_SECRET_KEY,
    ADMIN_PASSWORD,
    "Canary-YamlPw-41c2",
];

/// Everything a user could see of an error.
fn renderings(err: &ApiError) -> Vec<String> {
    let mut out = vec![err.to_string(), format!("{err:?}")];
    if let Some(help) = miette::Diagnostic::help(err) {
        out.push(help.to_string());
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        out.push(cause.to_string());
        source = cause.source();
    }
    out
}

fn report(err: ApiError) -> String {
    format!("{:?}", miette::Report::new(err))
}

fn assert_clean(label: &str, texts: &[String]) {
    for text in texts {
        for canary in CANARIES {
            assert!(!text.contains(canary), "{label} leaks {canary}:\n{text}");
        }
    }
}

fn canary_sim_config() -> sim::Config {
    sim::Config {
        accounts: vec![sim::Account {
            password: Secret::new(OS_PASSWORD),
            ..sim::Account::default()
        }],
        key_pairs: vec![sim::KeyPair {
            secret_key: Secret::new(SECRET_KEY),
            ..sim::KeyPair::default()
        }],
        ..sim::Config::default()
    }
}

fn with_password(base: &str, password: &str) -> Client {
    let mut config = sim_client_config(base, 1.0);
    if let Credentials::Password(auth) = &mut config.credentials {
        auth.password = Secret::new(password);
    }
    Client::new(fast(config)).expect("client")
}

fn with_key(base: &str, secret_key: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::AkSk {
        access_key: sim::DEFAULT_ACCESS_KEY.into(),
        secret_key: Secret::new(secret_key),
        project_id: sim::DEFAULT_PROJECT_ID.into(),
    });
    config.endpoint = Some(base.to_owned());
    Client::new(fast(config)).expect("client")
}

fn with_token(base: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new(TOKEN),
        project_id: sim::DEFAULT_PROJECT_ID.into(),
    });
    config.endpoint = Some(base.to_owned());
    Client::new(fast(config)).expect("client")
}

#[tokio::test]
async fn no_secret_appears_in_any_output_of_the_client_against_the_simulator() {
    let (_sim, base) = start_with(canary_sim_config()).await;
    let mut seen = Vec::new();

    // Success paths, and the Debug of clients holding tokens.
    let good = with_password(&base, OS_PASSWORD);
    let mut body = create_body("dws-canary");
    body.user_pwd = Secret::new(ADMIN_PASSWORD);
    let id = good.create_cluster(&body).await.expect("create");
    good.observe().await.expect("observe");
    seen.push(format!("{good:?}"));
    seen.push(format!("{body:?}"));
    let signed = with_key(&base, SECRET_KEY);
    signed.observe().await.expect("signed observe");
    seen.push(format!("{signed:?}"));

    // Failures of every kind.
    let mut errors = vec![
        with_password(&base, WRONG_PASSWORD)
            .observe()
            .await
            .expect_err("wrong password"),
        with_key(&base, WRONG_SECRET_KEY)
            .observe()
            .await
            .expect_err("wrong key"),
        with_token(&base)
            .observe()
            .await
            .expect_err("unknown token"),
        good.create_cluster(&body).await.expect_err("name taken"),
        good.reset_password(&id, &Secret::new(ADMIN_PASSWORD))
            .await
            .expect_err("busy or reused"),
    ];
    let mut weak = create_body("dws-canary-weak");
    weak.user_pwd = Secret::new(WEAK_PASSWORD);
    errors.push(good.create_cluster(&weak).await.expect_err("weak password"));
    for fault in [
        json!({"kind": "status", "status": 500}),
        json!({"kind": "reset_after_commit"}),
        json!({"kind": "reset_before_commit"}),
    ] {
        hook(&base, "/_sim/faults", json!({"rules": [{"route": "POST /v1.0/{project_id}/clusters", "nth": [1], "fault": fault}]})).await;
        let mut next = create_body(&format!("dws-canary-{}", errors.len()));
        next.user_pwd = Secret::new(ADMIN_PASSWORD);
        errors.push(good.create_cluster(&next).await.expect_err("fault"));
        reqwest::Client::new()
            .delete(format!("{base}/_sim/faults"))
            .send()
            .await
            .expect("clear faults");
    }
    assert_eq!(errors.len(), 9);
    for err in errors {
        seen.extend(renderings(&err));
        seen.push(report(err));
    }
    assert_clean("client against the simulator", &seen);
}

/// A server that answers every request with the request body in its error message, then
/// (for `/clusters` lists) with the body as an undecodable list.
async fn echo_server() -> String {
    async fn echo(
        uri: axum::http::Uri,
        headers: axum::http::HeaderMap,
        body: Bytes,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let token = headers
            .get("x-auth-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let text = format!("{} {token}", String::from_utf8_lossy(&body));
        if uri.path().ends_with("/auth/tokens") {
            return (
                axum::http::StatusCode::CREATED,
                [("x-subject-token", "canary-token-0c4d2e9a")],
                r#"{"token": {"expires_at": "2099-01-01T00:00:00Z", "project": {"id": "p1", "name": "eu-de"}}}"#,
            )
                .into_response();
        }
        if uri.path().ends_with("/clusters") && body.is_empty() {
            let bad = json!({"clusters": [{"id": 1, "echo": text, "user_pwd": "x"}], "count": 1});
            return axum::Json(bad).into_response();
        }
        let error = json!({"error_code": "DWS.0001", "error_msg": text, "errCode": "DWS.0001", "externalMessage": text});
        (axum::http::StatusCode::BAD_REQUEST, axum::Json(error)).into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, axum::Router::new().fallback(echo)).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn secrets_echoed_by_a_server_are_scrubbed_from_errors() {
    let base = echo_server().await;
    let mut config = ClientConfig::new(Credentials::Password(PasswordAuth {
        auth_url: format!("{base}/v3"),
        user: UserRef::Name {
            name: "alice".into(),
            domain: NameOrId::Name("acme".into()),
        },
        password: Secret::new(OS_PASSWORD),
        project: NameOrId::Name("eu-de".into()),
    }));
    config.endpoint = Some(base.clone());
    let client = Arc::new(Client::new(fast(config)).expect("client"));
    let mut body = create_body("dws-echo");
    body.user_pwd = Secret::new(ADMIN_PASSWORD);
    let errors = vec![
        client.create_cluster(&body).await.expect_err("echoed 400"),
        client
            .reset_password("c1", &Secret::new(ADMIN_PASSWORD))
            .await
            .expect_err("echoed 400"),
        client.list_clusters().await.expect_err("undecodable echo"),
    ];
    let mut seen = vec![format!("{client:?}")];
    for err in errors {
        let texts = renderings(&err);
        assert!(
            texts.iter().any(|t| t.contains("(sensitive)")),
            "the echo was there and was scrubbed: {texts:?}"
        );
        seen.extend(texts);
        seen.push(report(err));
    }
    assert_clean("errors quoting an echoing server", &seen);
}

#[tokio::test]
async fn configuration_errors_and_debug_output_hold_no_secret() {
    let vars = [
        ("OS_PASSWORD", OS_PASSWORD),
        ("OS_AUTH_TOKEN", TOKEN),
        ("OS_SECRET_KEY", SECRET_KEY),
        ("OS_ACCESS_KEY", "AK"),
    ];
    let env = move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let settings = Settings::from_env(&env);
    let mut seen = vec![format!("{settings:?}")];
    // Token first: it lacks a project id.
    let err = resolve_layers(Settings::default(), settings.clone(), &Flags::default())
        .expect_err("incomplete");
    seen.push(err.to_string());
    seen.push(format!("{:?}", miette::Report::new(err)));
    let mut complete = settings;
    complete.project_id = Some("p1".into());
    complete.endpoint = Some("https://dws.eu-de.otc.t-systems.com".into());
    let config = resolve_layers(Settings::default(), complete, &Flags::default()).expect("valid");
    seen.push(format!("{config:?}"));
    seen.push(format!("{:?}", Client::new(config).expect("client")));

    let yaml = "clouds:\n  c:\n    auth:\n      password: Canary-YamlPw-41c2\n      token: [canary-token-0c4d2e9a\n";
    let err = parse_profile(yaml, "c", "clouds.yaml").expect_err("invalid YAML");
    seen.push(format!("{:?}", miette::Report::new(err)));
    let yaml = "clouds:\n  c:\n    auth:\n      password: Canary-YamlPw-41c2\n";
    let profile = parse_profile(yaml, "c", "clouds.yaml").expect("profile");
    seen.push(format!("{profile:?}"));
    let err = resolve_layers(profile, Settings::default(), &Flags::default()).expect_err("no user");
    seen.push(format!("{:?}", miette::Report::new(err)));

    // Through the CLI layer, with every variable set and nothing valid.
    let global = dwsctl::cli::GlobalArgs {
        sim: None,
        sim_time_scale: None,
        sim_profile: None,
        endpoint: Some("http://dws.example.com".into()),
        region: None,
        ca_file: None,
        os_cloud: None,
        poll_interval: None,
    };
    let err = connect_with(&global, Access::ReadOnly, &env)
        .await
        .expect_err("plain http");
    seen.push(format!("{:?}", err.report));
    assert_clean("configuration", &seen);
}
