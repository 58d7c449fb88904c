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
