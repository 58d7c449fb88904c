//! `renamed_from`: a live cluster under the old name is renamed, not created anew; the
//! cluster's other steps follow the rename under the new name; both names live is blocked.

use crate::api::wire::Tag;
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};

fn renamed(nodes: u32) -> crate::spec::DesiredCluster {
    let mut d = desired_cluster("dws-new", nodes);
    d.renamed_from = Some("dws-old".into());
    d
}

fn ids(plan: &Plan) -> Vec<&str> {
    plan.steps.iter().map(|s| s.id.0.as_str()).collect()
}

#[test]
fn the_old_cluster_is_renamed_and_its_later_steps_follow_the_new_name() {
    let mut d = renamed(6);
    d.tags.insert("env".into(), "prod".into());
    let old = live_cluster("dws-old", 3);
    let world = live(vec![old], vec![]);
    let plan = diff(&desired(vec![d]), &world, "digest");
    assert_eq!(
        ids(&plan),
        vec![
            "cluster.dws-old.rename",
            "cluster.dws-new.tags",
            "cluster.dws-new.scale_out",
            "cluster.dws-new.record",
        ]
    );
    let rename = &plan.steps[0];
    assert_eq!(
        rename.action,
        Action::RenameCluster {
            new_name: "dws-new".into()
        }
    );
    assert_eq!(rename.target.name(), "dws-old");
    // Planned from the live cluster as it is; the next step from the same facts, renamed.
    assert_eq!(rename.fingerprint, fingerprint(&rename.target, &world));
    assert_eq!(plan.steps[1].depends_on, vec![rename.id.clone()]);
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn once_renamed_the_field_changes_nothing() {
    let plan = diff(
        &desired(vec![renamed(3)]),
        &live(vec![live_cluster("dws-new", 3)], vec![]),
        "digest",
    );
    assert!(plan.is_empty(), "{plan:?}");
    // Neither name live: the cluster is created under the new name.
    let plan = diff(&desired(vec![renamed(3)]), &live(vec![], vec![]), "digest");
    assert_eq!(ids(&plan), vec!["cluster.dws-new.create"]);
}

#[test]
fn both_names_live_is_blocked_with_the_reason() {
    let world = live(
        vec![live_cluster("dws-old", 3), live_cluster("dws-new", 3)],
        vec![],
    );
    let plan = diff(&desired(vec![renamed(3)]), &world, "digest");
    assert_eq!(ids(&plan), vec!["cluster.dws-new.blocked"]);
    let Action::Blocked(b) = &plan.steps[0].action else {
        panic!("{plan:?}");
    };
    assert_eq!(b.rule, procedure::rule::RENAME_CONFLICT);
    assert!(b.reason.contains("both live clusters"), "{}", b.reason);
}

#[test]
fn another_tools_cluster_is_renamed_only_when_adopted() {
    let mut old = live_cluster("dws-old", 3);
    old.tags.clear();
    let world = live(vec![old], vec![]);
    let plan = diff(&desired(vec![renamed(3)]), &world, "digest");
    assert_eq!(ids(&plan), vec!["cluster.dws-old.blocked"]);
    let mut adopting = renamed(3);
    adopting.ownership = crate::spec::Ownership::Adopt;
    let plan = diff(&desired(vec![adopting]), &world, "digest");
    assert_eq!(
        ids(&plan),
        vec!["cluster.dws-old.rename", "cluster.dws-new.tags"]
    );
}

#[test]
fn a_busy_old_cluster_is_waited_for_before_the_rename() {
    let mut old = live_cluster("dws-old", 3);
    old.task_status = Some("SNAPSHOTTING".into());
    old.tags.push(Tag {
        key: "x".into(),
        value: "y".into(),
    });
    let plan = diff(
        &desired(vec![renamed(3)]),
        &live(vec![old], vec![]),
        "digest",
    );
    assert_eq!(
        ids(&plan)[..2],
        ["cluster.dws-old.wait", "cluster.dws-old.rename"]
    );
    assert_eq!(plan.steps[1].depends_on, vec![plan.steps[0].id.clone()]);
}

/// The spec renames `dws-old` and declares a retention and a CN count: both were read under
/// the live (old) name.
#[test]
fn the_policy_and_cns_read_under_the_old_name_are_planned_after_the_rename() {
    let mut d = renamed(3);
    d.number_of_cn = Some(4);
    d.automated_snapshots = Some(crate::spec::AutomatedSnapshots {
        enabled: None,
        keep_days: Some(7),
        exclusive: false,
        policies: Default::default(),
    });
    let spec = desired(vec![d]);
    let reads = spec.reads();
    for set in [&reads.policies, &reads.coordinators] {
        assert_eq!(set.iter().collect::<Vec<_>>(), ["dws-new", "dws-old"]);
    }
    let mut world = live(vec![live_cluster("dws-old", 3)], vec![]);
    world.extras.policies.insert(
        "dws-old".into(),
        crate::api::policy::SnapshotPolicy {
            keep_day: Some(3),
            ..Default::default()
        },
    );
    world.extras.coordinators.insert(
        "dws-old".into(),
        crate::api::ops::CoordinatorList {
            min_num: 2,
            max_num: 5,
            instances: (1..=3)
                .map(|i| crate::api::ops::CoordinatorNode {
                    id: format!("cn-{i}"),
                    name: format!("cn-{i}"),
                    private_ip: String::new(),
                })
                .collect(),
        },
    );
    let plan = diff(&spec, &world, "digest");
    assert_eq!(
        ids(&plan),
        vec![
            "cluster.dws-old.rename",
            "cluster.dws-new.add_cns",
            "cluster.dws-new.policy",
            "cluster.dws-new.record",
        ]
    );
    let changes: Vec<(&str, String)> = plan.steps[2]
        .changes
        .iter()
        .map(|c| (c.field.as_str(), format!("{:?} -> {:?}", c.old, c.new)))
        .collect();
    assert_eq!(
        changes,
        [(
            "automated_snapshots.keep_days",
            "Some(Number(3)) -> Some(Number(7))".to_owned()
        )]
    );
}
