//! The plan as GitHub-flavoured markdown, for review on a pull request or in a job summary
//! (`plan --format markdown`; `GITHUB_STEP_SUMMARY`): a heading with the totals (the deferred
//! steps too, as the text summary says them), a table of step counts per cluster, the text
//! summary's lines naming what drifted (per cause), the plan hash, and one collapsible
//! `<details>` section per cluster holding that cluster's steps as the text plan shows them
//! (a deferred step with its `window: deferred until …` line). Blocked steps come first: the
//! clusters that have one head the table and the sections, their sections are open, and
//! within a section the blocked steps lead.
//!
//! Names come from the spec and the live listing, so nothing from them is laid into markdown
//! as it is: in the table and the section titles each ASCII punctuation character is written
//! as a numeric character reference (`&#124;` for `|`), which markdown shows as that character
//! and never reads as syntax, so a `|` cannot split a table cell, a `<` cannot open HTML,
//! a backtick cannot open code; and they sit inside `<code>`, where GitHub links no
//! `@mention`. The step blocks are fenced code, whose fence is longer than any run of
//! backticks inside. Secrets are never in a plan, only references, and the text plan shows a
//! secret field as `(sensitive)`.

use std::fmt::Write as _;

use crate::plan::{Kind, Plan, Step, Summary, Target};
use crate::term::escape;

use super::text::{blocks, fields_by_cause, TextOptions, CAUSE_LINES};

/// What to put in the markdown besides the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// `sha256:<hex>`, shown under the table.
    pub plan_hash: String,
    /// The per-cluster sections; without them, only the heading, the table and the hash
    /// (for a job summary that would be over GitHub's size limit).
    pub details: bool,
}

/// Renders a plan as markdown.
pub fn markdown(plan: &Plan, options: &MarkdownOptions) -> String {
    let mut out = String::new();
    let total = plan.summary();
    let _ = writeln!(out, "### dwsctl plan: {}\n", totals(&total));
    let clusters = clusters(plan);
    if clusters.is_empty() {
        out.push_str("No changes. The live state matches the spec.\n\n");
    } else {
        write_table(&mut out, &clusters, &total);
    }
    if total.blocked > 0 {
        out.push_str(
            "**Blocked:** apply refuses this plan while a step is blocked; see each blocked \
             step's procedure.\n\n",
        );
    }
    write_causes(&mut out, plan);
    // The hash is dwsctl's own `sha256:<hex>`: nothing in it to escape.
    let _ = writeln!(out, "plan-hash: `{}`\n", options.plan_hash);
    if !options.details {
        if !clusters.is_empty() {
            out.push_str("_The steps are left out here; the job log has the whole plan._\n");
        }
        return out;
    }
    for cluster in &clusters {
        write_section(&mut out, cluster);
    }
    out
}

/// One cluster's steps (its own and its snapshots'), blocked ones first.
struct ClusterSteps<'a> {
    name: &'a str,
    steps: Vec<&'a Step>,
    counts: Summary,
}

/// The clusters in plan order, those with a blocked step first; each with its steps in plan
/// order, blocked ones first.
fn clusters(plan: &Plan) -> Vec<ClusterSteps<'_>> {
    let mut names: Vec<&str> = Vec::new();
    for step in &plan.steps {
        if !names.contains(&step.target.cluster()) {
            names.push(step.target.cluster());
        }
    }
    let mut clusters: Vec<ClusterSteps<'_>> = names
        .into_iter()
        .map(|name| {
            let mut steps: Vec<&Step> = plan
                .steps
                .iter()
                .filter(|s| s.target.cluster() == name)
                .collect();
            // A stable sort: plan order within each group.
            steps.sort_by_key(|s| s.action.kind() != Kind::Blocked);
            let counts = Summary::of(steps.iter().copied());
            ClusterSteps {
                name,
                steps,
                counts,
            }
        })
        .collect();
    clusters.sort_by_key(|c| c.counts.blocked == 0);
    clusters
}

/// `2 to create, 1 to update (1 deferred until <time>), 1 blocked`: the non-zero counts, the
/// deferred steps with the updates as the text summary says them, or `no changes`.
fn totals(counts: &Summary) -> String {
    let deferral = counts
        .deferral()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let parts: Vec<String> = [
        (counts.blocked, "blocked", String::new()),
        (counts.create, "to create", String::new()),
        (counts.update, "to update", deferral),
        (counts.delete, "to delete", String::new()),
        (counts.wait, "to wait for", String::new()),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, what, more)| format!("{n} {what}{more}"))
    .collect();
    if parts.is_empty() {
        "no changes".to_owned()
    } else {
        parts.join(", ")
    }
}

fn write_table(out: &mut String, clusters: &[ClusterSteps<'_>], total: &Summary) {
    out.push_str("| cluster | `!` blocked | `+` create | `~` update | `-` delete | `…` wait |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for cluster in clusters {
        let name = format!("<code>{}</code>", literal(cluster.name));
        write_row(out, &name, &cluster.counts);
    }
    if clusters.len() > 1 {
        write_row(out, "**total**", total);
    }
    out.push('\n');
}

fn write_row(out: &mut String, label: &str, c: &Summary) {
    let _ = writeln!(
        out,
        "| {label} | {} | {} | {} | {} | {} |",
        c.blocked, c.create, c.update, c.delete, c.wait
    );
}

/// The text summary's cause lines (what drifted, what conflicts, what has no record), one
/// paragraph each, names and fields as literal code.
fn write_causes(out: &mut String, plan: &Plan) {
    for (cause, label) in CAUSE_LINES {
        let by_target = fields_by_cause(plan, cause);
        if by_target.is_empty() {
            continue;
        }
        let parts: Vec<String> = by_target
            .iter()
            .map(|(target, fields)| {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|f| format!("<code>{}</code>", literal(f)))
                    .collect();
                format!("{}: {}", object(target), fields.join(", "))
            })
            .collect();
        // `Drift (changed outside dwsctl)`: the name in bold, the gloss as it is.
        let (name, gloss) = label.split_once(" (").unwrap_or((label, ""));
        let _ = writeln!(out, "**{name}** ({gloss}: {}.\n", parts.join("; "));
    }
}

fn object(target: &Target) -> String {
    match target {
        Target::Cluster { name } => format!("cluster <code>{}</code>", literal(name)),
        Target::Snapshot { name, cluster } => format!(
            "snapshot <code>{}</code> of cluster <code>{}</code>",
            literal(name),
            literal(cluster)
        ),
    }
}

fn write_section(out: &mut String, cluster: &ClusterSteps<'_>) {
    let open = if cluster.counts.blocked > 0 {
        " open"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<details{open}><summary>cluster <code>{}</code>: {}</summary>\n",
        literal(cluster.name),
        totals(&cluster.counts)
    );
    let body = blocks(&cluster.steps, &TextOptions::default());
    let body = body.trim_end_matches('\n');
    let fence = "`".repeat(longest_backtick_run(body).max(2) + 1);
    let _ = writeln!(out, "{fence}text\n{body}\n{fence}\n\n</details>\n");
}

/// `text` with control characters escaped as the terminal output does, and every ASCII
/// punctuation character but `-` and `.` (common in names, and syntax only at the start of a
/// line, where these never are) as a numeric character reference.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape(text).chars() {
        if c.is_ascii_punctuation() && c != '-' && c != '.' {
            let _ = write!(out, "&#{};", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::diff;
    use crate::plan::testkit::{desired, desired_cluster, live, live_cluster};

    /// The markdown outside fenced code blocks: where markdown and HTML are read.
    fn outside_code(md: &str) -> String {
        let mut fence: Option<String> = None;
        let mut out = String::new();
        for line in md.lines() {
            match &fence {
                Some(f) if line == f => fence = None,
                Some(_) => {}
                None if line.starts_with("```") => {
                    fence = Some(line.chars().take_while(|&c| c == '`').collect());
                }
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        out
    }

    /// A cluster whose name and tags hold table pipes, HTML, backticks and a mention, next
    /// to a blocked one: the table keeps its columns, no HTML but dwsctl's own is outside
    /// code, and the blocked cluster comes first, open.
    #[test]
    fn hostile_names_and_values_stay_text() {
        let mut evil = desired_cluster("evil|<b>x</b>`@team`", 6);
        evil.tags
            .insert("note".into(), "a|b <script>alert(1)</script> ```".into());
        let mut unowned = live_cluster("plain", 3);
        unowned.tags.clear();
        let mut plan = diff(
            &desired(vec![evil, desired_cluster("plain", 3)]),
            &live(vec![unowned], vec![]),
            "d",
        );
        // A tag key added in the console is a field name from the cloud: the drift line
        // that names it is prose.
        if let Some(c) = plan.steps.iter_mut().flat_map(|s| &mut s.changes).next() {
            c.field = "tags.k|<img src=x>`@team`".into();
            c.cause = Some(crate::plan::Cause::Drift);
        }
        let md = markdown(
            &plan,
            &MarkdownOptions {
                plan_hash: format!("sha256:{}", "0".repeat(64)),
                details: true,
            },
        );
        let prose = outside_code(&md);
        assert!(prose.contains("**Drift**"), "{prose}");
        for tag in ["<script", "<b>", "<img", "@team", "`@"] {
            assert!(!prose.contains(tag), "{tag} outside code:\n{prose}");
        }
        for row in prose.lines().filter(|l| l.starts_with('|')) {
            assert_eq!(row.matches('|').count(), 7, "{row}");
        }
        let plain = md.find("<code>plain</code>").expect("plain listed");
        let evil = md.find("<code>evil").expect("evil listed");
        assert!(plain < evil, "the blocked cluster leads:\n{md}");
        assert!(md.contains("<details open><summary>cluster <code>plain</code>"));
        insta::assert_snapshot!(md);
    }

    /// A scale deferred until the window opens and a tag changed in the console: the heading
    /// and the cluster's title count the deferred step as the text summary does, the step
    /// shows its window line, and the drifted and conflicting fields are named.
    #[test]
    fn deferred_steps_and_drifted_fields_are_summed_up() {
        use crate::plan::{window, Cause};
        let mut spec = desired_cluster("dws-demo", 6);
        spec.tags.insert("env".into(), "prod".into());
        let mut plan = diff(
            &desired(vec![spec, desired_cluster("dws-new", 3)]),
            &live(vec![live_cluster("dws-demo", 3)], vec![]),
            "d",
        );
        let demo = plan
            .steps
            .iter_mut()
            .filter(|s| s.target.cluster() == "dws-demo");
        for c in demo.flat_map(|s| s.changes.iter_mut()) {
            match c.field.as_str() {
                "tags.env" => c.cause = Some(Cause::Drift),
                "number_of_node" => c.cause = Some(Cause::Conflict),
                _ => {}
            }
        }
        let windows = std::collections::BTreeMap::from([(
            "dws-demo".to_owned(),
            crate::api::wire::MaintainWindow {
                day: Some("Wed".into()),
                start_time: Some("22:00".into()),
                end_time: Some("02:00".into()),
            },
        )]);
        window::mark(
            &mut plan,
            &windows,
            time::macros::datetime!(2026-12-01 12:00 UTC),
        );
        let md = markdown(
            &plan,
            &MarkdownOptions {
                plan_hash: "sha256:ab".into(),
                details: true,
            },
        );
        let deferral = "(1 deferred until 2026-12-02T22:00:00Z)";
        assert!(md.starts_with(&format!(
            "### dwsctl plan: 1 to create, 3 to update {deferral}"
        )));
        assert!(md.contains(&format!(
            "<code>dws-demo</code>: 3 to update {deferral}</summary>"
        )));
        assert!(md.contains("window: deferred until 2026-12-02T22:00:00Z"));
        assert!(md.contains(
            "**Drift** (changed outside dwsctl): cluster <code>dws-demo</code>: <code>tags.env</code>."
        ));
        assert!(md.contains(
            "**Conflict** (changed in the spec and outside dwsctl): cluster \
             <code>dws-demo</code>: <code>number&#95;of&#95;node</code>."
        ));
        insta::assert_snapshot!(md);
    }

    #[test]
    fn no_changes_says_so_with_the_hash() {
        let plan = diff(
            &desired(vec![desired_cluster("c1", 3)]),
            &live(vec![live_cluster("c1", 3)], vec![]),
            "d",
        );
        let md = markdown(
            &plan,
            &MarkdownOptions {
                plan_hash: "sha256:ab".into(),
                details: true,
            },
        );
        assert_eq!(
            md,
            "### dwsctl plan: no changes\n\nNo changes. The live state matches the spec.\n\n\
             plan-hash: `sha256:ab`\n\n"
        );
    }

    #[test]
    fn literal_text_cannot_be_markdown_or_html() {
        assert_eq!(literal("dws-demo.1"), "dws-demo.1");
        assert_eq!(literal("a|b"), "a&#124;b");
        assert_eq!(
            literal("<img src=x>`@x`"),
            "&#60;img src&#61;x&#62;&#96;&#64;x&#96;"
        );
        assert_eq!(
            literal("*_[x](y)_*"),
            "&#42;&#95;&#91;x&#93;&#40;y&#41;&#95;&#42;"
        );
        // Control characters are escaped first, as on a terminal, and stay visible.
        assert!(!literal("a\nb\u{1b}[31m").contains(['\n', '\u{1b}']));
    }

    #[test]
    fn the_fence_outgrows_any_backtick_run() {
        assert_eq!(longest_backtick_run("a ``` b ````"), 4);
        assert_eq!(longest_backtick_run("none"), 0);
    }
}
