//! Customers' pages and agents coming and going. A closed page or a
//! stopped agent is not leaving (a reload, a restart of the computer): the
//! customer leaves only when neither is back within the grace period, or
//! the rejoin window when the agent said the computer restarts. Agents
//! rejoin with a resume token instead of the join token.
//!
//! The host CSR's own agent (showing the customers an application from
//! their computer) joins the same way, with a code the host's console asked
//! for; a CSR comes and goes with their console, never with their agent.

use std::sync::Arc;

use tether_protocol::{Detail, ServerEvent};

use super::announce::Announcement;
use super::error::SessionError;
use super::{Sessions, agent_codes};
use crate::activity::{EndReason, Scope};
use crate::routing::{ConnectionId, Endpoint, EndpointKind, Outbox};
use crate::storage::{ParticipantRecord, ParticipantRole};
use crate::token::{hash_token, random_token};

/// How a customer's page or agent proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerCredential<'a> {
    /// From `POST /api/join`. It opens an agent connection only for a
    /// customer who joined through the agent itself, once.
    JoinToken(&'a str),
    /// Issued to the agent on its last connection.
    ResumeToken(&'a str),
    /// A one-time code the customer's page showed (agents only).
    AgentCode { session: &'a str, code: &'a str },
}

fn describe(kind: EndpointKind) -> (&'static str, &'static str) {
    match kind {
        EndpointKind::Ui => ("page", "customer page"),
        EndpointKind::Agent => ("agent", "host agent"),
    }
}

impl Sessions {
    /// The running session and customer a credential of a `kind`
    /// connection belongs to. While another agent is connected for the
    /// customer, a new agent needs the customer's yes on their page (unless
    /// it is that agent coming back with its resume token); see
    /// [`Sessions::admit_agent`].
    pub async fn customer_by(
        &self,
        credential: CustomerCredential<'_>,
        kind: EndpointKind,
    ) -> Result<(String, String), SessionError> {
        let unknown = || SessionError::InvalidJoinCredential;
        if let CustomerCredential::AgentCode { session, code } = credential {
            let redeemed = self
                .lock_agent_codes()
                .redeem(session, code, std::time::Instant::now());
            let participant = redeemed.ok_or_else(unknown)?;
            return self.admit_agent(session, &participant, credential).await;
        }
        let record = self
            .stored_participant(credential)
            .await?
            .ok_or_else(unknown)?;
        match kind {
            EndpointKind::Agent => {
                self.admit_agent(&record.session, &record.id, credential)
                    .await
            }
            EndpointKind::Ui => {
                let present = self
                    .with_live(&record.session, |s| Ok(s.participant(&record.id).is_some()))
                    .unwrap_or(false);
                if !present {
                    return Err(unknown());
                }
                Ok((record.session, record.id))
            }
        }
    }

    /// The stored participant a join or resume token belongs to (every
    /// node reads the same record); `None` for an agent code, which only
    /// the node that issued it holds.
    pub async fn stored_participant(
        &self,
        credential: CustomerCredential<'_>,
    ) -> Result<Option<ParticipantRecord>, crate::storage::StorageError> {
        match credential {
            CustomerCredential::JoinToken(token) => {
                self.storage.participant_by_token(&hash_token(token)).await
            }
            CustomerCredential::ResumeToken(token) => {
                self.storage
                    .participant_by_resume_token(&hash_token(token))
                    .await
            }
            CustomerCredential::AgentCode { .. } => Ok(None),
        }
    }

    /// Whether an agent proving itself with `credential` may act for
    /// `participant` now. While another agent is connected, only the
    /// customer on their page may let a new one take over.
    async fn admit_agent(
        &self,
        session: &str,
        participant: &str,
        credential: CustomerCredential<'_>,
    ) -> Result<(String, String), SessionError> {
        let (page_seen, agent_seen) = self
            .with_live(session, |s| {
                s.participant(participant)
                    .map(|p| (p.page_seen, p.agent_seen))
                    .ok_or(SessionError::InvalidJoinCredential)
            })
            .map_err(|_| SessionError::InvalidJoinCredential)?;
        if matches!(credential, CustomerCredential::JoinToken(_)) && (page_seen || agent_seen) {
            return Err(SessionError::AgentNeedsCode);
        }
        let resuming = matches!(credential, CustomerCredential::ResumeToken(_));
        let is_customer = self
            .with_live(session, |s| {
                Ok(s.participant(participant)
                    .is_some_and(|p| p.role == ParticipantRole::Customer))
            })
            .unwrap_or(false);
        if !resuming && self.router.is_connected(&Endpoint::agent(participant)) {
            // A CSR asked for the code on their console themselves: the new
            // agent takes over without a question. A customer is asked.
            if is_customer
                && !self
                    .customer_allows_second_agent(session, participant)
                    .await
            {
                let refused = ServerEvent::SecondAgentRefused {
                    session: session.to_owned(),
                };
                self.send_event(&Endpoint::agent(participant), &refused);
                self.send_event(&Endpoint::ui(participant), &refused);
                self.record(
                    session,
                    "agent.refused_second",
                    participant,
                    "another helper program was refused",
                )
                .await;
                tracing::warn!(
                    session,
                    participant,
                    "a second agent for one customer was refused"
                );
                return Err(SessionError::AgentAlreadyConnected);
            }
            // The one running now stops (and undoes what it left in place).
            let over = ServerEvent::SessionEnded {
                session: session.to_owned(),
                reason: "another helper program took over, as the customer allowed".into(),
                detail: Some(Detail::AnotherHelperTookOver),
            };
            self.send_event(&Endpoint::agent(participant), &over);
            self.record(
                session,
                "agent.replaced",
                participant,
                "the customer let another helper program take over",
            )
            .await;
        }
        Ok((session.to_owned(), participant.to_owned()))
    }

    /// Asks the customer on their page whether a new helper may take over;
    /// no page open, no answer in time, or no: it may not.
    async fn customer_allows_second_agent(&self, session: &str, participant: &str) -> bool {
        if !self.router.is_connected(&Endpoint::ui(participant)) {
            return false;
        }
        let request = crate::token::short_id("helper");
        let answered = self.consent.open_prompt(&request, session, participant);
        let prompt = ServerEvent::SecondAgentPrompt {
            session: session.to_owned(),
            request: request.clone(),
        };
        self.send_event(&Endpoint::ui(participant), &prompt);
        let allowed = matches!(
            tokio::time::timeout(self.settings.consent_timeout, answered).await,
            Ok(Ok(true))
        );
        self.consent.close_prompt(&request);
        allowed
    }

    /// A one-time code for a customer's agent (shown on their page), or
    /// for the host's own agent (shown on their console, to show the
    /// customers an application). An assistant's agent has nothing to do.
    pub fn issue_agent_code(
        &self,
        number: &str,
        participant: &str,
    ) -> Result<String, SessionError> {
        let may_have_agent = self.with_live(number, |s| {
            Ok(s.participant(participant).is_some_and(|p| {
                matches!(p.role, ParticipantRole::Customer | ParticipantRole::Host)
            }))
        })?;
        if !may_have_agent {
            return Err(SessionError::NoSuchCustomer(participant.to_owned()));
        }
        let code = format!(
            "{:0width$}",
            crate::token::random_below(10u64.pow(agent_codes::DIGITS)),
            width = agent_codes::DIGITS as usize
        );
        self.lock_agent_codes()
            .issue(code.clone(), number, participant, std::time::Instant::now());
        Ok(agent_codes::display(&code))
    }

    /// A new resume token for the participant's agent. The previous one
    /// keeps working until the next, in case this one never reached the
    /// agent; older ones stop working.
    pub async fn issue_resume_token(&self, participant: &str) -> Result<String, SessionError> {
        let token = random_token();
        self.storage
            .set_resume_token(participant, &hash_token(&token))
            .await?;
        Ok(token)
    }

    /// A customer's page or agent connected (or reconnected). An agent
    /// coming back from a restart brings the customer back as the same
    /// participant, and everyone is told.
    pub async fn endpoint_connected(
        &self,
        number: &str,
        endpoint: Endpoint,
        connection: ConnectionId,
        outbox: Outbox,
    ) {
        let (kind, what) = describe(endpoint.kind);
        let participant = endpoint.participant.clone();
        let endpoint_kind = endpoint.kind;
        if endpoint_kind == EndpointKind::Ui {
            self.forget_asking(number, &participant);
        }
        self.router.attach(endpoint, connection, outbox);
        self.record(
            number,
            &format!("{kind}.connected"),
            &participant,
            format!("{what} connected"),
        )
        .await;
        let returned = self
            .with_live(number, |s| {
                let site = s.site.clone();
                let p = s.participants.get_mut(participant.as_str());
                Ok(p.and_then(|p| {
                    match endpoint_kind {
                        EndpointKind::Ui => p.page_seen = true,
                        EndpointKind::Agent => p.agent_seen = true,
                    }
                    p.away.take().map(|reason| (reason, p.clone(), site))
                }))
            })
            .ok()
            .flatten();
        if let Some((reason, back, site)) = returned {
            let after = format!("back after {reason}");
            let rejoined = Announcement::Rejoined {
                who: &back,
                after: &after,
            };
            self.announce(number, &site, rejoined).await;
        }
    }

    /// The customer's agent says the computer goes away (a restart): their
    /// place is kept for the rejoin window.
    pub async fn agent_going_away(
        &self,
        number: &str,
        participant: &str,
        reason: &str,
    ) -> Result<(), SessionError> {
        let (away, rejoin) = self.with_live(number, |s| {
            let p = s
                .participants
                .get_mut(participant)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            p.away = Some(reason.to_owned());
            Ok((p.clone(), p.agent_rejoin.unwrap_or_default()))
        })?;
        let info = away.info();
        let window = self.settings.rejoin_window.as_secs();
        self.record(
            number,
            "participant.away",
            &info.display_name,
            format!("{reason}; waiting up to {window}s to rejoin"),
        )
        .await;
        let event = ServerEvent::ParticipantAway {
            session: number.to_owned(),
            participant: info,
            reason: reason.to_owned(),
            rejoin,
        };
        self.broadcast_about(number, &away, &event);
        Ok(())
    }

    /// A customer's page or agent connection closed.
    pub async fn endpoint_closed(
        self: &Arc<Self>,
        number: &str,
        endpoint: &Endpoint,
        connection: ConnectionId,
    ) {
        self.router.detach(endpoint, connection);
        if self.router.is_connected(endpoint) {
            return; // a newer connection took over
        }
        let participant = &endpoint.participant;
        let (kind, what) = describe(endpoint.kind);
        if endpoint.kind == EndpointKind::Ui {
            self.forget_asking(number, participant);
        }
        if endpoint.kind == EndpointKind::Agent {
            let _ = self.with_live(number, |s| {
                if let Some(p) = s.participants.get_mut(participant.as_str()) {
                    p.agent_capabilities = None;
                    p.agent_rejoin = None;
                }
                Ok(())
            });
            self.tell_agent_changed(number, participant, None);
            // Calls it was running have no one to answer them; what calls
            // left in place stays (the agent undoes it itself if it cannot
            // come back).
            let scope = Scope::RunningOn {
                session: number,
                participant,
            };
            self.end_activities(scope, EndReason::AgentDisconnected)
                .await;
        }
        self.record(
            number,
            &format!("{kind}.disconnected"),
            participant,
            format!("{what} disconnected"),
        )
        .await;
        // A CSR stays while their console does (closing it has its own
        // grace, for the host).
        if self.role_of(number, participant) == Some(ParticipantRole::Customer) {
            self.leave_if_still_absent(number, participant);
        }
    }

    /// Starts the grace timer for a customer with no page and no agent.
    pub(super) fn leave_if_still_absent(self: &Arc<Self>, number: &str, participant: &str) {
        let absent = |sessions: &Sessions, participant: &str| {
            !sessions.router.is_connected(&Endpoint::ui(participant))
                && !sessions.router.is_connected(&Endpoint::agent(participant))
        };
        if !absent(self, participant) {
            return;
        }
        let restarting = self
            .with_live(number, |s| {
                Ok(s.participant(participant).is_some_and(|p| p.away.is_some()))
            })
            .unwrap_or(false);
        let wait = if restarting {
            self.settings.rejoin_window
        } else {
            self.settings.grace
        };
        let sessions = Arc::clone(self);
        let (number, participant) = (number.to_owned(), participant.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let still_in = sessions
                .with_live(&number, |s| Ok(s.participant(&participant).is_some()))
                .unwrap_or(false);
            if still_in && absent(&sessions, &participant) {
                let _ = sessions.leave(&number, &participant).await;
            }
        });
    }
}
