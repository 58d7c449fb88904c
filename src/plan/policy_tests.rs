use super::*;
use crate::spec::SnapshotPolicy as Wanted;
use serde_json::json;

fn strategy(id: &str, name: &str, cron: &str, kind: &str) -> BackupStrategy {
    BackupStrategy {
        policy_id: id.into(),
        policy_name: name.into(),
        backup_strategy: cron.into(),
        backup_type: kind.into(),
        ..BackupStrategy::default()
    }
}

fn live() -> SnapshotPolicy {
    SnapshotPolicy {
        keep_day: Some(3),
        backup_strategies: vec![strategy(
            "p-1",
            "apie-default-full-strategy",
            "0 0 2 ? * 1",
            "full",
        )],
        auto_backup: Some(true),
        ..SnapshotPolicy::default()
    }
}

fn wanted(keep_days: Option<u32>, policies: &[(&str, &str, &str)]) -> AutomatedSnapshots {
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

/// A policy step's parts: retention, strategies to put, names to delete, precondition, and
/// the fields its changes name.
type Parts = (
    Option<u32>,
    Vec<PolicyEntry>,
    Vec<String>,
    Option<String>,
    Vec<String>,
);

fn step(plan: PolicyPlan) -> Parts {
    let PolicyPlan::Step(action, changes) = plan else {
        panic!("not a policy step: {plan:?}")
    };
    let Action::SetSnapshotPolicy {
        keep_days,
        put,
        delete,
        from,
    } = *action
    else {
        panic!("not a policy action")
    };
    let fields = changes.into_iter().map(|c| c.field).collect();
    (keep_days, put, delete, from, fields)
}

#[test]
fn retention_and_a_new_policy_make_one_step_from_the_live_digest() {
    let (keep, put, delete, from, fields) = step(plan_policy(
        "c1",
        &wanted(Some(7), &[("nightly", "0 0 3 * * ?", "full")]),
        Some(&live()),
    ));
    assert_eq!(
        fields,
        [
            "automated_snapshots.keep_days",
            "automated_snapshots.policies.nightly"
        ]
    );
    assert_eq!(keep, Some(7));
    assert_eq!(put[0].name, "nightly");
    assert!(delete.is_empty());
    assert_eq!(from, Some(digest(&live())));
}

#[test]
fn a_matching_block_plans_nothing_and_unlisted_policies_stay_without_exclusive() {
    let same = wanted(
        Some(3),
        &[("APIE-default-full-strategy", "0 0 2 ? * 1", "full")],
    );
    assert_eq!(plan_policy("c1", &same, Some(&live())), PolicyPlan::Same);
    assert_eq!(
        plan_policy("c1", &wanted(None, &[]), Some(&live())),
        PolicyPlan::Same
    );
}

#[test]
fn exclusive_deletes_the_unlisted_policies_with_a_minus_line() {
    let mut w = wanted(None, &[("nightly", "0 0 3 * * ?", "full")]);
    w.exclusive = true;
    let plan = plan_policy("c1", &w, Some(&live()));
    let PolicyPlan::Step(_, changes) = &plan else {
        panic!("{plan:?}")
    };
    let removed = &changes[1];
    assert_eq!(
        removed.field,
        "automated_snapshots.policies.apie-default-full-strategy"
    );
    assert_eq!(removed.new, None);
    assert_eq!(
        removed.old,
        Some(json!({"schedule": "0 0 2 ? * 1", "type": "full"}))
    );
    let (_, put, delete, _, _) = step(plan);
    assert_eq!(put.len(), 1);
    assert_eq!(delete, ["apie-default-full-strategy"]);
}

#[test]
fn disabling_deletes_every_strategy_and_shows_enabled_true_to_false() {
    let mut w = wanted(None, &[]);
    w.enabled = Some(false);
    let (_, put, delete, _, fields) = step(plan_policy("c1", &w, Some(&live())));
    assert!(put.is_empty());
    assert_eq!(delete, ["apie-default-full-strategy"]);
    assert_eq!(fields[0], "automated_snapshots.enabled");
    // Once off (no strategy left, auto_backup false), the same block plans nothing.
    let off = SnapshotPolicy {
        backup_strategies: vec![],
        auto_backup: Some(false),
        ..live()
    };
    assert_eq!(plan_policy("c1", &w, Some(&off)), PolicyPlan::Same);
}

#[test]
fn enabling_without_a_policy_to_add_or_against_the_hidden_switch_is_blocked() {
    let mut w = wanted(None, &[]);
    w.enabled = Some(true);
    let empty = SnapshotPolicy {
        backup_strategies: vec![],
        auto_backup: Some(false),
        ..live()
    };
    let PolicyPlan::Blocked(b, changes) = plan_policy("c1", &w, Some(&empty)) else {
        panic!("not blocked")
    };
    assert_eq!(b.rule, "automated_snapshots_off");
    assert!(b.procedure.contains("Add a policy"), "{}", b.procedure);
    assert_eq!(changes[0].field, "automated_snapshots.enabled");
    let switched_off = SnapshotPolicy {
        auto_backup: Some(false),
        ..live()
    };
    let PolicyPlan::Blocked(b, _) = plan_policy("c1", &w, Some(&switched_off)) else {
        panic!("not blocked")
    };
    assert!(b.procedure.contains("console"), "{}", b.procedure);
    // Adding a policy to a cluster without any turns them on: a step, not a refusal.
    let w = AutomatedSnapshots {
        enabled: Some(true),
        ..wanted(None, &[("nightly", "0 0 3 * * ?", "full")])
    };
    let (_, _, _, _, fields) = step(plan_policy("c1", &w, Some(&empty)));
    assert_eq!(fields[0], "automated_snapshots.enabled");
}

#[test]
fn a_new_cluster_is_planned_against_the_documented_default_without_precondition() {
    let mut w = wanted(Some(7), &[("nightly", "0 0 3 * * ?", "full")]);
    w.exclusive = true;
    let (keep, put, delete, from, fields) = step(plan_policy("c1", &w, None));
    assert_eq!(
        keep,
        Some(7),
        "the default retention is unknown: always sent"
    );
    assert_eq!(put.len(), 1);
    assert_eq!(
        delete,
        [
            "apie-default-full-strategy",
            "apie-default-increment-strategy"
        ]
    );
    assert_eq!(from, None);
    assert_eq!(fields[0], "automated_snapshots.keep_days");
}

#[test]
fn the_digest_ignores_ids_case_and_order_but_not_schedules() {
    let mut a = live();
    a.backup_strategies
        .push(strategy("p-2", "Nightly", "0 0 3 * * ?", "full"));
    let mut b = a.clone();
    b.backup_strategies.reverse();
    b.backup_strategies[0].policy_id = "other".into();
    b.backup_strategies[0].policy_name = "NIGHTLY".into();
    assert_eq!(digest(&a), digest(&b));
    b.backup_strategies[0].backup_strategy = "0 0 4 * * ?".into();
    assert_ne!(digest(&a), digest(&b));
}

#[test]
fn calls_send_only_what_the_live_policy_lacks() {
    let put = [
        PolicyEntry {
            name: "nightly".into(),
            schedule: "0 0 3 * * ?".into(),
            kind: "full".into(),
        },
        PolicyEntry {
            name: "apie-default-full-strategy".into(),
            schedule: "0 0 4 ? * 1".into(),
            kind: "full".into(),
        },
    ];
    let (ids, body) = calls(Some(7), &put, &["gone".into()], &live());
    assert!(ids.is_empty(), "a strategy already gone needs no DELETE");
    let body = body.expect("a PUT");
    assert_eq!(body.keep_day, Some(7));
    let sent = body.backup_strategies.expect("strategies");
    assert_eq!(sent[0].policy_id, None, "an addition has no id");
    assert_eq!(sent[0].policy_name.as_deref(), Some("nightly"));
    assert_eq!(
        sent[1].policy_id.as_deref(),
        Some("p-1"),
        "a change names its id"
    );
    // After the PUT took effect (its answer lost), nothing is left to send.
    let mut after = live();
    after.keep_day = Some(7);
    after.backup_strategies[0].backup_strategy = "0 0 4 ? * 1".into();
    after
        .backup_strategies
        .push(strategy("p-9", "Nightly", "0 0 3 * * ?", "full"));
    assert_eq!(calls(Some(7), &put, &[], &after), (vec![], None));
    let (ids, _) = calls(None, &[], &["APIE-DEFAULT-full-strategy".into()], &live());
    assert_eq!(ids, ["p-1"]);
}
