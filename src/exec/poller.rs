//! One poller observes every in-flight operation: one cluster list per tick (plus one
//! snapshot list while a snapshot operation is in flight), broadcast to all waiters.
//!
//! Per-operation polling costs K calls per tick for K operations and pushes a throttled API
//! over its limit; a shared list costs one call whatever K is. Waiters register an
//! [`Interest`] for as long as they wait, and the poller sleeps when nobody is interested.
//! Every observation carries the number of the tick that produced it, so that a waiter can
//! ignore listings that started before its own mutating call returned.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::cloud::Cloud;
use crate::api::Live;

/// The latest listing, as every waiter sees it.
#[derive(Clone, Debug)]
pub struct Observation {
    /// The tick that produced the cluster list; 0 for the listing the run started from.
    pub seq: u64,
    /// Clusters from tick `seq`; snapshots from tick `snapshots_seq` (snapshots are listed
    /// only while a snapshot operation is in flight).
    pub live: Arc<Live>,
    pub snapshots_seq: u64,
    /// Why the latest tick's listing failed, if it did; `live` is then the previous one.
    pub error: Option<String>,
    /// The tick that produced this observation, successful or not (`seq` stays at the last
    /// successful one): a waiter whose time is up needs a listing attempt after that point.
    pub tick: u64,
}

/// What a waiter needs listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Clusters,
    ClustersAndSnapshots,
}

/// Shared between the poll loop and the waiters.
pub struct Poller {
    tx: watch::Sender<Arc<Observation>>,
    clusters: AtomicUsize,
    snapshots: AtomicUsize,
    ticks_started: AtomicU64,
    wake: Notify,
}

/// Keeps the poller ticking while held.
pub struct Interest {
    poller: Arc<Poller>,
    need: Need,
}

impl Drop for Interest {
    fn drop(&mut self) {
        self.poller.clusters.fetch_sub(1, Ordering::SeqCst);
        if self.need == Need::ClustersAndSnapshots {
            self.poller.snapshots.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Poller {
    /// A poller whose first observation is `seed` (tick 0).
    pub fn new(seed: Live) -> Arc<Self> {
        let (tx, _) = watch::channel(Arc::new(Observation {
            seq: 0,
            live: Arc::new(seed),
            snapshots_seq: 0,
            error: None,
            tick: 0,
        }));
        Arc::new(Self {
            tx,
            clusters: AtomicUsize::new(0),
            snapshots: AtomicUsize::new(0),
            ticks_started: AtomicU64::new(0),
            wake: Notify::new(),
        })
    }

    /// Registers a waiter; the poller lists what it needs until the guard is dropped.
    pub fn interest(self: &Arc<Self>, need: Need) -> Interest {
        self.clusters.fetch_add(1, Ordering::SeqCst);
        if need == Need::ClustersAndSnapshots {
            self.snapshots.fetch_add(1, Ordering::SeqCst);
        }
        self.wake.notify_one();
        Interest {
            poller: Arc::clone(self),
            need,
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<Observation>> {
        self.tx.subscribe()
    }

    pub fn latest(&self) -> Arc<Observation> {
        Arc::clone(&self.tx.borrow())
    }

    /// The number of ticks started so far: a listing with a greater `seq` started after now.
    pub fn ticks_started(&self) -> u64 {
        self.ticks_started.load(Ordering::SeqCst)
    }

    /// The poll loop; runs until the task is aborted. `interval` is in real time.
    pub async fn run<C: Cloud>(self: Arc<Self>, cloud: C, interval: Duration) {
        loop {
            // Register for a wake-up before checking, so that a new interest is not missed.
            let woken = self.wake.notified();
            if self.clusters.load(Ordering::SeqCst) == 0 {
                woken.await;
                continue;
            }
            tokio::time::sleep(interval).await;
            if self.clusters.load(Ordering::SeqCst) == 0 {
                continue;
            }
            self.tick(&cloud).await;
        }
    }

    async fn tick<C: Cloud>(&self, cloud: &C) {
        let seq = self.ticks_started.fetch_add(1, Ordering::SeqCst) + 1;
        let want_snapshots = self.snapshots.load(Ordering::SeqCst) > 0;
        let clusters = cloud.list_clusters().await;
        let snapshots = if want_snapshots {
            Some(cloud.list_snapshots().await)
        } else {
            None
        };
        let previous = self.latest();
        let next = match (clusters, snapshots) {
            (Ok(clusters), None) => Observation {
                seq,
                live: Arc::new(Live {
                    clusters,
                    snapshots: previous.live.snapshots.clone(),
                }),
                snapshots_seq: previous.snapshots_seq,
                error: None,
                tick: seq,
            },
            (Ok(clusters), Some(Ok(snapshots))) => Observation {
                seq,
                live: Arc::new(Live {
                    clusters,
                    snapshots,
                }),
                snapshots_seq: seq,
                error: None,
                tick: seq,
            },
            (Err(err), _) | (_, Some(Err(err))) => Observation {
                error: Some(err.to_string()),
                tick: seq,
                ..(*previous).clone()
            },
        };
        self.tx.send_replace(Arc::new(next));
    }
}
