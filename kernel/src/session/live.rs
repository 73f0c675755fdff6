//! The in-memory state of running sessions: who is in them and in what role.
//! Storage holds the durable record; this holds what changes by the second.

use tether_protocol::{Capability, ParticipantInfo, RejoinAfterRestart};

use super::ids::{ParticipantId, SessionNumber};
use super::participants::Participants;
use super::report_budget::ReportBudget;
use crate::storage::{ParticipantRole, SessionMode};

#[derive(Debug, Clone)]
pub struct LiveParticipant {
    pub id: ParticipantId,
    pub display_name: String,
    pub role: ParticipantRole,
    /// The CSR account, for hosts and assistants.
    pub account_id: Option<i64>,
    /// Capabilities the participant's agent offers, once it said hello.
    pub agent_capabilities: Option<Vec<Capability>>,
    /// How the customer comes back after their computer restarts, as their
    /// agent said with its hello (the consent prompt for a restart and
    /// plugins need to know).
    pub agent_rejoin: Option<RejoinAfterRestart>,
    /// Why the customer's agent said it is going away (a restart): their
    /// place is kept for the rejoin window instead of the grace period.
    pub away: Option<String>,
    /// Whether the participant's page ever connected.
    pub page_seen: bool,
    /// Whether an agent ever connected for the participant: from then on
    /// the join token no longer opens an agent connection.
    pub agent_seen: bool,
}

impl LiveParticipant {
    /// Someone entering a session, with a new id and nothing connected
    /// yet; `account` for CSRs.
    pub fn entering(display_name: &str, role: ParticipantRole, account: Option<i64>) -> Self {
        LiveParticipant {
            id: ParticipantId::generate(),
            display_name: display_name.to_owned(),
            role,
            account_id: account,
            agent_capabilities: None,
            agent_rejoin: None,
            away: None,
            page_seen: false,
            agent_seen: false,
        }
    }

    /// A customer who only called the join API holds a place until it
    /// expires.
    pub fn ever_connected(&self) -> bool {
        self.page_seen || self.agent_seen
    }
}

impl LiveParticipant {
    pub fn info(&self) -> ParticipantInfo {
        ParticipantInfo {
            id: self.id.to_string(),
            display_name: self.display_name.clone(),
            role: self.role.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct LiveSession {
    pub number: SessionNumber,
    pub site: String,
    pub mode: SessionMode,
    /// Participants still in the session, by id.
    pub participants: Participants,
    /// The customer the host works with (single-session mode).
    pub selected_customer: Option<ParticipantId>,
    /// Set while the host's console is gone; the value tells a grace timer
    /// whether it is still the one that should end the session.
    pub host_away: Option<u64>,
    /// What the session's report may still hold.
    pub report_budget: ReportBudget,
}

impl LiveSession {
    /// A session that just began, with its first participant: the CSR who
    /// started it, or the customer who waits for one.
    pub fn begun(
        number: &SessionNumber,
        site: &str,
        mode: SessionMode,
        first: &LiveParticipant,
    ) -> Self {
        LiveSession {
            number: number.clone(),
            site: site.to_owned(),
            mode,
            participants: {
                let mut participants = Participants::default();
                participants.insert(first.clone());
                participants
            },
            selected_customer: None,
            host_away: None,
            report_budget: Default::default(),
        }
    }

    pub fn host(&self) -> Option<&LiveParticipant> {
        self.participants.host()
    }

    /// Whether the session is waiting for a CSR: a customer opened it from
    /// a public page and no CSR has been handed it yet.
    pub fn is_waiting(&self) -> bool {
        self.host().is_none()
    }

    pub fn customers(&self) -> impl Iterator<Item = &LiveParticipant> {
        self.participants.customers()
    }

    /// The session's CSRs: host and assistants.
    pub fn staff(&self) -> impl Iterator<Item = &LiveParticipant> {
        self.participants.staff()
    }

    pub fn participant(&self, id: &str) -> Option<&LiveParticipant> {
        self.participants.get(id)
    }

    /// The participant of a CSR account, if that CSR is in the session.
    pub fn participant_of_account(&self, account_id: i64) -> Option<&LiveParticipant> {
        self.participants
            .staff()
            .find(|p| p.account_id == Some(account_id))
    }
}
