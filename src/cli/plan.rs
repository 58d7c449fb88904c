//! `dwsctl plan`: load the spec, list the live state (two read-only calls), diff, run the
//! checks before apply for the steps that need them (`preflight`), print.
//!
//! The plan (text, JSON with `--json`, or markdown) is data and goes to stdout; `--out` also
//! saves the JSON for `dwsctl apply PLAN`; everything else goes to stderr, the plan hash
//! included; under GitHub Actions the markdown also goes to the job summary (`summary.rs`). The client is built
//! read-only, so this command cannot send a mutating request whatever the code below does.

use std::path::PathBuf;

use clap::Args;

use super::connect::{connect, Access};
use super::{print_data, print_status, CmdResult, Done, ErrorKind, GlobalArgs, SpecArgs};
use crate::plan::{self, Plan};
use crate::render;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub cloud: super::GlobalArgs,
    /// Also save the plan as versioned JSON to PLAN, for `dwsctl apply PLAN`.
    #[arg(long, value_name = "PLAN")]
    pub out: Option<PathBuf>,
    /// Print the plan as versioned JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when there are no changes, 2 when there are, 3 when a step is blocked.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Colour the plan's symbols (off by default; NO_COLOR turns it off again).
    #[arg(long)]
    pub color: bool,
    /// How to print the plan: text for people, json (the same as --json), markdown for a pull
    /// request comment or job summary.
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "json")]
    pub format: Option<Format>,
}

/// `plan --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

pub async fn run(global: &GlobalArgs, args: PlanArgs) -> CmdResult {
    let loaded = crate::spec::load(&args.spec.files())?;
    let connection = connect(global, Access::ReadOnly).await?;
    let mut live = connection
        .client
        .observe_with(&loaded.desired.reads())
        .await?;
    let mut plan = plan::diff(&loaded.desired, &live, &loaded.digest);
    super::timing::mark_windows(&connection.client, &mut live, &mut plan).await?;
    let problems = plan::secrets::check(&plan, Some(&live));
    plan::secrets::block_policy_violations(&mut plan, &problems);
    warn_unreadable(&problems);
    preflight(&mut plan, &live, &connection.client).await?;
    if let Some(path) = &args.out {
        plan::save_plan_file(path, &plan)?;
        print_status(&format!("plan saved to {}", path.display()));
    }
    let hash = plan::plan_hash(&plan);
    match args.format.unwrap_or(if args.json {
        Format::Json
    } else {
        Format::Text
    }) {
        Format::Json => print_data(&render::json(&plan)),
        Format::Markdown => print_data(&render::markdown(
            &plan,
            &render::MarkdownOptions {
                plan_hash: hash.clone(),
                details: true,
            },
        )),
        Format::Text => print_text(&plan, args.color),
    }
    // Status, not data: stdout stays the plan alone. One fixed prefix, for scripts to grep.
    print_status(&format!("plan-hash: {hash}"));
    super::summary::append_step_summary(&plan, &hash);
    if plan.has_blocked() {
        print_status("apply refuses this plan while a step is blocked; see each step's procedure");
    }
    Ok(outcome(&plan, args.detailed_exitcode))
}

fn print_text(plan: &Plan, color: bool) {
    let color = color && !std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let text = render::text(plan, &render::TextOptions { color });
    if color {
        super::print_painted(&text);
    } else {
        print_data(&text);
    }
}

/// The checks before apply (`preflight`): they block the steps the cloud says would fail,
/// and each step or check they could not cover is named on stderr. A check that could not
/// run at all ends the command (exit 1) before the plan is shown.
pub async fn preflight(
    plan: &mut Plan,
    live: &crate::api::Live,
    client: &crate::api::Client,
) -> Result<(), crate::preflight::CouldNotRun> {
    let report = crate::preflight::check(plan, live, client).await?;
    for warning in &report.warnings {
        print_status(&format!("warning: {warning}"));
    }
    Ok(())
}

/// A secret that cannot be read here does not change the plan (CI often plans without the
/// secrets), but the reviewer must learn that apply will need it.
fn warn_unreadable(problems: &[plan::secrets::SecretProblem]) {
    for problem in problems {
        if let plan::secrets::SecretProblem::Unreadable { .. } = problem {
            print_status(&format!(
                "warning: {}; apply will stop before sending anything unless it can read it",
                problem.message()
            ));
        }
    }
}

/// How `plan` ends (the plan is printed): with `--detailed-exitcode`, no changes, changes, or
/// blocked (blocked wins: apply would refuse the plan).
pub fn outcome(plan: &Plan, detailed: bool) -> Done {
    if !detailed || plan.is_empty() {
        Done::Ok
    } else if plan.has_blocked() {
        Done::Reported(ErrorKind::Blocked)
    } else {
        Done::Changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testkit::{desired, desired_cluster, live, live_cluster};

    #[test]
    fn detailed_exit_codes_follow_the_plan() {
        let d = desired(vec![desired_cluster("c1", 3)]);
        let none = plan::diff(&d, &live(vec![live_cluster("c1", 3)], vec![]), "x");
        let changes = plan::diff(&d, &live(vec![], vec![]), "x");
        let mut other = desired_cluster("c1", 6);
        other.node_type = Some("other".into());
        let blocked = plan::diff(
            &desired(vec![other]),
            &live(vec![live_cluster("c1", 3)], vec![]),
            "x",
        );
        assert!(blocked.has_blocked() && blocked.summary().update == 1);
        let code = |plan, detailed| outcome(plan, detailed).exit() as i32;
        assert_eq!(code(&none, true), 0);
        assert_eq!(code(&changes, true), 2);
        assert_eq!(code(&blocked, true), 3);
        assert_eq!(code(&changes, false), 0);
        assert_eq!(code(&blocked, false), 0);
    }
}
