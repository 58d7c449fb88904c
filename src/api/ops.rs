//! The in-place operations and the checks without side effects of issue 12: their wire
//! shapes and one typed [`Client`] call each. Each call cites its page of the vendor's
//! reference (`otc-dws-api/api_description/`); the simulator serves the same shapes
//! (`sim::ops`, `sim::checks`).
//!
//! Plan and apply use start and stop (`exec::power`), the CN calls (`exec::coordinators`)
//! and the checks (precheck, grow-check, shrink-check, through `preflight`).

use serde::{Deserialize, Serialize};

use super::client::{seg, to_json, Client};
use super::error::ApiError;
use super::routes;
use super::wire::{PublicIp, Tag};
use crate::secret::Secret;

/// `PUT …/security-group` (`cluster_management/modifying_the_security_group_of_a_cluster.rst`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroupsRequest {
    pub security_groups: Vec<String>,
}

/// `POST …/description` (`cluster_management/modifying_cluster_description.rst`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescriptionRequest {
    pub description_info: String,
}

/// `PUT …/cluster-name` (`cluster_management/changing_a_cluster_name.rst`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameRequest {
    #[serde(default)]
    pub cluster_name: Option<String>,
}

/// The answer of the calls that start a job (rename, start, stop, CN changes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobAnswer {
    #[serde(default)]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// One CN (`node_change/querying_cn_nodes_of_a_cluster.rst`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorNode {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub private_ip: String,
}

/// `GET …/cns`: the CNs and how many the cluster may have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorList {
    pub min_num: u32,
    pub max_num: u32,
    #[serde(default)]
    pub instances: Vec<CoordinatorNode>,
}

/// `POST …/cns/batch-create`: `num` is the number of CNs after the addition
/// (`node_change/adding_cn_nodes_in_batches.rst`), not how many to add.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddCoordinatorsRequest {
    pub num: u32,
}

/// `POST …/cns/batch-delete` (`node_change/deleting_cn_nodes_in_batches.rst`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteCoordinatorsRequest {
    #[serde(default)]
    pub instances: Vec<String>,
}

/// `POST /v2/{project_id}/cluster-precheck`
/// (`cluster_management/performing_a_check_before_cluster_creation.rst`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterCheckRequest {
    pub cluster: ClusterCheck,
}

/// The cluster a precheck is about (`ClusterCheckBody`; only the fields dwsctl fills).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub flavor: String,
    pub num_node: u32,
    pub availability_zones: Vec<String>,
    pub vpc_id: String,
    pub subnet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    pub datastore_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<PublicIp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_cn: Option<u32>,
    /// A string in the reference (`"8000"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_password: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_list: Option<Vec<Tag>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_project_id: Option<String>,
    /// A restore's snapshot (`RestorePoint`, Table 6 of the page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_point: Option<RestorePoint>,
}

/// The snapshot a checked restore starts from (`RestorePoint`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestorePoint {
    /// The snapshot's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_ref: Option<String>,
    /// The snapshot's source cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
}

/// `POST /v2/{project_id}/clusters/{cluster_id}/grow-check`
/// (`node_change/performing_a_scale-out_check.rst`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GrowCheckRequest {
    pub scale_out: super::wire::ScaleOut,
}

/// The scale-out check's answer: one result per check item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GrowCheck {
    #[serde(default)]
    pub data: Vec<GrowCheckResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<serde_json::Value>,
}

impl GrowCheck {
    /// The reasons of the failed items a scale-out needs (`required`), joined; `None`
    /// when the scale-out would pass.
    pub fn failure(&self) -> Option<String> {
        let reasons: Vec<&str> = self
            .data
            .iter()
            .filter(|item| !item.pass && item.required)
            .map(|item| item.reason.as_deref().unwrap_or("check failed"))
            .collect();
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrowCheckResult {
    pub pass: bool,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub desc: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// The scale-in check's answer (`node_change/performing_a_scale-in_check.rst`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShrinkCheck {
    pub is_passed: bool,
}

/// What the scale-in check looks at (`check_item`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShrinkCheckItem {
    /// The GUC parameters.
    Guc,
    /// Tables that stop a scale-in.
    Schema,
    /// Whether the data fits on the nodes that stay.
    Disk,
}

impl ShrinkCheckItem {
    pub fn as_str(self) -> &'static str {
        match self {
            ShrinkCheckItem::Guc => "guc",
            ShrinkCheckItem::Schema => "schema",
            ShrinkCheckItem::Disk => "disk",
        }
    }
}

impl Client {
    /// Replaces the cluster's security groups (synchronous).
    pub async fn set_security_groups(&self, id: &str, groups: &[String]) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/security-group", seg(id));
        let body = SecurityGroupsRequest {
            security_groups: groups.to_vec(),
        };
        self.act(routes::SET_SECURITY_GROUP, &path, Some(to_json(&body)?))
            .await
    }

    /// Binds EIP `eip_id` to the cluster (`connection_management/binding_an_eip_to_a_cluster.rst`).
    pub async fn bind_eip(&self, id: &str, eip_id: &str) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/eips/{}", seg(id), seg(eip_id));
        self.act(routes::BIND_EIP, &path, None).await
    }

    /// Unbinds EIP `eip_id` (`connection_management/unbinding_an_eip_from_a_cluster.rst`).
    pub async fn unbind_eip(&self, id: &str, eip_id: &str) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/eips/{}", seg(id), seg(eip_id));
        self.act(routes::UNBIND_EIP, &path, None).await
    }

    /// Sets the description; the answer's `error_code` must be `DWS.0000`.
    pub async fn set_description(&self, id: &str, text: &str) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/description", seg(id));
        let body = DescriptionRequest {
            description_info: text.to_owned(),
        };
        self.act(routes::SET_DESCRIPTION, &path, Some(to_json(&body)?))
            .await
    }

    /// Renames the cluster; returns the job id.
    pub async fn rename_cluster(&self, id: &str, name: &str) -> Result<Option<String>, ApiError> {
        let path = format!("/clusters/{}/cluster-name", seg(id));
        let body = RenameRequest {
            cluster_name: Some(name.to_owned()),
        };
        self.job(routes::RENAME, &path, Some(to_json(&body)?)).await
    }

    /// Starts a stopped cluster; returns the job id.
    pub async fn start_cluster(&self, id: &str) -> Result<Option<String>, ApiError> {
        let path = format!("/clusters/{}/start", seg(id));
        self.job(routes::START, &path, None).await
    }

    /// Stops the cluster; returns the job id.
    pub async fn stop_cluster(&self, id: &str) -> Result<Option<String>, ApiError> {
        let path = format!("/clusters/{}/stop", seg(id));
        self.job(routes::STOP, &path, None).await
    }

    /// The cluster's CNs.
    pub async fn list_coordinators(&self, id: &str) -> Result<CoordinatorList, ApiError> {
        let path = format!("/clusters/{}/cns", seg(id));
        self.fetch(routes::LIST_CNS, &path, None, "CoordinatorList")
            .await
    }

    /// Adds CNs until the cluster has `total`; returns the job id.
    pub async fn add_coordinators(&self, id: &str, total: u32) -> Result<Option<String>, ApiError> {
        let path = format!("/clusters/{}/cns/batch-create", seg(id));
        let body = AddCoordinatorsRequest { num: total };
        self.job(routes::ADD_CNS, &path, Some(to_json(&body)?))
            .await
    }

    /// Deletes the CNs with the given ids; returns the job id.
    pub async fn delete_coordinators(
        &self,
        id: &str,
        cn_ids: &[String],
    ) -> Result<Option<String>, ApiError> {
        let path = format!("/clusters/{}/cns/batch-delete", seg(id));
        let body = DeleteCoordinatorsRequest {
            instances: cn_ids.to_vec(),
        };
        self.job(routes::DELETE_CNS, &path, Some(to_json(&body)?))
            .await
    }

    /// Checks a create or restore: `Ok` when it would pass, else the error the cloud gives
    /// (its code and reason).
    pub async fn precheck_cluster(&self, cluster: &ClusterCheck) -> Result<(), ApiError> {
        if let Some(pw) = &cluster.db_password {
            self.redact(pw);
        }
        let body = ClusterCheckRequest {
            cluster: cluster.clone(),
        };
        self.act(routes::PRECHECK, "/cluster-precheck", Some(to_json(&body)?))
            .await
    }

    /// The v2 node types: each type's status per availability zone (`normal`, `sellout`,
    /// `abandon`) and its datastore versions
    /// (`cluster_management/querying_flavor_information.rst`).
    pub async fn node_types_v2(&self) -> Result<Vec<super::wire::NodeType>, ApiError> {
        let answer: super::wire::NodeTypesResponse = self
            .fetch(
                routes::NODE_TYPES_V2,
                "/node-types",
                None,
                "NodeTypesResponse",
            )
            .await?;
        Ok(answer.node_types)
    }

    /// Checks a scale-out by `count` nodes.
    pub async fn grow_check(&self, id: &str, count: u32) -> Result<GrowCheck, ApiError> {
        let path = format!("/clusters/{}/grow-check", seg(id));
        let body = GrowCheckRequest {
            scale_out: super::wire::ScaleOut {
                count,
                subnet_id: None,
            },
        };
        self.fetch(
            routes::GROW_CHECK,
            &path,
            Some(to_json(&body)?),
            "GrowCheck",
        )
        .await
    }

    /// Checks a scale-in by `count` nodes for one `item`; `true` when it passes.
    pub async fn shrink_check(
        &self,
        id: &str,
        item: ShrinkCheckItem,
        count: u32,
    ) -> Result<bool, ApiError> {
        let path = format!(
            "/clusters/{}/shrink-check?check_item={}&shrink_count={count}",
            seg(id),
            item.as_str()
        );
        let answer: ShrinkCheck = self
            .fetch(routes::SHRINK_CHECK, &path, None, "ShrinkCheck")
            .await?;
        Ok(answer.is_passed)
    }

    /// A call answering `{"job_id"}` (with an `error_code` that, when set, must be
    /// `DWS.0000`).
    async fn job(
        &self,
        call: super::error::Call,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Option<String>, ApiError> {
        let answer: JobAnswer = self.fetch(call, path, body, "JobAnswer").await?;
        Ok(answer.job_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::config::{ClientConfig, Credentials};
    use crate::api::error::Call;

    /// A client that must never send: port 9 (discard) on loopback.
    fn read_only_client() -> Client {
        let mut config = ClientConfig::new(Credentials::AkSk {
            access_key: "AK".into(),
            secret_key: Secret::new("sk-canary-0002"),
            project_id: "p1".into(),
        });
        config.endpoint = Some("http://127.0.0.1:9".into());
        config.read_only = true;
        Client::new(config).expect("client")
    }

    #[tokio::test]
    async fn a_read_only_client_refuses_every_new_change_before_sending() {
        let client = read_only_client();
        let results = vec![
            client.set_security_groups("c", &["g".into()]).await,
            client.bind_eip("c", "e").await,
            client.unbind_eip("c", "e").await,
            client.set_description("c", "d").await,
            client.rename_cluster("c", "n").await.map(drop),
            client.start_cluster("c").await.map(drop),
            client.stop_cluster("c").await.map(drop),
            client.add_coordinators("c", 4).await.map(drop),
            client
                .delete_coordinators("c", &["n".into()])
                .await
                .map(drop),
        ];
        for result in results {
            let err = result.expect_err("read-only");
            assert!(matches!(err, ApiError::ReadOnly { .. }), "{err}");
        }
    }

    #[test]
    fn checks_are_not_changes_and_each_route_knows_its_version() {
        let checks = [
            routes::PRECHECK,
            routes::GROW_CHECK,
            routes::SHRINK_CHECK,
            routes::NODE_TYPES_V2,
            routes::QUOTAS,
        ];
        assert!(checks.iter().all(|call| !call.is_mutating()));
        // Exactly the documented checks: another POST is a change whatever its name.
        let lookalike = Call::new(
            super::super::error::Method::Post,
            "/v2/{project_id}/clusters/{cluster_id}/redistribution-check",
            super::super::error::Repeat::Safe,
        );
        assert!(lookalike.is_mutating());
        assert!(routes::BIND_EIP.is_mutating() && routes::SET_SECURITY_GROUP.is_mutating());
        let versions: Vec<(Call, &str)> = vec![
            (routes::LIST_CLUSTERS, "v1.0"),
            (routes::LIST_CNS, "v1.0"),
            (routes::SET_SECURITY_GROUP, "v1"),
            (routes::START, "v1"),
            (routes::BIND_EIP, "v2"),
            (routes::PRECHECK, "v2"),
            (routes::NODE_TYPES_V2, "v2"),
        ];
        for (call, version) in versions {
            assert_eq!(call.version(), version, "{call}");
        }
    }

    #[test]
    fn a_grow_check_fails_on_its_required_items_only() {
        let item = |pass: bool, required: bool, reason: &str| GrowCheckResult {
            pass,
            reason: Some(reason.into()),
            required,
            desc: None,
            kind: None,
        };
        let check = GrowCheck {
            data: vec![
                item(true, true, "fine"),
                item(false, false, "advice only"),
                item(false, true, "Subnet IP address quota exceeded."),
            ],
            note: None,
        };
        assert_eq!(
            check.failure().as_deref(),
            Some("Subnet IP address quota exceeded.")
        );
        assert_eq!(GrowCheck::default().failure(), None);
    }
}
