//! Dependency order: one operation per cluster at a time, restores after their snapshot,
//! deletes after their readers; the plan lists dependencies first.

use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};
use crate::spec::{Origin, Presence};

fn ids(plan: &Plan) -> Vec<&str> {
    plan.steps.iter().map(|s| s.id.0.as_str()).collect()
}

fn deps<'p>(plan: &'p Plan, id: &str) -> Vec<&'p str> {
    plan.steps
        .iter()
        .find(|s| s.id.0 == id)
        .map(|s| s.depends_on.iter().map(|d| d.0.as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn one_clusters_changes_run_one_after_another() {
    let mut d = desired_cluster("dws-demo", 6);
    d.tags.insert("env".into(), "prod".into());
    d.password_version = Some("2".into());
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    let plan = diff(
        &desired(vec![d]),
        &live(vec![live_cluster("dws-demo", 3)], vec![]),
        "digest",
    );
    assert_eq!(
        ids(&plan),
        [
            "cluster.dws-demo.tags",
            "cluster.dws-demo.reset_password",
            "cluster.dws-demo.scale_out",
            "snapshot.snap-1.create",
            "cluster.dws-demo.record"
        ]
    );
    assert_eq!(
        deps(&plan, "cluster.dws-demo.scale_out"),
        ["cluster.dws-demo.reset_password"]
    );
    assert_eq!(
        deps(&plan, "snapshot.snap-1.create"),
        ["cluster.dws-demo.scale_out"]
    );
    // The record of the apply is written once everything else on the cluster is done.
    assert_eq!(
        deps(&plan, "cluster.dws-demo.record"),
        ["snapshot.snap-1.create"]
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn restore_waits_for_a_snapshot_that_a_later_cluster_takes() {
    let mut copy = desired_cluster("dws-copy", 3);
    copy.origin = Origin::Restore {
        snapshot: "snap-src".into(),
    };
    let mut src = desired_cluster("dws-src", 3);
    src.snapshots
        .insert("snap-src".into(), desired_snapshot("snap-src"));
    let plan = diff(&desired(vec![copy, src]), &live(vec![], vec![]), "digest");
    assert_eq!(
        ids(&plan),
        [
            "cluster.dws-src.create",
            "snapshot.snap-src.create",
            "cluster.dws-copy.restore"
        ]
    );
    assert_eq!(
        deps(&plan, "cluster.dws-copy.restore"),
        ["snapshot.snap-src.create"]
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn snapshot_is_deleted_only_after_the_restore_that_reads_it() {
    let mut copy = desired_cluster("dws-copy", 3);
    copy.origin = Origin::Restore {
        snapshot: "snap-src".into(),
    };
    let mut src = desired_cluster("dws-src", 3);
    let mut snap = desired_snapshot("snap-src");
    snap.presence = Presence::Absent;
    src.snapshots.insert("snap-src".into(), snap);
    let l = live(
        vec![live_cluster("dws-src", 3)],
        vec![live_snapshot("snap-src", "id-dws-src")],
    );
    let plan = diff(&desired(vec![src, copy]), &l, "digest");
    assert_eq!(
        ids(&plan),
        ["cluster.dws-copy.restore", "snapshot.snap-src.delete"]
    );
    assert_eq!(
        deps(&plan, "snapshot.snap-src.delete"),
        ["cluster.dws-copy.restore"]
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn cluster_is_deleted_only_after_restores_from_its_snapshots() {
    let mut copy = desired_cluster("dws-copy", 3);
    copy.origin = Origin::Restore {
        snapshot: "snap-src".into(),
    };
    let mut src = desired_cluster("dws-src", 3);
    src.presence = Presence::Absent;
    src.snapshots
        .insert("snap-src".into(), desired_snapshot("snap-src"));
    let plan = diff(
        &desired(vec![src, copy]),
        &live(vec![live_cluster("dws-src", 3)], vec![]),
        "digest",
    );
    let delete = deps(&plan, "cluster.dws-src.delete");
    assert!(delete.contains(&"cluster.dws-copy.restore"), "{delete:?}");
    let final_snap = format!(
        "snapshot.{}.create",
        final_snapshot_name("dws-src", "id-dws-src")
    );
    assert!(delete.contains(&final_snap.as_str()), "{delete:?}");
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn delete_waits_for_the_running_operation_and_the_final_snapshot() {
    let mut d = desired_cluster("dws-old", 3);
    d.presence = Presence::Absent;
    let mut l = live_cluster("dws-old", 3);
    l.task_status = Some("SNAPSHOTTING".into());
    let plan = diff(&desired(vec![d]), &live(vec![l], vec![]), "digest");
    let final_snap = format!(
        "snapshot.{}.create",
        final_snapshot_name("dws-old", "id-dws-old")
    );
    assert_eq!(
        ids(&plan),
        [
            "cluster.dws-old.wait",
            final_snap.as_str(),
            "cluster.dws-old.delete"
        ]
    );
    assert_eq!(deps(&plan, &final_snap), ["cluster.dws-old.wait"]);
    assert_eq!(deps(&plan, "cluster.dws-old.delete"), [final_snap.as_str()]);
}

#[test]
fn a_restore_cycle_is_blocked_not_looped() {
    let mut a = desired_cluster("dws-a", 3);
    a.origin = Origin::Restore {
        snapshot: "snap-b".into(),
    };
    a.snapshots
        .insert("snap-a".into(), desired_snapshot("snap-a"));
    let mut b = desired_cluster("dws-b", 3);
    b.origin = Origin::Restore {
        snapshot: "snap-a".into(),
    };
    b.snapshots
        .insert("snap-b".into(), desired_snapshot("snap-b"));
    let plan = diff(&desired(vec![a, b]), &live(vec![], vec![]), "digest");
    assert!(plan.has_blocked());
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}
