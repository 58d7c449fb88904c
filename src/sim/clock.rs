//! Virtual time: `virtual_now = anchor_virtual + (wall_now - anchor_wall) * time_scale`.
//!
//! Every operation is stored as (virtual start, virtual duration) and its progress is computed
//! from this clock on each read, so a faster scale or an explicit advance moves all of them at
//! once, and a state file reloaded later shows the progress made meanwhile.
//!
//! A test may pause the clock (`POST /_sim/clock/pause`): virtual time then stands still
//! until it resumes or is advanced, so that what a test sets up (a cluster busy with an
//! automated snapshot) is still so when the code under test looks, however late a loaded
//! machine schedules it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The simulator's clock. Virtual seconds count from the state's creation.
#[derive(Clone, Debug)]
pub struct Clock {
    anchor_wall: Instant,
    anchor_virtual: f64,
    scale: f64,
    paused: bool,
}

impl Clock {
    /// A clock that reads `virtual_now` now and runs `scale` times faster than the wall.
    pub fn new(virtual_now: f64, scale: f64) -> Self {
        Self {
            anchor_wall: Instant::now(),
            anchor_virtual: virtual_now,
            scale,
            paused: false,
        }
    }

    /// The current virtual time in seconds.
    pub fn now(&self) -> f64 {
        if self.paused {
            return self.anchor_virtual;
        }
        self.anchor_virtual + self.anchor_wall.elapsed().as_secs_f64() * self.scale
    }

    /// Stops (`true`) or restarts (`false`) virtual time; it goes on from where it stood.
    pub fn set_paused(&mut self, paused: bool) {
        self.anchor_virtual = self.now();
        self.anchor_wall = Instant::now();
        self.paused = paused;
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Simulated seconds per real second.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Moves virtual time forward by `seconds` (negative values are ignored: time never runs
    /// backwards).
    pub fn advance(&mut self, seconds: f64) {
        if seconds.is_finite() && seconds > 0.0 {
            self.anchor_virtual += seconds;
        }
    }

    /// The wall-clock instant at which virtual time reads (or read) `virtual_t`.
    pub fn wall_at(&self, virtual_t: f64) -> SystemTime {
        let delta = (virtual_t - self.now()) / self.scale;
        let now = SystemTime::now();
        if delta >= 0.0 {
            now + Duration::from_secs_f64(delta.min(1e12))
        } else {
            now.checked_sub(Duration::from_secs_f64((-delta).min(1e12)))
                .unwrap_or(UNIX_EPOCH)
        }
    }

    /// Real seconds until virtual time reaches `virtual_t` (0 when it has).
    pub fn wall_secs_until(&self, virtual_t: f64) -> f64 {
        ((virtual_t - self.now()) / self.scale).max(0.0)
    }
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `2026-11-26T12:00:00` (no zone: what real OTC cluster timestamps look like).
pub fn format_local(t: SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// `2026-11-26T12:00:00Z` (what snapshot timestamps look like).
pub fn format_zulu(t: SystemTime) -> String {
    format!("{}Z", format_local(t))
}

/// `2026-11-26T12:00:00.000000Z` (IAM's format, with microseconds).
pub fn format_iam(t: SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    format!("{}.{:06}Z", format_local(t), dt.microsecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_virtual_time_and_never_backwards() {
        let mut clock = Clock::new(100.0, 1.0);
        let before = clock.now();
        clock.advance(60.0);
        assert!(clock.now() >= before + 60.0);
        let after = clock.now();
        clock.advance(-1000.0);
        clock.advance(f64::NAN);
        assert!(clock.now() >= after);
    }

    #[test]
    fn a_paused_clock_stands_still_but_advances_and_resumes_from_where_it_stood() {
        let mut clock = Clock::new(100.0, 1000.0);
        clock.set_paused(true);
        let stood = clock.now();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(clock.now(), stood);
        clock.advance(60.0);
        assert_eq!(clock.now(), stood + 60.0);
        clock.set_paused(false);
        assert!(!clock.paused());
        let resumed = clock.now();
        assert!(
            resumed >= stood + 60.0 && resumed < stood + 70.0,
            "{resumed}"
        );
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.now() >= stood + 80.0);
    }

    #[test]
    fn scale_multiplies_elapsed_wall_time() {
        let clock = Clock::new(0.0, 1000.0);
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.now() >= 20.0);
    }

    #[test]
    fn timestamps_have_the_documented_shapes() {
        let t = UNIX_EPOCH + Duration::from_secs(1_516_020_606);
        assert_eq!(format_local(t), "2018-01-15T12:50:06");
        assert_eq!(format_zulu(t), "2018-01-15T12:50:06Z");
        assert_eq!(format_iam(t), "2018-01-15T12:50:06.000000Z");
    }
}
