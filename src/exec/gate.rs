//! The time checks just before a step starts: `--deadline` and maintenance windows.
//!
//! A step that fails one is deferred, not failed: nothing is sent for it, its dependents are
//! deferred with it, and the next run takes it (the plan still shows it). The checks run
//! under the step's cluster lock and before its lease, so a deferred step sends nothing at
//! all.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use super::ctx::humanize;
use super::expect::{operation, span};
use super::options::Options;
use crate::api::Live;
use crate::plan::window::Verdict;
use crate::plan::{Impact, Step};

/// The calendar a run reads maintenance windows against: the cloud's time when the run
/// started (`Options::calendar`), advanced by the run's own clock (tokio's, so that
/// paused-clock tests control it).
#[derive(Clone, Copy, Debug)]
pub struct Calendar {
    started: Instant,
    at_start: OffsetDateTime,
}

impl Calendar {
    pub fn new(at_start: Option<OffsetDateTime>) -> Self {
        Self {
            started: Instant::now(),
            at_start: at_start.unwrap_or_else(OffsetDateTime::now_utc),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        let elapsed = self.started.elapsed();
        let elapsed = time::Duration::try_from(elapsed).unwrap_or(time::Duration::MAX);
        self.at_start.checked_add(elapsed).unwrap_or(self.at_start)
    }
}

/// Why `step` must not start now, if it must not.
pub fn deferral(
    step: &Step,
    live: &Live,
    options: &Options,
    calendar: &Calendar,
) -> Option<String> {
    window_closed(step, options, calendar).or_else(|| past_deadline(step, live, options))
}

/// A disruptive step whose plan recorded its cluster's maintenance window starts only while
/// that window is open, unless `--ignore-maintenance-window`.
fn window_closed(step: &Step, options: &Options, calendar: &Calendar) -> Option<String> {
    if options.ignore_maintenance_window || step.action.impact() != Impact::Disruptive {
        return None;
    }
    match step.maintenance.as_ref()?.check(calendar.now()) {
        Verdict::Open => None,
        Verdict::Closed(why) => Some(format!(
            "{why} (--ignore-maintenance-window starts it anyway)"
        )),
    }
}

/// A step starts only if its operation is expected to end before the deadline: by the long
/// side of its expected span (`exec::expect`), the end a run should plan for. A step that
/// starts no operation (tags, a synchronous password reset) only needs the deadline not to
/// have passed.
fn past_deadline(step: &Step, live: &Live, options: &Options) -> Option<String> {
    let deadline = options.deadline?;
    let left = deadline.saturating_duration_since(Instant::now());
    let Some(operation) = operation(step, live) else {
        return left
            .is_zero()
            .then(|| "the --deadline has passed; the next run starts it".to_owned());
    };
    let expected = span(operation).longest;
    if options.real(expected) <= left {
        return None;
    }
    Some(format!(
        "expected to take up to {}, and {} is left before the --deadline; the next run starts it",
        humanize(expected),
        humanize(round_down(options.cloud(left)))
    ))
}

fn round_down(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}
