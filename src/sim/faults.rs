//! The seeded fault schedule (`POST /_sim/faults`): rules that match a route template and fire
//! on chosen call numbers or with a probability, injecting throttling, server errors, latency,
//! dropped connections before or after the change is committed, list lag, asynchronous
//! create failures and failing tasks. The JSON format is documented in the README
//! ("Fault schedule").

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What a firing rule does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Answer with this status without running the handler. 429 carries `Retry-After` and the
    /// gateway's APIG.0308 body; 5xx a DWS.0005 body.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Delay the answer by this many real milliseconds (the handler runs after the delay).
    Latency { ms: u64 },
    /// Drop the connection without running the handler: nothing changes.
    ResetBeforeCommit,
    /// Run the handler (the change is committed), then drop the connection unanswered.
    ResetAfterCommit,
    /// Run the handler (the change is committed), then hold the answer for this many real
    /// milliseconds, so that a client with a shorter timeout gives up not knowing the outcome.
    HangAfterCommit { ms: u64 },
    /// Objects created by the matched call appear in list answers only after this many
    /// simulated seconds (their detail GET works at once).
    ListLag { seconds: f64 },
    /// The matched create or restore is accepted (200) but ends in `CREATION FAILED`.
    CreateFails,
    /// The matched call that starts an asynchronous operation ([`ASYNC_ROUTES`]) is accepted
    /// and the operation ends, at its normal duration, in its documented failure state.
    TaskFails,
    /// A token bucket in real time, like the gateway's throttling: `per_second` sustained,
    /// `burst` at once (default: `per_second`, at least 1). Calls over the limit get 429 with
    /// `Retry-After` and the APIG.0308 body. `nth` and `probability` do not apply.
    RateLimit {
        per_second: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        burst: Option<f64>,
    },
}

/// The routes whose calls start an asynchronous operation: where `task_fails` applies.
pub const ASYNC_ROUTES: &[&str] = &[
    "POST /v1.0/{project_id}/clusters",
    "DELETE /v1.0/{project_id}/clusters/{cluster_id}",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/resize",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/cluster-shrink",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/restart",
    "POST /v1.0/{project_id}/snapshots",
    "POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions",
    "POST /v1/{project_id}/clusters/{cluster_id}/start",
    "POST /v1/{project_id}/clusters/{cluster_id}/stop",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-create",
    "POST /v1.0/{project_id}/clusters/{cluster_id}/cns/batch-delete",
];

/// One rule of the schedule, as posted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// `METHOD template`, e.g. `POST /v1.0/{project_id}/clusters`; absent or `*` = any route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// 1-based numbers of the matching calls (counted from when the rule was added) to fire on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nth: Vec<u64>,
    /// Fire with this probability on each matching call (seeded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Fire at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    pub fault: Fault,
}

/// `POST /_sim/faults` body.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsRequest {
    /// Re-seeds the probability draws; the simulator's seed when absent.
    #[serde(default)]
    pub seed: Option<u64>,
    pub rules: Vec<RuleSpec>,
}

/// A rule with its counters, as `GET /_sim/faults` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub id: u64,
    #[serde(flatten)]
    pub spec: RuleSpec,
    /// Matching calls seen so far.
    pub seen: u64,
    /// Times the rule fired.
    pub fired: u64,
    /// A rate limit's bucket: tokens left and when it was last refilled.
    #[serde(skip)]
    bucket: Option<(f64, Instant)>,
}

/// What to do with one request, gathered from every firing rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Actions {
    pub status: Option<(u16, Option<u64>)>,
    pub latency_ms: u64,
    pub reset_before: bool,
    pub reset_after: bool,
    pub hang_after_ms: u64,
    pub list_lag: Option<f64>,
    pub create_fails: bool,
    pub task_fails: bool,
}

impl Actions {
    /// Whether a create or restore started by this call must fail.
    pub fn creation_fails(&self) -> bool {
        self.create_fails || self.task_fails
    }
}

/// The schedule.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<Rule>,
    next_id: u64,
    rng: ChaCha8Rng,
}

impl Faults {
    pub fn new(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            next_id: 1,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Checks a posted schedule; the message says what is wrong.
    pub fn check(request: &FaultsRequest) -> Result<(), String> {
        for (i, rule) in request.rules.iter().enumerate() {
            if let Some(p) = rule.probability {
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!("rules[{i}].probability must be within 0..=1"));
                }
            }
            if rule.nth.contains(&0) {
                return Err(format!("rules[{i}].nth counts from 1"));
            }
            match &rule.fault {
                Fault::Status { status, .. } if !(400..=599).contains(status) => {
                    return Err(format!("rules[{i}].fault.status must be a 4xx or 5xx"));
                }
                Fault::ListLag { seconds } if !seconds.is_finite() || *seconds < 0.0 => {
                    return Err(format!("rules[{i}].fault.seconds must be >= 0"));
                }
                Fault::RateLimit { per_second, burst }
                    if !(per_second.is_finite() && *per_second > 0.0)
                        || burst.is_some_and(|b| !(b.is_finite() && b >= 1.0)) =>
                {
                    return Err(format!(
                        "rules[{i}].fault.per_second must be > 0 and burst >= 1"
                    ));
                }
                Fault::Latency { ms } | Fault::HangAfterCommit { ms } if *ms > 600_000 => {
                    return Err(format!("rules[{i}].fault.ms must be at most 600000"));
                }
                _ => {}
            }
            if let (Fault::TaskFails, Some(route)) = (&rule.fault, &rule.route) {
                if route != "*" && !ASYNC_ROUTES.contains(&route.as_str()) {
                    return Err(format!(
                        "rules[{i}]: task_fails applies to the calls that start an asynchronous operation: {}",
                        ASYNC_ROUTES.join(", ")
                    ));
                }
            }
            if let Some(route) = &rule.route {
                if route != "*" && route.split_once(' ').is_none() {
                    return Err(format!(
                        "rules[{i}].route must look like \"POST /v1.0/{{project_id}}/clusters\""
                    ));
                }
            }
        }
        Ok(())
    }

    /// Adds rules (after [`Faults::check`]).
    pub fn add(&mut self, request: FaultsRequest) {
        if let Some(seed) = request.seed {
            self.rng = ChaCha8Rng::seed_from_u64(seed);
        }
        for spec in request.rules {
            self.rules.push(Rule {
                id: self.next_id,
                spec,
                seen: 0,
                fired: 0,
                bucket: None,
            });
            self.next_id += 1;
        }
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Counts a call of `route` against every matching rule and returns what to inject.
    pub fn on_request(&mut self, route: &str) -> Actions {
        let mut actions = Actions::default();
        for rule in &mut self.rules {
            let matches = match rule.spec.route.as_deref() {
                None | Some("*") => true,
                Some(r) => r == route,
            };
            if !matches {
                continue;
            }
            rule.seen += 1;
            if let Fault::RateLimit { per_second, burst } = rule.spec.fault {
                if let Some(retry_after) = take_token(&mut rule.bucket, per_second, burst) {
                    rule.fired += 1;
                    actions.status.get_or_insert((429, Some(retry_after)));
                }
                continue;
            }
            if rule.spec.times.is_some_and(|max| rule.fired >= max) {
                continue;
            }
            let by_nth = rule.spec.nth.is_empty() || rule.spec.nth.contains(&rule.seen);
            let by_chance = match rule.spec.probability {
                Some(p) => self.rng.gen_bool(p),
                None => true,
            };
            if !(by_nth && by_chance) {
                continue;
            }
            rule.fired += 1;
            match &rule.spec.fault {
                Fault::Status {
                    status,
                    retry_after,
                } => {
                    actions.status.get_or_insert((*status, *retry_after));
                }
                Fault::Latency { ms } => actions.latency_ms += ms,
                Fault::ResetBeforeCommit => actions.reset_before = true,
                Fault::ResetAfterCommit => actions.reset_after = true,
                Fault::HangAfterCommit { ms } => actions.hang_after_ms += ms,
                Fault::ListLag { seconds } => {
                    actions.list_lag = Some(actions.list_lag.unwrap_or(0.0).max(*seconds));
                }
                Fault::CreateFails => actions.create_fails = true,
                Fault::TaskFails => actions.task_fails = true,
                Fault::RateLimit { .. } => {}
            }
        }
        actions
    }
}

/// Takes a token from the bucket; `Some(retry_after_secs)` when there is none.
fn take_token(bucket: &mut Option<(f64, Instant)>, rate: f64, burst: Option<f64>) -> Option<u64> {
    let capacity = burst.unwrap_or(rate).max(1.0);
    let now = Instant::now();
    let (tokens, last) = bucket.get_or_insert((capacity, now));
    *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(capacity);
    *last = now;
    if *tokens >= 1.0 {
        *tokens -= 1.0;
        None
    } else {
        Some(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> FaultsRequest {
        serde_json::from_str(json).expect("faults request")
    }

    #[test]
    fn nth_rule_fires_only_on_the_chosen_calls() {
        let mut faults = Faults::new(0);
        faults.add(request(
            r#"{"rules":[{"route":"GET /a","nth":[2],"fault":{"kind":"status","status":503}}]}"#,
        ));
        assert_eq!(faults.on_request("GET /a").status, None);
        assert_eq!(faults.on_request("GET /b").status, None);
        assert_eq!(faults.on_request("GET /a").status, Some((503, None)));
        assert_eq!(faults.on_request("GET /a").status, None);
    }

    #[test]
    fn probability_draws_are_seeded() {
        let run = || {
            let mut faults = Faults::new(7);
            faults.add(request(
                r#"{"rules":[{"probability":0.5,"fault":{"kind":"reset_before_commit"}}]}"#,
            ));
            (0..64)
                .map(|_| faults.on_request("GET /x").reset_before)
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        assert!(first.iter().any(|&b| b) && first.iter().any(|&b| !b));
    }

    #[test]
    fn times_caps_the_firings() {
        let mut faults = Faults::new(0);
        faults.add(request(
            r#"{"rules":[{"times":1,"fault":{"kind":"create_fails"}}]}"#,
        ));
        assert!(faults.on_request("POST /c").create_fails);
        assert!(!faults.on_request("POST /c").create_fails);
    }

    #[test]
    fn rate_limit_throttles_calls_beyond_the_burst() {
        let mut faults = Faults::new(0);
        faults.add(request(
            r#"{"rules":[{"fault":{"kind":"rate_limit","per_second":0.5,"burst":2}}]}"#,
        ));
        assert_eq!(faults.on_request("GET /x").status, None);
        assert_eq!(faults.on_request("GET /x").status, None);
        assert_eq!(faults.on_request("GET /x").status, Some((429, Some(2))));
    }

    #[test]
    fn malformed_schedules_are_refused() {
        let bad = request(r#"{"rules":[{"probability":2,"fault":{"kind":"reset_after_commit"}}]}"#);
        assert!(Faults::check(&bad).is_err());
        let bad = request(r#"{"rules":[{"fault":{"kind":"status","status":200}}]}"#);
        assert!(Faults::check(&bad).is_err());
        let bad = request(
            r#"{"rules":[{"route":"POST /v1.0/{project_id}/clusters/{cluster_id}/reset-password","fault":{"kind":"task_fails"}}]}"#,
        );
        assert!(Faults::check(&bad).is_err());
        let good = request(
            r#"{"rules":[{"route":"POST /v1.0/{project_id}/clusters/{cluster_id}/resize","fault":{"kind":"task_fails"}}]}"#,
        );
        assert!(Faults::check(&good).is_ok());
    }
}
