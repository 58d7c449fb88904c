//! Rules across the whole spec: required fields, unique names, restore references that
//! resolve, restore cycles (reported as the whole circle), and what a restored cluster may
//! not set. Single values are checked by [`super::value_checks`].

use std::collections::HashMap;

use super::error::{Problem, Span};
use super::raw::{Named, RawCluster, RawCommon, RawSpec, RawState, Spanned};
use super::read::suggest;
use super::value_checks;
use crate::api::rules::{self as api, Field};

/// Where each snapshot of the spec is declared.
struct SnapshotIndex<'a> {
    /// name → (cluster, key span, state)
    by_name: HashMap<&'a str, (&'a str, Span, RawState)>,
}

pub fn validate(spec: &RawSpec, problems: &mut Vec<Problem>) {
    if let Some(v) = &spec.version {
        if v.value != 1 {
            problems.push(
                Problem::new(
                    "unsupported_version",
                    v.span,
                    format!("spec version {} is not supported", v.value),
                )
                .label("this dwsctl reads version 1")
                .help("write `version: 1`, or upgrade dwsctl"),
            );
        }
    }
    if let Some(d) = &spec.defaults {
        common(&d.common, problems);
    }
    let index = snapshots(spec, problems);
    for c in &spec.clusters {
        cluster(c, problems);
        restore(c, spec, &index, problems);
    }
    renames(spec, problems);
    cycles(spec, &index, problems);
}

fn common(c: &RawCommon, problems: &mut Vec<Problem>) {
    numbers(c, problems);
    let mut push = |p: Option<Problem>| problems.extend(p);
    if let Some(v) = &c.node_type {
        push(value_checks::node_type(v));
    }
    for (field, v) in [
        ("vpc_id", &c.vpc_id),
        ("subnet_id", &c.subnet_id),
        ("security_group_id", &c.security_group_id),
        ("enterprise_project_id", &c.enterprise_project_id),
    ] {
        if let Some(v) = v {
            push(value_checks::resource_id(field, v));
        }
    }
    if let Some(v) = &c.availability_zone {
        push(value_checks::availability_zone(v));
    }
    if let Some(v) = &c.user_name {
        push(value_checks::user_name(v));
    }
    if let Some(v) = &c.password_version {
        push(password_version(v));
    }
    if let Some(v) = &c.password {
        push(password(v));
    }
    if let Some(ip) = &c.public_ip {
        push(public_ip(ip));
    }
    if let Some(v) = &c.description {
        push(value_checks::cluster_description(v));
    }
    if let Some(tags) = &c.tags {
        for t in tags {
            push(value_checks::tag_key(&t.name, t.span));
            push(value_checks::tag_value(
                "tag_value",
                &format!("tag `{}`", t.name),
                &t.value,
            ));
        }
        if let Some(first) = tags.get(value_checks::MAX_TAGS - value_checks::OWN_TAGS) {
            push(value_checks::user_tag_count(tags.len(), first.span));
        }
    }
    if let Some(d) = &c.delete_policy {
        push(delete_policy(d));
    }
    if let Some(block) = &c.automated_snapshots {
        policy::automated_snapshots(block, problems);
    }
}

fn numbers(c: &RawCommon, problems: &mut Vec<Problem>) {
    let nodes = c.number_of_node.as_ref();
    if let Some(v) = nodes {
        let why = " (a cluster has at least 3 nodes)";
        let checked = api::number_of_node(v.value);
        problems.extend(value_checks::api_number(checked, "number_of_node", v, why));
    }
    if let Some(v) = &c.port {
        problems.extend(value_checks::api_number(api::port(v.value), "port", v, ""));
    }
    if let Some(v) = &c.number_of_cn {
        let nodes = nodes.map(|n| n.value);
        let why = match nodes {
            Some(n) if n < api::NUMBER_OF_CN.1 => format!(" (at most `number_of_node`, {n})"),
            _ => String::new(),
        };
        let checked = api::number_of_cn(v.value, nodes);
        problems.extend(value_checks::api_number(checked, "number_of_cn", v, &why));
    }
}

fn password_version(v: &super::raw::Spanned<String>) -> Option<Problem> {
    if v.value.is_empty() {
        return Some(
            Problem::new("password_version", v.span, "`password_version` is empty")
                .label("empty")
                .help("write a label such as `1` or `2026-01`, or leave the field out"),
        );
    }
    value_checks::tag_value("password_version", "`password_version`", v)
}

fn password(v: &super::raw::Spanned<crate::secret::SecretRef>) -> Option<Problem> {
    use crate::secret::SecretRef;
    match &v.value {
        SecretRef::FromEnv(name) if !super::interpolate::is_var_name(name) => Some(
            Problem::new(
                "password_reference",
                v.span,
                format!("`{name}` is not an environment variable name"),
            )
            .label("letters, digits and `_`, not starting with a digit")
            .help(
                "name the variable that holds the password, e.g. `{from_env: DWS_ADMIN_PASSWORD}`",
            ),
        ),
        SecretRef::FromFile(path) if path.trim().is_empty() => Some(
            Problem::new("password_reference", v.span, "`from_file` names no file")
                .label("empty path")
                .help(
                    "give the path of a file that holds the password, relative to this spec file",
                ),
        ),
        _ => None,
    }
}

fn public_ip(ip: &super::raw::Spanned<super::raw::RawPublicIp>) -> Option<Problem> {
    const TYPES: &[&str] = &["auto_assign", "not_use", "bind_existing"];
    let bind = &ip.value.public_bind_type;
    if !TYPES.contains(&bind.value.as_str()) {
        let help = suggest(&bind.value, TYPES)
            .unwrap_or_else(|| "use `auto_assign`, `not_use` or `bind_existing`".into());
        return Some(
            Problem::new(
                "public_ip",
                bind.span,
                format!("`{}` is not a public_bind_type", bind.value),
            )
            .label("auto_assign, not_use or bind_existing")
            .help(help),
        );
    }
    match (&ip.value.eip_id, bind.value == "bind_existing") {
        (None, true) => Some(
            Problem::new("public_ip", bind.span, "`bind_existing` needs an `eip_id`")
                .label("no eip_id")
                .help("add `eip_id:` with the id of the elastic IP to bind"),
        ),
        (Some(eip), false) => Some(
            Problem::new(
                "public_ip",
                eip.span,
                format!(
                    "`eip_id` is only used with `bind_existing`, not `{}`",
                    bind.value
                ),
            )
            .label("ignored by the API")
            .help("remove `eip_id`, or set `public_bind_type: bind_existing`"),
        ),
        (Some(eip), true) => value_checks::resource_id("eip_id", eip),
        (None, false) => None,
    }
}

fn delete_policy(d: &super::raw::RawDeletePolicy) -> Option<Problem> {
    let keep = d.keep_last_manual_snapshot.as_ref()?;
    if keep.value < 0 || keep.value > 1000 {
        return value_checks::range(
            "delete_policy",
            "keep_last_manual_snapshot",
            keep,
            0,
            1000,
            "",
        );
    }
    let final_snapshot = d.final_snapshot.as_ref().map_or(true, |f| f.value);
    (final_snapshot && keep.value == 0).then(|| {
        Problem::new("delete_policy", keep.span, "the final snapshot would be deleted with the cluster")
            .label("keeps no manual snapshot")
            .help("keep at least 1 (the final snapshot), or set `final_snapshot: false` to delete without one")
    })
}

/// Two clusters of the spec cannot both claim one live cluster: `renamed_from` names neither
/// another cluster of the spec nor the same old name as another cluster.
fn renames(spec: &RawSpec, problems: &mut Vec<Problem>) {
    let mut claimed: HashMap<&str, &str> = HashMap::new();
    for c in &spec.clusters {
        let Some(old) = &c.value.renamed_from else {
            continue;
        };
        let old_name = old.value.as_str();
        if old_name != c.name && spec.clusters.iter().any(|o| o.name == old_name) {
            problems.push(
                Problem::new("renamed_from", old.span, format!("cluster `{}` is renamed from `{old_name}`, which the spec also declares", c.name))
                    .label("another cluster of the spec")
                    .help("a renamed cluster's old name must not be in the spec: remove that cluster or this `renamed_from`"),
            );
        } else if let Some(first) = claimed.insert(old_name, &c.name) {
            problems.push(
                Problem::new(
                    "renamed_from",
                    old.span,
                    format!(
                        "clusters `{first}` and `{}` are both renamed from `{old_name}`",
                        c.name
                    ),
                )
                .label("claimed twice")
                .help("one live cluster can take one new name: keep `renamed_from` on one of them"),
            );
        }
    }
}

/// `renamed_from`: a cluster name other than the cluster's own, on a cluster that should
/// exist (a rename keeps a cluster; deleting one takes its current name).
fn renamed_from(c: &Named<RawCluster>, old: &Spanned<String>) -> Option<Problem> {
    if let Some(p) = value_checks::object_name(Field::ClusterName, &old.value, old.span) {
        return Some(p);
    }
    if old.value == c.name {
        return Some(
            Problem::new(
                "renamed_from",
                old.span,
                format!("cluster `{}` is renamed from its own name", c.name),
            )
            .label("the same name")
            .help("remove `renamed_from`, or write the name the cluster had before"),
        );
    }
    let absent = c
        .value
        .state
        .as_ref()
        .is_some_and(|s| s.value == RawState::Absent);
    absent.then(|| {
        Problem::new(
            "renamed_from",
            old.span,
            format!("cluster `{}` is `state: absent` and renamed", c.name),
        )
        .label("a cluster to delete is not renamed")
        .help("to delete the cluster, name it by its current name and drop `renamed_from`")
    })
}

fn cluster(c: &Named<RawCluster>, problems: &mut Vec<Problem>) {
    problems.extend(value_checks::object_name(
        Field::ClusterName,
        &c.name,
        c.span,
    ));
    let v = &c.value;
    common(&v.common, problems);
    if let Some(old) = &v.renamed_from {
        problems.extend(renamed_from(c, old));
    }
    let absent = v
        .state
        .as_ref()
        .is_some_and(|s| s.value == RawState::Absent);
    if absent || v.restore_from.is_some() {
        return;
    }
    let missing: Vec<&str> = [
        "node_type",
        "number_of_node",
        "vpc_id",
        "subnet_id",
        "security_group_id",
        "user_name",
        "password",
    ]
    .into_iter()
    .filter(|f| !v.written.iter().any(|w| w == f))
    .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        problems.push(
            Problem::new("missing_field", c.span, format!("cluster `{}` lacks {list}", c.name))
                .label("required to create a cluster")
                .help("set them on the cluster or in `defaults:`; or create it from a snapshot with `restore_from:`"),
        );
    }
}

fn snapshots<'a>(spec: &'a RawSpec, problems: &mut Vec<Problem>) -> SnapshotIndex<'a> {
    let mut by_name: HashMap<&str, (&str, Span, RawState)> = HashMap::new();
    for c in &spec.clusters {
        for s in &c.value.snapshots {
            problems.extend(value_checks::object_name(
                Field::SnapshotName,
                &s.name,
                s.span,
            ));
            if let Some(d) = &s.value.description {
                problems.extend(value_checks::description(d));
            }
            let state = s
                .value
                .state
                .as_ref()
                .map_or(RawState::Present, |s| s.value);
            if let Some((other, _, _)) = by_name.get(s.name.as_str()) {
                problems.push(
                    Problem::new(
                        "duplicate_snapshot_name",
                        s.span,
                        format!("snapshot `{}` is declared twice", s.name),
                    )
                    .label(format!("also declared under cluster `{other}`"))
                    .help("snapshot names are unique in a project; rename one of them"),
                );
            } else {
                by_name.insert(&s.name, (&c.name, s.span, state));
            }
        }
    }
    SnapshotIndex { by_name }
}

fn restore(
    c: &Named<RawCluster>,
    spec: &RawSpec,
    index: &SnapshotIndex<'_>,
    problems: &mut Vec<Problem>,
) {
    let Some(from) = &c.value.restore_from else {
        return;
    };
    restore_forbidden(c, problems);
    let name = &from.value.snapshot;
    problems.extend(value_checks::object_name(
        Field::SnapshotName,
        &name.value,
        name.span,
    ));
    let found = index.by_name.get(name.value.as_str());
    match (found, from.value.external) {
        (None, false) => {
            let mut names: Vec<&str> = index.by_name.keys().copied().collect();
            names.sort_unstable();
            let help = suggest(&name.value, &names).unwrap_or_else(|| {
                "declare the snapshot under its cluster's `snapshots:`, or write `restore_from: {snapshot: NAME, external: true}` for one that exists but is not in the spec".into()
            });
            problems.push(
                Problem::new(
                    "unknown_snapshot",
                    name.span,
                    format!("snapshot `{}` is not in the spec", name.value),
                )
                .label("no such snapshot")
                .help(help),
            );
        }
        (Some((_, _, RawState::Absent)), _) => problems.push(
            Problem::new(
                "restore_from_absent_snapshot",
                name.span,
                format!("snapshot `{}` is marked `state: absent`", name.value),
            )
            .label("would be deleted")
            .help("keep the snapshot (remove `state: absent`) while a cluster restores from it"),
        ),
        (Some((source, _, _)), _) => {
            let source = spec.clusters.iter().find(|s| s.name == *source);
            problems.extend(source.and_then(|s| restore_node_type(c, s)));
        }
        (None, true) => {}
    }
}

/// Fields the restore call does not take: they come from the snapshot.
fn restore_forbidden(c: &Named<RawCluster>, problems: &mut Vec<Problem>) {
    let k = &c.value.common;
    let forbidden = [
        ("user_name", k.user_name.as_ref().map(|v| v.span)),
        ("password", k.password.as_ref().map(|v| v.span)),
        (
            "password_version",
            k.password_version.as_ref().map(|v| v.span),
        ),
        ("number_of_cn", k.number_of_cn.as_ref().map(|v| v.span)),
    ];
    for (field, span) in forbidden {
        if let Some(span) = span {
            problems.push(
                Problem::new("restore_forbidden_field", span, format!("a restored cluster cannot set `{field}`"))
                    .label("comes from the snapshot")
                    .help(format!("remove `{field}` from `{}`: a cluster restored from a snapshot keeps the snapshot's administrator, password and coordinators", c.name)),
            );
        }
    }
}

/// A restore keeps the source cluster's node type.
fn restore_node_type(c: &Named<RawCluster>, source: &Named<RawCluster>) -> Option<Problem> {
    let mine = c.value.common.node_type.as_ref()?;
    let theirs = source.value.common.node_type.as_ref()?;
    (mine.value != theirs.value).then(|| {
        Problem::new(
            "restore_node_type",
            mine.span,
            format!(
                "node type `{}` differs from the snapshot's `{}`",
                mine.value, theirs.value
            ),
        )
        .label("a restore keeps the source's node type")
        .help("remove `node_type` from the restored cluster (it inherits the snapshot's)")
    })
}

mod cycles;
use cycles::cycles;
mod policy;
