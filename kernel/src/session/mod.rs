//! Support sessions: starting, joining (customers by number, assistant CSRs),
//! roles and control, leaving, ending, the host's grace period, chat and the
//! session details report; sessions a customer opens from a public page
//! that wait for a CSR (`waiting.rs`), and handing a session's host role to
//! another CSR (`hand_over.rs`).
//!
//! [`Sessions`] keeps live state in memory (`live.rs`) and every change in
//! storage; pure rules live in `policy.rs`, `number.rs` and `rate_limit.rs`
//! (and the desk's, `desk/rules.rs`).

mod account_closed;
pub mod agent_codes;
mod agents;
mod announce;
mod control;
mod ending;
pub mod error;
mod hand_over;
pub mod ids;
mod interrupted;
pub mod invite;
mod lifecycle;
pub mod live;
pub mod number;
pub mod participants;
mod plugin_services;
pub mod policy;
mod presence;
pub mod rate_limit;
pub mod report;
pub mod report_budget;
mod report_writer;
mod takeover;
mod waiting;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tether_protocol::{ServerEvent, ServerMessage};
use tokio::sync::mpsc;

pub use error::SessionError;
pub use ids::{ParticipantId, SessionNumber};
pub use lifecycle::{JoinedCustomer, StartedSession};
use live::{LiveParticipant, LiveSession};
pub use presence::CustomerCredential;
use rate_limit::RateLimiter;
use report_budget::Admission;

use crate::activity::Activities;
use crate::cluster::{Counter, Ownership, Shared, SharedAttempts};
use crate::consent::Consent;
use crate::plugin_host::services::PluginEvent;
use crate::routing::{Endpoint, MessageRouter};
use crate::site::Sites;
use crate::storage::ParticipantRole;
use crate::storage::{ReportEntry, Storage, StorageError, StorageHealth, now_millis};
use crate::streams::StreamTable;

/// Timing and addresses the sessions need.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub public_url: String,
    pub grace: Duration,
    pub consent_timeout: Duration,
    /// `None`: grants last until the session ends or are revoked.
    pub grant_ttl: Option<Duration>,
    pub agent_timeout: Duration,
    pub join_attempts_per_minute: u32,
    /// How long a customer whose agent restarts the computer keeps their
    /// place in the session.
    pub rejoin_window: Duration,
    /// Most a session's report may hold (see `report_budget.rs`).
    pub report_budget_bytes: usize,
    /// How long a joined customer has to connect before the place is freed.
    pub unconnected_join: Duration,
    pub joins_per_address_per_hour: u32,
}

/// An event for the plugins enabled on a site.
#[derive(Debug, Clone)]
pub struct SiteEvent {
    pub site: String,
    /// `Some` for an event of one plugin's own (its stream closed), else
    /// every plugin the site enables gets it.
    pub only: Option<String>,
    pub event: PluginEvent,
}

pub struct Sessions {
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) router: Arc<dyn MessageRouter>,
    pub(crate) sites: Arc<Sites>,
    pub(crate) settings: SessionSettings,
    pub(crate) live: Mutex<HashMap<SessionNumber, LiveSession>>,
    plugin_events: mpsc::UnboundedSender<SiteEvent>,
    join_limiter: Mutex<RateLimiter<IpAddr>>,
    /// Successful joins per client address.
    joined_limiter: Mutex<RateLimiter<IpAddr>>,
    /// One-time codes for customers' agents.
    agent_codes: Mutex<agent_codes::AgentCodes>,
    /// Prompts waiting and live grants.
    pub(crate) consent: Consent,
    /// Agent calls running, and what calls left in place.
    pub(crate) activities: Activities,
    /// Open streams (activities too: the same events end them).
    pub streams: StreamTable,
    next_away_token: std::sync::atomic::AtomicU64,
    /// One session taken over at a time (`takeover.rs`): a client arriving
    /// while the session is restored waits for it.
    taking_over: tokio::sync::Mutex<()>,
    /// Whether records can be kept; recorded work is refused while not.
    pub(crate) health: Arc<StorageHealth>,
    /// Woken whenever the customers a CSR hosts may have changed (joins,
    /// leaves, ends, control passing, hand-overs): the desk recounts them
    /// for CSRs' presence.
    host_load: tokio::sync::Notify,
    /// Writes report lines in order, off the path of the work they record.
    reports: report_writer::ReportWriter,
    /// Which sessions this node owns (every one it starts, on its own; a
    /// lease per session among several nodes).
    pub(crate) ownership: Arc<dyn Ownership>,
    /// Failed joins counted with the other nodes (none on its own).
    shared_attempts: Arc<dyn SharedAttempts>,
    /// Customers each CSR hosts on the other nodes, as the desk last heard
    /// (empty on a node of its own): a CSR's limit counts every node's.
    hosted_elsewhere: Mutex<HashMap<i64, u32>>,
}

impl Sessions {
    pub fn new(
        storage: Arc<dyn Storage>,
        router: Arc<dyn MessageRouter>,
        sites: Arc<Sites>,
        settings: SessionSettings,
        plugin_events: mpsc::UnboundedSender<SiteEvent>,
        health: Arc<StorageHealth>,
        shared: Shared,
    ) -> Arc<Sessions> {
        let limiter = RateLimiter::new(
            settings.join_attempts_per_minute as usize,
            Duration::from_secs(60),
        );
        let joined_limiter = RateLimiter::new(
            settings.joins_per_address_per_hour as usize,
            Duration::from_secs(3600),
        );
        let lost = shared.ownership.lost_sessions();
        let sessions = Arc::new(Sessions {
            reports: report_writer::ReportWriter::start(
                storage.clone(),
                health.clone(),
                shared.ownership.among_several(),
            ),
            storage,
            router,
            sites,
            settings,
            live: Mutex::new(HashMap::new()),
            plugin_events,
            join_limiter: Mutex::new(limiter),
            joined_limiter: Mutex::new(joined_limiter),
            agent_codes: Mutex::default(),
            consent: Consent::default(),
            activities: Activities::default(),
            streams: StreamTable::default(),
            next_away_token: std::sync::atomic::AtomicU64::new(1),
            taking_over: tokio::sync::Mutex::new(()),
            health,
            host_load: tokio::sync::Notify::new(),
            ownership: shared.ownership,
            shared_attempts: shared.attempts,
            hosted_elsewhere: Mutex::default(),
        });
        if let Some(lost) = lost {
            tokio::spawn(stop_running_lost_sessions(Arc::downgrade(&sessions), lost));
        }
        if let Some(orphans) = sessions.ownership.orphaned_sessions() {
            tokio::spawn(take_over_orphans(Arc::downgrade(&sessions), orphans));
        }
        sessions
    }

    /// Runs `f` on the live session `number`, or fails as an unknown session.
    pub(crate) fn with_live<R>(
        &self,
        number: &str,
        f: impl FnOnce(&mut LiveSession) -> Result<R, SessionError>,
    ) -> Result<R, SessionError> {
        let mut live = self
            .live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let session = live
            .get_mut(number)
            .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
        f(session)
    }

    pub(crate) fn with_all_live<R>(
        &self,
        f: impl FnOnce(&mut HashMap<SessionNumber, LiveSession>) -> R,
    ) -> R {
        let mut live = self
            .live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut live)
    }

    /// Whether this node runs session `number` (as typed: spaces and
    /// dashes allowed).
    pub fn runs_here(&self, number: &str) -> bool {
        number::parse(number).is_some_and(|n| self.with_live(&n, |_| Ok(())).is_ok())
    }

    /// The site a running session belongs to.
    pub fn site_of(&self, number: &str) -> Option<String> {
        self.with_live(number, |s| Ok(s.site.clone())).ok()
    }

    /// The site of a session running on this node or, among several, on
    /// any: its stored record, while it has not ended.
    pub async fn site_of_anywhere(&self, number: &str) -> Option<String> {
        if let Some(site) = self.site_of(number) {
            return Some(site);
        }
        if !self.ownership.among_several() {
            return None;
        }
        let number = number::parse(number)?;
        match self.storage.session(&number).await {
            Ok(record) => record
                .filter(|r| r.ended_at.is_none())
                .map(|record| record.site),
            Err(error) => {
                tracing::warn!(%error, session = %number, "could not read a session another node may run");
                None
            }
        }
    }

    /// What runs here now, for `/metrics`.
    pub fn census(&self) -> crate::telemetry::Census {
        let mut census = self.with_all_live(|sessions| {
            let mut census = crate::telemetry::Census {
                sessions: sessions.len(),
                ..Default::default()
            };
            for participant in sessions.values().flat_map(|s| s.participants.values()) {
                match participant.role {
                    ParticipantRole::Host => census.hosts += 1,
                    ParticipantRole::Assistant => census.assistants += 1,
                    ParticipantRole::Customer => census.customers += 1,
                }
                if self.router.is_connected(&Endpoint::agent(&participant.id)) {
                    census.agents += 1;
                }
            }
            census
        });
        let streams = self.streams.stats();
        census.streams_open = streams.open;
        census.frames_relayed = streams.frames_relayed;
        census.frames_refused = streams.frames_refused;
        census.frames_skipped = streams.frames_skipped;
        census.bytes_relayed = streams.bytes_relayed;
        census
    }

    /// The customers each CSR hosts on the other nodes, as last heard.
    pub fn set_hosted_elsewhere(&self, hosted: HashMap<i64, u32>) {
        *self
            .hosted_elsewhere
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = hosted;
    }

    /// Customers CSR `account` hosts on the other nodes.
    pub(crate) fn hosted_elsewhere(&self, account: i64) -> u32 {
        self.hosted_elsewhere
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&account)
            .copied()
            .unwrap_or(0)
    }

    /// Appends a line to the session details report, within the session's
    /// report budget.
    pub async fn record(&self, number: &str, kind: &str, actor: &str, detail: impl Into<String>) {
        let detail = detail.into();
        let limit = self.settings.report_budget_bytes;
        let size = kind.len() + actor.len() + detail.len();
        // A session no longer live only gets its closing lines.
        let admission = self
            .with_live(number, |s| Ok(s.report_budget.admit(kind, size, limit)))
            .unwrap_or(Admission::Keep);
        let entry = match admission {
            Admission::Keep => ReportEntry {
                at: now_millis(),
                kind: kind.to_owned(),
                actor: actor.to_owned(),
                detail,
            },
            Admission::TruncateHere => {
                tracing::warn!(session = number, "session report budget used up");
                ReportEntry {
                    at: now_millis(),
                    kind: report_budget::TRUNCATED_KIND.to_owned(),
                    actor: String::new(),
                    detail: report_budget::truncated_detail(limit),
                }
            }
            Admission::Drop => return,
        };
        self.reports.record(number, entry).await;
    }

    /// A session's report as stored, with every line recorded so far.
    pub async fn report_lines(&self, number: &str) -> Result<Vec<ReportEntry>, StorageError> {
        self.reports.flush().await;
        self.storage.events(number).await
    }

    /// Waits until every report line recorded so far is written (before
    /// the kernel stops).
    pub async fn flush_reports(&self) {
        self.reports.flush().await;
    }

    /// Refuses work that must be recorded while records cannot be kept.
    pub(crate) fn require_storage(&self) -> Result<(), SessionError> {
        self.health
            .status()
            .map_err(|_| SessionError::StorageUnavailable)
    }

    /// Sends an event to every participant's UI (and agent when `agents`).
    pub(crate) fn broadcast(&self, number: &str, event: &ServerEvent, agents: bool) {
        let ids: Vec<ParticipantId> = self
            .with_live(number, |s| Ok(s.participants.keys().cloned().collect()))
            .unwrap_or_default();
        let message = ServerMessage::event(event);
        for id in ids {
            self.router.send(&Endpoint::ui(&id), message.clone());
            if agents {
                self.router.send(&Endpoint::agent(&id), message.clone());
            }
        }
    }

    /// Sends an event about participant `about` to the pages that show
    /// them: a CSR's comings and goings go to everyone, a customer's only
    /// to the session's CSRs and to that customer. Customers are not told
    /// of one another, so what a join sends stays bounded by the session's
    /// CSRs however many customers share the session.
    pub(crate) fn broadcast_about(
        &self,
        number: &str,
        about: &LiveParticipant,
        event: &ServerEvent,
    ) {
        if about.role != ParticipantRole::Customer {
            return self.broadcast(number, event, false);
        }
        // The customer themself, while still in the session.
        let ids: Vec<ParticipantId> = self
            .with_live(number, |s| {
                let them = s.participant(&about.id).map(|p| p.id.clone());
                Ok(s.staff().map(|p| p.id.clone()).chain(them).collect())
            })
            .unwrap_or_default();
        let message = ServerMessage::event(event);
        for id in &ids {
            self.router.send(&Endpoint::ui(id), message.clone());
        }
    }

    pub(crate) fn send_event(&self, endpoint: &Endpoint, event: &ServerEvent) -> bool {
        self.router.send(endpoint, ServerMessage::event(event))
    }

    pub(crate) fn notify_plugins(&self, site: &str, event: PluginEvent) {
        let _ = self.plugin_events.send(SiteEvent {
            site: site.to_owned(),
            only: None,
            event,
        });
    }

    /// An event for one plugin of the site only.
    pub(crate) fn notify_plugin(&self, site: &str, plugin: &str, event: PluginEvent) {
        let _ = self.plugin_events.send(SiteEvent {
            site: site.to_owned(),
            only: Some(plugin.to_owned()),
            event,
        });
    }

    /// Refuses a client that failed to join too often recently, here or
    /// (among several nodes) on all of them together.
    pub async fn check_join_attempts(&self, client: IpAddr) -> Result<(), SessionError> {
        let refused = |wait: Duration| SessionError::TooManyJoinAttempts(wait.as_secs().max(1));
        self.join_limiter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .check(&client, std::time::Instant::now())
            .map_err(refused)?;
        match self
            .shared_attempts
            .wait(self.join_counter(), &client.to_string())
            .await
        {
            Some(wait) => Err(refused(wait)),
            None => Ok(()),
        }
    }

    /// Failed joins, as the nodes count them together.
    fn join_counter(&self) -> Counter {
        Counter {
            name: "join",
            limit: self.settings.join_attempts_per_minute as usize,
            window: Duration::from_secs(60),
        }
    }

    /// Counts a successful join by `client`, or refuses it when the address
    /// joined too often recently.
    pub(crate) fn count_successful_join(&self, client: IpAddr) -> Result<(), SessionError> {
        let mut limiter = self
            .joined_limiter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        limiter
            .attempt(&client, std::time::Instant::now())
            .map_err(|wait| SessionError::TooManyJoins(wait.as_secs().max(1)))
    }

    /// Counts a join that named no running session.
    pub async fn count_failed_join(&self, client: IpAddr) {
        self.join_limiter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .record(&client, std::time::Instant::now());
        self.shared_attempts
            .failed(self.join_counter(), &client.to_string())
            .await;
    }

    pub(crate) fn lock_agent_codes(&self) -> std::sync::MutexGuard<'_, agent_codes::AgentCodes> {
        self.agent_codes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Says the customers some CSR hosts may have changed.
    pub(crate) fn host_load_changed(&self) {
        self.host_load.notify_one();
    }

    /// Resolves the next time the customers some CSR hosts may have
    /// changed (at once if that happened since the last call).
    pub async fn host_load_changes(&self) {
        self.host_load.notified().await;
    }

    /// Customers in live sessions, by the CSR account hosting them (CSRs
    /// hosting none are not listed; sessions without a host count for
    /// nobody).
    pub fn customers_by_host(&self) -> HashMap<i64, u32> {
        self.with_all_live(|sessions| {
            let mut counts = HashMap::new();
            for session in sessions.values() {
                if let Some(host) = session.host().and_then(|h| h.account_id) {
                    *counts.entry(host).or_insert(0) +=
                        session.participants.customer_count() as u32;
                }
            }
            counts
        })
    }

    pub(crate) fn next_away_token(&self) -> u64 {
        self.next_away_token
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

/// Among several nodes: a session whose lease this node lost is no longer
/// run here (the node may no longer act as its owner); another node takes
/// it over, and everyone in it connects again (`takeover.rs`).
async fn stop_running_lost_sessions(
    sessions: std::sync::Weak<Sessions>,
    mut lost: mpsc::UnboundedReceiver<String>,
) {
    while let Some(number) = lost.recv().await {
        let Some(sessions) = sessions.upgrade() else {
            return;
        };
        sessions.let_go(&number);
    }
}

/// Takes over the sessions this node finds without a node (a node among
/// several), one at a time; another node may win each.
async fn take_over_orphans(
    sessions: std::sync::Weak<Sessions>,
    mut orphans: mpsc::UnboundedReceiver<String>,
) {
    while let Some(number) = orphans.recv().await {
        let Some(sessions) = sessions.upgrade() else {
            return;
        };
        if let Err(error) = sessions.take_over(&number).await {
            tracing::warn!(session = %number, %error, "could not take over a session without a node");
        }
    }
}

#[cfg(test)]
mod tests;
