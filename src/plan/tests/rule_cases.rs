//! One rule per test: the tiny world of `testkit`, one change, the rendered plan.

use crate::api::wire::Tag;
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};
use crate::spec::{DeletePolicy, Origin, Presence, PublicIpSpec};

fn show(desired: &crate::spec::Desired, live: &crate::api::Live) -> String {
    let plan = diff(desired, live, "digest");
    text(&plan, &TextOptions::default())
}

fn one(name: &str) -> (crate::spec::DesiredCluster, crate::api::wire::Cluster) {
    (desired_cluster(name, 3), live_cluster(name, 3))
}

// ---- action kinds ------------------------------------------------------------------------

#[test]
fn matching_world_has_no_changes() {
    let (d, l) = one("dws-demo");
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![])));
}

#[test]
fn missing_cluster_is_created_with_ownership_tag() {
    let (mut d, _) = one("dws-demo");
    d.password_version = Some("1".into());
    d.tags.insert("env".into(), "dev".into());
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![], vec![])));
}

#[test]
fn missing_cluster_with_restore_origin_is_restored_from_its_snapshot() {
    let (mut d, _) = one("dws-copy");
    d.origin = Origin::Restore {
        snapshot: "snap-a".into(),
    };
    d.node_type = None;
    d.number_of_node = None;
    let src = live_cluster("dws-src", 3);
    let l = live(vec![src], vec![live_snapshot("snap-a", "id-dws-src")]);
    insta::assert_snapshot!(show(&desired(vec![d]), &l));
}

#[test]
fn restored_cluster_is_scaled_and_given_its_password_after_the_restore() {
    let (mut d, _) = one("dws-copy");
    d.origin = Origin::Restore {
        snapshot: "snap-a".into(),
    };
    d.number_of_node = Some(6);
    d.password_version = Some("1".into());
    let l = live(
        vec![live_cluster("dws-src", 3)],
        vec![live_snapshot("snap-a", "id-dws-src")],
    );
    insta::assert_snapshot!(show(&desired(vec![d]), &l));
}

#[test]
fn more_nodes_scale_out_with_resize() {
    let (mut d, l) = one("dws-demo");
    d.number_of_node = Some(6);
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![])));
}

#[test]
fn scale_out_by_fewer_than_three_nodes_is_blocked_not_rounded() {
    let (mut d, l) = one("dws-demo");
    d.number_of_node = Some(5);
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![])));
}

#[test]
fn fewer_nodes_scale_in_with_cluster_shrink() {
    let (mut d, mut l) = one("dws-demo");
    l.number_of_node = 6;
    d.number_of_node = Some(4);
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![])));
}

#[test]
fn password_version_change_resets_password() {
    let (mut d, mut l) = one("dws-demo");
    l.tags.push(Tag {
        key: PASSWORD_VERSION_TAG_KEY.into(),
        value: "1".into(),
    });
    d.password_version = Some("2".into());
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![])));
}

/// The plan, not the executor, decides which tags a reset deletes: the version tag it saw.
#[test]
fn a_password_reset_records_the_version_tag_it_replaces() {
    let reset_deletes = |live_version: Option<&str>| {
        let (mut d, mut l) = one("dws-demo");
        if let Some(v) = live_version {
            l.tags.push(Tag {
                key: PASSWORD_VERSION_TAG_KEY.into(),
                value: v.into(),
            });
        }
        d.password_version = Some("2".into());
        let plan = diff(&desired(vec![d]), &live(vec![l], vec![]), "digest");
        plan.steps
            .into_iter()
            .find_map(|s| match s.action {
                Action::ResetPassword { delete_tags, .. } => Some(delete_tags),
                _ => None,
            })
            .expect("a reset step")
    };
    assert_eq!(
        reset_deletes(Some("1")),
        vec![TagKv {
            key: PASSWORD_VERSION_TAG_KEY.into(),
            value: "1".into(),
        }]
    );
    assert_eq!(reset_deletes(None), Vec::<TagKv>::new());
}

#[test]
fn tag_changes_are_batched_and_dwsctl_tags_are_kept() {
    let (mut d, mut l) = one("dws-demo");
    l.tags.extend([
        Tag {
            key: "env".into(),
            value: "dev".into(),
        },
        Tag {
            key: "stale".into(),
            value: "x".into(),
        },
        Tag {
            key: PASSWORD_VERSION_TAG_KEY.into(),
            value: "7".into(),
        },
    ]);
    d.tags.insert("env".into(), "prod".into());
    d.tags.insert("team".into(), "data".into());
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![])));
}

#[test]
fn new_snapshot_is_taken_after_its_new_cluster() {
    let (mut d, _) = one("dws-demo");
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![], vec![])));
}

#[test]
fn absent_snapshot_is_deleted() {
    let (mut d, l) = one("dws-demo");
    let mut s = desired_snapshot("snap-1");
    s.presence = Presence::Absent;
    d.snapshots.insert("snap-1".into(), s);
    let l = live(vec![l], vec![live_snapshot("snap-1", "id-dws-demo")]);
    insta::assert_snapshot!(show(&desired(vec![d]), &l));
}

#[test]
fn absent_cluster_is_deleted_after_a_final_snapshot() {
    let (mut d, l) = one("dws-old");
    d.presence = Presence::Absent;
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![])));
}

#[test]
fn absent_cluster_without_final_snapshot_policy_is_deleted_directly() {
    let (mut d, l) = one("dws-old");
    d.presence = Presence::Absent;
    d.delete_policy = DeletePolicy {
        final_snapshot: false,
        keep_last_manual_snapshot: 0,
    };
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![])));
}

#[test]
fn final_snapshot_taken_by_an_earlier_run_is_not_taken_twice() {
    let (mut d, l) = one("dws-old");
    d.presence = Presence::Absent;
    let fin = live_snapshot(&final_snapshot_name("dws-old", "id-dws-old"), "id-dws-old");
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![l], vec![fin])));
}

#[test]
fn absent_cluster_that_is_already_gone_needs_nothing() {
    let (mut d, _) = one("dws-old");
    d.presence = Presence::Absent;
    let plan = diff(&desired(vec![d]), &live(vec![], vec![]), "digest");
    assert!(plan.is_empty(), "{plan:?}");
}

// ---- fields with no in-place operation --------------------------------------------------

macro_rules! blocked_field {
    ($name:ident, |$d:ident, $l:ident| $change:expr) => {
        #[test]
        fn $name() {
            #[allow(unused_mut)]
            let (mut $d, mut $l) = one("dws-demo");
            $change;
            let plan = diff(&desired(vec![$d]), &live(vec![$l], vec![]), "digest");
            assert!(plan.has_blocked(), "{plan:?}");
            insta::assert_snapshot!(text(&plan, &TextOptions::default()));
        }
    };
}

blocked_field!(vpc_change_is_blocked_not_replaced, |d, l| d.vpc_id =
    Some("vpc-2".into()));
blocked_field!(subnet_change_is_blocked_not_replaced, |d, l| d.subnet_id =
    Some("subnet-2".into()));
blocked_field!(availability_zone_change_is_blocked_not_replaced, |d, l| d
    .availability_zone =
    Some("eu-de-02".into()));
blocked_field!(port_change_is_blocked_not_replaced, |d, l| d.port =
    Some(8100));
blocked_field!(user_name_change_is_blocked_not_replaced, |d, l| d
    .user_name =
    Some("root2".into()));
blocked_field!(node_type_change_is_blocked_not_replaced, |d, l| d
    .node_type =
    Some("dws.m3.2xlarge".into()));
blocked_field!(enterprise_project_change_is_blocked_not_replaced, |d, l| {
    d.enterprise_project_id = Some("eps-9".into())
});
blocked_field!(
    public_ip_bind_type_change_is_blocked_not_replaced,
    |d, l| d.public_ip = Some(PublicIpSpec {
        public_bind_type: "auto_assign".into(),
        eip_id: None,
    })
);
blocked_field!(
    several_immutable_changes_make_one_blocked_step_with_every_field,
    |d, l| {
        d.port = Some(9000);
        d.node_type = Some("dws.d2.xlarge".into());
        d.number_of_node = Some(6);
    }
);

#[test]
fn snapshot_description_change_is_blocked() {
    let (mut d, l) = one("dws-demo");
    let mut s = desired_snapshot("snap-1");
    s.description = Some("nightly".into());
    d.snapshots.insert("snap-1".into(), s);
    let l = live(vec![l], vec![live_snapshot("snap-1", "id-dws-demo")]);
    insta::assert_snapshot!(show(&desired(vec![d]), &l));
}

#[test]
fn restore_to_another_node_type_is_blocked() {
    let (mut d, _) = one("dws-copy");
    d.origin = Origin::Restore {
        snapshot: "snap-a".into(),
    };
    d.node_type = Some("dws.d2.xlarge".into());
    let l = live(
        vec![live_cluster("dws-src", 3)],
        vec![live_snapshot("snap-a", "id-dws-src")],
    );
    insta::assert_snapshot!(show(&desired(vec![d]), &l));
}

#[test]
fn restore_from_a_snapshot_nobody_has_is_blocked() {
    let (mut d, _) = one("dws-copy");
    d.origin = Origin::Restore {
        snapshot: "snap-x".into(),
    };
    insta::assert_snapshot!(show(&desired(vec![d]), &live(vec![], vec![])));
}

#[test]
fn a_policy_step_comes_last_in_the_cluster_chain_and_a_new_cluster_gets_one() {
    let (mut d, l) = one("dws-demo");
    d.tags.insert("env".into(), "prod".into());
    let block = crate::spec::AutomatedSnapshots {
        enabled: None,
        keep_days: Some(7),
        exclusive: false,
        policies: Default::default(),
    };
    d.automated_snapshots = Some(block.clone());
    let mut live = live(vec![l], vec![]);
    live.extras.policies.insert(
        "dws-demo".into(),
        crate::api::policy::SnapshotPolicy {
            keep_day: Some(3),
            ..Default::default()
        },
    );
    let (mut fresh, _) = one("dws-new");
    fresh.automated_snapshots = Some(block);
    let plan = diff(&desired(vec![d, fresh]), &live, "digest");
    let ids: Vec<(&str, Vec<&str>)> = plan
        .steps
        .iter()
        .map(|s| {
            let deps = s.depends_on.iter().map(|d| d.0.as_str()).collect();
            (s.id.0.as_str(), deps)
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("cluster.dws-demo.tags", vec![]),
            ("cluster.dws-new.create", vec![]),
            ("cluster.dws-demo.policy", vec!["cluster.dws-demo.tags"]),
            ("cluster.dws-new.policy", vec!["cluster.dws-new.create"]),
            // The record of the apply (issue 14) follows the existing cluster's last change;
            // the new cluster's is in its create's body, which covers its policy.
            ("cluster.dws-demo.record", vec!["cluster.dws-demo.policy"]),
        ]
    );
}

#[test]
fn a_policy_that_was_not_read_is_blocked_not_guessed() {
    let (mut d, l) = one("dws-demo");
    d.automated_snapshots = Some(crate::spec::AutomatedSnapshots {
        enabled: None,
        keep_days: Some(7),
        exclusive: false,
        policies: Default::default(),
    });
    let plan = diff(&desired(vec![d]), &live(vec![l], vec![]), "digest");
    let rules: Vec<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Blocked(b) => Some(b.rule.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(rules, ["policy_not_read"]);
}
