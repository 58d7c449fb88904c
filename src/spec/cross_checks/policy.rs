//! The `automated_snapshots` block: retention, policy names, schedules and types, checked
//! with the API's rules ([`crate::api::rules`]: snapshot_management/adding_a_snapshot_policy.rst
//! and querying_a_snapshot_policy.rst).

use std::collections::HashMap;

use super::super::error::Problem;
use super::super::raw::{RawAutomatedSnapshots, Spanned};
use super::super::read::suggest;
use super::super::value_checks;
use crate::api::rules::{self as api, Kind};

pub(super) fn automated_snapshots(
    block: &Spanned<RawAutomatedSnapshots>,
    problems: &mut Vec<Problem>,
) {
    let block = &block.value;
    disabled_with_policies(block, problems);
    if let Some(v) = &block.keep_days {
        let checked = api::keep_days(v.value);
        let why = " (the API keeps automated snapshots 1 to 31 days)";
        problems.extend(value_checks::api_number(checked, "keep_days", v, why));
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (i, p) in block.policies.iter().enumerate() {
        problems.extend(policy_name(&p.name, p.span));
        if let Some(first) = seen.insert(p.name.to_ascii_lowercase(), &p.name) {
            problems.push(
                Problem::new(
                    "policy_name",
                    p.span,
                    format!("policy `{}` is declared twice", p.name),
                )
                .label(format!("same name as `{first}` (names ignore case)"))
                .help("give each policy its own name"),
            );
        }
        if i == api::MAX_POLICIES {
            problems.push(
                Problem::new(
                    "policy_count",
                    p.span,
                    format!(
                        "{} policies; a cluster takes at most {}",
                        block.policies.len(),
                        api::MAX_POLICIES
                    ),
                )
                .label("one too many")
                .help(format!(
                    "keep at most {} policies (the API's limit of cluster-level policies)",
                    api::MAX_POLICIES
                )),
            );
        }
        let missing: Vec<&str> = [
            ("schedule", p.value.schedule.is_none()),
            ("type", p.value.r#type.is_none()),
        ]
        .into_iter()
        .filter_map(|(field, absent)| absent.then_some(field))
        .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            problems.push(
                Problem::new(
                    "missing_field",
                    p.span,
                    format!("policy `{}` lacks {list}", p.name),
                )
                .label("incomplete policy")
                .help("write e.g. `nightly: {schedule: \"0 0 2 ? * *\", type: full}`"),
            );
        }
        if let Some(v) = &p.value.schedule {
            problems.extend(schedule(v));
        }
        if let Some(v) = &p.value.r#type {
            problems.extend(policy_type(v));
        }
    }
}

/// `enabled: false` means "no strategy at all" (the API turns automated snapshots off only by
/// deleting every strategy, see `plan::policy`), so listing policies with it is a contradiction.
fn disabled_with_policies(block: &RawAutomatedSnapshots, problems: &mut Vec<Problem>) {
    if !block.enabled.as_ref().is_some_and(|e| !e.value) {
        return;
    }
    let Some(first) = block.policies.first() else {
        return;
    };
    problems.push(
        Problem::new(
            "policies_while_disabled",
            first.span,
            format!(
                "`enabled: false` deletes every policy, yet {} listed",
                match block.policies.len() {
                    1 => "one is".to_owned(),
                    n => format!("{n} are"),
                }
            ),
        )
        .label("a policy of a block with `enabled: false`")
        .help("remove the policies, or set `enabled: true`"),
    );
}

fn policy_name(name: &str, span: super::super::error::Span) -> Option<Problem> {
    let v = api::policy_name(name).err()?;
    let (min, max) = api::POLICY_NAME_LEN;
    let (message, label) = match &v.kind {
        Kind::Length { len, .. } => (
            format!("policy name `{name}` has {len} characters"),
            format!("must be {min}–{max} characters"),
        ),
        Kind::FirstChar => (
            format!("policy name `{name}` does not start with a letter"),
            "must start with a letter".to_owned(),
        ),
        _ => (
            format!(
                "policy name `{name}` has characters other than ASCII letters, digits, `-` and `_`"
            ),
            "invalid character".to_owned(),
        ),
    };
    Some(
        Problem::new(v.rule(), span, message)
            .label(label)
            .help(format!(
                "use {min}–{max} characters: a letter first, then letters, digits, `-` or `_`"
            )),
    )
}

fn schedule(v: &Spanned<String>) -> Option<Problem> {
    let violation = api::policy_schedule(&v.value).err()?;
    let Kind::Schedule { why } = &violation.kind else {
        return Some(Problem::new(violation.rule(), v.span, violation.message()));
    };
    Some(
        Problem::new(violation.rule(), v.span, format!("schedule `{}` {why}", v.value))
            .label("not the API's cron form")
            .help("write second minute hour day-of-month month day-of-week, with `?` in one day field: `0 0 2 ? * *` is 02:00 every day, `0 0 2 ? * 1` 02:00 on Sundays"),
    )
}

fn policy_type(v: &Spanned<String>) -> Option<Problem> {
    let violation = api::policy_type(&v.value).err()?;
    let help = suggest(&v.value, api::POLICY_TYPES)
        .unwrap_or_else(|| "write `full` or `increment`".to_owned());
    Some(
        Problem::new(
            violation.rule(),
            v.span,
            format!("`{}` is not a backup type", v.value),
        )
        .label("`full` or `increment`")
        .help(help),
    )
}
