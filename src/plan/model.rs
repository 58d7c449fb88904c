//! The plan as a value: what `plan` prints and `apply` executes.
//!
//! A plan is specific enough that execution makes no choices (omicron's "primacy of
//! planning"): every step names its target by name (names are identity), the exact
//! operation with its parameters, the steps it waits for, and the fingerprint of the live
//! object it was computed from. Secrets appear only as [`SecretRef`]s.

use serde::{Deserialize, Serialize};

use crate::secret::SecretRef;

/// The JSON plan format version; bumped on any incompatible change.
/// Version 2: scale steps carry the node count they were planned `from` (their precondition).
/// Version 3: a password reset carries the tags it deletes (`delete_tags`), decided by the
/// plan rather than at run time.
/// Version 4: every step carries its `impact` (`safe`, `disruptive`, `destructive`; written
/// from the action, ignored on reading: [`Action::impact`] decides); a disruptive step may
/// carry its cluster's `maintenance` window and whether the plan deferred it.
/// Also new in version 4: the in-place actions `set_security_group`, `unbind_eip`,
/// `bind_eip`, `rename_cluster` (issue 12), and `start_cluster`, `stop_cluster` (`power`,
/// issue 12), and `add_coordinators`, `delete_coordinators` (`number_of_cn`, issue 12).
/// Also version 4: `set_snapshot_policy` steps (a cluster's automated-snapshot policy).
/// Also new in version 4: every change the plan makes says its `cause` (`spec`, `drift`,
/// `conflict` or `unknown`, see [`Cause`]), and clusters carry the record tag `dwsctl-applied`.
/// Version 5: the in-place action `set_description` (`description`, issue 12), which a
/// version 4 reader does not know.
/// Also version 5: the plan is written with its `summary` (the step counts by kind, and the
/// steps deferred until a maintenance window with when those windows open), derived from the
/// steps and ignored on reading (`planfile::to_json`).
pub const FORMAT_VERSION: u32 = 5;

// The reserved tags are the plan's vocabulary too; they are defined in the lowest layer, where
// the spec reads them.
pub use crate::api::tags::{
    APPLIED_TAG_KEY, LEASE_TAG_KEY, OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE,
    PASSWORD_VERSION_TAG_KEY, RESERVED_TAG_KEYS,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// SHA-256 of the canonical resolved spec the plan was made from; `apply PLAN` refuses a
    /// plan made for other spec inputs.
    pub spec_digest: String,
    /// In execution-compatible order (dependencies first), then by spec order. Each is
    /// written with its `impact` ([`Action::impact`]).
    #[serde(serialize_with = "crate::plan::impact::serialize_steps")]
    pub steps: Vec<Step>,
}

/// A step's id, unique within its plan: `<kind>.<name>.<verb>`, e.g.
/// `cluster.dws-demo.create`, `snapshot.snap-1.create`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepId(pub String);

impl std::fmt::Display for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: StepId,
    pub target: Target,
    pub action: Action,
    /// Field-level differences, for display and review.
    pub changes: Vec<FieldChange>,
    /// Why this step exists, in one sentence.
    pub reason: String,
    /// Steps that must be done before this one starts.
    pub depends_on: Vec<StepId>,
    /// Fingerprint of the live target the step was computed from ([`Fingerprint::absent`]
    /// when the target did not exist). `apply PLAN` re-checks it just before the step runs.
    /// For a step that follows earlier steps on the same target, it is the fingerprint the
    /// target will have once those steps are done, so `plan::fingerprint(&step.target,
    /// &fresh_live) == step.fingerprint` holds for every step of a plan applied as planned.
    pub fingerprint: Fingerprint,
    /// For a disruptive step: its cluster's maintenance window as read after the diff, and
    /// whether it was closed then. Apply starts the step only inside the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<crate::plan::window::Maintenance>,
}

/// What a step acts on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    Cluster { name: String },
    Snapshot { name: String, cluster: String },
}

impl Target {
    pub fn name(&self) -> &str {
        match self {
            Target::Cluster { name } | Target::Snapshot { name, .. } => name,
        }
    }

    /// The cluster the step occupies (at most one mutating operation per cluster at a time).
    pub fn cluster(&self) -> &str {
        match self {
            Target::Cluster { name } => name,
            Target::Snapshot { cluster, .. } => cluster,
        }
    }
}

/// A hex digest of the live fields a step depends on, or `"absent"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

impl Fingerprint {
    pub fn absent() -> Self {
        Self("absent".to_owned())
    }
}

/// One field's difference. Values are JSON so that numbers, strings and maps all render.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<serde_json::Value>,
    pub new: Option<serde_json::Value>,
    /// Rendered as `(sensitive)`; the values above are then `None`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// Why the difference exists (`plan::record`); `None` for a value shown for context (old
    /// equals new) and for the progress of an operation already running (a wait's fields):
    /// neither is a difference between the spec and the cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
}

/// The cause of a difference, from the record of the last apply the cluster carries
/// (`dwsctl-applied`, see `plan::record`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The spec changed since the last apply; the cloud is as dwsctl left it. Also every
    /// difference no record can speak for: objects the cloud does not have (creates,
    /// restores), deletes the spec asks for, and fields no API call changes in place.
    Spec,
    /// The cloud changed outside dwsctl; the spec did not.
    Drift,
    /// Both changed.
    Conflict,
    /// The cluster carries no record of a last apply for this field (made before dwsctl kept
    /// one, adopted, or its last apply failed midway): the cause cannot be told.
    Unknown,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Spec => "spec",
            Cause::Drift => "drift",
            Cause::Conflict => "conflict",
            Cause::Unknown => "unknown",
        }
    }
}

/// The symbol and word a step is shown with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `+`
    Create,
    /// `~`
    Update,
    /// `-`
    Delete,
    /// `!`: no in-place operation exists, or a safety rule refuses it.
    Blocked,
    /// `…`: an operation already running in the cloud that dependents must wait for.
    Wait,
}

/// The exact operation a step performs. Names identify objects; the executor resolves them
/// to ids from the live listing just before the call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// `POST /clusters`.
    CreateCluster(CreateClusterParams),
    /// `POST /snapshots/{id}/actions` from the snapshot named `snapshot`.
    RestoreCluster(RestoreClusterParams),
    /// `POST /clusters/{id}/resize` adding `count` nodes to a cluster of `from` nodes. The
    /// call takes a delta, so it is sent only while the cluster still has `from` nodes.
    ScaleOut { count: u32, from: u32 },
    /// `POST /clusters/{id}/cluster-shrink` removing `count` nodes from a cluster of `from`
    /// nodes (sent only while it still has `from`).
    ScaleIn { count: u32, from: u32 },
    /// `POST /clusters/{id}/reset-password`, then `tags/batch-delete` of `delete_tags` (the
    /// password-version tag the plan saw, if any) and `tags/batch-create` of the new
    /// `password_version`.
    ResetPassword {
        password: SecretRef,
        password_version: String,
        delete_tags: Vec<TagKv>,
    },
    /// `tags/batch-delete` then `tags/batch-create`.
    UpdateTags {
        create: Vec<TagKv>,
        delete: Vec<TagKv>,
    },
    /// `POST /snapshots` for the target snapshot of the target cluster.
    CreateSnapshot { description: Option<String> },
    /// `DELETE /snapshots/{id}`.
    DeleteSnapshot,
    /// `DELETE /clusters/{id}` (after its final snapshot step, if any).
    DeleteCluster { keep_last_manual_snapshot: u32 },
    /// Wait until an operation already running in the cloud ends (the target reaches
    /// AVAILABLE and has no task).
    Wait {
        status: String,
        task_status: Option<String>,
    },
    /// Not executable; apply refuses a plan that has one.
    Blocked(Blocked),
    /// `PUT /v1/{project_id}/clusters/{id}/security-group` with this one group
    /// (`cluster_management/modifying_the_security_group_of_a_cluster.rst`; synchronous).
    SetSecurityGroup { security_group_id: String },
    /// `DELETE /v2/{project_id}/clusters/{id}/eips/{eip_id}`
    /// (`connection_management/unbinding_an_eip_from_a_cluster.rst`; synchronous).
    UnbindEip { eip_id: String },
    /// `POST /v2/{project_id}/clusters/{id}/eips/{eip_id}`
    /// (`connection_management/binding_an_eip_to_a_cluster.rst`; synchronous). A change of
    /// EIP is an `UnbindEip` step, then this one.
    BindEip { eip_id: String },
    /// `POST /v1/{project_id}/clusters/{id}/start`
    /// (`cluster_management/starting_a_cluster.rst`), sent only while the cluster is stopped;
    /// done when it is AVAILABLE again.
    StartCluster,
    /// `POST /v1/{project_id}/clusters/{id}/stop` (`cluster_management/stopping_a_cluster.rst`),
    /// sent only while the cluster runs idle; done when it is STOPPED.
    StopCluster,
    /// `POST /v1.0/{project_id}/clusters/{id}/cns/batch-create` with `num: total`, the CN
    /// count after the addition (`node_change/adding_cn_nodes_in_batches.rst`); sent only
    /// while the cluster has `from` CNs (read back from `GET …/cns` just before).
    AddCoordinators { total: u32, from: u32 },
    /// `POST /v1.0/{project_id}/clusters/{id}/cns/batch-delete` of the CNs `ids`
    /// (`node_change/deleting_cn_nodes_in_batches.rst`); sent only while the cluster has
    /// `from` CNs, these among them.
    DeleteCoordinators { ids: Vec<String>, from: u32 },
    /// The automated-snapshot policy: `DELETE …/snapshot-policies/{id}` of each strategy
    /// named in `delete`, then one `PUT …/snapshot-policies` with `keep_days` and the
    /// strategies of `put` (added, or changed by their live id), then a `GET` that must show
    /// them. Names ignore case; ids are resolved from a `GET` just before the calls. `from`
    /// is the digest of the policy the step was planned from (`plan::policy::digest`),
    /// `None` for a cluster the same apply creates; a policy that moved elsewhere makes the
    /// step stale.
    SetSnapshotPolicy {
        keep_days: Option<u32>,
        put: Vec<PolicyEntry>,
        delete: Vec<String>,
        from: Option<String>,
    },
    /// `PUT /v1/{project_id}/clusters/{id}/cluster-name` (`cluster_management/changing_a_cluster_name.rst`):
    /// the target is the cluster under its current (old) name; the steps after it name it
    /// `new_name`.
    RenameCluster { new_name: String },
    /// `POST /v1/{project_id}/clusters/{id}/description`
    /// (`cluster_management/modifying_cluster_description.rst`; synchronous, absolute).
    SetDescription { description: String },
}

impl Action {
    pub fn kind(&self) -> Kind {
        match self {
            Action::CreateCluster(_)
            | Action::RestoreCluster(_)
            | Action::CreateSnapshot { .. } => Kind::Create,
            Action::ScaleOut { .. }
            | Action::ScaleIn { .. }
            | Action::ResetPassword { .. }
            | Action::UpdateTags { .. }
            | Action::SetSecurityGroup { .. }
            | Action::UnbindEip { .. }
            | Action::BindEip { .. }
            | Action::StartCluster
            | Action::StopCluster
            | Action::AddCoordinators { .. }
            | Action::DeleteCoordinators { .. }
            | Action::RenameCluster { .. } => Kind::Update,
            Action::SetSnapshotPolicy { .. } | Action::SetDescription { .. } => Kind::Update,
            Action::DeleteSnapshot | Action::DeleteCluster { .. } => Kind::Delete,
            Action::Wait { .. } => Kind::Wait,
            Action::Blocked(_) => Kind::Blocked,
        }
    }

    /// What running the step does to the service (README, "Impact classes"). A new variant
    /// takes its class here: the match is exhaustive on purpose.
    pub fn impact(&self) -> Impact {
        match self {
            // A new object, a new snapshot, metadata, or nothing at all (a wait, a step that
            // never runs): the warehouse keeps serving.
            Action::CreateCluster(_)
            | Action::RestoreCluster(_)
            | Action::CreateSnapshot { .. }
            | Action::UpdateTags { .. }
            | Action::Wait { .. }
            | Action::Blocked(_) => Impact::Safe,
            // The password changes for the clients using it, but the service does not stop
            // (`reset-password` is synchronous, without a restart).
            Action::ResetPassword { .. } => Impact::Safe,
            // A scaling redistributes the data and makes the cluster read-only or
            // unavailable meanwhile (OTC user manual, scaling out / scaling in).
            Action::ScaleOut { .. } | Action::ScaleIn { .. } => Impact::Disruptive,
            Action::DeleteSnapshot | Action::DeleteCluster { .. } => Impact::Destructive,
            // A new public address: nobody loses access.
            Action::BindEip { .. } => Impact::Safe,
            // Clients lose what they connect through: the public address goes away, or the
            // new security group may refuse (and cut) connections the old one allowed.
            Action::UnbindEip { .. } | Action::SetSecurityGroup { .. } => Impact::Disruptive,
            // A stopped warehouse serves nobody yet: starting it takes nothing away.
            Action::StartCluster => Impact::Safe,
            // Every session ends and nothing is served until a start.
            Action::StopCluster => Impact::Disruptive,
            // "Services need to be stopped during CN node addition or deletion"
            // (`node_change/adding_cn_nodes_in_batches.rst`).
            Action::AddCoordinators { .. } | Action::DeleteCoordinators { .. } => {
                Impact::Disruptive
            }
            // Schedules and a retention: the service keeps running and no snapshot is deleted
            // by the call (a shorter `keep_days` lets the service expire automated snapshots
            // sooner; the plan shows that change as `keep_days old -> new`).
            Action::SetSnapshotPolicy { .. } => Impact::Safe,
            // Only the name changes: the cluster keeps its id and data and goes on serving.
            Action::RenameCluster { .. } => Impact::Safe,
            // Metadata only.
            Action::SetDescription { .. } => Impact::Safe,
        }
    }
}

/// A step's impact class: what reviewers see at a glance and what maintenance windows gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// The service keeps running as it did.
    Safe,
    /// The service is interrupted or degraded while the step runs (a scaling, a restart, a
    /// stop, a coordinator change): it starts only inside the cluster's maintenance window.
    Disruptive,
    /// Something is deleted.
    Destructive,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Safe => "safe",
            Impact::Disruptive => "disruptive",
            Impact::Destructive => "destructive",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TagKv {
    pub key: String,
    pub value: String,
}

/// One automated-snapshot strategy as a plan sets it (the API's `backup_strategies[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyEntry {
    pub name: String,
    /// `backup_strategy`, the cron form.
    pub schedule: String,
    /// `backup_type`: `full` or `increment`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// Everything `POST /clusters` needs except the password value, which is resolved from
/// its reference at execution time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateClusterParams {
    pub node_type: String,
    pub number_of_node: u32,
    pub vpc_id: String,
    pub subnet_id: String,
    pub security_group_id: String,
    pub availability_zone: Option<String>,
    pub port: Option<u32>,
    pub user_name: String,
    pub password: SecretRef,
    pub public_ip: Option<PublicIpParams>,
    pub number_of_cn: Option<u32>,
    pub enterprise_project_id: Option<String>,
    /// Including the ownership and password-version tags.
    pub tags: Vec<TagKv>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RestoreClusterParams {
    /// The snapshot's name.
    pub snapshot: String,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub security_group_id: Option<String>,
    pub availability_zone: Option<String>,
    pub port: Option<u32>,
    pub public_ip: Option<PublicIpParams>,
    pub enterprise_project_id: Option<String>,
    /// Tags to set once the restored cluster exists (restore takes none).
    pub tags: Vec<TagKv>,
}

/// `public_ip` of a created or restored cluster. The plan's own type, not the spec's: a plan
/// file's format must not change because a spec struct did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicIpParams {
    /// `auto_assign`, `not_use` or `bind_existing`.
    pub public_bind_type: String,
    pub eip_id: Option<String>,
}

impl From<&crate::spec::PublicIpSpec> for PublicIpParams {
    fn from(ip: &crate::spec::PublicIpSpec) -> Self {
        let crate::spec::PublicIpSpec {
            public_bind_type,
            eip_id,
        } = ip;
        Self {
            public_bind_type: public_bind_type.clone(),
            eip_id: eip_id.clone(),
        }
    }
}

/// Why a step cannot run, and what the operator can do instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    /// Machine-readable rule name, e.g. `immutable_field`, `unowned_cluster`,
    /// `failed_cluster`, `unknown_status`.
    pub rule: String,
    pub reason: String,
    /// The manual procedure, e.g. snapshot → restore to a new cluster → cut over.
    pub procedure: String,
}

/// How many steps of each kind a plan has, and how many wait for a maintenance window: the
/// summary line of every format.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub blocked: usize,
    pub wait: usize,
    /// Steps deferred until their cluster's maintenance window opens (`Step::maintenance`).
    /// Only disruptive steps are, and each is an update, so they are counted in `update` too.
    #[serde(default)]
    pub deferred: usize,
    /// When the windows of the deferred steps next open (RFC 3339, UTC), earliest first, each
    /// once; a window that cannot be read has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deferred_until: Vec<String>,
}

impl Summary {
    /// Counts `steps` by kind.
    pub fn of<'a>(steps: impl IntoIterator<Item = &'a Step>) -> Summary {
        let mut summary = Summary::default();
        for step in steps {
            match step.action.kind() {
                Kind::Create => summary.create += 1,
                Kind::Update => summary.update += 1,
                Kind::Delete => summary.delete += 1,
                Kind::Blocked => summary.blocked += 1,
                Kind::Wait => summary.wait += 1,
            }
            if let Some(m) = step.maintenance.as_ref().filter(|m| m.deferred) {
                summary.deferred += 1;
                if let Some(until) = &m.deferred_until {
                    summary.deferred_until.push(until.clone());
                }
            }
        }
        // One format (`window::rfc3339`, UTC): the text order is the time order.
        summary.deferred_until.sort();
        summary.deferred_until.dedup();
        summary
    }

    /// `2 deferred until <time>` (one window), `3 deferred, the first until <time>`, or
    /// `1 deferred` (its window cannot be read); `None` when no step is deferred. The text and
    /// markdown summaries say it the same way.
    pub fn deferral(&self) -> Option<String> {
        let n = self.deferred;
        match self.deferred_until.as_slice() {
            _ if n == 0 => None,
            [] => Some(format!("{n} deferred")),
            [until] => Some(format!("{n} deferred until {until}")),
            [first, ..] => Some(format!("{n} deferred, the first until {first}")),
        }
    }
}

impl Plan {
    /// Counts the steps by kind.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.steps)
    }

    /// Whether the plan has nothing to do and nothing to report.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether any step is blocked (apply refuses such a plan).
    pub fn has_blocked(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.action, Action::Blocked(_)))
    }
}
