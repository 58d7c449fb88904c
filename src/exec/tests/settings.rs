//! The synchronous in-place changes (security group, EIP): a busy cluster delays the call,
//! never doubles it; an unknown outcome is looked for before sending again; a plan that
//! moved is stale.

use super::super::fake::{FakeCloud, Fault};
use super::super::*;
use super::kit::{listed, planned_now};
use super::{plan, run, step, target};
use crate::plan::{Action, Step};

fn unbind(eip: &str) -> Step {
    step(
        "cluster.dws-demo.unbind_eip",
        target("dws-demo"),
        Action::UnbindEip { eip_id: eip.into() },
        &[],
    )
}

fn bind(eip: &str, deps: &[&str]) -> Step {
    step(
        "cluster.dws-demo.bind_eip",
        target("dws-demo"),
        Action::BindEip { eip_id: eip.into() },
        deps,
    )
}

#[tokio::test(start_paused = true)]
async fn a_change_of_eip_unbinds_then_binds_each_once() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.set_network("dws-demo", Some("sg-1"), Some("eip-1"));
    let steps = vec![
        unbind("eip-1"),
        bind("eip-2", &["cluster.dws-demo.unbind_eip"]),
    ];
    let report = run(&plan(steps), &cloud, planned_now(&cloud).await).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    let calls: Vec<String> = cloud
        .calls()
        .into_iter()
        .filter(|c| !c.starts_with("list:"))
        .collect();
    assert_eq!(calls, vec!["unbind_eip:c-1", "bind_eip:c-1"]);
    assert_eq!(listed(&cloud, "dws-demo").await.bound_eip(), Some("eip-2"));
}

#[tokio::test(start_paused = true)]
async fn a_busy_cluster_gets_the_security_group_once_its_task_ends() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.set_network("dws-demo", Some("sg-1"), None);
    // Another run's scale-out holds the cluster for a while.
    cloud.resize(&id, 3).await.expect("the other run's resize");
    let step = step(
        "cluster.dws-demo.security_group",
        target("dws-demo"),
        Action::SetSecurityGroup {
            security_group_id: "sg-2".into(),
        },
        &[],
    );
    let report = run(&plan(vec![step]), &cloud, planned_now(&cloud).await).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(
        listed(&cloud, "dws-demo")
            .await
            .security_group_id
            .as_deref(),
        Some("sg-2")
    );
    // Held until a listing shows the cluster idle, then sent once: never to the busy cluster,
    // which would refuse it (issue 12: the route is sent once).
    let calls = cloud.calls();
    let sends = calls
        .iter()
        .filter(|c| c.starts_with("security_group:"))
        .count();
    assert_eq!(sends, 1, "{calls:?}");
    assert_eq!(cloud.nodes("dws-demo"), Some(6));
}

#[tokio::test(start_paused = true)]
async fn an_unbind_whose_answer_was_lost_is_looked_for_not_sent_again() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.set_network("dws-demo", None, Some("eip-1"));
    cloud.fault(&format!("unbind_eip:{id}"), Fault::CommitThenUnknown);
    let report = run(
        &plan(vec![unbind("eip-1")]),
        &cloud,
        planned_now(&cloud).await,
    )
    .await;
    assert_eq!(report.steps[0].outcome, Outcome::Done, "{report:?}");
    assert_eq!(cloud.count("unbind_eip:"), 1, "{:?}", cloud.calls());
    assert_eq!(listed(&cloud, "dws-demo").await.bound_eip(), None);
}

#[tokio::test(start_paused = true)]
async fn a_bind_lost_before_it_took_effect_is_sent_again() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.fault(&format!("bind_eip:{id}"), Fault::LostUnknown);
    let report = run(
        &plan(vec![bind("eip-2", &[])]),
        &cloud,
        planned_now(&cloud).await,
    )
    .await;
    assert_eq!(report.steps[0].outcome, Outcome::Done, "{report:?}");
    assert_eq!(cloud.count("bind_eip:"), 2, "{:?}", cloud.calls());
    assert_eq!(listed(&cloud, "dws-demo").await.bound_eip(), Some("eip-2"));
}

#[tokio::test(start_paused = true)]
async fn a_cluster_holding_another_eip_than_planned_is_stale_and_untouched() {
    let cloud = FakeCloud::new();
    cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.set_network("dws-demo", None, Some("eip-9"));
    let report = run(
        &plan(vec![unbind("eip-1")]),
        &cloud,
        planned_now(&cloud).await,
    )
    .await;
    assert!(
        matches!(&report.steps[0].outcome, Outcome::Stale { reason } if reason.contains("eip-9")),
        "{report:?}"
    );
    assert_eq!(cloud.count("unbind_eip:"), 0);
    // Already bound: done without a call.
    let report = run(
        &plan(vec![bind("eip-9", &[])]),
        &cloud,
        planned_now(&cloud).await,
    )
    .await;
    assert!(
        matches!(&report.steps[0].outcome, Outcome::AlreadyDone { .. }),
        "{report:?}"
    );
    assert_eq!(cloud.count("bind_eip:"), 0);
}
