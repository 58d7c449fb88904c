//! The JSON shapes of the DWS v1.0 and IAM v3 APIs, shared by the client and the simulator.
//!
//! Field names and JSON types follow the vendor API reference (README, "Choices where the
//! API's documentation disagrees", says where it is). Decoding is tolerant where real
//! responses are known to vary (a `count` sent as a string, `action_progress` as `null` or
//! `{}`, timestamps with or without `Z`, four error-body forms); it stays strict where a wrong
//! value would mislead a plan (`number_of_node`, `port`, names, ids). Encoding always follows
//! the documented schema, so that the simulator answers exactly what real clients decode.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::secret::Secret;

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// A `{key, value}` tag as used by create, detail, list and the tag API.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// `public_ip` of a create or restore request and of a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicIp {
    /// `auto_assign`, `not_use` or `bind_existing`.
    pub public_bind_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eip_id: Option<String>,
    /// Real OTC responses add the bound address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eip_address: Option<String>,
}

/// A count that real responses sometimes quote as a string (`"count": "2"`).
pub fn de_lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrStr {
        Num(u64),
        Str(String),
    }
    match NumOrStr::deserialize(d)? {
        NumOrStr::Num(n) => Ok(n),
        NumOrStr::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("expected a count, found {s:?}"))),
    }
}

fn de_null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// IAM

/// `POST /v3/auth/tokens` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthRequest {
    pub auth: Auth,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Auth {
    pub identity: Identity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Identity {
    pub methods: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<PasswordIdentity>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PasswordIdentity {
    pub user: AuthUser,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub password: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<NameOrId>,
}

/// `{"name": ...}` or `{"id": ...}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameOrId {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<NameOrId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<NameOrId>,
}

/// The body of a 201 answer to `POST /v3/auth/tokens` (the token itself is in the
/// `X-Subject-Token` header).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    pub token: TokenBody,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenBody {
    #[serde(default)]
    pub methods: Vec<String>,
    pub expires_at: String,
    #[serde(default)]
    pub issued_at: String,
    #[serde(default)]
    pub project: Option<TokenProject>,
    #[serde(default)]
    pub user: Option<TokenUser>,
    #[serde(default)]
    pub roles: Vec<NameOrId>,
    #[serde(default)]
    pub catalog: Vec<CatalogEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenProject {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub domain: NameOrId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenUser {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub domain: NameOrId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_expires_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CatalogEntry {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub endpoints: Vec<CatalogEndpoint>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CatalogEndpoint {
    #[serde(default)]
    pub id: String,
    pub interface: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub region_id: String,
    pub url: String,
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Any of the error-body forms the API uses (vendor API reference: calling_apis/response.rst, and
/// forms seen live that clients parse too): the documented
/// `error_code`/`error_msg`, the legacy `errCode`/`externalMessage`, both at once, or
/// Keystone's `{"error": {"code", "message", "title"}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    #[serde(rename = "errCode", default, skip_serializing_if = "Option::is_none")]
    pub err_code: Option<String>,
    #[serde(
        rename = "externalMessage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub external_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<KeystoneError>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeystoneError {
    pub code: u16,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub title: String,
}

impl ErrorBody {
    /// The DWS form the simulator emits (all four keys: the form seen live on a 403, which
    /// clients that read either naming understand).
    pub fn dws(code: &str, message: &str) -> Self {
        Self {
            error_code: Some(code.to_owned()),
            error_msg: Some(message.to_owned()),
            err_code: Some(code.to_owned()),
            external_message: Some(message.to_owned()),
            error: None,
        }
    }

    /// The API gateway form (`APIGW.0307`, `APIG.0308`, ...).
    pub fn gateway(code: &str, message: &str) -> Self {
        Self {
            error_code: Some(code.to_owned()),
            error_msg: Some(message.to_owned()),
            ..Self::default()
        }
    }

    /// The error code, whichever form carried it.
    pub fn code(&self) -> Option<&str> {
        self.error_code
            .as_deref()
            .or(self.err_code.as_deref())
            .or(self.error.as_ref().map(|e| e.title.as_str()))
    }

    /// The message, whichever form carried it.
    pub fn message(&self) -> Option<&str> {
        self.error_msg
            .as_deref()
            .or(self.external_message.as_deref())
            .or(self.error.as_ref().map(|e| e.message.as_str()))
    }
}

// ---------------------------------------------------------------------------------------------
// Node types and quotas

/// `GET /v1.0/{project_id}/node_types` and `GET /v2/{project_id}/node-types`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeTypesResponse {
    pub node_types: Vec<NodeType>,
    #[serde(
        default,
        deserialize_with = "de_opt_lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
}

fn de_opt_lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    de_lenient_u64(d).map(Some)
}

/// One flavor. The v2 fields are absent in v1.0 answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeType {
    pub spec_name: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub detail: Vec<NodeTypeDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datastore_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_zones: Option<Vec<AvailableZone>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcpus: Option<u64>,
    /// v2 only: the datastore versions the type is offered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datastores: Option<Vec<NodeTypeDatastore>>,
}

/// One entry of a v2 node type's `datastores` (`NodeTypeDatastores`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeTypeDatastore {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeTypeDetail {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AvailableZone {
    pub code: String,
    pub status: String,
}

/// `GET /v1.0/{project_id}/quotas`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuotasResponse {
    pub quotas: Quotas,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Quotas {
    pub resources: Vec<QuotaResource>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuotaResource {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "de_lenient_u64")]
    pub used: u64,
    #[serde(deserialize_with = "de_lenient_u64")]
    pub quota: u64,
    #[serde(default)]
    pub unit: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Clusters

/// `POST /v1.0/{project_id}/clusters` body: `{"cluster": {...}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateClusterRequest {
    pub cluster: CreateCluster,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateCluster {
    pub name: String,
    pub node_type: String,
    pub number_of_node: u32,
    pub subnet_id: String,
    pub security_group_id: String,
    pub vpc_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    pub user_name: String,
    pub user_pwd: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<PublicIp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_cn: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_project_id: Option<String>,
}

/// `{"cluster": {"id": ...}}`: the answer to create and restore.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClusterIdResponse {
    pub cluster: IdOnly,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdOnly {
    pub id: String,
}

/// `GET /v1.0/{project_id}/clusters`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClusterList {
    pub clusters: Vec<Cluster>,
    #[serde(deserialize_with = "de_lenient_u64")]
    pub count: u64,
}

/// `GET /v1.0/{project_id}/clusters/{cluster_id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClusterDetailResponse {
    pub cluster: Cluster,
}

/// A cluster as the list and the detail calls return it (the detail adds the optional
/// fields at the end).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub id: String,
    pub name: String,
    /// `CREATING`, `AVAILABLE`, `UNAVAILABLE`, `CREATION FAILED`, and on Huawei also
    /// `ACTIVE`, `FAILED`, `CREATE_FAILED`, `DELETING`, ... (vendor API reference: querying_cluster_details.rst;
    /// Huawei's in README, "Profiles: OTC and Huawei"). Kept as text:
    /// the planner interprets it and reports values it does not know.
    pub status: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
    pub port: u32,
    #[serde(default, deserialize_with = "de_null_as_default")]
    pub endpoints: Vec<Endpoint>,
    #[serde(default, deserialize_with = "de_null_as_default")]
    pub public_endpoints: Vec<PublicEndpoint>,
    #[serde(default, deserialize_with = "de_null_as_default")]
    pub nodes: Vec<Node>,
    /// `null` in the getting-started example; an empty list then.
    #[serde(default, deserialize_with = "de_null_as_default")]
    pub tags: Vec<Tag>,
    pub user_name: String,
    pub number_of_node: u32,
    #[serde(default)]
    pub recent_event: Option<u64>,
    #[serde(default)]
    pub availability_zone: Option<String>,
    #[serde(default)]
    pub enterprise_project_id: Option<String>,
    pub node_type: String,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub subnet_id: Option<String>,
    #[serde(default)]
    pub public_ip: Option<PublicIp>,
    /// `{"SNAPSHOTTING": "20%"}`; `null` or `{}` when idle.
    #[serde(default, deserialize_with = "de_null_as_default")]
    pub action_progress: BTreeMap<String, String>,
    #[serde(default)]
    pub sub_status: Option<String>,
    /// `null` when idle; a failure value (e.g. `RESIZE_FAILURE`) stays after the task ends.
    #[serde(default)]
    pub task_status: Option<String>,
    #[serde(default)]
    pub security_group_id: Option<String>,
    #[serde(default)]
    pub failed_reasons: Option<FailedReasons>,
    // Detail-only fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_type_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_group: Option<ParameterGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintain_window: Option<MaintainWindow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resize_info: Option<ResizeInfo>,
    /// The description (`POST /v1/{project_id}/clusters/{cluster_id}/description`), in
    /// Huawei's detail (dws-api.md §6.2); OTC's detail page documents no such field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_description_info: Option<String>,
}

impl Cluster {
    /// The EIP bound to the cluster: `public_ip.eip_id` when set and not empty and the bind
    /// type is not `not_use` (after an unbind the API shows `not_use` and `""`, dws-api.md
    /// §6.2).
    pub fn bound_eip(&self) -> Option<&str> {
        self.public_ip
            .as_ref()
            .filter(|ip| ip.public_bind_type != "not_use")
            .and_then(|ip| ip.eip_id.as_deref())
            .filter(|id| !id.is_empty())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub connect_info: String,
    #[serde(default)]
    pub jdbc_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicEndpoint {
    pub public_connect_info: String,
    #[serde(default)]
    pub jdbc_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    /// A string such as `"200"`.
    pub status: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedReasons {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_msg: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterGroup {
    pub id: String,
    pub name: String,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintainWindow {
    /// `Mon`..`Sun`. The three fields are optional in the reference (Table 10 of
    /// querying_cluster_details.rst); `plan::window` reads a window that lacks one as closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    /// `HH:mm`, GMT+0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResizeInfo {
    #[serde(deserialize_with = "de_lenient_u64")]
    pub target_node_num: u64,
    #[serde(deserialize_with = "de_lenient_u64")]
    pub origin_node_num: u64,
    pub resize_status: String,
    #[serde(default)]
    pub start_time: Option<String>,
}

/// `DELETE /v1.0/{project_id}/clusters/{cluster_id}` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeleteClusterRequest {
    pub keep_last_manual_snapshot: u32,
}

/// `POST .../restart` body: `{"restart": {}}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RestartRequest {
    pub restart: serde_json::Map<String, serde_json::Value>,
}

/// `POST .../reset-password` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    pub new_password: Secret,
}

/// `POST .../resize` body (scale out).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResizeRequest {
    pub scale_out: ScaleOut,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScaleOut {
    pub count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
}

/// `POST .../cluster-shrink` body (scale in).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShrinkRequest {
    pub shrink_number: u32,
    #[serde(default)]
    pub online: bool,
    #[serde(default)]
    pub retry: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_jobs: Option<u32>,
}

/// `{"tags": [...]}`: tag list answers and batch-create / batch-delete bodies.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TagsBody {
    pub tags: Vec<Tag>,
}

// ---------------------------------------------------------------------------------------------
// Snapshots

/// `POST /v1.0/{project_id}/snapshots` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateSnapshotRequest {
    pub snapshot: CreateSnapshot,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateSnapshot {
    pub name: String,
    pub cluster_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `{"snapshot": {"id": ...}}`: the answer to snapshot create.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotIdResponse {
    pub snapshot: IdOnly,
}

/// `GET /v1.0/{project_id}/snapshots`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotList {
    pub snapshots: Vec<Snapshot>,
    #[serde(deserialize_with = "de_lenient_u64")]
    pub count: u64,
}

/// `GET /v1.0/{project_id}/snapshots/{snapshot_id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotDetailResponse {
    pub snapshot: Snapshot,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub started: Option<String>,
    #[serde(default)]
    pub finished: Option<String>,
    /// GB, a double.
    #[serde(default)]
    pub size: Option<f64>,
    /// `CREATING`, `AVAILABLE`, `UNAVAILABLE`, ... (read by [`super::state`]).
    pub status: String,
    /// `MANUAL` or `AUTO` (older text: `AUTOMATED`; [`super::state::snapshot_kind`] reads
    /// both).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub cluster_id: Option<String>,
}

/// `POST /v1.0/{project_id}/snapshots/{snapshot_id}/actions` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RestoreRequest {
    pub restore: Restore,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Restore {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<PublicIp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_project_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_may_be_a_string() {
        let list: ClusterList =
            serde_json::from_str(r#"{"clusters": [], "count": "2"}"#).expect("decode");
        assert_eq!(list.count, 2);
    }

    #[test]
    fn error_code_is_found_in_every_form() {
        let legacy: ErrorBody =
            serde_json::from_str(r#"{"errCode":"DWS.0005","externalMessage":"Server failure."}"#)
                .expect("decode");
        assert_eq!(legacy.code(), Some("DWS.0005"));
        assert_eq!(legacy.message(), Some("Server failure."));
        let documented: ErrorBody =
            serde_json::from_str(r#"{"error_msg":"bad","error_code":"DWS.5050"}"#).expect("decode");
        assert_eq!(documented.code(), Some("DWS.5050"));
    }

    #[test]
    fn create_request_debug_hides_the_password() {
        let body = CreateCluster {
            name: "dws-demo".into(),
            node_type: "dws.m3.xlarge".into(),
            number_of_node: 3,
            subnet_id: "s".into(),
            security_group_id: "g".into(),
            vpc_id: "v".into(),
            availability_zone: None,
            port: None,
            user_name: "dbadmin".into(),
            user_pwd: Secret::new("canary-pw-81"),
            public_ip: None,
            number_of_cn: None,
            tags: None,
            enterprise_project_id: None,
        };
        assert!(!format!("{body:?}").contains("canary-pw-81"));
    }
}
