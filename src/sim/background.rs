//! Background life: the automated snapshots (type `AUTO`) every cluster takes on a schedule,
//! and their expiry after the cluster's policy's retention (`keep_day`). A cluster whose
//! policy has no strategy left ([`super::policy`]) takes none.
//!
//! The schedule is set by `POST /_sim/background` (`{"automated_snapshots": {"every_seconds":
//! N}}`, simulated seconds; 0 turns it off) and is off by default: the default policy's cron
//! strategies (`snapshot_management/querying_a_snapshot_policy.rst`: a full backup Sundays
//! 02:00, increments at 02:07, 10:07 and 18:07) are reported by the policy GET, but firing
//! them on the wall clock would make every test's outcome depend on the hour it runs.
//!
//! Fires are evaluated lazily like every other operation: before each request the world
//! replays the fires due since the last one, in order, settling the operations that ended
//! before each fire first, so a cluster that was busy at a fire's instant skips that fire
//! ("it will not execute if the task conflicts with other tasks", the policy page's
//! `next_fire_time`), and one that was idle starts `SNAPSHOTTING` at that instant.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::clock::{format_local, format_zulu, Clock};
use super::durations;
use super::policy;
use super::snapshots::source_of;
use super::state::{is_automated, Op, SnapshotRec, State, Task, TaskKind, AUTO};

/// Retention of automated snapshots: the default policy's `keep_day` (3).
pub const KEEP_DAYS: f64 = 3.0;
/// At most this many missed fires are replayed at once (after a long stop or a huge advance
/// the older ones are skipped: they would have expired anyway).
pub const MAX_CATCH_UP: f64 = 1000.0;

/// The background schedule, persisted with the world.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Background {
    /// Simulated seconds between automated snapshots; 0 = off.
    #[serde(default)]
    pub every_seconds: f64,
    /// The virtual time of the last fire (or of when the schedule was set).
    #[serde(default)]
    pub last_fire: f64,
    /// Fires so far (they number the snapshots' names).
    #[serde(default)]
    pub fired: u64,
}

impl Background {
    /// A schedule firing every `every_seconds` from `now` on (0: off).
    pub fn every(every_seconds: f64, now: f64) -> Self {
        Self {
            every_seconds,
            last_fire: now,
            fired: 0,
        }
    }

    /// The virtual time of the next fire, if the schedule is on.
    pub fn next_fire(&self) -> Option<f64> {
        (self.every_seconds > 0.0).then_some(self.last_fire + self.every_seconds)
    }

    /// The next fire at or before `now`, skipping fires beyond [`MAX_CATCH_UP`].
    pub fn due(&mut self, now: f64) -> Option<f64> {
        if self.every_seconds <= 0.0 {
            return None;
        }
        let behind = ((now - self.last_fire) / self.every_seconds).floor();
        if behind > MAX_CATCH_UP {
            self.last_fire += (behind - MAX_CATCH_UP) * self.every_seconds;
        }
        self.next_fire().filter(|&t| t <= now)
    }
}

/// Every cluster idle at `t` starts an automated snapshot at `t`.
pub fn fire(world: &mut State, t: f64, clock: &Clock) {
    let idle: Vec<String> = world
        .clusters
        .iter()
        .filter(|c| c.busy_reason(t).is_none() && policy::takes_automated(world, &c.id))
        .map(|c| c.id.clone())
        .collect();
    let number = world.background.fired + 1;
    for cluster_id in idle {
        let u = world.uniform();
        let id = world.new_snapshot_id();
        let Some(cluster) = world.cluster_mut(&cluster_id) else {
            continue;
        };
        let data_gb = cluster.data_gb();
        let op = Op {
            start: t,
            duration: durations::snapshot(u, data_gb, cluster.number_of_node),
        };
        cluster.task = Some(Task {
            kind: TaskKind::Snapshotting {
                snapshot_id: id.clone(),
            },
            op,
            started_wall: format_local(clock.wall_at(t)),
            fails: false,
            phases: None,
        });
        cluster.failure = None;
        let short: String = cluster.id.chars().take(8).collect();
        let snapshot = SnapshotRec {
            id,
            name: format!("auto-{short}-{number:06}"),
            description: "Automated snapshot".to_owned(),
            cluster_id,
            kind: AUTO.to_owned(),
            op,
            fails: false,
            condition: None,
            started: format_zulu(clock.wall_at(t)),
            size: data_gb,
            visible_at: t,
            source: source_of(cluster),
        };
        world.snapshots.push(snapshot);
    }
}

/// Removes automated snapshots older than their cluster's retention (`keep_day`, by default
/// [`KEEP_DAYS`]; not one a restore is reading).
pub fn expire(world: &mut State, now: f64) {
    let horizons: HashMap<String, f64> = world
        .clusters
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                now - policy::keep_days(world, &c.id) * 86_400.0,
            )
        })
        .collect();
    let default_horizon = now - KEEP_DAYS * 86_400.0;
    let horizon = |cluster_id: &str| horizons.get(cluster_id).copied().unwrap_or(default_horizon);
    let reading: Vec<String> = world
        .clusters
        .iter()
        .filter(|c| !c.creation.done(now))
        .filter_map(|c| c.restored_from.clone())
        .collect();
    world.snapshots.retain(|s| {
        !(is_automated(&s.kind) && s.op.end() < horizon(&s.cluster_id) && !reading.contains(&s.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_fires_in_order_and_skips_beyond_the_catch_up() {
        let mut b = Background::every(100.0, 0.0);
        assert_eq!(b.due(99.0), None);
        assert_eq!(b.due(250.0), Some(100.0));
        b.last_fire = 100.0;
        assert_eq!(b.due(250.0), Some(200.0));
        let mut far = Background::every(1.0, 0.0);
        let first = far.due(1e9).expect("due");
        assert!(first >= 1e9 - MAX_CATCH_UP - 1.0);
        assert_eq!(Background::default().due(1e9), None);
    }
}
