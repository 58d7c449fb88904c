//! Showing a run as it goes: live bars on a terminal, timestamped lines with a heartbeat
//! elsewhere, or JSON lines for CI.
//!
//! The executor only emits [`Event`]s; drawing them is the command line's business, so the
//! renderers live here. They write through the sinks `apply` hands them (the one printer), so
//! this module never prints on its own, except for indicatif's bars, which draw on stderr.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::exec::events::{Event, Events};
use crate::plan::StepId;
use crate::term::escape;

/// A line printer (stdout for data, stderr for status).
pub type Sink = Box<dyn Fn(&str) + Send + Sync>;

/// Off a terminal, a waiting step prints a line at least this often (wall time).
pub const HEARTBEAT: Duration = Duration::from_secs(30);

/// JSON lines on the data sink: one object per event with a `ts` field; repeated identical
/// progress events are dropped.
pub struct JsonLines {
    sink: Sink,
    last: Mutex<HashMap<StepId, (String, Option<u8>)>>,
}

impl JsonLines {
    pub fn new(sink: Sink) -> Self {
        Self {
            sink,
            last: Mutex::new(HashMap::new()),
        }
    }
}

/// The `ts` of JSON-lines events (also on apply's `plan` event).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Events for JsonLines {
    fn emit(&self, event: &Event) {
        if let Event::Progress {
            step,
            status,
            percent,
        } = event
        {
            let Ok(mut last) = self.last.lock() else {
                return;
            };
            let current = (status.clone(), *percent);
            if last.get(step) == Some(&current) {
                return;
            }
            last.insert(step.clone(), current);
        }
        let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(event) else {
            return;
        };
        let mut line = serde_json::Map::new();
        line.insert("ts".into(), serde_json::Value::String(now_rfc3339()));
        line.extend(fields);
        (self.sink)(&format!("{}\n", serde_json::Value::Object(line)));
    }
}

/// Timestamped status lines on stderr: starts, status changes, ends, and a heartbeat for
/// long waits.
pub struct Lines {
    sink: Sink,
    heartbeat: Duration,
    /// Cloud seconds per real second: the heartbeat's elapsed time is shown in the cloud's
    /// time, like the steps' durations (a simulator runs faster than the wall clock).
    time_scale: f64,
    steps: Mutex<HashMap<StepId, LineState>>,
}

struct LineState {
    started: Instant,
    printed: Instant,
    status: String,
}

impl Lines {
    pub fn new(sink: Sink) -> Self {
        Self::with_heartbeat(sink, HEARTBEAT)
    }

    /// Lines with another heartbeat interval (tests use zero).
    pub fn with_heartbeat(sink: Sink, heartbeat: Duration) -> Self {
        Self {
            sink,
            heartbeat,
            time_scale: 1.0,
            steps: Mutex::new(HashMap::new()),
        }
    }

    /// These lines with elapsed times in the time of a cloud running `time_scale` times faster
    /// than the wall clock (ignored unless finite and positive).
    pub fn in_cloud_time(mut self, time_scale: f64) -> Self {
        if time_scale.is_finite() && time_scale > 0.0 {
            self.time_scale = time_scale;
        }
        self
    }

    fn cloud_elapsed(&self, since: Instant) -> Duration {
        let secs = since.elapsed().as_secs_f64() * self.time_scale;
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    }

    /// One line; the step id and the text can hold names, statuses and reasons from the
    /// cloud, so both are escaped.
    fn print(&self, step: &StepId, text: &str) {
        let clock = time::OffsetDateTime::now_utc();
        (self.sink)(&format!(
            "{:02}:{:02}:{:02} {}: {}",
            clock.hour(),
            clock.minute(),
            clock.second(),
            escape(&step.0),
            escape(text)
        ));
    }
}

/// `1m 05s`, `42s`.
pub fn elapsed(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

fn with_percent(status: &str, percent: Option<u8>) -> String {
    match percent {
        Some(p) => format!("{status} {p}%"),
        None => status.to_owned(),
    }
}

impl Events for Lines {
    fn emit(&self, event: &Event) {
        let Ok(mut steps) = self.steps.lock() else {
            return;
        };
        match event {
            Event::StepStarted {
                step,
                action,
                target,
            } => {
                let now = Instant::now();
                steps.insert(
                    step.clone(),
                    LineState {
                        started: now,
                        printed: now,
                        status: String::new(),
                    },
                );
                self.print(step, &format!("started ({action} {target})"));
            }
            Event::Progress {
                step,
                status,
                percent,
            } => {
                let Some(state) = steps.get_mut(step) else {
                    return;
                };
                let changed = state.status != *status;
                if changed || state.printed.elapsed() >= self.heartbeat {
                    state.status.clone_from(status);
                    state.printed = Instant::now();
                    let text = with_percent(status, *percent);
                    let text = if changed {
                        text
                    } else {
                        format!(
                            "still waiting: {text} ({})",
                            elapsed(self.cloud_elapsed(state.started))
                        )
                    };
                    self.print(step, &text);
                }
            }
            Event::StepDone { step, elapsed_s } => {
                let took = elapsed(Duration::from_secs_f64(elapsed_s.max(0.0)));
                self.print(step, &format!("done in {took}"));
            }
            Event::StepAlreadyDone { step, detail } => {
                self.print(step, &format!("done (already in place): {detail}"))
            }
            Event::StepFailed { step, reason, .. } => {
                self.print(step, &format!("FAILED: {reason}"))
            }
            Event::StepStale { step, reason } => self.print(step, &format!("STALE: {reason}")),
            Event::StepSkipped { step, reason } => self.print(step, &format!("skipped: {reason}")),
            Event::StepDeferred { step, reason } => {
                self.print(step, &format!("deferred: {reason}"))
            }
            Event::StepStillRunning { step, detail } => {
                self.print(step, &format!("still running: {detail}"))
            }
            Event::Summary { .. } => {}
        }
    }
}

/// Live bars on a terminal (stderr): one per step, with status, percent and elapsed time.
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<StepId, ProgressBar>>,
}

impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

impl Bars {
    pub fn new() -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn style() -> ProgressStyle {
        ProgressStyle::with_template("{prefix:40} [{bar:24}] {pos:>3}% {elapsed:>5} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ")
    }
}

impl Events for Bars {
    fn emit(&self, event: &Event) {
        let Ok(mut bars) = self.bars.lock() else {
            return;
        };
        match event {
            Event::StepStarted { step, action, .. } => {
                let bar = self.multi.add(ProgressBar::new(100));
                bar.set_style(Self::style());
                bar.set_prefix(escape(&step.0).into_owned());
                bar.set_message((*action).to_owned());
                bar.enable_steady_tick(Duration::from_millis(500));
                bars.insert(step.clone(), bar);
            }
            Event::Progress {
                step,
                status,
                percent,
            } => {
                if let Some(bar) = bars.get(step) {
                    if let Some(p) = percent {
                        bar.set_position(u64::from(*p));
                    }
                    bar.set_message(escape(status).into_owned());
                }
            }
            Event::StepDone { step, .. } => {
                if let Some(bar) = bars.get(step) {
                    bar.set_position(100);
                    bar.finish_with_message("done");
                }
            }
            Event::StepAlreadyDone { step, detail } => match bars.get(step) {
                Some(bar) => {
                    bar.set_position(100);
                    let detail = escape(detail);
                    bar.finish_with_message(format!("done (already in place): {detail}"));
                }
                None => {
                    let (step, detail) = (escape(&step.0), escape(detail));
                    let _ = self
                        .multi
                        .println(format!("{step}: done (already in place): {detail}"));
                }
            },
            Event::StepFailed { step, reason, .. } => {
                if let Some(bar) = bars.get(step) {
                    bar.abandon_with_message(format!("FAILED: {}", escape(reason)));
                }
            }
            Event::StepStale { step, reason } => {
                let step = escape(&step.0);
                let _ = self
                    .multi
                    .println(format!("{step}: STALE: {}", escape(reason)));
            }
            Event::StepSkipped { step, reason } => {
                let step = escape(&step.0);
                let _ = self
                    .multi
                    .println(format!("{step}: skipped: {}", escape(reason)));
            }
            Event::StepDeferred { step, reason } => {
                let step = escape(&step.0);
                let _ = self
                    .multi
                    .println(format!("{step}: deferred: {}", escape(reason)));
            }
            Event::StepStillRunning { step, detail } => {
                if let Some(bar) = bars.get(step) {
                    bar.abandon_with_message(format!("still running: {}", escape(detail)));
                }
            }
            Event::Summary { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn capture() -> (Sink, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink_lines = Arc::clone(&lines);
        let sink: Sink = Box::new(move |line: &str| {
            if let Ok(mut l) = sink_lines.lock() {
                l.push(line.to_owned());
            }
        });
        (sink, lines)
    }

    fn progress(status: &str, percent: u8) -> Event {
        Event::Progress {
            step: StepId("cluster.a.create".into()),
            status: status.into(),
            percent: Some(percent),
        }
    }

    #[test]
    fn json_lines_carry_a_timestamp_and_drop_repeated_progress() {
        let (sink, lines) = capture();
        let json = JsonLines::new(sink);
        json.emit(&progress("CREATING", 10));
        json.emit(&progress("CREATING", 10));
        json.emit(&progress("CREATING", 20));
        let lines = lines.lock().expect("lines").clone();
        assert_eq!(lines.len(), 2);
        let first: serde_json::Value = serde_json::from_str(&lines[0]).expect("json line");
        assert_eq!(first["event"], "progress");
        assert_eq!(first["percent"], 10);
        assert!(first["ts"].as_str().is_some_and(|ts| ts.ends_with('Z')));
    }

    #[test]
    fn lines_print_status_changes_but_not_every_tick() {
        let (sink, lines) = capture();
        let out = Lines::new(sink);
        out.emit(&Event::StepStarted {
            step: StepId("cluster.a.create".into()),
            action: "create_cluster",
            target: "a".into(),
        });
        out.emit(&progress("CREATING", 10));
        out.emit(&progress("CREATING", 20));
        out.emit(&progress("AVAILABLE", 100));
        out.emit(&Event::StepDone {
            step: StepId("cluster.a.create".into()),
            elapsed_s: 65.0,
        });
        let lines = lines.lock().expect("lines").clone();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[0].ends_with("cluster.a.create: started (create_cluster a)"));
        assert!(lines[1].ends_with("cluster.a.create: CREATING 10%"));
        assert!(lines[3].ends_with("cluster.a.create: done in 1m 05s"));
    }

    #[test]
    fn a_long_wait_prints_a_heartbeat_with_the_elapsed_time() {
        let (sink, lines) = capture();
        let out = Lines::with_heartbeat(sink, Duration::ZERO);
        out.emit(&Event::StepStarted {
            step: StepId("cluster.a.create".into()),
            action: "create_cluster",
            target: "a".into(),
        });
        out.emit(&progress("CREATING", 10));
        out.emit(&progress("CREATING", 20));
        let lines = lines.lock().expect("lines").clone();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[2].ends_with("cluster.a.create: still waiting: CREATING 20% (0s)"),
            "{lines:?}"
        );
    }

    #[test]
    fn the_heartbeat_counts_the_clouds_time_not_the_wall_clock() {
        let (sink, lines) = capture();
        let out = Lines::with_heartbeat(sink, Duration::ZERO).in_cloud_time(10_000.0);
        out.emit(&Event::StepStarted {
            step: StepId("cluster.a.create".into()),
            action: "create_cluster",
            target: "a".into(),
        });
        out.emit(&progress("CREATING", 10));
        // 30 ms of wall clock is at least 300 s of a cloud running 10,000 times faster.
        std::thread::sleep(Duration::from_millis(30));
        out.emit(&progress("CREATING", 20));
        let lines = lines.lock().expect("lines").clone();
        let shown = lines[2]
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .unwrap_or_default();
        let minutes: u64 = shown
            .split_once('m')
            .and_then(|(m, _)| m.parse().ok())
            .unwrap_or(0);
        assert!(minutes >= 5, "{lines:?}");
    }

    #[test]
    fn lines_escape_what_the_cloud_said() {
        let (sink, lines) = capture();
        let out = Lines::with_heartbeat(sink, Duration::ZERO);
        let step = StepId("cluster.x\u{1b}[2J.create".into());
        out.emit(&Event::StepStarted {
            step: step.clone(),
            action: "create",
            target: "cluster".into(),
        });
        out.emit(&Event::StepFailed {
            step,
            reason: "DWS.0001: bad\n\u{1b}[1AApply complete!\u{202e}".into(),
            elapsed_s: 1.0,
        });
        let lines = lines.lock().expect("lines").clone();
        assert!(
            lines[1].ends_with(
                "cluster.x\\u001b[2J.create: FAILED: DWS.0001: bad\\n\\u001b[1AApply complete!\\u202e"
            ),
            "{lines:?}"
        );
    }
}
