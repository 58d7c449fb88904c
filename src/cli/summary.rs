//! GitHub Actions' job summary: when `GITHUB_STEP_SUMMARY` names a file (Actions sets it for
//! every step), `plan` appends the markdown plan to it, whatever `--format` printed, so the
//! run's summary page shows the plan.
//!
//! Bounded: GitHub refuses a step's summary over 1 MiB, so a larger plan is written without
//! its per-cluster sections (the table of counts and the hash stay), and a plan whose table
//! alone is too large as one line saying so. Not fatal: the plan on stdout and the exit code
//! are the command's result, and a CI gate on `--detailed-exitcode` must not turn into an
//! error because a summary file could not be written; a failure is a warning on stderr.

use std::path::Path;

use super::print_status;
use crate::plan::Plan;
use crate::render::{markdown, MarkdownOptions};

/// GitHub's limit for one step's summary.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Appends the plan to `$GITHUB_STEP_SUMMARY` when it is set and not empty.
pub fn append_step_summary(plan: &Plan, hash: &str) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let path = Path::new(&path);
    let text = summary(plan, hash, STEP_SUMMARY_LIMIT);
    if let Err(err) = crate::files::append_regular(path, text.as_bytes()) {
        print_status(&format!(
            "warning: cannot append the plan to the job summary {} (GITHUB_STEP_SUMMARY): {err}",
            path.display()
        ));
    }
}

/// The markdown for the summary, at most `limit` bytes.
fn summary(plan: &Plan, hash: &str, limit: usize) -> String {
    let mut options = MarkdownOptions {
        plan_hash: hash.to_owned(),
        details: true,
    };
    let full = markdown(plan, &options);
    if full.len() <= limit {
        return full;
    }
    options.details = false;
    let short = markdown(plan, &options);
    if short.len() <= limit {
        return short;
    }
    format!(
        "### dwsctl plan\n\nThe plan ({} steps) is too large for a job summary; the job log \
         has it.\n\nplan-hash: `{hash}`\n",
        plan.steps.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testkit::{desired, desired_cluster, live};

    #[test]
    fn a_plan_over_the_limit_loses_its_sections_then_its_table() {
        let clusters = (0..40)
            .map(|i| desired_cluster(&format!("c{i}"), 3))
            .collect();
        let plan = crate::plan::diff(&desired(clusters), &live(vec![], vec![]), "d");
        let full = summary(&plan, "sha256:x", usize::MAX);
        assert!(full.contains("<details>"), "{full}");
        let limit = full.len() - 1;
        let short = summary(&plan, "sha256:x", limit);
        assert!(
            short.len() <= limit && !short.contains("<details"),
            "{short}"
        );
        assert!(short.contains("| <code>c39</code> |") && short.contains("sha256:x"));
        let tiny = summary(&plan, "sha256:x", 100);
        assert!(
            tiny.contains("40 steps") && tiny.contains("sha256:x"),
            "{tiny}"
        );
    }
}
