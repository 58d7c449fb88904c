//! Whether a step is still the right thing to send, judged on a listing taken just before
//! the call: its precondition (the live value it was planned from) and its goal.
//!
//! Two runs of one spec (two CI pipelines) plan the same steps. A call that takes a delta
//! (resize adds `count` nodes, shrink removes them) moves the cluster again each time it is
//! sent, so it goes out only while the cluster still has the node count the step was planned
//! from. A step whose goal the cloud already shows (another run did it) is done "already in
//! place", not stale: the run that lost the race still succeeds. Anything else means the
//! live state moved since the plan: the step is stale, never re-sent blind.

use crate::api::tags::owned;
use crate::api::wire::Cluster;
use crate::api::Live;
use crate::plan::{Action, Step, TagKv, PASSWORD_VERSION_TAG_KEY};

use super::ctx::{Found, StepEnd, StepResult};
use super::ended::{cluster_settled, snapshot_available, Check};
use super::find::{find_created, find_restored};

/// What a listing says about a step that is about to act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The precondition holds (or the step has none of its own): act.
    Act,
    /// The object the step creates is listed and still being made (or not yet tagged): the
    /// step adopts it instead of creating it, so a saved plan's "absent" fingerprint no
    /// longer applies.
    Exists,
    /// The cloud already shows the step's goal.
    InPlace(String),
    /// The live value the step was planned from moved elsewhere.
    Moved(String),
}

/// The id of the step's cluster on `live` when the step is to act there; otherwise how the
/// step ends ("already in place", stale, or its cluster not listed).
pub fn cluster_to_act_on(step: &Step, live: &Live) -> StepResult<String> {
    let name = step.target.cluster();
    match verify(step, live) {
        Verdict::InPlace(detail) => Err(StepEnd::InPlace(detail)),
        Verdict::Moved(reason) => Err(StepEnd::Stale(reason)),
        Verdict::Act | Verdict::Exists => live
            .cluster(name)
            .map(|c| c.id.clone())
            .ok_or_else(|| StepEnd::Failed(format!("cluster {name} is not listed"))),
    }
}

/// Judges `step` against `live` (see the module doc).
pub fn verify(step: &Step, live: &Live) -> Verdict {
    let name = step.target.cluster();
    let cluster = live.cluster(name);
    match &step.action {
        Action::ScaleOut { count, from } => scale(name, cluster, *from, from.checked_add(*count)),
        Action::ScaleIn { count, from } => scale(name, cluster, *from, from.checked_sub(*count)),
        Action::UpdateTags { create, delete } => match cluster {
            Some(c) if tags_in_place(c, create, delete) => {
                Verdict::InPlace(format!("cluster {name} already carries these tags"))
            }
            _ => Verdict::Act,
        },
        Action::ResetPassword {
            password_version,
            delete_tags,
            ..
        } => match cluster {
            Some(c) if has_tag(c, PASSWORD_VERSION_TAG_KEY, password_version) => Verdict::InPlace(
                format!("cluster {name}'s password is already at version {password_version}"),
            ),
            Some(c) => password_planned_from(c, delete_tags),
            None => Verdict::Act,
        },
        Action::DeleteCluster { .. } if cluster.is_none() => {
            Verdict::InPlace(format!("cluster {name} is already gone"))
        }
        Action::DeleteSnapshot if live.snapshot(step.target.name()).is_none() => {
            Verdict::InPlace(format!("snapshot {} is already gone", step.target.name()))
        }
        Action::CreateSnapshot { .. } => {
            let snapshot = step.target.name();
            match (live.snapshot(snapshot), cluster) {
                (Some(s), Some(c)) if s.cluster_id.as_deref().map_or(true, |id| id == c.id) => {
                    match snapshot_available(Some(s), Some(c)) {
                        Check::Done => Verdict::InPlace(format!("snapshot {snapshot} exists")),
                        _ => Verdict::Exists,
                    }
                }
                _ => Verdict::Act,
            }
        }
        Action::StartCluster | Action::StopCluster => {
            power(name, cluster, matches!(step.action, Action::StartCluster))
        }
        Action::CreateCluster(p) => exists(live, find_created(live, name, p, false), true),
        Action::RestoreCluster(p) => exists(
            live,
            find_restored(live, name),
            p.tags.is_empty() || cluster.is_some_and(owned),
        ),
        Action::SetSecurityGroup { security_group_id } => match cluster {
            Some(c) if c.security_group_id.as_deref() == Some(security_group_id) => {
                Verdict::InPlace(format!(
                    "cluster {name} already has security group {security_group_id}"
                ))
            }
            _ => Verdict::Act,
        },
        Action::UnbindEip { eip_id } => eip(name, cluster, eip_id, false),
        Action::RenameCluster { new_name } => match (cluster, live.cluster(new_name)) {
            (Some(_), None) => Verdict::Act,
            (None, Some(_)) => {
                Verdict::InPlace(format!("cluster {name} is already named {new_name}"))
            }
            (Some(_), Some(_)) => Verdict::Moved(format!(
                "clusters {name} and {new_name} are both listed: the rename would take a name in \
                 use; run plan again"
            )),
            (None, None) => Verdict::Moved(format!(
                "neither {name} nor {new_name} is listed; run plan again"
            )),
        },
        Action::BindEip { eip_id } => eip(name, cluster, eip_id, true),
        _ => Verdict::Act,
    }
}

/// An unbind acts while the cluster holds the EIP, a bind while it holds none; a cluster
/// holding another EIP than the plan saw moved since the plan was made.
fn eip(name: &str, cluster: Option<&Cluster>, eip: &str, bind: bool) -> Verdict {
    let Some(cluster) = cluster else {
        return Verdict::Act;
    };
    match (cluster.bound_eip(), bind) {
        (Some(bound), true) if bound == eip => {
            Verdict::InPlace(format!("cluster {name} already holds EIP {eip}"))
        }
        (None, false) => Verdict::InPlace(format!("cluster {name} holds no EIP")),
        (None, true) => Verdict::Act,
        (Some(bound), false) if bound == eip => Verdict::Act,
        (Some(bound), _) => Verdict::Moved(format!(
            "cluster {name} holds EIP {bound}, which the plan did not expect; run plan again"
        )),
    }
}

/// A created or restored cluster: in place once listed, settled and (when the step tags it)
/// tagged; adopted while it is still being made.
fn exists(live: &Live, found: Found, tagged: bool) -> Verdict {
    let Found::Match(id) = found else {
        return Verdict::Act;
    };
    match live.clusters.iter().find(|c| c.id == id) {
        Some(c) if tagged && cluster_settled(Some(c)) == Check::Done => {
            Verdict::InPlace(format!("cluster {} exists", c.name))
        }
        _ => Verdict::Exists,
    }
}

/// A start goes out only to a stopped cluster, a stop only to a running one; the other
/// state is the step's goal, already reached (another run did it).
fn power(name: &str, cluster: Option<&Cluster>, start: bool) -> Verdict {
    let Some(cluster) = cluster else {
        return Verdict::Moved(format!("cluster {name} is no longer listed"));
    };
    match (start, crate::plan::is_stopped(cluster)) {
        (true, false) => Verdict::InPlace(format!("cluster {name} is already running")),
        (false, true) => Verdict::InPlace(format!("cluster {name} is already stopped")),
        _ => Verdict::Act,
    }
}

fn scale(name: &str, cluster: Option<&Cluster>, from: u32, to: Option<u32>) -> Verdict {
    let Some(cluster) = cluster else {
        return Verdict::Moved(format!("cluster {name} is no longer listed"));
    };
    let Some(to) = to else {
        return Verdict::Moved(format!("cannot change {from} nodes by that many"));
    };
    let have = cluster.number_of_node;
    if have == to {
        Verdict::InPlace(format!("cluster {name} already has {to} nodes"))
    } else if have == from {
        Verdict::Act
    } else {
        Verdict::Moved(format!(
            "cluster {name} has {have} nodes; the step was planned from {from} to reach {to}, \
             so its node count moved since the plan was made; run plan again"
        ))
    }
}

/// A reset replaces the version tag the plan saw (`delete_tags`; none when the cluster had
/// none): any other version tag means someone reset the password since the plan was made.
fn password_planned_from(cluster: &Cluster, delete_tags: &[TagKv]) -> Verdict {
    let version = |t: &&TagKv| t.key == PASSWORD_VERSION_TAG_KEY;
    let live = cluster
        .tags
        .iter()
        .find(|t| t.key == PASSWORD_VERSION_TAG_KEY)
        .map(|t| t.value.as_str());
    let planned = delete_tags.iter().find(version).map(|t| t.value.as_str());
    if live == planned {
        return Verdict::Act;
    }
    let shown = |v: Option<&str>| v.map_or_else(|| "none".to_owned(), |v| format!("`{v}`"));
    Verdict::Moved(format!(
        "cluster {}'s password version is {}; the step was planned from {}, so someone reset \
         the password since the plan was made; run plan again",
        cluster.name,
        shown(live),
        shown(planned)
    ))
}

fn has_tag(cluster: &Cluster, key: &str, value: &str) -> bool {
    cluster
        .tags
        .iter()
        .any(|t| t.key == key && t.value == value)
}

/// Every tag to create is there with its value, and no tag to delete is there with the value
/// it was to be deleted for (a changed value is a delete of the old plus a create of the new).
fn tags_in_place(cluster: &Cluster, create: &[TagKv], delete: &[TagKv]) -> bool {
    create.iter().all(|t| has_tag(cluster, &t.key, &t.value))
        && !delete
            .iter()
            .any(|d| has_tag(cluster, &d.key, &d.value) && !create.iter().any(|c| c == d))
}

/// While a resize from `from` to `to` nodes runs, whether the cluster's node count can still
/// get there: it must lie between the two. A count beyond the target (another run's second
/// resize) never comes back by waiting, so the wait ends at once instead of at its timeout.
pub fn resize_unreachable(cluster: Option<&Cluster>, from: u32, to: u32) -> Option<Check> {
    let cluster = cluster?;
    let have = cluster.number_of_node;
    let (low, high) = if from <= to { (from, to) } else { (to, from) };
    (have < low || have > high).then(|| {
        let beyond = if (have > to) == (from < to) {
            "beyond"
        } else {
            "away from"
        };
        Check::Failed(format!(
            "cluster {} has {have} nodes, {beyond} the target of {to} (the step started from \
             {from}): another change moved it, so waiting cannot reach the target; run plan \
             again",
            cluster.name
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testkit::live_cluster;
    use crate::plan::{Fingerprint, StepId, Target};

    fn step(action: Action) -> Step {
        Step {
            id: StepId("s".into()),
            target: Target::Cluster { name: "c1".into() },
            action,
            changes: vec![],
            reason: String::new(),
            depends_on: vec![],
            fingerprint: Fingerprint::absent(),
            maintenance: None,
        }
    }

    fn live(nodes: u32) -> Live {
        Live {
            clusters: vec![live_cluster("c1", nodes)],
            snapshots: vec![],
            ..Live::default()
        }
    }

    #[test]
    fn scale_acts_only_from_the_planned_node_count() {
        let out = step(Action::ScaleOut { count: 3, from: 3 });
        assert_eq!(verify(&out, &live(3)), Verdict::Act);
        assert!(matches!(verify(&out, &live(6)), Verdict::InPlace(_)));
        assert!(matches!(verify(&out, &live(9)), Verdict::Moved(r) if r.contains("9 nodes")));
        let shrink = step(Action::ScaleIn { count: 3, from: 6 });
        assert_eq!(verify(&shrink, &live(6)), Verdict::Act);
        assert!(matches!(verify(&shrink, &live(3)), Verdict::InPlace(_)));
        assert!(matches!(verify(&shrink, &live(4)), Verdict::Moved(_)));
        assert!(matches!(
            verify(&shrink, &Live::default()),
            Verdict::Moved(_)
        ));
    }

    #[test]
    fn a_count_past_the_target_ends_the_wait() {
        let c = live_cluster("c1", 9);
        assert!(matches!(
            resize_unreachable(Some(&c), 3, 6),
            Some(Check::Failed(r)) if r.contains("9 nodes, beyond the target of 6")
        ));
        let c = live_cluster("c1", 3);
        assert!(matches!(
            resize_unreachable(Some(&c), 9, 6),
            Some(Check::Failed(r)) if r.contains("beyond the target")
        ));
        for nodes in [3, 4, 6] {
            let c = live_cluster("c1", nodes);
            assert_eq!(resize_unreachable(Some(&c), 3, 6), None, "{nodes}");
        }
    }

    #[test]
    fn tags_already_set_are_in_place() {
        let kv = |k: &str, v: &str| TagKv {
            key: k.into(),
            value: v.into(),
        };
        let mut world = live(3);
        world.clusters[0].tags = vec![crate::api::wire::Tag {
            key: "env".into(),
            value: "prod".into(),
        }];
        let change = step(Action::UpdateTags {
            create: vec![kv("env", "prod")],
            delete: vec![kv("env", "dev")],
        });
        assert!(matches!(verify(&change, &world), Verdict::InPlace(_)));
        let other = step(Action::UpdateTags {
            create: vec![kv("env", "test")],
            delete: vec![kv("env", "prod")],
        });
        assert_eq!(verify(&other, &world), Verdict::Act);
    }

    #[test]
    fn a_reset_acts_only_on_the_version_tag_the_plan_recorded() {
        let version = |v: &str| TagKv {
            key: PASSWORD_VERSION_TAG_KEY.into(),
            value: v.into(),
        };
        let with_version = |v: Option<&str>| {
            let mut world = live(3);
            if let Some(v) = v {
                world.clusters[0].tags.push(crate::api::wire::Tag {
                    key: PASSWORD_VERSION_TAG_KEY.into(),
                    value: v.into(),
                });
            }
            world
        };
        let reset = |delete_tags: Vec<TagKv>| {
            step(Action::ResetPassword {
                password: crate::secret::SecretRef::FromEnv("UNUSED".into()),
                password_version: "v2".into(),
                delete_tags,
            })
        };
        let from_v1 = reset(vec![version("v1")]);
        assert_eq!(verify(&from_v1, &with_version(Some("v1"))), Verdict::Act);
        assert!(matches!(
            verify(&from_v1, &with_version(Some("v2"))),
            Verdict::InPlace(_)
        ));
        assert!(matches!(
            verify(&from_v1, &with_version(Some("v0"))),
            Verdict::Moved(r) if r.contains("`v0`") && r.contains("`v1`")
        ));
        assert!(matches!(
            verify(&from_v1, &with_version(None)),
            Verdict::Moved(r) if r.contains("version is none")
        ));
        // Planned for a cluster without a version tag: a tag that appeared since is not
        // deleted on the executor's own judgement; the step is stale.
        let from_none = reset(Vec::new());
        assert_eq!(verify(&from_none, &with_version(None)), Verdict::Act);
        assert!(matches!(
            verify(&from_none, &with_version(Some("v1"))),
            Verdict::Moved(_)
        ));
    }
}
