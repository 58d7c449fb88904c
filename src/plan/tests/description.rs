//! `description` (issue 12): planned from the detail read for it, changed in place in the
//! cluster's chain with the other settings, set right after a create or restore.

use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::procedure::rule;
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};
use crate::spec::{DesiredCluster, Origin, Power};

fn described(text: &str) -> DesiredCluster {
    let mut d = desired_cluster("dws-demo", 3);
    d.description = Some(text.into());
    d
}

/// A world with `cluster`, whose detail (read because the spec sets a description) shows
/// `shown` (`None`: the detail has no `cluster_description_info`).
fn world(cluster: Cluster, shown: Option<&str>) -> Live {
    let mut detail = cluster.clone();
    detail.cluster_description_info = shown.map(str::to_owned);
    let mut world = live(vec![cluster], vec![]);
    world.extras.details.insert(detail.name.clone(), detail);
    world
}

/// The plan's step ids, without the step that records the apply (`plan::record`).
fn ids(plan: &Plan) -> Vec<&str> {
    plan.steps
        .iter()
        .map(|s| s.id.0.as_str())
        .filter(|id| !id.ends_with(".record"))
        .collect()
}

fn set(text: &str) -> Action {
    Action::SetDescription {
        description: text.into(),
    }
}

#[test]
fn a_different_description_is_changed_in_place_from_the_detail() {
    let world = world(live_cluster("dws-demo", 3), Some("Old"));
    let plan = diff(&desired(vec![described("Sales")]), &world, "digest");
    assert_eq!(ids(&plan), ["cluster.dws-demo.description"]);
    let step = &plan.steps[0];
    assert_eq!(step.action, set("Sales"));
    assert_eq!(step.action.impact(), Impact::Safe);
    assert_eq!(step.changes[0].field, "description");
    assert_eq!(step.changes[0].old, Some("Old".into()));
    assert_eq!(step.changes[0].new, Some("Sales".into()));
    let shown = text(&plan, &TextOptions::default());
    for line in [
        "~ modify description (description)  [cluster.dws-demo.description]",
        "~ description = \"Old\" -> \"Sales\"",
        "impact: safe",
    ] {
        assert!(shown.contains(line), "{line:?} missing from:\n{shown}");
    }
    // The step's fingerprint is the listed cluster's: the description is not in it (the
    // listings `apply` re-reads do not carry it).
    assert_eq!(step.fingerprint, fingerprint(&step.target, &world));
}

#[test]
fn the_same_description_or_none_in_the_spec_plans_nothing() {
    let same = world(live_cluster("dws-demo", 3), Some("Sales"));
    assert!(diff(&desired(vec![described("Sales")]), &same, "digest").is_empty());
    // No description in the spec: the cluster's is left alone.
    let other = world(live_cluster("dws-demo", 3), Some("Set in the console"));
    assert!(diff(
        &desired(vec![desired_cluster("dws-demo", 3)]),
        &other,
        "digest"
    )
    .is_empty());
    // A detail without the field is a cluster without a description.
    let none = world(live_cluster("dws-demo", 3), None);
    assert!(diff(&desired(vec![described("")]), &none, "digest").is_empty());
    let plan = diff(&desired(vec![described("Sales")]), &none, "digest");
    assert_eq!(plan.steps[0].changes[0].old, Some("".into()));
}

#[test]
fn a_new_cluster_gets_its_description_right_after_the_create() {
    let plan = diff(
        &desired(vec![described("Sales")]),
        &live(vec![], vec![]),
        "digest",
    );
    // The create's body carries the record of the apply: no record step after.
    let all: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        all,
        ["cluster.dws-demo.create", "cluster.dws-demo.description"]
    );
    let step = &plan.steps[1];
    assert_eq!(step.action, set("Sales"));
    assert_eq!(step.depends_on, vec![plan.steps[0].id.clone()]);
    // Nothing to show as the old value: the cluster does not exist yet.
    assert_eq!(step.changes[0].old, None);
    assert!(
        step.reason.contains("take no description"),
        "{}",
        step.reason
    );
    // The create takes none, and a new cluster has none: an empty one needs no step.
    let plan = diff(
        &desired(vec![described("")]),
        &live(vec![], vec![]),
        "digest",
    );
    assert_eq!(ids(&plan), ["cluster.dws-demo.create"]);
}

#[test]
fn a_restored_cluster_gets_its_description_after_the_restore() {
    let mut d = described("Sales");
    d.origin = Origin::Restore {
        snapshot: "snap-1".into(),
    };
    let source = live_cluster("dws-source", 3);
    let snapshot = live_snapshot("snap-1", &source.id);
    let plan = diff(
        &desired(vec![d]),
        &live(vec![source], vec![snapshot]),
        "digest",
    );
    let ids = ids(&plan);
    let restore = ids.iter().position(|id| *id == "cluster.dws-demo.restore");
    let set = ids
        .iter()
        .position(|id| *id == "cluster.dws-demo.description");
    assert!(
        matches!((restore, set), (Some(r), Some(s)) if r < s),
        "{ids:?}"
    );
}

#[test]
fn the_description_follows_the_security_group_and_precedes_a_scale() {
    let mut d = described("Sales");
    d.number_of_node = Some(6);
    d.security_group_id = Some("sg-new".into());
    let plan = diff(
        &desired(vec![d]),
        &world(live_cluster("dws-demo", 3), Some("Old")),
        "digest",
    );
    assert_eq!(
        ids(&plan),
        [
            "cluster.dws-demo.security_group",
            "cluster.dws-demo.description",
            "cluster.dws-demo.scale_out"
        ]
    );
    for pair in plan.steps.windows(2) {
        assert_eq!(pair[1].depends_on, vec![pair[0].id.clone()]);
    }
}

#[test]
fn a_stopped_cluster_is_started_first_or_its_description_blocked() {
    let mut stopped = live_cluster("dws-demo", 3);
    stopped.status = "STOPPED".into();
    let mut d = described("Sales");
    d.power = Some(Power::Running);
    let plan = diff(
        &desired(vec![d.clone()]),
        &world(stopped.clone(), Some("Old")),
        "digest",
    );
    assert_eq!(
        ids(&plan),
        ["cluster.dws-demo.start", "cluster.dws-demo.description"]
    );
    // Kept stopped: a stopped cluster accepts no change but a start (the simulator answers
    // busy), so the description is blocked with the rule, and shown.
    d.power = Some(Power::Stopped);
    let plan = diff(&desired(vec![d]), &world(stopped, Some("Old")), "digest");
    assert_eq!(ids(&plan), ["cluster.dws-demo.blocked"]);
    match &plan.steps[0].action {
        Action::Blocked(b) => assert_eq!(b.rule, rule::STOPPED_CLUSTER),
        other => panic!("not blocked: {other:?}"),
    }
    assert_eq!(plan.steps[0].changes[0].field, "description");
}

#[test]
fn a_description_from_the_cloud_is_escaped_in_the_plan() {
    // One line (shown as a JSON string) and several (shown as a line diff, line by line).
    for (hostile, shows) in [
        (
            "Old\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\rfake line",
            "~ description = \"Old",
        ),
        ("Old\n\u{1b}[2J\u{9b}31mline two\r", "- Old"),
    ] {
        let world = world(live_cluster("dws-demo", 3), Some(hostile));
        let plan = diff(&desired(vec![described("Sales")]), &world, "digest");
        let shown = text(&plan, &TextOptions::default());
        assert!(
            !shown
                .chars()
                .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\r' || c == '\u{9b}'),
            "{shown:?}"
        );
        assert!(shown.contains(shows), "{shown}");
    }
}

#[test]
fn a_renamed_cluster_is_compared_with_the_detail_read_under_its_old_name() {
    let mut d = desired_cluster("dws-new", 3);
    d.renamed_from = Some("dws-old".into());
    d.description = Some("Sales".into());
    // Both names are read: the live cluster may still carry the old one.
    let details: Vec<String> = desired(vec![d.clone()])
        .reads()
        .details
        .into_iter()
        .collect();
    assert_eq!(details, ["dws-new", "dws-old"]);
    let mut world = world(live_cluster("dws-old", 3), Some("Old"));
    let plan = diff(&desired(vec![d.clone()]), &world, "digest");
    assert_eq!(
        ids(&plan),
        ["cluster.dws-old.rename", "cluster.dws-new.description"]
    );
    assert_eq!(plan.steps[1].changes[0].old, Some("Old".into()));
    // The same description under the old name: the rename only.
    if let Some(detail) = world.extras.details.get_mut("dws-old") {
        detail.cluster_description_info = Some("Sales".into());
    }
    let plan = diff(&desired(vec![d]), &world, "digest");
    assert_eq!(ids(&plan), ["cluster.dws-old.rename"]);
}
