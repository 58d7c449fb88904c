//! Rules for an existing cluster: which differences have an in-place operation (tags, reset
//! password, security group, EIP, description, scale out, scale in) and which do not (blocked with a
//! manual procedure).

use std::collections::BTreeMap;

use crate::api::wire::Cluster;
use crate::plan::changes::{change, desired_tags, reserved, sensitive, set, unset};
use crate::plan::diff::Planned;
use crate::plan::fingerprint::ClusterFacts;
use crate::plan::model::{Action, Blocked, FieldChange, TagKv, Target, PASSWORD_VERSION_TAG_KEY};
use crate::plan::procedure::{self, rule};
use crate::plan::settings;
use crate::spec::DesiredCluster;

/// The API adds at least this many nodes per scale-out (vendor API reference: scaling_out_a_cluster.rst).
pub const MIN_SCALE_OUT: u32 = 3;

/// One in-place change: a step with the facts it leaves behind, or a refusal.
pub(crate) enum Item {
    Step(Box<Planned>, ClusterFacts),
    Blocked(Blocked, Vec<FieldChange>),
}

/// The in-place changes that take a cluster from `facts` to `desired`, in the order they run:
/// tags first (so that an adopted cluster is marked as ours before anything else), then the
/// password, the settings (security group, EIP, description), then the node count. `adopting` says why an untagged cluster is taken over.
pub(crate) fn in_place(
    desired: &DesiredCluster,
    facts: &ClusterFacts,
    adopting: Option<&str>,
) -> Vec<Item> {
    let mut items = Vec::new();
    let mut facts = facts.clone();
    if let Some((planned, next)) = tags(desired, &facts, adopting) {
        facts = next.clone();
        items.push(Item::Step(Box::new(planned), next));
    }
    // Each rule sees the facts the steps before it leave behind.
    let rules: [Rule; 4] = [
        password,
        settings::security_group,
        settings::public_ip,
        settings::description,
    ];
    for rule in rules {
        for item in rule(desired, &facts) {
            if let Item::Step(_, next) = &item {
                facts = next.clone();
            }
            items.push(item);
        }
    }
    if let Some(item) = scale(desired, &facts) {
        items.push(item);
    }
    items
}

/// A rule for one field: the items (in order) that change it.
type Rule = fn(&DesiredCluster, &ClusterFacts) -> Vec<Item>;

pub(crate) fn target(desired: &DesiredCluster) -> Target {
    Target::Cluster {
        name: desired.name.clone(),
    }
}

fn tags(
    desired: &DesiredCluster,
    facts: &ClusterFacts,
    adopting: Option<&str>,
) -> Option<(Planned, ClusterFacts)> {
    let want = desired_tags(desired, None);
    let have: BTreeMap<&str, &str> = facts
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut create = Vec::new();
    let mut delete = Vec::new();
    let mut changes = Vec::new();
    for (key, value) in &want {
        match have.get(key.as_str()) {
            Some(old) if *old == value => {}
            Some(old) => {
                delete.push(kv(key, old));
                create.push(kv(key, value));
                changes.push(change(&format!("tags.{key}"), old, value));
            }
            None => {
                create.push(kv(key, value));
                changes.push(set(&format!("tags.{key}"), value));
            }
        }
    }
    for (key, value) in &facts.tags {
        if !reserved(key) && !want.contains_key(key) {
            delete.push(kv(key, value));
            changes.push(unset(&format!("tags.{key}"), value));
        }
    }
    if create.is_empty() && delete.is_empty() {
        return None;
    }
    let mut next: BTreeMap<String, String> = facts.tags.iter().cloned().collect();
    for tag in &delete {
        next.remove(&tag.key);
    }
    for tag in &create {
        next.insert(tag.key.clone(), tag.value.clone());
    }
    let reason = match adopting {
        Some(why) => why.to_owned(),
        None => "the cluster's tags differ from the spec".to_owned(),
    };
    let planned = Planned {
        target: target(desired),
        action: Action::UpdateTags { create, delete },
        changes,
        reason,
    };
    let next = ClusterFacts {
        tags: next.into_iter().collect(),
        ..facts.clone()
    };
    Some((planned, next))
}

fn kv(key: &str, value: &str) -> TagKv {
    TagKv {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

fn password(desired: &DesiredCluster, facts: &ClusterFacts) -> Vec<Item> {
    password_item(desired, facts).into_iter().collect()
}

fn password_item(desired: &DesiredCluster, facts: &ClusterFacts) -> Option<Item> {
    let version = desired.password_version.as_deref()?;
    let live = facts
        .tags
        .iter()
        .find(|(k, _)| k == PASSWORD_VERSION_TAG_KEY)
        .map(|(_, v)| v.as_str());
    if live == Some(version) {
        return None;
    }
    let changes = vec![
        sensitive("password"),
        match live {
            Some(old) => change("password_version", old, version),
            None => set("password_version", version),
        },
    ];
    let Some(password) = desired.password.clone() else {
        return Some(Item::Blocked(
            procedure::blocked(
                rule::INCOMPLETE_SPEC,
                "password_version changed but the spec gives no password to set",
                "Add `password` (a secret reference) to the cluster in the spec.",
            ),
            changes,
        ));
    };
    let mut tags: BTreeMap<String, String> = facts.tags.iter().cloned().collect();
    tags.insert(PASSWORD_VERSION_TAG_KEY.to_owned(), version.to_owned());
    let planned = Planned {
        target: target(desired),
        action: Action::ResetPassword {
            password,
            password_version: version.to_owned(),
            // The tag that records the old version, replaced by the new one.
            delete_tags: live
                .map(|old| vec![kv(PASSWORD_VERSION_TAG_KEY, old)])
                .unwrap_or_default(),
        },
        changes,
        reason: match live {
            Some(_) => "password_version changed: reset the admin password".to_owned(),
            None => {
                "the cluster has no recorded password_version: reset the admin password".to_owned()
            }
        },
    };
    let next = ClusterFacts {
        tags: tags.into_iter().collect(),
        ..facts.clone()
    };
    Some(Item::Step(Box::new(planned), next))
}

fn scale(desired: &DesiredCluster, facts: &ClusterFacts) -> Option<Item> {
    let want = desired.number_of_node?;
    let have = facts.number_of_node;
    let changes = vec![change("number_of_node", have, want)];
    let next = ClusterFacts {
        number_of_node: want,
        ..facts.clone()
    };
    if want > have {
        let count = want - have;
        if count < MIN_SCALE_OUT {
            // Rounding up would grow the warehouse beyond the spec, and +3 then -k would
            // redistribute the data twice; neither is what the spec asked for.
            return Some(Item::Blocked(
                procedure::blocked(
                    rule::SCALE_OUT_MINIMUM,
                    format!(
                        "the API adds at least {MIN_SCALE_OUT} nodes per scale-out; {have} -> \
                         {want} adds {count}"
                    ),
                    procedure::scale_out_minimum(&desired.name, have, want),
                ),
                changes,
            ));
        }
        return Some(Item::Step(
            Box::new(Planned {
                target: target(desired),
                action: Action::ScaleOut { count, from: have },
                changes,
                reason: format!("scale out by {count} nodes"),
            }),
            next,
        ));
    }
    if want < have {
        let count = have - want;
        return Some(Item::Step(
            Box::new(Planned {
                target: target(desired),
                action: Action::ScaleIn { count, from: have },
                changes,
                reason: format!("scale in by {count} nodes"),
            }),
            next,
        ));
    }
    None
}

/// Differences in fields that no API call changes in place, each with its old and new
/// value (the caller turns them into one blocked step), and whether one of them is a field a
/// restore cannot change either (so the cut-over needs a migration).
///
/// This is the one place that names every field of a desired cluster (no `..`): a new field
/// does not compile until it is decided here whether a cluster that exists changes it in
/// place (and by which operation), blocks its change (and with which procedure), or uses it at
/// creation only. README.md, "What the plan decides", says the same to users. A field that
/// gets an in-place operation also gets a line in `plan::record::FIELDS`, so that its changes
/// say whether the spec or the cloud moved (README, "Drift versus change").
pub(crate) fn immutable(desired: &DesiredCluster, live: &Cluster) -> (Vec<FieldChange>, bool) {
    let DesiredCluster {
        // Identity and lifecycle, acted on by `plan::cluster` and `plan::origin`: the name is
        // the identity; presence deletes, origin creates or restores, ownership adopts or
        // blocks.
        name: _,
        presence: _,
        origin: _,
        ownership: _,
        // In place, by `in_place`: tags by UpdateTags; password_version by ResetPassword,
        // which sets the referenced password; number_of_node by ScaleOut or ScaleIn.
        tags: _,
        password_version: _,
        password: _,
        number_of_node: _,
        // In place, by `settings`: security_group_id by SetSecurityGroup; public_ip by
        // UnbindEip and/or BindEip (`auto_assign` without an EIP is blocked there).
        security_group_id: _,
        public_ip: _,
        // In place, by `plan::coordinators`: AddCoordinators / DeleteCoordinators, from the CN
        // list read for the plan (`GET …/cns`).
        number_of_cn: _,
        // Other objects and policies: snapshots are planned by `plan::snapshot`; the delete
        // policy applies when the cluster is marked absent; the automated-snapshot policy is
        // planned by `plan::policy`, last in the cluster's chain (`Builder::plan_policies`).
        snapshots: _,
        delete_policy: _,
        automated_snapshots: _,
        // In place, by `plan::power`: StartCluster / StopCluster.
        power: _,
        // Identity: `plan::cluster` renames the live cluster of that name (RenameCluster).
        renamed_from: _,
        // In place (`plan::settings::description`).
        description: _,
        // Blocked (`immutable_field`); a restore keeps them too, so the procedure is a
        // migration (`procedure::replace_by_migration`).
        node_type,
        user_name,
        // Blocked (`immutable_field`); the procedure is a restore to a new cluster with the
        // new values (`procedure::replace_by_restore`).
        vpc_id,
        subnet_id,
        availability_zone,
        enterprise_project_id,
        port,
    } = desired;
    let mut changes = Vec::new();
    let check =
        |changes: &mut Vec<FieldChange>, field: &str, want: Option<&str>, have: Option<&str>| {
            // Only fields the spec sets and the listing reports are compared.
            if let (Some(want), Some(have)) = (want, have) {
                if want != have {
                    changes.push(change(field, have, want));
                }
            }
        };
    check(
        &mut changes,
        "node_type",
        node_type.as_deref(),
        Some(&live.node_type),
    );
    check(
        &mut changes,
        "user_name",
        user_name.as_deref(),
        Some(&live.user_name),
    );
    let migrate = !changes.is_empty();
    check(
        &mut changes,
        "vpc_id",
        vpc_id.as_deref(),
        live.vpc_id.as_deref(),
    );
    check(
        &mut changes,
        "subnet_id",
        subnet_id.as_deref(),
        live.subnet_id.as_deref(),
    );
    check(
        &mut changes,
        "availability_zone",
        availability_zone.as_deref(),
        live.availability_zone.as_deref(),
    );
    check(
        &mut changes,
        "enterprise_project_id",
        enterprise_project_id.as_deref(),
        live.enterprise_project_id.as_deref(),
    );
    if let Some(port) = port.filter(|p| *p != live.port) {
        changes.push(change("port", live.port, port));
    }
    (changes, migrate)
}
