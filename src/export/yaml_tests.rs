use std::collections::BTreeMap;

use super::*;
use crate::export::model::{ExportPublicIp, ExportSnapshot};

const HOSTILE: [&str; 9] = [
    "x: {adopt: true}",
    "a\nnode_type: evil",
    "\u{1b}[2J\u{1b}]0;pwned\u{7}",
    "right\u{202e}left",
    "\"quoted\" and \\back\\",
    "# not a comment",
    "yes",
    "0123",
    "",
];

fn cluster(name: &str) -> ExportCluster {
    ExportCluster {
        name: name.to_owned(),
        password_env: "DWS_PASSWORD_X".to_owned(),
        ..ExportCluster::default()
    }
}

#[test]
fn hostile_strings_stay_one_scalar_and_read_back_equal() {
    for text in HOSTILE {
        let doc = format!("k: {}\n", scalar(text));
        let read: BTreeMap<String, String> =
            serde_yaml::from_str(&doc).unwrap_or_else(|e| panic!("{doc:?}: {e}"));
        assert_eq!(read.get("k").map(String::as_str), Some(text), "{doc:?}");
        assert_eq!(doc.lines().count(), 1, "{doc:?}");
        assert!(
            !doc.trim_end().chars().any(crate::term::is_unsafe),
            "{doc:?}"
        );
    }
}

#[test]
fn plain_only_where_nothing_else_can_be_read() {
    assert_eq!(scalar("dws.m3.xlarge"), "dws.m3.xlarge");
    assert_eq!(scalar("eu-de-01"), "eu-de-01");
    assert_eq!(scalar("0"), "\"0\"");
    assert_eq!(scalar("Off"), "\"Off\"");
    assert_eq!(scalar("4711"), "\"4711\"");
    assert_eq!(scalar("a b"), "\"a b\"");
    assert_eq!(
        quoted("\u{1b}\u{202e}\u{1f600}"),
        "\"\\x1B\\u202E\u{1f600}\""
    );
}

#[test]
fn a_hostile_export_renders_the_structure_it_was_given() {
    let mut c = cluster("a\nb: {adopt: true}\u{1b}[31m");
    c.tags.insert("k\nj".into(), "v\": x".into());
    c.public_ip = Some(ExportPublicIp {
        public_bind_type: "auto_assign\n    adopt: true".into(),
        eip_id: None,
    });
    c.snapshots.push(ExportSnapshot {
        name: "s\u{202e}".into(),
        description: Some("line\n- two".into()),
    });
    c.notes
        .push(format!("status {}", quoted("X\n  adopt: true")));
    let export = Export {
        clusters: vec![c],
        skipped: vec![format!("cluster {}", quoted("\n# forged"))],
        ..Export::default()
    };
    let text = render(&export);
    assert!(
        !text.chars().any(|c| crate::term::is_unsafe(c) && c != '\n'),
        "{text}"
    );
    let value: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    let clusters = value["clusters"].as_mapping().expect("clusters");
    assert_eq!(clusters.len(), 1);
    let (name, body) = clusters.iter().next().expect("one");
    assert_eq!(name.as_str(), Some("a\nb: {adopt: true}\u{1b}[31m"));
    let body = body.as_mapping().expect("mapping");
    let keys: Vec<&str> = body.keys().filter_map(|k| k.as_str()).collect();
    assert_eq!(keys, ["password", "public_ip", "tags", "snapshots"]);
    assert_eq!(body["tags"]["k\nj"].as_str(), Some("v\": x"));
    assert_eq!(
        body["public_ip"]["public_bind_type"].as_str(),
        Some("auto_assign\n    adopt: true")
    );
    assert_eq!(body["snapshots"]["s\u{202e}"].as_str(), Some("line\n- two"));
}

#[test]
fn an_empty_export_is_an_empty_spec_with_the_schema_line() {
    let text = render(&Export::default());
    assert!(text.starts_with(SCHEMA_LINE), "{text}");
    assert!(text.ends_with("version: 1\n\nclusters: {}\n"), "{text}");
}

#[test]
fn comments_wrap_between_words_and_never_start_a_line_without_the_mark() {
    let mut out = String::new();
    comment(&mut out, 4, &"word ".repeat(60));
    assert!(out.lines().count() > 2, "{out}");
    for line in out.lines() {
        assert!(line.starts_with("    # "), "{line:?}");
        assert!(line.len() <= WIDTH, "{line:?}");
    }
}

#[test]
fn a_list_item_wraps_under_its_text() {
    let mut out = String::new();
    comment(&mut out, 0, &format!("- {}", "word ".repeat(30)));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("# - word"), "{out}");
    assert!(lines[1].starts_with("#   word"), "{out}");
}
