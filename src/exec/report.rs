//! What a run did: one outcome per step, and the run's overall status that the CLI maps to
//! an exit code.

use serde::Serialize;

use crate::plan::StepId;

/// How one step ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The operation completed and the cloud reports the target state.
    Done,
    /// Nothing was sent: the cloud already showed the step's goal (another run, or an
    /// earlier one, did it). Counts as done.
    AlreadyDone { detail: String },
    /// The cloud refused the call or the operation failed; `reason` is the cloud's.
    Failed { reason: String },
    /// A saved plan's step whose target moved since the plan was made.
    Stale { reason: String },
    /// Not started: a dependency did not complete, `--fail-fast` stopped the run, or the
    /// run was interrupted before the step began.
    Skipped { reason: String },
    /// Started in the cloud and not seen to end (an interrupt or a timeout); it carries on,
    /// and the next run waits for it instead of issuing it again.
    StillRunning { detail: String },
    /// Not started, and nothing sent: it could not end before `--deadline`, or its cluster's
    /// maintenance window is closed (or a step it waits for was deferred). Not a failure: the
    /// next run takes it.
    Deferred { reason: String },
}

impl Outcome {
    /// Done, by this run or already.
    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done | Outcome::AlreadyDone { .. })
    }

    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::AlreadyDone { .. } => "done (already in place)",
            Outcome::Failed { .. } => "failed",
            Outcome::Stale { .. } => "stale",
            Outcome::Skipped { .. } => "skipped",
            Outcome::StillRunning { .. } => "still running",
            Outcome::Deferred { .. } => "deferred",
        }
    }

    /// The reason or detail, if the outcome has one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Outcome::Done => None,
            Outcome::AlreadyDone { detail } => Some(detail),
            Outcome::Failed { reason }
            | Outcome::Stale { reason }
            | Outcome::Skipped { reason }
            | Outcome::Deferred { reason } => Some(reason),
            Outcome::StillRunning { detail } => Some(detail),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepReport {
    pub step: StepId,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The counts of a report, for the summary line and the JSON summary event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Including those already in place.
    pub done: usize,
    /// Done steps that found their goal already reached.
    pub already_in_place: usize,
    pub failed: usize,
    pub stale: usize,
    pub skipped: usize,
    pub still_running: usize,
    /// Left for the next run by `--deadline` or a closed maintenance window.
    pub deferred: usize,
}

/// The run as a whole, in the order the exit code gives them precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every step is done (or there were none).
    Complete,
    /// A first Ctrl-C/SIGTERM stopped the run.
    Interrupted,
    /// A saved plan's step found its target moved.
    Stale,
    /// Nothing completed and something failed.
    Failed,
    /// Some steps completed, others did not.
    Partial,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// In plan order.
    pub steps: Vec<StepReport>,
    pub interrupted: bool,
}

impl Report {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for step in &self.steps {
            match step.outcome {
                Outcome::Done => counts.done += 1,
                Outcome::AlreadyDone { .. } => {
                    counts.done += 1;
                    counts.already_in_place += 1;
                }
                Outcome::Failed { .. } => counts.failed += 1,
                Outcome::Stale { .. } => counts.stale += 1,
                Outcome::Skipped { .. } => counts.skipped += 1,
                Outcome::StillRunning { .. } => counts.still_running += 1,
                Outcome::Deferred { .. } => counts.deferred += 1,
            }
        }
        counts
    }

    pub fn status(&self) -> RunStatus {
        let counts = self.counts();
        if self.interrupted {
            RunStatus::Interrupted
        } else if counts.stale > 0 {
            RunStatus::Stale
        } else if counts.done == self.steps.len() {
            RunStatus::Complete
        } else if counts.deferred > 0 && counts.done + counts.deferred == self.steps.len() {
            // Only deferrals stand between this run and a complete one: partial, not failed,
            // even when nothing could start.
            RunStatus::Partial
        } else if counts.done == 0 {
            RunStatus::Failed
        } else {
            RunStatus::Partial
        }
    }

    /// Steps that were left running in the cloud.
    pub fn still_running(&self) -> impl Iterator<Item = &StepReport> {
        self.steps
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::StillRunning { .. }))
    }

    /// The summary line: `Apply complete: 3 done, 0 failed, 0 skipped.`
    pub fn summary_line(&self) -> String {
        let c = self.counts();
        let head = match self.status() {
            RunStatus::Complete => "Apply complete",
            RunStatus::Interrupted => "Apply interrupted",
            RunStatus::Stale => "Apply stopped: the plan is stale",
            RunStatus::Failed => "Apply failed",
            RunStatus::Partial => "Apply partially complete",
        };
        let already = match c.already_in_place {
            0 => String::new(),
            n => format!(" ({n} already in place)"),
        };
        let mut line = format!(
            "{head}: {} done{already}, {} failed, {} skipped",
            c.done, c.failed, c.skipped
        );
        if c.stale > 0 {
            line.push_str(&format!(", {} stale", c.stale));
        }
        if c.still_running > 0 {
            line.push_str(&format!(", {} still running in the cloud", c.still_running));
        }
        if c.deferred > 0 {
            line.push_str(&format!(", {} deferred", c.deferred));
        }
        line.push('.');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcomes: Vec<Outcome>) -> Report {
        Report {
            steps: outcomes
                .into_iter()
                .enumerate()
                .map(|(i, outcome)| StepReport {
                    step: StepId(format!("s{i}")),
                    outcome,
                })
                .collect(),
            interrupted: false,
        }
    }

    fn failed() -> Outcome {
        Outcome::Failed { reason: "x".into() }
    }

    #[test]
    fn status_follows_exit_code_precedence() {
        assert_eq!(report(vec![]).status(), RunStatus::Complete);
        assert_eq!(report(vec![Outcome::Done]).status(), RunStatus::Complete);
        assert_eq!(report(vec![failed()]).status(), RunStatus::Failed);
        assert_eq!(
            report(vec![Outcome::Done, failed()]).status(),
            RunStatus::Partial
        );
        let stale = Outcome::Stale {
            reason: "moved".into(),
        };
        assert_eq!(
            report(vec![Outcome::Done, stale]).status(),
            RunStatus::Stale
        );
        let mut interrupted = report(vec![Outcome::Done]);
        interrupted.interrupted = true;
        assert_eq!(interrupted.status(), RunStatus::Interrupted);
    }

    #[test]
    fn summary_line_counts_each_outcome() {
        let r = report(vec![
            Outcome::Done,
            failed(),
            Outcome::Skipped {
                reason: "dep".into(),
            },
            Outcome::StillRunning {
                detail: "create".into(),
            },
        ]);
        assert_eq!(
            r.summary_line(),
            "Apply partially complete: 1 done, 1 failed, 1 skipped, 1 still running in the cloud."
        );
    }
}
