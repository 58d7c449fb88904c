//! `plan --format markdown` and the GitHub Actions job summary, through the real binary
//! against the simulator: what a reviewer reads on a pull request (snapshots), the same text
//! appended to `$GITHUB_STEP_SUMMARY`, and a summary that cannot be written being only a
//! warning.

use serde_json::json;

use super::apply_support::ADMIN_PASSWORD;
use crate::cli_support::{self, Run};
use crate::sim_support::{self, Sim};

const QUICKSTART: &str = "examples/quickstart.yaml";

fn plan(sim: &Sim, args: &[&str]) -> cli_support::Dwsctl {
    cli_support::dwsctl(["plan", "-f", QUICKSTART])
        .args(args)
        .ak_sk(&sim.base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
}

fn stdout(run: &Run) -> String {
    String::from_utf8_lossy(&run.stdout).into_owned()
}

#[tokio::test]
async fn the_markdown_plan_is_printed_and_appended_to_the_job_summary() {
    let sim = sim_support::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step output\n").expect("write");
    let run = plan(&sim, &["--format", "markdown", "--detailed-exitcode"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run()
        .await;
    run.assert_exit(2);
    run.assert_no_secrets();
    insta::assert_snapshot!(run.transcript());
    let markdown = stdout(&run);
    assert!(markdown.contains("<details><summary>cluster <code>dws-demo</code>"));
    let written = std::fs::read_to_string(&summary).expect("summary");
    assert_eq!(written, format!("earlier step output\n{markdown}"));
    assert!(!written.contains(ADMIN_PASSWORD));
    // A text plan in the same job appends the same markdown again.
    let run = plan(&sim, &[])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run()
        .await;
    run.assert_exit(0);
    let written = std::fs::read_to_string(&summary).expect("summary");
    assert_eq!(written.matches("### dwsctl plan:").count(), 2, "{written}");
}

#[tokio::test]
async fn a_blocked_cluster_leads_the_markdown_open() {
    let sim = sim_support::start().await;
    // Someone created dws-demo by hand: no managed-by tag.
    let mut body = sim_support::cluster_body("dws-demo");
    body["cluster"]["node_type"] = json!("dws.d1.xlarge");
    let (status, answer) = sim.post("clusters", body).await;
    assert_eq!(status, 200, "{answer}");
    sim.advance(3600.0).await;
    let run = plan(&sim, &["--format", "markdown", "--detailed-exitcode"])
        .run()
        .await;
    run.assert_exit(3);
    let markdown = stdout(&run);
    let blocked = markdown
        .find("<details open><summary>cluster <code>dws-demo</code>: 1 blocked")
        .unwrap_or_else(|| panic!("{markdown}"));
    let other = markdown.find("<details><summary>").unwrap_or(usize::MAX);
    assert!(blocked < other, "{markdown}");
    insta::assert_snapshot!(run.transcript());
}

#[tokio::test]
async fn a_summary_that_cannot_be_written_is_a_warning_not_a_failure() {
    let sim = sim_support::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let run = plan(&sim, &["--detailed-exitcode"])
        .env("GITHUB_STEP_SUMMARY", dir.path())
        .run()
        .await;
    run.assert_exit(2);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("warning: cannot append the plan to the job summary")
            && stderr.contains("not a regular file"),
        "{stderr}"
    );
}

#[tokio::test]
async fn json_and_a_format_together_are_a_usage_error() {
    let run = cli_support::dwsctl(["plan", "--json", "--format", "markdown"])
        .run()
        .await;
    run.assert_exit(1);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
