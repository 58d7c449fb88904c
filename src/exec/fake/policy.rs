//! The fake cloud's automated-snapshot policies: a map per cluster id, changed by the PUT and
//! DELETE the way the simulator (and adding_a_snapshot_policy.rst) describe: a strategy with
//! a `policy_id` is changed, one without is added under a new id.

use super::super::cloud::CloudError;
use super::{FakeCloud, State};
use crate::api::policy::{BackupStrategy, PutSnapshotPolicy, SnapshotPolicy};

pub(super) fn put(state: &mut State, id: &str, body: &PutSnapshotPolicy) -> Result<(), CloudError> {
    state.cluster_mut(id)?;
    let mut policy = state.policies.get(id).cloned().unwrap_or_default();
    if let Some(days) = body.keep_day {
        policy.keep_day = u32::try_from(days).ok();
    }
    for s in body.backup_strategies.iter().flatten() {
        match &s.policy_id {
            Some(pid) => {
                let found = policy
                    .backup_strategies
                    .iter_mut()
                    .find(|b| &b.policy_id == pid)
                    .ok_or_else(|| CloudError::NotFound(format!("no strategy {pid}")))?;
                if let Some(cron) = &s.backup_strategy {
                    found.backup_strategy.clone_from(cron);
                }
                if let Some(kind) = &s.backup_type {
                    found.backup_type.clone_from(kind);
                }
            }
            None => {
                let policy_id = FakeCloud::new_id(state, "policy");
                policy.backup_strategies.push(BackupStrategy {
                    policy_id,
                    policy_name: s.policy_name.clone().unwrap_or_default(),
                    backup_strategy: s.backup_strategy.clone().unwrap_or_default(),
                    backup_type: s.backup_type.clone().unwrap_or_default(),
                    ..BackupStrategy::default()
                });
            }
        }
    }
    policy.auto_backup = Some(!policy.backup_strategies.is_empty());
    state.policies.insert(id.to_owned(), policy);
    Ok(())
}

pub(super) fn delete(state: &mut State, id: &str, policy_id: &str) -> Result<(), CloudError> {
    state.cluster_mut(id)?;
    let policy = state.policies.entry(id.to_owned()).or_default();
    let before = policy.backup_strategies.len();
    policy
        .backup_strategies
        .retain(|b| b.policy_id != policy_id);
    if policy.backup_strategies.len() == before {
        return Err(CloudError::NotFound(format!("no strategy {policy_id}")));
    }
    policy.auto_backup = Some(!policy.backup_strategies.is_empty());
    Ok(())
}

pub(super) fn get(state: &mut State, id: &str) -> Result<SnapshotPolicy, CloudError> {
    state.cluster_mut(id)?;
    Ok(state.policies.get(id).cloned().unwrap_or_default())
}
