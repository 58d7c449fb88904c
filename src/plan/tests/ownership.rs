//! Ownership: dwsctl touches only what it created or was told to adopt, and only what the
//! spec names.

use crate::api::wire::Tag;
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};
use crate::spec::{Ownership, Presence};

fn unowned(name: &str) -> crate::api::wire::Cluster {
    let mut l = live_cluster(name, 3);
    l.tags = vec![Tag {
        key: "owner".into(),
        value: "team-x".into(),
    }];
    l
}

#[test]
fn unowned_cluster_with_a_spec_name_is_blocked() {
    let plan = diff(
        &desired(vec![desired_cluster("dws-demo", 6)]),
        &live(vec![unowned("dws-demo")], vec![]),
        "digest",
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn adopted_cluster_is_tagged_before_anything_else() {
    let mut d = desired_cluster("dws-demo", 6);
    d.ownership = Ownership::Adopt;
    d.tags.insert("owner".into(), "team-x".into());
    let plan = diff(
        &desired(vec![d]),
        &live(vec![unowned("dws-demo")], vec![]),
        "digest",
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn unowned_cluster_marked_absent_is_not_deleted() {
    let mut d = desired_cluster("dws-demo", 3);
    d.presence = Presence::Absent;
    let plan = diff(
        &desired(vec![d]),
        &live(vec![unowned("dws-demo")], vec![]),
        "digest",
    );
    assert!(!plan.steps.iter().any(|s| matches!(
        s.action,
        Action::DeleteCluster { .. } | Action::CreateSnapshot { .. }
    )));
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn clusters_and_snapshots_the_spec_does_not_name_are_never_touched() {
    let l = live(
        vec![
            live_cluster("dws-demo", 3),
            live_cluster("someone-else", 3),
            unowned("foreign"),
        ],
        vec![
            live_snapshot("their-snap", "id-someone-else"),
            live_snapshot("old-snap", "id-dws-demo"),
        ],
    );
    let plan = diff(&desired(vec![desired_cluster("dws-demo", 3)]), &l, "digest");
    assert!(plan.is_empty(), "{plan:?}");
}

#[test]
fn snapshot_name_of_another_cluster_is_blocked() {
    let mut d = desired_cluster("dws-demo", 3);
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    let l = live(
        vec![live_cluster("dws-demo", 3), live_cluster("other", 3)],
        vec![live_snapshot("snap-1", "id-other")],
    );
    let plan = diff(&desired(vec![d]), &l, "digest");
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn two_live_clusters_with_the_spec_name_are_blocked() {
    let mut twin = live_cluster("dws-demo", 3);
    twin.id = "id-twin".into();
    let plan = diff(
        &desired(vec![desired_cluster("dws-demo", 3)]),
        &live(vec![live_cluster("dws-demo", 3), twin], vec![]),
        "digest",
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn snapshot_left_behind_by_a_deleted_cluster_can_be_deleted() {
    let mut d = desired_cluster("dws-old", 3);
    d.presence = Presence::Absent;
    let mut s = desired_snapshot("dws-old-final");
    s.presence = Presence::Absent;
    d.snapshots.insert(s.name.clone(), s);
    let l = live(vec![], vec![live_snapshot("dws-old-final", "id-long-gone")]);
    insta::assert_snapshot!(text(
        &diff(&desired(vec![d]), &l, "digest"),
        &TextOptions::default()
    ));
}

#[test]
fn snapshot_of_a_gone_cluster_is_not_claimed_by_a_present_one() {
    let mut d = desired_cluster("dws-demo", 3);
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    let l = live(vec![], vec![live_snapshot("snap-1", "id-long-gone")]);
    let plan = diff(&desired(vec![d]), &l, "digest");
    assert!(plan
        .steps
        .iter()
        .any(|s| matches!(&s.action, Action::Blocked(b) if b.rule == "snapshot_name_taken")));
}

#[test]
fn untagged_cluster_a_restore_left_behind_is_blocked_with_the_way_on() {
    let mut d = desired_cluster("dws-copy", 3);
    d.origin = crate::spec::Origin::Restore {
        snapshot: "snap-a".into(),
    };
    let plan = diff(
        &desired(vec![d]),
        &live(vec![unowned("dws-copy")], vec![]),
        "digest",
    );
    let [step] = &plan.steps[..] else {
        panic!("one blocked step expected: {plan:?}")
    };
    let Action::Blocked(blocked) = &step.action else {
        panic!("blocked expected: {step:?}")
    };
    assert_eq!(blocked.rule, "unowned_cluster");
    assert!(
        blocked.procedure.contains("adopt: true"),
        "{}",
        blocked.procedure
    );
    assert!(
        blocked.procedure.contains("restore cannot carry tags"),
        "{}",
        blocked.procedure
    );
}
