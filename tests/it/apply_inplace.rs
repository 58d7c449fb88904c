//! Issue 12's in-place changes end to end on the simulator, through the library loop that
//! `dwsctl apply` runs: the plan shows a `~` step naming the operation with the old and new
//! value, apply sends exactly that route once, and the next plan is empty. A busy cluster
//! gets its change after its task, never twice.

use std::path::PathBuf;

use dwsctl::exec::RunStatus;
use dwsctl::plan::{Action, Kind, Plan};
use dwsctl::render::{text, TextOptions};
use dwsctl::sim::{DEFAULT_EIP_IDS, DEFAULT_SECURITY_GROUP_ID, SECOND_SECURITY_GROUP_ID};
use dwsctl::spec::{self, Loaded};

use super::apply_support::{world, World, ADMIN_PASSWORD};

const SCALE: f64 = 1500.0;
const SG_ROUTE: &str = "PUT /v1/{project_id}/clusters/{cluster_id}/security-group";
const BIND_ROUTE: &str = "POST /v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}";
const UNBIND_ROUTE: &str = "DELETE /v2/{project_id}/clusters/{cluster_id}/eips/{eip_id}";

/// A one-cluster spec with `extra` lines (indented for the cluster) after the common fields.
fn spec(dir: &std::path::Path, security_group: &str, extra: &str) -> Loaded {
    std::env::set_var("DWS_ADMIN_PASSWORD", ADMIN_PASSWORD);
    let text = format!(
        "version: 1\nclusters:\n  dws-demo:\n    node_type: dws.d1.xlarge\n    \
         number_of_node: 3\n    vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11\n    \
         subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec\n    \
         security_group_id: {security_group}\n    user_name: dbadmin\n    \
         password: {{from_env: DWS_ADMIN_PASSWORD}}\n{extra}"
    );
    let path: PathBuf = dir.join(format!("spec-{}.yaml", rand_suffix(&text)));
    std::fs::write(&path, text).expect("write spec");
    spec::load(&[path]).expect("spec loads")
}

fn rand_suffix(text: &str) -> usize {
    text.len() ^ text.bytes().map(usize::from).sum::<usize>()
}

fn eip(id: &str) -> String {
    format!("    public_ip: {{public_bind_type: bind_existing, eip_id: {id}}}\n")
}

async fn count(world: &World, route: &str) -> u64 {
    world.requests().await.get(route).copied().unwrap_or(0)
}

/// Applies `loaded` and checks that the run completed and left nothing to do.
async fn apply_to_empty(world: &World, loaded: &Loaded) {
    let report = world.apply(loaded).await.expect("apply");
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let again = world.plan(loaded).await.expect("plan");
    assert!(
        again.is_empty(),
        "{}",
        text(&again, &TextOptions::default())
    );
}

fn updates(plan: &Plan) -> Vec<&Action> {
    assert!(plan.steps.iter().all(|s| s.action.kind() == Kind::Update));
    plan.steps.iter().map(|s| &s.action).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_and_eip_change_in_place_each_route_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 12).await;
    let [first, second] = DEFAULT_EIP_IDS;
    apply_to_empty(
        &world,
        &spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, &eip(first)),
    )
    .await;

    // A new security group and another EIP: modify, unbind, bind, in that order.
    let changed = spec(dir.path(), SECOND_SECURITY_GROUP_ID, &eip(second));
    let plan = world.plan(&changed).await.expect("plan");
    assert_eq!(
        updates(&plan),
        vec![
            &Action::SetSecurityGroup {
                security_group_id: SECOND_SECURITY_GROUP_ID.into()
            },
            &Action::UnbindEip {
                eip_id: first.into()
            },
            &Action::BindEip {
                eip_id: second.into()
            },
        ]
    );
    let shown = text(&plan, &TextOptions::default());
    for line in [
        "~ modify security group (security-group)".to_owned(),
        format!("~ security_group_id = \"{DEFAULT_SECURITY_GROUP_ID}\" -> \"{SECOND_SECURITY_GROUP_ID}\""),
        format!("~ unbind EIP {first}"),
        format!("~ bind EIP {second}"),
        format!("~ public_ip.eip_id = \"{first}\" -> \"{second}\""),
    ] {
        assert!(shown.contains(&line), "{line:?} missing from:\n{shown}");
    }
    let before = world.requests().await;
    apply_to_empty(&world, &changed).await;
    let after = world.requests().await;
    let sent = |route: &str| {
        after.get(route).copied().unwrap_or(0) - before.get(route).copied().unwrap_or(0)
    };
    assert_eq!(
        (sent(SG_ROUTE), sent(UNBIND_ROUTE), sent(BIND_ROUTE)),
        (1, 1, 1)
    );

    // `not_use`: one unbind.
    let none = spec(
        dir.path(),
        SECOND_SECURITY_GROUP_ID,
        "    public_ip: {public_bind_type: not_use}\n",
    );
    let plan = world.plan(&none).await.expect("plan");
    assert_eq!(
        updates(&plan),
        vec![&Action::UnbindEip {
            eip_id: second.into()
        }]
    );
    let unbinds = count(&world, UNBIND_ROUTE).await;
    apply_to_empty(&world, &none).await;
    assert_eq!(count(&world, UNBIND_ROUTE).await, unbinds + 1);
    // The first EIP is free again: another cluster could bind it; this one binds it back.
    let back = spec(dir.path(), SECOND_SECURITY_GROUP_ID, &eip(first));
    let binds = count(&world, BIND_ROUTE).await;
    apply_to_empty(&world, &back).await;
    assert_eq!(count(&world, BIND_ROUTE).await, binds + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_cluster_is_waited_for_then_changed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = world(SCALE, 13).await;
    apply_to_empty(&world, &spec(dir.path(), DEFAULT_SECURITY_GROUP_ID, "")).await;
    // A manual snapshot outside the spec keeps the cluster busy (task SNAPSHOTTING).
    let live = world.client.observe().await.expect("observe");
    let id = live.clusters[0].id.clone();
    world
        .client
        .create_snapshot(&dwsctl::api::wire::CreateSnapshot {
            name: "outside-1".into(),
            cluster_id: id,
            description: None,
        })
        .await
        .expect("snapshot starts");
    let changed = spec(
        dir.path(),
        SECOND_SECURITY_GROUP_ID,
        &eip(DEFAULT_EIP_IDS[0]),
    );
    let plan = world.plan(&changed).await.expect("plan");
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "cluster.dws-demo.wait",
            "cluster.dws-demo.security_group",
            "cluster.dws-demo.bind_eip"
        ]
    );
    assert_eq!(plan.steps[1].depends_on, vec![plan.steps[0].id.clone()]);
    apply_to_empty(&world, &changed).await;
    // Ordered after the snapshot: no busy refusal, no second send.
    assert_eq!(count(&world, SG_ROUTE).await, 1);
    assert_eq!(count(&world, BIND_ROUTE).await, 1);
}
