//! A failed check as a blocked step: the rule `preflight_failed`, the reason (the cloud's,
//! quoted), and the procedure for what failed. The step keeps its id, target and changes, so
//! that the reviewer sees what was planned and why it cannot run.

use crate::api::ops::ShrinkCheckItem;
use crate::plan::procedure::{self, rule};
use crate::plan::{Action, Plan, StepId};

/// What a failed check was about: it picks the procedure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Concern {
    /// The project's node quota (this plan's arithmetic, or the cloud's DWS.5091).
    Quota,
    /// The subnet's free addresses (the cloud's DWS.5051, or the scale-out check's subnet item).
    Subnet,
    /// The node type in the zone (the node types' status, or the cloud's DWS.5200).
    NodeType,
    /// Anything else the precheck or scale-out check refused.
    Other,
    /// A scale-in check item that did not pass.
    ShrinkItem(ShrinkCheckItem),
}

impl Concern {
    /// The concern of a refusal, from the cloud's error code (`appendix/error_code.rst`; the
    /// simulator answers the operations' codes, `sim::capacity`).
    pub fn of_code(code: Option<&str>) -> Concern {
        match code {
            Some("DWS.5091") => Concern::Quota,
            Some("DWS.5051") => Concern::Subnet,
            Some("DWS.5200" | "DWS.5006") => Concern::NodeType,
            _ => Concern::Other,
        }
    }
}

/// A step the checks refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub step: StepId,
    pub concern: Concern,
    /// Why, as one escaped line (the cloud's words quoted where they are the cloud's).
    pub reason: String,
}

/// Turns each refused step into a blocked step (`preflight_failed`), so that apply refuses
/// the plan and `plan --detailed-exitcode` exits 3.
pub fn block(plan: &mut Plan, verdicts: &[Verdict]) {
    for verdict in verdicts {
        let Some(step) = plan.steps.iter_mut().find(|s| s.id == verdict.step) else {
            continue;
        };
        if matches!(step.action, Action::Blocked(_)) {
            continue;
        }
        let cluster = step.target.cluster().to_owned();
        // The text plan shows a step's reason, so the cloud's words go there (as the other
        // rules that block a planned step do, `plan::secrets`).
        step.reason = format!("{}, but {}", step.reason, verdict.reason);
        step.action = Action::Blocked(procedure::blocked(
            rule::PREFLIGHT_FAILED,
            verdict.reason.clone(),
            procedure_for(&verdict.concern, &cluster),
        ));
    }
}

fn procedure_for(concern: &Concern, cluster: &str) -> String {
    match concern {
        Concern::Quota => format!(
            "Ask the provider to raise the project's DWS node quota, or free nodes first: \
             apply the deletes and scale-ins on their own, then re-plan (nodes a plan frees \
             count only once they are free). Or plan fewer nodes for {cluster}."
        ),
        Concern::Subnet => format!(
            "Free addresses in the subnet (or plan {cluster} in a subnet with room: a new \
             cluster's subnet_id; an existing cluster moves by snapshot and restore), or plan \
             fewer nodes; then re-plan. Steps of one plan in one subnet are checked together."
        ),
        Concern::NodeType => format!(
            "Set an availability_zone where the node type of {cluster} is offered, or another \
             node_type (GET /v2/{{project_id}}/node-types lists each type's status per zone), \
             then re-plan."
        ),
        Concern::Other => format!(
            "Fix what the cloud's reason names (in the spec of {cluster} or in the project), \
             then re-plan; the checks change nothing and can run as often as needed."
        ),
        Concern::ShrinkItem(item) => {
            let what = match item {
                ShrinkCheckItem::Guc => "a GUC parameter of the cluster stops a scale-in",
                ShrinkCheckItem::Schema => "a table of the cluster stops a scale-in",
                ShrinkCheckItem::Disk => "the data does not fit on the nodes that would stay",
            };
            format!(
                "The cloud's scale-in check says {what}. Keep number_of_node of {cluster} (or \
                 remove fewer nodes), or fix the cause in the console (see \
                 node_change/performing_a_scale-in_check.rst), then re-plan."
            )
        }
    }
}
