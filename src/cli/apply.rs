//! `dwsctl apply`: re-plan, show, confirm and execute; or execute a saved plan exactly.
//!
//! The plan text is data (stdout); progress, the prompt and the report go to stderr. With
//! `--json`, stdout carries JSON lines only: a `plan` event, then the execution events, then
//! a `summary` event.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::connect::{connect, Access};
use super::error::{CmdError, CmdResult, Done, ErrorKind};
use super::interrupt;
use super::progress::{Bars, JsonLines, Lines};
use super::{print_data, print_status, GlobalArgs, SpecArgs};
use crate::exec::events::{Event, Events};
use crate::exec::{self, Options, Outcome, Report, RunStatus, Timeouts};
use crate::plan::{self, Action, Plan};
use crate::render;
use crate::term::escape;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `dwsctl plan --out PLAN`: executed exactly, each step re-checked
    /// against the live state just before it runs (no prompt: the review was the plan).
    #[arg(value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub cloud: GlobalArgs,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// The most mutating API calls in flight at once (waiting for the cloud takes no slot).
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub parallelism: u32,
    /// Start no new step after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Stream JSON-lines events to stdout instead of the text plan and progress.
    #[arg(long)]
    pub json: bool,
    /// How late (seconds of cloud time) the cloud's listings may show a new object: a create,
    /// restore or snapshot whose answer was lost is looked for this long before it counts as
    /// not made.
    #[arg(long, value_name = "SECONDS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub list_lag: u64,
    /// Per-kind timeout in seconds of cloud time, e.g. `create=5400`; kinds: create, restore,
    /// snapshot, resize, delete-cluster, delete-snapshot, wait.
    #[arg(long = "timeout", value_name = "KIND=SECONDS", hide = true)]
    pub timeouts: Vec<String>,
    /// Refuse the saved PLAN (exit 4, before anything is sent) unless its plan hash is HASH,
    /// as `dwsctl plan` printed it (`plan-hash: sha256:<hex>`): the plan applied is the one
    /// approved.
    #[arg(long, value_name = "HASH", requires = "plan", value_parser = expected_hash)]
    pub expect_plan_hash: Option<String>,
    /// Start no step that is not expected to end within DURATION of apply's start (e.g. `50m`,
    /// `1h30m`: the CI job's timeout minus a margin); such steps and those after them are
    /// deferred, not failed (exit 5), and the next run takes them.
    #[arg(long, value_name = "DURATION", value_parser = super::timing::parse_deadline)]
    pub deadline: Option<Duration>,
    /// Start disruptive steps (scale out, scale in, ...) outside their cluster's maintenance
    /// window too.
    #[arg(long)]
    pub ignore_maintenance_window: bool,
}

/// `--expect-plan-hash`: `sha256:` and 64 hex digits, normalised to lowercase.
fn expected_hash(text: &str) -> Result<String, String> {
    plan::parse_plan_hash(text)
        .ok_or_else(|| "expected sha256:<64 hex digits>, as `dwsctl plan` prints it".to_owned())
}

/// Why `apply` stops before executing anything, besides the library errors it passes on.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ApplyError {
    /// Neither `--yes` nor a terminal to ask on.
    #[error("refusing to apply without confirmation: stdin is not a terminal")]
    #[diagnostic(
        code(dwsctl::apply::no_terminal),
        help("review the plan, then pass --yes (or save it with `dwsctl plan --out PLAN` and run `dwsctl apply PLAN`)")
    )]
    NoTerminal,
    /// The answer to the prompt could not be read.
    #[error("cannot read the answer: {0}")]
    #[diagnostic(code(dwsctl::apply::answer))]
    Answer(std::io::Error),
    /// The answer was not `yes`.
    #[error("apply cancelled; nothing was executed")]
    #[diagnostic(code(dwsctl::apply::cancelled))]
    Cancelled,
    /// Secrets the plan needs cannot be read (one line per step).
    #[error("nothing was applied: a secret the plan needs cannot be read\n  {}", .0.join("\n  "))]
    #[diagnostic(
        code(dwsctl::apply::secret_unreadable),
        help("export the variable or create the file the spec's `password:` names, then run apply again")
    )]
    Secrets(Vec<String>),
    /// `--poll-interval` / `DWSCTL_POLL_INTERVAL` out of range.
    #[error("--poll-interval must be between 0 and 3600 seconds, not {0}")]
    #[diagnostic(code(dwsctl::apply::poll_interval))]
    PollInterval(f64),
    /// A `--timeout` that is not `KIND=SECONDS`.
    #[error(
        "--timeout {0:?}: expected KIND=SECONDS with KIND one of create, restore, snapshot, \
         resize, delete-cluster, delete-snapshot, wait"
    )]
    #[diagnostic(code(dwsctl::apply::timeout))]
    Timeout(String),
    /// `--expect-plan-hash` names another plan than the file holds.
    #[error(
        "{path} is not the approved plan; nothing was sent\napproved (--expect-plan-hash):\n  \
         {expected}\nthis file's plan hash:\n  {actual}"
    )]
    #[diagnostic(
        code(dwsctl::apply::plan_hash),
        help("the plan file changed after it was approved, or another plan was saved in its place: review `dwsctl plan` again and approve its plan-hash")
    )]
    PlanHash {
        path: String,
        expected: String,
        actual: String,
    },
}

impl From<ApplyError> for CmdError {
    fn from(err: ApplyError) -> Self {
        let kind = match &err {
            ApplyError::NoTerminal | ApplyError::Answer(_) | ApplyError::Cancelled => {
                ErrorKind::NotConfirmed
            }
            ApplyError::Secrets(_) => ErrorKind::Config,
            ApplyError::PollInterval(_) | ApplyError::Timeout(_) => ErrorKind::Usage,
            ApplyError::PlanHash { .. } => ErrorKind::Precondition,
        };
        CmdError::new(kind, err)
    }
}

pub async fn run(global: &GlobalArgs, args: ApplyArgs) -> CmdResult {
    // The deadline counts from here: the CI job's clock is already running.
    let deadline = args.deadline.map(|d| tokio::time::Instant::now() + d);
    let timeouts = parse_timeouts(&args.timeouts)?;
    // Without a prompt, an interrupt is handled from the start: one during planning then
    // ends the run before anything is sent, with the same exit code.
    let interrupts = (args.yes || args.plan.is_some()).then(|| interrupt::listen(print_status));
    let poll_interval = poll_interval(global)?;
    let source = plan_source(&args)?;
    let reads = source.reads();
    // The token and list calls are raced against the interrupt: nothing has been sent yet,
    // so Ctrl-C may end the run at once instead of after the call's timeout and retries.
    let listed = interrupt::unless_interrupted(interrupts.as_ref(), async {
        let connection = connect(global, Access::ReadWrite).await?;
        let live = connection.client.observe_with(&reads).await?;
        Ok::<_, CmdError>((connection, live))
    })
    .await;
    let Some(listed) = listed else {
        print_status("Interrupted while reading the live state; nothing was sent.");
        return Ok(Done::Reported(ErrorKind::Interrupted));
    };
    let (connection, mut live) = listed?;
    let fresh = matches!(source, Source::Spec(_));
    let mut plan = match source {
        Source::Saved(plan) => plan,
        Source::Spec(loaded) => plan::diff(&loaded.desired, &live, &loaded.digest),
    };
    // A saved plan carries the windows it was made with; without the flag a fresh one reads
    // them now (with the flag they would gate nothing).
    if fresh && !args.ignore_maintenance_window {
        super::timing::mark_windows(&connection.client, &mut live, &mut plan).await?;
    }
    // The hash of the plan as saved or made, before the check below may block a step.
    let plan_hash = plan::plan_hash(&plan);
    // A password the API would refuse blocks its step here, before anything is sent.
    let problems = plan::secrets::check(&plan, Some(&live));
    plan::secrets::block_policy_violations(&mut plan, &problems);
    // A fresh plan gets the checks `plan` runs; a saved plan was checked when it was made.
    if fresh {
        super::plan::preflight(&mut plan, &live, &connection.client.read_only()).await?;
    }
    show(&plan, args.json, &plan_hash);
    if plan.steps.is_empty() {
        return Ok(Done::Ok);
    }
    // Blocked steps and a broken graph are refused before the prompt (`execute` checks again).
    exec::check(&plan)?;
    check_secrets(&plan)?;
    // Ctrl-C at the prompt must still end the process, so the handler comes after it.
    let needs_prompt = fresh && !args.yes;
    if needs_prompt {
        confirm(&plan)?;
    }
    let interrupts = interrupts.unwrap_or_else(|| interrupt::listen(print_status));
    let events = progress(args.json, connection.time_scale);
    let options = Options {
        parallelism: args.parallelism as usize,
        fail_fast: args.fail_fast,
        time_scale: connection.time_scale,
        poll_interval,
        timeouts,
        fingerprint: (!fresh).then_some(plan::fingerprint as exec::FingerprintFn),
        live: Some(live),
        interrupt: Some(interrupts.first()),
        unknown_grace: Duration::from_secs(args.list_lag),
        deadline,
        calendar: Some(super::timing::now(&connection.client)?),
        ignore_maintenance_window: args.ignore_maintenance_window,
        ..Options::default()
    };
    let run = exec::execute(
        &plan,
        connection.client.clone(),
        options,
        Arc::clone(&events),
    );
    // The second signal drops the run where it stands (the listener has said so).
    let report = tokio::select! {
        report = run => report?,
        () = interrupts.second() => return Ok(Done::Reported(ErrorKind::Interrupted)),
    };
    events.emit(&Event::Summary {
        status: report.status(),
        counts: report.counts(),
    });
    print_report(&report);
    Ok(outcome(report.status()))
}

/// What apply executes: a fresh plan of the spec, or a saved plan.
enum Source {
    Spec(crate::spec::Loaded),
    Saved(Plan),
}

impl Source {
    /// The per-cluster reads beyond the listings: what planning the spec needs. A saved plan
    /// was planned already; its steps carry what they act on.
    fn reads(&self) -> crate::api::live::Reads {
        match self {
            Source::Spec(loaded) => loaded.desired.reads(),
            Source::Saved(_) => crate::api::live::Reads::default(),
        }
    }
}

/// A saved plan is self-contained (its steps carry every parameter, and secrets only as
/// references), so `apply PLAN` needs no spec. With `-f` the spec is read only to check that
/// the plan was made from these files (exit 4 if not).
fn plan_source(args: &ApplyArgs) -> Result<Source, CmdError> {
    let Some(path) = &args.plan else {
        return Ok(Source::Spec(crate::spec::load(&args.spec.files())?));
    };
    let plan = plan::load_plan_file(path)?;
    check_plan_hash(path, &plan, args.expect_plan_hash.as_deref())?;
    if args.spec.files.is_empty() {
        print_status(&format!(
            "applying {} as saved (without -f the spec it was made from is not compared)",
            path.display()
        ));
    } else {
        let loaded = crate::spec::load(&args.spec.files)?;
        plan::check_spec_digest(&plan, &loaded.digest)?;
    }
    Ok(Source::Saved(plan))
}

/// The saved plan's hash is printed for the log, and refused unless it is the `expected` one.
fn check_plan_hash(
    path: &std::path::Path,
    plan: &Plan,
    expected: Option<&str>,
) -> Result<(), ApplyError> {
    let actual = plan::plan_hash(plan);
    match expected {
        Some(expected) if expected != actual => Err(ApplyError::PlanHash {
            path: path.display().to_string(),
            expected: expected.to_owned(),
            actual,
        }),
        Some(_) => {
            print_status(&format!("plan-hash: {actual} (as expected)"));
            Ok(())
        }
        None => {
            print_status(&format!("plan-hash: {actual}"));
            Ok(())
        }
    }
}

/// How a run with this status ends; its report has been printed.
pub fn outcome(status: RunStatus) -> Done {
    match status {
        RunStatus::Complete => Done::Ok,
        RunStatus::Interrupted => Done::Reported(ErrorKind::Interrupted),
        RunStatus::Stale => Done::Reported(ErrorKind::Stale),
        RunStatus::Failed => Done::Reported(ErrorKind::Failed),
        RunStatus::Partial => Done::Reported(ErrorKind::Partial),
    }
}

/// The plan as apply will run it, with its plan hash (of the saved file, or of the fresh plan).
fn show(plan: &Plan, json: bool, hash: &str) {
    if json {
        let value = serde_json::to_value(plan).unwrap_or_default();
        let line = serde_json::json!({"ts": super::progress::now_rfc3339(), "event": "plan", "plan": value, "plan_hash": hash});
        print_data(&format!("{line}\n"));
    } else {
        print_data(&render::text(plan, &render::TextOptions::default()));
    }
}

/// Every secret the plan will need must be readable before anything is sent: a missing
/// `DWS_ADMIN_PASSWORD` found mid-run would leave half a plan applied. The values are read
/// and dropped; each step reads its secret again at the moment of its call.
fn check_secrets(plan: &Plan) -> Result<(), ApplyError> {
    let problems: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|step| {
            let reference = match &step.action {
                Action::CreateCluster(params) => &params.password,
                Action::ResetPassword { password, .. } => password,
                _ => return None,
            };
            let err = reference.resolve().err()?;
            Some(format!("{}: {err}", step.id))
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Secrets(problems))
    }
}

/// Asks on a terminal; refuses without one.
fn confirm(plan: &Plan) -> Result<(), ApplyError> {
    if !std::io::stdin().is_terminal() {
        return Err(ApplyError::NoTerminal);
    }
    print_status(&prompt(plan.steps.len()));
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(ApplyError::Answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(ApplyError::Cancelled)
    }
}

fn prompt(steps: usize) -> String {
    let what = if steps == 1 {
        "this step".to_owned()
    } else {
        format!("these {steps} steps")
    };
    format!("Apply {what}? Only 'yes' is accepted:")
}

fn progress(json: bool, time_scale: f64) -> Arc<dyn Events> {
    if json {
        Arc::new(JsonLines::new(Box::new(print_data)))
    } else if std::io::stderr().is_terminal() {
        Arc::new(Bars::new())
    } else {
        Arc::new(Lines::new(Box::new(print_status)).in_cloud_time(time_scale))
    }
}

fn print_report(report: &Report) {
    for step in &report.steps {
        match &step.outcome {
            Outcome::Done | Outcome::StillRunning { .. } => {}
            other => print_status(&format!(
                "  {} {}: {}",
                other.label(),
                escape(&step.step.0),
                escape(other.detail().unwrap_or_default())
            )),
        }
    }
    let running: Vec<String> = report
        .still_running()
        .map(|s| {
            let detail = s.outcome.detail().unwrap_or_default();
            format!("  … {}: {}", escape(&s.step.0), escape(detail))
        })
        .collect();
    if !running.is_empty() {
        print_status(
            "Still running in the cloud (the next `dwsctl plan`/`apply` waits for these \
             instead of starting them again):",
        );
        for line in running {
            print_status(&line);
        }
    }
    print_status(&report.summary_line());
}

fn poll_interval(global: &GlobalArgs) -> Result<Duration, ApplyError> {
    let from_env = || {
        let text = std::env::var("DWSCTL_POLL_INTERVAL").ok()?;
        if text.trim().is_empty() {
            return None;
        }
        // An unparsable value becomes NaN, which the range check below refuses.
        Some(text.trim().parse::<f64>().unwrap_or(f64::NAN))
    };
    match global.poll_interval.or_else(from_env) {
        None => Ok(Options::default().poll_interval),
        Some(secs) if secs.is_finite() && secs > 0.0 && secs <= 3600.0 => {
            Ok(Duration::from_secs_f64(secs))
        }
        Some(secs) => Err(ApplyError::PollInterval(secs)),
    }
}

fn parse_timeouts(specs: &[String]) -> Result<Timeouts, ApplyError> {
    let mut timeouts = Timeouts::default();
    for spec in specs {
        let bad = || ApplyError::Timeout(spec.clone());
        let (kind, secs) = spec.split_once('=').ok_or_else(bad)?;
        let secs: u64 = secs.trim().parse().map_err(|_| bad())?;
        let value = Duration::from_secs(secs);
        let slot = match kind.trim() {
            "create" => &mut timeouts.create,
            "restore" => &mut timeouts.restore,
            "snapshot" => &mut timeouts.snapshot,
            "resize" => &mut timeouts.resize,
            "delete-cluster" => &mut timeouts.delete_cluster,
            "delete-snapshot" => &mut timeouts.delete_snapshot,
            "wait" => &mut timeouts.wait,
            _ => return Err(bad()),
        };
        *slot = value;
    }
    Ok(timeouts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_per_kind_and_reject_unknown_kinds() {
        let t = parse_timeouts(&["create=5400".into(), "delete-snapshot=60".into()])
            .expect("valid timeouts");
        assert_eq!(t.create, Duration::from_secs(5400));
        assert_eq!(t.delete_snapshot, Duration::from_secs(60));
        assert_eq!(t.snapshot, Timeouts::default().snapshot);
        assert!(parse_timeouts(&["forever=1".into()]).is_err());
        assert!(parse_timeouts(&["create=soon".into()]).is_err());
    }

    #[test]
    fn the_prompt_counts_steps_in_words_that_agree() {
        assert_eq!(prompt(1), "Apply this step? Only 'yes' is accepted:");
        assert_eq!(prompt(3), "Apply these 3 steps? Only 'yes' is accepted:");
    }

    #[test]
    fn run_statuses_map_to_the_documented_exit_codes() {
        let code = |status| outcome(status).exit() as i32;
        assert_eq!(code(RunStatus::Complete), 0);
        assert_eq!(code(RunStatus::Failed), 1);
        assert_eq!(code(RunStatus::Stale), 4);
        assert_eq!(code(RunStatus::Partial), 5);
        assert_eq!(code(RunStatus::Interrupted), 130);
    }
}
