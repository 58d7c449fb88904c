//! When to send a request again and how long to wait first.
//!
//! The numbers follow the AWS SDK "standard" retry mode (README, "Retries, throttling and
//! errors"): at most 3 attempts per call, full-jitter exponential backoff capped at 20 s,
//! `Retry-After` honoured up to 60 s, and a retry quota shared by the whole process (500
//! tokens, a retry costs 5, a retry after a timeout 10, a first-try success refunds 1) so that
//! an outage fails fast instead of sleeping for half an hour. After the first 429 a client-side
//! rate limiter ([`Throttle`]) spaces requests out, shrinking the rate on each 429 and growing
//! it back on success (R4).
//!
//! All durations are *cloud time*; [`RetryPolicy::time_scale`] divides them into real time,
//! so tests and `--sim` with a fast simulator clock do not sleep for real.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

/// How many times to try, how long to wait, and how much retrying a process may do.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, the first one included.
    pub max_attempts: u32,
    /// The backoff before the first retry is drawn from `[0, base)`, then doubles.
    pub base: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest wait a `Retry-After` header can ask for.
    pub max_retry_after: Duration,
    /// Size of the process-wide retry quota, in tokens.
    pub quota: u32,
    /// Tokens a retry after an error status or refused connection costs.
    pub retry_cost: u32,
    /// Tokens a retry after a timeout or a dropped connection costs.
    pub timeout_cost: u32,
    /// Tokens a call that succeeds on its first attempt gives back.
    pub success_refund: u32,
    /// Simulated seconds per real second: every wait is divided by it.
    pub time_scale: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            quota: 500,
            retry_cost: 5,
            timeout_cost: 10,
            success_refund: 1,
            time_scale: 1.0,
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry number `retry` (0 for the first retry), given a uniform
    /// random `unit` in `[0, 1)`: full jitter over `min(max_backoff, base * 2^retry)`.
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.min(30)))
            .min(self.max_backoff);
        // NaN clamps to NaN: treat it as 0 rather than let `mul_f64` panic.
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, 1.0)
        };
        ceiling.mul_f64(unit)
    }

    /// The wait before retry number `retry`: the server's `Retry-After` when it sent one
    /// (capped), the jittered backoff otherwise.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => self.backoff(retry, unit),
        }
    }

    /// A cloud-time duration in real time.
    pub fn real(&self, cloud: Duration) -> Duration {
        if self.time_scale.is_finite() && self.time_scale > 0.0 {
            // A tiny scale would overflow a Duration: wait "forever" rather than panic.
            Duration::try_from_secs_f64(cloud.as_secs_f64() / self.time_scale)
                .unwrap_or(Duration::MAX)
        } else {
            cloud
        }
    }
}

/// The process-wide retry quota: retries draw tokens from it, first-try successes refill it.
/// When it is empty, failures are returned at once (a circuit breaker for outages).
#[derive(Debug)]
pub struct RetryBudget {
    tokens: Mutex<u32>,
    capacity: u32,
}

impl RetryBudget {
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: Mutex::new(capacity),
            capacity,
        }
    }

    /// Takes `cost` tokens if there are that many; `false` means "do not retry".
    pub fn try_withdraw(&self, cost: u32) -> bool {
        match self.tokens.lock() {
            Ok(mut tokens) if *tokens >= cost => {
                *tokens -= cost;
                true
            }
            _ => false,
        }
    }

    /// Gives back `amount` tokens, up to the capacity.
    pub fn refund(&self, amount: u32) {
        if let Ok(mut tokens) = self.tokens.lock() {
            *tokens = (*tokens + amount).min(self.capacity);
        }
    }

    /// Tokens left.
    pub fn remaining(&self) -> u32 {
        self.tokens.lock().map(|t| *t).unwrap_or(0)
    }
}

/// Parses a `Retry-After` value: delta-seconds (`"3"`, tolerantly `"1.5"`) or an HTTP date
/// (`"Wed, 21 Oct 2026 07:28:00 GMT"`), relative to `now`. A date in the past means "now".
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        // `try_`: a remote value such as `1e300` must not panic.
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let wait = parse_http_date(value)? - now;
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// Parses an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`, RFC 9110's preferred form), as
/// `Retry-After` and `Date` carry it.
pub fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value.trim(), &format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// Rate limiter settings of [`Throttle`]; rates are requests per second of cloud time.
#[derive(Clone, Copy, Debug)]
struct ThrottleTuning {
    /// Multiplier applied to the rate on each 429.
    decrease: f64,
    /// Multiplier applied to the rate on each success while limiting.
    increase: f64,
    /// The slowest the limiter goes.
    floor: f64,
    /// Above this rate the limiter switches itself off again.
    ceiling: f64,
}

const TUNING: ThrottleTuning = ThrottleTuning {
    decrease: 0.7,
    increase: 1.01,
    floor: 0.5,
    ceiling: 200.0,
};

#[derive(Debug)]
struct ThrottleState {
    /// `None` until the first 429: no limiting before the API asks for it.
    rate: Option<f64>,
    next_slot: Instant,
    /// Send times of recent requests, to estimate the rate the API refused.
    recent: VecDeque<Instant>,
}

/// Adaptive client-side rate limiting: off until the API answers 429, then requests are
/// spaced at a rate that drops by 30 % on every 429 and grows by 1 % on every success (so
/// about one request in 36 probes the limit again).
#[derive(Debug)]
pub struct Throttle {
    state: Mutex<ThrottleState>,
    time_scale: f64,
}

impl Throttle {
    pub fn new(time_scale: f64) -> Self {
        let time_scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        Self {
            state: Mutex::new(ThrottleState {
                rate: None,
                next_slot: Instant::now(),
                recent: VecDeque::new(),
            }),
            time_scale,
        }
    }

    /// Waits for this request's turn (no wait unless limiting).
    pub async fn acquire(&self) {
        let wait = {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            let now = Instant::now();
            state.recent.push_back(now);
            if state.recent.len() > 32 {
                state.recent.pop_front();
            }
            match state.rate {
                None => Duration::ZERO,
                Some(rate) => {
                    let slot = state.next_slot.max(now);
                    let interval = Duration::try_from_secs_f64(1.0 / rate / self.time_scale)
                        .unwrap_or(Duration::from_secs(3600));
                    state.next_slot = slot.checked_add(interval).unwrap_or(slot);
                    slot - now
                }
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// The API answered 429: start limiting, or limit harder.
    pub fn on_throttle(&self) {
        if let Ok(mut state) = self.state.lock() {
            let current = state
                .rate
                .unwrap_or_else(|| self.observed_rate(&state.recent));
            state.rate = Some((current * TUNING.decrease).max(TUNING.floor));
        }
    }

    /// A request succeeded: let the rate grow back, and stop limiting once it is high.
    pub fn on_success(&self) {
        if let Ok(mut state) = self.state.lock() {
            if let Some(rate) = state.rate {
                let grown = rate * TUNING.increase;
                state.rate = (grown < TUNING.ceiling).then_some(grown);
            }
        }
    }

    /// The current limit in requests per cloud second, `None` when not limiting.
    pub fn rate(&self) -> Option<f64> {
        self.state.lock().ok().and_then(|s| s.rate)
    }

    /// The recent send rate in requests per cloud second (1/s when unknown).
    fn observed_rate(&self, recent: &VecDeque<Instant>) -> f64 {
        match (recent.front(), recent.back()) {
            (Some(first), Some(last)) if recent.len() >= 2 && last > first => {
                let span = (*last - *first).as_secs_f64() * self.time_scale;
                ((recent.len() - 1) as f64 / span).clamp(TUNING.floor, TUNING.ceiling)
            }
            _ => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn backoff_is_full_jitter_doubling_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(0, 0.0), Duration::ZERO);
        assert_eq!(policy.backoff(0, 0.5), Duration::from_millis(500));
        assert_eq!(policy.backoff(1, 0.5), Duration::from_secs(1));
        assert_eq!(policy.backoff(3, 0.5), Duration::from_secs(4));
        // 2^10 s is far above the cap: the ceiling is 20 s whatever the retry number.
        assert_eq!(
            policy.backoff(10, 0.999),
            Duration::from_secs(20).mul_f64(0.999)
        );
        assert_eq!(policy.backoff(u32::MAX, 1.0), Duration::from_secs(20));
        for retry in 0..40 {
            for unit in [0.0, 0.1, 0.7, 1.0] {
                assert!(policy.backoff(retry, unit) <= policy.max_backoff);
            }
        }
    }

    #[test]
    fn retry_after_wins_over_backoff_and_is_capped_at_a_minute() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(7)), 0.9),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3600)), 0.9),
            Duration::from_secs(60)
        );
        assert_eq!(policy.delay(1, None, 0.5), Duration::from_secs(1));
    }

    #[test]
    fn time_scale_shrinks_real_waits() {
        let policy = RetryPolicy {
            time_scale: 1000.0,
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.real(Duration::from_secs(20)),
            Duration::from_millis(20)
        );
        let broken = RetryPolicy {
            time_scale: 0.0,
            ..RetryPolicy::default()
        };
        assert_eq!(broken.real(Duration::from_secs(2)), Duration::from_secs(2));
        let tiny = RetryPolicy {
            time_scale: 1e-300,
            ..RetryPolicy::default()
        };
        assert_eq!(
            tiny.real(Duration::from_secs(2)),
            Duration::MAX,
            "no overflow panic"
        );
        assert_eq!(RetryPolicy::default().backoff(1, f64::NAN), Duration::ZERO);
    }

    #[test]
    fn retry_after_parses_seconds_fractions_and_http_dates() {
        let now = datetime!(2026-10-21 07:27:50 UTC);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1e300", now), None, "no overflow panic");
        assert_eq!(parse_retry_after("NaN", now), None);
        assert_eq!(parse_retry_after("inf", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn budget_stops_retries_when_spent_and_refills_on_success() {
        let budget = RetryBudget::new(12);
        assert!(budget.try_withdraw(5));
        assert!(budget.try_withdraw(5));
        assert!(!budget.try_withdraw(5), "only 2 tokens left");
        assert_eq!(budget.remaining(), 2);
        budget.refund(3);
        assert!(budget.try_withdraw(5));
        budget.refund(100);
        assert_eq!(budget.remaining(), 12, "refunds never exceed the capacity");
    }

    #[test]
    fn default_budget_allows_a_hundred_retries_then_fails_fast() {
        let policy = RetryPolicy::default();
        let budget = RetryBudget::new(policy.quota);
        let granted = (0..1000)
            .take_while(|_| budget.try_withdraw(policy.retry_cost))
            .count();
        assert_eq!(granted, 100);
    }

    #[tokio::test]
    async fn throttle_is_off_until_a_429_then_slows_and_recovers() {
        let throttle = Throttle::new(1.0);
        assert_eq!(throttle.rate(), None);
        throttle.on_success();
        assert_eq!(throttle.rate(), None, "success alone never starts limiting");
        throttle.on_throttle();
        let first = throttle.rate().expect("limiting after a 429");
        throttle.on_throttle();
        let second = throttle.rate().expect("still limiting");
        assert!(second < first);
        for _ in 0..5000 {
            throttle.on_throttle();
        }
        assert_eq!(throttle.rate(), Some(TUNING.floor));
        throttle.on_success();
        assert!(throttle.rate().expect("limiting") > TUNING.floor);
        for _ in 0..1000 {
            throttle.on_success();
        }
        assert_eq!(
            throttle.rate(),
            None,
            "limiting ends once the rate is high again"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_spaces_requests_at_its_rate() {
        let throttle = Throttle::new(1.0);
        throttle.on_throttle();
        throttle.on_throttle();
        let rate = throttle.rate().expect("limiting");
        let start = Instant::now();
        for _ in 0..4 {
            throttle.acquire().await;
        }
        let elapsed = start.elapsed().as_secs_f64();
        // Four requests at `rate` need three intervals between them.
        assert!(
            (elapsed - 3.0 / rate).abs() < 0.01,
            "{elapsed} vs {}",
            3.0 / rate
        );
    }
}
