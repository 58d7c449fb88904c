//! The automated-snapshot policy of one cluster: the field-level changes from the live policy
//! (`GET …/snapshot-policies`, [`crate::api::policy`]) to the spec's `automated_snapshots`
//! block, the step that makes them ([`Action::SetSnapshotPolicy`]), and the calls that step
//! still needs against a policy read at run time ([`calls`]).
//!
//! What the API offers (vendor API reference snapshot_management/adding_a_snapshot_policy.rst,
//! deleting_a_snapshot_policy.rst, querying_a_snapshot_policy.rst): a PUT sets `keep_day` and
//! adds strategies (no `policy_id`) or changes them (with one); a DELETE removes one strategy.
//! The GET reports `auto_backup`, but no call takes it. So `enabled: false` is applied as "no
//! strategy at all" (every strategy deleted: nothing is left to fire), and `enabled: true`
//! can only be reached by adding a strategy; a cluster that reports `auto_backup: false`
//! while it has strategies is off by a switch the API does not expose, which is blocked with
//! the console procedure.
//!
//! Live strategies the spec does not list are deleted only when the block says its list is
//! the whole set (`exclusive: true`) or turns automated snapshots off.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::api::policy::{BackupStrategy, PutSnapshotPolicy, SnapshotPolicy, StrategyRequest};
use crate::plan::changes::{change, set, unset};
use crate::plan::model::{Action, Blocked, FieldChange, PolicyEntry};
use crate::plan::procedure::{self, rule};
use crate::spec::AutomatedSnapshots;

/// What the step carries, the changes it shows, or why it cannot be applied.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyPlan {
    /// The live policy already matches.
    Same,
    /// A `SetSnapshotPolicy` step.
    Step(Box<Action>, Vec<FieldChange>),
    /// No call reaches the spec's policy.
    Blocked(Blocked, Vec<FieldChange>),
}

/// The plan from `live` to `desired`. `live` is `None` for a cluster the same apply creates or
/// restores: it is planned against the policy a new cluster gets
/// ([`SnapshotPolicy::default_of_new_cluster`]), and its step checks no precondition.
pub fn plan_policy(
    cluster: &str,
    desired: &AutomatedSnapshots,
    live: Option<&SnapshotPolicy>,
) -> PolicyPlan {
    let fresh = SnapshotPolicy::default_of_new_cluster();
    let base = live.unwrap_or(&fresh);
    let mut changes = Vec::new();
    let keep_days = retention(desired, base, &mut changes);
    let (put, delete) = strategies(desired, base, &mut changes);
    let left = base.backup_strategies.len() - delete.len() + added(&put, base);
    let off_by_switch = base.auto_backup == Some(false) && !base.backup_strategies.is_empty();
    match desired.enabled {
        Some(false) if base.auto_backup != Some(false) || !base.backup_strategies.is_empty() => {
            changes.insert(0, change("automated_snapshots.enabled", true, false));
        }
        Some(true) if off_by_switch || left == 0 => {
            changes.insert(0, change("automated_snapshots.enabled", false, true));
            return PolicyPlan::Blocked(cannot_enable(cluster, off_by_switch), changes);
        }
        Some(true) if base.auto_backup == Some(false) || base.backup_strategies.is_empty() => {
            changes.insert(0, change("automated_snapshots.enabled", false, true));
        }
        _ => {}
    }
    if keep_days.is_none() && put.is_empty() && delete.is_empty() {
        return PolicyPlan::Same;
    }
    let action = Action::SetSnapshotPolicy {
        keep_days,
        put,
        delete,
        from: live.map(digest),
    };
    PolicyPlan::Step(Box::new(action), changes)
}

fn retention(
    desired: &AutomatedSnapshots,
    base: &SnapshotPolicy,
    changes: &mut Vec<FieldChange>,
) -> Option<u32> {
    let days = desired.keep_days?;
    if base.keep_day == Some(days) {
        return None;
    }
    changes.push(match base.keep_day {
        Some(old) => change("automated_snapshots.keep_days", old, days),
        None => set("automated_snapshots.keep_days", days),
    });
    Some(days)
}

/// The strategies to add or change, and the live ones to delete, by name.
fn strategies(
    desired: &AutomatedSnapshots,
    base: &SnapshotPolicy,
    changes: &mut Vec<FieldChange>,
) -> (Vec<PolicyEntry>, Vec<String>) {
    let mut put = Vec::new();
    for (name, want) in &desired.policies {
        let field = format!("automated_snapshots.policies.{name}");
        let entry = PolicyEntry {
            name: name.clone(),
            schedule: want.schedule.clone(),
            kind: want.r#type.clone(),
        };
        match find(base, name) {
            None => changes.push(set(&field, shown(&entry.schedule, &entry.kind))),
            Some(have) if matches(have, &entry) => continue,
            Some(have) => {
                if have.backup_strategy != entry.schedule {
                    let field = format!("{field}.schedule");
                    changes.push(change(&field, &have.backup_strategy, &entry.schedule));
                }
                if have.backup_type != entry.kind {
                    let field = format!("{field}.type");
                    changes.push(change(&field, &have.backup_type, &entry.kind));
                }
            }
        }
        put.push(entry);
    }
    let whole_set = desired.exclusive || desired.enabled == Some(false);
    let mut delete = Vec::new();
    for have in &base.backup_strategies {
        let listed = desired
            .policies
            .keys()
            .any(|n| n.eq_ignore_ascii_case(&have.policy_name));
        if whole_set && !listed {
            let field = format!("automated_snapshots.policies.{}", have.policy_name);
            changes.push(unset(
                &field,
                shown(&have.backup_strategy, &have.backup_type),
            ));
            delete.push(have.policy_name.clone());
        }
    }
    (put, delete)
}

fn shown(schedule: &str, kind: &str) -> Value {
    json!({"schedule": schedule, "type": kind})
}

fn added(put: &[PolicyEntry], base: &SnapshotPolicy) -> usize {
    put.iter().filter(|e| find(base, &e.name).is_none()).count()
}

fn cannot_enable(cluster: &str, off_by_switch: bool) -> Blocked {
    let reason = if off_by_switch {
        format!(
            "automated snapshots of {cluster} are off although it has snapshot policies, and \
             the policy API has no switch to turn them on (adding_a_snapshot_policy.rst takes \
             no `auto_backup`)"
        )
    } else {
        format!(
            "automated snapshots of {cluster} are off (it has no snapshot policy) and the spec \
             lists none to add"
        )
    };
    let how = if off_by_switch {
        "Turn automated snapshots on in the console (cluster, Snapshots, Configure Automated \
         Snapshot Policy), then plan again."
    } else {
        "Add a policy under `automated_snapshots.policies` (adding one turns automated \
         snapshots on), or drop `enabled: true`."
    };
    procedure::blocked(rule::AUTOMATED_SNAPSHOTS_OFF, reason, how)
}

/// The live strategy of that name (names ignore case, adding_a_snapshot_policy.rst).
fn find<'a>(live: &'a SnapshotPolicy, name: &str) -> Option<&'a BackupStrategy> {
    live.backup_strategies
        .iter()
        .find(|s| s.policy_name.eq_ignore_ascii_case(name))
}

fn matches(have: &BackupStrategy, want: &PolicyEntry) -> bool {
    have.backup_strategy == want.schedule && have.backup_type == want.kind
}

/// A digest of what a policy step depends on: the retention and each strategy's name (in
/// lower case: names ignore case), schedule and type. Ids, fire times and update times are
/// left out: they move on their own.
pub fn digest(policy: &SnapshotPolicy) -> String {
    #[derive(Serialize)]
    struct Facts<'a> {
        keep_day: Option<u32>,
        strategies: Vec<(String, &'a str, &'a str)>,
    }
    let mut strategies: Vec<(String, &str, &str)> = policy
        .backup_strategies
        .iter()
        .map(|s| {
            (
                s.policy_name.to_ascii_lowercase(),
                s.backup_strategy.as_str(),
                s.backup_type.as_str(),
            )
        })
        .collect();
    strategies.sort();
    let facts = Facts {
        keep_day: policy.keep_day,
        strategies,
    };
    let mut hasher = Sha256::new();
    hasher.update(b"policy\0");
    hasher.update(serde_json::to_vec(&facts).unwrap_or_default());
    let out = hasher.finalize();
    hex::encode(out.get(..8).unwrap_or(&out[..]))
}

/// What the spec manages of a policy, as `plan::record` hashes it: the keys the block sets
/// (`enabled`, `keep_days`), its policies by name in lower case (names ignore case), and
/// whether they are the whole set (`exclusive`, or `enabled: false`, which leaves none).
pub(crate) fn recorded_spec(block: &AutomatedSnapshots) -> Value {
    let policies = block
        .policies
        .iter()
        .map(|(name, p)| (name.to_ascii_lowercase(), json!([p.schedule, p.r#type])))
        .collect();
    recorded(
        block.enabled.map(Value::from),
        block.keep_days.map(Value::from),
        policies,
        whole_set(block),
    )
}

/// The live policy in [`recorded_spec`]'s shape, read as `block` manages it first: whether
/// automated snapshots are on (as [`plan_policy`] reads it), the retention, the listed
/// policies that exist (every one under a whole set). Then read as a spec that set a key
/// more or less, had `exclusive` the other way, or listed every live policy would manage
/// it: for the last apply's spec, which the record was written from (see
/// `record::LiveValue::Scoped`).
pub(crate) fn recorded_live(block: &AutomatedSnapshots, live: &SnapshotPolicy) -> Vec<Value> {
    let on = live.auto_backup != Some(false) && !live.backup_strategies.is_empty();
    let every: BTreeMap<String, Value> = live
        .backup_strategies
        .iter()
        .map(|s| {
            let name = s.policy_name.to_ascii_lowercase();
            (name, json!([s.backup_strategy, s.backup_type]))
        })
        .collect();
    let listed: BTreeMap<String, Value> = every
        .iter()
        .filter(|(name, _)| block.policies.keys().any(|k| k.eq_ignore_ascii_case(name)))
        .map(|(name, v)| (name.clone(), v.clone()))
        .collect();
    let keep_day = live.keep_day.map_or(Value::Null, Value::from);
    let (enabled, keep, whole) = (
        block.enabled.is_some(),
        block.keep_days.is_some(),
        whole_set(block),
    );
    let mut shapes = Vec::new();
    for enabled in [enabled, !enabled] {
        for keep in [keep, !keep] {
            for whole in [whole, !whole] {
                for names in [&listed, &every] {
                    let policies = if whole { &every } else { names };
                    let shape = recorded(
                        enabled.then(|| Value::from(on)),
                        keep.then(|| keep_day.clone()),
                        policies.clone(),
                        whole,
                    );
                    if !shapes.contains(&shape) {
                        shapes.push(shape);
                    }
                }
            }
        }
    }
    shapes
}

fn whole_set(block: &AutomatedSnapshots) -> bool {
    block.exclusive || block.enabled == Some(false)
}

fn recorded(
    enabled: Option<Value>,
    keep_days: Option<Value>,
    policies: BTreeMap<String, Value>,
    whole_set: bool,
) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(enabled) = enabled {
        out.insert("enabled".to_owned(), enabled);
    }
    if let Some(days) = keep_days {
        out.insert("keep_days".to_owned(), days);
    }
    out.insert("policies".to_owned(), json!(policies));
    out.insert("whole_set".to_owned(), Value::from(whole_set));
    Value::Object(out)
}

/// The calls a policy step still needs against `live`, read at run time: the ids of the
/// strategies to delete, and the PUT body (`None`: nothing to send). Empty when `live`
/// already shows the step's goal, so that a step whose answer was lost and is run again adds
/// no strategy twice.
pub fn calls(
    keep_days: Option<u32>,
    put: &[PolicyEntry],
    delete: &[String],
    live: &SnapshotPolicy,
) -> (Vec<String>, Option<PutSnapshotPolicy>) {
    let ids: Vec<String> = delete
        .iter()
        .filter_map(|name| find(live, name).map(|s| s.policy_id.clone()))
        .collect();
    let mut body = PutSnapshotPolicy {
        keep_day: keep_days
            .filter(|d| live.keep_day != Some(*d))
            .map(i64::from),
        ..PutSnapshotPolicy::default()
    };
    let strategies: Vec<StrategyRequest> = put
        .iter()
        .filter_map(|entry| match find(live, &entry.name) {
            Some(have) if matches(have, entry) => None,
            Some(have) => Some(StrategyRequest {
                policy_id: Some(have.policy_id.clone()),
                backup_strategy: Some(entry.schedule.clone()),
                backup_type: Some(entry.kind.clone()),
                ..StrategyRequest::default()
            }),
            None => Some(StrategyRequest {
                policy_name: Some(entry.name.clone()),
                backup_strategy: Some(entry.schedule.clone()),
                backup_type: Some(entry.kind.clone()),
                backup_level: Some("cluster".to_owned()),
                ..StrategyRequest::default()
            }),
        })
        .collect();
    if !strategies.is_empty() {
        body.backup_strategies = Some(strategies);
    }
    let body = (body != PutSnapshotPolicy::default()).then_some(body);
    (ids, body)
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
