//! What the session layer asks of ownership: claim the sessions this node
//! starts or takes over, give them up when they end, and find the sessions
//! whose node stopped. A node on its own ([`SingleNode`])
//! owns everything it starts; a cluster node ([`ClusterOwnership`]) holds
//! a lease on each (see `owners.rs`) and keeps renewing it. A lease this
//! node could not renew in time, or found taken, is reported as lost: the
//! node stops running that session (it may not act as its owner any more).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use async_trait::async_trait;
use tokio::sync::mpsc;
use tracing::Instrument;

use super::{Claim, Cluster, ClusterError, Lease, RenewError};

#[async_trait]
pub trait Ownership: Send + Sync + 'static {
    /// Makes this node the owner of a session number it is about to
    /// store; `false` when another node holds that number.
    async fn claim_new(&self, session: &str) -> Result<bool, ClusterError>;
    /// Gives up a session that ended here.
    async fn release(&self, session: &str);
    /// Whether other nodes share the sessions: then a session whose node
    /// stopped is taken over by another (see `orphaned_sessions`), not
    /// ended by the next node to start.
    fn among_several(&self) -> bool {
        false
    }
    /// The sessions this node lost its claim on, as it loses them; given
    /// once (`None` after that, and always on a node of its own).
    fn lost_sessions(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        None
    }
    /// Active sessions no live node owns, as this node finds them (once a
    /// lease): for it to take over. Given once (`None` after that, and
    /// always on a node of its own).
    fn orphaned_sessions(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        None
    }
    /// How this node stands among the others, for `/healthz`; `None` on a
    /// node of its own.
    fn health(&self) -> Option<ClusterHealth> {
        None
    }
}

/// A cluster node's standing, as `/healthz` shows it: a load balancer
/// should stop sending people to a node that does not reach NATS (it will
/// soon stop running its sessions).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClusterHealth {
    pub node: String,
    /// Whether the last ping to NATS (each tenth of a lease) came back.
    pub nats_reachable: bool,
    pub sessions_owned: usize,
}

/// A kernel on its own: it owns every session it starts.
pub struct SingleNode;

#[async_trait]
impl Ownership for SingleNode {
    async fn claim_new(&self, _session: &str) -> Result<bool, ClusterError> {
        Ok(true)
    }

    async fn release(&self, _session: &str) {}
}

/// The leases of the sessions this cluster node owns, renewed on time by
/// a task of its own.
pub struct ClusterOwnership {
    cluster: Arc<Cluster>,
    leases: Mutex<HashMap<String, Lease>>,
    lost: mpsc::UnboundedSender<String>,
    lost_receiver: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    orphans: mpsc::UnboundedSender<String>,
    orphans_receiver: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    /// What the last ping to NATS found.
    reaches_nats: std::sync::atomic::AtomicBool,
}

impl ClusterOwnership {
    /// Starts renewing (on the current Tokio runtime) for as long as the
    /// returned value lives.
    pub fn start(cluster: Arc<Cluster>) -> Arc<ClusterOwnership> {
        let (lost, lost_receiver) = mpsc::unbounded_channel();
        let (orphans, orphans_receiver) = mpsc::unbounded_channel();
        let ownership = Arc::new(ClusterOwnership {
            cluster,
            leases: Mutex::new(HashMap::new()),
            lost,
            lost_receiver: Mutex::new(Some(lost_receiver)),
            orphans,
            orphans_receiver: Mutex::new(Some(orphans_receiver)),
            reaches_nats: std::sync::atomic::AtomicBool::new(true),
        });
        let node = ownership.cluster.owners.node().to_string();
        tokio::spawn(
            keep_renewing(Arc::downgrade(&ownership))
                .instrument(tracing::info_span!("session_leases", %node)),
        );
        ownership
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lease>> {
        self.leases
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The sessions whose leases hold now.
    pub fn held(&self) -> Vec<String> {
        let now = Instant::now();
        let mut held: Vec<String> = self
            .leases()
            .values()
            .filter(|lease| lease.holds(now))
            .map(|lease| lease.session.clone())
            .collect();
        held.sort();
        held
    }

    async fn find_orphans(&self) {
        match self.cluster.owners.orphans(ORPHANS_PER_ROUND).await {
            Ok(orphans) => {
                for session in orphans {
                    let _ = self.orphans.send(session);
                }
            }
            Err(error) => tracing::warn!(%error, "cannot look for sessions without a node"),
        }
    }

    /// Pings NATS, then renews the leases that are due. One that ran out
    /// before this node could renew it, or that another node holds now, is
    /// lost: dropped and reported, never claimed again behind the others'
    /// backs.
    async fn renew_due(&self) {
        let reachable = self.cluster.reaches_nats().await;
        self.reaches_nats
            .store(reachable, std::sync::atomic::Ordering::Relaxed);
        let now = Instant::now();
        let due: Vec<Lease> = self
            .leases()
            .values()
            .filter(|lease| lease.renewal_due(now))
            .cloned()
            .collect();
        if due.is_empty() {
            return;
        }
        // One statement for the whole round: a node that does not reach
        // NATS cannot be reached for its sessions, and renews none of them.
        let outcomes = if reachable {
            self.cluster.owners.renew_all(&due).await
        } else {
            Err(RenewError::Unavailable {
                session: format!("{} sessions", due.len()),
                reason: "this node is cut off from NATS".to_owned(),
            })
        };
        let outcomes = match outcomes {
            Ok(outcomes) => outcomes,
            Err(unavailable) => {
                tracing::warn!(leases = due.len(), error = %unavailable, "cannot renew the leases on this node's sessions yet");
                due.iter().map(|_| Err(unavailable.clone())).collect()
            }
        };
        for (lease, renewed) in due.into_iter().zip(outcomes) {
            let kept = match renewed {
                Ok(renewed) => Some(renewed),
                Err(RenewError::Unavailable { .. }) if lease.holds(Instant::now()) => {
                    Some(lease.clone())
                }
                Err(error) => {
                    tracing::error!(session = %lease.session, %error, "lost the lease on a session: this node stops running it");
                    None
                }
            };
            let mut leases = self.leases();
            // A session released while it was being renewed stays released.
            if leases.get(&lease.session) != Some(&lease) {
                continue;
            }
            match kept {
                Some(kept) => {
                    leases.insert(lease.session.clone(), kept);
                }
                None => {
                    leases.remove(&lease.session);
                    let _ = self.lost.send(lease.session.clone());
                }
            }
        }
    }
}

/// Sessions without a node looked for in one round, at most: the rest
/// come in the next rounds (and other nodes take some meanwhile).
const ORPHANS_PER_ROUND: i64 = 100;

/// Renews this node's leases each tenth of a lease; once a lease, while on
/// NATS, looks for sessions no node owns.
async fn keep_renewing(ownership: Weak<ClusterOwnership>) {
    let tick = match ownership.upgrade() {
        Some(ownership) => ownership.cluster.owners.timing().lease() / 10,
        None => return,
    };
    let mut ticks = tokio::time::interval(tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for round in 0u64.. {
        ticks.tick().await;
        let Some(ownership) = ownership.upgrade() else {
            return;
        };
        ownership.renew_due().await;
        if round % 10 == 0
            && ownership
                .reaches_nats
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            ownership.find_orphans().await;
        }
    }
}

#[async_trait]
impl Ownership for ClusterOwnership {
    async fn claim_new(&self, session: &str) -> Result<bool, ClusterError> {
        match self.cluster.owners.claim(session).await? {
            Claim::Won(lease) => {
                self.leases().insert(session.to_owned(), lease);
                Ok(true)
            }
            Claim::Owned { .. } => Ok(false),
        }
    }

    async fn release(&self, session: &str) {
        let lease = self.leases().remove(session);
        if let Some(lease) = lease
            && let Err(error) = self.cluster.owners.release(lease).await
        {
            // It lapses by itself within a lease.
            tracing::warn!(session, %error, "could not release the lease on an ended session");
        }
    }

    fn among_several(&self) -> bool {
        true
    }

    fn health(&self) -> Option<ClusterHealth> {
        Some(ClusterHealth {
            node: self.cluster.owners.node().to_string(),
            nats_reachable: self.reaches_nats.load(std::sync::atomic::Ordering::Relaxed),
            sessions_owned: self.held().len(),
        })
    }

    fn lost_sessions(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        self.lost_receiver
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    fn orphaned_sessions(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        self.orphans_receiver
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}
