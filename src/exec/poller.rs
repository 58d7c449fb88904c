//! One poller observes every in-flight operation: one cluster list per tick (plus one
//! snapshot list while a snapshot operation is in flight), broadcast to all waiters.
//!
//! Per-operation polling costs K calls per tick for K operations and pushes a throttled API
//! over its limit; a shared list costs one call whatever K is. Waiters register an
//! [`Interest`] for as long as they wait, each saying when it wants the next listing (an
//! operation in flight by its forecast, see [`super::schedule`]; any other wait one dense
//! interval on); the poller ticks at the earliest of these times, at least the shortest gap
//! after its previous tick, and sleeps when nobody is interested. Every observation carries
//! the number of the tick that produced it, so that a waiter can ignore listings that started
//! before its own mutating call returned.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::cloud::Cloud;
use super::schedule::{later, Cadence};
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
    /// When the tick began and ended: the cloud read its state in between (a progress
    /// reading is dated by these).
    pub listed_from: Instant,
    pub listed_to: Instant,
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
    cadence: Cadence,
    /// Each registered waiter: what it needs listed, and when it wants the next listing.
    waiters: Mutex<HashMap<u64, (Need, Instant)>>,
    next_waiter: AtomicU64,
    ticks_started: AtomicU64,
    wake: Notify,
}

/// Keeps the poller ticking while held.
pub struct Interest {
    poller: Arc<Poller>,
    id: u64,
}

impl Interest {
    /// Asks for the next listing at `at` (replacing the time asked before).
    pub fn list_at(&self, at: Instant) {
        if let Ok(mut waiters) = self.poller.waiters.lock() {
            if let Some(entry) = waiters.get_mut(&self.id) {
                entry.1 = at;
            }
        }
        self.poller.wake.notify_one();
    }

    /// Asks for the next listing one dense interval from now (a wait that expects nothing).
    pub fn list_soon(&self) {
        self.list_at(later(Instant::now(), self.poller.cadence.dense()));
    }
}

impl Drop for Interest {
    fn drop(&mut self) {
        if let Ok(mut waiters) = self.poller.waiters.lock() {
            waiters.remove(&self.id);
        }
    }
}

impl Poller {
    /// A poller whose first observation is `seed` (tick 0).
    pub fn new(seed: Live, cadence: Cadence) -> Arc<Self> {
        let now = Instant::now();
        let (tx, _) = watch::channel(Arc::new(Observation {
            seq: 0,
            live: Arc::new(seed),
            snapshots_seq: 0,
            error: None,
            tick: 0,
            listed_from: now,
            listed_to: now,
        }));
        Arc::new(Self {
            tx,
            cadence,
            waiters: Mutex::new(HashMap::new()),
            next_waiter: AtomicU64::new(0),
            ticks_started: AtomicU64::new(0),
            wake: Notify::new(),
        })
    }

    pub fn cadence(&self) -> &Cadence {
        &self.cadence
    }

    /// Registers a waiter that wants a listing one dense interval from now (see
    /// [`Interest::list_at`] to say otherwise); the poller lists what it needs until the
    /// guard is dropped.
    pub fn interest(self: &Arc<Self>, need: Need) -> Interest {
        let id = self.next_waiter.fetch_add(1, Ordering::SeqCst);
        let at = later(Instant::now(), self.cadence.dense());
        if let Ok(mut waiters) = self.waiters.lock() {
            waiters.insert(id, (need, at));
        }
        self.wake.notify_one();
        Interest {
            poller: Arc::clone(self),
            id,
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

    /// The earliest time a waiter wants a listing, and whether any wants snapshots; `None`
    /// when nobody waits.
    fn wanted(&self) -> Option<(Instant, bool)> {
        let waiters = self.waiters.lock().ok()?;
        let at = waiters.values().map(|(_, at)| *at).min()?;
        let snapshots = waiters
            .values()
            .any(|(need, _)| *need == Need::ClustersAndSnapshots);
        Some((at, snapshots))
    }

    /// After a tick that began at `began`: a waiter whose time had come and has not asked
    /// again yet gets the dense interval (it asks anew once it has read the listing).
    fn served(&self, began: Instant) {
        if let Ok(mut waiters) = self.waiters.lock() {
            let next = later(began, self.cadence.dense());
            for (_, at) in waiters.values_mut() {
                if *at <= began {
                    *at = next;
                }
            }
        }
    }

    /// The poll loop; runs until the task is aborted.
    pub async fn run<C: Cloud>(self: Arc<Self>, cloud: C) {
        let gap = self.cadence.shortest();
        let mut previous: Option<Instant> = None;
        loop {
            // Register for a wake-up before checking, so that a new or changed wish is not
            // missed.
            let woken = self.wake.notified();
            tokio::pin!(woken);
            let Some((wanted, _)) = self.wanted() else {
                woken.await;
                continue;
            };
            let at = previous.map_or(wanted, |p| wanted.max(later(p, gap)));
            tokio::select! {
                _ = tokio::time::sleep_until(at) => {}
                _ = &mut woken => continue,
            }
            let Some((wanted, snapshots)) = self.wanted() else {
                continue;
            };
            if wanted > Instant::now() {
                continue;
            }
            let began = Instant::now();
            previous = Some(began);
            self.tick(&cloud, snapshots, began).await;
            self.served(began);
        }
    }

    async fn tick<C: Cloud>(&self, cloud: &C, want_snapshots: bool, began: Instant) {
        let seq = self.ticks_started.fetch_add(1, Ordering::SeqCst) + 1;
        let clusters = cloud.list_clusters().await;
        let snapshots = if want_snapshots {
            Some(cloud.list_snapshots().await)
        } else {
            None
        };
        let previous = self.latest();
        let listed_to = Instant::now();
        let next = match (clusters, snapshots) {
            (Ok(clusters), None) => Observation {
                seq,
                live: Arc::new(Live {
                    clusters,
                    snapshots: previous.live.snapshots.clone(),
                    // The per-cluster reads are made once, at plan time; a step that changes
                    // one of those facts reads it back itself.
                    extras: previous.live.extras.clone(),
                }),
                snapshots_seq: previous.snapshots_seq,
                error: None,
                tick: seq,
                listed_from: began,
                listed_to,
            },
            (Ok(clusters), Some(Ok(snapshots))) => Observation {
                seq,
                live: Arc::new(Live {
                    clusters,
                    snapshots,
                    extras: previous.live.extras.clone(),
                }),
                snapshots_seq: seq,
                error: None,
                tick: seq,
                listed_from: began,
                listed_to,
            },
            (Err(err), _) | (_, Some(Err(err))) => Observation {
                error: Some(err.to_string()),
                tick: seq,
                listed_from: began,
                listed_to,
                ..(*previous).clone()
            },
        };
        self.tx.send_replace(Arc::new(next));
    }
}
