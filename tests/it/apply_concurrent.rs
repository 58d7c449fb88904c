//! Two `dwsctl apply` processes at the same moment against one simulator (two CI pipelines
//! running one spec): exactly one scale call each way, the cluster at the target, both runs
//! succeed and the one that waited says whose work it found. Also two runs of one saved plan.

use std::path::Path;
use std::time::Duration;

use super::apply_support::{world, World, ADMIN_PASSWORD};
use super::cli_support::{self, Dwsctl, Run};

/// Real-time patience per process: far above a normal run (seconds at this time scale).
const PATIENCE: Duration = Duration::from_secs(90);
const SCALE: f64 = 200.0;

fn spec(nodes: u32) -> String {
    format!(
        "version: 1
clusters:
  twin-demo:
    node_type: dws.d1.xlarge
    number_of_node: {nodes}
    vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11
    subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec
    security_group_id: 12e3c23a-8710-4b75-95e4-5c8d7f68ef3c
    user_name: dbadmin
    password: {{from_env: DWS_ADMIN_PASSWORD}}
"
    )
}

/// `dwsctl ARGS` against the simulator at `base` (it learns the time scale from it).
fn dwsctl(dir: &Path, base: &str, args: &[&str]) -> Dwsctl {
    cli_support::dwsctl(args)
        .password_auth(base)
        .env("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .current_dir(dir)
}

/// Starts both commands at once and waits for both (killing one that outlives PATIENCE).
async fn together(first: Dwsctl, second: Dwsctl) -> [Run; 2] {
    tokio::task::spawn_blocking(move || {
        let children = [first, second].map(|cmd| cmd.spawn());
        children.map(|child| child.wait_within(PATIENCE))
    })
    .await
    .expect("join")
}

async fn run(cmd: Dwsctl) -> Run {
    cmd.run().await
}

fn stderr(out: &Run) -> String {
    out.stderr()
}

/// Calls since the last reset whose route ends with `suffix`.
async fn calls(world: &World, suffix: &str) -> u64 {
    world
        .requests()
        .await
        .iter()
        .filter(|(route, _)| route.ends_with(suffix))
        .map(|(_, n)| n)
        .sum()
}

async fn nodes(world: &World) -> u64 {
    let live = world.client.observe().await.expect("observe");
    let cluster = live.cluster("twin-demo").expect("listed");
    assert!(
        cluster.tags.iter().all(|t| t.key != "dwsctl-lease"),
        "a lease was left behind: {:?}",
        cluster.tags
    );
    u64::from(cluster.number_of_node)
}

/// Both runs exit 0; one of them waited for the other and reports the work as in place.
fn assert_both_succeed_and_one_reports_the_other(outs: &[Run; 2]) {
    for out in outs {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    }
    let waited: Vec<String> = outs
        .iter()
        .map(stderr)
        .filter(|e| e.contains("done (already in place)"))
        .collect();
    assert_eq!(
        waited.len(),
        1,
        "{}\n-----\n{}",
        stderr(&outs[0]),
        stderr(&outs[1])
    );
    // It met the other run's lease, or (when it planned after the other run's call) a
    // running operation that its plan waited for.
    assert!(
        waited[0].contains("waiting for another dwsctl run")
            || waited[0].contains(".wait: started"),
        "{}",
        waited[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_at_once_scale_out_and_in_exactly_once() {
    let world = world(SCALE, 91).await;
    let dir = tempfile::tempdir().expect("tempdir");
    for nodes_wanted in [3, 6] {
        std::fs::write(
            dir.path().join(format!("n{nodes_wanted}.yaml")),
            spec(nodes_wanted),
        )
        .expect("write spec");
    }
    let apply = |file: &str| dwsctl(dir.path(), &world.base, &["apply", "--yes", "-f", file]);
    let out = run(apply("n3.yaml")).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    for (file, route, target) in [("n6.yaml", "/resize", 6), ("n3.yaml", "/cluster-shrink", 3)] {
        world.reset_requests().await;
        let started = world.clock().await;
        let outs = together(apply(file), apply(file)).await;
        assert_both_succeed_and_one_reports_the_other(&outs);
        assert_eq!(calls(&world, route).await, 1, "{route}");
        assert_eq!(nodes(&world).await, target);
        // One operation (at most 600 s) and the lease's handshakes, not the 60-min limit.
        let took = world.clock().await - started;
        assert!(took < 1800.0, "{took} simulated seconds");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_of_one_saved_plan_both_succeed_with_one_scale_call() {
    let world = world(SCALE, 92).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("n3.yaml"), spec(3)).expect("write spec");
    std::fs::write(dir.path().join("n6.yaml"), spec(6)).expect("write spec");
    let base = world.base.clone();
    let cmd = |args: &[&str]| dwsctl(dir.path(), &base, args);
    let out = run(cmd(&["apply", "--yes", "-f", "n3.yaml"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(cmd(&["plan", "-f", "n6.yaml", "--out", "p.json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    world.reset_requests().await;
    let outs = together(cmd(&["apply", "p.json"]), cmd(&["apply", "p.json"])).await;
    assert_both_succeed_and_one_reports_the_other(&outs);
    assert_eq!(calls(&world, "/resize").await, 1);
    assert_eq!(nodes(&world).await, 6);
}
