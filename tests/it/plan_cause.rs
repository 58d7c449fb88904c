//! Drift versus change end to end on the simulator: dwsctl applies a spec (leaving its record
//! tag), then the spec, the cloud (changed directly through the API, as in the console), or
//! both move, and the plan says which for every change, in JSON and in text.

use std::time::Duration;

use dwsctl::api::policy::{PutSnapshotPolicy, StrategyRequest};
use dwsctl::api::wire::Tag;
use dwsctl::plan::{Action, Cause, Plan, APPLIED_TAG_KEY};
use dwsctl::render::{markdown, text, MarkdownOptions, TextOptions};
use dwsctl::spec::{self, Loaded};

use super::apply_support::{world, World, ADMIN_PASSWORD};

const SCALE: f64 = 2000.0;
const NAME: &str = "drift-demo";

/// A one-cluster spec with `nodes` nodes and the tag `env`.
fn spec_of(dir: &std::path::Path, nodes: u32, env: &str) -> Loaded {
    let path = dir.join(format!("spec-{nodes}-{env}.yaml"));
    let yaml = format!(
        "version: 1
clusters:
  {NAME}:
    node_type: dws.d1.xlarge
    number_of_node: {nodes}
    vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11
    subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec
    security_group_id: 12e3c23a-8710-4b75-95e4-5c8d7f68ef3c
    user_name: dbadmin
    password: {{from_env: DWS_ADMIN_PASSWORD}}
    tags:
      env: {env}
"
    );
    std::fs::write(&path, yaml).expect("write spec");
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    spec::load(&[path]).expect("spec loads")
}

/// A one-cluster spec whose automated-snapshot policy keeps snapshots `keep_days` days and
/// has the one policy `nightly`, the whole set.
fn policy_spec(dir: &std::path::Path, keep_days: u32) -> Loaded {
    spec_of(dir, 3, "dev");
    let yaml = std::fs::read_to_string(dir.join("spec-3-dev.yaml")).expect("read spec");
    let path = dir.join(format!("policy-{keep_days}.yaml"));
    let block = format!(
        "    automated_snapshots:
      keep_days: {keep_days}
      exclusive: true
      policies:
        nightly: {{schedule: \"0 0 2 ? * *\", type: full}}
"
    );
    std::fs::write(&path, format!("{yaml}{block}")).expect("write spec");
    spec::load(&[path]).expect("spec loads")
}

/// The causes of the plan's changes to `field`.
fn causes(plan: &Plan, field: &str) -> Vec<Option<Cause>> {
    plan.steps
        .iter()
        .flat_map(|s| &s.changes)
        .filter(|c| c.field == field)
        .map(|c| c.cause)
        .collect()
}

async fn cluster_id(world: &World) -> String {
    let live = world.client.observe().await.expect("observe");
    live.cluster(NAME).expect("listed").id.clone()
}

/// Sets tag `env` directly through the API, as someone in the console would.
async fn set_env_tag(world: &World, value: &str) {
    let id = cluster_id(world).await;
    let tag = |v: &str| Tag {
        key: "env".into(),
        value: v.into(),
    };
    world
        .client
        .delete_tags(&id, &[tag("")])
        .await
        .expect("delete tag");
    world
        .client
        .create_tags(&id, &[tag(value)])
        .await
        .expect("create tag");
}

/// Scales the cluster out by 3 directly through the API and waits until it has `nodes`.
async fn scale_out_outside(world: &World, nodes: u32) {
    let id = cluster_id(world).await;
    world.client.resize(&id, 3).await.expect("resize");
    for _ in 0..600 {
        let live = world.client.observe().await.expect("observe");
        let c = live.cluster(NAME).expect("listed");
        if c.number_of_node == nodes && c.status == "AVAILABLE" && c.task_status.is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the resize made outside dwsctl did not end");
}

/// The fenced block of the README that ends right before `marker`.
fn readme_block_before(marker: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(path).expect("read README.md");
    let at = text.find(marker).expect("marker in the README");
    let close = text[..at].rfind("```").expect("a closing fence");
    let open = text[..close].rfind("```").expect("an opening fence");
    text[open..close]
        .split_once('\n')
        .map_or("", |(_, rest)| rest)
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_changed_in_the_spec_outside_dwsctl_or_both_say_so() {
    let world = world(SCALE, 141).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = spec_of(dir.path(), 3, "dev");
    let prod = spec_of(dir.path(), 3, "prod");
    world.applied(&dev).await;
    // The create carried the record in its body: no tag call was needed.
    let requests = world.requests().await;
    assert_eq!(
        requests.get("POST /v1.0/{project_id}/clusters/{cluster_id}/tags/batch-create"),
        None,
        "{requests:?}"
    );
    let live = world.client.observe().await.expect("observe");
    let record = live.cluster(NAME).and_then(|c| {
        c.tags
            .iter()
            .find(|t| t.key == APPLIED_TAG_KEY)
            .map(|t| t.value.clone())
    });
    assert!(record.is_some(), "the create leaves the record");

    let plan = world.plan(&prod).await.expect("plan");
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Spec)]);

    set_env_tag(&world, "test").await;
    let plan = world.plan(&dev).await.expect("plan");
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Drift)]);
    let shown = text(&plan, &TextOptions::default());
    assert!(
        shown.contains("~ tags.env = \"test\" -> \"dev\"  (drift)"),
        "{shown}"
    );
    assert!(
        shown.contains("Drift (changed outside dwsctl): cluster \"drift-demo\": tags.env."),
        "{shown}"
    );
    let json = dwsctl::render::json(&plan);
    assert!(json.contains("\"cause\": \"drift\""), "{json}");
    // The markdown (a nightly job's summary) names it too, even without the steps.
    let options = MarkdownOptions {
        plan_hash: dwsctl::plan::plan_hash(&plan),
        details: false,
    };
    let md = markdown(&plan, &options);
    assert!(
        md.contains(
            "**Drift** (changed outside dwsctl): cluster <code>drift-demo</code>: \
             <code>tags.env</code>."
        ),
        "{md}"
    );

    let plan = world.plan(&prod).await.expect("plan");
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Conflict)]);

    // Applying the spec resolves it and records the new values: the next spec change is
    // `spec` again, and a change in the cloud `drift`.
    world.applied(&prod).await;
    let plan = world.plan(&dev).await.expect("plan");
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Spec)]);
    set_env_tag(&world, "staging").await;
    let plan = world.plan(&prod).await.expect("plan");
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Drift)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_count_changed_in_the_console_or_in_the_spec_says_so() {
    let world = world(SCALE, 142).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let three = spec_of(dir.path(), 3, "dev");
    let six = spec_of(dir.path(), 6, "dev");
    let nine = spec_of(dir.path(), 9, "dev");
    world.applied(&three).await;

    let plan = world.plan(&six).await.expect("plan");
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Spec)]);

    scale_out_outside(&world, 6).await;
    let plan = world.plan(&three).await.expect("plan");
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Drift)]);
    let plan = world.plan(&nine).await.expect("plan");
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Conflict)]);
    // A spec change and drift in one plan: the README's example.
    let prod = spec_of(dir.path(), 3, "prod");
    let plan = world.plan(&prod).await.expect("plan");
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Spec)]);
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Drift)]);
    let shown = text(&plan, &TextOptions::default());
    assert_eq!(
        readme_block_before("dwsctl keeps no state file: the record"),
        shown,
        "the README's example plan"
    );

    // A scale records what it applied in one step after it, which replaces the old record
    // (one batch-delete, one batch-create): the next plan sees the new values as applied.
    let plan = world.plan(&nine).await.expect("plan");
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        ids,
        ["cluster.drift-demo.scale_out", "cluster.drift-demo.record"]
    );
    let Some(Action::UpdateTags { create, delete }) = plan.steps.get(1).map(|s| &s.action) else {
        panic!("a record step: {plan:?}");
    };
    assert_eq!((create.len(), delete.len()), (1, 1), "{plan:?}");
    world.applied(&nine).await;
    let live = world.client.observe().await.expect("observe");
    let record = live.cluster(NAME).and_then(|c| {
        c.tags
            .iter()
            .find(|t| t.key == APPLIED_TAG_KEY)
            .map(|t| t.value.clone())
    });
    assert_eq!(record.as_deref(), create.first().map(|t| t.value.as_str()));
    let plan = world.plan(&six).await.expect("plan");
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Spec)]);
}

/// Huawei's create drops the body's tags (README, "Profiles: OTC and Huawei"): the record is
/// added with the other tags by the one tag call after the create, and causes work the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_huawei_the_record_is_added_after_the_create() {
    let world = super::huawei_apply::huawei_world(SCALE, 143).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = spec_of(dir.path(), 3, "dev");
    world.applied(&dev).await;
    let requests = world.requests().await;
    assert_eq!(
        requests.get("POST /v1.0/{project_id}/clusters/{cluster_id}/tags/batch-create"),
        Some(&1),
        "{requests:?}"
    );
    set_env_tag(&world, "test").await;
    let plan = world.plan(&dev).await.expect("plan");
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Drift)]);
    let prod = spec_of(dir.path(), 3, "prod");
    let plan = world.plan(&prod).await.expect("plan");
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Conflict)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_stopped_in_the_console_shows_its_power_as_drift() {
    let world = world(SCALE, 143).await;
    let dir = tempfile::tempdir().expect("tempdir");
    spec_of(dir.path(), 3, "dev");
    let yaml = std::fs::read_to_string(dir.path().join("spec-3-dev.yaml")).expect("read spec");
    let path = dir.path().join("power.yaml");
    std::fs::write(&path, format!("{yaml}    power: running\n")).expect("write spec");
    let running = spec::load(&[path]).expect("spec loads");
    world.applied(&running).await;

    let id = cluster_id(&world).await;
    world.client.stop_cluster(&id).await.expect("stop");
    for _ in 0..600 {
        let live = world.client.observe().await.expect("observe");
        if live.cluster(NAME).is_some_and(|c| c.status == "STOPPED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let plan = world.plan(&running).await.expect("plan");
    assert_eq!(causes(&plan, "power"), [Some(Cause::Drift)]);
}

/// `automated_snapshots` is recorded: the create's body carries the record, policy included
/// (no tag call after the policy step), and a policy changed through the API is drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_changed_through_the_api_is_drift_and_a_new_cluster_records_it_at_create() {
    let world = world(SCALE, 144).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let seven = policy_spec(dir.path(), 7);
    let ten = policy_spec(dir.path(), 10);
    let plan = world.plan(&seven).await.expect("plan");
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        ids,
        ["cluster.drift-demo.create", "cluster.drift-demo.policy"]
    );
    world.applied(&seven).await;
    let requests = world.requests().await;
    for route in [
        "POST /v1.0/{project_id}/clusters/{cluster_id}/tags/batch-create",
        "POST /v1.0/{project_id}/clusters/{cluster_id}/tags/batch-delete",
    ] {
        assert_eq!(requests.get(route), None, "{route}: {requests:?}");
    }
    assert_eq!(
        requests.get("PUT /v2/{project_id}/clusters/{cluster_id}/snapshot-policies"),
        Some(&1),
        "{requests:?}"
    );

    let retention = "automated_snapshots.keep_days";
    let plan = world.plan(&ten).await.expect("plan");
    assert_eq!(causes(&plan, retention), [Some(Cause::Spec)]);

    // Through the API, as in the console: a shorter retention and one more policy.
    let id = cluster_id(&world).await;
    let put = PutSnapshotPolicy {
        keep_day: Some(3),
        backup_strategies: Some(vec![StrategyRequest {
            policy_name: Some("extra".into()),
            backup_strategy: Some("0 0 4 ? * 1".into()),
            backup_type: Some("increment".into()),
            backup_level: Some("cluster".into()),
            ..StrategyRequest::default()
        }]),
        ..PutSnapshotPolicy::default()
    };
    world
        .client
        .put_snapshot_policy(&id, &put)
        .await
        .expect("put policy");
    let plan = world.plan(&seven).await.expect("plan");
    assert_eq!(causes(&plan, retention), [Some(Cause::Drift)]);
    let extra = "automated_snapshots.policies.extra";
    assert_eq!(causes(&plan, extra), [Some(Cause::Drift)]);
    let shown = text(&plan, &TextOptions::default());
    assert!(
        shown.contains(&format!(
            "Drift (changed outside dwsctl): cluster \"{NAME}\": "
        )),
        "{shown}"
    );
    assert!(
        shown.contains(retention) && shown.contains(extra),
        "{shown}"
    );
    let plan = world.plan(&ten).await.expect("plan");
    // One record slot for the block (as for `tags`): with the spec and the cloud both moved,
    // each of its changes is a conflict.
    assert_eq!(causes(&plan, retention), [Some(Cause::Conflict)]);
    assert_eq!(causes(&plan, extra), [Some(Cause::Conflict)]);

    // Applying records the new policy with one record step after the policy step.
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        ids,
        ["cluster.drift-demo.policy", "cluster.drift-demo.record"]
    );
    world.applied(&ten).await;
    let plan = world.plan(&seven).await.expect("plan");
    assert_eq!(causes(&plan, retention), [Some(Cause::Spec)]);
}
