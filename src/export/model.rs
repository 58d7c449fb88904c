//! What an export holds, whatever it was read from (the cloud or a Terraform state): the
//! clusters with the spec fields their source reports, and everything found but not exported.
//! [`super::yaml`] writes it; the sources in [`super::cloud`] and [`super::terraform`] fill it.

use std::collections::BTreeMap;

/// A spec to write, and what did not make it into one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Export {
    /// Clusters in name order (so the output does not depend on the source's order).
    pub clusters: Vec<ExportCluster>,
    /// What the source holds and the spec does not (each a sentence): printed to stderr and
    /// written as comments, never dropped silently.
    pub skipped: Vec<String>,
    /// Values exported as found that the spec's rules refuse (`validate` will say where):
    /// printed to stderr and written as comments.
    pub warnings: Vec<String>,
    /// Comment lines about the source, after the file's header.
    pub origin: Vec<String>,
}

/// One cluster of the spec. `None` leaves the field out (the source does not report it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportCluster {
    pub name: String,
    /// The cluster lacks dwsctl's ownership tag: the spec must adopt it.
    pub adopt: bool,
    pub node_type: Option<String>,
    pub number_of_node: Option<u32>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub security_group_id: Option<String>,
    pub availability_zone: Option<String>,
    pub port: Option<u32>,
    pub user_name: Option<String>,
    /// The environment variable the `password` reference names (the value cannot be read
    /// back).
    pub password_env: String,
    /// From dwsctl's password-version tag, when the cluster carries one.
    pub password_version: Option<String>,
    pub public_ip: Option<ExportPublicIp>,
    pub number_of_cn: Option<u32>,
    pub enterprise_project_id: Option<String>,
    /// The user's tags (dwsctl's own keys left out).
    pub tags: BTreeMap<String, String>,
    /// Manual snapshots in name order.
    pub snapshots: Vec<ExportSnapshot>,
    pub automated_snapshots: Option<ExportPolicy>,
    /// Comment lines written above the cluster's fields (what the source does not say).
    pub notes: Vec<String>,
    /// The cluster is stopped (or being stopped): exported as `power: stopped`. A running
    /// cluster gets no `power`, the spec's default (dwsctl neither starts nor stops it).
    pub stopped: bool,
    /// The cluster's description; `None` for none (an empty one leaves the field out).
    pub description: Option<String>,
}

/// `public_ip` of a cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportPublicIp {
    pub public_bind_type: String,
    /// Only with `bind_existing` (the spec allows it with no other type).
    pub eip_id: Option<String>,
}

/// A manual snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportSnapshot {
    pub name: String,
    /// `None`: no description.
    pub description: Option<String>,
}

/// `automated_snapshots` of a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportPolicy {
    pub enabled: Option<bool>,
    pub keep_days: Option<u32>,
    /// Policies in name order: name, schedule (cron form), type (`full` | `increment`).
    pub policies: Vec<(String, String, String)>,
}

/// The environment variable an exported cluster's `password` names: `DWS_PASSWORD_` and the
/// cluster name in capitals, every character other than a letter or digit as `_` (a name
/// from the network never shapes more than a variable name).
pub fn password_env(cluster: &str) -> String {
    let tail: String = cluster
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("DWS_PASSWORD_{tail}")
}

/// Whether an automated-snapshot policy's strategy is a date and time
/// (`2026-05-19T09:24:00`, optionally `Z`-suffixed): a one-time snapshot, which the
/// huaweicloud provider documents (docs/resources/dws_snapshot_policy.md, "at specified
/// time") and passes to the API as it is, instead of a cron schedule.
pub fn is_one_off(strategy: &str) -> bool {
    let bytes = strategy.as_bytes();
    let (stamp, rest) = bytes.split_at(bytes.len().min(19));
    stamp.len() == 19
        && (rest.is_empty() || rest == b"Z")
        && stamp.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T' || *b == b' ',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        })
}

/// Why a one-time policy is listed instead of exported, and what to do about it.
///
/// The spec cannot hold it: `policies` are recurring schedules in the API's cron form, the
/// only form snapshot_management/adding_a_snapshot_policy.rst documents ("must comply with
/// the cron expression format"); a cron of that date and time would fire every year, so it
/// is not converted. Left out of a block that is not `exclusive`, the live policy is left
/// alone.
pub fn one_off_reason(strategy: &str) -> String {
    format!(
        "strategy {} is a one-time snapshot at that date and time; a spec's policies are \
         recurring cron schedules (the API documents no other form), and a cron for that date \
         would fire every year, so it is not converted. dwsctl leaves the live policy alone. \
         For a snapshot at a set time, add one to the cluster's `snapshots` and apply then; \
         once the one-time policy has run, delete it in the console (or set `exclusive: true` \
         on the cluster's automated_snapshots, which deletes every live policy it does not list)",
        super::yaml::quoted(strategy)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_variable_is_a_plain_name_whatever_the_cluster_is_called() {
        assert_eq!(password_env("dws-demo_1"), "DWS_PASSWORD_DWS_DEMO_1");
        assert_eq!(
            password_env("a\"}\n: x\u{1b}[2J"),
            "DWS_PASSWORD_A_____X__2J"
        );
    }

    #[test]
    fn a_date_and_time_is_a_one_off_and_a_cron_schedule_is_not() {
        for one_off in [
            "2026-05-19T09:24:00",
            "2026-05-19T09:24:00Z",
            "2026-05-19 09:24:00",
        ] {
            assert!(is_one_off(one_off), "{one_off}");
        }
        for other in [
            "0 0 2 ? * 1",
            "2026-05-19",
            "2026-05-19T09:24",
            "2026-05-19T09:24:00+01:00",
            "2026-05-19X09:24:00",
            "",
        ] {
            assert!(!is_one_off(other), "{other}");
        }
    }
}
