//! The API's rules for single values (vendor API reference: creating_a_cluster.rst,
//! creating_a_snapshot.rst,
//! adding_tags_in_batches.rst), checked offline.
//!
//! The rules themselves live in [`crate::api::rules`], shared with the simulator so that a
//! spec that validates here is accepted there (and by every documented version of the API:
//! where the vendor's pages conflict, the stricter rule wins); this module turns their
//! violations into located diagnostics with fixes, and adds dwsctl's own rules (reserved tags,
//! id and zone shapes).

use super::error::{Problem, Span};
use super::raw::Spanned;
use crate::api::rules::{self as api, Field, Kind, RuleViolation};
use crate::api::tags::{RESERVED_TAG_KEYS, RESERVED_TAG_PREFIX};

/// Tag slots dwsctl keeps for itself on every cluster it manages (ownership, password
/// version, and the lease a run holds while it changes the cluster).
pub const OWN_TAGS: usize = RESERVED_TAG_KEYS.len();
/// Tags per cluster the API allows (README, "Choices where the API's documentation disagrees").
pub const MAX_TAGS: usize = api::MAX_TAGS;

fn chars_ok(s: &str, extra: &[char]) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// Cluster names (creating_a_cluster.rst) and snapshot names (creating_a_snapshot.rst) share a
/// rule: 4–64 characters, starting with
/// a letter; letters, digits, `-` and `_`. `field` is [`Field::ClusterName`] or
/// [`Field::SnapshotName`].
pub fn object_name(field: Field, name: &str, span: Span) -> Option<Problem> {
    let (kind, checked) = if field == Field::SnapshotName {
        ("snapshot", api::snapshot_name(name))
    } else {
        ("cluster", api::cluster_name(name))
    };
    let v = checked.err()?;
    let fix = "use 4–64 characters: a letter first, then letters, digits, `-` or `_`";
    let (message, label) = match &v.kind {
        Kind::Length { len, min, max } => (
            format!("{kind} name `{name}` has {len} characters"),
            format!("must be {min}–{max} characters"),
        ),
        Kind::FirstChar => (
            format!("{kind} name `{name}` does not start with a letter"),
            "must start with a letter".to_owned(),
        ),
        _ => (
            format!("{kind} name `{name}` has characters other than letters, digits, `-` and `_`"),
            "invalid character".to_owned(),
        ),
    };
    Some(Problem::new(v.rule(), span, message).label(label).help(fix))
}

pub fn user_name(v: &Spanned<String>) -> Option<Problem> {
    let name = v.value.as_str();
    let violation = api::user_name(name).err()?;
    let (message, label, help) = match &violation.kind {
        Kind::Length { len, min, max } => (
            format!("user name has {len} characters"),
            format!("must be {min}–{max} characters"),
            "use a shorter name such as `dbadmin`".to_owned(),
        ),
        Kind::FirstChar => (
            format!("user name `{name}` must start with a lowercase letter or `_`"),
            "invalid first character".to_owned(),
            format!(
                "for example `{}`",
                name.to_ascii_lowercase()
                    .trim_start_matches(|c: char| c.is_ascii_digit())
            ),
        ),
        Kind::Reserved => (
            format!("user name `{name}` is a reserved database keyword"),
            "reserved keyword".to_owned(),
            format!("choose another name, e.g. `{name}_admin` or `dbadmin`"),
        ),
        _ => (
            format!("user name `{name}` may only contain lowercase letters, digits and `_`"),
            "invalid character".to_owned(),
            format!(
                "for example `{}`",
                name.to_ascii_lowercase()
                    .replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_")
            ),
        ),
    };
    Some(
        Problem::new(violation.rule(), v.span, message)
            .label(label)
            .help(help),
    )
}

/// A number the API bounds (`port`, `number_of_node`, `number_of_cn`): the shared rule's
/// verdict as a diagnostic on `field`; `why` ends the fix.
pub fn api_number(
    checked: Result<(), RuleViolation>,
    field: &str,
    v: &Spanned<i64>,
    why: &str,
) -> Option<Problem> {
    let violation = checked.err()?;
    match violation.kind {
        Kind::Range { min, max, .. } => range(violation.rule(), field, v, min, max, why),
        _ => Some(Problem::new(violation.rule(), v.span, violation.message())),
    }
}

pub fn range(
    rule: &'static str,
    field: &str,
    v: &Spanned<i64>,
    min: i64,
    max: i64,
    why: &str,
) -> Option<Problem> {
    if (min..=max).contains(&v.value) {
        return None;
    }
    Some(
        Problem::new(
            rule,
            v.span,
            format!("`{field}` is {}, outside {min}–{max}", v.value),
        )
        .label(format!("must be {min}–{max}"))
        .help(format!("set `{field}` between {min} and {max}{why}")),
    )
}

pub fn node_type(v: &Spanned<String>) -> Option<Problem> {
    let ok = !v.value.is_empty() && v.value.len() <= 64 && chars_ok(&v.value, &['.', '_', '-']);
    (!ok).then(|| {
        Problem::new(
            "node_type",
            v.span,
            format!("`{}` is not a node type name", v.value),
        )
        .label("letters, digits, `.`, `_`, `-`")
        .help("use a flavor's spec_name, e.g. `dws.d1.xlarge` (see the cloud's node types)")
    })
}

/// VPC, subnet, security group, EIP and enterprise project ids.
pub fn resource_id(field: &str, v: &Spanned<String>) -> Option<Problem> {
    let ok = !v.value.is_empty() && v.value.len() <= 64 && chars_ok(&v.value, &['-', '_']);
    (!ok).then(|| {
        Problem::new("resource_id", v.span, format!("`{field}` `{}` is not a resource id", v.value))
            .label("1–64 letters, digits, `-` or `_`")
            .help(format!("copy the id from the cloud console, e.g. `{field}: 219ab8a0-1272-4049-a383-8ad0b770fa11`"))
    })
}

pub fn availability_zone(v: &Spanned<String>) -> Option<Problem> {
    let ok = !v.value.is_empty() && v.value.len() <= 64 && chars_ok(&v.value, &['-', '_', '.']);
    (!ok).then(|| {
        Problem::new(
            "availability_zone",
            v.span,
            format!("`{}` is not an availability zone", v.value),
        )
        .label("letters, digits, `-`, `_`")
        .help("write the zone's code, e.g. `eu-de-01`, or leave it out to let the cloud choose")
    })
}

pub fn description(v: &Spanned<String>) -> Option<Problem> {
    described("snapshot", api::snapshot_description(&v.value).err()?, v)
}

/// A cluster's description: the snapshot description's rule, the stricter choice where the
/// cluster's page gives none ([`api::cluster_description`], shared with the simulator).
pub fn cluster_description(v: &Spanned<String>) -> Option<Problem> {
    described("cluster", api::cluster_description(&v.value).err()?, v)
}

fn described(what: &str, violation: RuleViolation, v: &Spanned<String>) -> Option<Problem> {
    let rule = violation.rule();
    Some(match violation.kind {
        Kind::Chars { found } => Problem::new(
            rule,
            v.span,
            format!("{what} description contains `{found}`"),
        )
        .label("none of ! < > ' = & \" allowed")
        .help("remove the characters ! < > ' = & \" from the description"),
        _ => Problem::new(
            rule,
            v.span,
            format!(
                "{what} description has {} characters",
                v.value.chars().count()
            ),
        )
        .label(format!("at most {}", api::MAX_DESCRIPTION))
        .help("shorten the description"),
    })
}

/// A tag key: the API's rule (ASCII letters, digits, `-`, `_`; see [`api::tag_key`]), then
/// dwsctl's reserved keys, compared after [`fold`] so that a look-alike is refused too.
pub fn tag_key(name: &str, span: Span) -> Option<Problem> {
    if let Some(violation) = api::tag_key(name).err() {
        return Some(tag_key_violation(name, span, &violation));
    }
    let reserved = reserved_tag(name)?;
    let message = if name == reserved || name.starts_with(RESERVED_TAG_PREFIX) {
        format!("tag `{name}` is set by dwsctl itself")
    } else if reserved == RESERVED_TAG_PREFIX {
        format!("tag `{name}` looks like a `{reserved}…` key, which dwsctl sets itself")
    } else {
        format!("tag `{name}` looks like `{reserved}`, which dwsctl sets itself")
    };
    Some(Problem::new("tag_reserved", span, message)
        .label("reserved tag")
        .help("remove it or choose another key: dwsctl manages `managed-by` and every `dwsctl-…` key (use `adopt: true` to take over a cluster, `password_version` for the password label)"))
}

/// The reserved key (or prefix) `name` is, or looks like: the keys dwsctl sets
/// ([`RESERVED_TAG_KEYS`]), and every key that starts
/// with `dwsctl-` (dwsctl's own bookkeeping, present and future).
pub fn reserved_tag(name: &str) -> Option<&'static str> {
    let folded = fold(name);
    if let Some(key) = RESERVED_TAG_KEYS.iter().find(|k| fold(k) == folded) {
        Some(key)
    } else if folded.starts_with(&fold(RESERVED_TAG_PREFIX)) {
        Some(RESERVED_TAG_PREFIX)
    } else {
        None
    }
}

/// A skeleton of an ASCII tag key for comparing it with the reserved ones: case, `_` for `-`,
/// and the ASCII look-alikes a reader confuses (`0`/`o`, `1`/`i`/`l`, `rn`/`m`, `vv`/`w`).
/// Non-ASCII look-alikes never get here: the API's character rule refuses them first.
pub fn fold(key: &str) -> String {
    key.to_ascii_lowercase()
        .replace('_', "-")
        .replace('0', "o")
        .replace(['1', 'i'], "l")
        .replace("rn", "m")
        .replace("vv", "w")
}

fn tag_key_violation(name: &str, span: Span, violation: &RuleViolation) -> Problem {
    let (message, label, help) = match &violation.kind {
        Kind::Length { len, min, max } => (
            format!("tag key `{name}` has {len} characters"),
            format!("must be {min}–{max} characters"),
            "shorten the key".to_owned(),
        ),
        Kind::Chars { found } => (
            format!(
                "tag key `{name}` has characters other than ASCII letters, digits, `-` and `_`: {}",
                describe_chars(found)
            ),
            "invalid character".to_owned(),
            chars_help(name, found),
        ),
        _ => (violation.message(), "invalid".to_owned(), String::new()),
    };
    Problem::new(violation.rule(), span, message)
        .label(label)
        .help(help)
}

/// The refused characters, each once, with its code point when it is not ASCII (a Cyrillic
/// `а` looks exactly like a Latin `a`).
fn describe_chars(found: &str) -> String {
    let mut seen = Vec::new();
    for c in found.chars() {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.iter()
        .map(|&c| match c {
            ' ' => "` ` (space)".to_owned(),
            c if c.is_ascii_graphic() => format!("`{c}`"),
            c => format!("`{}` (U+{:04X})", c.escape_debug(), u32::from(c)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn chars_help(name: &str, found: &str) -> String {
    if found.chars().any(|c| c.is_alphanumeric() && !c.is_ascii()) {
        "a non-ASCII letter can look exactly like an ASCII one; retype the key with ASCII letters only".to_owned()
    } else {
        let example = name.replace(
            |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "-",
        );
        format!("for example `{example}`")
    }
}

/// Tag values, and the password version (kept in a tag value).
pub fn tag_value(rule: &'static str, what: &str, v: &Spanned<String>) -> Option<Problem> {
    let violation = api::tag_value(&v.value).err()?;
    Some(match violation.kind {
        Kind::Length { len, max, .. } => {
            Problem::new(rule, v.span, format!("{what} has {len} characters"))
                .label(format!("at most {max}"))
                .help(format!(
                    "shorten it: tag values are at most {max} characters"
                ))
        }
        Kind::Chars { found } => Problem::new(
            rule,
            v.span,
            format!(
                "{what} `{}` has characters other than ASCII letters, digits, `-` and `_`: {}",
                v.value,
                describe_chars(&found)
            ),
        )
        .label("invalid character")
        .help("use ASCII letters, digits, `-` and `_` only (tag values are stored by the cloud)"),
        _ => Problem::new(rule, v.span, violation.message()),
    })
}

pub fn user_tag_count(count: usize, span: Span) -> Option<Problem> {
    let max = MAX_TAGS - OWN_TAGS;
    (count > max).then(|| {
        Problem::new("tag_count", span, format!("{count} tags; a cluster takes at most {max}"))
            .label("too many tags")
            .help(format!("keep at most {max} tags: the cloud allows {MAX_TAGS} per cluster and dwsctl keeps {OWN_TAGS} for its own (`managed-by`, `dwsctl-password-version`, `dwsctl-lease`, `dwsctl-applied`)"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Spanned<String> {
        Spanned::new(v.to_owned(), Span::new(0, 0, v.len()))
    }

    #[test]
    fn names_follow_the_api() {
        let at = Span::new(0, 0, 1);
        let name = |n: &str| object_name(Field::ClusterName, n, at);
        assert!(name("dws-demo").is_none());
        assert!(name("dws").is_some());
        assert!(name("1dws").is_some());
        assert!(name("dws.demo").is_some());
        assert!(name(&"a".repeat(65)).is_some());
    }

    #[test]
    fn user_names_are_lowercase_and_not_keywords() {
        assert!(user_name(&s("dbadmin")).is_none());
        assert!(user_name(&s("_x1")).is_none());
        assert!(user_name(&s("DbAdmin")).is_some());
        assert!(user_name(&s("1admin")).is_some());
        assert!(user_name(&s("select")).is_some());
        assert!(user_name(&s(&"a".repeat(64))).is_some());
    }

    #[test]
    fn tags_take_the_stricter_limits() {
        let at = Span::new(0, 0, 1);
        assert!(tag_key(&"k".repeat(36), at).is_none());
        assert!(tag_key(&"k".repeat(37), at).is_some());
        assert_eq!(
            tag_key("managed-by", at).map(|p| p.rule),
            Some("tag_reserved")
        );
        // Look-alikes: a Cyrillic `а` breaks the API's character rule; ASCII ones are folded.
        let cyrillic = tag_key("m\u{430}naged-by", at).expect("refused");
        assert_eq!(cyrillic.rule, "tag_key");
        assert!(cyrillic.message.contains("U+0430"), "{}", cyrillic.message);
        for key in [
            "Managed-By",
            "managed_by",
            "rnanaged-by",
            "dwsctl-lease",
            "DWSCTL_x",
            "dwsct1-x",
        ] {
            assert_eq!(
                tag_key(key, at).map(|p| p.rule),
                Some("tag_reserved"),
                "{key}"
            );
        }
        for key in ["managed", "owner", "dws-team", "mgmt-by"] {
            assert!(tag_key(key, at).is_none(), "{key}");
        }
        assert!(tag_value("tag_value", "v", &s("\u{1b}[2J")).is_some());
        assert!(tag_value("tag_value", "v", &s(&"v".repeat(43))).is_none());
        assert!(tag_value("tag_value", "v", &s(&"v".repeat(44))).is_some());
        assert!(tag_value("tag_value", "v", &s("a=b")).is_some());
        assert!(user_tag_count(6, at).is_none());
        assert!(user_tag_count(7, at).is_some());
        assert!(tag_key("dwsctl-lease", at).is_some());
    }

    #[test]
    fn descriptions_refuse_the_api_forbidden_characters() {
        assert!(description(&s("before the upgrade, v2")).is_none());
        assert!(description(&s("a <b>")).is_some());
        assert!(description(&s(&"d".repeat(257))).is_some());
    }
}
