//! The rules that make creates, restores, scale-outs and scale-ins fail for want of room, in
//! one place so that the operations and the checks without side effects ([`super::checks`])
//! cannot disagree: a passing check means the operation would pass. [`admit`] (a new
//! cluster), [`grow_count_rule`] and [`grow_rules`] (a scale-out) and [`shrink_rule`] (a
//! scale-in, itself [`shrink_count_rule`] and [`shrink_disk_rule`]) are what the handlers and the checks call; the capacity rules are:
//!
//! - the node type must be offered in the availability zone (400 DWS.5200 "The flavor has
//!   been sold out. Switch to another AZ or region.", `appendix/error_code.rst`);
//! - the project's node quota (400 DWS.5091, as before);
//! - the subnet's free addresses: each node takes one address of its cluster's subnet, and a
//!   subnet has [`super::Networks::subnet_addresses`] (251 by default, the `Used: 249/251` of
//!   `node_change/performing_a_scale-out_check.rst`). No code is documented for a full
//!   subnet; the operations answer 400 DWS.5051 "Invalid IP address.", the documented code
//!   about addresses, with the scale-out check's wording of the reason;
//! - an EIP to bind must exist (400 DWS.5135 "The EIP does not exist.") and be bound to no
//!   other cluster (400 DWS.5133 "Invalid EIP ID.": the stricter reading, since an EIP has one
//!   port to bind; no code of its own is documented).

use axum::http::StatusCode;

use super::clusters::{name_taken, NewCluster};
use super::reply::ApiErr;
use super::state::{ClusterRec, State as World};
use super::Config;
use crate::api::wire::PublicIp;

/// What an operation asks for: `nodes` new nodes of `node_type` in `availability_zone`, with
/// addresses from `subnet_id`.
#[derive(Clone, Copy, Debug)]
pub struct Demand<'a> {
    pub node_type: &'a str,
    pub availability_zone: &'a str,
    pub subnet_id: &'a str,
    pub nodes: u64,
}

/// Which rule a result is for (the scale-out check reports each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Flavor,
    Quota,
    Subnet,
}

impl Rule {
    /// The check's `desc`, as the scale-out check's example names its subnet check.
    pub fn desc(self) -> &'static str {
        match self {
            Rule::Flavor => "Flavor availability check",
            Rule::Quota => "Node quota check",
            Rule::Subnet => "Subnet IP address check",
        }
    }
}

/// A broken rule: the error the operation answers, and the reason a check reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub reason: String,
    pub error: ApiErr,
}

fn refusal(code: &str, doc: &str, reason: String) -> Refusal {
    Refusal {
        error: ApiErr::dws(StatusCode::BAD_REQUEST, code, format!("{doc} {reason}")),
        reason,
    }
}

/// Every rule's outcome for `demand`, in the order the operations apply them.
pub fn rules(cfg: &Config, world: &World, demand: &Demand<'_>) -> [(Rule, Result<(), Refusal>); 3] {
    [
        (Rule::Flavor, offered(cfg, demand)),
        (Rule::Quota, quota(cfg, world, demand.nodes)),
        (Rule::Subnet, subnet(cfg, world, demand)),
    ]
}

/// The first broken rule, as the operation answers it.
pub fn check(cfg: &Config, world: &World, demand: &Demand<'_>) -> Result<(), ApiErr> {
    for (_, result) in rules(cfg, world, demand) {
        result.map_err(|r| r.error)?;
    }
    Ok(())
}

fn offered(cfg: &Config, demand: &Demand<'_>) -> Result<(), Refusal> {
    let sold_out = cfg
        .networks
        .sold_out
        .iter()
        .any(|(t, az)| t == demand.node_type && az == demand.availability_zone);
    if sold_out {
        return Err(refusal(
            "DWS.5200",
            "The flavor has been sold out. Switch to another AZ or region.",
            format!(
                "Node type {} is not offered in {}.",
                demand.node_type, demand.availability_zone
            ),
        ));
    }
    Ok(())
}

fn quota(cfg: &Config, world: &World, adding: u64) -> Result<(), Refusal> {
    let in_use = world.nodes_in_use();
    let quota = cfg.node_quota;
    if in_use + adding <= u64::from(quota) {
        return Ok(());
    }
    Err(refusal(
        "DWS.5091",
        "The number of nodes has reached the maximum.",
        format!(
            "The project's node quota is {quota}; {in_use} nodes are in use and {adding} more were requested."
        ),
    ))
}

fn subnet(cfg: &Config, world: &World, demand: &Demand<'_>) -> Result<(), Refusal> {
    let total = u64::from(cfg.networks.subnet_addresses);
    let used = world.nodes_in_subnet(demand.subnet_id).min(total);
    let free = total - used;
    if demand.nodes <= free {
        return Ok(());
    }
    Err(refusal(
        "DWS.5051",
        "Invalid IP address.",
        format!(
            "Subnet IP address quota exceeded. Required: {}; Used: {used}/{total} (the subnet has {free} free addresses, {} needed).",
            demand.nodes, demand.nodes
        ),
    ))
}

/// The rules a new cluster (create, restore, and their check) must pass against the world:
/// a free name, then the capacity rules (below).
pub fn admit(cfg: &Config, world: &World, new: &NewCluster) -> Result<(), ApiErr> {
    if world.clusters.iter().any(|c| c.claims(&new.name)) {
        return Err(name_taken(&new.name));
    }
    check(
        cfg,
        world,
        &Demand {
            node_type: new.flavor.spec_name,
            availability_zone: &new.availability_zone,
            subnet_id: &new.subnet_id,
            nodes: u64::from(new.number_of_node),
        },
    )?;
    public_ip(cfg, world, new.public_ip.as_ref())
}

/// A scale-out adds at least 1 node, to at most 256 (shared with the scale-out check).
pub fn grow_count_rule(current: u32, count: u32) -> Result<(), ApiErr> {
    if count == 0 || current.saturating_add(count) > 256 {
        return Err(ApiErr::dws(
            StatusCode::BAD_REQUEST,
            "DWS.5047",
            format!("Invalid instance quantity. The cluster has {current} nodes; it can grow by 1 to {} more.", 256u32.saturating_sub(current)),
        ));
    }
    Ok(())
}

/// The capacity rules a scale-out of cluster `id` by `count` must pass (shared with the
/// scale-out check).
pub fn grow_rules(cfg: &Config, world: &World, id: &str, count: u32) -> Result<(), ApiErr> {
    let Some(c) = world.cluster(id) else {
        return Ok(());
    };
    check(cfg, world, &grow_demand(c, count))
}

/// What a scale-out of `c` by `count` asks for.
pub fn grow_demand(c: &ClusterRec, count: u32) -> Demand<'_> {
    Demand {
        node_type: &c.node_type,
        availability_zone: &c.availability_zone,
        subnet_id: &c.subnet_id,
        nodes: u64::from(count),
    }
}

/// The rules a scale-in of `c` by `count` must pass (shared with the scale-in check): at
/// least 3 nodes stay ([`shrink_count_rule`]), and the data fits on their disks
/// ([`shrink_disk_rule`]).
pub fn shrink_rule(c: &ClusterRec, count: u32) -> Result<(), ApiErr> {
    shrink_count_rule(c.number_of_node, count)?;
    shrink_disk_rule(c, count)
}

fn invalid_quantity(detail: String) -> ApiErr {
    ApiErr::dws(
        StatusCode::BAD_REQUEST,
        "DWS.5047",
        format!("Invalid instance quantity. {detail}"),
    )
}

/// A scale-in removes at least 1 node and leaves at least 3.
pub fn shrink_count_rule(current: u32, count: u32) -> Result<(), ApiErr> {
    if count == 0 || current.saturating_sub(count) < 3 {
        return Err(invalid_quantity(format!(
            "The cluster has {current} nodes and must keep at least 3; it can shrink by 1 to {}.",
            current.saturating_sub(3)
        )));
    }
    Ok(())
}

/// The data the cluster holds fits on the disks of the nodes that stay (the scale-in check's
/// `disk` item: "whether the disk capacity meets the requirements after scale-in").
pub fn shrink_disk_rule(c: &ClusterRec, count: u32) -> Result<(), ApiErr> {
    let stay = c.number_of_node.saturating_sub(count);
    let per_node = super::catalog::flavor(&c.node_type).map_or(100, |f| f.disk_gb);
    let room = per_node * u64::from(stay);
    if c.data_gb() > room as f64 {
        return Err(invalid_quantity(format!(
            "The cluster holds {:.0} GB; the {stay} nodes that would stay hold {room} GB.",
            c.data_gb()
        )));
    }
    Ok(())
}

/// The cluster an EIP is bound to.
pub fn eip_holder<'a>(world: &'a World, eip_id: &str) -> Option<&'a ClusterRec> {
    world.clusters.iter().find(|c| bound_eip(c) == Some(eip_id))
}

/// The EIP bound to a cluster.
pub fn bound_eip(c: &ClusterRec) -> Option<&str> {
    c.public_ip
        .as_ref()
        .filter(|ip| ip.public_bind_type != "not_use")
        .and_then(|ip| ip.eip_id.as_deref())
        .filter(|id| !id.is_empty())
}

/// Whether EIP `eip_id` may be bound to cluster `for_cluster` (`None`: a new cluster): it is
/// one of the account's, or one an existing cluster holds, and no other cluster holds it.
pub fn eip_free(
    cfg: &Config,
    world: &World,
    eip_id: &str,
    for_cluster: Option<&str>,
) -> Result<(), ApiErr> {
    let holder = eip_holder(world, eip_id);
    let known = holder.is_some() || cfg.networks.eips.iter().any(|e| e.id == eip_id);
    if !known {
        return Err(refusal(
            "DWS.5135",
            "The EIP does not exist.",
            format!("No EIP {eip_id} in this project."),
        )
        .error);
    }
    match holder {
        Some(c) if Some(c.id.as_str()) != for_cluster => Err(refusal(
            "DWS.5133",
            "Invalid EIP ID.",
            format!("EIP {eip_id} is bound to cluster {}.", c.name),
        )
        .error),
        _ => Ok(()),
    }
}

/// The EIP rule for a create or restore's `public_ip` (only `bind_existing` names one).
pub fn public_ip(cfg: &Config, world: &World, ip: Option<&PublicIp>) -> Result<(), ApiErr> {
    match ip {
        Some(ip) if ip.public_bind_type == "bind_existing" => {
            eip_free(cfg, world, ip.eip_id.as_deref().unwrap_or_default(), None)
        }
        _ => Ok(()),
    }
}

/// The address of EIP `eip_id`: the account's, or `fallback` (an auto-assigned one).
pub fn eip_address(cfg: &Config, eip_id: &str, fallback: Option<String>) -> Option<String> {
    cfg.networks
        .eips
        .iter()
        .find(|e| e.id == eip_id)
        .map(|e| e.address.clone())
        .or(fallback)
}
