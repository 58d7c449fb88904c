//! The automated-snapshot policy of a cluster: wire types and the typed calls
//! (`GET` / `PUT /v2/{project_id}/clusters/{cluster_id}/snapshot-policies`,
//! `DELETE /v1.0/{project_id}/clusters/{cluster_id}/snapshot-policies/{id}`; vendor API
//! reference snapshot_management/querying_a_snapshot_policy.rst, adding_a_snapshot_policy.rst,
//! deleting_a_snapshot_policy.rst). Bodies are decoded with the transport's size bound like
//! every other answer.

use serde::{Deserialize, Serialize};

use super::client::{seg, to_json, Client};
use super::error::ApiError;
use super::routes;

/// The strategies a cluster has before anyone changes its policy, as
/// querying_a_snapshot_policy.rst's example answer shows them: `(name, schedule, type)`.
/// The example's `keep_day` (3) is not taken as a default: the OTC user guide says 7 days,
/// the Huawei one 3 (dws-api.md), so a new cluster's retention counts as unknown.
pub const DEFAULT_STRATEGIES: &[(&str, &str, &str)] = &[
    ("apie-default-full-strategy", "0 0 2 ? * 1", "full"),
    (
        "apie-default-increment-strategy",
        "0 7 2/8 ? * 2,3,4,5,6,7",
        "increment",
    ),
];

impl SnapshotPolicy {
    /// The policy a new cluster is planned against: [`DEFAULT_STRATEGIES`], retention unknown.
    pub fn default_of_new_cluster() -> Self {
        Self {
            keep_day: None,
            backup_strategies: DEFAULT_STRATEGIES
                .iter()
                .map(|(name, schedule, kind)| BackupStrategy {
                    policy_name: (*name).to_owned(),
                    backup_strategy: (*schedule).to_owned(),
                    backup_type: (*kind).to_owned(),
                    ..BackupStrategy::default()
                })
                .collect(),
            auto_backup: Some(true),
            ..Self::default()
        }
    }
}

/// The answer of the policy GET (querying_a_snapshot_policy.rst, Table 2). Fields dwsctl
/// does not act on (`device_name`, `server_ips`, the limits) are kept for display only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPolicy {
    #[serde(default)]
    pub keep_day: Option<u32>,
    #[serde(default)]
    pub backup_strategies: Vec<BackupStrategy>,
    #[serde(default)]
    pub device_name: Option<String>,
    #[serde(default)]
    pub auto_backup: Option<bool>,
    #[serde(default)]
    pub backup_strategy_cluster_type_limit_num: Option<u32>,
}

/// One strategy as the GET reports it (Table 3, BackupStrategyDetail).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BackupStrategy {
    #[serde(default)]
    pub policy_id: String,
    #[serde(default)]
    pub policy_name: String,
    #[serde(default)]
    pub backup_strategy: String,
    #[serde(default)]
    pub backup_type: String,
    #[serde(default)]
    pub backup_level: Option<String>,
    #[serde(default)]
    pub next_fire_time: Option<String>,
    #[serde(default)]
    pub update_time: Option<String>,
}

/// The PUT body (adding_a_snapshot_policy.rst, Table 2). Absent fields are not sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PutSnapshotPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_day: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_strategies: Option<Vec<StrategyRequest>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_param: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_ips: Option<Vec<String>>,
}

/// One strategy of the PUT (Table 3, BackupStrategyRequest): with a `policy_id` it changes
/// that strategy, without one it adds a strategy (then name and schedule are mandatory).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StrategyRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_strategy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_level: Option<String>,
}

impl Client {
    /// The cluster's automated-snapshot policy.
    pub async fn get_snapshot_policy(&self, cluster_id: &str) -> Result<SnapshotPolicy, ApiError> {
        let path = format!("/clusters/{}/snapshot-policies", seg(cluster_id));
        self.fetch(routes::GET_SNAPSHOT_POLICY, &path, None, "SnapshotPolicy")
            .await
    }

    /// Sets the retention and adds or changes strategies.
    pub async fn put_snapshot_policy(
        &self,
        cluster_id: &str,
        policy: &PutSnapshotPolicy,
    ) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/snapshot-policies", seg(cluster_id));
        self.act(routes::PUT_SNAPSHOT_POLICY, &path, Some(to_json(policy)?))
            .await
    }

    /// Removes one strategy by its `policy_id`.
    pub async fn delete_snapshot_policy(
        &self,
        cluster_id: &str,
        policy_id: &str,
    ) -> Result<(), ApiError> {
        let path = format!(
            "/clusters/{}/snapshot-policies/{}",
            seg(cluster_id),
            seg(policy_id)
        );
        self.act(routes::DELETE_SNAPSHOT_POLICY, &path, None).await
    }
}
