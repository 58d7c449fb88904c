//! Settings of an existing cluster that synchronous calls change in place (issue 12): the
//! security group, the public IP (EIP bind / unbind) and the description. Each rule returns
//! the steps that take the cluster from `facts` to the spec, in the order they run, with the
//! facts they leave behind.

use crate::plan::changes::{change, set, unset};
use crate::plan::diff::Planned;
use crate::plan::fingerprint::ClusterFacts;
use crate::plan::inplace::{target, Item};
use crate::plan::model::Action;
use crate::plan::procedure::{self, rule};
use crate::spec::DesiredCluster;

/// `security_group_id`: one `PUT …/security-group` with the spec's group
/// (`cluster_management/modifying_the_security_group_of_a_cluster.rst`). The call replaces
/// the cluster's groups, so a cluster listed with several (joined by commas) ends up with
/// the one the spec names.
pub(crate) fn security_group(desired: &DesiredCluster, facts: &ClusterFacts) -> Vec<Item> {
    let Some(want) = desired.security_group_id.as_deref() else {
        return Vec::new();
    };
    let have = facts.security_group_id.as_deref();
    if have == Some(want) {
        return Vec::new();
    }
    let planned = Planned {
        target: target(desired),
        action: Action::SetSecurityGroup {
            security_group_id: want.to_owned(),
        },
        changes: vec![match have {
            Some(old) => change("security_group_id", old, want),
            None => set("security_group_id", want),
        }],
        reason: "the cluster's security group differs from the spec: modify it in place".to_owned(),
    };
    let next = ClusterFacts {
        security_group_id: Some(want.to_owned()),
        ..facts.clone()
    };
    vec![Item::Step(Box::new(planned), next)]
}

/// What the spec's `public_ip` asks of a cluster that exists.
enum WantEip<'a> {
    /// `not_use`: no EIP.
    None,
    /// `bind_existing` with this EIP.
    This(&'a str),
    /// `auto_assign`: any EIP (the one the cloud assigned at creation).
    Any,
}

/// `public_ip`: unbind the EIP the cluster has and/or bind the spec's
/// (`connection_management/unbinding_an_eip_from_a_cluster.rst`, `binding_an_eip_to_a_cluster.rst`).
/// A change of EIP is an unbind, then a bind: the cluster holds one EIP at a time. Only the
/// EIP is compared, not the bind type: a cluster created with `auto_assign` holds an EIP as
/// much as one bound later. `auto_assign` on a cluster without an EIP is blocked: no call
/// allocates an EIP for an existing cluster.
pub(crate) fn public_ip(desired: &DesiredCluster, facts: &ClusterFacts) -> Vec<Item> {
    let Some(ip) = desired.public_ip.as_ref() else {
        return Vec::new();
    };
    let want = match (ip.public_bind_type.as_str(), ip.eip_id.as_deref()) {
        ("not_use", _) => WantEip::None,
        ("bind_existing", Some(eip)) => WantEip::This(eip),
        ("auto_assign", _) => WantEip::Any,
        // The spec validator refuses other forms; nothing to plan from them.
        _ => return Vec::new(),
    };
    let have = facts.eip_id.as_deref();
    let mut items = Vec::new();
    let mut facts = facts.clone();
    let unbind = match (&want, have) {
        (WantEip::None, Some(old)) => Some(old),
        (WantEip::This(new), Some(old)) if *new != old => Some(old),
        _ => None,
    };
    if let Some(old) = unbind {
        let replaced = matches!(want, WantEip::This(_));
        let next = facts.with_eip(None);
        let planned = Planned {
            target: target(desired),
            action: Action::UnbindEip {
                eip_id: old.to_owned(),
            },
            changes: vec![unset("public_ip.eip_id", old)],
            reason: if replaced {
                "the spec names another EIP: unbind the current one first (a cluster holds one)"
                    .to_owned()
            } else {
                "the spec says `public_bind_type: not_use`: unbind the cluster's EIP".to_owned()
            },
        };
        items.push(Item::Step(Box::new(planned), next.clone()));
        facts = next;
    }
    match want {
        WantEip::This(new) if facts.eip_id.as_deref() != Some(new) => {
            let next = facts.with_eip(Some(new));
            let planned = Planned {
                target: target(desired),
                action: Action::BindEip {
                    eip_id: new.to_owned(),
                },
                changes: vec![match have {
                    Some(old) => change("public_ip.eip_id", old, new),
                    None => set("public_ip.eip_id", new),
                }],
                reason: "the spec binds an existing EIP the cluster does not hold: bind it"
                    .to_owned(),
            };
            items.push(Item::Step(Box::new(planned), next));
        }
        WantEip::Any if have.is_none() => items.push(Item::Blocked(
            procedure::blocked(
                rule::EIP_NOT_ASSIGNABLE,
                "the spec says `public_bind_type: auto_assign`, but the cluster has no EIP and \
                 the cloud assigns one only when a cluster is created",
                "Allocate an EIP (VPC console or EIP API), then set `public_ip: \
                 {public_bind_type: bind_existing, eip_id: <its id>}` in the spec: the plan \
                 binds it in place.",
            ),
            vec![change(
                "public_ip.public_bind_type",
                "not_use",
                "auto_assign",
            )],
        )),
        _ => {}
    }
    items
}

/// `description`: one `POST …/description` with the spec's text
/// (`cluster_management/modifying_cluster_description.rst`) when the cluster's differs.
/// Only the detail shows a cluster's description (`cluster_description_info`), read for the
/// clusters whose spec sets one (`Desired::reads`); `facts.description` is `None` for a
/// cluster this plan creates or restores (neither call takes a description, and the new
/// cluster has none), so a non-empty one is set right after.
pub(crate) fn description(desired: &DesiredCluster, facts: &ClusterFacts) -> Vec<Item> {
    let Some(want) = desired.description.as_deref() else {
        return Vec::new();
    };
    if facts.description.as_deref().unwrap_or("") == want {
        return Vec::new();
    }
    let planned = Planned {
        target: target(desired),
        action: Action::SetDescription {
            description: want.to_owned(),
        },
        changes: vec![match facts.description.as_deref() {
            Some(old) => change("description", old, want),
            None => set("description", want),
        }],
        reason: if facts.description.is_some() {
            "the cluster's description differs from the spec: modify it in place"
        } else {
            "the create and the restore take no description: set it once the cluster exists"
        }
        .to_owned(),
    };
    let next = ClusterFacts {
        description: Some(want.to_owned()),
        ..facts.clone()
    };
    vec![Item::Step(Box::new(planned), next)]
}
