//! The DWS API's rules for single values: the one source of truth for both the simulator
//! (`sim::validate`, which maps a violation to its DWS.xxxx code and HTTP status) and the
//! offline spec validator (`spec::value_checks`, which maps it to a located diagnostic with a fix).
//!
//! Pure functions over plain values; no spec or simulator types. Where the vendor's
//! pages document conflicting rules (README, "Choices where the API's documentation
//! disagrees"), the stricter one is enforced here, so
//! that a spec that validates offline is accepted by every documented version of the API and
//! by the simulator; each such choice is commented at the rule. The `.rst` names below are
//! files of the vendor API reference. The `.rst` names below are
//! files of the vendor API reference.

use std::fmt;

/// The value a rule is about; [`Field::rule`] is the rule's name in diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    ClusterName,
    SnapshotName,
    SnapshotDescription,
    UserName,
    Password,
    Port,
    NumberOfNode,
    NumberOfCn,
    TagKey,
    TagValue,
    KeepDays,
    PolicyName,
    PolicySchedule,
    PolicyType,
    ClusterDescription,
}

impl Field {
    /// The rule's name as dwsctl reports it (`dwsctl validate` prints it as the error code).
    pub fn rule(self) -> &'static str {
        match self {
            Field::ClusterName => "cluster_name",
            Field::SnapshotName => "snapshot_name",
            Field::SnapshotDescription => "snapshot_description",
            Field::UserName => "user_name",
            Field::Password => "password",
            Field::Port => "port",
            Field::NumberOfNode => "number_of_node",
            Field::NumberOfCn => "number_of_cn",
            Field::TagKey => "tag_key",
            Field::TagValue => "tag_value",
            Field::KeepDays => "keep_days",
            Field::PolicyName => "policy_name",
            Field::PolicySchedule => "policy_schedule",
            Field::PolicyType => "policy_type",
            Field::ClusterDescription => "cluster_description",
        }
    }
}

/// What was wrong with the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The length in characters is outside `min..=max`.
    Length { len: usize, min: usize, max: usize },
    /// The first character is not one the rule allows.
    FirstChar,
    /// Characters the rule does not allow, every occurrence in order of appearance.
    Chars { found: String },
    /// A word the database reserves.
    Reserved,
    /// A number outside `min..=max` (`max < min` when no value can fit).
    Range { value: i64, min: i64, max: i64 },
    /// Fewer than three of the four character classes (passwords).
    TooFewClasses,
    /// The password contains the user name, or the user name spelled backwards.
    ContainsUserName,
    /// Not one of the values the API takes (a policy's `type`).
    NotOneOf { allowed: &'static [&'static str] },
    /// Not a schedule in the API's cron form; says why.
    Schedule { why: String },
}

/// One broken rule: which value, and how.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct RuleViolation {
    /// The value the rule is about.
    pub field: Field,
    /// How the value broke it.
    pub kind: Kind,
}

impl RuleViolation {
    fn new(field: Field, kind: Kind) -> Self {
        Self { field, kind }
    }

    /// The rule's name (see [`Field::rule`]).
    pub fn rule(&self) -> &'static str {
        self.field.rule()
    }

    /// A plain sentence; the simulator and the spec validator each word their own, this one is
    /// for logs and tests. Never includes a password.
    pub fn message(&self) -> String {
        let what = self.field.rule();
        match &self.kind {
            Kind::Length { len, min, max } => {
                format!("{what} has {len} characters; it must have {min} to {max}")
            }
            Kind::FirstChar => format!("{what} starts with a character the API does not allow"),
            Kind::Chars { .. } if self.field == Field::Password => {
                format!("{what} has characters the API does not allow")
            }
            Kind::Chars { found } => {
                format!("{what} has characters the API does not allow: {found:?}")
            }
            Kind::Reserved => format!("{what} is a reserved database keyword"),
            Kind::Range { value, min, max } => format!("{what} is {value}, outside {min} to {max}"),
            Kind::TooFewClasses => format!("{what} has fewer than three character classes"),
            Kind::ContainsUserName => format!("{what} contains the user name"),
            Kind::NotOneOf { allowed } => format!("{what} is not one of {}", allowed.join(", ")),
            Kind::Schedule { why } => format!("{what} {why}"),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rule())
    }
}

type Checked = Result<(), RuleViolation>;

/// Cluster and snapshot names: 4 to 64 characters (creating_a_cluster.rst `name`,
/// creating_a_snapshot.rst `name`).
pub const NAME_LEN: (usize, usize) = (4, 64);
/// Admin user names: 1 to 63 characters (creating_a_cluster.rst `user_name`).
pub const USER_NAME_LEN: (usize, usize) = (1, 63);
/// Snapshot descriptions: at most 256 characters (creating_a_snapshot.rst).
pub const MAX_DESCRIPTION: usize = 256;
/// Characters a snapshot description must not contain (creating_a_snapshot.rst).
pub const DESCRIPTION_FORBIDDEN: &str = "!<>'=&\"";
/// Tags per cluster (README, "Choices where the API's documentation disagrees").
pub const MAX_TAGS: usize = 10;
/// Tag keys and values: the pages conflict (adding_tags_in_batches.rst allows keys <= 128 and
/// values <= 255, the detail/list pages and the legacy tag API 36 and 43). The stricter 36/43
/// win: a tag that long is accepted by every page's API, a longer one may be refused by some.
pub const MAX_TAG_KEY: usize = 36;
/// See [`MAX_TAG_KEY`].
pub const MAX_TAG_VALUE: usize = 43;
/// Ports (creating_a_cluster.rst `port`, restoring_a_cluster.rst): 8000–30000 (the vendor
/// reference, GTC, TF-OTC validation; the TF docs'
/// 8000–10000 is not what the API or TF-OTC's own validation enforces).
pub const PORT: (i64, i64) = (8000, 30000);
/// Nodes of a cluster (creating_a_cluster.rst `number_of_node`).
pub const NUMBER_OF_NODE: (i64, i64) = (3, 256);
/// Coordinators: at least 2, at most 20 (creating_a_cluster.rst `number_of_cn`).
pub const NUMBER_OF_CN: (i64, i64) = (2, 20);
/// The shortest admin password of the current OTC rule (creating_a_cluster.rst; the default
/// policy).
pub const PASSWORD_MIN_STRICT: usize = 12;
/// The shortest admin password of the 2022 / GTC rule (an older creating_a_cluster.rst; the
/// simulator's lenient policy).
pub const PASSWORD_MIN_LENIENT: usize = 8;
/// The longest admin password of both rules.
pub const PASSWORD_MAX: usize = 32;
/// The special characters the password rule counts (OTC table, space included).
pub const PASSWORD_SPECIALS: &str = "~!?,.:;-_(){}[]/<>@#%^&*+|\\= ";

fn length(field: Field, text: &str, (min, max): (usize, usize)) -> Checked {
    let len = text.chars().count();
    if (min..=max).contains(&len) {
        Ok(())
    } else {
        Err(RuleViolation::new(field, Kind::Length { len, min, max }))
    }
}

fn only(field: Field, text: &str, allowed: impl Fn(char) -> bool) -> Checked {
    let found: String = text.chars().filter(|&c| !allowed(c)).collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(RuleViolation::new(field, Kind::Chars { found }))
    }
}

fn range(field: Field, value: i64, (min, max): (i64, i64)) -> Checked {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(RuleViolation::new(field, Kind::Range { value, min, max }))
    }
}

/// Cluster names and snapshot names share one rule: 4–64 characters, a letter first, then
/// letters, digits, `-` and `_`. TF-OTC's regex does not require the leading letter; the API
/// does, and the stricter rule wins.
fn object_name(field: Field, name: &str) -> Checked {
    length(field, name, NAME_LEN)?;
    if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Err(RuleViolation::new(field, Kind::FirstChar));
    }
    only(field, name, |c| {
        c.is_ascii_alphanumeric() || c == '-' || c == '_'
    })
}

/// A cluster's name (creating_a_cluster.rst).
pub fn cluster_name(name: &str) -> Checked {
    object_name(Field::ClusterName, name)
}

/// A snapshot's name (creating_a_snapshot.rst): the same rule as cluster names.
pub fn snapshot_name(name: &str) -> Checked {
    object_name(Field::SnapshotName, name)
}

/// A snapshot's description: at most 256 characters, none of `!<>'=&"`
/// (creating_a_snapshot.rst).
pub fn snapshot_description(text: &str) -> Checked {
    description(Field::SnapshotDescription, text)
}

/// A cluster's description (cluster_management/modifying_cluster_description.rst): the page
/// gives no limit, so the snapshot description's rule applies, the stricter choice (a text
/// the snapshot page allows is one every version of the API takes).
pub fn cluster_description(text: &str) -> Checked {
    description(Field::ClusterDescription, text)
}

fn description(field: Field, text: &str) -> Checked {
    length(field, text, (0, MAX_DESCRIPTION))?;
    only(field, text, |c| !DESCRIPTION_FORBIDDEN.contains(c))
}

/// The admin user name (creating_a_cluster.rst): 1–63 characters of lowercase letters,
/// digits and `_`, a
/// lowercase letter or `_` first, not a reserved word. TF-OTC's `ValidateName` is looser; the
/// API's rule wins.
pub fn user_name(name: &str) -> Checked {
    let field = Field::UserName;
    length(field, name, USER_NAME_LEN)?;
    if !name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
    {
        return Err(RuleViolation::new(field, Kind::FirstChar));
    }
    only(field, name, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
    })?;
    if KEYWORDS.contains(&name) {
        return Err(RuleViolation::new(field, Kind::Reserved));
    }
    Ok(())
}

/// The admin password (creating_a_cluster.rst): `min_len` (see [`PASSWORD_MIN_STRICT`] and
/// [`PASSWORD_MIN_LENIENT`]) to 32 characters; only letters, digits and
/// [`PASSWORD_SPECIALS`]; at least three of upper, lower, digit, special; neither the user
/// name nor the user name reversed (case-insensitively) inside it. The violation never
/// carries the password's characters.
pub fn password(pw: &str, user: &str, min_len: usize) -> Checked {
    let field = Field::Password;
    length(field, pw, (min_len, PASSWORD_MAX))?;
    if pw
        .chars()
        .any(|c| !c.is_ascii_alphanumeric() && !PASSWORD_SPECIALS.contains(c))
    {
        // `found` stays empty: the characters of a secret must not reach a message.
        let kind = Kind::Chars {
            found: String::new(),
        };
        return Err(RuleViolation::new(field, kind));
    }
    let classes = [
        pw.chars().any(|c| c.is_ascii_uppercase()),
        pw.chars().any(|c| c.is_ascii_lowercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| PASSWORD_SPECIALS.contains(c)),
    ];
    if classes.iter().filter(|&&present| present).count() < 3 {
        return Err(RuleViolation::new(field, Kind::TooFewClasses));
    }
    let lower = pw.to_lowercase();
    let reversed: String = user.chars().rev().collect();
    if !user.is_empty() && (lower.contains(user) || lower.contains(&reversed)) {
        return Err(RuleViolation::new(field, Kind::ContainsUserName));
    }
    Ok(())
}

/// The database port (creating_a_cluster.rst, restoring_a_cluster.rst).
pub fn port(port: i64) -> Checked {
    range(Field::Port, port, PORT)
}

/// The number of nodes of a cluster (creating_a_cluster.rst).
pub fn number_of_node(count: i64) -> Checked {
    range(Field::NumberOfNode, count, NUMBER_OF_NODE)
}

/// The largest `number_of_cn` for a cluster of `nodes` nodes (`None`: not known here).
pub fn max_number_of_cn(nodes: Option<i64>) -> i64 {
    nodes.map_or(NUMBER_OF_CN.1, |n| n.min(NUMBER_OF_CN.1))
}

/// Coordinators (creating_a_cluster.rst, whose versions disagree: 2 to `number_of_node`,
/// older doc `number_of_node` − 1;
/// at most 20). The current page's bound is enforced: the older one is only stricter by one on
/// the smallest clusters, and dwsctl's corpus and the simulator follow the current page. With
/// fewer than 2 nodes no value fits, as the API refuses such a cluster anyway.
pub fn number_of_cn(cns: i64, nodes: Option<i64>) -> Checked {
    let max = max_number_of_cn(nodes);
    range(Field::NumberOfCn, cns, (NUMBER_OF_CN.0, max))
}

/// Tag keys and values take ASCII letters, digits, `-` and `_` only. The pages disagree on
/// which letters: creating_a_cluster.rst and querying_cluster_details.rst say "Unicode
/// characters … only letters", while creating_a_cluster_v2.rst,
/// performing_a_check_before_cluster_creation.rst and querying_the_cluster_list_v2.rst say
/// "only uppercase letters, lowercase letters, digits, underscores (_), and hyphens (-)". The
/// stricter reading wins: ASCII letters are letters under every page, while `ä` or a Cyrillic
/// `а` may be refused by some, and an ASCII-only key cannot be a look-alike of a reserved key
/// (`mаnaged-by` with a Cyrillic `а` is refused here, not mistaken for `managed-by`).
fn tag_text(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A tag key: 1–36 characters (see [`MAX_TAG_KEY`]); ASCII letters, digits, `-` and
/// `_` (see `tag_text`; this also excludes the pages' `=*<>\,|/` and leading or trailing
/// spaces).
pub fn tag_key(key: &str) -> Checked {
    length(Field::TagKey, key, (1, MAX_TAG_KEY))?;
    only(Field::TagKey, key, tag_text)
}

/// A tag value: at most 43 characters (see [`MAX_TAG_KEY`]), may be empty; the same
/// characters as keys.
pub fn tag_value(value: &str) -> Checked {
    length(Field::TagValue, value, (0, MAX_TAG_VALUE))?;
    only(Field::TagValue, value, tag_text)
}

/// Retention of automated snapshots in days (adding_a_snapshot_policy.rst `keep_day`: 1 to
/// 31; the query page's "greater than or equal to 0" describes what it reports).
pub const KEEP_DAYS: (i64, i64) = (1, 31);
/// Snapshot policy names: 4–92 characters (adding_a_snapshot_policy.rst `policy_name`).
pub const POLICY_NAME_LEN: (usize, usize) = (4, 92);
/// Cluster-level policies per cluster (querying_a_snapshot_policy.rst
/// `backup_strategy_cluster_type_limit_num`, 10 in its example; the only figure the reference
/// gives, so the limit a spec is held to offline).
pub const MAX_POLICIES: usize = 10;
/// Backup types (adding_a_snapshot_policy.rst `backup_type`).
pub const POLICY_TYPES: &[&str] = &["full", "increment"];

/// Days automated snapshots are kept.
pub fn keep_days(days: i64) -> Checked {
    range(Field::KeepDays, days, KEEP_DAYS)
}

/// A snapshot policy's name (adding_a_snapshot_policy.rst): 4–92 characters, a letter first,
/// then letters, digits, `-` and `_` (ASCII, as for cluster names). Names are unique per
/// cluster ignoring case; that check needs the other names and is the caller's.
pub fn policy_name(name: &str) -> Checked {
    let field = Field::PolicyName;
    length(field, name, POLICY_NAME_LEN)?;
    if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Err(RuleViolation::new(field, Kind::FirstChar));
    }
    only(field, name, |c| {
        c.is_ascii_alphanumeric() || c == '-' || c == '_'
    })
}

/// A policy's schedule (`backup_strategy`), in the cron form of [`super::cron`].
pub fn policy_schedule(expr: &str) -> Checked {
    super::cron::check(expr)
        .map_err(|why| RuleViolation::new(Field::PolicySchedule, Kind::Schedule { why }))
}

/// A policy's backup type: `full` or `increment`.
pub fn policy_type(kind: &str) -> Checked {
    if POLICY_TYPES.contains(&kind) {
        Ok(())
    } else {
        let allowed = POLICY_TYPES;
        Err(RuleViolation::new(
            Field::PolicyType,
            Kind::NotOneOf { allowed },
        ))
    }
}

/// Words the database reserves; an administrator cannot be named after one
/// (creating_a_cluster.rst: "not a
/// DWS/SQL keyword"). The SQL reserved words of GaussDB(DWS) and PostgreSQL plus role names
/// the database keeps. The simulator and the spec validator used to carry two lists (the
/// simulator's a subset); this is their union, as refusing a keyword the live API might
/// accept costs a rename while accepting one it refuses fails an apply.
pub const KEYWORDS: &[&str] = &[
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

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
