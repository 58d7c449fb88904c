//! [`Client::observe_with`]: the two listings, then the per-cluster reads a spec asked for
//! ([`Reads`]), a few at a time.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::Client;
use super::error::ApiError;
use super::live::{Extras, Live, Reads};
use super::ops::CoordinatorList;
use super::policy::SnapshotPolicy;
use super::wire::Cluster;

/// Per-cluster reads in flight at once: enough to hide latency on a large estate, few enough
/// not to trip the API's rate limit (every call still goes through the shared limiter).
const CONCURRENT_READS: usize = 4;

/// One per-cluster read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Detail,
    Coordinators,
    Policy,
}

enum Fact {
    Detail(Box<Cluster>),
    Coordinators(CoordinatorList),
    Policy(SnapshotPolicy),
}

impl Client {
    /// The whole live state ([`Client::observe`]) and the per-cluster facts `reads` asks for.
    /// Any failed read fails the whole observation: a plan made without a fact it needs would
    /// be wrong. When several fail, the error reported is that of the first by cluster name
    /// and kind, so the same failure gets the same report on every run.
    pub async fn observe_with(&self, reads: &Reads) -> Result<Live, ApiError> {
        let mut live = self.observe().await?;
        if reads.is_empty() {
            return Ok(live);
        }
        let wanted = wanted(&live, reads);
        live.extras = self.read_all(wanted).await?;
        Ok(live)
    }

    /// The per-cluster facts `reads` asks for that `live` does not hold yet, added to it. For
    /// reads decided after the diff (the maintenance windows of the clusters a plan disrupts):
    /// clusters read already are not read again.
    pub async fn observe_more(&self, live: &mut Live, reads: &Reads) -> Result<(), ApiError> {
        let mut reads = reads.clone();
        reads
            .details
            .retain(|name| !live.extras.details.contains_key(name));
        reads
            .coordinators
            .retain(|name| !live.extras.coordinators.contains_key(name));
        reads
            .policies
            .retain(|name| !live.extras.policies.contains_key(name));
        if reads.is_empty() {
            return Ok(());
        }
        let more = self.read_all(wanted(live, &reads)).await?;
        live.extras.details.extend(more.details);
        live.extras.coordinators.extend(more.coordinators);
        live.extras.policies.extend(more.policies);
        Ok(())
    }

    async fn read_all(&self, wanted: Vec<(String, String, Kind)>) -> Result<Extras, ApiError> {
        let permits = Arc::new(Semaphore::new(CONCURRENT_READS));
        let mut tasks = JoinSet::new();
        for (name, id, kind) in wanted {
            let client = self.clone();
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = permits.acquire_owned().await;
                let fact = client.read_one(&id, kind).await;
                (name, kind, fact)
            });
        }
        let mut results = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => results.push(result),
                // A read task cannot panic short of a bug; re-raise it rather than plan from
                // a partial observation.
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        results.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut extras = Extras::default();
        for (name, _, fact) in results {
            match fact? {
                Fact::Detail(cluster) => {
                    extras.details.insert(name, *cluster);
                }
                Fact::Coordinators(list) => {
                    extras.coordinators.insert(name, list);
                }
                Fact::Policy(policy) => {
                    extras.policies.insert(name, policy);
                }
            }
        }
        Ok(extras)
    }

    async fn read_one(&self, id: &str, kind: Kind) -> Result<Fact, ApiError> {
        Ok(match kind {
            Kind::Detail => Fact::Detail(Box::new(self.get_cluster(id).await?)),
            Kind::Coordinators => Fact::Coordinators(self.list_coordinators(id).await?),
            Kind::Policy => Fact::Policy(self.get_snapshot_policy(id).await?),
        })
    }
}

/// `(name, id, kind)` for each asked read of a cluster listed exactly once.
fn wanted(live: &Live, reads: &Reads) -> Vec<(String, String, Kind)> {
    let sets = [
        (&reads.details, Kind::Detail),
        (&reads.coordinators, Kind::Coordinators),
        (&reads.policies, Kind::Policy),
    ];
    let mut wanted = Vec::new();
    for (names, kind) in sets {
        for name in names {
            let mut listed = live.clusters.iter().filter(|c| &c.name == name);
            if let (Some(cluster), None) = (listed.next(), listed.next()) {
                wanted.push((name.clone(), cluster.id.clone(), kind));
            }
        }
    }
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(name: &str, id: &str) -> Cluster {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "status": "AVAILABLE", "port": 8000,
            "user_name": "dbadmin", "number_of_node": 3, "node_type": "dws.m3.xlarge",
        }))
        .expect("a minimal listed cluster")
    }

    fn reads(names: &[&str]) -> Reads {
        let set = names.iter().map(|n| (*n).to_owned()).collect();
        Reads {
            details: set,
            ..Reads::default()
        }
    }

    #[test]
    fn only_clusters_listed_exactly_once_are_read() {
        let live = Live {
            clusters: vec![
                cluster("a", "id-a"),
                cluster("b", "id-b1"),
                cluster("b", "id-b2"),
            ],
            ..Live::default()
        };
        let wanted = wanted(&live, &reads(&["a", "b", "missing"]));
        assert_eq!(
            wanted,
            vec![("a".to_owned(), "id-a".to_owned(), Kind::Detail)]
        );
    }
}
