//! The record's format and limits, the cause of each kind of difference, and where the plan
//! writes the record.

use super::*;
use crate::api::rules;
use crate::api::wire::Tag;
use crate::plan::diff;
use crate::plan::model::{Plan, OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE};
use crate::plan::testkit::{desired, desired_cluster, live, live_cluster};

/// A live cluster as the last apply of `applied` left it, then changed by `edit`.
fn applied(applied: &DesiredCluster, edit: impl FnOnce(&mut Cluster)) -> Cluster {
    let mut c = live_cluster(&applied.name, applied.number_of_node.unwrap_or(3));
    for (k, v) in &applied.tags {
        c.tags.push(tag(k, v));
    }
    if let Some(v) = &applied.password_version {
        c.tags.push(tag(PASSWORD_VERSION_TAG_KEY, v));
    }
    c.tags.push(tag(APPLIED_TAG_KEY, &value(applied)));
    edit(&mut c);
    c
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

fn set_tag(c: &mut Cluster, key: &str, value: &str) {
    c.tags.retain(|t| t.key != key);
    c.tags.push(tag(key, value));
}

fn with_tag(mut d: DesiredCluster, key: &str, value: &str) -> DesiredCluster {
    d.tags.insert(key.to_owned(), value.to_owned());
    d
}

fn plan_of(spec: DesiredCluster, cluster: Cluster) -> Plan {
    diff(&desired(vec![spec]), &live(vec![cluster], vec![]), "digest")
}

/// The cause of every change of the plan to `field`, in plan order.
fn causes(plan: &Plan, field: &str) -> Vec<Option<Cause>> {
    plan.steps
        .iter()
        .flat_map(|s| &s.changes)
        .filter(|c| c.field == field)
        .map(|c| c.cause)
        .collect()
}

#[test]
fn the_record_fits_the_tag_rules_and_has_room_for_every_field() {
    let mut d = desired_cluster("c1", 3);
    d.password_version = Some("v".repeat(43));
    d = with_tag(d, "env", "prod");
    let record = value(&d);
    assert_eq!(record.len(), 1 + SLOT * FIELDS.len());
    assert!(rules::tag_value(&record).is_ok(), "{record}");
    assert!(rules::tag_key(APPLIED_TAG_KEY).is_ok());
    // 14 fields fill the 43 characters a tag value may have.
    assert_eq!(rules::MAX_TAG_VALUE, 1 + SLOT * 14);
    assert!(FIELDS.len() <= 14);
}

#[test]
fn the_record_depends_on_each_field_and_on_whether_the_spec_sets_it() {
    let base = desired_cluster("c1", 3);
    let mut more = base.clone();
    more.number_of_node = Some(6);
    let mut unset = base.clone();
    unset.number_of_node = None;
    let tagged = with_tag(base.clone(), "env", "prod");
    let records = [&base, &more, &unset, &tagged].map(value);
    for (i, a) in records.iter().enumerate() {
        for b in records.iter().skip(i + 1) {
            assert_ne!(a, b);
        }
    }
    // Only the field's own slot moves.
    assert_eq!(records[0].get(4..), records[1].get(4..));
    assert_ne!(records[0].get(1..4), records[1].get(1..4));
}

#[test]
fn a_node_count_changed_in_the_spec_is_spec() {
    let before = desired_cluster("c1", 3);
    let plan = plan_of(desired_cluster("c1", 6), applied(&before, |_| {}));
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Spec)]);
}

#[test]
fn a_node_count_changed_in_the_cloud_is_drift() {
    let spec = desired_cluster("c1", 3);
    let plan = plan_of(spec.clone(), applied(&spec, |c| c.number_of_node = 6));
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Drift)]);
}

#[test]
fn a_node_count_changed_on_both_sides_is_a_conflict() {
    let before = desired_cluster("c1", 3);
    let plan = plan_of(
        desired_cluster("c1", 9),
        applied(&before, |c| c.number_of_node = 6),
    );
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Conflict)]);
}

#[test]
fn tags_changed_in_the_spec_in_the_cloud_or_both() {
    let before = with_tag(desired_cluster("c1", 3), "env", "dev");
    let spec_moved = with_tag(desired_cluster("c1", 3), "env", "prod");
    let plan = plan_of(spec_moved.clone(), applied(&before, |_| {}));
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Spec)]);
    let plan = plan_of(
        before.clone(),
        applied(&before, |c| set_tag(c, "env", "test")),
    );
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Drift)]);
    // A tag added in the console is drift too, as its removal.
    let plan = plan_of(
        before.clone(),
        applied(&before, |c| set_tag(c, "owner", "x")),
    );
    assert_eq!(causes(&plan, "tags.owner"), [Some(Cause::Drift)]);
    let plan = plan_of(spec_moved, applied(&before, |c| set_tag(c, "env", "test")));
    assert_eq!(causes(&plan, "tags.env"), [Some(Cause::Conflict)]);
}

#[test]
fn a_cluster_without_a_record_has_unknown_causes() {
    let plan = plan_of(desired_cluster("c1", 6), live_cluster("c1", 3));
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Unknown)]);
    // A record of another format is no record either.
    let mut c = live_cluster("c1", 3);
    c.tags.push(tag(APPLIED_TAG_KEY, "0abc"));
    let plan = plan_of(desired_cluster("c1", 6), c);
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Unknown)]);
}

#[test]
fn a_field_the_spec_starts_to_set_is_spec() {
    let mut before = desired_cluster("c1", 3);
    before.number_of_node = None;
    let plan = plan_of(desired_cluster("c1", 6), applied(&before, |_| {}));
    assert_eq!(causes(&plan, "number_of_node"), [Some(Cause::Spec)]);
}

#[test]
fn a_password_version_changed_in_the_spec_is_spec_with_its_password() {
    let mut before = desired_cluster("c1", 3);
    before.password_version = Some("1".into());
    let mut spec = before.clone();
    spec.password_version = Some("2".into());
    let plan = plan_of(spec, applied(&before, |_| {}));
    assert_eq!(causes(&plan, "password_version"), [Some(Cause::Spec)]);
    assert_eq!(causes(&plan, "password"), [Some(Cause::Spec)]);
}

#[test]
fn creates_deletes_and_fields_without_an_in_place_call_are_spec() {
    let plan = diff(
        &desired(vec![desired_cluster("new", 3)]),
        &live(vec![], vec![]),
        "digest",
    );
    let all: Vec<_> = plan.steps.iter().flat_map(|s| &s.changes).collect();
    assert!(!all.is_empty());
    assert!(all.iter().all(|c| c.cause == Some(Cause::Spec)), "{all:?}");
    let spec = desired_cluster("c1", 3);
    let mut moved = spec.clone();
    moved.node_type = Some("dws.m3.2xlarge".into());
    let plan = plan_of(moved, applied(&spec, |_| {}));
    assert_eq!(causes(&plan, "node_type"), [Some(Cause::Spec)]);
}

#[test]
fn context_values_and_waits_have_no_cause() {
    let spec = desired_cluster("c1", 6);
    let plan = plan_of(
        spec.clone(),
        applied(&spec, |c| c.status = "CREATING".into()),
    );
    let wait = plan.steps.first().expect("a wait");
    assert!(matches!(wait.action, Action::Wait { .. }));
    assert!(wait.changes.iter().all(|c| c.cause.is_none()));
    let mut c = live_cluster("c1", 3);
    c.tags.clear();
    let plan = plan_of(desired_cluster("c1", 3), c);
    let blocked = plan.steps.first().expect("an unowned block");
    assert!(blocked.changes.iter().all(|c| c.cause.is_none()));
}

#[test]
fn a_plan_that_changes_nothing_writes_no_record() {
    // Neither a cluster without one, nor one whose record is from an older spec: a plan never
    // has a step only to write the record.
    let plan = plan_of(desired_cluster("c1", 3), live_cluster("c1", 3));
    assert!(plan.is_empty());
    let mut spec = desired_cluster("c1", 3);
    let before = applied(&spec, |c| c.number_of_node = 6);
    spec.number_of_node = Some(6);
    assert!(plan_of(spec, before).is_empty());
}

#[test]
fn a_scale_is_followed_by_one_record_step_that_replaces_the_old_record() {
    let before = desired_cluster("c1", 3);
    let spec = desired_cluster("c1", 6);
    let old = value(&before);
    let plan = plan_of(spec.clone(), applied(&before, |_| {}));
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(ids, ["cluster.c1.scale_out", "cluster.c1.record"]);
    let record = plan.steps.get(1).expect("record step");
    assert_eq!(record.depends_on, [plan.steps[0].id.clone()]);
    assert_eq!(
        record.action,
        Action::UpdateTags {
            create: vec![record_kv(&value(&spec))],
            delete: vec![record_kv(&old)],
        }
    );
}

#[test]
fn a_tag_step_that_ends_the_chain_carries_the_record() {
    let before = desired_cluster("c1", 3);
    let spec = with_tag(desired_cluster("c1", 3), "env", "prod");
    let plan = plan_of(spec.clone(), applied(&before, |_| {}));
    assert_eq!(plan.steps.len(), 1);
    let Action::UpdateTags { create, delete } = &plan.steps[0].action else {
        panic!("a tag step: {plan:?}");
    };
    assert!(create.contains(&record_kv(&value(&spec))));
    assert_eq!(delete, &[record_kv(&value(&before))]);
}

#[test]
fn a_create_carries_the_record_in_its_body() {
    let spec = desired_cluster("new", 3);
    let plan = diff(&desired(vec![spec.clone()]), &live(vec![], vec![]), "d");
    assert_eq!(plan.steps.len(), 1);
    let Action::CreateCluster(p) = &plan.steps[0].action else {
        panic!("a create: {plan:?}");
    };
    assert!(p.tags.contains(&record_kv(&value(&spec))));
    assert!(p
        .tags
        .iter()
        .any(|t| t.key == OWNERSHIP_TAG_KEY && t.value == OWNERSHIP_TAG_VALUE));
    let shown = plan.steps[0].changes.iter().find(|c| c.field == "tags");
    assert!(shown.is_some_and(|c| c
        .new
        .as_ref()
        .is_some_and(|v| v.get(APPLIED_TAG_KEY).is_some())));
}

#[test]
fn a_blocked_cluster_gets_no_record_step() {
    let before = desired_cluster("c1", 3);
    let mut spec = desired_cluster("c1", 6);
    spec.node_type = Some("dws.m3.2xlarge".into());
    let plan = plan_of(spec, applied(&before, |_| {}));
    assert!(plan.steps.iter().all(|s| !s.id.0.ends_with(".record")));
}

mod automated_snapshots {
    use super::*;
    use crate::api::policy::{BackupStrategy, SnapshotPolicy};
    use crate::spec::{AutomatedSnapshots, SnapshotPolicy as Wanted};

    const NIGHTLY: (&str, &str, &str) = ("nightly", "0 0 2 ? * *", "full");
    const EXTRA: (&str, &str, &str) = ("extra", "0 0 4 ? * 1", "increment");

    fn block(keep_days: Option<u32>, policies: &[(&str, &str, &str)]) -> AutomatedSnapshots {
        AutomatedSnapshots {
            enabled: None,
            keep_days,
            exclusive: false,
            policies: policies
                .iter()
                .map(|(n, s, t)| {
                    let p = Wanted {
                        schedule: (*s).into(),
                        r#type: (*t).into(),
                    };
                    ((*n).to_owned(), p)
                })
                .collect(),
        }
    }

    fn with_block(block: AutomatedSnapshots) -> DesiredCluster {
        let mut d = desired_cluster("c1", 3);
        d.automated_snapshots = Some(block);
        d
    }

    /// The live policy: `keep_day` and the strategies, on.
    fn policy(keep_day: u32, strategies: &[(&str, &str, &str)]) -> SnapshotPolicy {
        SnapshotPolicy {
            keep_day: Some(keep_day),
            backup_strategies: strategies
                .iter()
                .map(|(n, s, t)| BackupStrategy {
                    policy_id: format!("id-{n}"),
                    policy_name: (*n).into(),
                    backup_strategy: (*s).into(),
                    backup_type: (*t).into(),
                    ..BackupStrategy::default()
                })
                .collect(),
            auto_backup: Some(true),
            ..SnapshotPolicy::default()
        }
    }

    /// The plan of `spec` on a cluster last applied with `before`, whose policy is now `live`.
    fn plan(spec: DesiredCluster, before: &DesiredCluster, policy: SnapshotPolicy) -> Plan {
        let mut world = live(vec![applied(before, |_| {})], vec![]);
        world.extras.policies.insert("c1".into(), policy);
        diff(&desired(vec![spec]), &world, "digest")
    }

    #[test]
    fn the_retention_changed_in_the_spec_in_the_api_or_both() {
        let before = with_block(block(Some(7), &[NIGHTLY]));
        let applied_policy = || policy(7, &[NIGHTLY]);
        let field = "automated_snapshots.keep_days";
        let spec_moved = with_block(block(Some(10), &[NIGHTLY]));
        let p = plan(spec_moved.clone(), &before, applied_policy());
        assert_eq!(causes(&p, field), [Some(Cause::Spec)]);
        let p = plan(before.clone(), &before, policy(3, &[NIGHTLY]));
        assert_eq!(causes(&p, field), [Some(Cause::Drift)]);
        let p = plan(spec_moved, &before, policy(3, &[NIGHTLY]));
        assert_eq!(causes(&p, field), [Some(Cause::Conflict)]);
    }

    #[test]
    fn a_policy_changed_or_deleted_in_the_api_is_drift() {
        let spec = with_block(block(Some(7), &[NIGHTLY]));
        let p = plan(
            spec.clone(),
            &spec,
            policy(7, &[("NIGHTLY", "0 0 5 ? * *", "full")]),
        );
        let field = "automated_snapshots.policies.nightly.schedule";
        assert_eq!(causes(&p, field), [Some(Cause::Drift)]);
        let p = plan(spec.clone(), &spec, policy(7, &[EXTRA]));
        assert_eq!(
            causes(&p, "automated_snapshots.policies.nightly"),
            [Some(Cause::Drift)]
        );
        // Names ignore case: the same policy under another spelling is no difference.
        let p = plan(
            spec.clone(),
            &spec,
            policy(7, &[("Nightly", NIGHTLY.1, NIGHTLY.2)]),
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn a_policy_added_in_the_api_is_drift_only_when_the_list_is_the_whole_set() {
        let mut whole = block(Some(7), &[NIGHTLY]);
        whole.exclusive = true;
        let spec = with_block(whole);
        let p = plan(spec.clone(), &spec, policy(7, &[NIGHTLY, EXTRA]));
        assert_eq!(
            causes(&p, "automated_snapshots.policies.extra"),
            [Some(Cause::Drift)]
        );
        // Without `exclusive` the extra policy is not the spec's business: not compared, so
        // a retention change of the spec stays `spec`.
        let before = with_block(block(Some(7), &[NIGHTLY]));
        let spec = with_block(block(Some(10), &[NIGHTLY]));
        let p = plan(spec, &before, policy(7, &[NIGHTLY, EXTRA]));
        assert_eq!(
            causes(&p, "automated_snapshots.keep_days"),
            [Some(Cause::Spec)]
        );
        assert!(causes(&p, "automated_snapshots.policies.extra").is_empty());
    }

    #[test]
    fn a_spec_that_changes_what_it_manages_is_spec() {
        let before = with_block(block(Some(7), &[NIGHTLY]));
        let applied_policy = || policy(7, &[NIGHTLY, EXTRA]);
        // `exclusive` turned on: the policy that was always there goes, by the spec.
        let mut whole = block(Some(7), &[NIGHTLY]);
        whole.exclusive = true;
        let p = plan(with_block(whole), &before, applied_policy());
        assert_eq!(
            causes(&p, "automated_snapshots.policies.extra"),
            [Some(Cause::Spec)]
        );
        // A policy added to the list, a retention the spec starts to set.
        let more = with_block(block(
            Some(7),
            &[NIGHTLY, ("weekly", "0 0 3 ? * 1", "full")],
        ));
        let p = plan(more, &before, applied_policy());
        assert_eq!(
            causes(&p, "automated_snapshots.policies.weekly"),
            [Some(Cause::Spec)]
        );
        let unset = with_block(block(None, &[NIGHTLY]));
        let p = plan(before.clone(), &unset, policy(3, &[NIGHTLY]));
        assert_eq!(
            causes(&p, "automated_snapshots.keep_days"),
            [Some(Cause::Spec)]
        );
        // `enabled: false` after a list: every policy goes, by the spec.
        let mut off = block(None, &[]);
        off.enabled = Some(false);
        let p = plan(with_block(off), &before, policy(7, &[NIGHTLY]));
        assert_eq!(
            causes(&p, "automated_snapshots.policies.nightly"),
            [Some(Cause::Spec)]
        );
        // A block the last apply did not have: its changes are the spec's.
        let p = plan(before.clone(), &desired_cluster("c1", 3), policy(3, &[]));
        let all: Vec<_> = p.steps.iter().flat_map(|s| &s.changes).collect();
        assert!(!all.is_empty());
        assert!(all.iter().all(|c| c.cause == Some(Cause::Spec)), "{all:?}");
    }

    #[test]
    fn a_new_cluster_records_its_policy_in_the_create_body_with_no_record_step() {
        let spec = with_block(block(Some(7), &[NIGHTLY]));
        let plan = diff(&desired(vec![spec.clone()]), &live(vec![], vec![]), "d");
        let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
        assert_eq!(ids, ["cluster.c1.create", "cluster.c1.policy"]);
        let Action::CreateCluster(p) = &plan.steps[0].action else {
            panic!("a create: {plan:?}");
        };
        assert!(p.tags.contains(&record_kv(&value(&spec))));
        // The record covers the policy: it differs from the same cluster's without it.
        assert_ne!(value(&spec), value(&desired_cluster("c1", 3)));
    }
}

mod description {
    use super::*;

    fn described(text: &str) -> DesiredCluster {
        let mut d = desired_cluster("c1", 3);
        d.description = Some(text.to_owned());
        d
    }

    /// The plan of `spec` for the cluster `before` was applied to, whose detail now shows
    /// `shown`.
    fn plan(spec: &DesiredCluster, before: &DesiredCluster, shown: &str) -> Plan {
        let cluster = applied(before, |_| {});
        let mut detail = cluster.clone();
        detail.cluster_description_info = Some(shown.to_owned());
        let mut world = live(vec![cluster], vec![]);
        world.extras.details.insert("c1".into(), detail);
        diff(&desired(vec![spec.clone()]), &world, "digest")
    }

    #[test]
    fn a_description_changed_in_the_spec_in_the_console_or_both() {
        let before = described("Sales");
        let spec_moved = plan(&described("Finance"), &before, "Sales");
        assert_eq!(causes(&spec_moved, "description"), [Some(Cause::Spec)]);
        let drifted = plan(&before, &before, "Changed in the console");
        assert_eq!(causes(&drifted, "description"), [Some(Cause::Drift)]);
        let both = plan(&described("Finance"), &before, "Changed in the console");
        assert_eq!(causes(&both, "description"), [Some(Cause::Conflict)]);
        // Set for the first time: the record left the field alone.
        let first = plan(&described("Sales"), &desired_cluster("c1", 3), "");
        assert_eq!(causes(&first, "description"), [Some(Cause::Spec)]);
    }
}
