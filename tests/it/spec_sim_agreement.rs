//! `dwsctl validate` and the simulator agree on the API's value rules: each value below goes
//! through the whole spec loader (YAML, merge, validation) and through the simulator's checks,
//! and both must accept it or both refuse it. They share `dwsctl::api::rules`; this guards the
//! wiring on each side (which field feeds which rule, `number_of_cn` against `number_of_node`).

use std::path::PathBuf;

use dwsctl::api::wire::Tag;
use dwsctl::sim::validate as sim;
use dwsctl::spec;

/// One cluster with every value a rule covers; `set` overrides one line of it.
struct Values {
    cluster: String,
    nodes: i64,
    cns: i64,
    port: i64,
    user: String,
    tag: (String, String),
    snapshot: String,
    description: String,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            cluster: "dws-demo".into(),
            nodes: 3,
            cns: 3,
            port: 8000,
            user: "dbadmin".into(),
            tag: ("team".into(), "analytics".into()),
            snapshot: "snap-one".into(),
            description: "before the upgrade".into(),
        }
    }
}

fn q(s: &str) -> String {
    // A JSON string is a valid YAML flow scalar, with any character escaped.
    serde_json::Value::from(s).to_string()
}

/// The rules `dwsctl validate` breaks for these values.
fn spec_rules(v: &Values) -> Vec<&'static str> {
    let text = format!(
        "version: 1\nclusters:\n  {}:\n    node_type: dws.d1.xlarge\n    number_of_node: {}\n    number_of_cn: {}\n    port: {}\n    vpc_id: 219ab8a0-1272-4049-a383-8ad0b770fa11\n    subnet_id: d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec\n    security_group_id: 12e3c23a-8710-4b75-95e4-5c8d7f68ef3c\n    user_name: {}\n    password: {{from_env: DWS_ADMIN_PASSWORD}}\n    tags: {{{}: {}}}\n    snapshots:\n      {}: {{description: {}}}\n",
        q(&v.cluster), v.nodes, v.cns, v.port, q(&v.user), q(&v.tag.0), q(&v.tag.1), q(&v.snapshot), q(&v.description),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("spec.yaml");
    std::fs::write(&file, text).expect("write spec");
    let env = |name: &str| (name == "DWS_ADMIN_PASSWORD").then(|| "unused".to_owned());
    match spec::load_with(&[PathBuf::from(&file)], &env) {
        Ok(_) => Vec::new(),
        Err(e) => e.rules(),
    }
}

/// Whether the simulator accepts the value that `rule` is about.
fn sim_accepts(rule: &str, v: &Values) -> bool {
    let u = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    match rule {
        "cluster_name" => sim::cluster_name(&v.cluster).is_ok(),
        "number_of_node" => sim::node_count(u(v.nodes)).is_ok(),
        "number_of_cn" => sim::number_of_cn(u(v.cns), u(v.nodes)).is_ok(),
        "port" => sim::port(u(v.port)).is_ok(),
        "user_name" => sim::user_name(&v.user).is_ok(),
        "tag_key" | "tag_value" => sim::tag(&Tag {
            key: v.tag.0.clone(),
            value: v.tag.1.clone(),
        })
        .is_ok(),
        "snapshot_name" => sim::snapshot_name(&v.snapshot).is_ok(),
        "snapshot_description" => sim::description(&v.description).is_ok(),
        other => panic!("no simulator check named {other}"),
    }
}

fn cases() -> Vec<(&'static str, Values)> {
    let d = Values::default;
    let mut cases = vec![("cluster_name", d())];
    for name in [
        "dws",
        "dwsx",
        "1dws",
        "dws.demo",
        &"a".repeat(64),
        &"a".repeat(65),
    ] {
        cases.push((
            "cluster_name",
            Values {
                cluster: name.into(),
                ..d()
            },
        ));
    }
    for nodes in [2, 3, 256, 257] {
        cases.push((
            "number_of_node",
            Values {
                nodes,
                cns: 2,
                ..d()
            },
        ));
    }
    for (cns, nodes) in [(1, 5), (2, 3), (3, 3), (4, 3), (20, 64), (21, 64), (5, 4)] {
        cases.push(("number_of_cn", Values { nodes, cns, ..d() }));
    }
    for port in [7999, 8000, 30000, 30001] {
        cases.push(("port", Values { port, ..d() }));
    }
    for user in [
        "_x1",
        "select",
        "rownum",
        "join",
        "omm",
        "DbAdmin",
        "1admin",
        &"a".repeat(64),
    ] {
        cases.push((
            "user_name",
            Values {
                user: user.into(),
                ..d()
            },
        ));
    }
    for key in [
        "k".repeat(36),
        "k".repeat(37),
        "a/b".into(),
        "kostenstelle-ä".into(),
        // A Cyrillic `а`: a look-alike of the reserved `managed-by`, refused by both sides.
        "m\u{430}naged-by".into(),
    ] {
        cases.push((
            "tag_key",
            Values {
                tag: (key, "x".into()),
                ..d()
            },
        ));
    }
    for value in [
        String::new(),
        "v".repeat(43),
        "v".repeat(44),
        "a=b".into(),
        "data-équipe".into(),
    ] {
        cases.push((
            "tag_value",
            Values {
                tag: ("k".into(), value),
                ..d()
            },
        ));
    }
    for snapshot in ["snp", "snap", "9snap", "snap shot"] {
        cases.push((
            "snapshot_name",
            Values {
                snapshot: snapshot.into(),
                ..d()
            },
        ));
    }
    for description in [
        "d".repeat(256),
        "d".repeat(257),
        "a <b>".into(),
        "it's".into(),
    ] {
        cases.push(("snapshot_description", Values { description, ..d() }));
    }
    cases
}

#[test]
fn spec_validator_and_simulator_accept_and_refuse_the_same_values() {
    for (rule, values) in cases() {
        let spec_refuses = spec_rules(&values).contains(&rule);
        assert_eq!(
            sim_accepts(rule, &values),
            !spec_refuses,
            "{rule}: validate {} but the simulator {} (cluster {:?}, nodes {}, cns {}, port {}, user {:?}, tag {:?}, snapshot {:?}, description {:?})",
            if spec_refuses { "refuses" } else { "accepts" },
            if spec_refuses { "accepts" } else { "refuses" },
            values.cluster, values.nodes, values.cns, values.port, values.user, values.tag, values.snapshot, values.description,
        );
    }
}

#[test]
fn the_default_values_pass_both_sides() {
    let values = Values::default();
    assert_eq!(spec_rules(&values), Vec::<&str>::new());
    for rule in [
        "cluster_name",
        "number_of_cn",
        "port",
        "user_name",
        "tag_key",
        "snapshot_description",
    ] {
        assert!(sim_accepts(rule, &values), "{rule}");
    }
}
