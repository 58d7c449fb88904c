//! When an operation in flight wants the next listing: spaced by its expected remaining time,
//! sparse early, dense near its expected end, never starved after it.
//!
//! Each wait keeps a [`Forecast`] of when its operation ends, in seconds since its call was
//! sent: first the expected span of its kind and size ([`super::expect`]), then, once a
//! listing shows the operation's progress (`action_progress`, an integer percent), the
//! window that percent allows: at a fraction `f` of the way, an operation that started `t`
//! seconds before ends `t / f` seconds after its start. Windows from successive listings
//! are intersected; if they contradict each other the progress is not linear in time and
//! the forecast falls back to the expected span for good.
//!
//! [`delay`] turns a forecast into the time until the next listing:
//!
//! * the first listing comes after the dense interval (it confirms that the operation is
//!   listed and reads its progress);
//! * while the earliest expected end is far, each listing goes [`APPROACH`] of the way to it:
//!   a geometric approach, O(log D) listings for an operation of duration D;
//! * once the window is no wider than the dense interval, one listing just after its latest
//!   end;
//! * inside a wider window, one listing every dense interval;
//! * past the latest expected end, the gap grows from the shortest one and doubles up to the
//!   dense interval: an operation late beyond expectation is listed at least every dense
//!   interval, never starved.
//!
//! Every gap stays within [`Cadence::shortest`] and [`Cadence::longest`]. The poller serves
//! all waits with one list per tick, at the earliest time any of them wants.

use std::time::Duration;

use tokio::time::Instant;

use super::expect::Span;

/// The share of the way to the earliest expected end that a listing goes while that end is
/// far: 4/5, so the distance left shrinks fivefold per listing.
pub const APPROACH: f64 = 0.8;

/// The longest gap between two listings of an operation in flight, in cloud time: the
/// operation's failure or progress shows at most this late.
pub const LONGEST: Duration = Duration::from_secs(300);

/// The bounds of the schedule, in seconds of real time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cadence {
    /// The gap inside an uncertain window, after the expected end, and for waits that expect
    /// nothing (a busy cluster, an object whose create had an unknown outcome).
    pub dense: f64,
    /// The shortest gap between two listings, and the margin after a forecast end.
    pub shortest: f64,
    /// The longest gap while an operation is in flight.
    pub longest: f64,
}

impl Cadence {
    /// The cadence for a dense interval and a longest gap, both in real time.
    pub fn new(dense: Duration, longest: Duration) -> Self {
        let dense = dense.as_secs_f64().max(1e-3);
        Self {
            dense,
            shortest: dense / 10.0,
            longest: longest.as_secs_f64().max(dense),
        }
    }

    pub fn dense(&self) -> Duration {
        secs(self.dense)
    }

    pub fn shortest(&self) -> Duration {
        secs(self.shortest)
    }
}

/// The seconds from now until the next listing, for an operation `elapsed` seconds after its
/// call was sent that is expected to end between `earliest` and `latest` seconds after it.
/// `informed`: a listing made since the call has been seen.
pub fn delay(elapsed: f64, earliest: f64, latest: f64, informed: bool, cadence: &Cadence) -> f64 {
    let to_earliest = earliest - elapsed;
    let to_latest = latest - elapsed;
    let wanted = if !to_latest.is_finite() || !to_earliest.is_finite() {
        cadence.dense
    } else if to_latest <= 0.0 {
        // Late: the gap grows with the lateness, doubling up to the dense interval.
        (-to_latest).min(cadence.dense)
    } else if !informed {
        cadence.dense
    } else if to_latest - to_earliest.max(0.0) <= cadence.dense {
        to_latest + cadence.shortest
    } else if to_earliest > cadence.dense {
        to_earliest * APPROACH
    } else {
        (to_earliest.max(0.0) + cadence.dense).min(to_latest + cadence.shortest)
    };
    wanted.clamp(cadence.shortest, cadence.longest)
}

/// The window a progress reading allows for the end, in seconds since the call was sent:
/// the call returned at `returned` (the operation started in between), the listing was made
/// between `listed_from` and `listed_to`, and showed `percent` (floored, so the true share is
/// in `[percent, percent + 1)`). `None` for a reading that tells nothing (0% or over 99%).
pub fn progress_window(
    returned: f64,
    listed_from: f64,
    listed_to: f64,
    percent: u8,
) -> Option<(f64, f64)> {
    if !(1..=99).contains(&percent) {
        return None;
    }
    let least = f64::from(percent) / 100.0;
    let most = (f64::from(percent) + 1.0) / 100.0;
    // Earliest: started as late and listed as early as possible, at the larger share.
    let earliest = returned + (listed_from - returned).max(0.0) / most;
    // Latest: started at once and listed as late as possible, at the smaller share.
    let latest = listed_to.max(0.0) / least;
    (earliest.is_finite() && latest.is_finite() && earliest <= latest).then_some((earliest, latest))
}

/// What a wait knows of when its operation ends.
#[derive(Clone, Debug)]
pub struct Forecast {
    sent: Instant,
    /// Seconds from `sent` to the call's answer.
    returned: f64,
    /// The expected span, in real seconds since `sent`.
    expected: (f64, f64),
    progress: Progress,
    informed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Progress {
    Unknown,
    Window(f64, f64),
    /// Readings contradicted each other: not linear in time, not used again.
    Unreliable,
}

impl Forecast {
    /// For an operation whose call was sent at `sent` and answered at `returned`, expected
    /// to take `span` (already in real time).
    pub fn new(sent: Instant, returned: Instant, span: Span) -> Self {
        Self {
            sent,
            returned: returned.saturating_duration_since(sent).as_secs_f64(),
            expected: (span.shortest.as_secs_f64(), span.longest.as_secs_f64()),
            progress: Progress::Unknown,
            informed: false,
        }
    }

    fn since_sent(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.sent).as_secs_f64()
    }

    /// Whether a listing that began at `listed_from` was made after the call was answered
    /// (so the operation it shows is this one).
    pub fn follows_call(&self, listed_from: Instant) -> bool {
        self.since_sent(listed_from) >= self.returned
    }

    /// Takes in a listing made between `from` and `to` that showed the operation pending
    /// at `percent`, if the API said.
    pub fn observe(&mut self, from: Instant, to: Instant, percent: Option<u8>) {
        self.informed = true;
        let reading = percent.and_then(|p| {
            progress_window(self.returned, self.since_sent(from), self.since_sent(to), p)
        });
        let Some((earliest, latest)) = reading else {
            return;
        };
        self.progress = match self.progress {
            Progress::Unknown => Progress::Window(earliest, latest),
            Progress::Window(a, b) if earliest.max(a) <= latest.min(b) => {
                Progress::Window(earliest.max(a), latest.min(b))
            }
            Progress::Window(..) | Progress::Unreliable => Progress::Unreliable,
        };
    }

    /// When the operation should end, in seconds since its call was sent.
    pub fn window(&self) -> (f64, f64) {
        match self.progress {
            Progress::Window(earliest, latest) => (earliest, latest),
            Progress::Unknown | Progress::Unreliable => self.expected,
        }
    }

    /// When the next listing should be made, seen from `now`.
    pub fn next_poll(&self, now: Instant, cadence: &Cadence) -> Instant {
        let (earliest, latest) = self.window();
        let wait = delay(
            self.since_sent(now),
            earliest,
            latest,
            self.informed,
            cadence,
        );
        later(now, secs(wait))
    }
}

/// `now + wait`, or a year from now for a wait too long to add (never reached in practice:
/// gaps are bounded by [`Cadence::longest`]).
pub fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 86_400)))
        .unwrap_or(now)
}

fn secs(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
