//! The plan as text for reviewers: Terraform's vocabulary (`+` create, `~` update, `-` delete,
//! `!` blocked, and `…` for a wait on an operation already running), one block per object,
//! field-level `old -> new`, a reason per step, and a summary line.
//!
//! The symbols carry the meaning; colour only decorates them and is off unless asked for, so
//! the output reads the same under `NO_COLOR`, in CI logs and in snapshot tests. Step ids,
//! reasons and values can hold names and statuses from the live listing: each is escaped
//! ([`crate::term::escape`]) before it is laid into a line.

use std::fmt::Write as _;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::plan::{Action, Cause, FieldChange, Kind, Plan, Step, TagKv, Target, APPLIED_TAG_KEY};
use crate::term::escape;

/// How to render text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Colour the symbols with ANSI escapes.
    pub color: bool,
}

/// Renders a plan for people.
pub fn text(plan: &Plan, options: &TextOptions) -> String {
    if plan.is_empty() {
        return "No changes. The live state matches the spec.\n".to_owned();
    }
    let steps: Vec<&Step> = plan.steps.iter().collect();
    let mut out = blocks(&steps, options);
    let s = plan.summary();
    // Deferred steps are updates (only disruptive steps wait for a window): said with them.
    let deferral = s.deferral().map(|d| format!(" ({d})")).unwrap_or_default();
    let _ = write!(
        out,
        "Plan: {} to create, {} to update{deferral}, {} to delete, {} blocked.",
        s.create, s.update, s.delete, s.blocked
    );
    if s.wait > 0 {
        let _ = write!(out, " {} to wait for.", s.wait);
    }
    out.push('\n');
    for (cause, label) in CAUSE_LINES {
        write_causes(&mut out, plan, cause, label);
    }
    out
}

/// The causes a summary names the fields of (a nightly drift check says what drifted), with
/// their labels; `spec` is what a plan is for and needs no line.
pub(super) const CAUSE_LINES: [(Cause, &str); 3] = [
    (Cause::Drift, "Drift (changed outside dwsctl)"),
    (
        Cause::Conflict,
        "Conflict (changed in the spec and outside dwsctl)",
    ),
    (
        Cause::Unknown,
        "Unknown cause (no record of the last apply)",
    ),
];

/// One block per target, in the order the targets first appear in `steps`, each with its
/// steps in their order: the body of [`text`], and what `--format markdown` shows per cluster.
pub fn blocks(steps: &[&Step], options: &TextOptions) -> String {
    let mut out = String::new();
    let mut targets: Vec<&Target> = Vec::new();
    for step in steps {
        if !targets.contains(&&step.target) {
            targets.push(&step.target);
        }
    }
    for target in targets {
        out.push_str(&heading(target));
        out.push('\n');
        for step in steps.iter().filter(|s| &s.target == target) {
            write_step(&mut out, step, options);
        }
        out.push('\n');
    }
    out
}

/// The fields whose changes have `cause`, by object, in plan order, each once.
pub(super) fn fields_by_cause(plan: &Plan, cause: Cause) -> Vec<(&Target, Vec<&str>)> {
    let mut by_target: Vec<(&Target, Vec<&str>)> = Vec::new();
    for step in &plan.steps {
        for change in step.changes.iter().filter(|c| c.cause == Some(cause)) {
            match by_target.iter_mut().find(|(t, _)| *t == &step.target) {
                Some((_, fields)) if fields.contains(&change.field.as_str()) => {}
                Some((_, fields)) => fields.push(&change.field),
                None => by_target.push((&step.target, vec![&change.field])),
            }
        }
    }
    by_target
}

/// One line naming the fields whose changes have `cause`, by object, for a nightly drift
/// check to say what drifted; nothing when none has.
fn write_causes(out: &mut String, plan: &Plan, cause: Cause, label: &str) {
    let by_target = fields_by_cause(plan, cause);
    if by_target.is_empty() {
        return;
    }
    let parts: Vec<String> = by_target
        .iter()
        .map(|(target, fields)| format!("{}: {}", heading(target), fields.join(", ")))
        .collect();
    let _ = writeln!(out, "{label}: {}.", escape(&parts.join("; ")));
}

fn heading(target: &Target) -> String {
    match target {
        Target::Cluster { name } => format!("cluster {name:?}"),
        Target::Snapshot { name, cluster } => format!("snapshot {name:?} of cluster {cluster:?}"),
    }
}

fn symbol(kind: Kind) -> &'static str {
    match kind {
        Kind::Create => "+",
        Kind::Update => "~",
        Kind::Delete => "-",
        Kind::Blocked => "!",
        Kind::Wait => "…",
    }
}

fn paint(symbol: &str, kind: Kind, options: &TextOptions) -> String {
    if !options.color {
        return symbol.to_owned();
    }
    let code = match kind {
        Kind::Create => "32",
        Kind::Update => "33",
        Kind::Delete => "31",
        Kind::Blocked => "1;31",
        Kind::Wait => "36",
    };
    format!("\u{1b}[{code}m{symbol}\u{1b}[0m")
}

fn describe(action: &Action) -> String {
    match action {
        Action::CreateCluster(_) | Action::CreateSnapshot { .. } => "create".to_owned(),
        Action::RestoreCluster(p) => format!("restore from snapshot {:?}", p.snapshot),
        Action::ScaleOut { count, .. } => format!("scale out by {count} (resize)"),
        Action::ScaleIn { count, .. } => format!("scale in by {count} (cluster-shrink)"),
        Action::ResetPassword { .. } => "reset password".to_owned(),
        Action::UpdateTags { create, delete } if only_record(create, delete) => {
            "record the apply (update tags)".to_owned()
        }
        Action::UpdateTags { .. } => "update tags".to_owned(),
        Action::DeleteSnapshot => "delete".to_owned(),
        Action::DeleteCluster {
            keep_last_manual_snapshot,
        } => format!("delete (keep_last_manual_snapshot = {keep_last_manual_snapshot})"),
        Action::Wait {
            status,
            task_status: Some(task),
        } => format!("wait: {status}, task {task}"),
        Action::Wait { status, .. } => format!("wait: {status}"),
        Action::Blocked(b) => format!("blocked: {}", b.rule),
        Action::SetSecurityGroup { .. } => "modify security group (security-group)".to_owned(),
        Action::UnbindEip { eip_id } => format!("unbind EIP {eip_id}"),
        Action::BindEip { eip_id } => format!("bind EIP {eip_id}"),
        Action::StartCluster => "start (POST …/start)".to_owned(),
        Action::StopCluster => "stop (POST …/stop)".to_owned(),
        Action::AddCoordinators { total, from } => {
            format!("add {} CNs (cns/batch-create)", total.saturating_sub(*from))
        }
        Action::DeleteCoordinators { ids, .. } => {
            format!("delete {} CNs (cns/batch-delete)", ids.len())
        }
        Action::SetSnapshotPolicy { .. } => "set automated-snapshot policy".to_owned(),
        Action::RenameCluster { new_name } => format!("rename to {new_name:?} (cluster-name)"),
        Action::SetDescription { .. } => "modify description (description)".to_owned(),
    }
}

/// Whether a tag step only writes the record of the apply (`plan::record`).
fn only_record(create: &[TagKv], delete: &[TagKv]) -> bool {
    !create.is_empty()
        && create
            .iter()
            .chain(delete)
            .all(|t| t.key == APPLIED_TAG_KEY)
}

fn write_step(out: &mut String, step: &Step, options: &TextOptions) {
    let kind = step.action.kind();
    let _ = writeln!(
        out,
        "  {} {}  [{}]",
        paint(symbol(kind), kind, options),
        escape(&describe(&step.action)),
        escape(&step.id.0)
    );
    write_wrapped(out, "reason: ", &step.reason);
    let _ = writeln!(out, "      impact: {}", step.action.impact().as_str());
    if let Some(maintenance) = &step.maintenance {
        let _ = writeln!(out, "      window: {}", escape(&maintenance.describe()));
    }
    if !step.depends_on.is_empty() {
        let after: Vec<_> = step.depends_on.iter().map(|d| escape(&d.0)).collect();
        let _ = writeln!(out, "      after: {}", after.join(", "));
    }
    let width = step
        .changes
        .iter()
        .map(|c| c.field.chars().count())
        .max()
        .unwrap_or(0);
    for change in &step.changes {
        write_change(out, change, width, kind, options);
    }
    if let Action::Blocked(b) = &step.action {
        write_wrapped(out, "procedure: ", &b.procedure);
    }
}

/// Text wider than this is wrapped at word boundaries, so that reasons and procedures stay
/// readable in terminals and CI logs.
const WIDTH: usize = 100;
const INDENT: &str = "      ";

fn write_wrapped(out: &mut String, label: &str, text: &str) {
    let mut line = format!("{INDENT}{label}");
    let mut empty = true;
    for word in escape(text).split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = format!("{INDENT}  {word}");
            continue;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

fn write_change(
    out: &mut String,
    c: &FieldChange,
    width: usize,
    step: Kind,
    options: &TextOptions,
) {
    let field = format!("{:width$}", c.field);
    let why = cause(c);
    if c.sensitive {
        // A secret is set when the step creates, and changed otherwise; never shown.
        let (sym, kind) = match step {
            Kind::Create => ("+", Kind::Create),
            _ => ("~", Kind::Update),
        };
        let _ = writeln!(
            out,
            "{INDENT}{} {field} = (sensitive){why}",
            paint(sym, kind, options)
        );
        return;
    }
    match (&c.old, &c.new) {
        (Some(old), Some(new)) if old == new => {
            let _ = writeln!(out, "        {field} = {}", value(old));
        }
        (Some(Value::String(old)), Some(Value::String(new)))
            if old.contains('\n') || new.contains('\n') =>
        {
            let _ = writeln!(
                out,
                "      {} {field}:{why}",
                paint("~", Kind::Update, options)
            );
            for line in TextDiff::from_lines(old.as_str(), new.as_str()).iter_all_changes() {
                let (sym, kind) = match line.tag() {
                    ChangeTag::Delete => ("-", Some(Kind::Delete)),
                    ChangeTag::Insert => ("+", Some(Kind::Create)),
                    ChangeTag::Equal => (" ", None),
                };
                let sym = kind.map_or_else(|| sym.to_owned(), |k| paint(sym, k, options));
                let _ = writeln!(
                    out,
                    "          {sym} {}",
                    escape(line.value().trim_end_matches('\n'))
                );
            }
        }
        (Some(old), Some(new)) => {
            let sym = paint("~", Kind::Update, options);
            let _ = writeln!(
                out,
                "      {sym} {field} = {} -> {}{why}",
                value(old),
                value(new)
            );
        }
        (None, Some(new)) => {
            let sym = paint("+", Kind::Create, options);
            let _ = writeln!(out, "      {sym} {field} = {}{why}", value(new));
        }
        (Some(old), None) => {
            let sym = paint("-", Kind::Delete, options);
            let _ = writeln!(out, "      {sym} {field} = {}{why}", value(old));
        }
        (None, None) => {
            let _ = writeln!(out, "        {field}{why}");
        }
    }
}

/// A change's cause after its value, `  (drift)`; nothing for a change that has none.
fn cause(c: &FieldChange) -> String {
    c.cause
        .map(|cause| format!("  ({})", cause.as_str()))
        .unwrap_or_default()
}

/// A value as compact JSON (strings quoted, so that `""` and `null` stay distinguishable).
fn value(v: &Value) -> String {
    escape(&v.to_string()).into_owned()
}
