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
}
