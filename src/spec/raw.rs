//! `RawSpec`: the spec as written (after overlays and interpolation), every value with its
//! span; and, through the `JsonSchema` derives, the source of `schemas/dwsctl.schema.json`.
//!
//! Nothing here is validated beyond YAML types; [`super::cross_checks`] checks the rules and
//! [`super::resolve`] turns a valid `RawSpec` into [`super::Desired`]. The doc comments on
//! the fields are the descriptions editors show from the schema.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use schemars::JsonSchema;

use super::error::Span;
use crate::secret::SecretRef;

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

// The schema of a spanned value is the schema of the value.
impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn schema_name() -> String {
        T::schema_name()
    }

    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        T::json_schema(gen)
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn is_referenceable() -> bool {
        T::is_referenceable()
    }
}

/// An entry of a mapping keyed by name (clusters, snapshots, tags).
#[derive(Clone, Debug, PartialEq)]
pub struct Named<T> {
    pub name: String,
    /// The key's span.
    pub span: Span,
    pub value: T,
}

/// A dwsctl spec: GaussDB(DWS) clusters and their manual snapshots, keyed by name.
#[derive(Clone, Debug, Default, JsonSchema)]
#[schemars(title = "dwsctl spec", deny_unknown_fields)]
pub struct RawSpec {
    /// Spec format version; `1`.
    #[schemars(with = "Option<u32>", range(min = 1, max = 1))]
    pub version: Option<Spanned<i64>>,
    /// Fields shared by every cluster; a cluster's own value wins (tags merge key by key).
    pub defaults: Option<RawDefaults>,
    /// Clusters keyed by name (4–64 characters, starting with a letter; letters, digits,
    /// `-`, `_`).
    #[schemars(with = "Option<IndexMap<String, Option<RawCluster>>>")]
    pub clusters: Vec<Named<RawCluster>>,
}

/// Fields a cluster and the `defaults:` block have in common.
#[derive(Clone, Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawCommon {
    /// Node flavor (`spec_name`), e.g. `dws.d1.xlarge`. Cannot change in place.
    pub node_type: Option<Spanned<String>>,
    /// Number of nodes, 3–256. Changes in place (scale out / scale in).
    #[schemars(with = "Option<u32>", range(min = 3, max = 256))]
    pub number_of_node: Option<Spanned<i64>>,
    /// VPC id. Cannot change in place.
    pub vpc_id: Option<Spanned<String>>,
    /// Subnet (network) id inside the VPC. Cannot change in place.
    pub subnet_id: Option<Spanned<String>>,
    /// Security group id. Changes in place (the security-group call).
    pub security_group_id: Option<Spanned<String>>,
    /// Availability zone, e.g. `eu-de-01` (default: chosen by the cloud). Cannot change in
    /// place.
    pub availability_zone: Option<Spanned<String>>,
    /// Database port, 8000–30000 (default 8000). Cannot change in place.
    #[schemars(with = "Option<u32>", range(min = 8000, max = 30000))]
    pub port: Option<Spanned<i64>>,
    /// Administrator user: lowercase letters, digits and `_`, starting with a letter or `_`,
    /// 1–63 characters, not a keyword. Cannot change in place.
    pub user_name: Option<Spanned<String>>,
    /// Administrator password, as a reference: `{from_env: NAME}` or `{from_file: PATH}`
    /// (relative to the spec file). Never inline.
    pub password: Option<Spanned<SecretRef>>,
    /// A label you change to rotate the password (kept in a tag): a change resets the
    /// password in place.
    #[schemars(with = "Option<StringOrInteger>")]
    pub password_version: Option<Spanned<String>>,
    /// Public access (default: none). The EIP changes in place (unbind, bind); `auto_assign`
    /// gets an EIP only at creation.
    pub public_ip: Option<Spanned<RawPublicIp>>,
    /// Number of coordinator nodes (CNs), 2 to min(20, number_of_node) (default: the cloud's,
    /// 3). Changes in place (CNs added or deleted in a batch), within the cluster's range.
    #[schemars(with = "Option<u32>", range(min = 2, max = 20))]
    pub number_of_cn: Option<Spanned<i64>>,
    /// Enterprise project id (default `0`). Cannot change in place.
    pub enterprise_project_id: Option<Spanned<String>>,
    /// Tags: key ≤ 36 and value ≤ 43 characters (ASCII letters, digits, `-`, `_`), at most 6
    /// (dwsctl keeps four of the cloud's 10 for its own). Change in place.
    #[schemars(with = "Option<BTreeMap<String, Option<StringOrInteger>>>")]
    pub tags: Option<Vec<Named<Spanned<String>>>>,
    /// How the cluster is deleted when it is marked `state: absent`.
    pub delete_policy: Option<RawDeletePolicy>,
    /// The automated-snapshot policy. Absent: dwsctl leaves the cluster's policy alone.
    pub automated_snapshots: Option<Spanned<RawAutomatedSnapshots>>,
    /// `running` or `stopped`: dwsctl starts or stops the cluster to match. Absent: dwsctl
    /// neither starts nor stops it (and plans nothing for a stopped cluster).
    pub power: Option<Spanned<RawPower>>,
    /// The cluster's description (≤ 256 characters, none of `!<>'=&"`). Changes in place
    /// (the description call); a new cluster gets it right after its create or restore.
    /// Absent: dwsctl leaves the description alone.
    pub description: Option<Spanned<String>>,
}

/// `automated_snapshots`.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawAutomatedSnapshots {
    /// Whether automated snapshots run.
    pub enabled: Option<Spanned<bool>>,
    /// Days an automated snapshot is kept, 1–31 (the API's `keep_day`).
    #[schemars(with = "Option<u32>", range(min = 1, max = 31))]
    pub keep_days: Option<Spanned<i64>>,
    /// Policies keyed by name (4–92 characters, a letter first; letters, digits, `-`, `_`;
    /// unique ignoring case), at most 10.
    #[schemars(with = "Option<IndexMap<String, RawSnapshotPolicy>>")]
    pub policies: Vec<Named<RawSnapshotPolicy>>,
    /// `true`: the policies listed are the whole set, so a live policy not listed is deleted.
    /// Default `false`: policies not listed are left alone.
    pub exclusive: Option<Spanned<bool>>,
}

/// One automated-snapshot policy.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSnapshotPolicy {
    /// When it runs, in the API's cron form: second minute hour day-of-month month
    /// day-of-week, with `?` in one day field, e.g. `0 0 2 ? * 1` (02:00 on Sundays).
    #[schemars(with = "String")]
    pub schedule: Option<Spanned<String>>,
    /// `full` or `increment`.
    #[schemars(with = "PolicyType")]
    pub r#type: Option<Spanned<String>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum PolicyType {
    Full,
    Increment,
}

/// A cluster.
#[derive(Clone, Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawCluster {
    #[serde(flatten)]
    pub common: RawCommon,
    /// `present` (default) or `absent` (delete it; see `delete_policy`).
    pub state: Option<Spanned<RawState>>,
    /// Take over an existing cluster of this name that dwsctl did not create (default
    /// false).
    pub adopt: Option<Spanned<bool>>,
    /// Create the cluster by restoring this snapshot (a snapshot of the spec, or
    /// `{snapshot: NAME, external: true}` for one that exists but is not in the spec).
    /// The cluster inherits node type, node count, admin user and password from it.
    #[schemars(with = "Option<RestoreFromSchema>")]
    pub restore_from: Option<Spanned<RawRestoreFrom>>,
    /// Manual snapshots of this cluster keyed by name: a description, or
    /// `{description: ..., state: absent}`.
    #[schemars(with = "Option<IndexMap<String, SnapshotSchema>>")]
    pub snapshots: Vec<Named<RawSnapshot>>,
    /// The cluster's previous name: a live cluster under that name (dwsctl's or adopted) is
    /// renamed in place (`cluster-name`), keeping its id and data, instead of a new cluster
    /// being created. Once renamed it has no effect.
    pub renamed_from: Option<Spanned<String>>,
    /// The keys written with a non-null value (valid or not), so that a field with a bad
    /// value is not also reported as missing.
    #[schemars(skip)]
    pub written: Vec<String>,
}

/// The `defaults:` block.
#[derive(Clone, Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawDefaults {
    #[serde(flatten)]
    pub common: RawCommon,
}

/// Whether an object should exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawState {
    Present,
    Absent,
}

/// `power`: whether the cluster runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawPower {
    Running,
    Stopped,
}

/// `public_ip`.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPublicIp {
    /// `auto_assign`, `not_use` or `bind_existing`.
    #[schemars(with = "PublicBindType")]
    pub public_bind_type: Spanned<String>,
    /// The EIP to bind; required with (and only with) `bind_existing`.
    pub eip_id: Option<Spanned<String>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum PublicBindType {
    AutoAssign,
    NotUse,
    BindExisting,
}

/// `delete_policy`.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawDeletePolicy {
    /// Take a manual snapshot (and wait until it is AVAILABLE) before deleting (default
    /// true).
    pub final_snapshot: Option<Spanned<bool>>,
    /// Number of latest manual snapshots the delete keeps (default 1 with a final
    /// snapshot, else 0; at least 1 with a final snapshot).
    #[schemars(with = "Option<u32>")]
    pub keep_last_manual_snapshot: Option<Spanned<i64>>,
}

/// `restore_from`.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRestoreFrom {
    pub snapshot: Spanned<String>,
    /// The snapshot exists in the cloud but is not declared in the spec.
    pub external: bool,
}

/// A manual snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawSnapshot {
    pub description: Option<Spanned<String>>,
    pub state: Option<Spanned<RawState>>,
}

// Schema-only shapes of values that accept two forms.

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum StringOrInteger {
    String(String),
    Integer(i64),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum RestoreFromSchema {
    /// The name of a snapshot in the spec.
    Name(String),
    Detailed(RestoreFromDetailed),
}

/// A snapshot to restore, possibly one not declared in the spec.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct RestoreFromDetailed {
    /// The snapshot's name.
    snapshot: String,
    /// True when the snapshot exists in the cloud but is not in the spec (default false).
    #[serde(default)]
    external: bool,
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum SnapshotSchema {
    /// The description (≤ 256 characters, none of `!<>'=&"`).
    Description(Option<String>),
    Detailed(SnapshotDetailed),
}

/// A snapshot with its options.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct SnapshotDetailed {
    /// ≤ 256 characters, none of `!<>'=&"`.
    description: Option<String>,
    /// `present` (default) or `absent` (delete the snapshot).
    state: Option<RawState>,
}

/// The JSON Schema of the spec, as `dwsctl schema` prints it and `schemas/` holds it.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawSpec);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Keys of each mapping, as the schema has them (the reader checks unknown keys against
/// these).
pub mod keys {
    pub const TOP: &[&str] = &["version", "defaults", "clusters"];
    pub const COMMON: &[&str] = &[
        "node_type",
        "number_of_node",
        "vpc_id",
        "subnet_id",
        "security_group_id",
        "availability_zone",
        "port",
        "user_name",
        "password",
        "password_version",
        "public_ip",
        "number_of_cn",
        "enterprise_project_id",
        "tags",
        "delete_policy",
        "automated_snapshots",
        "power",
        "description",
    ];
    pub const CLUSTER_ONLY: &[&str] = &[
        "state",
        "adopt",
        "restore_from",
        "snapshots",
        "renamed_from",
    ];
    pub const PUBLIC_IP: &[&str] = &["public_bind_type", "eip_id"];
    pub const DELETE_POLICY: &[&str] = &["final_snapshot", "keep_last_manual_snapshot"];
    pub const SNAPSHOT: &[&str] = &["description", "state"];
    pub const AUTOMATED_SNAPSHOTS: &[&str] = &["enabled", "keep_days", "policies", "exclusive"];
    pub const SNAPSHOT_POLICY: &[&str] = &["schedule", "type"];
    pub const RESTORE_FROM: &[&str] = &["snapshot", "external"];
    pub const PASSWORD: &[&str] = &["from_env", "from_file"];
    /// Fields a restored cluster takes from its snapshot, so `defaults:` does not apply
    /// them to it.
    pub const INHERITED_BY_RESTORE: &[&str] = &[
        "node_type",
        "number_of_node",
        "user_name",
        "password",
        "password_version",
        "number_of_cn",
    ];
}
