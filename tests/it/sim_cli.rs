//! `dwsctl sim serve` as a user runs it: it prints its URL and the default credentials, serves
//! the getting-started token call, persists to `--state`, and stops cleanly on Ctrl-C.

use serde_json::json;

use crate::cli_support::dwsctl;
use crate::sim_support::auth_body;

#[tokio::test]
async fn sim_serve_prints_its_url_serves_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("served.json");
    let served = dwsctl(["--time-scale", "60", "--state"])
        .arg(&state)
        .serve();
    let banner = served.banner.join("\n");
    assert!(
        banner.contains(dwsctl::sim::DEFAULT_USER)
            && banner.contains(dwsctl::sim::DEFAULT_PROJECT_ID),
        "{banner}"
    );
    assert!(banner.contains("Ctrl-C"), "{banner}");

    let resp = reqwest::Client::new()
        .post(format!("{}/v3/auth/tokens", served.base))
        .json(&auth_body(
            dwsctl::sim::DEFAULT_PASSWORD,
            json!({"project": {"name": "eu-de"}}),
        ))
        .send()
        .await
        .expect("token call");
    assert_eq!(resp.status(), 201);
    assert!(state.exists(), "the state file is written at start");

    let stopped = tokio::task::spawn_blocking(move || served.stop())
        .await
        .expect("join");
    stopped.assert_exit(0);
    insta::assert_snapshot!(stopped.transcript());
}

/// A newcomer's recipe: start `sim serve`, paste its export block, run apply. The client
/// learns the server's time scale, so the create's reported duration is simulated time (a
/// create takes 10–15 simulated minutes), not the real seconds between 10-second polls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_against_sim_serve_with_its_export_block_reports_simulated_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dwsctl(["--time-scale", "300"]).serve();
    let vars = served.exports();
    let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
    for needed in ["OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "DWS_ENDPOINT"] {
        assert!(names.contains(&needed), "{needed} missing from {names:?}");
    }
    let spec = dir.path().join("one.yaml");
    std::fs::write(&spec, ONE_CLUSTER).expect("write spec");
    let out = dwsctl(["apply", "--yes", "-f"])
        .arg(&spec)
        .envs(vars)
        .env("DWS_ADMIN_PASSWORD", "Served-Sim-Pw#2026")
        .run()
        .await;
    drop(served);
    let stderr = out.stderr();
    out.assert_exit(0);
    let done = stderr
        .lines()
        .find(|l| l.contains("cluster.served-demo.create: done in"))
        .unwrap_or_else(|| panic!("no done line in:\n{stderr}"));
    let minutes: u64 = done
        .rsplit("done in ")
        .next()
        .and_then(|t| t.split('m').next())
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or_else(|| panic!("not a duration in minutes: {done}"));
    assert!((10..=16).contains(&minutes), "{done}");
}

const ONE_CLUSTER: &str = "version: 1
clusters:
  served-demo:
    node_type: dws.d1.xlarge
    number_of_node: 3
    vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11
    subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec
    security_group_id: 12e3c23a-8710-4b75-95e4-5c8d7f68ef3c
    user_name: dbadmin
    password: {from_env: DWS_ADMIN_PASSWORD}
";

#[tokio::test]
async fn sim_serve_profile_huawei_answers_as_huawei_and_an_unknown_profile_is_refused() {
    let refused = dwsctl([
        "sim",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--profile",
        "aws",
    ])
    .run()
    .await;
    assert!(!refused.status.success(), "{}", refused.text());
    let stderr = refused.stderr();
    assert!(
        stderr.contains("otc") && stderr.contains("huawei"),
        "{stderr}"
    );
    insta::assert_snapshot!("sim_serve_unknown_profile", refused.transcript());

    let served = dwsctl(["--profile", "huawei"]).serve();
    assert!(
        served.banner.iter().any(|l| l.contains("profile huawei,")),
        "the banner names the profile: {:?}",
        served.banner
    );
    let base = served.base.clone();
    let http = reqwest::Client::new();
    let token = crate::sim_support::token(&http, &base).await;
    let resp = http
        .get(format!(
            "{base}/v1.0/{}/clusters/0b4a3f8e-0000-4000-8000-000000000001",
            dwsctl::sim::DEFAULT_PROJECT_ID
        ))
        .header("X-Auth-Token", token)
        .send()
        .await
        .expect("detail call");
    assert_eq!(resp.status(), 403, "Huawei's answer for an unknown cluster");
    let stopped = tokio::task::spawn_blocking(move || served.stop())
        .await
        .expect("join");
    stopped.assert_exit(0);
}
