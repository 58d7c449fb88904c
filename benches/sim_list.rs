//! Prints how many list-clusters requests per second the simulator answers with 1,000
//! clusters seeded (one client, sequential requests over one keep-alive connection; median of
//! several runs). A figure to watch, not a test: nothing here asserts a time.

#![allow(clippy::print_stdout)]

use std::time::Instant;

use dwsctl::sim::{self, Config};
use serde_json::json;

const CLUSTERS: u64 = 1_000;
const RUNS: usize = 7;
const REQUESTS_PER_RUN: usize = 100;

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            println!("sim_list: cannot start a runtime: {err}");
            return;
        }
    };
    match rt.block_on(run()) {
        Ok(()) => {}
        Err(err) => println!("sim_list: failed: {err}"),
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let handle = sim::spawn(Config::default()).await?;
    let base = handle.base_url();
    let http = reqwest::Client::new();
    let seeded = http
        .post(format!("{base}/_sim/seed"))
        .json(&json!({ "clusters": CLUSTERS }))
        .send()
        .await?;
    if !seeded.status().is_success() {
        return Err(format!("seed answered {}", seeded.status()).into());
    }
    let auth = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": sim::DEFAULT_USER, "domain": {"name": sim::DEFAULT_DOMAIN},
        "password": sim::DEFAULT_PASSWORD}}}, "scope": {"project": {"name": sim::DEFAULT_PROJECT_NAME}}}});
    let resp = http
        .post(format!("{base}/v3/auth/tokens"))
        .json(&auth)
        .send()
        .await?;
    let token = resp
        .headers()
        .get("x-subject-token")
        .ok_or("no token")?
        .to_str()?
        .to_owned();
    let url = format!("{base}/v1.0/{}/clusters", sim::DEFAULT_PROJECT_ID);
    let list = || async {
        let resp = http.get(&url).header("X-Auth-Token", &token).send().await?;
        let bytes = resp.bytes().await?;
        Ok::<usize, reqwest::Error>(bytes.len())
    };
    let body_len = list().await?;
    for _ in 0..10 {
        list().await?;
    }
    let mut rates = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        for _ in 0..REQUESTS_PER_RUN {
            list().await?;
        }
        rates.push(REQUESTS_PER_RUN as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    let median = rates.get(RUNS / 2).copied().unwrap_or(0.0);
    println!(
        "sim_list: {CLUSTERS} clusters, {body_len} bytes per answer: {median:.0} list requests/s (median of {RUNS} runs of {REQUESTS_PER_RUN}; min {:.0}, max {:.0})",
        rates.first().copied().unwrap_or(0.0),
        rates.last().copied().unwrap_or(0.0),
    );
    handle.shutdown().await;
    Ok(())
}
