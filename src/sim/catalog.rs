//! The node types (flavors) the simulator sells, in the v1.0 and v2 shapes (vendor API reference:
//! querying_flavor_information.rst for v2; v1.0 is the older shape clients still call), and the
//! quota answer.

use crate::api::wire::{
    AvailableZone, NodeType, NodeTypeDetail, QuotaResource, Quotas, QuotasResponse,
};

/// One flavor.
#[derive(Debug, Clone, Copy)]
pub struct Flavor {
    pub spec_name: &'static str,
    pub id: &'static str,
    pub vcpus: u64,
    pub ram_gb: u64,
    pub disk_type: &'static str,
    pub disk_gb: u64,
}

/// The getting-started page's two flavors (with its ids) and a few current OTC ones.
pub const FLAVORS: &[Flavor] = &[
    Flavor {
        spec_name: "dws.d1.xlarge",
        id: "ebe532d6-665f-40e6-a4d4-3c51545b6a67",
        vcpus: 4,
        ram_gb: 32,
        disk_type: "LOCAL_DISK",
        disk_gb: 1675,
    },
    Flavor {
        spec_name: "dws.m1.xlarge.ultrahigh",
        id: "ebe532d6-665f-40e6-a4d4-3c51545b4f71",
        vcpus: 4,
        ram_gb: 32,
        disk_type: "SSD",
        disk_gb: 512,
    },
    Flavor {
        spec_name: "dws.m3.xlarge",
        id: "6f3b8c1e-2a4d-4e5f-9a6b-7c8d9e0f1a2b",
        vcpus: 4,
        ram_gb: 32,
        disk_type: "SSD",
        disk_gb: 160,
    },
    Flavor {
        spec_name: "dws.m3.2xlarge",
        id: "7a4c9d2f-3b5e-4f60-8b7c-8d9e0f1a2b3c",
        vcpus: 8,
        ram_gb: 64,
        disk_type: "SSD",
        disk_gb: 320,
    },
    Flavor {
        spec_name: "dws2.m6.4xlarge.8",
        id: "8b5d0e3a-4c6f-4071-9c8d-9e0f1a2b3c4d",
        vcpus: 16,
        ram_gb: 128,
        disk_type: "SSD",
        disk_gb: 2000,
    },
    Flavor {
        spec_name: "dws2.m6.8xlarge.8",
        id: "9c6e1f4b-5d70-4182-8d9e-0f1a2b3c4d5e",
        vcpus: 32,
        ram_gb: 256,
        disk_type: "SSD",
        disk_gb: 4000,
    },
];

pub fn flavor(spec_name: &str) -> Option<&'static Flavor> {
    FLAVORS.iter().find(|f| f.spec_name == spec_name)
}

fn details(f: &Flavor, azs: &[String], v2: bool) -> Vec<NodeTypeDetail> {
    let mut details = vec![
        NodeTypeDetail {
            kind: "vCPU".to_owned(),
            value: f.vcpus.to_string(),
            unit: None,
        },
        NodeTypeDetail {
            kind: f.disk_type.to_owned(),
            value: f.disk_gb.to_string(),
            unit: Some("GB".to_owned()),
        },
        NodeTypeDetail {
            kind: "mem".to_owned(),
            value: f.ram_gb.to_string(),
            unit: Some("GB".to_owned()),
        },
    ];
    if v2 {
        details.push(NodeTypeDetail {
            kind: "availableZones".to_owned(),
            value: azs.join(","),
            unit: None,
        });
    }
    details
}

/// `GET /v1.0/{project_id}/node_types`: spec_name, id, detail.
pub fn node_types_v1() -> Vec<NodeType> {
    FLAVORS
        .iter()
        .map(|f| NodeType {
            spec_name: f.spec_name.to_owned(),
            id: f.id.to_owned(),
            detail: details(f, &[], false),
            datastore_type: None,
            architecture: None,
            available_zones: None,
            ram: None,
            vcpus: None,
            datastores: None,
        })
        .collect()
}

/// `GET /v2/{project_id}/node-types`: the v1.0 fields plus datastore, architecture, AZs;
/// a zone where the type is sold out (`sold_out`: type, zone) has status `sellout`
/// (`cluster_management/querying_flavor_information.rst`: `normal`, `sellout`, `abandon`).
pub fn node_types_v2(azs: &[String], sold_out: &[(String, String)]) -> Vec<NodeType> {
    FLAVORS
        .iter()
        .map(|f| NodeType {
            spec_name: f.spec_name.to_owned(),
            id: f.id.to_owned(),
            detail: details(f, azs, true),
            datastore_type: Some("dws".to_owned()),
            architecture: Some("x86".to_owned()),
            available_zones: Some(
                azs.iter()
                    .map(|code| AvailableZone {
                        code: code.clone(),
                        status: if sold_out.iter().any(|(t, z)| t == f.spec_name && z == code) {
                            "sellout".to_owned()
                        } else {
                            "normal".to_owned()
                        },
                    })
                    .collect(),
            ),
            ram: Some(f.ram_gb),
            vcpus: Some(f.vcpus),
            // The datastores come with `v2_extras`, in the page's shape.
            datastores: None,
        })
        .collect()
}

/// The v2 fields of a node type beyond the v1.0 ones, in the shape of
/// `cluster_management/querying_flavor_information.rst`'s example: `datastores` (version, CN
/// range, role), `volume` (the node's disk) and `elastic_volume_specs`.
pub fn v2_extras(f: &Flavor) -> serde_json::Map<String, serde_json::Value> {
    let value = serde_json::json!({
        "datastores": [{"version": "8.1.3.310", "attachments": {"min_cn": 2, "max_cn": 20},
                        "role": "STABLE"}],
        "volume": {"type": f.disk_type, "size": f.disk_gb},
        "elastic_volume_specs": [{"type": f.disk_type, "step": 100, "min_size": 100,
                                  "max_size": 32000}],
    });
    match value {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// `GET /v1.0/{project_id}/quotas`: nodes (`instances`), cores and memory.
pub fn quotas(nodes: u64, cores: u64, ram_gb: u64, node_quota: u32) -> QuotasResponse {
    let quota = u64::from(node_quota);
    QuotasResponse {
        quotas: Quotas {
            resources: vec![
                QuotaResource {
                    kind: "instances".to_owned(),
                    used: nodes,
                    quota,
                    unit: None,
                },
                QuotaResource {
                    kind: "core".to_owned(),
                    used: cores,
                    quota: quota * 32,
                    unit: None,
                },
                QuotaResource {
                    kind: "ram".to_owned(),
                    used: ram_gb,
                    quota: quota * 256,
                    unit: Some("GB".to_owned()),
                },
            ],
        },
    }
}
