//! How `dwsctl` ends when something goes wrong: the exit code each kind of error maps to, the
//! one heading style every error is printed with (`Error: <kind>::<name>`), and the second
//! Ctrl-C that ends a run at once (the CLI drops the run; the executor never exits the
//! process).

use std::time::Duration;

use serde_json::json;

use super::apply_cli::{command, SCALE};
use super::apply_support::{example, world, ADMIN_PASSWORD};
use super::cli_support::{dwsctl, Run};

/// Asserts the exit code and that stderr holds the error in the one style: every heading is
/// `Error: <kind>` or `Error: <kind>::<name>` on its own line, followed by a blank line and
/// the `×` message; `heading` is the first; no other style (`error:` from clap, a bare
/// `dwsctl::…` code line) is left.
#[track_caller]
fn assert_error(run: &Run, code: i32, heading: &str) {
    run.assert_exit(code).assert_no_secrets();
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    let headings: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("Error"))
        .collect();
    assert_eq!(
        headings.first().map(|&i| lines[i]),
        Some(heading),
        "{stderr}"
    );
    for i in headings {
        let code = lines[i].strip_prefix("Error: ").unwrap_or_default();
        let well_formed = !code.is_empty()
            && code.split("::").count() <= 2
            && code.split("::").all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            });
        assert!(well_formed, "heading {:?} in:\n{stderr}", lines[i]);
        assert_eq!(lines.get(i + 1), Some(&""), "{stderr}");
        assert!(
            lines.get(i + 2).is_some_and(|l| l.starts_with("  × ")),
            "{stderr}"
        );
    }
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("error:") || l.starts_with("dwsctl::")),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_error_is_headed_spec_then_each_problem_by_its_rule_and_keeps_its_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bad.yaml"),
        "version: 1\nclusters:\n  dws-demo:\n    prot: 8000\n",
    )
    .expect("write");
    let run = dwsctl(["validate", "-f", "bad.yaml"])
        .current_dir(dir.path())
        .run()
        .await;
    assert_error(&run, 1, "Error: spec");
    let stderr = run.stderr();
    assert!(stderr.contains("\nError: spec::unknown_key\n"), "{stderr}");
    assert!(stderr.contains("╭─[bad.yaml:4:5]"), "{stderr}");
    assert!(stderr.contains("help: did you mean `port`?"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credentials_is_a_config_error() {
    let run = dwsctl(["plan", "-f"])
        .arg(example("quickstart.yaml"))
        .run()
        .await;
    assert_error(&run, 1, "Error: config::no_credentials");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_an_api_error() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let run = dwsctl(["plan", "-f"])
        .arg(example("quickstart.yaml"))
        .password_auth(&format!("http://127.0.0.1:{port}"))
        .run()
        .await;
    assert_error(&run, 1, "Error: api::unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_plan_is_refused_with_exit_3_under_the_blocked_heading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let quickstart = example("quickstart.yaml").display().to_string();
    // Too short for the API's password rule: the create is blocked at plan time.
    let run = command(dir.path(), SCALE, &["apply", "-f", &quickstart, "--yes"])
        .env("DWS_ADMIN_PASSWORD", "Sh0rt!pw")
        .run()
        .await;
    assert_error(&run, 3, "Error: blocked");
    assert!(run.stderr().contains("nothing was executed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_line_mistake_is_a_usage_error_with_clap_s_tip_as_help() {
    let run = dwsctl(["plan", "--detailed-exitcod"]).run().await;
    assert_error(&run, 1, "Error: usage::arguments");
    let stderr = run.stderr();
    assert!(
        stderr.contains("  × unexpected argument '--detailed-exitcod' found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: tip: a similar argument exists: '--detailed-exitcode'"),
        "{stderr}"
    );
    let run = dwsctl(Vec::<String>::new()).run().await;
    assert_error(&run, 1, "Error: usage::arguments");
    assert!(run.stderr().contains("a command is required"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_made_for_another_spec_is_stale_and_an_unconfirmed_apply_is_not_confirmed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let quickstart = example("quickstart.yaml").display().to_string();
    command(
        dir.path(),
        SCALE,
        &["plan", "-f", &quickstart, "--out", "plan.json"],
    )
    .run()
    .await
    .assert_exit(0);
    std::fs::write(dir.path().join("other.yaml"), "version: 1\nclusters: {}\n").expect("write");
    let run = command(
        dir.path(),
        SCALE,
        &["apply", "-f", "other.yaml", "plan.json"],
    )
    .run()
    .await;
    assert_error(&run, 4, "Error: stale");
    // No --yes and no terminal: nothing is applied.
    let run = command(dir.path(), SCALE, &["apply", "-f", &quickstart])
        .run()
        .await;
    assert_error(&run, 1, "Error: not_confirmed::no_terminal");
}

const TAG_ROUTE: &str = "POST /v1.0/{project_id}/clusters/{cluster_id}/tags/batch-create";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_during_the_restore_grace_exits_130_at_once() {
    // The restore's tag call takes 30 s: after the first Ctrl-C the run would give it up to
    // 6 s (the ownership unit's grace) before it returns.
    let world = world(600.0, 13).await;
    world
        .post(
            "/_sim/faults",
            &json!({"rules": [{"route": TAG_ROUTE, "fault": {"kind": "latency", "ms": 30_000}}]}),
        )
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cmd = dwsctl(["apply", "-f"])
        .arg(example("quickstart.yaml"))
        .arg("--yes")
        .password_auth(&world.base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .current_dir(dir.path());
    let run = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn();
        assert!(child.wait_for_line("cluster.dws-restore.restore: started"));
        std::thread::sleep(Duration::from_millis(300));
        child.signal("-INT");
        assert!(child.wait_for_line("Interrupt received"));
        child.signal("-INT");
        child.wait_within(Duration::from_secs(12))
    })
    .await
    .expect("join");
    assert_eq!(run.code(), Some(130), "{}", run.text());
    // Well under the 6 s grace the first Ctrl-C alone would have waited.
    assert!(run.took < Duration::from_secs(4), "took {:?}", run.took);
    assert!(run.stderr().contains("Second interrupt: exiting now."));
}
