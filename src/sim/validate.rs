//! The API's validation rules with the DWS.xxxx codes and statuses of the vendor API reference
//! (appendix/error_code.rst, creating_a_cluster.rst, snapshot_management/,
//! adding_tags_in_batches.rst). Messages start with the documented text of the code and add what
//! was wrong.
//!
//! The value rules themselves (names, user names, passwords, ports, node counts, tags,
//! descriptions) live in [`crate::api::rules`], shared with `dwsctl validate` so the two
//! cannot drift; this module maps their violations to the API's codes and adds the rules that
//! need the simulator's state (ids, networks, zones, quotas). Where the reference conflicts,
//! the stricter documented rule wins unless a real client is known to depend on the looser
//! one; each such choice is commented at the rule.

use axum::http::StatusCode;

use super::reply::ApiErr;
use super::{Networks, PasswordPolicy};
use crate::api::rules::{
    self, Field, Kind, RuleViolation, DESCRIPTION_FORBIDDEN, MAX_DESCRIPTION, PASSWORD_SPECIALS,
};
use crate::api::wire::Tag;

fn err(code: &str, doc: &str, detail: impl AsRef<str>) -> ApiErr {
    ApiErr::dws(
        StatusCode::BAD_REQUEST,
        code,
        format!("{doc} {}", detail.as_ref()),
    )
}

/// A hyphenated UUID (`8-4-4-4-12` hex digits), the only id form the API issues.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// 400 DWS.0001 for an id that is not a UUID (TF-HW acceptance tests expect this).
pub fn id(kind: &str, value: &str) -> Result<(), ApiErr> {
    if is_uuid(value) {
        Ok(())
    } else {
        Err(ApiErr::bad_param(format!(
            "The {kind} ID is not a valid UUID."
        )))
    }
}

/// Maps a broken value rule to the DWS.xxxx code, status and message the API answers with
/// (vendor API reference: appendix/error_code.rst; the rule itself lives in [`rules`], shared with
/// `dwsctl validate`).
/// `named` is what a message may quote (a user name, a tag key); never a password.
pub fn api_error(v: &RuleViolation, named: &str) -> ApiErr {
    match v.field {
        Field::ClusterName | Field::SnapshotName => name_error(v),
        Field::SnapshotDescription => description_error("snapshot", &v.kind),
        Field::ClusterDescription => description_error("cluster", &v.kind),
        Field::UserName => user_name_error(&v.kind, named),
        Field::Password => password_error(&v.kind),
        Field::Port | Field::NumberOfNode | Field::NumberOfCn => range_error(v),
        Field::TagKey | Field::TagValue => tag_error(v, named),
        // Snapshot policies: the pages document no codes, only 400 (sim::policy).
        Field::KeepDays | Field::PolicyName | Field::PolicySchedule | Field::PolicyType => {
            policy_error(v)
        }
    }
}

/// The generic parameter error, naming the request's field (`keep_day`, `backup_strategy`, …)
/// rather than the spec's.
fn policy_error(v: &RuleViolation) -> ApiErr {
    let api_field = match v.field {
        Field::KeepDays => "keep_day",
        Field::PolicySchedule => "backup_strategy",
        Field::PolicyType => "backup_type",
        _ => "policy_name",
    };
    ApiErr::bad_param(v.message().replacen(v.field.rule(), api_field, 1))
}

fn name_error(v: &RuleViolation) -> ApiErr {
    let kind = if v.field == Field::ClusterName {
        "cluster"
    } else {
        "snapshot"
    };
    let (code, doc) = match (v.field, &v.kind) {
        (Field::ClusterName, Kind::Length { .. }) => ("DWS.5001", "Invalid instance name."),
        (Field::ClusterName, _) => ("DWS.5057", "The cluster name pattern is invalid."),
        (_, Kind::Length { .. }) => ("DWS.5056", "Invalid string length."),
        _ => ("DWS.5065", "Invalid format."),
    };
    let detail = match &v.kind {
        Kind::Length { min, max, .. } => {
            format!("The {kind} name must be {min} to {max} characters long.")
        }
        _ => format!("The {kind} name must start with a letter and contain only letters, digits, hyphens (-) and underscores (_)."),
    };
    err(code, doc, detail)
}

fn description_error(what: &str, kind: &Kind) -> ApiErr {
    match kind {
        Kind::Chars { found } => err(
            "DWS.5065",
            "Invalid format.",
            format!(
                "The {what} description must not contain {:?}; none of {DESCRIPTION_FORBIDDEN} are allowed.",
                found.chars().next().unwrap_or('!')
            ),
        ),
        _ => err(
            "DWS.5056",
            "Invalid string length.",
            format!("The {what} description must be at most {MAX_DESCRIPTION} characters long."),
        ),
    }
}

fn user_name_error(kind: &Kind, name: &str) -> ApiErr {
    match kind {
        Kind::Length { min, max, .. } => err(
            "DWS.5198",
            "Invalid username.",
            format!("The administrator name must be {min} to {max} characters long."),
        ),
        Kind::Reserved => err(
            "DWS.5082",
            "The database user name is not supported.",
            format!("{name:?} is a reserved keyword."),
        ),
        _ => err(
            "DWS.5059",
            "Database username contains invalid characters.",
            "Use lowercase letters, digits and underscores, starting with a lowercase letter or an underscore.",
        ),
    }
}

fn password_error(kind: &Kind) -> ApiErr {
    let doc = "Invalid password of the cluster administrator.";
    match kind {
        Kind::Length { min, max, .. } => err(
            "DWS.5144",
            doc,
            format!("The password must be {min} to {max} characters long."),
        ),
        Kind::ContainsUserName => err(
            "DWS.5145",
            "The cluster administrator password cannot contain the username, or the username spelled backwards.",
            "",
        )
        .trimmed(),
        Kind::TooFewClasses => err(
            "DWS.5144",
            doc,
            "The password must contain at least three of: uppercase letters, lowercase letters, digits, special characters.",
        ),
        _ => err(
            "DWS.5144",
            doc,
            format!("The password may contain only letters, digits and the special characters {PASSWORD_SPECIALS}"),
        ),
    }
}

fn range_error(v: &RuleViolation) -> ApiErr {
    let Kind::Range { value, min, max } = v.kind else {
        return err("DWS.5060", "Integer type is of wrong range.", v.message());
    };
    match v.field {
        Field::NumberOfNode => err(
            "DWS.5047",
            "Invalid instance quantity.",
            format!("A cluster has {min} to {max} nodes; got {value}."),
        ),
        Field::Port => err(
            "DWS.5060",
            "Integer type is of wrong range.",
            format!("The port must be between {min} and {max}; got {value}."),
        ),
        _ => err(
            "DWS.5060",
            "Integer type is of wrong range.",
            format!("number_of_cn must be between {min} and {max}; got {value}."),
        ),
    }
}

fn tag_error(v: &RuleViolation, key: &str) -> ApiErr {
    let detail = match (v.field, &v.kind) {
        (Field::TagKey, Kind::Length { min, max, .. }) => {
            format!("A tag key must be {min} to {max} characters long.")
        }
        (_, Kind::Length { max, .. }) => {
            format!("A tag value must be at most {max} characters long.")
        }
        _ => format!(
            "Tag {key:?} may contain only letters, digits, hyphens (-) and underscores (_)."
        ),
    };
    err("DWS.5197", "The tag is invalid.", detail)
}

/// Cluster names: 4–64 characters, a letter first, then letters, digits, `-` and `_`.
pub fn cluster_name(name: &str) -> Result<(), ApiErr> {
    rules::cluster_name(name).map_err(|v| api_error(&v, ""))
}

/// Snapshot names: the same rules as cluster names (vendor API reference: creating_a_snapshot.rst).
pub fn snapshot_name(name: &str) -> Result<(), ApiErr> {
    rules::snapshot_name(name).map_err(|v| api_error(&v, ""))
}

/// Snapshot descriptions: at most 256 characters, none of `!<>'=&"`.
pub fn description(text: &str) -> Result<(), ApiErr> {
    rules::snapshot_description(text).map_err(|v| api_error(&v, ""))
}

/// Cluster descriptions: the snapshot description's rule ([`rules::cluster_description`]).
pub fn cluster_description(text: &str) -> Result<(), ApiErr> {
    rules::cluster_description(text).map_err(|v| api_error(&v, ""))
}

/// Admin user names: 1–63 characters of lowercase letters, digits and `_`, starting with a
/// lowercase letter or `_`, not a keyword.
pub fn user_name(name: &str) -> Result<(), ApiErr> {
    rules::user_name(name).map_err(|v| api_error(&v, name))
}

/// Admin passwords. Strict (current OTC, default): 12–32 characters; lenient (2022 / GTC):
/// 8–32. Both: at least three of upper, lower, digit, special; only those characters; not the
/// user name or the user name reversed.
pub fn password(policy: PasswordPolicy, pw: &str, user: &str) -> Result<(), ApiErr> {
    let min = match policy {
        PasswordPolicy::Strict => rules::PASSWORD_MIN_STRICT,
        PasswordPolicy::Lenient => rules::PASSWORD_MIN_LENIENT,
    };
    rules::password(pw, user, min).map_err(|v| api_error(&v, ""))
}

impl ApiErr {
    /// Drops a trailing space left by an empty detail.
    fn trimmed(mut self) -> Self {
        for text in [&mut self.body.error_msg, &mut self.body.external_message]
            .into_iter()
            .flatten()
        {
            let trimmed = text.trim_end().to_owned();
            *text = trimmed;
        }
        self
    }
}

/// Ports: 8000–30000 (OTC-API, GTC, TF-OTC validation).
pub fn port(port: u32) -> Result<(), ApiErr> {
    rules::port(i64::from(port)).map_err(|v| api_error(&v, ""))
}

/// Node counts of a cluster: 3–256 (OTC-API).
pub fn node_count(count: u32) -> Result<(), ApiErr> {
    rules::number_of_node(i64::from(count)).map_err(|v| api_error(&v, ""))
}

/// CNs: 2 to min(number_of_node, 20).
pub fn number_of_cn(cns: u32, nodes: u32) -> Result<(), ApiErr> {
    rules::number_of_cn(i64::from(cns), Some(i64::from(nodes))).map_err(|v| api_error(&v, ""))
}

/// VPC, subnet and security group: empty → DWS.5202/5203, not a UUID → DWS.5014–5016,
/// unknown → 404 DWS.5021–5023.
pub fn network(nets: &Networks, vpc: &str, subnet: &str, sg: &str) -> Result<(), ApiErr> {
    if subnet.is_empty() {
        return Err(err("DWS.5202", "The subnet ID cannot be left blank.", ""));
    }
    if sg.is_empty() {
        return Err(err(
            "DWS.5203",
            "The security group ID cannot be left blank.",
            "",
        ));
    }
    for (value, bad_code, bad_doc) in [
        (vpc, "DWS.5014", "Invalid VPC ID."),
        (subnet, "DWS.5015", "Invalid subnet ID."),
        (sg, "DWS.5016", "Invalid security group ID."),
    ] {
        if !is_uuid(value) {
            return Err(err(bad_code, bad_doc, "The ID is not a valid UUID."));
        }
    }
    let missing = |code: &str, doc: &str| ApiErr::dws(StatusCode::NOT_FOUND, code, doc);
    if !nets.vpc_ids.iter().any(|v| v == vpc) {
        return Err(missing(
            "DWS.5021",
            "The VPC does not exist or does not belong to the user.",
        ));
    }
    if !nets.subnet_ids.iter().any(|v| v == subnet) {
        return Err(missing(
            "DWS.5022",
            "The subnet does not exist or does not belong to the VPC.",
        ));
    }
    security_group(nets, sg)
}

/// A security group: empty → DWS.5203, not a UUID → DWS.5016, unknown → 404 DWS.5023.
pub fn security_group(nets: &Networks, sg: &str) -> Result<(), ApiErr> {
    if sg.is_empty() {
        return Err(err(
            "DWS.5203",
            "The security group ID cannot be left blank.",
            "",
        ));
    }
    if !is_uuid(sg) {
        return Err(err(
            "DWS.5016",
            "Invalid security group ID.",
            "The ID is not a valid UUID.",
        ));
    }
    if !nets.security_group_ids.iter().any(|v| v == sg) {
        return Err(ApiErr::dws(
            StatusCode::NOT_FOUND,
            "DWS.5023",
            "The security group does not exist or does not belong to the VPC.",
        ));
    }
    Ok(())
}

pub fn availability_zone(nets: &Networks, az: &str) -> Result<(), ApiErr> {
    if nets.availability_zones.iter().any(|z| z == az) {
        Ok(())
    } else {
        Err(err(
            "DWS.5011",
            "Invalid AZ.",
            format!(
                "Availability zone {az:?} does not exist; known: {}.",
                nets.availability_zones.join(", ")
            ),
        ))
    }
}

/// `public_ip`: a known bind type; `bind_existing` needs an EIP id.
pub fn public_ip(ip: &crate::api::wire::PublicIp) -> Result<(), ApiErr> {
    match ip.public_bind_type.as_str() {
        "auto_assign" | "not_use" => Ok(()),
        "bind_existing" => match ip.eip_id.as_deref() {
            Some(id) if is_uuid(id) => Ok(()),
            _ => Err(err(
                "DWS.5133",
                "Invalid EIP ID.",
                "bind_existing needs eip_id, a UUID.",
            )),
        },
        other => Err(err(
            "DWS.5098",
            "Invalid EIP binding type.",
            format!("{other:?} is not one of auto_assign, not_use, bind_existing."),
        )),
    }
}

/// The most tags a cluster may carry.
pub const MAX_TAGS: usize = rules::MAX_TAGS;

/// One tag: the shared key and value rules (see [`rules::tag_key`]).
pub fn tag(tag: &Tag) -> Result<(), ApiErr> {
    rules::tag_key(&tag.key)
        .and_then(|()| rules::tag_value(&tag.value))
        .map_err(|v| api_error(&v, &tag.key))
}

/// A set of tags for one request: each valid, keys unique.
pub fn tags(tags: &[Tag]) -> Result<(), ApiErr> {
    for (i, t) in tags.iter().enumerate() {
        tag(t)?;
        if tags.iter().take(i).any(|other| other.key == t.key) {
            return Err(err(
                "DWS.5039",
                "Duplicate parameters.",
                format!("Tag key {:?} appears more than once.", t.key),
            ));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(too_many_tags());
    }
    Ok(())
}

pub fn too_many_tags() -> ApiErr {
    err(
        "DWS.5194",
        "The number of tags exceeds the maximum value.",
        format!("A cluster carries at most {MAX_TAGS} tags."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape_is_strict() {
        assert!(is_uuid("7ba031f6-81f4-4670-ad20-c490b91877e5"));
        assert!(!is_uuid("7ba031f681f44670ad20c490b91877e5"));
        assert!(!is_uuid("not-found-cluster-id"));
        assert!(!is_uuid("7ba031f6-81f4-4670-ad20-c490b91877eZ"));
    }

    #[test]
    fn getting_started_password_passes_the_strict_policy() {
        assert!(password(PasswordPolicy::Strict, "Dws2017demo!", "dbadmin").is_ok());
    }

    #[test]
    fn eleven_character_password_needs_the_lenient_policy() {
        let strict = password(PasswordPolicy::Strict, "#dbAdmin123", "root_x");
        assert_eq!(
            strict.map_err(|e| e.body.code().map(str::to_owned)),
            Err(Some("DWS.5144".into()))
        );
        assert!(password(PasswordPolicy::Lenient, "#dbAdmin123", "root_x").is_ok());
    }

    #[test]
    fn password_with_reversed_user_name_is_rejected() {
        let result = password(PasswordPolicy::Strict, "Xnimdabd#2024", "dbadmin");
        let err = result.expect_err("reversed user name");
        assert_eq!(err.body.code(), Some("DWS.5145"));
        assert!(!err.body.message().unwrap_or("").ends_with(' '));
    }
}
