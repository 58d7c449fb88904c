//! The export of a Terraform state: the DWS clusters, manual snapshots and automated-snapshot
//! policies that the huaweicloud and opentelekomcloud providers manage, as a spec keyed by
//! the clusters' live names, so that a team can hand them from Terraform to dwsctl without
//! recreating anything (README, "Migrating from Terraform").
//!
//! The state is JSON, format version 4 (Terraform 0.12 and later). Attributes are read as the
//! providers document them (terraform-provider-huaweicloud docs/resources/dws_cluster.md,
//! dws_snapshot.md, dws_snapshot_policy.md; terraform-provider-opentelekomcloud
//! docs/resources/dws_cluster_v1.md): `network_id` is the subnet, `public_ip` a list of one
//! block, `tags` a map. `user_pwd` is never read: the state holds the password in clear, and
//! the spec names an environment variable instead.
//!
//! A file that is not such a state is an error naming where it stops making sense; a resource
//! this module cannot map is listed in [`Export::skipped`] with its address and the reason.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::model::ExportSnapshot;
use super::model::{is_one_off, one_off_reason, password_env};
use super::model::{Export, ExportCluster, ExportPolicy, ExportPublicIp};
use super::yaml::quoted;
use super::ExportError;
use crate::api::rules;
use crate::api::tags::{is_ownership, RESERVED_TAG_KEYS, RESERVED_TAG_PREFIX};

/// A state of thousands of resources is a few MiB; this is far above any real one.
pub const STATE_LIMIT: u64 = 64 * 1024 * 1024;

const HUAWEI_CLUSTER: &str = "huaweicloud_dws_cluster";
const OTC_CLUSTER: &str = "opentelekomcloud_dws_cluster_v1";
const HUAWEI_SNAPSHOT: &str = "huaweicloud_dws_snapshot";
const HUAWEI_POLICY: &str = "huaweicloud_dws_snapshot_policy";

/// Cluster attributes the providers document that no spec field holds: named per cluster
/// when the state sets them, so the reviewer knows what dwsctl will not manage.
const UNMAPPED_CLUSTER_ATTRIBUTES: [&str; 8] = [
    "version",
    "volume",
    "kms_key_id",
    "dss_pool_id",
    "logical_cluster_enable",
    "lts_enable",
    "elb_id",
    "keep_last_manual_snapshot",
];

/// Reads the state at `path` (a regular file of at most [`STATE_LIMIT`] bytes) and exports
/// it: every cluster, or those named in `only`.
pub fn export_file(path: &Path, only: &[String]) -> Result<Export, ExportError> {
    let text = crate::files::read_regular_text(path, STATE_LIMIT).map_err(|source| {
        ExportError::ReadState {
            path: path.to_owned(),
            source,
        }
    })?;
    export(&text, path, only)
}

/// One resource instance of the state, with the address Terraform shows for it.
struct Instance<'a> {
    address: String,
    kind: &'a str,
    attributes: &'a Map<String, Value>,
}

/// Exports the state text (`path` names it in errors and in the header).
pub fn export(text: &str, path: &Path, only: &[String]) -> Result<Export, ExportError> {
    let bad = |at: &str, problem: String| ExportError::BadState {
        path: path.to_owned(),
        at: at.to_owned(),
        problem,
    };
    let root: Value = serde_json::from_str(text).map_err(|err| ExportError::StateJson {
        path: path.to_owned(),
        line: err.line(),
        column: err.column(),
        message: err.to_string(),
    })?;
    let root = root
        .as_object()
        .ok_or_else(|| bad("the top level", "it is not a JSON object".into()))?;
    match root.get("version").and_then(Value::as_u64) {
        Some(4) => {}
        Some(other) => {
            return Err(bad(
                "version",
                format!("it is {other}; dwsctl reads format version 4 (Terraform 0.12 and later)"),
            ))
        }
        None => return Err(bad("version", "it is missing or not a number".into())),
    }
    let resources = match root.get("resources") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(list)) => list.as_slice(),
        Some(_) => return Err(bad("resources", "it is not a list".into())),
    };
    let mut export = Export {
        origin: vec![format!(
            "Written by `dwsctl export --from-terraform` from {}. Every cluster is adopted: \
             Terraform does not set dwsctl's ownership tag.",
            quoted(&path.display().to_string())
        )],
        ..Export::default()
    };
    let mut instances = Vec::new();
    let mut others: BTreeMap<String, usize> = BTreeMap::new();
    for (i, resource) in resources.iter().enumerate() {
        let at = format!("resources[{i}]");
        let resource = resource
            .as_object()
            .ok_or_else(|| bad(&at, "it is not a JSON object".into()))?;
        collect(resource, &at, &mut instances, &mut others, &bad)?;
    }
    map(&instances, only, &mut export)?;
    for (kind, count) in others {
        export.skipped.push(format!(
            "{count} {} resource(s): not DWS clusters, snapshots or policies; left to Terraform",
            quoted(&kind)
        ));
    }
    Ok(export)
}

/// The managed instances of one resource block, or its type counted in `others`.
fn collect<'a>(
    resource: &'a Map<String, Value>,
    at: &str,
    instances: &mut Vec<Instance<'a>>,
    others: &mut BTreeMap<String, usize>,
    bad: &dyn Fn(&str, String) -> ExportError,
) -> Result<(), ExportError> {
    let text = |key: &str| resource.get(key).and_then(Value::as_str);
    let kind = text("type").ok_or_else(|| bad(&format!("{at}.type"), "it is missing".into()))?;
    let name = text("name").ok_or_else(|| bad(&format!("{at}.name"), "it is missing".into()))?;
    if text("mode") == Some("data") {
        return Ok(());
    }
    let list = match resource.get("instances") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(list)) => list.as_slice(),
        Some(_) => return Err(bad(&format!("{at}.instances"), "it is not a list".into())),
    };
    if ![HUAWEI_CLUSTER, OTC_CLUSTER, HUAWEI_SNAPSHOT, HUAWEI_POLICY].contains(&kind) {
        *others.entry(kind.to_owned()).or_insert(0) += list.len().max(1);
        return Ok(());
    }
    let base = match text("module") {
        Some(module) => format!("{module}.{kind}.{name}"),
        None => format!("{kind}.{name}"),
    };
    for (j, instance) in list.iter().enumerate() {
        let here = format!("{at}.instances[{j}]");
        let attributes = instance
            .get("attributes")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                bad(
                    &format!("{here}.attributes"),
                    "it is not a JSON object".into(),
                )
            })?;
        let address = match instance.get("index_key") {
            Some(Value::String(key)) => format!("{base}[{}]", quoted(key)),
            Some(Value::Number(n)) => format!("{base}[{n}]"),
            _ => base.clone(),
        };
        instances.push(Instance {
            address,
            kind,
            attributes,
        });
    }
    Ok(())
}

/// Turns the instances into spec clusters: clusters first (by id, for the snapshots and
/// policies that point at them), then snapshots and policies.
fn map(instances: &[Instance], only: &[String], export: &mut Export) -> Result<(), ExportError> {
    let mut by_id: BTreeMap<String, ExportCluster> = BTreeMap::new();
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for inst in instances
        .iter()
        .filter(|i| i.kind == HUAWEI_CLUSTER || i.kind == OTC_CLUSTER)
    {
        match cluster(inst, &mut export.warnings) {
            Ok((id, c)) => {
                names
                    .entry(c.name.clone())
                    .or_default()
                    .push(inst.address.clone());
                by_id.insert(id, c);
            }
            Err(why) => export.skipped.push(format!("{}: {why}", inst.address)),
        }
    }
    for inst in instances.iter().filter(|i| i.kind == HUAWEI_SNAPSHOT) {
        if let Err(why) = snapshot(inst, &mut by_id, &mut export.warnings) {
            export.skipped.push(format!("{}: {why}", inst.address));
        }
    }
    for inst in instances.iter().filter(|i| i.kind == HUAWEI_POLICY) {
        if let Err(why) = policy(inst, &mut by_id) {
            export.skipped.push(format!("{}: {why}", inst.address));
        }
    }
    for name in only {
        if !names.contains_key(name) {
            return Err(ExportError::UnknownCluster {
                name: name.clone(),
                known: names.len(),
            });
        }
    }
    let mut clusters: Vec<ExportCluster> = by_id
        .into_values()
        .filter(|c| only.is_empty() || only.contains(&c.name))
        .collect();
    clusters.retain(|c| {
        let addresses = names.get(&c.name).map_or(&[][..], Vec::as_slice);
        if addresses.len() > 1 {
            export.skipped.push(format!(
                "cluster {}: {} resources name it ({}); a spec names a cluster once",
                quoted(&c.name),
                addresses.len(),
                addresses.join(", ")
            ));
            return false;
        }
        true
    });
    clusters.sort_by(|a, b| a.name.cmp(&b.name));
    export.clusters = clusters;
    Ok(())
}

fn text<'a>(attributes: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    attributes
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn required<'a>(attributes: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    text(attributes, key).ok_or_else(|| format!("attribute {key} is missing or not a string"))
}

/// A whole number attribute: absent or null is `None`, 0 too (the providers store 0 for
/// "not set"), anything else not a number in `u32` is refused.
fn number(attributes: &Map<String, Value>, key: &str) -> Result<Option<u32>, String> {
    match attributes.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64().map(u32::try_from) {
            Some(Ok(0)) => Ok(None),
            Some(Ok(v)) => Ok(Some(v)),
            _ => Err(format!("attribute {key} is {n}, not a count")),
        },
        Some(other) => Err(format!(
            "attribute {key} is {}, not a number",
            kind_of(other)
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A cluster instance: its id and spec entry, or why it cannot be one.
fn cluster(inst: &Instance, warnings: &mut Vec<String>) -> Result<(String, ExportCluster), String> {
    let a = inst.attributes;
    let id = required(a, "id")?.to_owned();
    let name = required(a, "name")?.to_owned();
    if let Err(violation) = rules::cluster_name(&name) {
        warnings.push(format!("{}: {}", inst.address, violation.message()));
    }
    let (tags, owned) = tags(inst, warnings)?;
    let mut notes: Vec<String> = vec![format!("From {}.", inst.address)];
    let unmapped: Vec<String> = UNMAPPED_CLUSTER_ATTRIBUTES
        .iter()
        .filter(|key| is_set(a.get(**key)))
        .map(|key| (*key).to_owned())
        .collect();
    if !unmapped.is_empty() {
        notes.push(format!(
            "Set in Terraform, no spec field (dwsctl leaves them as they are): {}.",
            unmapped.join(", ")
        ));
    }
    // Neither provider has a power argument; both report the API's `status`, which Terraform
    // refreshed last at the state's last plan or refresh. A stopped cluster must be `power:
    // stopped` (without `power` the plan blocks on it); a stale value shows in the plan.
    let status = text(a, "status").filter(|s| crate::plan::is_stopped_status(s));
    if let Some(status) = status {
        notes.push(format!(
            "Its status in the state is {} (as of Terraform's last refresh): exported as \
             `power: stopped`.",
            quoted(status)
        ));
    }
    if let Some(zone) = text(a, "availability_zone").filter(|z| z.contains(',')) {
        warnings.push(format!(
            "{}: availability_zone {} lists several zones; a spec names one",
            inst.address,
            quoted(zone)
        ));
    }
    // huaweicloud_dws_cluster's `description` (changed in place by the provider, as by
    // dwsctl); the OTC provider has none.
    let description = text(a, "description").map(str::to_owned);
    if let Some(Err(violation)) = description.as_deref().map(rules::cluster_description) {
        warnings.push(format!("{}: {}", inst.address, violation.message()));
    }
    let c = ExportCluster {
        name: name.clone(),
        adopt: !owned,
        node_type: Some(required(a, "node_type")?.to_owned()),
        number_of_node: number(a, "number_of_node")?,
        vpc_id: text(a, "vpc_id").map(str::to_owned),
        subnet_id: text(a, "network_id").map(str::to_owned),
        security_group_id: text(a, "security_group_id").map(str::to_owned),
        availability_zone: text(a, "availability_zone").map(str::to_owned),
        port: number(a, "port")?,
        user_name: text(a, "user_name").map(str::to_owned),
        password_env: password_env(&name),
        password_version: None,
        public_ip: public_ip(a)?,
        number_of_cn: number(a, "number_of_cn")?,
        enterprise_project_id: text(a, "enterprise_project_id").map(str::to_owned),
        tags,
        snapshots: Vec::new(),
        automated_snapshots: None,
        notes,
        stopped: status.is_some(),
        description,
    };
    Ok((id, c))
}

/// Whether an attribute holds a value a user set: not null, empty, `false` or 0.
fn is_set(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(list)) => !list.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::Bool(true)) => true,
    }
}

/// The user's tags (dwsctl's own keys left out), and whether dwsctl's ownership tag is
/// among them.
fn tags(
    inst: &Instance,
    warnings: &mut Vec<String>,
) -> Result<(BTreeMap<String, String>, bool), String> {
    let mut out = BTreeMap::new();
    let mut owned = false;
    let map = match inst.attributes.get("tags") {
        None | Some(Value::Null) => return Ok((out, false)),
        Some(Value::Object(map)) => map,
        Some(other) => return Err(format!("attribute tags is {}, not a map", kind_of(other))),
    };
    for (key, value) in map {
        let Some(value) = value.as_str() else {
            return Err(format!(
                "tag {} is {}, not a string",
                quoted(key),
                kind_of(value)
            ));
        };
        if is_ownership(key, value) {
            owned = true;
        }
        if RESERVED_TAG_KEYS.contains(&key.as_str()) || key.starts_with(RESERVED_TAG_PREFIX) {
            continue;
        }
        if let Err(violation) = rules::tag_key(key).and_then(|()| rules::tag_value(value)) {
            warnings.push(format!(
                "{}, tag {}: {}",
                inst.address,
                quoted(key),
                violation.message()
            ));
        }
        out.insert(key.clone(), value.to_owned());
    }
    Ok((out, owned))
}

/// `public_ip`: a list of at most one block (`[]` and `not_use` without an EIP are "none").
fn public_ip(a: &Map<String, Value>) -> Result<Option<ExportPublicIp>, String> {
    let block = match a.get("public_ip") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(list)) => match list.as_slice() {
            [] => return Ok(None),
            [one] => one,
            _ => return Err("attribute public_ip has more than one block".into()),
        },
        Some(other) => {
            return Err(format!(
                "attribute public_ip is {}, not a list",
                kind_of(other)
            ))
        }
    };
    let Some(block) = block.as_object() else {
        return Err("attribute public_ip[0] is not an object".into());
    };
    let Some(bind) = text(block, "public_bind_type") else {
        return Ok(None);
    };
    Ok(Some(ExportPublicIp {
        public_bind_type: bind.to_owned(),
        eip_id: text(block, "eip_id")
            .filter(|_| bind == "bind_existing")
            .map(str::to_owned),
    }))
}

/// A snapshot instance, added to its cluster's entry.
fn snapshot(
    inst: &Instance,
    by_id: &mut BTreeMap<String, ExportCluster>,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let a = inst.attributes;
    let name = required(a, "name")?.to_owned();
    let cluster_id = required(a, "cluster_id")?;
    let Some(cluster) = by_id.get_mut(cluster_id) else {
        return Err(format!(
            "its cluster_id {} is no cluster of this state; a spec lists a snapshot under its \
             cluster",
            quoted(cluster_id)
        ));
    };
    if let Err(violation) = rules::snapshot_name(&name) {
        warnings.push(format!("{}: {}", inst.address, violation.message()));
    }
    let description = text(a, "description").map(str::to_owned);
    if let Some(d) = &description {
        if let Err(violation) = rules::snapshot_description(d) {
            warnings.push(format!("{}: {}", inst.address, violation.message()));
        }
    }
    if cluster.snapshots.iter().any(|s| s.name == name) {
        return Err(format!(
            "another resource names snapshot {} already",
            quoted(&name)
        ));
    }
    cluster.snapshots.push(ExportSnapshot { name, description });
    cluster.snapshots.sort_by(|x, y| x.name.cmp(&y.name));
    Ok(())
}

/// An automated-snapshot policy instance, added to its cluster's `automated_snapshots`.
fn policy(inst: &Instance, by_id: &mut BTreeMap<String, ExportCluster>) -> Result<(), String> {
    let a = inst.attributes;
    let name = required(a, "name")?.to_owned();
    let kind = required(a, "type")?.to_owned();
    let schedule = required(a, "strategy")?.to_owned();
    let cluster_id = required(a, "cluster_id")?;
    let Some(cluster) = by_id.get_mut(cluster_id) else {
        return Err(format!(
            "its cluster_id {} is no cluster of this state",
            quoted(cluster_id)
        ));
    };
    if is_one_off(&schedule) {
        return Err(one_off_reason(&schedule));
    }
    if let Err(violation) = rules::policy_schedule(&schedule) {
        return Err(format!(
            "strategy {} is not a schedule a spec can hold: {}",
            quoted(&schedule),
            violation.message()
        ));
    }
    if let Err(violation) = rules::policy_type(&kind) {
        return Err(format!("type {}: {}", quoted(&kind), violation.message()));
    }
    if let Err(violation) = rules::policy_name(&name) {
        return Err(format!("name {}: {}", quoted(&name), violation.message()));
    }
    let block = cluster
        .automated_snapshots
        .get_or_insert_with(ExportPolicy::default);
    if block
        .policies
        .iter()
        .any(|(n, _, _)| n.eq_ignore_ascii_case(&name))
    {
        return Err(format!(
            "another resource names policy {} already",
            quoted(&name)
        ));
    }
    block.policies.push((name, schedule, kind));
    block.policies.sort();
    Ok(())
}

#[cfg(test)]
#[path = "terraform_tests.rs"]
mod tests;
