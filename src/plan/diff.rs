//! `diff(Desired, Live) → Plan`: the planner's entry point, its step builder, the linking of
//! dependencies across clusters, and the final ordering.
//!
//! The planner is pure and synchronous. Clusters are visited in spec order (the `IndexMap`);
//! each cluster's steps form a chain (the API runs one task per cluster at a time); steps that
//! read another cluster's snapshot are linked after every cluster has been visited; the
//! result is topologically sorted with ties broken by the order the steps were made, so the
//! same inputs always give byte-identical plans.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};

use crate::api::state::{snapshot_state, SnapshotState};
use crate::api::Live;
use crate::plan::fingerprint::{clusters_fingerprint, snapshots_fingerprint, ClusterFacts};
use crate::plan::index::Index;
use crate::plan::model::{
    Action, Blocked, FieldChange, Fingerprint, Plan, Step, StepId, Target, FORMAT_VERSION,
};
use crate::plan::procedure::{self, rule};
use crate::plan::record;
use crate::spec::{Desired, DesiredCluster};

/// Computes the plan that takes `live` to `desired`. `spec_digest` is recorded in the plan so
/// that `apply PLAN` can refuse a plan made for other spec inputs.
pub fn diff(desired: &Desired, live: &Live, spec_digest: &str) -> Plan {
    let mut builder = Builder::new(desired, live);
    for cluster in desired.clusters.values() {
        builder.cluster(cluster);
    }
    builder.restore_followups();
    builder.plan_policies();
    builder.record_applied();
    builder.link_readers();
    let mut steps = builder.steps;
    record::assign_causes(&mut steps, desired, &builder.live, live);
    Plan {
        format_version: FORMAT_VERSION,
        spec_digest: spec_digest.to_owned(),
        steps: order(steps),
    }
}

/// A step before it gets its id, dependencies and fingerprint.
pub(crate) struct Planned {
    pub target: Target,
    pub action: Action,
    pub changes: Vec<FieldChange>,
    pub reason: String,
}

/// Collects steps while the clusters are visited.
pub(crate) struct Builder<'a> {
    pub desired: &'a Desired,
    pub live: Index<'a>,
    pub steps: Vec<Step>,
    ids: HashSet<StepId>,
    /// The last step of each cluster's chain.
    tails: HashMap<String, StepId>,
    /// What each cluster will look like once its chain so far is done, for fingerprints.
    facts: HashMap<String, ClusterFacts>,
    /// The step after which a snapshot (by name) is AVAILABLE: its create or its wait.
    pub snapshot_ready: HashMap<String, StepId>,
    /// Restored clusters whose password and size steps are planned once every cluster is
    /// (the restore step, and the source's node count when the snapshot exists already).
    pub followups: Vec<(&'a DesiredCluster, StepId, Option<u32>)>,
    /// The node count each snapshot this plan takes will have, by name.
    pub taken: HashMap<String, u32>,
    /// Restore steps and the snapshot each reads.
    pub restores: Vec<(StepId, String)>,
    /// Snapshot deletes, by snapshot name.
    pub snapshot_deletes: Vec<(StepId, String)>,
    /// Cluster deletes and the snapshot names that belong to the deleted cluster.
    pub cluster_deletes: Vec<(StepId, BTreeSet<String>)>,
    /// Clusters whose automated-snapshot policy is planned last in their chain, and whether
    /// this plan creates or restores them (`plan::policy`).
    pub policies: Vec<(&'a DesiredCluster, bool)>,
    /// The live policies read for the spec (`Live.extras.policies`), by cluster name.
    pub live_policies: &'a std::collections::BTreeMap<String, crate::api::policy::SnapshotPolicy>,
}

impl<'a> Builder<'a> {
    fn new(desired: &'a Desired, live: &'a Live) -> Self {
        Self {
            desired,
            live: Index::new(live),
            steps: Vec::new(),
            ids: HashSet::new(),
            tails: HashMap::new(),
            facts: HashMap::new(),
            snapshot_ready: HashMap::new(),
            followups: Vec::new(),
            taken: HashMap::new(),
            restores: Vec::new(),
            snapshot_deletes: Vec::new(),
            cluster_deletes: Vec::new(),
            policies: Vec::new(),
            live_policies: &live.extras.policies,
        }
    }

    fn unique_id(&mut self, target: &Target, verb: &str) -> StepId {
        let kind = match target {
            Target::Cluster { .. } => "cluster",
            Target::Snapshot { .. } => "snapshot",
        };
        let base = format!("{kind}.{}.{verb}", target.name());
        let mut id = StepId(base.clone());
        let mut n = 2;
        while self.ids.contains(&id) {
            id = StepId(format!("{base}-{n}"));
            n += 1;
        }
        self.ids.insert(id.clone());
        id
    }

    /// Adds a step to its cluster's chain: it depends on the chain's last step (and on
    /// `extra`), and its fingerprint is that of the object as the chain leaves it.
    pub fn chain(&mut self, planned: Planned, extra: Vec<StepId>) -> StepId {
        let verb = verb(&planned.action);
        self.chain_with(planned, extra, verb)
    }

    /// [`Builder::chain`] with the verb of the step's id given (`record` for a tag step that
    /// writes the record of the apply).
    pub fn chain_as(&mut self, planned: Planned, verb: &str) -> StepId {
        self.chain_with(planned, Vec::new(), verb)
    }

    fn chain_with(&mut self, planned: Planned, extra: Vec<StepId>, verb: &str) -> StepId {
        let cluster = planned.target.cluster().to_owned();
        let mut deps: Vec<StepId> = self.tails.get(&cluster).cloned().into_iter().collect();
        for dep in extra {
            if !deps.contains(&dep) {
                deps.push(dep);
            }
        }
        let fingerprint = match &planned.target {
            Target::Cluster { name } => match self.facts.get(name) {
                Some(facts) => facts.fingerprint(),
                None => self.live_fingerprint(&planned.target),
            },
            Target::Snapshot { .. } => self.live_fingerprint(&planned.target),
        };
        let id = self.push_as(planned, deps, fingerprint, verb);
        self.tails.insert(cluster, id.clone());
        id
    }

    /// Adds a step outside every chain (a wait for an object the spec does not list).
    pub fn standalone(&mut self, planned: Planned) -> StepId {
        let fingerprint = self.live_fingerprint(&planned.target);
        self.push(planned, Vec::new(), fingerprint)
    }

    /// Adds a blocked step. It is outside every chain: nothing waits for a step that never
    /// runs, and apply refuses a plan that has one.
    pub fn block(&mut self, target: Target, blocked: Blocked, changes: Vec<FieldChange>) -> StepId {
        let reason = blocked.reason.clone();
        let fingerprint = self.live_fingerprint(&target);
        self.push(
            Planned {
                target,
                action: Action::Blocked(blocked),
                changes,
                reason,
            },
            Vec::new(),
            fingerprint,
        )
    }

    /// [`crate::plan::fingerprint`] through the index.
    fn live_fingerprint(&self, target: &Target) -> Fingerprint {
        match target {
            Target::Cluster { name } => clusters_fingerprint(self.live.clusters_named(name)),
            Target::Snapshot { name, .. } => snapshots_fingerprint(self.live.snapshots_named(name)),
        }
    }

    fn push(&mut self, planned: Planned, depends_on: Vec<StepId>, fp: Fingerprint) -> StepId {
        let verb = verb(&planned.action);
        self.push_as(planned, depends_on, fp, verb)
    }

    fn push_as(
        &mut self,
        planned: Planned,
        depends_on: Vec<StepId>,
        fp: Fingerprint,
        verb: &str,
    ) -> StepId {
        let id = self.unique_id(&planned.target, verb);
        self.steps.push(Step {
            id: id.clone(),
            target: planned.target,
            action: planned.action,
            changes: planned.changes,
            reason: planned.reason,
            depends_on,
            fingerprint: fp,
            maintenance: None,
        });
        id
    }

    /// The facts the next step of `cluster`'s chain will see.
    pub fn facts(&self, cluster: &str) -> Option<&ClusterFacts> {
        self.facts.get(cluster)
    }

    /// After a rename step on `old`'s chain: the steps of `new` follow it, from the facts it
    /// leaves (a rename changes no fact but the name, which facts do not hold).
    pub fn follow_rename(&mut self, old: &str, new: &str) {
        if let Some(tail) = self.tails.get(old).cloned() {
            self.tails.insert(new.to_owned(), tail);
        }
        if let Some(facts) = self.facts.get(old).cloned() {
            self.facts.insert(new.to_owned(), facts);
        }
    }

    pub fn set_facts(&mut self, cluster: &str, facts: ClusterFacts) {
        self.facts.insert(cluster.to_owned(), facts);
    }

    /// A restore from a CREATING snapshot that no step of the plan waits for (the spec does
    /// not list it, or its cluster's steps are blocked) gets a wait of its own.
    fn wait_for_unwatched_snapshots(&mut self) {
        for (_, snapshot) in self.restores.clone() {
            if self.snapshot_ready.contains_key(&snapshot) {
                continue;
            }
            let creating = self
                .live
                .snapshot(&snapshot)
                .filter(|s| snapshot_state(s) == SnapshotState::Creating);
            if let Some(s) = creating {
                let wait = self.wait_snapshot_outside_spec(s);
                self.snapshot_ready.insert(snapshot, wait);
            }
        }
    }

    /// After every cluster is visited: restores wait for their snapshot; deletes wait for
    /// every restore that reads from what they delete.
    fn link_readers(&mut self) {
        self.wait_for_unwatched_snapshots();
        let mut extra: HashMap<StepId, Vec<StepId>> = HashMap::new();
        let mut orphans: HashSet<StepId> = HashSet::new();
        for (restore, snapshot) in &self.restores {
            if let Some(ready) = self.snapshot_ready.get(snapshot) {
                extra
                    .entry(restore.clone())
                    .or_default()
                    .push(ready.clone());
            } else if self.live.snapshot(snapshot).is_none() {
                // The spec takes the snapshot, but that step is blocked.
                orphans.insert(restore.clone());
            }
        }
        for (delete, snapshot) in &self.snapshot_deletes {
            for (restore, read) in &self.restores {
                if read == snapshot {
                    extra
                        .entry(delete.clone())
                        .or_default()
                        .push(restore.clone());
                }
            }
        }
        for (delete, snapshots) in &self.cluster_deletes {
            for (restore, read) in &self.restores {
                if snapshots.contains(read) {
                    extra
                        .entry(delete.clone())
                        .or_default()
                        .push(restore.clone());
                }
            }
        }
        for step in &mut self.steps {
            if orphans.contains(&step.id) {
                step.action = Action::Blocked(procedure::blocked(
                    rule::MISSING_SNAPSHOT,
                    format!(
                        "{}, but the step that takes its snapshot is blocked",
                        step.reason
                    ),
                    "Resolve the blocked step of the snapshot first.",
                ));
                step.depends_on.clear();
            }
            if let Some(deps) = extra.remove(&step.id) {
                for dep in deps {
                    if dep != step.id && !step.depends_on.contains(&dep) {
                        step.depends_on.push(dep);
                    }
                }
            }
        }
    }
}

/// The verb of a step id.
fn verb(action: &Action) -> &'static str {
    match action {
        Action::CreateCluster(_) | Action::CreateSnapshot { .. } => "create",
        Action::RestoreCluster(_) => "restore",
        Action::ScaleOut { .. } => "scale_out",
        Action::ScaleIn { .. } => "scale_in",
        Action::ResetPassword { .. } => "reset_password",
        Action::UpdateTags { .. } => "tags",
        Action::DeleteSnapshot | Action::DeleteCluster { .. } => "delete",
        Action::Wait { .. } => "wait",
        Action::Blocked(_) => "blocked",
        Action::SetSecurityGroup { .. } => "security_group",
        Action::UnbindEip { .. } => "unbind_eip",
        Action::BindEip { .. } => "bind_eip",
        Action::StartCluster => "start",
        Action::StopCluster => "stop",
        Action::AddCoordinators { .. } => "add_cns",
        Action::DeleteCoordinators { .. } => "delete_cns",
        Action::SetSnapshotPolicy { .. } => "policy",
        Action::RenameCluster { .. } => "rename",
        Action::SetDescription { .. } => "description",
    }
}

/// Orders steps so that every step comes after its dependencies; among the steps that are
/// ready, the one made first goes first (spec order). Steps caught in a cycle, which a valid
/// spec cannot produce, are turned into blocked steps rather than dropped.
fn order(steps: Vec<Step>) -> Vec<Step> {
    let index: HashMap<StepId, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    let mut waiting: Vec<usize> = vec![0; steps.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (i, step) in steps.iter().enumerate() {
        for dep in &step.depends_on {
            if let (Some(&d), Some(w)) = (index.get(dep), waiting.get_mut(i)) {
                *w += 1;
                if let Some(list) = dependents.get_mut(d) {
                    list.push(i);
                }
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = waiting
        .iter()
        .enumerate()
        .filter(|(_, w)| **w == 0)
        .map(|(i, _)| Reverse(i))
        .collect();
    let mut sequence = Vec::with_capacity(steps.len());
    while let Some(Reverse(i)) = ready.pop() {
        sequence.push(i);
        for &d in dependents.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(w) = waiting.get_mut(d) {
                *w -= 1;
                if *w == 0 {
                    ready.push(Reverse(d));
                }
            }
        }
    }
    let placed: HashSet<usize> = sequence.iter().copied().collect();
    let cyclic: Vec<usize> = (0..steps.len()).filter(|i| !placed.contains(i)).collect();
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    let mut out: Vec<Step> = sequence
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect();
    for i in cyclic {
        if let Some(mut step) = slots.get_mut(i).and_then(Option::take) {
            step.reason = format!(
                "{} (but it is part of a dependency cycle: {})",
                step.reason,
                step.depends_on
                    .iter()
                    .map(StepId::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            step.action = Action::Blocked(procedure::blocked(
                rule::DEPENDENCY_CYCLE,
                step.reason.clone(),
                "Break the cycle in the spec: a cluster cannot be restored from a snapshot that \
                 only exists once that cluster does.",
            ));
            step.depends_on.clear();
            out.push(step);
        }
    }
    out
}
