//! Throttle adaptation (README, "Retries, throttling and errors"): a gateway with a token bucket
//! of R requests per second answers 429 + `Retry-After: 1` once the bucket is empty; four
//! workers list clusters as fast as the client lets them for a while. Prints, per R, the
//! share of requests answered 429 after the first 30 s (target ≤ 5 %) and the successful
//! throughput after the first 30 s as a fraction of R (target ≥ 0.8).
//!
//! `cargo bench --bench client_throttle` (add `--profile dev` for a quick run).

// A benchmark prints its figures.
#![allow(clippy::print_stdout)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use dwsctl::api::config::{ClientConfig, Credentials};
use dwsctl::api::Client;
use dwsctl::secret::Secret;

struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
    /// (time since start, throttled) per request.
    log: Vec<(Duration, bool)>,
    start: Instant,
}

async fn gateway(rate: f64) -> (String, Arc<Mutex<Bucket>>) {
    let bucket = Arc::new(Mutex::new(Bucket {
        rate,
        tokens: rate,
        last: Instant::now(),
        log: Vec::new(),
        start: Instant::now(),
    }));
    let shared = bucket.clone();
    let handler = move || {
        let shared = shared.clone();
        async move {
            let allowed = match shared.lock() {
                Ok(mut b) => {
                    let now = Instant::now();
                    let refill = (now - b.last).as_secs_f64() * b.rate;
                    b.tokens = (b.tokens + refill).min(b.rate);
                    b.last = now;
                    let allowed = b.tokens >= 1.0;
                    if allowed {
                        b.tokens -= 1.0;
                    }
                    let at = now - b.start;
                    b.log.push((at, !allowed));
                    allowed
                }
                Err(_) => true,
            };
            if allowed {
                (
                    StatusCode::OK,
                    [("retry-after", "0")],
                    r#"{"clusters": [], "count": 0}"#,
                )
                    .into_response()
            } else {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "1")],
                    r#"{"error_code": "APIG.0308", "error_msg": "The throttling threshold has been reached"}"#,
                )
                    .into_response()
            }
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
    (format!("http://{addr}"), bucket)
}

/// R4 measures after the first 30 s.
const WARM_UP_SECS: u64 = 30;

async fn run(rate: f64, seconds: u64) {
    let (base, bucket) = gateway(rate).await;
    let mut config = ClientConfig::new(Credentials::AkSk {
        access_key: "AKBENCH".into(),
        secret_key: Secret::new("bench-secret-key"),
        project_id: "p1".into(),
    });
    config.endpoint = Some(base);
    // A budget that does not run dry during the run: the limiter, not the budget, is measured.
    config.retry.quota = 1_000_000;
    let client = Client::new(config).expect("client");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for _ in 0..4 {
        let client = client.clone();
        workers.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                // Failures (429 after the retries) are counted by the gateway.
                let _ = client.list_clusters().await;
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let log = bucket.lock().map(|b| b.log.clone()).unwrap_or_default();
    let warm = Duration::from_secs(WARM_UP_SECS);
    let late: Vec<_> = log.iter().filter(|(at, _)| *at >= warm).collect();
    let throttled = late.iter().filter(|(_, t)| *t).count();
    let share = throttled as f64 / late.len().max(1) as f64;
    let late_ok = late.len() - throttled;
    let throughput = late_ok as f64 / (seconds - WARM_UP_SECS) as f64;
    println!(
        "R = {rate:>5.1}/s: {} requests, {} answered 429; after warm-up {:.1} % throttled (target <= 5 %), \
         throughput {:.2}/s = {:.2} R (target >= 0.8)",
        log.len(),
        log.iter().filter(|(_, t)| *t).count(),
        share * 100.0,
        throughput,
        throughput / rate,
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        run(1.0, 90).await;
        run(10.0, 60).await;
    });
}
