//! Drift versus change: the record of what dwsctl last applied to a cluster, kept on the
//! cluster itself in one tag, and the cause it gives each difference of a plan.
//!
//! The record is the tag `dwsctl-applied` (`api::tags::APPLIED_TAG_KEY`). Its value is
//! [`FORMAT`] followed by three characters per field of [`FIELDS`], in that order: the first
//! 18 bits of SHA-256 over the field's name and the value the spec gave it, in base64url
//! (`A-Z a-z 0-9 - _`, the tag rules' characters). A field the spec left alone has its own
//! marker. 14 fields fit the 43-character value limit (`api::rules::MAX_TAG_VALUE`).
//!
//! A change to a recorded field of an existing cluster then has a cause: the spec's value
//! and the live one are hashed the same way and compared with the record (`spec` when only
//! the spec moved, `drift` when only the cloud did, `conflict` when both did, `unknown`
//! when the cluster has no record for the field). See [`assign_causes`] for the rest.
//!
//! The planner writes the record (see `Builder::record_applied`) once a cluster's steps are
//! done: in the body of a create, in the tags of a restore or of a tag step that ends the
//! cluster's chain, else in one step of its own at the end of the chain. A new cluster's
//! automated-snapshot policy step does not count as the end: the create's (or restore's) body
//! carries the record, policy included. Should that policy step fail, the next plan shows
//! the policy's difference as `drift` (the record says it was applied); the failed apply
//! reported it.
//!
//! `automated_snapshots` is recorded as far as the spec manages it (the keys it sets, the
//! policies it lists, every policy with `exclusive`), so a policy changed through the API is
//! `drift` while policies the spec leaves alone are not compared. The live policy is read in
//! the current spec's shape and in the shapes a spec that set a key, `exclusive`, or every
//! live policy more or less would give it, so that such a spec change is still `spec`. One
//! spec change is not told apart: dropping a listed policy (not every one) together with
//! another change of the block shows that change as `conflict`.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::api::tags::{APPLIED_TAG_KEY, PASSWORD_VERSION_TAG_KEY, RESERVED_TAG_KEYS};
use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::changes::{change, set, tags_change};
use crate::plan::cluster::cluster_target;
use crate::plan::diff::{Builder, Planned};
use crate::plan::fingerprint::is_stopped;
use crate::plan::index::Index;
use crate::plan::model::{Action, Cause, FieldChange, Step, TagKv, Target};
use crate::plan::policy;
use crate::spec::{Desired, DesiredCluster, Power, Presence};

/// The first character of a record: the hashing and layout below. A record with another
/// one is no record (every cause `unknown`), so the layout can change by changing this.
const FORMAT: char = '1';
/// Characters per field.
const SLOT: usize = 3;

/// A field the record keeps: how to read it from the spec and from the cloud. Both must
/// give the same JSON for the same value, since their hashes are compared.
pub(crate) struct Recorded {
    /// The field's name in `FieldChange`s; it also covers `<name>.<part>` (`tags.env`).
    pub name: &'static str,
    /// Other `FieldChange` names that belong to it (`password` to `password_version`).
    pub also: &'static [&'static str],
    /// The value the spec asks for; `None` when the spec leaves the field alone.
    pub spec: fn(&DesiredCluster) -> Option<Value>,
    /// The value the cloud has.
    pub live: LiveValue,
}

/// How the cloud's value of a recorded field is read.
pub(crate) enum LiveValue {
    /// The whole value: the spec sets all of it or none.
    Whole(fn(&Cluster, &Live) -> Value),
    /// Only what the spec manages of the value, so it depends on the spec: read in each shape
    /// the spec may have had at the last apply (the current spec's first). The live value
    /// matches the record if one of them hashes to it; a spec that changed what it manages
    /// then still tells its own change from drift. Each shape is one more chance of an 18-bit
    /// collision, so a field keeps few.
    Scoped(fn(&DesiredCluster, &Cluster, &Live) -> Vec<Value>),
}

impl LiveValue {
    fn read(&self, desired: &DesiredCluster, cluster: &Cluster, live: &Live) -> Vec<Value> {
        match self {
            LiveValue::Whole(read) => vec![read(cluster, live)],
            LiveValue::Scoped(read) => read(desired, cluster, live),
        }
    }
}

const fn field(
    name: &'static str,
    spec: fn(&DesiredCluster) -> Option<Value>,
    live: fn(&Cluster, &Live) -> Value,
) -> Recorded {
    Recorded {
        name,
        also: &[],
        spec,
        live: LiveValue::Whole(live),
    }
}

/// The recorded fields, one line each. Append only: a record's slots are positional, and a
/// record written before a field was added has no slot for it (its changes are `unknown`
/// until the next apply). At most 14 (see the module doc). Fields that no API call changes
/// in place (node type, network, port, ...) need no slot: only the spec can move them.
pub(crate) const FIELDS: &[Recorded] = &[
    field(
        "number_of_node",
        |d| d.number_of_node.map(Value::from),
        |c, _| Value::from(c.number_of_node),
    ),
    field(
        "tags",
        |d| Some(user_tags(d.tags.iter())),
        |c, _| user_tags(c.tags.iter().map(|t| (&t.key, &t.value))),
    ),
    Recorded {
        name: "password_version",
        also: &["password"],
        spec: |d| d.password_version.as_deref().map(Value::from),
        live: LiveValue::Whole(|c, _| {
            c.tags
                .iter()
                .find(|t| t.key == PASSWORD_VERSION_TAG_KEY)
                .map_or(Value::Null, |t| Value::from(t.value.as_str()))
        }),
    },
    field(
        "security_group_id",
        |d| d.security_group_id.as_deref().map(Value::from),
        |c, _| {
            c.security_group_id
                .as_deref()
                .map_or(Value::Null, Value::from)
        },
    ),
    // The EIP the cluster holds, as `plan::settings::public_ip` compares it: none for
    // `not_use`, the spec's for `bind_existing`; `auto_assign` names no EIP the plan could
    // record, so the field counts as left alone.
    field(
        "public_ip",
        |d| {
            d.public_ip
                .as_ref()
                .and_then(|ip| match ip.public_bind_type.as_str() {
                    "not_use" => Some(Value::Null),
                    "bind_existing" => ip.eip_id.as_deref().map(Value::from),
                    _ => None,
                })
        },
        |c, _| c.bound_eip().map_or(Value::Null, Value::from),
    ),
    // Stopped or being stopped counts as `stopped`, as the planner reads it.
    field(
        "power",
        |d| {
            d.power.map(|p| match p {
                Power::Running => Value::from("running"),
                Power::Stopped => Value::from("stopped"),
            })
        },
        |c, _| Value::from(if is_stopped(c) { "stopped" } else { "running" }),
    ),
    // The CN count is read only for clusters whose spec declares it (`Live.extras`); for the
    // others the spec side is `None` and the live side is never compared.
    field(
        "number_of_cn",
        |d| d.number_of_cn.map(Value::from),
        |c, live| {
            live.extras
                .coordinators
                .get(&c.name)
                .map_or(Value::Null, |list| Value::from(list.instances.len()))
        },
    ),
    // What the block manages of the policy (`plan::policy::recorded_spec`): a policy changed
    // through the API is drift. Read only for clusters whose spec has the block, under the
    // spec's name (as the planner reads it) or the live one.
    Recorded {
        name: "automated_snapshots",
        also: &[],
        spec: |d| d.automated_snapshots.as_ref().map(policy::recorded_spec),
        live: LiveValue::Scoped(|d, c, live| {
            let policies = &live.extras.policies;
            match (
                &d.automated_snapshots,
                policies.get(&d.name).or(policies.get(&c.name)),
            ) {
                (Some(block), Some(policy)) => policy::recorded_live(block, policy),
                _ => Vec::new(),
            }
        }),
    },
    // Only the detail shows it, read for clusters whose spec sets one (`Desired::reads`),
    // under the live name; none counts as `""`, as the planner reads it.
    field(
        "description",
        |d| d.description.as_deref().map(Value::from),
        |c, live| {
            live.extras.details.get(&c.name).map_or(Value::Null, |d| {
                Value::from(d.cluster_description_info.as_deref().unwrap_or(""))
            })
        },
    ),
];

/// The user's tags as a sorted JSON object (dwsctl's own left out, as the planner does).
fn user_tags<'a>(tags: impl Iterator<Item = (&'a String, &'a String)>) -> Value {
    let map: std::collections::BTreeMap<&str, &str> = tags
        .filter(|(k, _)| !RESERVED_TAG_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    json!(map)
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A field's slot: its value's hash, or the marker of a field the spec leaves alone.
fn slot(name: &str, value: Option<&Value>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([0]);
    match value {
        // Serializing a JSON value cannot fail.
        Some(value) => hasher.update(serde_json::to_vec(value).unwrap_or_default()),
        None => hasher.update([0xff]),
    }
    let out = hasher.finalize();
    let bits = out
        .iter()
        .take(3)
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    (0..SLOT)
        .map(|i| {
            let six = (bits >> (18 - 6 * (i + 1))) & 0x3f;
            char::from(*BASE64URL.get(six as usize).unwrap_or(&b'A'))
        })
        .collect()
}

/// The record a cluster carries once the spec's values are applied.
pub(crate) fn value(desired: &DesiredCluster) -> String {
    let mut out = String::with_capacity(1 + SLOT * FIELDS.len());
    out.push(FORMAT);
    for f in FIELDS {
        out.push_str(&slot(f.name, (f.spec)(desired).as_ref()));
    }
    out
}

/// The record a live cluster carries, if any.
fn live_record(cluster: &Cluster) -> Option<&str> {
    cluster
        .tags
        .iter()
        .find(|t| t.key == APPLIED_TAG_KEY)
        .map(|t| t.value.as_str())
}

/// Field `index`'s slot in a record: `None` for a record of another format, or one written
/// before the field was recorded.
fn recorded_slot(record: &str, index: usize) -> Option<&str> {
    let rest = record.strip_prefix(FORMAT)?;
    let start = index.checked_mul(SLOT)?;
    rest.get(start..start.checked_add(SLOT)?)
}

/// The recorded field a `FieldChange` belongs to, with its slot index.
fn recorded_field(name: &str) -> Option<(usize, &'static Recorded)> {
    FIELDS.iter().enumerate().find(|(_, f)| {
        name == f.name
            || f.also.contains(&name)
            || name
                .strip_prefix(f.name)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The cause of a change to field `name` of an existing cluster.
fn cause(name: &str, desired: &DesiredCluster, cluster: &Cluster, live: &Live) -> Cause {
    // dwsctl's own tags follow the spec (ownership on adoption, the record itself).
    if name
        .strip_prefix("tags.")
        .is_some_and(|key| RESERVED_TAG_KEYS.contains(&key))
    {
        return Cause::Spec;
    }
    let Some((index, f)) = recorded_field(name) else {
        // No API call changes this field in place: only the spec can have moved.
        return Cause::Spec;
    };
    let Some(recorded) = live_record(cluster).and_then(|r| recorded_slot(r, index)) else {
        return Cause::Unknown;
    };
    if recorded == slot(f.name, None) {
        // The spec left the field alone at the last apply and sets it now.
        return Cause::Spec;
    }
    let spec_moved = slot(f.name, (f.spec)(desired).as_ref()) != recorded;
    let live_moved = !f
        .live
        .read(desired, cluster, live)
        .iter()
        .any(|v| slot(f.name, Some(v)) == recorded);
    match (spec_moved, live_moved) {
        (true, false) => Cause::Spec,
        (false, true) => Cause::Drift,
        (true, true) => Cause::Conflict,
        // Both match the record, yet the planner sees a difference: the hashes cannot tell
        // (a collision of 18 bits), so say so rather than guess.
        (false, false) => Cause::Unknown,
    }
}

/// Whether a change is shown for context: the same value on both sides.
fn is_context(c: &FieldChange) -> bool {
    !c.sensitive && c.old.is_some() && c.old == c.new
}

/// The live cluster a step changes in place, with its spec: `None` for steps that create,
/// restore or delete (their cause is the spec's: with no object in the cloud there is no
/// record, and a delete is what `state: absent` asks for) and for snapshots.
fn changed_in_place<'a>(
    step: &Step,
    desired: &'a Desired,
    index: &Index<'a>,
) -> Option<(&'a DesiredCluster, &'a Cluster)> {
    let Target::Cluster { name } = &step.target else {
        return None;
    };
    if matches!(
        step.action,
        Action::CreateCluster(_) | Action::RestoreCluster(_) | Action::DeleteCluster { .. }
    ) {
        return None;
    }
    let desired = desired
        .clusters
        .get(name)
        .filter(|d| d.presence == Presence::Present)?;
    match index.clusters_named(name) {
        [one] => Some((desired, *one)),
        _ => None,
    }
}

/// Sets the cause of every change of every step: for a field of an existing cluster that
/// the record keeps, from the record ([`cause`]); `spec` for the rest. A wait's fields and
/// values shown for context have none.
pub(crate) fn assign_causes(steps: &mut [Step], desired: &Desired, index: &Index, live: &Live) {
    for step in steps {
        if matches!(step.action, Action::Wait { .. }) {
            continue;
        }
        let in_place = changed_in_place(step, desired, index);
        for c in step.changes.iter_mut().filter(|c| !is_context(c)) {
            c.cause = Some(match in_place {
                Some((d, cluster)) => cause(&c.field, d, cluster, live),
                None => Cause::Spec,
            });
        }
    }
}

fn record_kv(value: &str) -> TagKv {
    TagKv {
        key: APPLIED_TAG_KEY.to_owned(),
        value: value.to_owned(),
    }
}

/// Adds `tag` to a sorted tag list, replacing one of the same key.
fn put(tags: &mut Vec<TagKv>, tag: TagKv) {
    tags.retain(|t| t.key != tag.key);
    tags.push(tag);
    tags.sort();
}

impl Builder<'_> {
    /// After every cluster is planned: each present cluster whose plan changes it gets the
    /// record of this apply, once its steps are done (see the module doc). A cluster the plan
    /// leaves alone keeps its record: a plan never has a step only to write one.
    pub(crate) fn record_applied(&mut self) {
        let desired = self.desired;
        for d in desired.clusters.values() {
            if d.presence == Presence::Present {
                self.record_cluster(d);
            }
        }
    }

    fn record_cluster(&mut self, d: &DesiredCluster) {
        let ours = |s: &Step| matches!(&s.target, Target::Cluster { name } if *name == d.name);
        if self
            .steps
            .iter()
            .any(|s| ours(s) && matches!(s.action, Action::Blocked(_)))
        {
            return;
        }
        // A cluster this plan makes gets its policy and description right after (planned
        // against the defaults a new cluster gets, with no precondition): the record in the
        // create's or restore's body covers them, rather than a step of its own after them.
        let made = self.steps.iter().any(|s| {
            ours(s)
                && matches!(
                    s.action,
                    Action::CreateCluster(_) | Action::RestoreCluster(_)
                )
        });
        let Some(last) = self.steps.iter().rposition(|s| {
            ours(s)
                && !matches!(s.action, Action::Wait { .. })
                && !(made
                    && matches!(
                        s.action,
                        Action::SetSnapshotPolicy { .. } | Action::SetDescription { .. }
                    ))
        }) else {
            return;
        };
        let new = value(d);
        let old = match self.live.clusters_named(&d.name) {
            [one] => live_record(one).map(str::to_owned),
            _ => None,
        };
        if old.as_deref() == Some(new.as_str()) {
            return;
        }
        let Some(step) = self.steps.get_mut(last) else {
            return;
        };
        match &mut step.action {
            Action::CreateCluster(p) => fold_into_body(&mut p.tags, &mut step.changes, &new),
            Action::RestoreCluster(p) => fold_into_body(&mut p.tags, &mut step.changes, &new),
            Action::UpdateTags { create, delete } => {
                put(create, record_kv(&new));
                if let Some(old) = &old {
                    put(delete, record_kv(old));
                }
                step.changes.push(record_change(old.as_deref(), &new));
            }
            _ => self.record_step(d, old.as_deref(), &new),
        }
    }

    /// A step of its own that writes the record at the end of the cluster's chain.
    fn record_step(&mut self, d: &DesiredCluster, old: Option<&str>, new: &str) {
        let planned = Planned {
            target: cluster_target(&d.name),
            action: Action::UpdateTags {
                create: vec![record_kv(new)],
                delete: old.map(record_kv).into_iter().collect(),
            },
            changes: vec![record_change(old, new)],
            reason: format!(
                "record what this apply leaves on {} (tag {APPLIED_TAG_KEY}), so that the next \
                 plan tells changes to the spec from drift",
                d.name
            ),
        };
        self.chain_as(planned, "record");
    }
}

fn fold_into_body(tags: &mut Vec<TagKv>, changes: &mut [FieldChange], new: &str) {
    put(tags, record_kv(new));
    if let Some(c) = changes.iter_mut().find(|c| c.field == "tags") {
        *c = tags_change(tags);
    }
}

fn record_change(old: Option<&str>, new: &str) -> FieldChange {
    let field = format!("tags.{APPLIED_TAG_KEY}");
    match old {
        Some(old) => change(&field, old, new),
        None => set(&field, new),
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
