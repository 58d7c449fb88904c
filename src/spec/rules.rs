//! The API's rules for single values (reference/dws-api.md §5, §8, §10), checked offline.
//!
//! Where the vendor's pages conflict, the stricter rule wins, so that a spec that validates
//! is accepted by every documented version of the API.

use super::error::Problem;
use super::raw::Spanned;

/// Number of tags dwsctl adds to every cluster it manages (ownership and password version).
pub const OWN_TAGS: usize = 2;
/// Tags per cluster the API allows (§10).
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_KEY: usize = 36;
pub const MAX_TAG_VALUE: usize = 43;
pub const MAX_DESCRIPTION: usize = 256;
const DESCRIPTION_FORBIDDEN: &[char] = &['!', '<', '>', '\'', '=', '&', '"'];

/// Words the database reserves; an administrator cannot be named after one (§5). The SQL
/// reserved words of GaussDB(DWS) and PostgreSQL, plus role names the database keeps.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "buckets",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "csn",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "excluded",
    "false",
    "fenced",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "less",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "maxvalue",
    "minus",
    "modify",
    "natural",
    "none",
    "not",
    "notnull",
    "null",
    "offset",
    "omm",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "performance",
    "placing",
    "primary",
    "prior",
    "procedure",
    "public",
    "references",
    "reject",
    "returning",
    "right",
    "rownum",
    "select",
    "session_user",
    "shrink",
    "similar",
    "some",
    "symmetric",
    "sysdate",
    "table",
    "tablesample",
    "then",
    "timecapsule",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "verify",
    "when",
    "where",
    "window",
    "with",
];

fn chars_ok(s: &str, extra: &[char]) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// Cluster names (§5) and snapshot names (§8.1) share a rule: 4–64 characters, starting with
/// a letter; letters, digits, `-` and `_`.
pub fn object_name(
    kind: &'static str,
    rule: &'static str,
    name: &str,
    span: super::error::Span,
) -> Option<Problem> {
    let len = name.chars().count();
    let fix = "use 4–64 characters: a letter first, then letters, digits, `-` or `_`";
    let (message, label) = if !(4..=64).contains(&len) {
        (
            format!("{kind} name `{name}` has {len} characters"),
            "must be 4–64 characters",
        )
    } else if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        (
            format!("{kind} name `{name}` does not start with a letter"),
            "must start with a letter",
        )
    } else if !chars_ok(name, &['-', '_']) {
        (
            format!("{kind} name `{name}` has characters other than letters, digits, `-` and `_`"),
            "invalid character",
        )
    } else {
        return None;
    };
    Some(Problem::new(rule, span, message).label(label).help(fix))
}

pub fn user_name(v: &Spanned<String>) -> Option<Problem> {
    let name = v.value.as_str();
    let len = name.chars().count();
    let (message, label, help) = if !(1..=63).contains(&len) {
        (
            format!("user name has {len} characters"),
            "must be 1–63 characters",
            "use a shorter name such as `dbadmin`".to_owned(),
        )
    } else if !name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
    {
        (
            format!("user name `{name}` must start with a lowercase letter or `_`"),
            "invalid first character",
            format!(
                "for example `{}`",
                name.to_ascii_lowercase()
                    .trim_start_matches(|c: char| c.is_ascii_digit())
            ),
        )
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        (
            format!("user name `{name}` may only contain lowercase letters, digits and `_`"),
            "invalid character",
            format!(
                "for example `{}`",
                name.to_ascii_lowercase()
                    .replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_")
            ),
        )
    } else if KEYWORDS.contains(&name) {
        (
            format!("user name `{name}` is a reserved database keyword"),
            "reserved keyword",
            format!("choose another name, e.g. `{name}_admin` or `dbadmin`"),
        )
    } else {
        return None;
    };
    Some(
        Problem::new("user_name", v.span, message)
            .label(label)
            .help(help),
    )
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
    let len = v.value.chars().count();
    if len > MAX_DESCRIPTION {
        return Some(
            Problem::new(
                "snapshot_description",
                v.span,
                format!("snapshot description has {len} characters"),
            )
            .label(format!("at most {MAX_DESCRIPTION}"))
            .help("shorten the description"),
        );
    }
    let bad: String = v
        .value
        .chars()
        .filter(|c| DESCRIPTION_FORBIDDEN.contains(c))
        .collect();
    (!bad.is_empty()).then(|| {
        Problem::new(
            "snapshot_description",
            v.span,
            format!("snapshot description contains `{bad}`"),
        )
        .label("none of ! < > ' = & \" allowed")
        .help("remove the characters ! < > ' = & \" from the description")
    })
}

fn tag_text_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

pub fn tag_key(name: &str, span: super::error::Span) -> Option<Problem> {
    use crate::plan::model::{OWNERSHIP_TAG_KEY, PASSWORD_VERSION_TAG_KEY};
    let len = name.chars().count();
    let (rule, message, label, help) = if name == OWNERSHIP_TAG_KEY
        || name == PASSWORD_VERSION_TAG_KEY
    {
        ("tag_reserved", format!("tag `{name}` is set by dwsctl itself"), "reserved tag", "remove it: dwsctl manages this tag (use `adopt: true` to take over a cluster, `password_version` for the password label)".to_owned())
    } else if len == 0 || len > MAX_TAG_KEY {
        (
            "tag_key",
            format!("tag key `{name}` has {len} characters"),
            "must be 1–36 characters",
            "shorten the key".to_owned(),
        )
    } else if !tag_text_ok(name) {
        (
            "tag_key",
            format!("tag key `{name}` has characters other than letters, digits, `-` and `_`"),
            "invalid character",
            format!(
                "for example `{}`",
                name.replace(
                    |c: char| !(c.is_alphanumeric() || c == '-' || c == '_'),
                    "-"
                )
            ),
        )
    } else {
        return None;
    };
    Some(Problem::new(rule, span, message).label(label).help(help))
}

/// Tag values, and the password version (kept in a tag value).
pub fn tag_value(rule: &'static str, what: &str, v: &Spanned<String>) -> Option<Problem> {
    let len = v.value.chars().count();
    if len > MAX_TAG_VALUE {
        return Some(
            Problem::new(rule, v.span, format!("{what} has {len} characters"))
                .label(format!("at most {MAX_TAG_VALUE}"))
                .help("shorten it: tag values are at most 43 characters"),
        );
    }
    (!tag_text_ok(&v.value)).then(|| {
        Problem::new(
            rule,
            v.span,
            format!(
                "{what} `{}` has characters other than letters, digits, `-` and `_`",
                v.value
            ),
        )
        .label("invalid character")
        .help("use letters, digits, `-` and `_` only (tag values are stored by the cloud)")
    })
}

pub fn user_tag_count(count: usize, span: super::error::Span) -> Option<Problem> {
    let max = MAX_TAGS - OWN_TAGS;
    (count > max).then(|| {
        Problem::new("tag_count", span, format!("{count} tags; a cluster takes at most {max}"))
            .label("too many tags")
            .help(format!("keep at most {max} tags: the cloud allows {MAX_TAGS} per cluster and dwsctl sets {OWN_TAGS} of its own (`managed-by`, `dwsctl-password-version`)"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::error::Span;

    fn s(v: &str) -> Spanned<String> {
        Spanned::new(v.to_owned(), Span::new(0, 0, v.len()))
    }

    #[test]
    fn names_follow_the_api() {
        let at = Span::new(0, 0, 1);
        assert!(object_name("cluster", "cluster_name", "dws-demo", at).is_none());
        assert!(object_name("cluster", "cluster_name", "dws", at).is_some());
        assert!(object_name("cluster", "cluster_name", "1dws", at).is_some());
        assert!(object_name("cluster", "cluster_name", "dws.demo", at).is_some());
        assert!(object_name("cluster", "cluster_name", &"a".repeat(65), at).is_some());
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
        assert!(tag_value("tag_value", "v", &s(&"v".repeat(43))).is_none());
        assert!(tag_value("tag_value", "v", &s(&"v".repeat(44))).is_some());
        assert!(tag_value("tag_value", "v", &s("a=b")).is_some());
        assert!(user_tag_count(8, at).is_none());
        assert!(user_tag_count(9, at).is_some());
    }

    #[test]
    fn descriptions_refuse_the_api_forbidden_characters() {
        assert!(description(&s("before the upgrade, v2")).is_none());
        assert!(description(&s("a <b>")).is_some());
        assert!(description(&s(&"d".repeat(257))).is_some());
    }
}
