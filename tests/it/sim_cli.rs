//! `dwsctl sim serve` as a user runs it: it prints its URL and the default credentials, serves
//! the getting-started token call, persists to `--state`, and stops cleanly on Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::json;

use crate::sim_support::auth_body;

#[tokio::test]
async fn sim_serve_prints_its_url_serves_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("served.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dwsctl"))
        .args([
            "sim",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--time-scale",
            "60",
            "--state",
        ])
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dwsctl");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let base = first
        .rsplit(' ')
        .next()
        .filter(|url| url.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_owned();
    let banner: Vec<String> = lines.by_ref().take(6).map(|l| l.expect("utf-8")).collect();
    let banner = banner.join("\n");
    assert!(
        banner.contains(dwsctl::sim::DEFAULT_USER)
            && banner.contains(dwsctl::sim::DEFAULT_PROJECT_ID),
        "{banner}"
    );
    assert!(banner.contains("Ctrl-C"), "{banner}");

    let resp = reqwest::Client::new()
        .post(format!("{base}/v3/auth/tokens"))
        .json(&auth_body(
            dwsctl::sim::DEFAULT_PASSWORD,
            json!({"project": {"name": "eu-de"}}),
        ))
        .send()
        .await
        .expect("token call");
    assert_eq!(resp.status(), 201);
    assert!(state.exists(), "the state file is written at start");

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let status = child.wait().expect("exit");
    assert_eq!(status.code(), Some(0));
}
