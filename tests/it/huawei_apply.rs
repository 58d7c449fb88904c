//! dwsctl against the simulator's `huawei` profile (src/sim/profile.rs; README,
//! "Profiles: OTC and Huawei"): the quickstart end to end, ownership that does not depend on the create
//! body, deleted objects answered with Huawei's codes, and base64 error bodies.

use dwsctl::api::Live;
use dwsctl::exec::RunStatus;
use dwsctl::sim::{self, Config, Profile};
use dwsctl::spec;
use serde_json::json;

use super::apply::ABSENT_OVERLAY;
use super::apply_support::{client_for, example, quickstart, World, ADMIN_PASSWORD};

const SCALE: f64 = 2000.0;

/// A simulator playing Huawei Cloud, and a client for it.
pub async fn huawei_world(scale: f64, seed: u64) -> World {
    world_on(Profile::Huawei, scale, seed).await
}

/// A simulator playing `profile`, and a client for it.
pub async fn world_on(profile: Profile, scale: f64, seed: u64) -> World {
    let handle = sim::spawn(Config {
        time_scale: scale,
        seed,
        profile,
        ..Config::default()
    })
    .await
    .expect("spawn simulator");
    let base = handle.base_url();
    World {
        client: client_for(&base, scale),
        handle,
        base,
        http: reqwest::Client::new(),
        scale,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_converges_on_huawei_and_both_clusters_are_owned() {
    let world = huawei_world(SCALE, 21).await;
    let loaded = quickstart();
    let report = world.apply(&loaded).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_owned(&world.client.observe().await.expect("observe"));
    let plan = world.plan(&loaded).await.expect("plan");
    assert!(plan.steps.is_empty(), "{plan:?}");
    let requests = world.requests().await;
    assert_eq!(requests.get("POST /v1.0/{project_id}/clusters"), Some(&1));

    // And away again: final snapshots, then deletes that end in Huawei's not-found codes.
    let dir = tempfile::tempdir().expect("tempdir");
    let overlay = dir.path().join("absent.yaml");
    std::fs::write(&overlay, ABSENT_OVERLAY).expect("write overlay");
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let absent = spec::load(&[example("quickstart.yaml"), overlay]).expect("overlay loads");
    let report = world.apply(&absent).await.expect("apply absent");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let live = world.client.observe().await.expect("observe");
    assert!(live.clusters.is_empty(), "{:?}", live.clusters);
    let plan = world.plan(&absent).await.expect("plan");
    assert!(plan.steps.is_empty(), "{plan:?}");
}

fn assert_owned(live: &Live) {
    for name in ["dws-demo", "dws-restore"] {
        let cluster = live.cluster(name).expect("listed");
        assert!(
            cluster
                .tags
                .iter()
                .any(|t| t.key == "managed-by" && t.value == "dwsctl"),
            "{name}: {:?}",
            cluster.tags
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_on_huawei_is_adopted_and_tagged_not_sent_again() {
    let world = huawei_world(SCALE, 22).await;
    let lost = json!({"rules": [{"route": "POST /v1.0/{project_id}/clusters", "times": 1,
                                 "fault": {"kind": "reset_after_commit"}}]});
    world.post("/_sim/faults", &lost).await;
    let loaded = quickstart();
    let report = world.apply(&loaded).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_owned(&world.client.observe().await.expect("observe"));
    let requests = world.requests().await;
    assert_eq!(requests.get("POST /v1.0/{project_id}/clusters"), Some(&1));
    assert!(world.plan(&loaded).await.expect("plan").steps.is_empty());
}

/// The same through the real binary: `--sim --sim-profile huawei` plan, apply, plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_converges_on_the_embedded_huawei_simulator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = example("quickstart.yaml").display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["--sim-profile", "huawei"];
        all.extend_from_slice(args);
        super::apply_cli::command(dir.path(), super::apply_cli::SCALE, &all)
    };
    run(&["plan", "-f", &q, "--detailed-exitcode"])
        .run()
        .await
        .assert_exit(2);
    let out = run(&["apply", "-f", &q, "--yes"]).run().await;
    out.assert_exit(0);
    assert!(
        out.stderr()
            .contains("Apply complete: 3 done, 0 failed, 0 skipped."),
        "{}",
        out.stderr()
    );
    run(&["plan", "-f", &q, "--detailed-exitcode"])
        .run()
        .await
        .assert_exit(0);
}
