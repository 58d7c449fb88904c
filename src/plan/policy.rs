//! The automated-snapshot policy of one cluster: the field-level changes from the live policy
//! (`GET …/snapshot-policies`, [`crate::api::policy`]) to the spec's `automated_snapshots`
//! block, and the one PUT that makes them (vendor API reference
//! snapshot_management/adding_a_snapshot_policy.rst: with a `policy_id` a strategy is
//! changed, without one it is added).
//!
//! Not wired into the planner yet (issue 13): the planner still blocks the block with
//! `not_yet_supported`. What this computes is what the step will carry.
//!
//! Strategies live but absent from the spec are left alone: the spec's block has no way yet
//! to say its policies are the whole set, so nothing here plans a DELETE.

use crate::api::policy::{BackupStrategy, PutSnapshotPolicy, SnapshotPolicy, StrategyRequest};
use crate::plan::changes::{change, set};
use crate::plan::model::FieldChange;
use crate::spec::AutomatedSnapshots;

/// What changes, the PUT that changes it (`None`: nothing to send), and what the API offers no
/// way to change (each a sentence for a blocked step).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyDiff {
    pub changes: Vec<FieldChange>,
    pub put: Option<PutSnapshotPolicy>,
    pub unappliable: Vec<String>,
}

/// The changes from `live` to `desired`.
pub fn policy_diff(desired: &AutomatedSnapshots, live: &SnapshotPolicy) -> PolicyDiff {
    let mut diff = PolicyDiff::default();
    let mut put = PutSnapshotPolicy::default();
    if let Some(days) = desired.keep_days {
        if live.keep_day != Some(days) {
            diff.changes
                .push(change("automated_snapshots.keep_days", live.keep_day, days));
            put.keep_day = Some(i64::from(days));
        }
    }
    let mut strategies = Vec::new();
    for (name, want) in &desired.policies {
        let field = format!("automated_snapshots.policies.{name}");
        match find(live, name) {
            None => {
                diff.changes.push(set(
                    &field,
                    serde_json::json!({"schedule": want.schedule, "type": want.r#type}),
                ));
                strategies.push(StrategyRequest {
                    policy_name: Some(name.clone()),
                    backup_strategy: Some(want.schedule.clone()),
                    backup_type: Some(want.r#type.clone()),
                    backup_level: Some("cluster".to_owned()),
                    ..StrategyRequest::default()
                });
            }
            Some(have)
                if have.backup_strategy != want.schedule || have.backup_type != want.r#type =>
            {
                let mut request = StrategyRequest {
                    policy_id: Some(have.policy_id.clone()),
                    ..StrategyRequest::default()
                };
                if have.backup_strategy != want.schedule {
                    diff.changes.push(change(
                        &format!("{field}.schedule"),
                        &have.backup_strategy,
                        &want.schedule,
                    ));
                    request.backup_strategy = Some(want.schedule.clone());
                }
                if have.backup_type != want.r#type {
                    diff.changes.push(change(
                        &format!("{field}.type"),
                        &have.backup_type,
                        &want.r#type,
                    ));
                    request.backup_type = Some(want.r#type.clone());
                }
                strategies.push(request);
            }
            Some(_) => {}
        }
    }
    if !strategies.is_empty() {
        put.backup_strategies = Some(strategies);
    }
    if put != PutSnapshotPolicy::default() {
        diff.put = Some(put);
    }
    if let (Some(want), Some(have)) = (desired.enabled, live.auto_backup) {
        if want != have {
            diff.changes
                .push(change("automated_snapshots.enabled", have, want));
            diff.unappliable.push(
                "the documented policy API has no switch for automated snapshots \
                 (adding_a_snapshot_policy.rst takes no `auto_backup`)"
                    .to_owned(),
            );
        }
    }
    diff
}

/// The live strategy of that name (names ignore case, adding_a_snapshot_policy.rst).
fn find<'a>(live: &'a SnapshotPolicy, name: &str) -> Option<&'a BackupStrategy> {
    live.backup_strategies
        .iter()
        .find(|s| s.policy_name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SnapshotPolicy as Wanted;
    use serde_json::json;

    fn live() -> SnapshotPolicy {
        SnapshotPolicy {
            keep_day: Some(3),
            backup_strategies: vec![BackupStrategy {
                policy_id: "p-1".into(),
                policy_name: "apie-default-full-strategy".into(),
                backup_strategy: "0 0 2 ? * 1".into(),
                backup_type: "full".into(),
                ..BackupStrategy::default()
            }],
            auto_backup: Some(true),
            ..SnapshotPolicy::default()
        }
    }

    fn wanted(keep_days: Option<u32>, policies: &[(&str, &str, &str)]) -> AutomatedSnapshots {
        AutomatedSnapshots {
            enabled: None,
            keep_days,
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

    #[test]
    fn retention_and_a_new_policy_make_one_put() {
        let d = policy_diff(
            &wanted(Some(7), &[("nightly", "0 0 3 * * ?", "full")]),
            &live(),
        );
        let fields: Vec<&str> = d.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "automated_snapshots.keep_days",
                "automated_snapshots.policies.nightly"
            ]
        );
        assert_eq!(d.changes[0].old, Some(json!(3)));
        assert_eq!(d.changes[0].new, Some(json!(7)));
        let put = d.put.expect("a put");
        assert_eq!(put.keep_day, Some(7));
        let added = &put.backup_strategies.expect("strategies")[0];
        assert_eq!(added.policy_id, None);
        assert_eq!(added.policy_name.as_deref(), Some("nightly"));
        assert!(d.unappliable.is_empty());
    }

    #[test]
    fn a_changed_schedule_is_sent_with_its_id_and_names_ignore_case() {
        let d = policy_diff(
            &wanted(
                None,
                &[("APIE-default-full-strategy", "0 0 4 ? * 1", "full")],
            ),
            &live(),
        );
        assert_eq!(d.changes.len(), 1);
        assert_eq!(
            d.changes[0].field,
            "automated_snapshots.policies.APIE-default-full-strategy.schedule"
        );
        let put = d.put.expect("a put");
        assert_eq!(put.keep_day, None);
        let changed = &put.backup_strategies.expect("strategies")[0];
        assert_eq!(changed.policy_id.as_deref(), Some("p-1"));
        assert_eq!(changed.backup_strategy.as_deref(), Some("0 0 4 ? * 1"));
        assert_eq!(changed.backup_type, None);
    }

    #[test]
    fn a_matching_block_changes_nothing_and_unlisted_live_policies_stay() {
        let d = policy_diff(
            &wanted(
                Some(3),
                &[("apie-default-full-strategy", "0 0 2 ? * 1", "full")],
            ),
            &live(),
        );
        assert_eq!(d, PolicyDiff::default());
        let d = policy_diff(&wanted(None, &[]), &live());
        assert_eq!(
            d,
            PolicyDiff::default(),
            "no removal without a whole-set marker"
        );
    }

    #[test]
    fn turning_automated_snapshots_off_is_shown_and_reported_unappliable() {
        let mut w = wanted(None, &[]);
        w.enabled = Some(false);
        let d = policy_diff(&w, &live());
        assert_eq!(d.changes[0].field, "automated_snapshots.enabled");
        assert_eq!(d.put, None);
        assert_eq!(d.unappliable.len(), 1);
    }
}
