use super::*;
use crate::api::wire::Tag;
use crate::plan::model::Action;
use crate::plan::testkit::{live, live_cluster, live_snapshot};

fn unowned(name: &str, nodes: u32) -> Cluster {
    let mut c = live_cluster(name, nodes);
    c.tags = vec![tag("team", "bi")];
    c
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.into(),
        value: value.into(),
    }
}

/// The spec `export` renders, loaded back through the spec pipeline.
fn load(export: &Export) -> crate::spec::Loaded {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("exported.yaml");
    std::fs::write(&path, super::super::yaml::render(export)).expect("write");
    crate::spec::load_with(&[path], &|_| None)
        .unwrap_or_else(|e| panic!("{:?}\n{}", e, super::super::yaml::render(export)))
}

#[test]
fn a_plan_of_the_export_only_adopts_the_clusters_without_the_tag() {
    let mut owned_one = live_cluster("owned-one", 6);
    owned_one
        .tags
        .push(tag(PASSWORD_VERSION_TAG_KEY, "2026-01"));
    owned_one.tags.push(tag("env", "prod"));
    let world = live(
        vec![unowned("legacy-bi", 3), owned_one],
        vec![live_snapshot("legacy-bi-base", "id-legacy-bi")],
    );
    let export = export(&world, &[]).expect("export");
    let names: Vec<(&str, bool)> = export
        .clusters
        .iter()
        .map(|c| (c.name.as_str(), c.adopt))
        .collect();
    assert_eq!(names, [("legacy-bi", true), ("owned-one", false)]);
    assert_eq!(
        export.clusters[1].password_version.as_deref(),
        Some("2026-01")
    );
    let loaded = load(&export);
    let plan = crate::plan::diff(&loaded.desired, &world, &loaded.digest);
    let steps: Vec<(String, &Action)> = plan
        .steps
        .iter()
        .map(|s| (s.target.name().to_owned(), &s.action))
        .collect();
    assert_eq!(steps.len(), 1, "{steps:?}");
    let (name, action) = &steps[0];
    assert_eq!(name, "legacy-bi");
    let Action::UpdateTags { create, delete } = action else {
        panic!("not a tag step: {action:?}")
    };
    assert!(delete.is_empty(), "{delete:?}");
    // The ownership tag, and the record of the apply (`plan::record`).
    let created: Vec<(&str, &str)> = create
        .iter()
        .filter(|t| t.key != crate::plan::APPLIED_TAG_KEY)
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    assert_eq!(created, [("managed-by", "dwsctl")]);
}

#[test]
fn what_a_spec_cannot_hold_is_listed_not_dropped() {
    let mut deleting = live_cluster("going-away", 3);
    deleting.status = "DELETING".into();
    let mut failed = live_snapshot("broken-snap", "id-keep");
    failed.status = "FAILED".into();
    let mut auto = live_snapshot("auto-1", "id-keep");
    auto.kind = Some("AUTO".into());
    let world = live(
        vec![
            live_cluster("twin", 3),
            live_cluster("twin", 3),
            deleting,
            live_cluster("keep", 3),
        ],
        vec![
            failed,
            auto,
            live_snapshot("orphan-snap", "id-deleted-long-ago"),
            live_snapshot("good-snap", "id-keep"),
        ],
    );
    let export = export(&world, &[]).expect("export");
    let names: Vec<&str> = export.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["keep"]);
    let snaps: Vec<&str> = export.clusters[0]
        .snapshots
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        snaps,
        ["good-snap"],
        "automated snapshots are the policy's, not the spec's"
    );
    let skipped = export.skipped.join("\n");
    for needle in [
        "cluster \"going-away\": it is \"DELETING\"",
        "snapshot \"broken-snap\" of \"keep\": it is \"FAILED\"",
        "snapshot \"orphan-snap\": its cluster no longer exists",
        "2 live clusters have this name",
    ] {
        assert!(skipped.contains(needle), "{needle:?} not in:\n{skipped}");
    }
    assert_eq!(export.skipped.len(), 5, "{skipped}");
    let text = super::super::yaml::render(&export);
    assert!(text.contains("# - snapshot \"orphan-snap\""), "{text}");
}

#[test]
fn only_the_named_clusters_and_an_unknown_name_is_an_error() {
    let world = live(
        vec![live_cluster("alpha", 3), live_cluster("beta", 3)],
        vec![],
    );
    let export = export(&world, &["beta".to_owned()]).expect("export");
    assert_eq!(export.clusters.len(), 1);
    assert_eq!(export.clusters[0].name, "beta");
    let err = super::export(&world, &["gamma".to_owned()]).expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "no cluster is named \"gamma\" (the project has 2 clusters)"
    );
}

#[test]
fn another_tools_ownership_tag_is_named_and_reserved_tags_stay_out() {
    let mut c = unowned("tf-managed", 3);
    c.tags.push(tag("managed-by", "terraform"));
    c.tags.push(tag("dwsctl-lease", "run-1"));
    let export = export(&live(vec![c], vec![]), &[]).expect("export");
    let c = &export.clusters[0];
    assert!(c.adopt);
    assert_eq!(c.tags.keys().collect::<Vec<_>>(), ["team"]);
    assert!(
        c.notes[0].contains("managed-by: \"terraform\""),
        "{:?}",
        c.notes
    );
}

#[test]
fn values_the_spec_refuses_are_exported_with_a_warning() {
    let mut c = unowned("bad-tags", 3);
    c.tags.push(tag("note", "has spaces, and a comma"));
    let mut s = live_snapshot("s-with-quote", "id-bad-tags");
    s.description = Some("it's \"quoted\"".into());
    let export = export(&live(vec![c], vec![s]), &[]).expect("export");
    assert_eq!(export.warnings.len(), 2, "{:?}", export.warnings);
    assert!(
        export.warnings[0].contains("tag \"note\""),
        "{:?}",
        export.warnings
    );
    assert_eq!(
        export.clusters[0].snapshots[0].description.as_deref(),
        Some("it's \"quoted\"")
    );
}

#[test]
fn the_policy_read_for_a_cluster_becomes_its_automated_snapshots_block() {
    use crate::api::policy::{BackupStrategy, SnapshotPolicy};
    let strategy = |name: &str, cron: &str, kind: &str| BackupStrategy {
        policy_id: format!("id-{name}"),
        policy_name: name.into(),
        backup_strategy: cron.into(),
        backup_type: kind.into(),
        ..BackupStrategy::default()
    };
    let mut world = live(vec![live_cluster("with-policy", 3)], vec![]);
    let reads = reads(&world, &[]).expect("reads");
    assert_eq!(reads.policies.iter().collect::<Vec<_>>(), ["with-policy"]);
    world.extras.policies.insert(
        "with-policy".into(),
        SnapshotPolicy {
            keep_day: Some(7),
            auto_backup: Some(true),
            backup_strategies: vec![
                strategy("weekly-full", "0 0 2 ? * 1", "full"),
                strategy("daily-inc", "0 0 3 * * ?", "increment"),
                strategy("x", "every day", "differential"),
                strategy("once-full", "2026-05-19T09:24:00", "full"),
            ],
            ..SnapshotPolicy::default()
        },
    );
    let export = export(&world, &[]).expect("export");
    let block = export.clusters[0]
        .automated_snapshots
        .as_ref()
        .expect("block");
    assert_eq!(block.enabled, Some(true));
    assert_eq!(block.keep_days, Some(7));
    let names: Vec<&str> = block.policies.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(names, ["daily-inc", "weekly-full", "x"]);
    assert_eq!(export.warnings.len(), 3, "{:?}", export.warnings);
    // A one-time strategy is listed with why and what to do, not exported as a schedule.
    assert_eq!(export.skipped.len(), 1, "{:?}", export.skipped);
    assert!(
        export.skipped[0].starts_with(
            "cluster \"with-policy\", automated-snapshot policy \"once-full\": strategy \
             \"2026-05-19T09:24:00\" is a one-time snapshot"
        ),
        "{:?}",
        export.skipped
    );
    let text = super::super::yaml::render(&export);
    assert!(
        text.contains(
            "    automated_snapshots:\n      enabled: true\n      keep_days: 7\n      policies:\n        \
             daily-inc:\n          schedule: \"0 0 3 * * ?\"\n          type: increment\n"
        ),
        "{text}"
    );
}

#[test]
fn reads_name_an_unknown_cluster_and_skip_those_not_exported() {
    let mut deleting = live_cluster("going", 3);
    deleting.status = "DELETING".into();
    let world = live(vec![deleting, live_cluster("staying", 3)], vec![]);
    let reads = reads(&world, &[]).expect("reads");
    assert_eq!(reads.policies.iter().collect::<Vec<_>>(), ["staying"]);
    assert_eq!(reads.coordinators, reads.policies);
    assert_eq!(reads.details, reads.policies);
    assert!(super::reads(&world, &["nope".to_owned()]).is_err());
}

fn cn_list(count: usize) -> crate::api::ops::CoordinatorList {
    crate::api::ops::CoordinatorList {
        min_num: 2,
        max_num: 5,
        instances: (1..=count)
            .map(|i| crate::api::ops::CoordinatorNode {
                id: format!("cn-{i}"),
                name: format!("cn-{i}"),
                private_ip: String::new(),
            })
            .collect(),
    }
}

#[test]
fn a_stopped_cluster_and_its_cn_count_plan_as_the_adoption_only() {
    let mut sleeping = unowned("sleeping", 6);
    sleeping.status = "STOPPED".into();
    let mut world = live(vec![sleeping, unowned("awake", 3)], vec![]);
    world
        .extras
        .coordinators
        .insert("sleeping".into(), cn_list(4));
    world.extras.coordinators.insert("awake".into(), cn_list(3));
    let export = export(&world, &[]).expect("export");
    let facts: Vec<(&str, bool, Option<u32>)> = export
        .clusters
        .iter()
        .map(|c| (c.name.as_str(), c.stopped, c.number_of_cn))
        .collect();
    assert_eq!(
        facts,
        [("awake", false, Some(3)), ("sleeping", true, Some(4))]
    );
    let text = super::super::yaml::render(&export);
    assert_eq!(text.matches("power:").count(), 1, "{text}");
    assert!(
        text.contains("    number_of_cn: 4\n    power: stopped\n"),
        "{text}"
    );
    let loaded = load(&export);
    let plan = crate::plan::diff(&loaded.desired, &world, &loaded.digest);
    let steps: Vec<(&str, &Action)> = plan
        .steps
        .iter()
        .map(|s| (s.target.name(), &s.action))
        .collect();
    assert_eq!(steps.len(), 2, "{steps:?}");
    for (name, action) in steps {
        assert!(
            matches!(action, Action::UpdateTags { .. }),
            "{name}: not the adoption: {action:?}"
        );
    }
}

#[test]
fn a_cn_count_the_spec_refuses_is_exported_with_a_warning() {
    let mut world = live(vec![live_cluster("tiny", 3)], vec![]);
    world.extras.coordinators.insert("tiny".into(), cn_list(1));
    let export = export(&world, &[]).expect("export");
    assert_eq!(export.clusters[0].number_of_cn, Some(1));
    assert_eq!(export.warnings.len(), 1, "{:?}", export.warnings);
    assert!(
        export.warnings[0] == "cluster \"tiny\": number_of_cn is 1, outside 2 to 3",
        "{:?}",
        export.warnings
    );
}

#[test]
fn the_description_read_from_the_detail_is_exported_and_plans_as_nothing_more() {
    let mut world = live(vec![unowned("described", 3), unowned("plain", 3)], vec![]);
    for (name, text) in [("described", "Sales: \"Q1\" \u{1b}[2J"), ("plain", "")] {
        let mut detail = unowned(name, 3);
        detail.cluster_description_info = Some(text.to_owned());
        world.extras.details.insert(name.to_owned(), detail);
    }
    let export = export(&world, &[]).expect("export");
    let descriptions: Vec<Option<&str>> = export
        .clusters
        .iter()
        .map(|c| c.description.as_deref())
        .collect();
    assert_eq!(descriptions, [Some("Sales: \"Q1\" \u{1b}[2J"), None]);
    // The quote is one the API refuses: exported as found, with a warning.
    assert_eq!(export.warnings.len(), 1, "{:?}", export.warnings);
    assert!(
        export.warnings[0].starts_with("cluster \"described\": cluster_description has"),
        "{:?}",
        export.warnings
    );
    let text = super::super::yaml::render(&export);
    assert!(
        text.contains("    description: \"Sales: \\\"Q1\\\" \\x1B[2J\"\n"),
        "{text}"
    );
    assert_eq!(text.matches("description:").count(), 1, "{text}");
}

#[test]
fn an_exported_description_plans_as_the_adoption_only() {
    let mut world = live(vec![unowned("described", 3)], vec![]);
    let mut detail = unowned("described", 3);
    detail.cluster_description_info = Some("Sales warehouse".to_owned());
    world.extras.details.insert("described".to_owned(), detail);
    let export = export(&world, &[]).expect("export");
    let loaded = load(&export);
    assert_eq!(
        loaded.desired.clusters["described"].description.as_deref(),
        Some("Sales warehouse")
    );
    let plan = crate::plan::diff(&loaded.desired, &world, &loaded.digest);
    let actions: Vec<&Action> = plan.steps.iter().map(|s| &s.action).collect();
    assert!(
        matches!(actions.as_slice(), [Action::UpdateTags { .. }]),
        "{actions:?}"
    );
}
