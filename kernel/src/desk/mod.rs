//! The support desk: CSRs' presence, offers to CSRs outside any session,
//! and — through the sessions — sessions waiting for a CSR and handing a
//! session to one. Plugins of API 0.2 reach it through `csrs`, `offers`
//! and `desk` ([`DeskServices`]); consoles through `presence.set` and
//! `offer.answer`.
//!
//! * `rules.rs` — what an offer may be, who may answer it, when a session
//!   may be handed over (pure, table-tested);
//! * `presence.rs` — the live presence table (this node's and the others');
//! * `offers.rs` — the open offers made here;
//! * `offers_elsewhere.rs` — offers other nodes made to CSRs here;
//! * `news.rs` — what the desks of several nodes tell and ask each other;
//! * here — the `Desk`: consoles coming and going, timers, and telling
//!   consoles, plugins and the other nodes.

pub mod news;
pub mod offers;
pub mod offers_elsewhere;
pub mod presence;
pub mod rules;

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tether_protocol::{ServerEvent, ServerMessage};

use crate::plugin_host::services::{
    Availability, CsrPresence, CsrsError, DeskError, DeskServices, OfferDetails, OfferError,
    PluginEvent, PluginScope, PublicCaller, WaitingSession,
};
use crate::routing::{AccountConsole, ConnectionId};
use crate::session::rate_limit::RateLimiter;
use crate::session::{SessionError, Sessions};
use crate::storage::{Account, now_millis};
use news::{DeskNews, OtherNodes};
use offers::{OfferTable, OpenOffer};
use offers_elsewhere::OffersElsewhere;
use presence::PresenceTable;
use rules::{AnswerRefused, NotEligible, RecipientState};

/// What the kernel says when an offer's time runs out.
const EXPIRED: &str = "the time to answer ran out";
/// What the kernel says of an offer whose node stopped (among several).
const NODE_STOPPED: &str = "the server that made the offer stopped";

/// An answer to an offer, for the offering plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredOffer {
    pub site: String,
    pub plugin: String,
    pub event: PluginEvent,
}

/// A CSR's presence as their console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsolePresence {
    pub available: bool,
    pub customers: u32,
    pub max_customers: u32,
}

impl ConsolePresence {
    pub fn event(self) -> ServerEvent {
        ServerEvent::PresenceChanged {
            available: self.available,
            customers: self.customers,
            max_customers: self.max_customers,
        }
    }
}

/// A public page's address sent too many commands recently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many requests from your address; try again in {0} seconds")]
pub struct TooManyPublicCommands(pub u64);

pub struct Desk {
    me: Weak<Desk>,
    sessions: Arc<Sessions>,
    presence: Mutex<PresenceTable>,
    offers: Mutex<OfferTable>,
    offers_elsewhere: Mutex<OffersElsewhere>,
    /// The other nodes (a node among several; unset on its own).
    others: OnceLock<Arc<dyn OtherNodes>>,
    /// Commands from public pages per client address, limited as join
    /// attempts are: nobody signed in sends them.
    public_commands: Mutex<RateLimiter<IpAddr>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a panic elsewhere; the tables are intact.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn now() -> u64 {
    u64::try_from(now_millis()).unwrap_or_default()
}

impl Desk {
    /// The desk of `sessions`; it keeps CSRs' customer counts up to date
    /// for as long as it lives.
    pub fn new(sessions: Arc<Sessions>) -> Arc<Desk> {
        let per_minute = sessions.settings.join_attempts_per_minute as usize;
        let desk = Arc::new_cyclic(|me| Desk {
            me: me.clone(),
            sessions,
            presence: Mutex::default(),
            offers: Mutex::default(),
            offers_elsewhere: Mutex::default(),
            others: OnceLock::new(),
            public_commands: Mutex::new(RateLimiter::new(per_minute, Duration::from_secs(60))),
        });
        let watcher = Arc::downgrade(&desk);
        let sessions = desk.sessions.clone();
        tokio::spawn(async move {
            loop {
                sessions.host_load_changes().await;
                let Some(desk) = watcher.upgrade() else {
                    return;
                };
                desk.recount().await;
            }
        });
        desk
    }

    // --- other nodes -----------------------------------------------------

    /// Makes this desk one of several nodes': it tells `others` what
    /// changes here, its whole presence once a third of `others.silence()`,
    /// and forgets a node silent for that long. Set once.
    pub fn join_others(&self, others: Arc<dyn OtherNodes>) {
        let beat = others.silence() / 3;
        if self.others.set(others).is_err() {
            return;
        }
        let desk = self.me.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(beat);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(desk) = desk.upgrade() else {
                    return;
                };
                desk.heartbeat().await;
            }
        });
    }

    async fn tell_others(&self, news: DeskNews) {
        if let Some(others) = self.others.get() {
            others.tell(&news).await;
        }
    }

    /// Once a heartbeat: this node's whole presence to the others, and the
    /// nodes silent too long forgotten.
    async fn heartbeat(&self) {
        let Some(others) = self.others.get() else {
            return;
        };
        let csrs = lock(&self.presence).told_all();
        others.tell(&DeskNews::Presence { full: true, csrs }).await;
        let (stopped, changed) =
            lock(&self.presence).forget_silent(others.silence(), Instant::now());
        self.others_changed(&changed);
        for node in stopped {
            tracing::warn!(%node, "another node stopped telling its desk; its part is forgotten");
            self.offers_of_stopped_node(&node);
        }
    }

    /// The offers a node that stopped made can no longer be answered: the
    /// consoles here still showing them drop them.
    fn offers_of_stopped_node(&self, node: &str) {
        let gone = lock(&self.offers_elsewhere).node_gone(node);
        for (offer, showing) in gone {
            let withdrawn = ServerMessage::event(&ServerEvent::OfferWithdrawn {
                offer,
                expired: false,
                reason: NODE_STOPPED.to_owned(),
            });
            for account in showing {
                self.sessions
                    .router
                    .send_to_account(account, withdrawn.clone());
            }
        }
    }

    /// What another node told.
    pub async fn heard(&self, node: &str, news: DeskNews) {
        match news {
            DeskNews::Presence { full, csrs } => {
                let changed = lock(&self.presence).heard(node, full, &csrs, Instant::now());
                self.others_changed(&changed);
            }
            DeskNews::ToAccount { account, event } => {
                self.sessions
                    .router
                    .send_to_account(account, ServerMessage::event(&event));
            }
            DeskNews::OfferMade {
                offer,
                recipients,
                made,
            } => {
                let ServerEvent::OfferMade { expires_in_ms, .. } = &made else {
                    tracing::warn!(%node, offer, "another node's offer without its details");
                    return;
                };
                let left = Duration::from_millis(*expires_in_ms);
                let message = ServerMessage::event(&made);
                for account in &recipients {
                    self.sessions
                        .router
                        .send_to_account(*account, message.clone());
                }
                lock(&self.offers_elsewhere).made(
                    node,
                    offer,
                    made,
                    &recipients,
                    left,
                    Instant::now(),
                );
            }
            DeskNews::OfferAnswered { offer, account } => {
                lock(&self.offers_elsewhere).answered(offer, account);
            }
            DeskNews::SignedOut { account, except } => {
                self.sessions
                    .router
                    .sign_out_account(account, except.as_deref());
            }
            DeskNews::AccountClosed { account, name, by } => {
                self.sessions.router.sign_out_account(account, None);
                self.sessions.account_closed(account, &name, &by).await;
            }
            DeskNews::OfferClosed { offer, withdrawn } => {
                let showing = lock(&self.offers_elsewhere).closed(offer);
                let message = ServerMessage::event(&withdrawn);
                for account in showing {
                    self.sessions
                        .router
                        .send_to_account(account, message.clone());
                }
            }
        }
    }

    /// The presence of `changed` moved with what other nodes told (or
    /// stopped telling): the limits count their customers, and offers made
    /// here to a CSR no longer online anywhere are no longer theirs to
    /// answer. Their consoles and the plugins were told where it changed.
    fn others_changed(&self, changed: &[i64]) {
        if changed.is_empty() {
            return;
        }
        let (hosted, offline) = {
            let presence = lock(&self.presence);
            let offline: Vec<i64> = changed
                .iter()
                .copied()
                .filter(|account| !presence.state(*account).online)
                .collect();
            (presence.hosted_elsewhere(), offline)
        };
        self.sessions.set_hosted_elsewhere(hosted);
        let mut offers = lock(&self.offers);
        for account in offline {
            offers.recipient_gone(account);
        }
    }

    /// Sends `event` to the account's consoles on every node.
    async fn tell_account(&self, account: i64, event: ServerEvent) {
        self.sessions
            .router
            .send_to_account(account, ServerMessage::event(&event));
        self.tell_others(DeskNews::ToAccount { account, event })
            .await;
    }

    /// Changes the account's presence here with `change` (which says
    /// whether it changed this node's part): the other nodes hear of this
    /// node's part, and when the CSR's presence as a whole changed, their
    /// consoles and the plugins do. Whether it changed as a whole.
    async fn change_presence(
        &self,
        account: &Account,
        change: impl FnOnce(&mut PresenceTable) -> bool,
    ) -> bool {
        let (told, whole_changed, online) = {
            let mut presence = lock(&self.presence);
            let before = presence.state(account.id);
            let here_changed = change(&mut presence);
            let after = presence.state(account.id);
            (
                here_changed.then(|| presence.told(account.id)),
                before != after,
                after.online,
            )
        };
        if !online {
            lock(&self.offers).recipient_gone(account.id);
        }
        if let Some(told) = told {
            self.tell_others(DeskNews::Presence {
                full: false,
                csrs: vec![told],
            })
            .await;
        }
        if whole_changed {
            self.presence_changed(account).await;
        }
        whole_changed
    }

    // --- consoles ---------------------------------------------------------

    /// A console of `account` opened: it gets the account's offers,
    /// presence and plugins' console messages from now on, and hears the
    /// CSR's presence and the offers still waiting for them.
    pub async fn console_opened(&self, account: &Account, console: AccountConsole) {
        let router = &self.sessions.router;
        let outbox = console.outbox.clone();
        router.attach_account_console(account.id, console);
        let open = router.account_consoles(account.id);
        let changed = self
            .change_presence(account, |presence| {
                presence.consoles(account.id, open, now())
            })
            .await;
        if !changed {
            // Every console of theirs heard it otherwise, this one included.
            let presence = self.console_presence(account).event();
            let _ = outbox.send(ServerMessage::event(&presence));
        }
        for made in self.offers_shown_to(account.id) {
            let _ = outbox.send(ServerMessage::event(&made));
        }
    }

    /// A console of `account` closed. With their last one on every node,
    /// they are offline and no longer asked what they were offered.
    pub async fn console_closed(&self, account: &Account, connection: ConnectionId) {
        let open = self
            .sessions
            .router
            .detach_account_console(account.id, connection);
        self.change_presence(account, |presence| {
            presence.consoles(account.id, open, now())
        })
        .await;
    }

    /// Every sign-in of `account` but `except` (a token hash) ended: their
    /// consoles on every node close as signed out.
    pub async fn signed_out_everywhere(&self, account: &Account, except: Option<&str>) {
        self.sessions.router.sign_out_account(account.id, except);
        self.tell_others(DeskNews::SignedOut {
            account: account.id,
            except: except.map(str::to_owned),
        })
        .await;
    }

    /// A site admin (`by`) disabled or deleted `account`: its consoles on
    /// every node close as signed out, and it leaves every session on
    /// every node (those it hosts end, with the reason in the report).
    pub async fn account_closed(&self, account: &Account, by: &Account) {
        self.sessions.router.sign_out_account(account.id, None);
        self.sessions
            .account_closed(account.id, &account.display_name, &by.display_name)
            .await;
        self.tell_others(DeskNews::AccountClosed {
            account: account.id,
            name: account.display_name.clone(),
            by: by.display_name.clone(),
        })
        .await;
    }

    /// A new sign-in: the CSR is away until they say otherwise.
    pub async fn signed_in(&self, account: &Account) {
        self.change_presence(account, |presence| {
            presence.set_availability(account.id, Availability::Away, now())
        })
        .await;
    }

    /// The CSR says (on their console) whether they take offers now.
    pub async fn set_availability(&self, account: &Account, available: bool) -> ConsolePresence {
        let availability = if available {
            Availability::Available
        } else {
            Availability::Away
        };
        self.change_presence(account, |presence| {
            presence.set_availability(account.id, availability, now())
        })
        .await;
        self.console_presence(account)
    }

    /// The CSR answers offer `offer` from their console; what to tell the
    /// offering plugin (whose reply is the answer's reply). An offer
    /// another node made is answered there.
    pub async fn answer_offer(
        &self,
        account: &Account,
        offer: u32,
        accept: bool,
    ) -> Result<AnsweredOffer, AnswerRefused> {
        let by = match self.answer_here(offer, account.id).await {
            Err(AnswerRefused::NotOpen(_)) => {
                let node = lock(&self.offers_elsewhere)
                    .node_of(offer, Instant::now())
                    .map(str::to_owned);
                match (node, self.others.get()) {
                    (Some(node), Some(others)) => {
                        let by = others.answer_offer(&node, offer, account.id).await?;
                        lock(&self.offers_elsewhere).answered(offer, account.id);
                        by
                    }
                    _ => return Err(AnswerRefused::NotOpen(offer)),
                }
            }
            answered => answered?,
        };
        tracing::info!(offer, csr = %account.username, accept, plugin = %by.plugin, "offer answered");
        Ok(AnsweredOffer {
            site: by.site,
            plugin: by.plugin,
            event: PluginEvent::OfferAnswered {
                offer,
                username: account.username.clone(),
                display_name: account.display_name.clone(),
                accepted: accept,
            },
        })
    }

    /// Account `account` answers offer `offer`, made on this node (from a
    /// console here or on another node); the plugin that made it. The
    /// other nodes' consoles of theirs drop it.
    pub async fn answer_here(
        &self,
        offer: u32,
        account: i64,
    ) -> Result<PluginScope, AnswerRefused> {
        let answered = lock(&self.offers).answer(offer, account)?;
        self.tell_others(DeskNews::OfferAnswered { offer, account })
            .await;
        Ok(answered.by)
    }

    /// Counts a command from a public page at `client`, or refuses it
    /// while that address sent too many in the last minute.
    pub fn admit_public_command(&self, client: IpAddr) -> Result<(), TooManyPublicCommands> {
        lock(&self.public_commands)
            .attempt(&client, Instant::now())
            .map_err(|wait| TooManyPublicCommands(wait.as_secs().max(1)))
    }

    // --- presence ---------------------------------------------------------

    fn max_customers(&self, site: &str) -> u32 {
        self.sessions
            .sites
            .snapshot()
            .site(site)
            .map_or(0, |site| site.settings.max_customers_per_csr)
    }

    fn console_presence(&self, account: &Account) -> ConsolePresence {
        let state = lock(&self.presence).state(account.id);
        ConsolePresence {
            available: state.availability == Availability::Available,
            customers: self.customers_of(account.id),
            max_customers: self.max_customers(&account.site),
        }
    }

    /// Customers the CSR hosts on every node: counted now here, as last
    /// heard elsewhere.
    fn customers_of(&self, account: i64) -> u32 {
        let here = self
            .sessions
            .customers_by_host()
            .get(&account)
            .copied()
            .unwrap_or(0);
        here.saturating_add(self.sessions.hosted_elsewhere(account))
    }

    /// How a plugin sees `account`, with `customers` counted now.
    fn csr_presence(&self, account: &Account, customers: u32) -> CsrPresence {
        let state = lock(&self.presence).state(account.id);
        CsrPresence {
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            webacd_agent: account.webacd_agent,
            online: state.online,
            availability: state.availability,
            customers,
            max_customers: self.max_customers(&account.site),
            idle_since: state.idle_since,
        }
    }

    /// Tells the CSR's consoles (on every node) and the plugins of their
    /// site that their presence changed.
    async fn presence_changed(&self, account: &Account) {
        let customers = self.customers_of(account.id);
        let csr = self.csr_presence(account, customers);
        let console = ConsolePresence {
            available: csr.availability == Availability::Available,
            customers,
            max_customers: csr.max_customers,
        };
        self.tell_account(account.id, console.event()).await;
        tracing::debug!(csr = %account.username, online = csr.online, availability = ?csr.availability, customers, "presence changed");
        self.sessions
            .notify_plugins(&account.site, PluginEvent::PresenceChanged(csr));
    }

    /// Counts the customers each CSR hosts here again and tells of every
    /// change.
    async fn recount(&self) {
        let hosted = self.sessions.customers_by_host();
        let (changed, told) = {
            let mut presence = lock(&self.presence);
            let changed = presence.recount(&hosted, now());
            let told: Vec<_> = changed.iter().map(|a| presence.told(*a)).collect();
            (changed, told)
        };
        if !told.is_empty() {
            self.tell_others(DeskNews::Presence {
                full: false,
                csrs: told,
            })
            .await;
        }
        for id in changed {
            match self.sessions.storage.account(id).await {
                Ok(Some(account)) => self.presence_changed(&account).await,
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, account = id, "could not read a CSR whose customers changed")
                }
            }
        }
    }

    /// The CSR account `username` of `site`, if there is one.
    async fn csr_of_site(&self, site: &str, username: &str) -> Result<Option<Account>, String> {
        let account = self
            .sessions
            .storage
            .account_by_username(username)
            .await
            .map_err(|error| error.to_string())?;
        Ok(account.filter(|account| account.site == site))
    }

    // --- offers -----------------------------------------------------------

    fn made_event(offer: &OpenOffer) -> ServerEvent {
        let left = offer.expires_at.saturating_duration_since(Instant::now());
        ServerEvent::OfferMade {
            offer: offer.id,
            plugin: offer.by.plugin.clone(),
            session: offer.session.clone(),
            title: offer.title.clone(),
            text: offer.text.clone(),
            expires_in_ms: u64::try_from(left.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The offers the account's consoles show, made here or elsewhere,
    /// each with the time left to answer it.
    fn offers_shown_to(&self, account: i64) -> Vec<ServerEvent> {
        let mut shown: Vec<ServerEvent> = lock(&self.offers)
            .showing_to(account)
            .into_iter()
            .map(Desk::made_event)
            .collect();
        let elsewhere = lock(&self.offers_elsewhere);
        for (_, made, left) in elsewhere.showing_to(account, Instant::now()) {
            let mut made = made.clone();
            if let ServerEvent::OfferMade { expires_in_ms, .. } = &mut made {
                *expires_in_ms = u64::try_from(left.as_millis()).unwrap_or(u64::MAX);
            }
            shown.push(made);
        }
        shown
    }

    /// Tells the consoles still showing `offer` (on every node) that it is
    /// gone.
    async fn tell_withdrawn(&self, offer: &OpenOffer, expired: bool, reason: &str) {
        let withdrawn = ServerEvent::OfferWithdrawn {
            offer: offer.id,
            expired,
            reason: reason.to_owned(),
        };
        let message = ServerMessage::event(&withdrawn);
        for account in offer.showing() {
            self.sessions
                .router
                .send_to_account(account, message.clone());
        }
        self.tell_others(DeskNews::OfferClosed {
            offer: offer.id,
            withdrawn,
        })
        .await;
    }

    /// Offer `id`'s time ran out: the consoles still showing it drop it,
    /// then its plugin hears.
    async fn expire(&self, id: u32) {
        let Some(offer) = lock(&self.offers).expire(id) else {
            return;
        };
        self.tell_withdrawn(&offer, true, EXPIRED).await;
        tracing::info!(offer = id, plugin = %offer.by.plugin, "offer expired");
        self.sessions.notify_plugin(
            &offer.by.site,
            &offer.by.plugin,
            PluginEvent::OfferExpired { offer: id },
        );
    }

    /// A fresh offer id: from the other nodes' shared sequence among
    /// several, else this node's own.
    async fn offer_id(&self) -> Result<u32, OfferError> {
        let Some(others) = self.others.get() else {
            return Ok(lock(&self.offers).next_id());
        };
        // An id still open here after the sequence went round is skipped.
        for _ in 0..4 {
            let id = others.offer_id().await.map_err(OfferError::Unavailable)?;
            if !lock(&self.offers).is_open(id) {
                return Ok(id);
            }
        }
        Err(OfferError::Unavailable(
            "no free offer id could be drawn".to_owned(),
        ))
    }

    /// [`DeskServices::hand_over`] of a session this node runs (asked
    /// here, or by another node): the CSR's consoles hear it on every
    /// node.
    pub async fn hand_over_here(
        &self,
        scope: &PluginScope,
        session: &str,
        username: &str,
    ) -> Result<String, DeskError> {
        if self.sessions.site_of(session).as_deref() != Some(scope.site.as_str()) {
            return Err(DeskError::UnknownSession(session.to_owned()));
        }
        let account = self
            .csr_of_site(&scope.site, username)
            .await
            .map_err(DeskError::Unavailable)?
            .ok_or_else(|| DeskError::UnknownCsr(username.to_owned()))?;
        let console_open = lock(&self.presence).state(account.id).online;
        let host = self
            .sessions
            .hand_over(session, &account, console_open)
            .await
            .map_err(|error| match error {
                SessionError::UnknownSession(_) => DeskError::UnknownSession(session.to_owned()),
                SessionError::StorageUnavailable | SessionError::Storage(_) => {
                    DeskError::Unavailable(error.to_string())
                }
                other => DeskError::Refused(other.to_string()),
            })?;
        let assigned = ServerEvent::SessionAssigned {
            session: session.to_owned(),
            participant: host.to_string(),
        };
        self.tell_account(account.id, assigned).await;
        Ok(host.to_string())
    }
}

#[async_trait]
impl DeskServices for Desk {
    async fn presence(&self, scope: &PluginScope) -> Result<Vec<CsrPresence>, CsrsError> {
        let accounts = self
            .sessions
            .storage
            .accounts_of_site(&scope.site)
            .await
            .map_err(|error| {
                tracing::error!(%error, site = %scope.site, "could not list the site's CSRs");
                CsrsError::Unavailable(error.to_string())
            })?;
        let hosted = self.sessions.customers_by_host();
        Ok(accounts
            .iter()
            .map(|account| {
                let here = hosted.get(&account.id).copied().unwrap_or(0);
                let customers = here.saturating_add(self.sessions.hosted_elsewhere(account.id));
                self.csr_presence(account, customers)
            })
            .collect())
    }

    async fn csr(&self, scope: &PluginScope, username: &str) -> Result<CsrPresence, CsrsError> {
        let account = self
            .csr_of_site(&scope.site, username)
            .await
            .map_err(CsrsError::Unavailable)?
            .ok_or_else(|| CsrsError::UnknownCsr(username.to_owned()))?;
        Ok(self.csr_presence(&account, self.customers_of(account.id)))
    }

    async fn send_to_csr(
        &self,
        scope: &PluginScope,
        username: &str,
        message: String,
    ) -> Result<(), CsrsError> {
        let message = rules::check_console_message(&message)
            .map_err(|invalid| CsrsError::Invalid(invalid.to_string()))?;
        let account = self
            .csr_of_site(&scope.site, username)
            .await
            .map_err(CsrsError::Unavailable)?
            .ok_or_else(|| CsrsError::UnknownCsr(username.to_owned()))?;
        let event = ServerEvent::ConsolePluginMessage {
            plugin: scope.plugin.clone(),
            message,
        };
        // Nobody sees it when their console is closed: panels ask again
        // when they open.
        self.tell_account(account.id, event).await;
        Ok(())
    }

    async fn make_offer(
        &self,
        scope: &PluginScope,
        to: Vec<String>,
        details: OfferDetails,
    ) -> Result<u32, OfferError> {
        rules::check_offer(&to, &details.title, &details.text, details.timeout_ms)
            .map_err(|invalid| OfferError::Invalid(invalid.to_string()))?;
        if let Some(session) = &details.session
            && self.sessions.site_of_anywhere(session).await.as_deref() != Some(scope.site.as_str())
        {
            return Err(OfferError::Invalid(format!(
                "no support session {session} is running on this site"
            )));
        }
        let mut recipients = Vec::with_capacity(to.len());
        for username in &to {
            let account = self
                .csr_of_site(&scope.site, username)
                .await
                .map_err(OfferError::Unavailable)?;
            // A console of theirs on any node.
            let online = account
                .as_ref()
                .is_some_and(|a| lock(&self.presence).state(a.id).online);
            match (
                rules::eligible(account.is_some(), usize::from(online)),
                account,
            ) {
                (Ok(()), Some(account)) => recipients.push(account.id),
                (Err(NotEligible::Offline), _) => {
                    return Err(OfferError::Offline(username.clone()));
                }
                _ => return Err(OfferError::UnknownCsr(username.clone())),
            }
        }
        let timeout = Duration::from_millis(u64::from(details.timeout_ms));
        let id = self.offer_id().await?;
        let made = {
            let offer = OpenOffer {
                id,
                by: scope.clone(),
                session: details.session,
                title: details.title,
                text: details.text,
                expires_at: Instant::now() + timeout,
                recipients: recipients
                    .iter()
                    .map(|account| (*account, RecipientState::Showing))
                    .collect(),
                timer: None,
            };
            let made = Desk::made_event(&offer);
            lock(&self.offers).insert(offer);
            made
        };
        let message = ServerMessage::event(&made);
        for account in &recipients {
            self.sessions
                .router
                .send_to_account(*account, message.clone());
        }
        self.tell_others(DeskNews::OfferMade {
            offer: id,
            recipients: recipients.clone(),
            made,
        })
        .await;
        let desk = self.me.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(desk) = desk.upgrade() {
                desk.expire(id).await;
            }
        });
        lock(&self.offers).set_timer(id, timer.abort_handle());
        tracing::info!(offer = id, plugin = %scope.plugin, site = %scope.site, recipients = recipients.len(), "offer made");
        Ok(id)
    }

    async fn withdraw_offer(
        &self,
        scope: &PluginScope,
        offer: u32,
        reason: String,
    ) -> Result<(), OfferError> {
        rules::check_withdraw_reason(&reason)
            .map_err(|invalid| OfferError::Invalid(invalid.to_string()))?;
        let withdrawn = lock(&self.offers)
            .withdraw(offer, scope)
            .ok_or(OfferError::UnknownOffer(offer))?;
        self.tell_withdrawn(&withdrawn, false, &reason).await;
        tracing::info!(offer, plugin = %scope.plugin, reason, "offer withdrawn");
        Ok(())
    }

    async fn open_waiting(
        &self,
        scope: &PluginScope,
        caller: Option<&PublicCaller>,
        display_name: &str,
    ) -> Result<WaitingSession, DeskError> {
        let caller = caller.ok_or_else(|| {
            DeskError::Refused(
                "a waiting session is opened only for a customer's public page, while its command is handled".into(),
            )
        })?;
        let already = caller
            .joined
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some();
        if already {
            return Err(DeskError::Refused(
                "this public command has opened its waiting session already".into(),
            ));
        }
        let joined = self
            .sessions
            .open_waiting(&scope.site, &scope.plugin, display_name, caller.address)
            .await
            .map_err(|error| match error {
                SessionError::InvalidName(_) => DeskError::Invalid(error.to_string()),
                SessionError::TooManyJoins(seconds) => DeskError::Refused(format!(
                    "too many customers came from this address recently; try again in {seconds} seconds"
                )),
                other => DeskError::Unavailable(other.to_string()),
            })?;
        let waiting = WaitingSession {
            session: joined.session.to_string(),
            customer: joined.participant.to_string(),
        };
        *caller
            .joined
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(tether_protocol::public::PublicJoin {
                session: waiting.session.clone(),
                participant: waiting.customer.clone(),
                token: joined.token,
            });
        Ok(waiting)
    }

    async fn hand_over(
        &self,
        scope: &PluginScope,
        session: &str,
        username: &str,
    ) -> Result<String, DeskError> {
        if !self.sessions.runs_here(session)
            && let Some(others) = self.others.get()
            && let Some(node) = others.running_elsewhere(session).await
        {
            return others.hand_over(&node, scope, session, username).await;
        }
        self.hand_over_here(scope, session, username).await
    }
}
