//! `description` end to end on the simulator (issue 12): set right after a create, changed
//! in place (`~ description "old" -> "new"`, one `POST …/description`), the next plan empty;
//! a busy cluster (when planned, or only when the call goes out) gets it after its task,
//! once; the detail is read only for a spec that sets
//! a description; a description from the cloud never reaches the terminal raw; one changed
//! in the console is drift.

use dwsctl::plan::Cause;
use dwsctl::render::{text, TextOptions};
use dwsctl::sim::DEFAULT_SECURITY_GROUP_ID;

use super::apply_inplace::{run_meeting_a_snapshot, spec};
use super::apply_support::{world, World};

const SCALE: f64 = 1500.0;
const DESCRIPTION_ROUTE: &str = "POST /v1/{project_id}/clusters/{cluster_id}/description";
const DETAIL_ROUTE: &str = "GET /v1.0/{project_id}/clusters/{cluster_id}";

fn described(dir: &std::path::Path, text: &str) -> dwsctl::spec::Loaded {
    spec(
        dir,
        DEFAULT_SECURITY_GROUP_ID,
        &format!("    description: {text:?}\n"),
    )
}

async fn cluster_id(world: &World) -> String {
    let live = world.client.observe().await.expect("observe");
    live.cluster("dws-demo").expect("listed").id.clone()
}

/// The description the cluster's detail shows.
async fn shown(world: &World) -> Option<String> {
    let id = cluster_id(world).await;
    let detail = world.client.get_cluster(&id).await.expect("detail");
    detail.cluster_description_info
}

/// The causes of the plan's changes to the description.
fn causes(plan: &dwsctl::plan::Plan) -> Vec<Option<Cause>> {
    plan.steps
        .iter()
        .flat_map(|s| &s.changes)
        .filter(|c| c.field == "description")
        .map(|c| c.cause)
        .collect()
}

/// The plan's step ids, without the step that records the apply (`plan::record`).
fn ids(plan: &dwsctl::plan::Plan) -> Vec<&str> {
    plan.steps
        .iter()
        .map(|s| s.id.0.as_str())
        .filter(|id| !id.ends_with(".record"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_description_is_set_after_the_create_then_changed_in_place_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 16).await;
    let first = described(dir.path(), "Sales warehouse");
    let plan = world.plan(&first).await.expect("plan");
    assert_eq!(
        ids(&plan),
        vec!["cluster.dws-demo.create", "cluster.dws-demo.description"]
    );
    world.applied(&first).await;
    assert_eq!(world.count(DESCRIPTION_ROUTE).await, 1);
    assert_eq!(shown(&world).await.as_deref(), Some("Sales warehouse"));

    let changed = described(dir.path(), "Sales and finance");
    let plan = world.plan(&changed).await.expect("plan");
    assert_eq!(ids(&plan), vec!["cluster.dws-demo.description"]);
    let shown_plan = text(&plan, &TextOptions::default());
    for line in [
        "~ modify description (description)  [cluster.dws-demo.description]",
        "~ description = \"Sales warehouse\" -> \"Sales and finance\"",
        "impact: safe",
    ] {
        assert!(
            shown_plan.contains(line),
            "{line:?} missing from:\n{shown_plan}"
        );
    }
    world.applied(&changed).await;
    assert_eq!(world.count(DESCRIPTION_ROUTE).await, 2);
    assert_eq!(shown(&world).await.as_deref(), Some("Sales and finance"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_spec_with_a_description_reads_the_detail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 17).await;
    let plain = spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, "");
    world.applied(&plain).await;
    let before = world.count(DETAIL_ROUTE).await;
    assert!(world.plan(&plain).await.expect("plan").is_empty());
    assert_eq!(world.count(DETAIL_ROUTE).await, before);
    // Setting one reads the detail of that cluster: one GET per plan.
    let with = described(dir.path(), "Sales");
    world.plan(&with).await.expect("plan");
    assert_eq!(world.count(DETAIL_ROUTE).await, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_cluster_gets_its_description_after_its_task_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 18).await;
    world.applied(&described(dir.path(), "Before")).await;
    let sent = world.count(DESCRIPTION_ROUTE).await;
    // A manual snapshot outside the spec keeps the cluster busy (task SNAPSHOTTING).
    world
        .client
        .create_snapshot(&dwsctl::api::wire::CreateSnapshot {
            name: "outside-1".into(),
            cluster_id: cluster_id(&world).await,
            description: None,
        })
        .await
        .expect("snapshot starts");
    let changed = described(dir.path(), "After");
    let plan = world.plan(&changed).await.expect("plan");
    assert_eq!(
        ids(&plan),
        vec!["cluster.dws-demo.wait", "cluster.dws-demo.description"]
    );
    assert_eq!(plan.steps[1].depends_on, vec![plan.steps[0].id.clone()]);
    world.applied(&changed).await;
    // Ordered after the snapshot: no busy refusal, no second send.
    assert_eq!(world.count(DESCRIPTION_ROUTE).await, sent + 1);
    assert_eq!(shown(&world).await.as_deref(), Some("After"));
}

/// A plan made while the cluster was idle meets it taking an automated snapshot: the
/// description waits for the snapshot to end and is sent once (one sent meanwhile would be
/// refused as busy, 403 DWS.7023, and counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_description_meeting_a_busy_cluster_is_sent_once_after_its_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 19).await;
    world.applied(&described(dir.path(), "Before")).await;
    let sent = world.count(DESCRIPTION_ROUTE).await;
    let changed = described(dir.path(), "After");
    let idle = world
        .client
        .observe_with(&changed.desired.reads())
        .await
        .expect("observe");
    let plan = dwsctl::plan::diff(&changed.desired, &idle, &changed.digest);
    assert_eq!(ids(&plan), vec!["cluster.dws-demo.description"]);
    run_meeting_a_snapshot(&world, &changed, &plan, idle).await;
    assert_eq!(world.count(DESCRIPTION_ROUTE).await, sent + 1);
    assert_eq!(shown(&world).await.as_deref(), Some("After"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_description_with_control_characters_from_the_cloud_is_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 19).await;
    world
        .applied(&spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, ""))
        .await;
    // Set outside dwsctl: none of the API's forbidden characters, but terminal controls.
    let hostile = "x\u{1b}]0;owned\u{7}\u{1b}[2J\ry\nz\u{9b}1m";
    let id = cluster_id(&world).await;
    world
        .client
        .set_description(&id, hostile)
        .await
        .expect("the API takes it");
    let plan = world
        .plan(&described(dir.path(), "Clean"))
        .await
        .expect("plan");
    let shown_plan = text(&plan, &TextOptions::default());
    assert!(shown_plan.contains("modify description"), "{shown_plan}");
    assert!(
        !shown_plan
            .chars()
            .any(|c| matches!(c, '\u{1b}' | '\u{7}' | '\r' | '\u{9b}')),
        "{shown_plan:?}"
    );
}

/// `description` is a recorded field (`plan::record`): one changed in the console is drift,
/// one changed in the spec is spec.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_description_changed_in_the_console_is_drift_in_the_spec_spec() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 20).await;
    let sales = described(dir.path(), "Sales");
    world.applied(&sales).await;
    let id = cluster_id(&world).await;
    world
        .client
        .set_description(&id, "Changed in the console")
        .await
        .expect("set outside dwsctl");
    let plan = world.plan(&sales).await.expect("plan");
    assert_eq!(causes(&plan), [Some(Cause::Drift)]);
    let shown_plan = text(&plan, &TextOptions::default());
    assert!(
        shown_plan.contains("~ description = \"Changed in the console\" -> \"Sales\"  (drift)"),
        "{shown_plan}"
    );
    world.applied(&sales).await;
    let plan = world
        .plan(&described(dir.path(), "Finance"))
        .await
        .expect("plan");
    assert_eq!(causes(&plan), [Some(Cause::Spec)]);
}
