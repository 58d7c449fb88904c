//! Request counters per method and route template (`GET /v1.0/{project_id}/clusters`): how
//! tests and benchmarks count the calls a command makes (`GET /_sim/requests`).

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts since the last reset, sorted by route for stable output.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Counters {
    pub requests: BTreeMap<String, u64>,
    pub total: u64,
}

impl Counters {
    pub fn record(&mut self, route: &str) {
        *self.requests.entry(route.to_owned()).or_default() += 1;
        self.total += 1;
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// The key a request is counted under: `METHOD template`, or `METHOD (unmatched)` for a path
/// that matches no route.
pub fn route_key(method: &str, template: Option<&str>) -> String {
    format!("{method} {}", template.unwrap_or("(unmatched)"))
}
