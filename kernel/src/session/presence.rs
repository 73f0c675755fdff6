//! Customers' pages and agents coming and going. A closed page or a
//! stopped agent is not leaving (a reload, a restart of the computer): the
//! customer leaves only when neither is back within the grace period, or
//! the rejoin window when the agent said the computer restarts. Agents
//! rejoin with a resume token instead of the join token.

use std::sync::Arc;

use tether_protocol::ServerEvent;

use super::Sessions;
use super::announce::Announcement;
use super::error::SessionError;
use crate::activity::{EndReason, Scope};
use crate::routing::{ConnectionId, Endpoint, EndpointKind, Outbox};
use crate::storage::ParticipantRecord;
use crate::token::{hash_token, random_token};

/// How a customer's page or agent proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerCredential<'a> {
    /// From `POST /api/join`.
    JoinToken(&'a str),
    /// Issued to the agent on its last connection.
    ResumeToken(&'a str),
}

fn describe(kind: EndpointKind) -> (&'static str, &'static str) {
    match kind {
        EndpointKind::Ui => ("page", "customer page"),
        EndpointKind::Agent => ("agent", "host agent"),
    }
}

impl Sessions {
    /// The running session and customer a credential belongs to.
    pub async fn customer_by(
        &self,
        credential: CustomerCredential<'_>,
    ) -> Result<(String, String), SessionError> {
        let unknown = || SessionError::InvalidJoinCredential;
        let record: Option<ParticipantRecord> = match credential {
            CustomerCredential::JoinToken(token) => {
                self.storage
                    .participant_by_token(&hash_token(token))
                    .await?
            }
            CustomerCredential::ResumeToken(token) => {
                self.storage
                    .participant_by_resume_token(&hash_token(token))
                    .await?
            }
        };
        let record = record.ok_or_else(unknown)?;
        let present = self
            .with_live(&record.session, |s| Ok(s.participant(&record.id).is_some()))
            .unwrap_or(false);
        if !present {
            return Err(unknown());
        }
        Ok((record.session, record.id))
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
                    p.ever_connected = true;
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
        let info = self.with_live(number, |s| {
            let p = s
                .participants
                .get_mut(participant)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            p.away = Some(reason.to_owned());
            Ok(p.info())
        })?;
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
        };
        self.broadcast(number, &event, false);
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
        if endpoint.kind == EndpointKind::Agent {
            let _ = self.with_live(number, |s| {
                if let Some(p) = s.participants.get_mut(participant.as_str()) {
                    p.agent_capabilities = None;
                }
                Ok(())
            });
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
        self.leave_if_still_absent(number, participant);
    }

    /// Starts the grace timer for a customer with no page and no agent.
    fn leave_if_still_absent(self: &Arc<Self>, number: &str, participant: &str) {
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
