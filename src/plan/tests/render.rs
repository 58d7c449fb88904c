//! The renderers: JSON carries references and fingerprints, text keeps its meaning without
//! colour, multi-line values are diffed line by line, and fingerprints follow the chain.

use serde_json::json;

use crate::api::wire::Tag;
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{json as render_json, text, TextOptions};
use crate::secret::SecretRef;

fn busy_world() -> (crate::spec::Desired, crate::api::Live) {
    let mut d = desired_cluster("dws-demo", 6);
    d.password_version = Some("2".into());
    d.password = Some(SecretRef::FromEnv("DWS_PW_CANARY_NAME".into()));
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    (
        desired(vec![d, desired_cluster("dws-new", 3)]),
        live(vec![live_cluster("dws-demo", 3)], vec![]),
    )
}

#[test]
fn json_plan_is_versioned_and_carries_fingerprints_and_references_only() {
    let (d, l) = busy_world();
    let plan = diff(&d, &l, "digest");
    let text = render_json(&plan);
    assert!(text.contains("\"format_version\": 5"));
    assert!(text.contains("DWS_PW_CANARY_NAME"), "references are kept");
    insta::assert_snapshot!(text);
}

#[test]
fn json_plan_reads_back_as_the_same_plan() {
    let (d, l) = busy_world();
    let plan = diff(&d, &l, "digest");
    let back: Plan = serde_json::from_str(&render_json(&plan)).expect("decode");
    assert_eq!(back, plan);
}

#[test]
fn password_values_never_reach_the_plan() {
    std::env::set_var("DWS_PW_CANARY_VALUE", "canary-pw-5512");
    let (mut d, l) = busy_world();
    if let Some(c) = d.clusters.get_mut("dws-demo") {
        c.password = Some(SecretRef::FromEnv("DWS_PW_CANARY_VALUE".into()));
    }
    let plan = diff(&d, &l, "digest");
    for out in [
        render_json(&plan),
        text(&plan, &TextOptions::default()),
        format!("{plan:?}"),
    ] {
        assert!(!out.contains("canary-pw-5512"));
    }
    assert!(text(&plan, &TextOptions::default()).contains("= (sensitive)"));
}

#[test]
fn text_without_colour_has_no_escapes_and_colour_only_decorates() {
    let (d, l) = busy_world();
    let plan = diff(&d, &l, "digest");
    let plain = text(&plan, &TextOptions { color: false });
    let coloured = text(&plan, &TextOptions { color: true });
    assert!(!plain.contains('\u{1b}'));
    assert!(coloured.contains("\u{1b}[32m+\u{1b}[0m"));
    let stripped = coloured
        .replace("\u{1b}[32m", "")
        .replace("\u{1b}[33m", "")
        .replace("\u{1b}[31m", "")
        .replace("\u{1b}[1;31m", "")
        .replace("\u{1b}[36m", "")
        .replace("\u{1b}[0m", "");
    assert_eq!(stripped, plain);
}

#[test]
fn multi_line_values_are_diffed_line_by_line() {
    let plan = Plan {
        format_version: FORMAT_VERSION,
        spec_digest: "d".into(),
        steps: vec![Step {
            id: StepId("snapshot.s.blocked".into()),
            target: Target::Snapshot {
                name: "s".into(),
                cluster: "c".into(),
            },
            action: Action::Blocked(procedure::blocked("immutable_field", "why", "how")),
            changes: vec![FieldChange {
                field: "description".into(),
                old: Some(json!("line one\nline two\nline three")),
                new: Some(json!("line one\nline 2\nline three")),
                sensitive: false,
                cause: Some(Cause::Drift),
            }],
            reason: "why".into(),
            depends_on: vec![],
            fingerprint: Fingerprint::absent(),
            maintenance: None,
        }],
    };
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn chained_steps_carry_the_fingerprint_the_chain_leaves_behind() {
    let mut d = desired_cluster("dws-demo", 6);
    d.tags.insert("env".into(), "prod".into());
    let l = live(vec![live_cluster("dws-demo", 3)], vec![]);
    let plan = diff(&desired(vec![d]), &l, "digest");
    let [tags, scale, record] = &plan.steps[..] else {
        panic!("expected tags, scale, record: {plan:?}")
    };
    let target = Target::Cluster {
        name: "dws-demo".into(),
    };
    assert_eq!(tags.fingerprint, fingerprint(&target, &l));
    let mut after_tags = l.clone();
    after_tags.clusters[0].tags.push(Tag {
        key: "env".into(),
        value: "prod".into(),
    });
    assert_eq!(scale.fingerprint, fingerprint(&target, &after_tags));
    let mut after_scale = after_tags.clone();
    after_scale.clusters[0].number_of_node = 6;
    assert_eq!(record.fingerprint, fingerprint(&target, &after_scale));
}

#[test]
fn the_same_inputs_give_byte_identical_plans() {
    let (d, l) = busy_world();
    let first = render_json(&diff(&d, &l, "digest"));
    for _ in 0..20 {
        assert_eq!(render_json(&diff(&d, &l, "digest")), first);
    }
}

#[test]
fn names_statuses_and_values_from_the_cloud_are_escaped_in_the_text_plan() {
    const HOSTILE: &str = "\u{1b}[2J\u{1b}[H\nApply complete! 3 done.\u{9b}1m\u{202e}";
    let mut busy = live_cluster("dws-demo", 3);
    busy.status = format!("RESIZING{HOSTILE}");
    busy.task_status = Some(format!("GROWING{HOSTILE}"));
    busy.vpc_id = Some(format!("vpc{HOSTILE}"));
    let stranger = live_cluster(&format!("owned{HOSTILE}"), 3);
    let d = desired(vec![desired_cluster("dws-demo", 6)]);
    let plan = diff(&d, &live(vec![busy, stranger], vec![]), "digest");
    let out = text(&plan, &TextOptions { color: true });
    assert!(
        out.contains("\\u001b[2J"),
        "the hostile text is shown, escaped:\n{out}"
    );
    for line in out.lines() {
        assert!(!line.trim_start().starts_with("Apply complete"), "{out}");
        let without_colour = line
            .replace("\u{1b}[31m", "")
            .replace("\u{1b}[32m", "")
            .replace("\u{1b}[33m", "")
            .replace("\u{1b}[36m", "")
            .replace("\u{1b}[1;31m", "")
            .replace("\u{1b}[0m", "");
        assert!(
            !without_colour.chars().any(crate::term::is_unsafe),
            "{line:?}"
        );
    }
}

#[test]
fn every_step_carries_its_impact_in_json_and_text_and_reading_ignores_it() {
    let mut d = desired_cluster("dws-demo", 6);
    d.snapshots
        .insert("snap-1".into(), desired_snapshot("snap-1"));
    let mut gone = desired_cluster("dws-old", 3);
    gone.presence = crate::spec::Presence::Absent;
    let (d, l) = (
        desired(vec![d, desired_cluster("dws-new", 3), gone]),
        live(
            vec![live_cluster("dws-demo", 3), live_cluster("dws-old", 3)],
            vec![],
        ),
    );
    let plan = diff(&d, &l, "digest");
    let value: serde_json::Value = serde_json::from_str(&render_json(&plan)).expect("JSON");
    let steps = value["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), plan.steps.len());
    let mut seen = std::collections::BTreeSet::new();
    for (json, step) in steps.iter().zip(&plan.steps) {
        assert_eq!(
            json["impact"],
            json!(step.action.impact().as_str()),
            "{}",
            step.id
        );
        seen.insert(step.action.impact());
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec![Impact::Safe, Impact::Disruptive, Impact::Destructive],
        "the world exercises every class"
    );
    let scale = plan
        .steps
        .iter()
        .find(|s| matches!(s.action, Action::ScaleOut { .. }))
        .expect("a scale-out");
    assert_eq!(scale.action.impact(), Impact::Disruptive);
    let rendered = text(&plan, &TextOptions::default());
    assert_eq!(
        rendered.matches("      impact: ").count(),
        plan.steps.len(),
        "one impact line per step"
    );
    // A plan file whose `impact` disagrees with its action reads back as the action says.
    let tampered = render_json(&plan).replace("\"impact\": \"disruptive\"", "\"impact\": \"safe\"");
    let back: Plan = serde_json::from_str(&tampered).expect("decode");
    assert_eq!(back, plan);
}
