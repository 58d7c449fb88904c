//! What each step of a plan asks of the cloud's capacity, read from the plan and the live
//! listing alone (no calls): the steps that add nodes (create, restore, scale-out), the
//! scale-ins, and the restores that cannot be checked because their size is unknown.

use crate::api::ops::{ClusterCheck, RestorePoint};
use crate::api::wire::{Cluster, PublicIp};
use crate::api::Live;
use crate::plan::{Action, CreateClusterParams, Plan, PublicIpParams, RestoreClusterParams, Step};
use crate::plan::{StepId, Target};

/// One step that needs a check.
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    pub step: StepId,
    pub what: What,
}

#[derive(Clone, Debug, PartialEq)]
pub enum What {
    /// A create or restore: the precheck's body with the step's own node count; an empty
    /// `availability_zones` means the cloud's default zone, and an empty `datastore_version`
    /// the node type's current one (both filled from the node types before the call).
    NewCluster(Box<ClusterCheck>),
    /// A scale-out of the live cluster `cluster_id` (in `subnet_id`) from `from` nodes.
    Grow {
        cluster_id: String,
        node_type: String,
        availability_zone: Option<String>,
        subnet_id: Option<String>,
        from: u32,
        count: u32,
    },
    /// A scale-in of the live cluster `cluster_id` by `count` nodes.
    Shrink { cluster_id: String, count: u32 },
    /// A restore whose snapshot's source cluster is unknown: its node type and
    /// count (which the precheck needs) are unknown, so it is not checked; `why` says so.
    Unknown { why: String },
}

impl Demand {
    /// The nodes the step adds to the project (and to its subnet).
    pub fn nodes(&self) -> u32 {
        match &self.what {
            What::NewCluster(check) => check.num_node,
            What::Grow { count, .. } => *count,
            What::Shrink { .. } | What::Unknown { .. } => 0,
        }
    }

    /// The subnet the added nodes take their addresses from.
    pub fn subnet(&self) -> Option<&str> {
        match &self.what {
            What::NewCluster(check) => Some(check.subnet_id.as_str()),
            What::Grow { subnet_id, .. } => subnet_id.as_deref(),
            What::Shrink { .. } | What::Unknown { .. } => None,
        }
    }
}

/// The demands of `plan`'s steps, in plan order (the order the executor may run them in).
pub fn of_plan(plan: &Plan, live: &Live) -> Vec<Demand> {
    plan.steps
        .iter()
        .filter_map(|step| {
            let what = of_step(plan, step, live)?;
            Some(Demand {
                step: step.id.clone(),
                what,
            })
        })
        .collect()
}

fn of_step(plan: &Plan, step: &Step, live: &Live) -> Option<What> {
    let name = step.target.name();
    match &step.action {
        Action::CreateCluster(p) => Some(What::NewCluster(Box::new(create_check(name, p)))),
        Action::RestoreCluster(p) => Some(match restore_source(plan, live, &p.snapshot) {
            Some(source) => What::NewCluster(Box::new(restore_check(name, p, live, source))),
            // Its source's create is blocked: the restore cannot run before that is fixed,
            // and the plan made then checks it.
            None if source_blocked(plan, &p.snapshot) => return None,
            None => What::Unknown {
                why: format!(
                    "the source cluster of snapshot {} is neither listed nor created by this \
                     plan, so the node type and size of the restored cluster are unknown",
                    crate::term::escape(&p.snapshot)
                ),
            },
        }),
        Action::ScaleOut { count, from } => {
            let c = live.cluster(name)?;
            Some(What::Grow {
                cluster_id: c.id.clone(),
                node_type: c.node_type.clone(),
                availability_zone: c.availability_zone.clone(),
                subnet_id: c.subnet_id.clone(),
                from: *from,
                count: *count,
            })
        }
        Action::ScaleIn { count, .. } => Some(What::Shrink {
            cluster_id: live.cluster(name)?.id.clone(),
            count: *count,
        }),
        _ => None,
    }
}

fn wire_ip(ip: &Option<PublicIpParams>) -> Option<PublicIp> {
    ip.as_ref().map(|ip| PublicIp {
        public_bind_type: ip.public_bind_type.clone(),
        eip_id: ip.eip_id.clone(),
        eip_address: None,
    })
}

/// The precheck body of a create: the create's own fields; never the password (the check
/// does not need it, and a plan never holds it).
fn create_check(name: &str, p: &CreateClusterParams) -> ClusterCheck {
    ClusterCheck {
        name: Some(name.to_owned()),
        flavor: p.node_type.clone(),
        num_node: p.number_of_node,
        availability_zones: p.availability_zone.iter().cloned().collect(),
        vpc_id: p.vpc_id.clone(),
        subnet_id: p.subnet_id.clone(),
        security_group_id: Some(p.security_group_id.clone()),
        datastore_version: String::new(),
        public_ip: wire_ip(&p.public_ip),
        num_cn: p.number_of_cn,
        db_port: p.port.map(|port| port.to_string()),
        db_name: None,
        db_password: None,
        tag_list: None,
        enterprise_project_id: p.enterprise_project_id.clone(),
        restore_point: None,
    }
}

/// What a restore copies from its snapshot's source cluster.
struct Source {
    id: Option<String>,
    node_type: String,
    nodes: u32,
    version: Option<String>,
    availability_zone: Option<String>,
    vpc_id: Option<String>,
    subnet_id: Option<String>,
    security_group_id: Option<String>,
}

impl From<&Cluster> for Source {
    fn from(c: &Cluster) -> Self {
        Source {
            id: Some(c.id.clone()),
            node_type: c.node_type.clone(),
            nodes: c.number_of_node,
            version: c.version.clone(),
            availability_zone: c.availability_zone.clone(),
            vpc_id: c.vpc_id.clone(),
            subnet_id: c.subnet_id.clone(),
            security_group_id: c.security_group_id.clone(),
        }
    }
}

impl From<&CreateClusterParams> for Source {
    fn from(p: &CreateClusterParams) -> Self {
        Source {
            id: None,
            node_type: p.node_type.clone(),
            nodes: p.number_of_node,
            version: None,
            availability_zone: p.availability_zone.clone(),
            vpc_id: Some(p.vpc_id.clone()),
            subnet_id: Some(p.subnet_id.clone()),
            security_group_id: Some(p.security_group_id.clone()),
        }
    }
}

/// The cluster a restore copies: the live source of the live snapshot, or the cluster whose
/// snapshot this plan takes first (live, or created by this plan too).
fn restore_source(plan: &Plan, live: &Live, snapshot: &str) -> Option<Source> {
    if let Some(source) = live
        .snapshot(snapshot)
        .and_then(|s| s.cluster_id.as_deref())
        .and_then(|id| live.clusters.iter().find(|c| c.id == id))
    {
        return Some(source.into());
    }
    let cluster = plan
        .steps
        .iter()
        .find_map(|step| match (&step.target, &step.action) {
            (Target::Snapshot { name, cluster }, Action::CreateSnapshot { .. })
                if name == snapshot =>
            {
                Some(cluster.as_str())
            }
            _ => None,
        })?;
    if let Some(c) = live.cluster(cluster) {
        return Some(c.into());
    }
    plan.steps.iter().find_map(|step| match &step.action {
        Action::CreateCluster(p) if step.target.name() == cluster => Some(p.into()),
        _ => None,
    })
}

/// Whether the cluster whose snapshot this plan takes as `snapshot` has a blocked step.
fn source_blocked(plan: &Plan, snapshot: &str) -> bool {
    let source = plan.steps.iter().find_map(|step| match &step.target {
        Target::Snapshot { name, cluster } if name == snapshot => Some(cluster),
        _ => None,
    });
    source.is_some_and(|cluster| {
        plan.steps.iter().any(|step| {
            step.target.name() == cluster.as_str() && matches!(step.action, Action::Blocked(_))
        })
    })
}

/// The precheck body of a restore: the source's node type, size and version (empty when
/// the source is still to be created: the node types' version then); the network the
/// restore asks for, else the source's (as the restore itself defaults them).
fn restore_check(
    name: &str,
    p: &RestoreClusterParams,
    live: &Live,
    source: Source,
) -> ClusterCheck {
    let or_source = |own: &Option<String>, theirs: &Option<String>| {
        own.clone().or_else(|| theirs.clone()).unwrap_or_default()
    };
    ClusterCheck {
        name: Some(name.to_owned()),
        flavor: source.node_type.clone(),
        num_node: source.nodes,
        availability_zones: p
            .availability_zone
            .clone()
            .or_else(|| source.availability_zone.clone())
            .into_iter()
            .collect(),
        vpc_id: or_source(&p.vpc_id, &source.vpc_id),
        subnet_id: or_source(&p.subnet_id, &source.subnet_id),
        security_group_id: p
            .security_group_id
            .clone()
            .or_else(|| source.security_group_id.clone()),
        datastore_version: source.version.clone().unwrap_or_default(),
        public_ip: wire_ip(&p.public_ip),
        num_cn: None,
        db_port: p.port.map(|port| port.to_string()),
        db_name: None,
        db_password: None,
        tag_list: None,
        enterprise_project_id: p.enterprise_project_id.clone(),
        restore_point: Some(RestorePoint {
            back_ref: live.snapshot(&p.snapshot).map(|s| s.id.clone()),
            cluster_id: source.id,
        }),
    }
}
