//! A tiny world for planner tests: one owned, idle cluster that matches its spec, and
//! builders to change one thing.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use crate::api::wire::{Cluster, PublicIp, Snapshot, Tag};
use crate::api::Live;
use crate::plan::model::{OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE};
use crate::secret::SecretRef;
use crate::spec::{
    DeletePolicy, Desired, DesiredCluster, DesiredSnapshot, Origin, Ownership, Presence,
};

/// An idle, owned, AVAILABLE cluster as the list call returns it.
pub fn live_cluster(name: &str, nodes: u32) -> Cluster {
    Cluster {
        id: format!("id-{name}"),
        name: name.to_owned(),
        status: "AVAILABLE".into(),
        version: Some("8.1.3".into()),
        created: None,
        updated: None,
        port: 8000,
        endpoints: Vec::new(),
        public_endpoints: Vec::new(),
        nodes: Vec::new(),
        tags: vec![Tag {
            key: OWNERSHIP_TAG_KEY.into(),
            value: OWNERSHIP_TAG_VALUE.into(),
        }],
        user_name: "dbadmin".into(),
        number_of_node: nodes,
        recent_event: None,
        availability_zone: Some("eu-de-01".into()),
        enterprise_project_id: Some("0".into()),
        node_type: "dws.m3.xlarge".into(),
        vpc_id: Some("vpc-1".into()),
        subnet_id: Some("subnet-1".into()),
        public_ip: Some(PublicIp {
            public_bind_type: "not_use".into(),
            eip_id: None,
            eip_address: None,
        }),
        action_progress: BTreeMap::new(),
        sub_status: Some("NORMAL".into()),
        task_status: None,
        security_group_id: Some("sg-1".into()),
        failed_reasons: None,
        private_ip: None,
        node_type_id: None,
        parameter_group: None,
        maintain_window: None,
        resize_info: None,
        cluster_description_info: None,
    }
}

/// An AVAILABLE manual snapshot of the cluster with id `cluster_id`.
pub fn live_snapshot(name: &str, cluster_id: &str) -> Snapshot {
    Snapshot {
        id: format!("sid-{name}"),
        name: name.to_owned(),
        description: None,
        started: None,
        finished: None,
        size: Some(1.0),
        status: "AVAILABLE".into(),
        kind: Some("MANUAL".into()),
        cluster_id: Some(cluster_id.to_owned()),
    }
}

/// A spec cluster that [`live_cluster`] with the same name and node count satisfies.
pub fn desired_cluster(name: &str, nodes: u32) -> DesiredCluster {
    DesiredCluster {
        name: name.to_owned(),
        presence: Presence::Present,
        origin: Origin::Create,
        ownership: Ownership::Owned,
        node_type: Some("dws.m3.xlarge".into()),
        number_of_node: Some(nodes),
        vpc_id: Some("vpc-1".into()),
        subnet_id: Some("subnet-1".into()),
        security_group_id: Some("sg-1".into()),
        availability_zone: Some("eu-de-01".into()),
        port: Some(8000),
        user_name: Some("dbadmin".into()),
        password: Some(SecretRef::FromEnv("DWS_ADMIN_PASSWORD".into())),
        password_version: None,
        public_ip: None,
        number_of_cn: Some(3),
        enterprise_project_id: None,
        tags: BTreeMap::new(),
        snapshots: IndexMap::new(),
        delete_policy: DeletePolicy::default(),
        automated_snapshots: None,
        power: None,
        renamed_from: None,
        description: None,
    }
}

pub fn desired_snapshot(name: &str) -> DesiredSnapshot {
    DesiredSnapshot {
        name: name.to_owned(),
        description: None,
        presence: Presence::Present,
    }
}

pub fn desired(clusters: Vec<DesiredCluster>) -> Desired {
    Desired {
        clusters: clusters.into_iter().map(|c| (c.name.clone(), c)).collect(),
    }
}

pub fn live(clusters: Vec<Cluster>, snapshots: Vec<Snapshot>) -> Live {
    Live {
        clusters,
        snapshots,
        ..Live::default()
    }
}
