//! How a run is configured: concurrency, poll interval, timeouts, and the clock conversion
//! from cloud time to real time.

use std::time::Duration;

use tokio::sync::watch;

use crate::api::Live;
use crate::plan::{Fingerprint, Target};

/// Computes a step target's live fingerprint (`plan::fingerprint`).
pub type FingerprintFn = fn(&Target, &Live) -> Fingerprint;

/// How long each kind of operation may take, in cloud time, before the step is reported as
/// still running and its dependents are skipped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timeouts {
    pub create: Duration,
    pub restore: Duration,
    pub snapshot: Duration,
    pub resize: Duration,
    pub delete_cluster: Duration,
    pub delete_snapshot: Duration,
    /// A `wait` step (an operation that an earlier run started).
    pub wait: Duration,
}

const MINUTE: u64 = 60;

impl Default for Timeouts {
    /// The Terraform providers' timeouts for DWS: 60 minutes for a cluster's create, update and
    /// delete (terraform-provider-opentelekomcloud and terraform-provider-huaweicloud), 30 for
    /// a snapshot (terraform-provider-huaweicloud).
    fn default() -> Self {
        Self {
            create: Duration::from_secs(60 * MINUTE),
            restore: Duration::from_secs(60 * MINUTE),
            snapshot: Duration::from_secs(30 * MINUTE),
            resize: Duration::from_secs(60 * MINUTE),
            delete_cluster: Duration::from_secs(60 * MINUTE),
            delete_snapshot: Duration::from_secs(30 * MINUTE),
            wait: Duration::from_secs(60 * MINUTE),
        }
    }
}

/// Everything `execute` needs besides the plan and the cloud.
#[derive(Clone, Debug)]
pub struct Options {
    /// The most mutating HTTP calls in flight at once (waiting takes no slot).
    pub parallelism: usize,
    /// After the first failure, start no new step.
    pub fail_fast: bool,
    /// Cloud seconds per real second (the simulator runs faster than a cloud).
    pub time_scale: f64,
    /// Interval between list ticks, in cloud time.
    pub poll_interval: Duration,
    pub timeouts: Timeouts,
    /// How long, in cloud time, to keep looking for an object whose create had an unknown
    /// outcome before concluding it did not happen (lists may lag behind writes).
    pub unknown_grace: Duration,
    /// After an interrupt, how long (real time) calls already sent may take to return before
    /// the run stops anyway.
    pub interrupt_grace: Duration,
    /// After an interrupt, how long (real time) a call of an ownership unit (a restore and
    /// the tag call that marks its cluster as ours) may take to return: longer than
    /// `interrupt_grace` because stopping it can leave a cluster without its ownership tag,
    /// and shorter than the 7.5 s a GitHub Actions cancel waits before its next signal.
    pub finish_grace: Duration,
    /// Set for a saved plan: each step's fingerprint is re-checked before it runs.
    pub fingerprint: Option<FingerprintFn>,
    /// The listing the plan was made from, if fresh; otherwise `execute` lists first.
    pub live: Option<Live>,
    /// Becomes true on the first interrupt: start nothing new, stop waiting, report.
    pub interrupt: Option<watch::Receiver<bool>>,
    /// How long, in cloud time, a run's lease on a cluster lasts unless renewed (it renews
    /// every third of it); a killed run's lease is free again after at most this long.
    pub lease_term: Duration,
    /// How long, in cloud time, after writing its lease a run waits before reading back who
    /// holds it: longer than another run takes from its listing to its own write.
    pub lease_settle: Duration,
    /// `--deadline`: a step starts only if its operation is expected to end before this
    /// instant (`exec::gate`).
    pub deadline: Option<tokio::time::Instant>,
    /// The cloud's calendar time when the run starts, for maintenance windows (default: this
    /// machine's clock).
    pub calendar: Option<time::OffsetDateTime>,
    /// `--ignore-maintenance-window`: disruptive steps start outside their window too.
    pub ignore_maintenance_window: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            parallelism: 10,
            fail_fast: false,
            time_scale: 1.0,
            poll_interval: Duration::from_secs(10),
            timeouts: Timeouts::default(),
            unknown_grace: Duration::from_secs(120),
            interrupt_grace: Duration::from_millis(1500),
            finish_grace: Duration::from_secs(6),
            fingerprint: None,
            live: None,
            interrupt: None,
            lease_term: Duration::from_secs(300),
            lease_settle: Duration::from_secs(10),
            deadline: None,
            calendar: None,
            ignore_maintenance_window: false,
        }
    }
}

impl Options {
    fn scale(&self) -> f64 {
        if self.time_scale.is_finite() && self.time_scale > 0.0 {
            self.time_scale
        } else {
            1.0
        }
    }

    /// Converts a cloud-time duration to real time.
    pub fn real(&self, cloud: Duration) -> Duration {
        saturating_secs(cloud.as_secs_f64() / self.scale())
    }

    /// Converts a real duration to cloud seconds (what reports show: a step's duration in
    /// the time of the cloud it ran on, the simulator's when there is one).
    pub fn cloud_secs(&self, real: Duration) -> f64 {
        real.as_secs_f64() * self.scale()
    }

    /// Converts a real-time duration to cloud time (the inverse of [`Options::real`]).
    pub fn cloud(&self, real: Duration) -> Duration {
        saturating_secs(self.cloud_secs(real))
    }
}

/// Seconds as a duration, the longest one for a value too large to hold (a tiny or huge time
/// scale must not panic: `Duration::from_secs_f64` does on overflow).
fn saturating_secs(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_time_is_divided_by_the_time_scale() {
        let options = Options {
            time_scale: 100.0,
            ..Options::default()
        };
        assert_eq!(
            options.real(Duration::from_secs(10)),
            Duration::from_millis(100)
        );
        let broken = Options {
            time_scale: 0.0,
            ..Options::default()
        };
        assert_eq!(
            broken.real(Duration::from_secs(10)),
            Duration::from_secs(10)
        );
        assert_eq!(options.cloud_secs(Duration::from_millis(100)), 10.0);
        assert_eq!(broken.cloud_secs(Duration::from_secs(10)), 10.0);
    }
}
