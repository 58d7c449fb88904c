//! Maintenance windows: when a cluster's disruptive steps may start.
//!
//! The cluster detail (`GET /clusters/{id}`, `cluster_management/querying_cluster_details.rst`,
//! Table 10 "MaintainWindow") gives a weekly window as `day` (`Mon`..`Sun`) and `start_time`
//! / `end_time` (`HH:mm`, GMT+0). An end at or before the start is on the next day (the
//! documented example is `Wed 22:00–02:00`, and Huawei's PUT keeps windows exactly 4 hours
//! long: dws-api.md), so a window may cross midnight and the end of the week. The three
//! fields are optional in the reference; a window that lacks one or cannot be read gates its
//! steps as closed (the stricter reading: never disrupt a cluster at a time nobody chose).
//!
//! Pure: [`mark`] annotates a plan's disruptive steps from the windows read after the diff
//! and a "now" passed in, and the executor asks [`Maintenance::check`] again just before
//! such a step starts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, Weekday};

use super::model::{Impact, Plan};
use crate::api::wire::MaintainWindow;

const DAY_SECS: i64 = 86_400;
const WEEK_SECS: i64 = 7 * DAY_SECS;

/// A weekly window, read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub day: Weekday,
    /// Minutes after midnight UTC.
    pub start: u32,
    pub end: u32,
}

/// A disruptive step's maintenance window as the plan saw it, and whether it was closed when
/// the plan was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    /// The window as the cluster detail gave it.
    pub window: MaintainWindow,
    /// The window was closed when the plan was made: apply will not start the step unless it
    /// is open by then (or `--ignore-maintenance-window`).
    pub deferred: bool,
    /// When the window next opens (RFC 3339, UTC), if it can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_until: Option<String>,
}

/// Whether a step may start now, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Open,
    /// Closed: the sentence says until when, or why it cannot be known.
    Closed(String),
}

impl Window {
    /// Reads a window from the cluster detail; `Err` names what cannot be read.
    pub fn parse(raw: &MaintainWindow) -> Result<Self, String> {
        let day = raw
            .day
            .as_deref()
            .and_then(weekday)
            .ok_or_else(|| format!("day {:?} is not one of Mon..Sun", raw.day.as_deref()))?;
        let start =
            raw.start_time.as_deref().and_then(minutes).ok_or_else(|| {
                format!("start_time {:?} is not HH:mm", raw.start_time.as_deref())
            })?;
        let end = raw
            .end_time
            .as_deref()
            .and_then(minutes)
            .ok_or_else(|| format!("end_time {:?} is not HH:mm", raw.end_time.as_deref()))?;
        Ok(Self { day, start, end })
    }

    /// How long the window stays open; an end at or before the start is on the next day.
    fn length_secs(&self) -> i64 {
        let length = (i64::from(self.end) - i64::from(self.start)).rem_euclid(1440);
        if length == 0 {
            DAY_SECS
        } else {
            length * 60
        }
    }

    /// Seconds from the window's start back to `now`, in `0..WEEK_SECS`.
    fn since_start(&self, now: OffsetDateTime) -> i64 {
        let start =
            i64::from(self.day.number_days_from_monday()) * DAY_SECS + i64::from(self.start) * 60;
        (week_secs(now) - start).rem_euclid(WEEK_SECS)
    }

    pub fn contains(&self, now: OffsetDateTime) -> bool {
        self.since_start(now) < self.length_secs()
    }

    /// The start of the next window at or after `now` (`now` itself at the exact start).
    pub fn next_start(&self, now: OffsetDateTime) -> OffsetDateTime {
        let since = self.since_start(now);
        let wait = if since == 0 { 0 } else { WEEK_SECS - since };
        let at = now.replace_nanosecond(0).unwrap_or(now) + Duration::seconds(wait);
        at.replace_second(0).unwrap_or(at)
    }
}

impl std::fmt::Display for Window {
    /// `Wed 22:00-02:00 UTC`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:02}:{:02}-{:02}:{:02} UTC",
            short(self.day),
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

impl Maintenance {
    /// Whether the window is open at `now`.
    pub fn check(&self, now: OffsetDateTime) -> Verdict {
        match Window::parse(&self.window) {
            Ok(window) if window.contains(now) => Verdict::Open,
            Ok(window) => Verdict::Closed(format!(
                "outside the maintenance window {window}; it next opens {}",
                rfc3339(window.next_start(now))
            )),
            Err(problem) => Verdict::Closed(format!(
                "the cluster's maintenance window cannot be read ({problem})"
            )),
        }
    }
}

impl Maintenance {
    /// The plan's line for the step: whether it waits for the window, and which window.
    pub fn describe(&self) -> String {
        match (Window::parse(&self.window), &self.deferred_until) {
            (Err(problem), _) => {
                format!("deferred: the cluster's maintenance window cannot be read ({problem})")
            }
            (Ok(window), Some(until)) if self.deferred => {
                format!("deferred until {until} (outside the maintenance window {window})")
            }
            (Ok(window), _) if self.deferred => format!("deferred (maintenance window {window})"),
            (Ok(window), _) => format!("open now (maintenance window {window})"),
        }
    }
}

/// Marks every disruptive step of a cluster in `windows` with its window, deferred when the
/// window is closed at `now`. Clusters without a window (not read, or none shown) are left
/// unmarked: nothing gates their steps.
pub fn mark(plan: &mut Plan, windows: &BTreeMap<String, MaintainWindow>, now: OffsetDateTime) {
    for step in &mut plan.steps {
        if step.action.impact() != Impact::Disruptive {
            continue;
        }
        let Some(window) = windows.get(step.target.cluster()) else {
            continue;
        };
        let parsed = Window::parse(window);
        let open = parsed.as_ref().is_ok_and(|w| w.contains(now));
        step.maintenance = Some(Maintenance {
            window: window.clone(),
            deferred: !open,
            deferred_until: match parsed {
                Ok(w) if !open => Some(rfc3339(w.next_start(now))),
                _ => None,
            },
        });
    }
}

/// The clusters whose windows [`mark`] needs: those with a disruptive step.
pub fn clusters_to_read(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.action.impact() == Impact::Disruptive)
        .map(|s| s.target.cluster().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `2026-12-02T22:00:00Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Seconds since Monday 00:00 UTC of `now`'s week.
fn week_secs(now: OffsetDateTime) -> i64 {
    let now = now.to_offset(time::UtcOffset::UTC);
    i64::from(now.weekday().number_days_from_monday()) * DAY_SECS
        + i64::from(now.hour()) * 3600
        + i64::from(now.minute()) * 60
        + i64::from(now.second())
}

fn weekday(day: &str) -> Option<Weekday> {
    Some(match day.trim() {
        "Mon" => Weekday::Monday,
        "Tue" => Weekday::Tuesday,
        "Wed" => Weekday::Wednesday,
        "Thu" => Weekday::Thursday,
        "Fri" => Weekday::Friday,
        "Sat" => Weekday::Saturday,
        "Sun" => Weekday::Sunday,
        _ => return None,
    })
}

fn short(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

/// `HH:mm` as minutes after midnight (`24:00` is not a time of day).
fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn window(day: &str, start: &str, end: &str) -> Window {
        Window::parse(&raw(day, start, end)).expect("a readable window")
    }

    fn raw(day: &str, start: &str, end: &str) -> MaintainWindow {
        MaintainWindow {
            day: Some(day.into()),
            start_time: Some(start.into()),
            end_time: Some(end.into()),
        }
    }

    // 2026-12-02 is a Wednesday.
    #[test]
    fn a_window_crossing_midnight_ends_on_the_next_day() {
        let w = window("Wed", "22:00", "02:00");
        assert!(!w.contains(datetime!(2026-12-02 21:59:59 UTC)));
        assert!(w.contains(datetime!(2026-12-02 22:00:00 UTC)));
        assert!(w.contains(datetime!(2026-12-03 01:59:59 UTC)), "Thu 01:59");
        assert!(!w.contains(datetime!(2026-12-03 02:00:00 UTC)));
        assert!(
            !w.contains(datetime!(2026-12-02 01:00:00 UTC)),
            "Wed 01:00 is not in it"
        );
        assert_eq!(
            w.next_start(datetime!(2026-12-03 02:00:00 UTC)),
            datetime!(2026-12-09 22:00:00 UTC)
        );
    }

    #[test]
    fn the_next_window_wraps_around_the_end_of_the_week() {
        let w = window("Mon", "03:00", "07:00");
        // Sunday evening: the next window is the coming Monday.
        assert_eq!(
            w.next_start(datetime!(2026-12-06 20:15:30 UTC)),
            datetime!(2026-12-07 03:00:00 UTC)
        );
        // Monday just after the window: a week later.
        assert_eq!(
            w.next_start(datetime!(2026-11-30 07:00:00 UTC)),
            datetime!(2026-12-07 03:00:00 UTC)
        );
        // A Sunday window that crosses into Monday, seen from Monday morning.
        let sun = window("Sun", "22:00", "02:00");
        assert!(sun.contains(datetime!(2026-12-07 01:30:00 UTC)));
        assert!(!sun.contains(datetime!(2026-12-07 02:30:00 UTC)));
        assert_eq!(
            sun.next_start(datetime!(2026-12-07 02:30:00 UTC)),
            datetime!(2026-12-13 22:00:00 UTC)
        );
    }

    #[test]
    fn at_the_exact_start_the_window_is_open_and_next_start_is_now() {
        let w = window("Wed", "22:00", "02:00");
        let at = datetime!(2026-12-02 22:00:00 UTC);
        assert!(w.contains(at));
        assert_eq!(w.next_start(at), at);
        assert_eq!(w.to_string(), "Wed 22:00-02:00 UTC");
    }

    #[test]
    fn equal_start_and_end_is_the_whole_day() {
        let w = window("Fri", "10:00", "10:00");
        assert!(w.contains(datetime!(2026-12-05 09:59:00 UTC)), "Sat 09:59");
        assert!(!w.contains(datetime!(2026-12-05 10:00:00 UTC)));
    }

    #[test]
    fn an_unreadable_window_is_closed_and_says_why() {
        for bad in [
            raw("Someday", "22:00", "02:00"),
            raw("Wed", "24:00", "02:00"),
            raw("Wed", "2200", "02:00"),
            MaintainWindow {
                day: Some("Wed".into()),
                start_time: None,
                end_time: Some("02:00".into()),
            },
        ] {
            let m = Maintenance {
                window: bad,
                deferred: true,
                deferred_until: None,
            };
            match m.check(datetime!(2026-12-02 23:00:00 UTC)) {
                Verdict::Closed(why) => assert!(why.contains("cannot be read"), "{why}"),
                Verdict::Open => panic!("an unreadable window must not open"),
            }
        }
    }

    #[test]
    fn mark_gates_only_disruptive_steps_of_clusters_with_a_window() {
        use crate::plan::testkit::*;
        let mut d = desired_cluster("dws-demo", 6);
        d.tags.insert("team".into(), "a".into());
        let world = desired(vec![d, desired_cluster("dws-new", 3)]);
        let live = live(vec![live_cluster("dws-demo", 3)], vec![]);
        let mut plan = crate::plan::diff(&world, &live, "digest");
        assert_eq!(clusters_to_read(&plan), vec!["dws-demo".to_owned()]);
        let windows = BTreeMap::from([("dws-demo".to_owned(), raw("Wed", "22:00", "02:00"))]);
        let mut open = plan.clone();
        mark(&mut open, &windows, datetime!(2026-12-02 23:00:00 UTC));
        mark(&mut plan, &windows, datetime!(2026-12-01 12:00:00 UTC));
        for (step, inside) in plan.steps.iter().zip(&open.steps) {
            let disruptive = step.action.impact() == Impact::Disruptive;
            assert_eq!(step.maintenance.is_some(), disruptive, "{}", step.id);
            if disruptive {
                let m = step.maintenance.as_ref().expect("marked");
                assert!(m.deferred);
                assert_eq!(m.deferred_until.as_deref(), Some("2026-12-02T22:00:00Z"));
                assert_eq!(
                    m.describe(),
                    "deferred until 2026-12-02T22:00:00Z (outside the maintenance window \
                     Wed 22:00-02:00 UTC)"
                );
                let m = inside.maintenance.as_ref().expect("marked");
                assert!(!m.deferred && m.deferred_until.is_none());
                assert_eq!(
                    m.describe(),
                    "open now (maintenance window Wed 22:00-02:00 UTC)"
                );
            }
        }
        // A cluster whose detail showed no window is not gated.
        let mut unread = crate::plan::diff(&world, &live, "digest");
        mark(
            &mut unread,
            &BTreeMap::new(),
            datetime!(2026-12-01 12:00:00 UTC),
        );
        assert!(unread.steps.iter().all(|s| s.maintenance.is_none()));
        // The marks are part of the JSON plan and read back.
        let back: Plan = serde_json::from_str(&crate::plan::to_json(&plan)).expect("decode");
        assert_eq!(back, plan);
    }

    #[test]
    fn a_plan_without_disruptive_steps_reads_no_window() {
        use crate::plan::testkit::*;
        let world = desired(vec![desired_cluster("dws-new", 3)]);
        let plan = crate::plan::diff(&world, &live(vec![], vec![]), "digest");
        assert!(!plan.steps.is_empty());
        assert!(clusters_to_read(&plan).is_empty());
    }

    #[test]
    fn check_says_when_the_window_opens_next() {
        let m = Maintenance {
            window: raw("Wed", "22:00", "02:00"),
            deferred: false,
            deferred_until: None,
        };
        assert_eq!(m.check(datetime!(2026-12-03 00:30:00 UTC)), Verdict::Open);
        assert_eq!(
            m.check(datetime!(2026-12-01 12:00:00 UTC)),
            Verdict::Closed(
                "outside the maintenance window Wed 22:00-02:00 UTC; it next opens \
                 2026-12-02T22:00:00Z"
                    .into()
            )
        );
    }

    /// Two clusters scaled while their windows are closed, one of them also changing a safe
    /// field: the summary counts both deferred steps with the updates, and when each window
    /// opens; every format says it with `Summary::deferral`.
    #[test]
    fn the_summary_counts_the_deferred_steps_and_when_their_windows_open() {
        use crate::plan::testkit::*;
        let mut a = desired_cluster("dws-a", 6);
        a.tags.insert("team".into(), "a".into());
        let world = desired(vec![a, desired_cluster("dws-b", 6)]);
        let live = live(
            vec![live_cluster("dws-a", 3), live_cluster("dws-b", 3)],
            vec![],
        );
        let plan = crate::plan::diff(&world, &live, "digest");
        let at = datetime!(2026-12-01 12:00:00 UTC);
        let one = BTreeMap::from([("dws-a".to_owned(), raw("Wed", "22:00", "02:00"))]);
        let mut marked = plan.clone();
        mark(&mut marked, &one, at);
        let s = marked.summary();
        assert_eq!((s.update, s.deferred), (plan.summary().update, 1));
        assert_eq!(s.deferred_until, ["2026-12-02T22:00:00Z"]);
        assert_eq!(
            s.deferral().as_deref(),
            Some("1 deferred until 2026-12-02T22:00:00Z")
        );
        let mut both = one.clone();
        both.insert("dws-b".to_owned(), raw("Fri", "10:00", "12:00"));
        let mut marked = plan.clone();
        mark(&mut marked, &both, at);
        assert_eq!(
            marked.summary().deferral().as_deref(),
            Some("2 deferred, the first until 2026-12-02T22:00:00Z")
        );
        both.insert("dws-b".to_owned(), raw("Wed", "22:00", "02:00"));
        let mut marked = plan.clone();
        mark(&mut marked, &both, at);
        assert_eq!(
            marked.summary().deferral().as_deref(),
            Some("2 deferred until 2026-12-02T22:00:00Z")
        );
        // A window that cannot be read defers with no time; an open one defers nothing.
        let unreadable = MaintainWindow {
            day: Some("Someday".into()),
            ..raw("Wed", "22:00", "02:00")
        };
        let mut marked = plan.clone();
        mark(
            &mut marked,
            &BTreeMap::from([("dws-a".to_owned(), unreadable)]),
            at,
        );
        assert_eq!(marked.summary().deferral().as_deref(), Some("1 deferred"));
        let mut open = plan.clone();
        mark(&mut open, &both, datetime!(2026-12-02 23:00:00 UTC));
        assert_eq!(
            (open.summary().deferred, open.summary().deferral()),
            (0, None)
        );
        let text = crate::render::text(&marked, &Default::default());
        assert!(
            text.contains(&format!("{} to update (1 deferred), 0 to delete", s.update)),
            "{text}"
        );
    }
}
