//! The checks' logic against an in-memory cloud: which calls each plan costs, how steps of
//! one plan are counted together, and what each kind of failed call does to the plan.

use std::cell::RefCell;

use super::*;
use crate::api::error::Call;
use crate::api::ops::{ClusterCheck, GrowCheck, GrowCheckResult, ShrinkCheckItem};
use crate::api::routes;
use crate::api::wire::{AvailableZone, NodeTypeDatastore, QuotaResource};
use crate::plan::procedure::rule;
use crate::plan::testkit::{desired, desired_cluster, live, live_cluster, live_snapshot};
use crate::plan::Action;
use crate::spec::DesiredCluster;
use crate::spec::Origin;

/// A cloud whose node quota, subnet size and sold-out zones the test sets; it answers the
/// checks by those rules and records every call.
struct Fake {
    quota: (u64, u64),
    subnet_free: u32,
    sold_out: Vec<&'static str>,
    calls: RefCell<Vec<String>>,
    /// Answers the calls it returns an error for with that error instead.
    fail: Option<fn(Call) -> Option<ApiError>>,
    /// The scale-in check item that does not pass.
    shrink_fails: Option<ShrinkCheckItem>,
}

impl Fake {
    fn new() -> Self {
        Fake {
            quota: (0, 100),
            subnet_free: 200,
            sold_out: Vec::new(),
            calls: RefCell::new(Vec::new()),
            fail: None,
            shrink_fails: None,
        }
    }

    fn called(&self, call: Call, detail: String) -> Result<(), ApiError> {
        self.calls
            .borrow_mut()
            .push(format!("{call} {detail}").trim().to_owned());
        match self.fail.and_then(|fail| fail(call)) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }
}

fn status(call: Call, status: u16, code: Option<&str>, message: &str) -> ApiError {
    ApiError::Status {
        call,
        status,
        code: code.map(str::to_owned),
        message: Some(message.to_owned()),
        attempts: 1,
        request_id: None,
        help: String::new(),
    }
}

impl Checks for Fake {
    async fn quotas(&self) -> Result<Vec<QuotaResource>, ApiError> {
        self.called(routes::QUOTAS, String::new())?;
        Ok(vec![QuotaResource {
            kind: "instances".into(),
            used: self.quota.0,
            quota: self.quota.1,
            unit: None,
        }])
    }

    async fn node_types(&self) -> Result<Vec<NodeType>, ApiError> {
        self.called(routes::NODE_TYPES_V2, String::new())?;
        let zone = |code: &str| AvailableZone {
            code: code.into(),
            status: if self.sold_out.contains(&code) {
                "sellout"
            } else {
                "normal"
            }
            .into(),
        };
        Ok(vec![NodeType {
            spec_name: "dws.m3.xlarge".into(),
            id: String::new(),
            detail: Vec::new(),
            datastore_type: None,
            architecture: None,
            available_zones: Some(vec![zone("eu-de-01"), zone("eu-de-02")]),
            ram: None,
            vcpus: None,
            datastores: Some(vec![NodeTypeDatastore {
                version: "8.1.3.310".into(),
                role: Some("STABLE".into()),
            }]),
        }])
    }

    async fn precheck(&self, cluster: &ClusterCheck) -> Result<(), ApiError> {
        let detail = format!(
            "{} {} {} {}",
            cluster.name.as_deref().unwrap_or_default(),
            cluster.num_node,
            cluster.availability_zones.join(","),
            cluster.datastore_version
        );
        self.called(routes::PRECHECK, detail)?;
        if cluster.num_node > self.subnet_free {
            return Err(status(
                routes::PRECHECK,
                400,
                Some("DWS.5051"),
                &format!(
                    "subnet has {} free addresses, {} needed",
                    self.subnet_free, cluster.num_node
                ),
            ));
        }
        Ok(())
    }

    async fn grow_check(&self, id: &str, count: u32) -> Result<GrowCheck, ApiError> {
        self.called(routes::GROW_CHECK, format!("{id} {count}"))?;
        let pass = count <= self.subnet_free;
        Ok(GrowCheck {
            data: vec![GrowCheckResult {
                pass,
                reason: (!pass).then(|| {
                    format!("\u{1b}[2JSubnet IP address quota exceeded. Required: {count}")
                }),
                required: true,
                desc: Some("Subnet IP address check".into()),
                kind: Some("Quota".into()),
            }],
            note: None,
        })
    }

    async fn shrink_check(
        &self,
        id: &str,
        item: ShrinkCheckItem,
        count: u32,
    ) -> Result<bool, ApiError> {
        self.called(
            routes::SHRINK_CHECK,
            format!("{id} {} {count}", item.as_str()),
        )?;
        Ok(self.shrink_fails != Some(item))
    }
}

fn plan_of(clusters: Vec<DesiredCluster>, live: &Live) -> Plan {
    crate::plan::diff(&desired(clusters), live, "x")
}

fn checked(plan: &mut Plan, live: &Live, cloud: &Fake) -> Result<Report, CouldNotRun> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(check(plan, live, cloud))
}

/// The blocked steps: (id, reason).
fn blocked(plan: &Plan) -> Vec<(String, String)> {
    plan.steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Blocked(b) if b.rule == rule::PREFLIGHT_FAILED => {
                Some((s.id.to_string(), b.reason.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_plan_without_node_changes_makes_no_call() {
    let mut cluster = desired_cluster("c1", 3);
    cluster.tags.insert("team".into(), "data".into());
    let world = live(vec![live_cluster("c1", 3)], vec![]);
    let cloud = Fake::new();
    let mut plan = plan_of(vec![cluster], &world);
    assert_eq!(plan.steps.len(), 1, "a tag update: {plan:?}");
    let report = checked(&mut plan, &world, &cloud).expect("checked");
    assert_eq!(report, Report::default());
    assert!(cloud.calls().is_empty(), "{:?}", cloud.calls());
}

#[test]
fn creates_that_fit_the_quota_alone_but_not_together_block_the_one_that_overflows() {
    let world = live(vec![], vec![]);
    let mut cloud = Fake::new();
    cloud.quota = (10, 16);
    let mut plan = plan_of(
        vec![
            desired_cluster("a", 3),
            desired_cluster("b", 3),
            desired_cluster("c", 3),
        ],
        &world,
    );
    let report = checked(&mut plan, &world, &cloud).expect("checked");
    assert_eq!(
        blocked(&plan),
        vec![(
            "cluster.c.create".to_owned(),
            "the project's node quota is 16 with 10 in use, so 6 nodes are free; this step \
             and the 2 before it in this plan add 9 (3 here)"
                .to_owned()
        )]
    );
    assert_eq!(report.verdicts[0].concern, Concern::Quota);
    // One listing of each kind, then a precheck for each step the quota leaves; the second
    // asks for the 3 addresses the first takes in the same subnet too.
    assert_eq!(
        cloud.calls(),
        vec![
            "GET /v2/{project_id}/node-types",
            "GET /v1.0/{project_id}/quotas",
            "POST /v2/{project_id}/cluster-precheck a 3 eu-de-01 8.1.3.310",
            "POST /v2/{project_id}/cluster-precheck b 6 eu-de-01 8.1.3.310",
        ]
    );
}

#[test]
fn creates_sharing_a_subnet_are_checked_together_and_the_reason_says_so() {
    let world = live(vec![], vec![]);
    let mut cloud = Fake::new();
    cloud.subnet_free = 5;
    let mut other = desired_cluster("b", 3);
    other.availability_zone = None;
    let mut plan = plan_of(vec![desired_cluster("a", 3), other], &world);
    checked(&mut plan, &world, &cloud).expect("checked");
    let found = blocked(&plan);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "cluster.b.create");
    assert_eq!(
        found[0].1,
        "the cloud's precheck, asked for this step's nodes and the 3 that earlier steps of \
         this plan put in the same subnet, answers: \"DWS.5051: subnet has 5 free addresses, \
         6 needed\""
    );
    // A create without a zone is checked in the zone the cloud would pick: the first listed.
    assert!(
        cloud.calls()[3].ends_with("b 6 eu-de-01 8.1.3.310"),
        "{:?}",
        cloud.calls()
    );
    let step = plan
        .steps
        .iter()
        .find(|s| s.id.0 == "cluster.b.create")
        .expect("step");
    let Action::Blocked(b) = &step.action else {
        panic!("not blocked: {step:?}")
    };
    assert!(
        b.procedure.contains("Free addresses in the subnet"),
        "{}",
        b.procedure
    );
    assert_eq!(
        step.reason,
        format!("b is in the spec but not in the cloud, but {}", found[0].1)
    );
}

#[test]
fn a_node_type_sold_out_in_the_zone_blocks_the_create_without_a_precheck() {
    let world = live(vec![], vec![]);
    let mut cloud = Fake::new();
    cloud.sold_out = vec!["eu-de-01"];
    let mut plan = plan_of(vec![desired_cluster("a", 3)], &world);
    checked(&mut plan, &world, &cloud).expect("checked");
    assert_eq!(
        blocked(&plan),
        vec![(
            "cluster.a.create".to_owned(),
            "node type dws.m3.xlarge is not offered in eu-de-01: the node types list it there \
             as \"sellout\""
                .to_owned()
        )]
    );
    assert!(
        !cloud.calls().iter().any(|c| c.contains("precheck")),
        "{:?}",
        cloud.calls()
    );
}

#[test]
fn a_scale_out_is_grow_checked_with_the_earlier_steps_in_its_subnet_and_reasons_are_escaped() {
    let world = live(vec![live_cluster("old", 3)], vec![]);
    let mut cloud = Fake::new();
    cloud.subnet_free = 5;
    // Plan order: the create of "new" (subnet-1, 3 nodes), then the scale-out of "old" by 3.
    let mut plan = plan_of(
        vec![desired_cluster("new", 3), desired_cluster("old", 6)],
        &world,
    );
    checked(&mut plan, &world, &cloud).expect("checked");
    let calls = cloud.calls();
    let grow = calls
        .iter()
        .find(|c| c.contains("grow-check"))
        .expect("a grow check");
    assert!(grow.ends_with("id-old 6"), "{calls:?}");
    let found = blocked(&plan);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "cluster.old.scale_out");
    assert!(
        found[0]
            .1
            .contains("\"\\u001b[2JSubnet IP address quota exceeded. Required: 6\""),
        "{}",
        found[0].1
    );
}

#[test]
fn a_scale_in_stops_at_the_first_item_that_does_not_pass() {
    let world = live(vec![live_cluster("c1", 6)], vec![]);
    let mut cloud = Fake::new();
    cloud.shrink_fails = Some(ShrinkCheckItem::Schema);
    let mut plan = plan_of(vec![desired_cluster("c1", 3)], &world);
    let report = checked(&mut plan, &world, &cloud).expect("checked");
    assert_eq!(
        cloud.calls(),
        vec![
            "GET /v1/{project_id}/clusters/{cluster_id}/shrink-check id-c1 guc 3",
            "GET /v1/{project_id}/clusters/{cluster_id}/shrink-check id-c1 schema 3",
        ]
    );
    assert_eq!(
        report.verdicts[0].concern,
        Concern::ShrinkItem(ShrinkCheckItem::Schema)
    );
    assert_eq!(blocked(&plan).len(), 1);
}

#[test]
fn a_check_that_cannot_run_is_an_error_naming_the_step_and_the_check() {
    let world = live(vec![live_cluster("c1", 3)], vec![]);
    let mut cloud = Fake::new();
    cloud.fail = Some(|call| {
        Some(ApiError::Transport {
            call,
            reason: "timed out".into(),
            attempts: 3,
        })
    });
    let mut plan = plan_of(vec![desired_cluster("c1", 6)], &world);
    let before = plan.clone();
    let err = checked(&mut plan, &world, &cloud).expect_err("cannot run");
    assert_eq!(err.what, "the quota listing");
    assert!(err.source.to_string().contains("timed out"), "{err}");
    assert_eq!(plan, before, "nothing blocked on a guess");
    // A 5xx from the check itself is the same.
    cloud.fail = None;
    let mut plan = before.clone();
    cloud.calls.borrow_mut().clear();
    let err = rt_grow_5xx(&mut plan, &world, &mut cloud);
    assert!(
        err.what.contains("grow-check for cluster.c1.scale_out"),
        "{}",
        err.what
    );
}

fn rt_grow_5xx(plan: &mut Plan, world: &Live, cloud: &mut Fake) -> CouldNotRun {
    cloud.fail = Some(|call| {
        Some(if call == routes::GROW_CHECK {
            status(call, 503, None, "unavailable")
        } else {
            status(call, 404, None, "no such route")
        })
    });
    // The quota listing's 404 is "not offered" (a warning); the grow check's 503 ends the run.
    checked(plan, world, cloud).expect_err("503")
}

#[test]
fn a_listing_the_endpoint_does_not_offer_is_a_warning_and_the_cloud_checks_still_run() {
    let world = live(vec![], vec![]);
    let mut cloud = Fake::new();
    cloud.fail = Some(|call| {
        if call == routes::QUOTAS {
            Some(status(
                call,
                404,
                Some("APIGW.0101"),
                "The API does not exist",
            ))
        } else if call == routes::PRECHECK {
            Some(status(
                call,
                400,
                Some("DWS.5091"),
                "The number of nodes has reached the maximum.",
            ))
        } else {
            None
        }
    });
    let mut plan = plan_of(vec![desired_cluster("a", 3)], &world);
    let report = checked(&mut plan, &world, &cloud).expect("checked");
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].starts_with("the quota listing is not offered by this endpoint"),
        "{:?}",
        report.warnings
    );
    assert_eq!(
        blocked(&plan),
        vec![(
            "cluster.a.create".to_owned(),
            "the cloud's precheck answers: \"DWS.5091: The number of nodes has reached the \
             maximum.\""
                .to_owned()
        )]
    );
    assert_eq!(report.verdicts[0].concern, Concern::Quota);
}

#[test]
fn a_listing_the_cloud_refuses_is_no_verdict_and_ends_the_run() {
    let world = live(vec![], vec![]);
    let mut cloud = Fake::new();
    cloud.fail = Some(|call| {
        (call == routes::NODE_TYPES_V2).then(|| status(call, 400, Some("DWS.0001"), "bad"))
    });
    let mut plan = plan_of(vec![desired_cluster("a", 3)], &world);
    let err = checked(&mut plan, &world, &cloud).expect_err("cannot run");
    assert_eq!(err.what, "the node types listing");
    assert!(blocked(&plan).is_empty());
}

#[test]
fn a_restore_is_prechecked_as_its_source_and_one_from_an_unknown_source_is_named() {
    let world = live(
        vec![live_cluster("src", 4)],
        vec![
            live_snapshot("snap", "id-src"),
            live_snapshot("orphan", "id-gone"),
        ],
    );
    let cloud = Fake::new();
    let mut restored = desired_cluster("copy", 4);
    restored.origin = Origin::Restore {
        snapshot: "snap".into(),
    };
    let mut lost = desired_cluster("lost", 4);
    lost.origin = Origin::Restore {
        snapshot: "orphan".into(),
    };
    let mut plan = plan_of(vec![live_src(), restored, lost], &world);
    let report = checked(&mut plan, &world, &cloud).expect("checked");
    assert!(
        cloud
            .calls()
            .contains(&"POST /v2/{project_id}/cluster-precheck copy 4 eu-de-01 8.1.3".to_owned()),
        "{:?}",
        cloud.calls()
    );
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].starts_with("cluster.lost.restore was not checked"));
}

fn live_src() -> DesiredCluster {
    desired_cluster("src", 4)
}
