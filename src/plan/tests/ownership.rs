//! Ownership: dwsctl touches only what it created or was told to adopt, and only what the
//! spec names.

use crate::api::wire::Tag;
use crate::api::Live;
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};
use crate::spec::{Desired, Origin, Ownership, Presence};

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

/// A spec restoring `snap-src` (of `dws-src`) to `dws-copy`, and the live state an apply
/// killed between the restore and its tag call leaves: the source, its snapshot, and an
/// untagged `dws-copy` created after the snapshot.
fn killed_restore() -> (Desired, Live) {
    let mut copy = desired_cluster("dws-copy", 3);
    copy.origin = Origin::Restore {
        snapshot: "snap-src".into(),
    };
    (copy.vpc_id, copy.subnet_id, copy.security_group_id) = (None, None, None);
    (copy.availability_zone, copy.port, copy.node_type) = (None, None, None);
    let mut src = desired_cluster("dws-src", 3);
    src.snapshots
        .insert("snap-src".into(), desired_snapshot("snap-src"));
    let mut snapshot = live_snapshot("snap-src", "id-dws-src");
    snapshot.started = Some("2026-11-30T08:00:00Z".into());
    snapshot.finished = Some("2026-11-30T08:04:00Z".into());
    let mut restored = live_cluster("dws-copy", 3);
    restored.tags.clear();
    restored.created = Some("2026-11-30T08:05:00".into());
    (
        desired(vec![copy, src]),
        live(vec![live_cluster("dws-src", 3), restored], vec![snapshot]),
    )
}

fn adoption_reason(plan: &Plan) -> Option<&str> {
    plan.steps.iter().find_map(|s| match &s.action {
        Action::UpdateTags { create, .. }
            if s.target.name() == "dws-copy"
                && create.iter().any(|t| t.key == OWNERSHIP_TAG_KEY) =>
        {
            Some(s.reason.as_str())
        }
        _ => None,
    })
}

#[test]
fn an_untagged_cluster_proven_to_be_the_specs_restore_is_adopted_without_a_spec_edit() {
    let (d, l) = killed_restore();
    let plan = diff(&d, &l, "digest");
    assert!(!plan.has_blocked(), "{plan:?}");
    let reason = adoption_reason(&plan).expect("an adoption tag step");
    assert!(
        reason.contains("restore of snapshot snap-src") && reason.contains("interrupted apply"),
        "{reason}"
    );
}

#[test]
fn a_restore_target_that_someone_else_made_is_still_blocked() {
    let (d, l) = killed_restore();
    let copy = |l: &Live| l.clusters.iter().position(|c| c.name == "dws-copy");
    let mut cases: Vec<(&str, Live)> = Vec::new();
    let mut tagged = l.clone();
    let i = copy(&tagged).expect("copy");
    tagged.clusters[i].tags.push(Tag {
        key: "owner".into(),
        value: "team-x".into(),
    });
    cases.push(("a foreign tag", tagged));
    let mut older = l.clone();
    older.clusters[i].created = Some("2026-11-30T07:59:00".into());
    cases.push(("created before the snapshot", older));
    let mut flavor = l.clone();
    flavor.clusters[i].node_type = "dws.d2.xlarge".into();
    cases.push(("another node type", flavor));
    let mut user = l.clone();
    user.clusters[i].user_name = "someone".into();
    cases.push(("another admin user", user));
    let mut network = l.clone();
    network.clusters[i].vpc_id = Some("vpc-2".into());
    cases.push(("another VPC", network));
    let mut undated = l.clone();
    undated.clusters[i].created = None;
    cases.push(("no creation time", undated));
    let mut gone = l.clone();
    gone.clusters.retain(|c| c.name != "dws-src");
    cases.push(("source gone, not restoring", gone));
    for (what, live) in cases {
        let plan = diff(&d, &live, "digest");
        assert!(adoption_reason(&plan).is_none(), "{what}: {plan:?}");
        assert!(plan.has_blocked(), "{what}: {plan:?}");
    }
}

#[test]
fn a_restoring_untagged_cluster_is_adopted_after_its_restore_even_if_the_source_is_gone() {
    let (d, mut l) = killed_restore();
    l.clusters.retain(|c| c.name != "dws-src");
    let copy = l
        .clusters
        .iter_mut()
        .find(|c| c.name == "dws-copy")
        .expect("copy");
    copy.status = "CREATING".into();
    copy.task_status = Some("RESTORING".into());
    let plan = diff(&d, &l, "digest");
    assert!(adoption_reason(&plan).is_some(), "{plan:?}");
    assert!(
        plan.steps
            .iter()
            .any(|s| matches!(s.action, Action::Wait { .. }) && s.target.name() == "dws-copy"),
        "{plan:?}"
    );
}
