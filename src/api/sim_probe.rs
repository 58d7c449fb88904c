//! Learning the time scale of a `dwsctl sim serve` the client talks to, so that its waits,
//! poll ticks and reported durations are in the simulator's time (as with `--sim`).
//!
//! The simulator says its scale at `GET /_sim/clock` (`{"time_scale": X, …}`). The question is
//! asked only of a plain-`http` loopback endpoint (dwsctl refuses plain http elsewhere, so such
//! an endpoint is a simulator or a local test server), once, with a short timeout and a small
//! body cap; any other answer means "a real cloud": scale 1. A scale is trusted only within
//! [`MIN_SCALE`, `MAX_SCALE`]: below 1 it would stretch every wait beyond real time, and an
//! absurdly large one would turn polling into a busy loop.

use std::time::Duration;

/// The smallest scale honoured: a simulator never makes the client wait longer than a cloud.
pub const MIN_SCALE: f64 = 1.0;
/// The largest scale honoured (the tests run the simulator at up to a few thousand).
pub const MAX_SCALE: f64 = 10_000.0;
/// How long the probe may take in all.
const TIMEOUT: Duration = Duration::from_secs(2);
/// The clock answer is a few dozen bytes.
const MAX_BODY: usize = 4096;

/// The simulator's time scale when `endpoint` (a normalized DWS base URL) is a plain-http
/// loopback simulator that reports a sane one; `None` otherwise.
pub async fn time_scale(endpoint: &str) -> Option<f64> {
    let mut url = reqwest::Url::parse(endpoint).ok()?;
    if url.scheme() != "http" || !super::endpoints::is_loopback(&url) {
        return None;
    }
    url.set_path("/_sim/clock");
    url.set_query(None);
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .ok()?;
    let body = tokio::time::timeout(TIMEOUT, read_capped(&http, url))
        .await
        .ok()??;
    let value: serde_json::Value = serde_json::from_slice(&body).ok()?;
    sane(value.get("time_scale")?.as_f64()?)
}

async fn read_capped(http: &reqwest::Client, url: reqwest::Url) -> Option<Vec<u8>> {
    let mut response = http.get(url).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        if body.len() + chunk.len() > MAX_BODY {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body)
}

fn sane(scale: f64) -> Option<f64> {
    (scale.is_finite() && (MIN_SCALE..=MAX_SCALE).contains(&scale)).then_some(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scales_that_keep_waits_bounded_are_trusted() {
        assert_eq!(sane(150.0), Some(150.0));
        assert_eq!(sane(1.0), Some(1.0));
        assert_eq!(sane(0.5), None);
        assert_eq!(sane(0.0), None);
        assert_eq!(sane(1e9), None);
        assert_eq!(sane(f64::NAN), None);
        assert_eq!(sane(f64::INFINITY), None);
    }

    #[tokio::test]
    async fn https_and_remote_endpoints_are_never_asked() {
        // A connection to the unroutable TEST-NET address would hang for the whole timeout:
        // answering at once shows that no request was tried.
        for endpoint in ["http://192.0.2.1:9", "https://127.0.0.1:9", "not a url"] {
            let answer = tokio::time::timeout(Duration::from_millis(200), time_scale(endpoint));
            assert_eq!(answer.await, Ok(None), "{endpoint}");
        }
    }
}
