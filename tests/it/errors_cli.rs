//! How `dwsctl` ends when something goes wrong: the exit code each kind of error maps to, the
//! one heading style every error is printed with, and the second Ctrl-C that ends a run at
//! once (the CLI drops the run; the executor never exits the process).

use std::time::Duration;

use serde_json::json;

use super::apply_support::{example, world, ADMIN_PASSWORD};
use super::cli_support::dwsctl;

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
