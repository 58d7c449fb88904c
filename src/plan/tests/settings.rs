//! The security group and the EIP change in place (issue 12): which steps, in which order,
//! and what a plan shows of them.

use crate::api::wire::PublicIp;
use crate::plan::testkit::*;
use crate::plan::*;
use crate::render::{text, TextOptions};
use crate::spec::PublicIpSpec;

fn bound(eip: &str, kind: &str) -> Option<PublicIp> {
    Some(PublicIp {
        public_bind_type: kind.into(),
        eip_id: Some(eip.into()),
        eip_address: None,
    })
}

fn spec_ip(kind: &str, eip: Option<&str>) -> Option<PublicIpSpec> {
    Some(PublicIpSpec {
        public_bind_type: kind.into(),
        eip_id: eip.map(Into::into),
    })
}

fn plan_of(
    change: impl FnOnce(&mut crate::spec::DesiredCluster, &mut crate::api::wire::Cluster),
) -> Plan {
    let (mut d, mut l) = (desired_cluster("dws-demo", 3), live_cluster("dws-demo", 3));
    change(&mut d, &mut l);
    diff(&desired(vec![d]), &live(vec![l], vec![]), "digest")
}

/// The plan's actions, without the step that records the apply (`plan::record`).
fn actions(plan: &Plan) -> Vec<&Action> {
    plan.steps
        .iter()
        .filter(|s| !s.id.0.ends_with(".record"))
        .map(|s| &s.action)
        .collect()
}

#[test]
fn a_security_group_change_is_one_step_in_place() {
    let plan = plan_of(|d, _| d.security_group_id = Some("sg-2".into()));
    assert_eq!(
        actions(&plan),
        vec![&Action::SetSecurityGroup {
            security_group_id: "sg-2".into()
        }]
    );
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn an_eip_is_bound_when_the_spec_names_one_and_the_cluster_has_none() {
    let plan = plan_of(|d, _| d.public_ip = spec_ip("bind_existing", Some("eip-2")));
    assert_eq!(
        actions(&plan),
        vec![&Action::BindEip {
            eip_id: "eip-2".into()
        }]
    );
    let change = &plan.steps[0].changes[0];
    assert_eq!(
        (change.field.as_str(), change.old.is_none()),
        ("public_ip.eip_id", true)
    );
}

#[test]
fn not_use_unbinds_the_eip_the_cluster_holds() {
    let plan = plan_of(|d, l| {
        l.public_ip = bound("eip-1", "auto_assign");
        d.public_ip = spec_ip("not_use", None);
    });
    assert_eq!(
        actions(&plan),
        vec![&Action::UnbindEip {
            eip_id: "eip-1".into()
        }]
    );
}

#[test]
fn a_change_of_eip_unbinds_then_binds_in_one_chain() {
    let plan = plan_of(|d, l| {
        l.public_ip = bound("eip-1", "bind_existing");
        d.public_ip = spec_ip("bind_existing", Some("eip-2"));
    });
    assert_eq!(
        actions(&plan),
        vec![
            &Action::UnbindEip {
                eip_id: "eip-1".into()
            },
            &Action::BindEip {
                eip_id: "eip-2".into()
            }
        ]
    );
    assert_eq!(plan.steps[1].depends_on, vec![plan.steps[0].id.clone()]);
    // The bind is planned for the cluster as the unbind leaves it.
    assert_ne!(plan.steps[0].fingerprint, plan.steps[1].fingerprint);
    insta::assert_snapshot!(text(&plan, &TextOptions::default()));
}

#[test]
fn the_eip_the_cluster_holds_is_no_change_whatever_its_bind_type() {
    for (spec_kind, spec_eip) in [("auto_assign", None), ("bind_existing", Some("eip-1"))] {
        let plan = plan_of(|d, l| {
            l.public_ip = bound("eip-1", "auto_assign");
            d.public_ip = spec_ip(spec_kind, spec_eip);
        });
        assert!(plan.is_empty(), "{spec_kind}: {plan:?}");
    }
    // An unbound cluster lists `not_use` and an empty id (dws-api.md §6.2): no EIP.
    let plan = plan_of(|d, l| {
        l.public_ip = bound("", "not_use");
        d.public_ip = spec_ip("not_use", None);
    });
    assert!(plan.is_empty(), "{plan:?}");
}

#[test]
fn settings_follow_the_password_and_precede_a_scale_in_one_chain() {
    let plan = plan_of(|d, _| {
        d.password_version = Some("2".into());
        d.security_group_id = Some("sg-2".into());
        d.public_ip = spec_ip("bind_existing", Some("eip-2"));
        d.number_of_node = Some(6);
    });
    let kinds: Vec<&str> = plan.steps.iter().map(|s| s.id.0.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "cluster.dws-demo.reset_password",
            "cluster.dws-demo.security_group",
            "cluster.dws-demo.bind_eip",
            "cluster.dws-demo.scale_out",
            "cluster.dws-demo.record"
        ]
    );
    for pair in plan.steps.windows(2) {
        assert_eq!(pair[1].depends_on, vec![pair[0].id.clone()]);
    }
}
