//! Apply against the simulator through the library: the quickstart end to end, the deletes
//! after final snapshots, and how status is observed (lists, never per-object GETs).

use super::apply_support::{quickstart, world, ADMIN_PASSWORD};
use dwsctl::exec::RunStatus;
use dwsctl::plan::Action;
use dwsctl::spec;

const SCALE: f64 = 2000.0;

/// An overlay marking both quickstart clusters absent.
pub const ABSENT_OVERLAY: &str = "version: 1
clusters:
  dws-demo:
    state: absent
  dws-restore:
    state: absent
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_creates_snapshots_restores_and_then_plans_nothing() {
    let world = world(SCALE, 11).await;
    let loaded = quickstart();
    let report = world.apply(&loaded).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let live = world.client.observe().await.expect("observe");
    let names: Vec<&str> = live.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"dws-demo") && names.contains(&"dws-restore"));
    assert!(live.snapshot("snapshotForDemoCluster").is_some());
    // The restored cluster carries the tags that restore itself cannot set.
    let restored = live.cluster("dws-restore").expect("restored");
    assert!(
        restored.tags.iter().any(|t| t.key == "managed-by"),
        "{:?}",
        restored.tags
    );
    assert!(world.plan(&loaded).await.expect("plan").steps.is_empty());
    // Each operation was sent once; status came from lists only.
    let requests = world.requests().await;
    let count = |route: &str| requests.get(route).copied().unwrap_or(0);
    assert_eq!(count("POST /v1.0/{project_id}/clusters"), 1);
    assert_eq!(count("POST /v1.0/{project_id}/snapshots"), 1);
    assert_eq!(
        count("POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions"),
        1
    );
    assert_eq!(count("GET /v1.0/{project_id}/clusters/{cluster_id}"), 0);
    assert_eq!(count("GET /v1.0/{project_id}/snapshots/{snapshot_id}"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_clusters_absent_deletes_them_after_their_final_snapshots() {
    let world = world(SCALE, 12).await;
    let loaded = quickstart();
    let report = world.apply(&loaded).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let overlay = dir.path().join("absent.yaml");
    std::fs::write(&overlay, ABSENT_OVERLAY).expect("write overlay");
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let absent = spec::load(&[super::apply_support::example("quickstart.yaml"), overlay])
        .expect("overlay loads");
    let plan = world.plan(&absent).await.expect("plan");
    let deletes = plan
        .steps
        .iter()
        .filter(|s| matches!(s.action, Action::DeleteCluster { .. }))
        .count();
    assert_eq!(deletes, 2, "{plan:?}");
    let start = world.clock().await;
    let report = world.apply(&absent).await.expect("apply absent");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert!(world.clock().await > start);

    let live = world.client.observe().await.expect("observe");
    assert!(live.clusters.is_empty(), "{:?}", live.clusters);
    // The final snapshots outlive their clusters.
    let finals = live
        .snapshots
        .iter()
        .filter(|s| s.name != "snapshotForDemoCluster")
        .count();
    assert_eq!(finals, 2, "{:?}", live.snapshots);
    assert!(world.plan(&absent).await.expect("plan").steps.is_empty());
}
