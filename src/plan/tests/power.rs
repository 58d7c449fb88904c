//! `power`: a stopped cluster is a planned state; the start goes first, the stop last.

use crate::api::wire::Cluster;
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};
use crate::spec::{DesiredCluster, Power};

fn plan_for(d: DesiredCluster, l: Cluster) -> Plan {
    diff(&desired(vec![d]), &live(vec![l], vec![]), "digest")
}

fn stopped(nodes: u32) -> Cluster {
    let mut l = live_cluster("dws-demo", nodes);
    l.status = "STOPPED".into();
    l
}

fn with_power(nodes: u32, power: Power) -> DesiredCluster {
    let mut d = desired_cluster("dws-demo", nodes);
    d.power = Some(power);
    d
}

/// The plan's step ids, without the step that records the apply (`plan::record`).
fn ids(plan: &Plan) -> Vec<&str> {
    plan.steps
        .iter()
        .map(|s| s.id.0.as_str())
        .filter(|id| !id.ends_with(".record"))
        .collect()
}

#[test]
fn a_stopped_cluster_the_spec_wants_running_is_started() {
    let plan = plan_for(with_power(3, Power::Running), stopped(3));
    assert_eq!(ids(&plan), ["cluster.dws-demo.start"]);
    let step = &plan.steps[0];
    assert_eq!(step.action, Action::StartCluster);
    assert_eq!(
        step.fingerprint,
        fingerprint(&step.target, &live(vec![stopped(3)], vec![]))
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn a_stopped_cluster_with_a_scale_out_is_started_first() {
    let plan = plan_for(with_power(6, Power::Running), stopped(3));
    assert_eq!(
        ids(&plan),
        ["cluster.dws-demo.start", "cluster.dws-demo.scale_out"]
    );
    let scale = &plan.steps[1];
    assert_eq!(
        scale.depends_on,
        vec![StepId("cluster.dws-demo.start".into())]
    );
    // The scale is planned from the running cluster the start leaves behind.
    let running = live(vec![live_cluster("dws-demo", 3)], vec![]);
    assert_eq!(scale.fingerprint, fingerprint(&scale.target, &running));
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn a_running_cluster_the_spec_wants_stopped_is_stopped_after_its_changes_and_snapshots() {
    let mut d = with_power(6, Power::Stopped);
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    let plan = plan_for(d, live_cluster("dws-demo", 3));
    assert_eq!(
        ids(&plan),
        [
            "cluster.dws-demo.scale_out",
            "snapshot.snap-1.create",
            "cluster.dws-demo.stop"
        ]
    );
    assert_eq!(
        plan.steps[2].depends_on,
        vec![StepId("snapshot.snap-1.create".into())]
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn a_stopped_cluster_the_spec_keeps_stopped_plans_nothing_and_blocks_changes() {
    assert!(plan_for(with_power(3, Power::Stopped), stopped(3)).is_empty());
    let plan = plan_for(with_power(6, Power::Stopped), stopped(3));
    assert_eq!(plan.steps.len(), 1);
    let Action::Blocked(b) = &plan.steps[0].action else {
        panic!("{:?}", plan.steps[0].action)
    };
    assert_eq!(b.rule, procedure::rule::STOPPED_CLUSTER);
    assert!(b.procedure.contains("power: running"), "{}", b.procedure);
    assert_eq!(plan.steps[0].changes[0].field, "number_of_node");
}

#[test]
fn without_power_a_stopped_cluster_is_blocked_and_the_way_out_names_the_field() {
    let plan = plan_for(desired_cluster("dws-demo", 3), stopped(3));
    let Action::Blocked(b) = &plan.steps[0].action else {
        panic!("{:?}", plan.steps[0].action)
    };
    assert_eq!(b.rule, procedure::rule::STOPPED_CLUSTER);
    assert!(b.procedure.contains("`power: running`"), "{}", b.procedure);
}

#[test]
fn a_cluster_being_stopped_is_waited_for_then_started() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "STOPPING".into();
    let plan = plan_for(with_power(3, Power::Running), l.clone());
    assert_eq!(
        ids(&plan),
        ["cluster.dws-demo.wait", "cluster.dws-demo.start"]
    );
    // Kept stopped: the wait is all (its end is STOPPED).
    let plan = plan_for(with_power(3, Power::Stopped), l);
    assert_eq!(ids(&plan), ["cluster.dws-demo.wait"]);
}

#[test]
fn a_cluster_being_started_is_not_started_again() {
    let mut l = live_cluster("dws-demo", 3);
    l.status = "STARTING".into();
    let plan = plan_for(with_power(3, Power::Running), l);
    assert_eq!(ids(&plan), ["cluster.dws-demo.wait"]);
}

#[test]
fn a_new_cluster_the_spec_wants_stopped_is_stopped_once_created() {
    let d = with_power(3, Power::Stopped);
    let plan = diff(&desired(vec![d]), &live(vec![], vec![]), "digest");
    assert_eq!(
        ids(&plan),
        ["cluster.dws-demo.create", "cluster.dws-demo.stop"]
    );
}

#[test]
fn a_stopped_cluster_kept_stopped_is_still_adopted_and_only_its_other_changes_are_blocked() {
    let mut l = stopped(3);
    l.tags.clear();
    let mut d = with_power(3, Power::Stopped);
    d.ownership = crate::spec::Ownership::Adopt;
    let plan = plan_for(d.clone(), l.clone());
    assert_eq!(ids(&plan), ["cluster.dws-demo.tags"]);
    d.number_of_node = Some(6);
    let plan = plan_for(d, l);
    let actions: Vec<&Action> = plan.steps.iter().map(|s| &s.action).collect();
    assert!(
        matches!(actions[..], [Action::UpdateTags { .. }, Action::Blocked(_)]),
        "{actions:?}"
    );
    assert_eq!(plan.steps[1].changes[0].field, "number_of_node");
}
