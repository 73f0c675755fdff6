//! Starting, joining, leaving and ending sessions, and the host's grace
//! period after the console closes.

use crate::telemetry::{self, Started};
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;
use tether_protocol::{Language, ServerEvent};

use super::announce::{Announcement, Departure};
use super::ending::Ending;
use super::error::SessionError;
use super::live::{LiveParticipant, LiveSession};
use super::policy::{self, Action};
use super::{ParticipantId, SessionNumber, Sessions, interrupted, invite, number};
use crate::activity::{EndReason, Scope};
use crate::plugin_host::services::{Participant, PluginEvent, Role};
use crate::routing::{ConnectionId, Endpoint, Outbox};
use crate::storage::{
    Account, ParticipantRecord, ParticipantRole, SessionRecord, SessionStatus, StorageError,
    now_millis,
};
use crate::token::{hash_token, random_token};

/// What the CSR gets when starting a session.
#[derive(Debug, Clone, Serialize)]
pub struct StartedSession {
    pub session: SessionNumber,
    pub participant: ParticipantId,
    pub mode: String,
    /// The link to copy into an instant message.
    pub join_link: String,
    pub invite_customer: InvitationView,
    pub invite_assistant: InvitationView,
}

/// An invitation's texts and its `mailto:` link.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    pub subject: String,
    pub body: String,
    pub mailto: String,
}

impl From<invite::Invitation> for InvitationView {
    fn from(invitation: invite::Invitation) -> Self {
        InvitationView {
            mailto: invitation.mailto(),
            subject: invitation.subject,
            body: invitation.body,
        }
    }
}

/// What a customer gets when joining: the token authenticates their page
/// and their agent for this session.
#[derive(Debug, Clone, Serialize)]
pub struct JoinedCustomer {
    pub session: SessionNumber,
    pub participant: ParticipantId,
    pub token: String,
}

const MAX_DISPLAY_NAME_CHARS: usize = 80;

/// A customer's name as they typed it, without the spaces around it: 1 to
/// 80 characters, none of them control characters.
pub(crate) fn check_display_name(display_name: &str) -> Result<&str, SessionError> {
    let display_name = display_name.trim();
    let chars = display_name.chars().count();
    if chars == 0 || chars > MAX_DISPLAY_NAME_CHARS || display_name.chars().any(char::is_control) {
        return Err(SessionError::InvalidName(MAX_DISPLAY_NAME_CHARS));
    }
    Ok(display_name)
}

pub(crate) fn plugin_participant(p: &LiveParticipant) -> Participant {
    Participant {
        id: p.id.to_string(),
        display_name: p.display_name.clone(),
        role: match p.role {
            ParticipantRole::Host => Role::Host,
            ParticipantRole::Assistant => Role::Assistant,
            ParticipantRole::Customer => Role::Customer,
        },
    }
}

impl Sessions {
    /// Starts a session hosted by `account` on the account's site.
    pub async fn start(&self, account: &Account) -> Result<StartedSession, SessionError> {
        self.require_storage()?;
        let sites = self.sites.snapshot();
        let site = sites
            .site(&account.site)
            .ok_or_else(|| SessionError::SiteNotConfigured(account.site.clone()))?;
        let mode = account.session_mode.unwrap_or(site.settings.session_mode);
        let number = self
            .create_session_record(&site.id, mode, Some(account.id))
            .await?;
        let host = LiveParticipant::entering(
            &account.display_name,
            ParticipantRole::Host,
            Some(account.id),
        );
        self.storage
            .add_participant(record_of(&number, &host, None))
            .await?;
        let live = LiveSession::begun(&number, &site.id, mode, &host);
        self.with_all_live(|sessions| sessions.insert(number.clone(), live));
        telemetry::session_started(Started::ByCsr);
        self.record(
            &number,
            "session.started",
            &account.display_name,
            format!("mode: {mode}; site: {}", site.id),
        )
        .await;
        self.record(&number, "participant.joined", &host.display_name, "host")
            .await;
        tracing::info!(session = %number, csr = %account.username, "session started");

        Ok(StartedSession {
            session: number.clone(),
            participant: host.id,
            mode: mode.to_string(),
            join_link: invite::join_link(&self.settings.public_url, &number),
            // In English: the console words its own invitations in the
            // CSR's language; these are for clients that do not.
            invite_customer: invite::for_customer(
                Language::En,
                &account.display_name,
                &self.settings.public_url,
                &number,
            )
            .into(),
            invite_assistant: invite::for_assistant(Language::En, &account.display_name, &number)
                .into(),
        })
    }

    /// Stores a new session under a fresh number (another number when one
    /// is taken); `started_by` is the CSR, none for a session waiting for
    /// one. This node claims the number before storing it, so a node
    /// starting meanwhile never finds the session running without an owner
    /// (and ends it).
    pub(super) async fn create_session_record(
        &self,
        site: &str,
        mode: crate::storage::SessionMode,
        started_by: Option<i64>,
    ) -> Result<SessionNumber, SessionError> {
        let started_at = now_millis();
        let unowned = |error: crate::cluster::ClusterError| {
            tracing::error!(%error, "cannot own a new session");
            SessionError::from(StorageError::Backend(error.to_string()))
        };
        // Nine numbers of 900 million: a clash every time means something
        // else is wrong.
        for _ in 0..9 {
            let number = number::generate();
            if !self
                .ownership
                .claim_new(number.as_ref())
                .await
                .map_err(unowned)?
            {
                continue;
            }
            let record = SessionRecord {
                number: number.to_string(),
                site: site.to_owned(),
                mode,
                started_by,
                status: SessionStatus::Active,
                started_at,
                ended_at: None,
                end_reason: None,
            };
            match self.storage.create_session(record).await {
                Ok(()) => return Ok(number),
                Err(StorageError::Conflict(_)) => self.ownership.release(number.as_ref()).await,
                Err(error) => {
                    self.ownership.release(number.as_ref()).await;
                    return Err(error.into());
                }
            }
        }
        Err(StorageError::Backend("every session number tried was taken".into()).into())
    }

    /// Routes a console connection to the CSR's participant in a session.
    pub fn attach_console(&self, participant: &str, connection: ConnectionId, outbox: Outbox) {
        self.router
            .attach(Endpoint::ui(participant), connection, outbox);
    }

    /// An assistant CSR joins a running session of their site by number.
    pub async fn assist(
        &self,
        account: &Account,
        number_input: &str,
    ) -> Result<ParticipantId, SessionError> {
        let number = number::parse(number_input)
            .ok_or_else(|| SessionError::UnknownSession(number_input.to_string()))?;
        let assistant = LiveParticipant::entering(
            &account.display_name,
            ParticipantRole::Assistant,
            Some(account.id),
        );
        self.with_live(&number, |s| {
            if s.site != account.site {
                return Err(SessionError::UnknownSession(number.to_string()));
            }
            if s.participant_of_account(account.id).is_some() {
                return Err(SessionError::AlreadyInSession);
            }
            // A waiting customer is given to a CSR by a hand-over only.
            if s.host().is_none() {
                return Err(SessionError::WaitingForCsr(number.to_string()));
            }
            Ok(())
        })?;
        self.storage
            .add_participant(record_of(&number, &assistant, None))
            .await?;
        let site = self.with_live(&number, |s| {
            s.participants.insert(assistant.clone());
            Ok(s.site.clone())
        })?;
        self.announce(&number, &site, Announcement::Joined(&assistant))
            .await;
        Ok(assistant.id)
    }

    /// A CSR's console comes back to a session it is in (after closing or
    /// reloading); ends the host's grace period.
    pub async fn resume(
        &self,
        account: &Account,
        number: &str,
    ) -> Result<ParticipantId, SessionError> {
        let (participant, was_away, site) = self.with_live(number, |s| {
            let participant = s
                .participant_of_account(account.id)
                .cloned()
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            let was_away =
                participant.role == ParticipantRole::Host && s.host_away.take().is_some();
            Ok((participant, was_away, s.site.clone()))
        })?;
        if was_away {
            let back = Announcement::Rejoined {
                who: &participant,
                after: "host came back",
            };
            self.announce(number, &site, back).await;
        }
        Ok(participant.id)
    }

    /// A customer joins by session number with a display name.
    pub async fn join_customer(
        self: &Arc<Self>,
        number_input: &str,
        display_name: &str,
        client: IpAddr,
    ) -> Result<JoinedCustomer, SessionError> {
        self.require_storage()?;
        self.check_join_attempts(client).await?;
        // A session waiting for a CSR has its one customer: to anyone
        // else its number is not a session to join.
        let joinable = |n: &SessionNumber| {
            self.with_live(n, |s| Ok(s.host().is_some()))
                .unwrap_or(false)
        };
        let Some(number) = number::parse(number_input).filter(joinable) else {
            self.count_failed_join(client).await;
            return Err(SessionError::UnknownSession(
                number_input.trim().to_string(),
            ));
        };
        let display_name = check_display_name(display_name)?;
        self.count_successful_join(client)?;
        let customer = LiveParticipant::entering(display_name, ParticipantRole::Customer, None);
        // Check the rules and reserve the place in one step, so two
        // customers joining at once cannot both take the last place.
        let site = self.with_all_live(|sessions| {
            let session = sessions
                .get(&number)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            // Sessions without a host are nobody's: they never count as
            // one CSR's customers.
            let customers_of_host = match session.host().and_then(|h| h.account_id) {
                Some(host) => customers_hosted_by(sessions.values(), host)
                    .saturating_add(self.hosted_elsewhere(host)),
                None => return Err(SessionError::UnknownSession(number.to_string())),
            };
            let sites = self.sites.snapshot();
            let site = sites
                .site(&session.site)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            policy::check_customer_join(
                session.mode,
                session.participants.customer_count() as u32,
                customers_of_host,
                site.settings.max_customers_per_csr,
            )?;
            let site_id = site.id.clone();
            if let Some(session) = sessions.get_mut(&number) {
                session.participants.insert(customer.clone());
            }
            Ok::<_, SessionError>(site_id)
        })?;
        let token = random_token();
        if let Err(error) = self
            .storage
            .add_participant(record_of(&number, &customer, Some(hash_token(&token))))
            .await
        {
            self.with_all_live(|sessions| {
                sessions
                    .get_mut(&number)
                    .map(|s| s.participants.remove(&customer.id))
            });
            return Err(error.into());
        }
        self.announce(&number, &site, Announcement::Joined(&customer))
            .await;
        tracing::info!(session = %number, participant = %customer.id, "customer joined");
        self.expire_if_never_connected(&number, &customer.id);
        Ok(JoinedCustomer {
            session: number,
            participant: customer.id,
            token,
        })
    }

    /// A participant leaves the session for good.
    pub async fn leave(&self, number: &str, participant: &str) -> Result<(), SessionError> {
        let may_leave = |s: &LiveSession| {
            let role = s
                .participant(participant)
                .map(|p| p.role)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            Ok(policy::check(role, Action::Leave)?)
        };
        self.depart(number, participant, Departure::Left, may_leave)
            .await
    }

    /// The host (`by`) removes another participant: a customer who should
    /// not be there, or who holds a place without using it.
    pub async fn remove_participant(
        &self,
        number: &str,
        by: &str,
        participant: &str,
    ) -> Result<(), SessionError> {
        let may_remove = |s: &LiveSession| {
            let host = s
                .participant(by)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            let target = s
                .participant(participant)
                .ok_or_else(|| SessionError::NoSuchParticipant(participant.to_owned()))?;
            policy::check_removal(host.role, target.role)?;
            Ok(())
        };
        let host_name = self.with_live(number, |s| {
            may_remove(s)?;
            Ok(s.participant(by)
                .map(|h| h.display_name.clone())
                .unwrap_or_default())
        })?;
        self.depart(
            number,
            participant,
            Departure::RemovedBy(&host_name),
            may_remove,
        )
        .await
    }

    /// Takes `participant` out of the session if `allowed` still holds
    /// (checked in the same step, so nothing changes in between): their
    /// activities end, the others and the plugins hear of it, and their
    /// page and agent are told why.
    pub(crate) async fn depart(
        &self,
        number: &str,
        participant: &str,
        how: Departure<'_>,
        allowed: impl FnOnce(&LiveSession) -> Result<(), SessionError>,
    ) -> Result<(), SessionError> {
        let (left, site, nobody_left) = self.with_live(number, |s| {
            allowed(s)?;
            let left = s
                .participants
                .remove(participant)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            if s.selected_customer.as_deref() == Some(participant) {
                s.selected_customer = None;
            }
            Ok((
                left,
                s.site.clone(),
                s.is_waiting() && s.customers().next().is_none(),
            ))
        })?;
        self.storage
            .participant_left(participant, now_millis())
            .await?;
        self.lock_agent_codes().forget(number, Some(participant));
        let scope = Scope::Participant {
            session: number,
            participant,
        };
        self.end_activities(scope, EndReason::ParticipantLeft).await;
        self.controller_left(number, participant, &left.display_name)
            .await;
        self.announce(number, &site, Announcement::Left { who: &left, how })
            .await;
        let (to_page, to_agent) = how.told();
        for (endpoint, reason, detail) in [
            (Endpoint::ui(participant), to_page, Some(how.detail())),
            (Endpoint::agent(participant), to_agent, None),
        ] {
            let ended = ServerEvent::SessionEnded {
                session: number.to_owned(),
                reason,
                detail,
            };
            self.send_event(&endpoint, &ended);
        }
        if nobody_left {
            // Nobody is left to take: a waiting session ends with its
            // last customer.
            let _ = self.end(number, Ending::CustomerLeftWaiting).await;
        }
        Ok(())
    }

    /// Gives a customer's place back when neither their page nor their
    /// agent connected within the window: a join alone must not hold one
    /// of the CSR's places.
    pub(crate) fn expire_if_never_connected(
        self: &Arc<Self>,
        number: &str,
        participant: &ParticipantId,
    ) {
        let sessions = Arc::clone(self);
        let (number, participant) = (number.to_owned(), participant.clone());
        let window = self.settings.unconnected_join;
        tokio::spawn(async move {
            tokio::time::sleep(window).await;
            // Checked as it is taken out: a page that connects at the last
            // moment keeps its place.
            let unused = |s: &LiveSession| match s.participant(&participant) {
                Some(p) if !p.ever_connected() => Ok(()),
                _ => Err(SessionError::NoSuchParticipant(participant.to_string())),
            };
            if sessions
                .depart(&number, &participant, Departure::NeverConnected, unused)
                .await
                .is_ok()
            {
                tracing::info!(session = %number, %participant, "a join that never connected expired");
            }
        });
    }

    /// Ends the session (by its host, or the kernel with a reason).
    pub async fn end(&self, number: &str, ending: Ending) -> Result<(), SessionError> {
        let reason = ending.reason();
        let reason = reason.as_str();
        let session = self
            .with_all_live(|sessions| sessions.remove(number))
            .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
        telemetry::session_ended(ending.word());
        self.storage
            .end_session(number, now_millis(), reason, ending.word())
            .await?;
        self.ownership.release(number).await;
        for id in session.participants.keys() {
            let _ = self.storage.participant_left(id, now_millis()).await;
        }
        // Agents hear what to cancel before they hear the session ended.
        self.end_activities(Scope::Session { session: number }, EndReason::SessionEnded)
            .await;
        self.consent.drop_session(number);
        self.lock_agent_codes().forget(number, None);
        self.record(number, "session.ended", "", reason).await;
        let ended = ServerEvent::SessionEnded {
            session: number.to_owned(),
            reason: reason.to_owned(),
            detail: ending.detail(),
        };
        for id in session.participants.keys() {
            self.send_event(&Endpoint::ui(id), &ended);
            self.send_event(&Endpoint::agent(id), &ended);
        }
        self.notify_plugins(
            &session.site,
            PluginEvent::SessionEnded {
                session: number.to_owned(),
            },
        );
        self.host_load_changed();
        tracing::info!(session = number, reason, "session ended");
        Ok(())
    }

    /// The host ends the session.
    pub async fn end_by(&self, number: &str, participant: &str) -> Result<(), SessionError> {
        let name = self.with_live(number, |s| {
            let p = s
                .participant(participant)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            policy::check(p.role, Action::Drive)?;
            Ok(p.display_name.clone())
        })?;
        self.end(number, Ending::By(name)).await
    }

    /// A CSR console closed. Assistants leave; the host's session waits the
    /// grace period for the console to come back, then ends.
    pub async fn console_closed(
        self: &Arc<Self>,
        number: &str,
        participant: &str,
        connection: ConnectionId,
    ) {
        self.router.detach(&Endpoint::ui(participant), connection);
        if self.router.is_connected(&Endpoint::ui(participant)) {
            return; // a newer console took over
        }
        // What it sent from the browser has no source any more.
        self.end_browser_streams(number, participant).await;
        let role = self
            .with_live(number, |s| Ok(s.participant(participant).map(|p| p.role)))
            .ok()
            .flatten();
        match role {
            Some(ParticipantRole::Host) => self.wait_for_host(number, participant).await,
            Some(_) => {
                let _ = self.leave(number, participant).await;
            }
            None => {}
        }
    }

    /// The host's console is gone: the session waits the grace period for
    /// it to come back, then ends.
    pub(super) async fn wait_for_host(self: &Arc<Self>, number: &str, participant: &str) {
        let token = self.next_away_token();
        let marked = self.with_live(number, |s| {
            s.host_away = Some(token);
            Ok(())
        });
        if marked.is_err() {
            return;
        }
        let grace = self.settings.grace;
        self.record(
            number,
            "host.away",
            participant,
            format!("waiting {}s for the host to come back", grace.as_secs()),
        )
        .await;
        self.broadcast(
            number,
            &ServerEvent::HostAway {
                session: number.to_owned(),
                grace_secs: grace.as_secs(),
            },
            false,
        );
        let sessions = Arc::clone(self);
        let number = number.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            let still_away = sessions
                .with_live(&number, |s| Ok(s.host_away == Some(token)))
                .unwrap_or(false);
            if still_away {
                let _ = sessions.end(&number, Ending::HostDidNotReturn).await;
            }
        });
    }

    /// Sessions left active by a previous run of the kernel are ended, with
    /// the reason in their reports, and what was running in them is
    /// reported as interrupted. Among several nodes nothing is ended here:
    /// the sessions of a node that stopped are taken over (`takeover.rs`).
    pub async fn end_sessions_left_running(&self) -> Result<usize, StorageError> {
        if self.ownership.among_several() {
            return Ok(0);
        }
        let stale = self.storage.active_sessions().await?;
        for session in &stale {
            let report = self.report_lines(&session.number).await?;
            self.report_interrupted(&session.number, &report).await;
            self.storage
                .end_session(
                    &session.number,
                    now_millis(),
                    "the server restarted",
                    crate::storage::outcome::SERVER_RESTARTED,
                )
                .await?;
            self.record(&session.number, "session.ended", "", "the server restarted")
                .await;
        }
        Ok(stale.len())
    }
}

impl Sessions {
    /// Reports the agent calls and shares that `report` shows running
    /// when the server that ran the session stopped.
    pub(super) async fn report_interrupted(
        &self,
        number: &str,
        report: &[crate::storage::ReportEntry],
    ) {
        for call in interrupted::unanswered_calls(report) {
            self.record(
                number,
                "activity.ended",
                &call.plugin,
                interrupted::line(&call),
            )
            .await;
        }
        for opened in interrupted::open_streams(report) {
            let line = interrupted::stream_line(&opened);
            self.record(number, "stream.closed", &opened.actor, line)
                .await;
        }
    }
}

/// Customers in the sessions CSR account `host` hosts.
pub(crate) fn customers_hosted_by<'a>(
    sessions: impl IntoIterator<Item = &'a LiveSession>,
    host: i64,
) -> u32 {
    sessions
        .into_iter()
        .filter(|s| s.host().and_then(|h| h.account_id) == Some(host))
        .map(|s| s.participants.customer_count() as u32)
        .sum()
}

pub(crate) fn record_of(
    number: &str,
    p: &LiveParticipant,
    join_token_hash: Option<String>,
) -> ParticipantRecord {
    ParticipantRecord {
        id: p.id.to_string(),
        session: number.to_owned(),
        role: p.role,
        display_name: p.display_name.clone(),
        account_id: p.account_id,
        join_token_hash,
        joined_at: now_millis(),
        left_at: None,
    }
}
