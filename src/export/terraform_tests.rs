use std::path::{Path, PathBuf};

use super::*;

const CANARY: &str = "Canary-TF-Pw-4242!";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/terraform")
        .join(name)
}

fn from_text(text: &str) -> Result<Export, ExportError> {
    export(text, Path::new("t.tfstate"), &[])
}

fn state(resources: &str) -> String {
    format!("{{\"version\": 4, \"resources\": [{resources}]}}")
}

fn cluster_resource(name: &str, attributes: &str) -> String {
    format!(
        r#"{{"mode": "managed", "type": "huaweicloud_dws_cluster", "name": "{name}",
            "instances": [{{"attributes": {attributes}}}]}}"#
    )
}

#[test]
fn the_huaweicloud_sample_maps_clusters_snapshots_and_policies_by_live_name() {
    let export = export_file(&fixture("huaweicloud.tfstate"), &[]).expect("export");
    let names: Vec<&str> = export.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["tf-analytics", "tf-reporting-eu"]);
    let analytics = &export.clusters[0];
    assert!(analytics.adopt);
    assert_eq!(analytics.number_of_node, Some(6));
    assert_eq!(analytics.number_of_cn, Some(4));
    assert!(!analytics.stopped);
    // The provider's `description` is a spec field now; an empty one is none.
    assert_eq!(
        analytics.description.as_deref(),
        Some("Analytics warehouse, loaded nightly")
    );
    assert_eq!(export.clusters[1].description, None);
    assert!(
        !analytics
            .notes
            .iter()
            .any(|n| n.starts_with("Set in Terraform") && n.contains("description")),
        "{:?}",
        analytics.notes
    );
    assert_eq!(
        analytics.subnet_id.as_deref(),
        Some("d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec")
    );
    assert_eq!(analytics.public_ip, None);
    assert_eq!(analytics.snapshots[0].name, "tf-analytics-baseline");
    let policy = analytics.automated_snapshots.as_ref().expect("policy");
    assert_eq!(
        policy.policies,
        [("nightly-full".into(), "0 0 2 ? * 1".into(), "full".into())]
    );
    assert_eq!(
        (policy.enabled, policy.keep_days),
        (None, None),
        "not in the resource"
    );
    let reporting = &export.clusters[1];
    assert_eq!(
        reporting.number_of_cn, None,
        "0 is the provider's 'not set'"
    );
    assert_eq!(reporting.port, Some(8100));
    assert!(reporting.stopped, "its status is STOPPED");
    assert!(
        reporting
            .notes
            .iter()
            .any(|n| n.contains("`power: stopped`")),
        "{:?}",
        reporting.notes
    );
    assert_eq!(
        reporting
            .public_ip
            .as_ref()
            .map(|p| p.public_bind_type.as_str()),
        Some("auto_assign")
    );
    assert_eq!(reporting.snapshots[0].description, None);
    assert!(reporting.notes[0].contains("module.reporting.huaweicloud_dws_cluster.this[\"eu\"]"));
    let skipped = export.skipped.join("\n");
    for needle in [
        "huaweicloud_dws_snapshot.by_count[1]: its cluster_id \"tf-cluster-deleted-0009\"",
        "huaweicloud_dws_snapshot_policy.once: strategy \"2026-05-19T09:24:00\" is a one-time \
         snapshot at that date and time",
        "add one to the cluster's `snapshots`",
        "1 \"huaweicloud_dws_alarm_subscription\" resource(s)",
        "1 \"huaweicloud_vpc\" resource(s)",
    ] {
        assert!(skipped.contains(needle), "{needle:?} not in:\n{skipped}");
    }
    assert_eq!(export.skipped.len(), 4, "{skipped}");
    let text = super::super::yaml::render(&export);
    assert!(
        !text.contains(CANARY),
        "the state's password leaked:\n{text}"
    );
    assert!(!format!("{export:?}").contains(CANARY));
}

#[test]
fn the_opentelekomcloud_sample_maps_its_clusters() {
    let export = export_file(&fixture("opentelekomcloud.tfstate"), &[]).expect("export");
    let names: Vec<&str> = export.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["otc-staging", "otc-warehouse"]);
    assert_eq!(export.clusters[1].port, Some(8899));
    assert!(
        export.clusters[1].notes[1].contains("version"),
        "{:?}",
        export.clusters[1].notes
    );
    assert_eq!(export.skipped.len(), 1, "{:?}", export.skipped);
}

#[test]
fn only_the_named_clusters_and_an_unknown_name_is_an_error() {
    let path = fixture("huaweicloud.tfstate");
    let export = export_file(&path, &["tf-reporting-eu".to_owned()]).expect("export");
    assert_eq!(export.clusters.len(), 1);
    let err = export_file(&path, &["nope".to_owned()]).expect_err("unknown");
    assert!(
        matches!(err, ExportError::UnknownCluster { known: 2, .. }),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_version_4_state_is_an_error_saying_where() {
    let cases = [
        ("{\"version\": 4,\n  \"resources\": [}", "t.tfstate:2:17: not JSON"),
        ("[1, 2]", "t.tfstate: the top level: it is not a JSON object"),
        ("{\"version\": 3}", "t.tfstate: version: it is 3; dwsctl reads format version 4"),
        ("{\"resources\": []}", "t.tfstate: version: it is missing"),
        ("{\"version\": 4, \"resources\": {}}", "t.tfstate: resources: it is not a list"),
        ("{\"version\": 4, \"resources\": [7]}", "t.tfstate: resources[0]: it is not a JSON object"),
        (
            "{\"version\": 4, \"resources\": [{\"type\": \"huaweicloud_dws_cluster\", \"name\": \"a\", \"instances\": [{\"attributes\": 1}]}]}",
            "t.tfstate: resources[0].instances[0].attributes: it is not a JSON object",
        ),
    ];
    for (text, expected) in cases {
        let err = from_text(text).expect_err(text);
        assert!(
            err.to_string().starts_with(expected),
            "{err} (wanted {expected})"
        );
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        from_text(&deep),
        Err(ExportError::StateJson { .. })
    ));
}

#[test]
fn a_cluster_that_cannot_be_mapped_is_listed_with_its_address() {
    let text = state(
        &[
            cluster_resource("no_name", r#"{"id": "a", "node_type": "dws.m3.xlarge"}"#),
            cluster_resource(
                "bad_count",
                r#"{"id": "b", "name": "bad-count", "node_type": "x", "number_of_node": "three"}"#,
            ),
            cluster_resource(
                "bad_tags",
                r#"{"id": "c", "name": "bad-tags", "node_type": "x", "tags": {"k": 1}}"#,
            ),
            cluster_resource("twin_a", r#"{"id": "d", "name": "twin", "node_type": "x"}"#),
            cluster_resource("twin_b", r#"{"id": "e", "name": "twin", "node_type": "x"}"#),
        ]
        .join(","),
    );
    let export = from_text(&text).expect("export");
    assert!(export.clusters.is_empty(), "{:?}", export.clusters);
    let skipped = export.skipped.join("\n");
    for needle in [
        "huaweicloud_dws_cluster.no_name: attribute name is missing or not a string",
        "huaweicloud_dws_cluster.bad_count: attribute number_of_node is a string, not a number",
        "huaweicloud_dws_cluster.bad_tags: tag \"k\" is a number, not a string",
        "cluster \"twin\": 2 resources name it (huaweicloud_dws_cluster.twin_a, \
         huaweicloud_dws_cluster.twin_b)",
    ] {
        assert!(skipped.contains(needle), "{needle:?} not in:\n{skipped}");
    }
}

#[test]
fn hostile_values_in_a_state_stay_values() {
    let text = state(&cluster_resource(
        "evil",
        r#"{"id": "x", "name": "evil\n  adopt: false\u001b[2J", "node_type": "a: b",
            "tags": {"k\u202e": "v\nw: 1"}, "description": "d\n  adopt: false\u009b2J"}"#,
    ));
    let export = from_text(&text).expect("export");
    let spec = super::super::yaml::render(&export);
    assert!(
        !spec.chars().any(|c| crate::term::is_unsafe(c) && c != '\n'),
        "{spec}"
    );
    let value: serde_yaml::Value = serde_yaml::from_str(&spec).expect("YAML");
    let cluster = &value["clusters"]["evil\n  adopt: false\u{1b}[2J"];
    assert_eq!(cluster["adopt"].as_bool(), Some(true), "{spec}");
    assert_eq!(cluster["node_type"].as_str(), Some("a: b"));
    assert_eq!(cluster["tags"]["k\u{202e}"].as_str(), Some("v\nw: 1"));
    assert_eq!(
        cluster["description"].as_str(),
        Some("d\n  adopt: false\u{9b}2J")
    );
    assert_eq!(export.warnings.len(), 2, "{:?}", export.warnings);
}

#[test]
fn dwsctls_own_tag_in_terraform_means_no_adoption_and_reserved_keys_stay_out() {
    let text = state(&cluster_resource(
        "owned",
        r#"{"id": "x", "name": "owned-one", "node_type": "dws.m3.xlarge",
            "tags": {"managed-by": "dwsctl", "dwsctl-lease": "r", "env": "prod"}}"#,
    ));
    let export = from_text(&text).expect("export");
    let c = &export.clusters[0];
    assert!(!c.adopt);
    assert_eq!(c.tags.keys().collect::<Vec<_>>(), ["env"]);
}
