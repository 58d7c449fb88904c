//! The merged YAML tree → [`RawSpec`]: types and known keys, with every problem collected.
//!
//! `defaults:` is applied here, as a deep merge under each cluster (so `!reset` in a cluster
//! removes a default and every value keeps the span of the block it came from). A restored
//! cluster does not take the fields it inherits from its snapshot from `defaults:`.

use super::error::{Problem, Span};
use super::merge::merge;
use super::raw::{
    keys, Named, RawAutomatedSnapshots, RawCluster, RawCommon, RawDefaults, RawDeletePolicy,
    RawPower, RawPublicIp, RawRestoreFrom, RawSnapshot, RawSnapshotPolicy, RawSpec, RawState,
    Spanned,
};
use super::yaml::{Entry, Node, NodeKind};
use crate::secret::SecretRef;

/// Reads the spec; `redact` collects the spans of inline secrets, which are masked in every
/// rendering.
pub struct Reader<'a> {
    pub problems: &'a mut Vec<Problem>,
    pub redact: Vec<Span>,
}

impl Reader<'_> {
    pub fn spec(&mut self, root: &Node) -> RawSpec {
        let mut spec = RawSpec::default();
        let Some(entries) = self.map(root, "the spec") else {
            return spec;
        };
        self.check_keys(entries, keys::TOP, &[], "at the top level");
        for e in entries {
            if keys::COMMON.contains(&e.key.as_str())
                || keys::CLUSTER_ONLY.contains(&e.key.as_str())
            {
                self.problems.push(
                    Problem::new("unknown_key", e.key_span, format!("`{}` is a cluster field, not a top-level key", e.key))
                        .label("cluster field at the top level")
                        .help("move it under `defaults:` (for every cluster) or under a cluster in `clusters:`"),
                );
            }
        }
        spec.version = root.get("version").and_then(|n| self.int(n, "version"));
        let defaults_node = root.get("defaults").filter(|n| !n.is_null());
        spec.defaults = defaults_node.map(|n| self.defaults(n));
        match root.entries().and_then(|es| es.iter().find(|e| e.key == "clusters")) {
            None => self.problems.push(
                Problem::new("missing_field", root.span, "the spec has no `clusters:` mapping")
                    .label("no clusters")
                    .help("add `clusters:` with one entry per cluster, keyed by its name (see examples/quickstart.yaml)"),
            ),
            Some(e) => {
                if let Some(clusters) = self.map(&e.value, "`clusters`") {
                    spec.clusters = clusters
                        .iter()
                        .map(|c| self.cluster(c, defaults_node))
                        .collect();
                }
            }
        }
        spec
    }

    fn defaults(&mut self, node: &Node) -> RawDefaults {
        let Some(entries) = self.map(node, "`defaults`") else {
            return RawDefaults::default();
        };
        for e in entries {
            if keys::CLUSTER_ONLY.contains(&e.key.as_str()) {
                self.problems.push(
                    Problem::new(
                        "not_in_defaults",
                        e.key_span,
                        format!("`{}` cannot be a default", e.key),
                    )
                    .label("only for one cluster")
                    .help(format!(
                        "set `{}` on each cluster it applies to, under `clusters:`",
                        e.key
                    )),
                );
            }
        }
        let known: Vec<&str> = keys::COMMON.to_vec();
        let unknown: Vec<&Entry> = entries
            .iter()
            .filter(|e| !keys::CLUSTER_ONLY.contains(&e.key.as_str()))
            .collect();
        self.check_entry_keys(&unknown, &known, "in `defaults`");
        RawDefaults {
            common: self.common(node),
        }
    }

    fn cluster(&mut self, entry: &Entry, defaults: Option<&Node>) -> Named<RawCluster> {
        let own = if entry.value.is_null() {
            Node {
                kind: NodeKind::Map(Vec::new()),
                span: entry.key_span,
            }
        } else {
            entry.value.clone()
        };
        let restored = own.get("restore_from").is_some_and(|n| !n.is_null());
        let node = match defaults.and_then(Node::entries) {
            Some(d) => {
                let applied: Vec<Entry> = d
                    .iter()
                    .filter(|e| keys::COMMON.contains(&e.key.as_str()))
                    .filter(|e| !(restored && keys::INHERITED_BY_RESTORE.contains(&e.key.as_str())))
                    .cloned()
                    .collect();
                let base = Node {
                    kind: NodeKind::Map(applied),
                    span: own.span,
                };
                merge(base, own)
            }
            None => own,
        };
        let mut cluster = RawCluster::default();
        let context = format!("in cluster `{}`", entry.key);
        if let Some(entries) = self.map(&node, &format!("cluster `{}`", entry.key)) {
            let mut known = keys::COMMON.to_vec();
            known.extend_from_slice(keys::CLUSTER_ONLY);
            self.check_keys(entries, &known, keys::TOP, &context);
            cluster.common = self.common(&node);
            cluster.written = entries
                .iter()
                .filter(|e| !e.value.is_null())
                .map(|e| e.key.clone())
                .collect();
            cluster.state = node.get("state").and_then(|n| self.state(n, "state"));
            cluster.adopt = node.get("adopt").and_then(|n| self.boolean(n, "adopt"));
            cluster.restore_from = node.get("restore_from").and_then(|n| self.restore_from(n));
            cluster.renamed_from = node
                .get("renamed_from")
                .and_then(|n| self.string(n, "renamed_from"));
            if let Some(s) = node.get("snapshots").filter(|n| !n.is_null()) {
                if let Some(snaps) = self.map(s, "`snapshots`") {
                    cluster.snapshots = snaps.iter().map(|e| self.snapshot(e)).collect();
                }
            }
        }
        Named {
            name: entry.key.clone(),
            span: entry.key_span,
            value: cluster,
        }
    }

    fn common(&mut self, node: &Node) -> RawCommon {
        let get = |k: &str| node.get(k);
        RawCommon {
            node_type: get("node_type").and_then(|n| self.string(n, "node_type")),
            number_of_node: get("number_of_node").and_then(|n| self.int(n, "number_of_node")),
            vpc_id: get("vpc_id").and_then(|n| self.string(n, "vpc_id")),
            subnet_id: get("subnet_id").and_then(|n| self.string(n, "subnet_id")),
            security_group_id: get("security_group_id")
                .and_then(|n| self.string(n, "security_group_id")),
            availability_zone: get("availability_zone")
                .and_then(|n| self.string(n, "availability_zone")),
            port: get("port").and_then(|n| self.int(n, "port")),
            user_name: get("user_name").and_then(|n| self.string(n, "user_name")),
            password: get("password").and_then(|n| self.password(n)),
            password_version: get("password_version")
                .and_then(|n| self.string(n, "password_version")),
            public_ip: get("public_ip").and_then(|n| self.public_ip(n)),
            number_of_cn: get("number_of_cn").and_then(|n| self.int(n, "number_of_cn")),
            enterprise_project_id: get("enterprise_project_id")
                .and_then(|n| self.string(n, "enterprise_project_id")),
            tags: get("tags").and_then(|n| self.tags(n)),
            delete_policy: get("delete_policy").and_then(|n| self.delete_policy(n)),
            automated_snapshots: get("automated_snapshots")
                .and_then(|n| self.automated_snapshots(n)),
            power: get("power").and_then(|n| self.power(n)),
            description: get("description").and_then(|n| self.string(n, "description")),
        }
    }

    fn automated_snapshots(&mut self, node: &Node) -> Option<Spanned<RawAutomatedSnapshots>> {
        let entries = self.optional_map(node, "automated_snapshots")?;
        let context = "in `automated_snapshots`";
        self.check_keys(entries, keys::AUTOMATED_SNAPSHOTS, &[], context);
        let mut block = RawAutomatedSnapshots {
            enabled: node.get("enabled").and_then(|n| self.boolean(n, "enabled")),
            keep_days: node.get("keep_days").and_then(|n| self.int(n, "keep_days")),
            policies: Vec::new(),
            exclusive: node
                .get("exclusive")
                .and_then(|n| self.boolean(n, "exclusive")),
        };
        if let Some(policies) = node.get("policies") {
            if let Some(entries) = self.optional_map(policies, "policies") {
                block.policies = entries.iter().map(|e| self.snapshot_policy(e)).collect();
            }
        }
        Some(Spanned::new(block, node.span))
    }

    fn snapshot_policy(&mut self, entry: &Entry) -> Named<RawSnapshotPolicy> {
        let node = &entry.value;
        let mut policy = RawSnapshotPolicy::default();
        if let Some(entries) = self.map(node, &format!("policy `{}`", entry.key)) {
            let context = format!("in policy `{}`", entry.key);
            self.check_keys(entries, keys::SNAPSHOT_POLICY, &[], &context);
            policy.schedule = node
                .get("schedule")
                .and_then(|n| self.string(n, "schedule"));
            policy.r#type = node.get("type").and_then(|n| self.string(n, "type"));
        }
        Named {
            name: entry.key.clone(),
            span: entry.key_span,
            value: policy,
        }
    }

    fn password(&mut self, node: &Node) -> Option<Spanned<SecretRef>> {
        match &node.kind {
            NodeKind::Scalar(s) if s.is_null() => None,
            NodeKind::Invalid => None,
            NodeKind::Scalar(_) => {
                self.redact.push(node.span);
                self.problems.push(
                    Problem::new(
                        "inline_password",
                        node.span,
                        "a password must not be written in the spec",
                    )
                    .label("inline password (masked)")
                    .help(INLINE_PASSWORD_HELP),
                );
                None
            }
            NodeKind::Map(entries) => self.password_reference(node, entries),
            _ => {
                self.mask(node);
                self.wrong_type(
                    node,
                    "password",
                    "a mapping: `{from_env: NAME}` or `{from_file: PATH}`",
                );
                None
            }
        }
    }

    fn password_reference(&mut self, node: &Node, entries: &[Entry]) -> Option<Spanned<SecretRef>> {
        let env = node
            .get("from_env")
            .and_then(|n| self.string(n, "from_env"));
        let file = node
            .get("from_file")
            .and_then(|n| self.string(n, "from_file"));
        for e in entries
            .iter()
            .filter(|e| !keys::PASSWORD.contains(&e.key.as_str()))
        {
            self.mask(&e.value);
        }
        self.check_keys(entries, keys::PASSWORD, &[], "in `password`");
        let (message, label) = match (env, file) {
            (Some(env), None) => {
                return Some(Spanned::new(SecretRef::FromEnv(env.value), env.span))
            }
            (None, Some(file)) => {
                return Some(Spanned::new(SecretRef::FromFile(file.value), file.span))
            }
            (Some(_), Some(_)) => (
                "the password names both an environment variable and a file",
                "two sources",
            ),
            (None, None) => (
                "the password names no source",
                "no `from_env` or `from_file`",
            ),
        };
        self.problems.push(
            Problem::new("password_reference", node.span, message)
                .label(label)
                .help("write exactly one of `{from_env: NAME}` or `{from_file: PATH}`"),
        );
        None
    }

    /// Masks every scalar under a node that may hold a secret.
    fn mask(&mut self, node: &Node) {
        match &node.kind {
            NodeKind::Scalar(_) => self.redact.push(node.span),
            NodeKind::Seq(items) => items.iter().for_each(|n| self.mask(n)),
            NodeKind::Map(entries) => entries.iter().for_each(|e| self.mask(&e.value)),
            NodeKind::Reset | NodeKind::Invalid => {}
        }
    }

    fn public_ip(&mut self, node: &Node) -> Option<Spanned<RawPublicIp>> {
        let entries = self.optional_map(node, "public_ip")?;
        self.check_keys(entries, keys::PUBLIC_IP, &[], "in `public_ip`");
        let bind = node
            .get("public_bind_type")
            .and_then(|n| self.string(n, "public_bind_type"));
        let eip_id = node.get("eip_id").and_then(|n| self.string(n, "eip_id"));
        let Some(bind) = bind else {
            self.problems.push(
                Problem::new("missing_field", node.span, "`public_ip` needs `public_bind_type`")
                    .label("no public_bind_type")
                    .help("add `public_bind_type: auto_assign` (or `not_use`, or `bind_existing` with `eip_id`)"),
            );
            return None;
        };
        Some(Spanned::new(
            RawPublicIp {
                public_bind_type: bind,
                eip_id,
            },
            node.span,
        ))
    }

    fn delete_policy(&mut self, node: &Node) -> Option<RawDeletePolicy> {
        let entries = self.optional_map(node, "delete_policy")?;
        self.check_keys(entries, keys::DELETE_POLICY, &[], "in `delete_policy`");
        Some(RawDeletePolicy {
            final_snapshot: node
                .get("final_snapshot")
                .and_then(|n| self.boolean(n, "final_snapshot")),
            keep_last_manual_snapshot: node
                .get("keep_last_manual_snapshot")
                .and_then(|n| self.int(n, "keep_last_manual_snapshot")),
        })
    }

    fn tags(&mut self, node: &Node) -> Option<Vec<Named<Spanned<String>>>> {
        let entries = self.optional_map(node, "tags")?;
        Some(
            entries
                .iter()
                .filter_map(|e| {
                    let value = match &e.value.kind {
                        // An empty tag value is allowed by the API.
                        NodeKind::Scalar(s) if s.is_null() => {
                            Spanned::new(String::new(), e.value.span)
                        }
                        _ => self.string(&e.value, "a tag value")?,
                    };
                    Some(Named {
                        name: e.key.clone(),
                        span: e.key_span,
                        value,
                    })
                })
                .collect(),
        )
    }

    fn restore_from(&mut self, node: &Node) -> Option<Spanned<RawRestoreFrom>> {
        if let NodeKind::Map(entries) = &node.kind {
            self.check_keys(entries, keys::RESTORE_FROM, &[], "in `restore_from`");
            let snapshot = node
                .get("snapshot")
                .and_then(|n| self.string(n, "snapshot"));
            let external = node
                .get("external")
                .and_then(|n| self.boolean(n, "external"));
            let Some(snapshot) = snapshot else {
                self.problems.push(
                    Problem::new("missing_field", node.span, "`restore_from` needs `snapshot`")
                        .label("no snapshot name")
                        .help("write `restore_from: SNAPSHOT` or `restore_from: {snapshot: SNAPSHOT, external: true}`"),
                );
                return None;
            };
            let external = external.is_some_and(|e| e.value);
            return Some(Spanned::new(
                RawRestoreFrom { snapshot, external },
                node.span,
            ));
        }
        let snapshot = self.string(node, "restore_from")?;
        Some(Spanned::new(
            RawRestoreFrom {
                snapshot: snapshot.clone(),
                external: false,
            },
            snapshot.span,
        ))
    }

    fn snapshot(&mut self, entry: &Entry) -> Named<RawSnapshot> {
        let node = &entry.value;
        let mut snap = RawSnapshot::default();
        match &node.kind {
            NodeKind::Map(entries) => {
                self.check_keys(
                    entries,
                    keys::SNAPSHOT,
                    &[],
                    &format!("in snapshot `{}`", entry.key),
                );
                snap.description = node
                    .get("description")
                    .and_then(|n| self.string(n, "description"));
                snap.state = node.get("state").and_then(|n| self.state(n, "state"));
            }
            _ => snap.description = self.string(node, "a snapshot description"),
        }
        Named {
            name: entry.key.clone(),
            span: entry.key_span,
            value: snap,
        }
    }

    fn state(&mut self, node: &Node, field: &str) -> Option<Spanned<RawState>> {
        let s = self.string(node, field)?;
        match s.value.as_str() {
            "present" => Some(Spanned::new(RawState::Present, s.span)),
            "absent" => Some(Spanned::new(RawState::Absent, s.span)),
            other => {
                self.problems.push(
                    Problem::new("state", s.span, format!("`{other}` is not a state"))
                        .label("unknown state")
                        .help(suggest(other, &["present", "absent"]).unwrap_or_else(|| {
                            "write `state: present` (the default) or `state: absent`".into()
                        })),
                );
                None
            }
        }
    }
}

impl Reader<'_> {
    fn power(&mut self, node: &Node) -> Option<Spanned<RawPower>> {
        let s = self.string(node, "power")?;
        match s.value.as_str() {
            "running" => Some(Spanned::new(RawPower::Running, s.span)),
            "stopped" => Some(Spanned::new(RawPower::Stopped, s.span)),
            other => {
                self.problems.push(
                    Problem::new("power", s.span, format!("`{other}` is not a power state"))
                        .label("unknown power state")
                        .help(suggest(other, &["running", "stopped"]).unwrap_or_else(|| {
                            "write `power: running` or `power: stopped`, or leave it out to let \
                             dwsctl neither start nor stop the cluster"
                                .into()
                        })),
                );
                None
            }
        }
    }
}

/// How to fix an inline password (also used for the API's `user_pwd` key).
pub const INLINE_PASSWORD_HELP: &str = "reference it instead: `password: {from_env: DWS_ADMIN_PASSWORD}` and export DWS_ADMIN_PASSWORD, or `password: {from_file: secrets/admin-password}` (relative to this file); then remove the password from this file's history";

mod values;
pub use values::suggest;
