//! The request bodies of a step's calls, built from the plan's parameters.

use super::ctx::{StepEnd, StepResult};
use crate::api::wire;
use crate::plan::{CreateClusterParams, PublicIpParams, RestoreClusterParams, TagKv};

pub fn to_wire_tags(tags: &[TagKv]) -> Vec<wire::Tag> {
    tags.iter()
        .map(|t| wire::Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect()
}

fn to_wire_ip(ip: &Option<PublicIpParams>) -> Option<wire::PublicIp> {
    ip.as_ref().map(|ip| wire::PublicIp {
        public_bind_type: ip.public_bind_type.clone(),
        eip_id: ip.eip_id.clone(),
        eip_address: None,
    })
}

/// The `POST /clusters` body; the password is resolved now, at the moment of the call.
pub fn create_body(name: &str, p: &CreateClusterParams) -> StepResult<wire::CreateCluster> {
    let password = p
        .password
        .resolve()
        .map_err(|err| StepEnd::Failed(format!("password: {err}")))?;
    Ok(wire::CreateCluster {
        name: name.to_owned(),
        node_type: p.node_type.clone(),
        number_of_node: p.number_of_node,
        subnet_id: p.subnet_id.clone(),
        security_group_id: p.security_group_id.clone(),
        vpc_id: p.vpc_id.clone(),
        availability_zone: p.availability_zone.clone(),
        port: p.port,
        user_name: p.user_name.clone(),
        user_pwd: password,
        public_ip: to_wire_ip(&p.public_ip),
        number_of_cn: p.number_of_cn,
        tags: Some(to_wire_tags(&p.tags)),
        enterprise_project_id: p.enterprise_project_id.clone(),
    })
}

pub fn restore_body(name: &str, p: &RestoreClusterParams) -> wire::Restore {
    wire::Restore {
        name: name.to_owned(),
        subnet_id: p.subnet_id.clone(),
        security_group_id: p.security_group_id.clone(),
        vpc_id: p.vpc_id.clone(),
        availability_zone: p.availability_zone.clone(),
        port: p.port,
        public_ip: to_wire_ip(&p.public_ip),
        enterprise_project_id: p.enterprise_project_id.clone(),
    }
}
