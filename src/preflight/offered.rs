//! Whether a node type is offered in an availability zone, from one read of the v2 node
//! types (`cluster_management/querying_flavor_information.rst`: each type lists its zones
//! with status `normal`, `sellout` or `abandon`), and the two values a precheck needs that a
//! plan may leave to the cloud: the default zone and the datastore version.

use crate::api::wire::NodeType;

fn find<'a>(types: &'a [NodeType], node_type: &str) -> Option<&'a NodeType> {
    types.iter().find(|t| t.spec_name == node_type)
}

/// Why `node_type` cannot be had in zone `az`, when the listing says so. A type or zone the
/// listing does not show is left to the precheck (a listing may be filtered; the precheck
/// is the cloud's own word on the create).
pub fn not_offered(types: &[NodeType], node_type: &str, az: &str) -> Option<String> {
    let zone = find(types, node_type)?
        .available_zones
        .as_ref()?
        .iter()
        .find(|z| z.code == az)?;
    (zone.status != "normal").then(|| {
        format!(
            "node type {node_type} is not offered in {az}: the node types list it there as {:?}",
            crate::term::escape(&zone.status)
        )
    })
}

/// The zone a create without `availability_zone` gets: the first one the node type lists
/// (the cloud's default is the first zone of the region, and the listing keeps that order).
pub fn default_zone(types: &[NodeType], node_type: &str) -> Option<String> {
    let zones = find(types, node_type)?.available_zones.as_ref()?;
    zones.first().map(|z| z.code.clone())
}

/// The datastore version a new cluster of `node_type` gets: its first `STABLE` one, else its
/// first.
pub fn datastore_version(types: &[NodeType], node_type: &str) -> Option<String> {
    let stores = find(types, node_type)?.datastores.as_ref()?;
    stores
        .iter()
        .find(|d| d.role.as_deref() == Some("STABLE"))
        .or_else(|| stores.first())
        .map(|d| d.version.clone())
}
