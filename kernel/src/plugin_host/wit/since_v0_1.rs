//! Bindings for `tether:plugin@0.1.0` (`sdk/wit/v0.1`).

use crate::plugin_host::services::{
    AgentError, ConsentError, ConsentOutcome, Participant, PluginEvent, Role, SessionError,
};

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../sdk/wit/v0.1",
    imports: { default: async },
    exports: { default: async },
});

pub use tether::plugin::types as wit_types;

impl From<PluginEvent> for wit_types::Event {
    fn from(event: PluginEvent) -> Self {
        use wit_types::{Command, Event, ParticipantChange};
        let change = |session, participant: Participant| ParticipantChange {
            session,
            participant: participant.into(),
        };
        match event {
            PluginEvent::Command {
                session,
                sender,
                account,
                name,
                payload,
            } => Event::Command(Command {
                session,
                sender,
                account: account.map(|a| wit_types::Account {
                    username: a.username,
                    display_name: a.display_name,
                    site_admin: a.site_admin,
                }),
                name,
                payload,
            }),
            PluginEvent::ParticipantJoined {
                session,
                participant,
            } => Event::ParticipantJoined(change(session, participant)),
            PluginEvent::ParticipantLeft {
                session,
                participant,
            } => Event::ParticipantLeft(change(session, participant)),
            PluginEvent::ParticipantRejoined {
                session,
                participant,
            } => Event::ParticipantRejoined(change(session, participant)),
            PluginEvent::CustomerSelected {
                session,
                participant,
            } => Event::CustomerSelected(change(session, participant)),
            PluginEvent::ActivitiesEnded { session } => Event::ActivitiesEnded(session),
            PluginEvent::SessionEnded { session } => Event::SessionEnded(session),
            PluginEvent::Timer { name } => Event::Timer(name),
        }
    }
}

impl From<Participant> for wit_types::Participant {
    fn from(participant: Participant) -> Self {
        wit_types::Participant {
            id: participant.id,
            display_name: participant.display_name,
            role: match participant.role {
                Role::Host => wit_types::Role::Host,
                Role::Assistant => wit_types::Role::Assistant,
                Role::Customer => wit_types::Role::Customer,
            },
        }
    }
}

impl From<SessionError> for tether::plugin::session::SessionError {
    fn from(error: SessionError) -> Self {
        use tether::plugin::session::SessionError as Wit;
        match error {
            SessionError::UnknownSession(s) => Wit::UnknownSession(s),
            SessionError::UnknownParticipant(p) => Wit::UnknownParticipant(p),
            SessionError::Invalid(m) => Wit::Invalid(m),
        }
    }
}

impl From<ConsentOutcome> for tether::plugin::consent::Outcome {
    fn from(outcome: ConsentOutcome) -> Self {
        use tether::plugin::consent::Outcome;
        match outcome {
            ConsentOutcome::Granted => Outcome::Granted,
            ConsentOutcome::Denied => Outcome::Denied,
            ConsentOutcome::TimedOut => Outcome::TimedOut,
        }
    }
}

impl From<ConsentError> for tether::plugin::consent::ConsentError {
    fn from(error: ConsentError) -> Self {
        use tether::plugin::consent::ConsentError as Wit;
        match error {
            ConsentError::UnknownSession(s) => Wit::UnknownSession(s),
            ConsentError::UnknownParticipant(p) => Wit::UnknownParticipant(p),
            ConsentError::UndeclaredCapability(c) => Wit::UndeclaredCapability(c),
            // 0.1 has one variant for "not declared or not enabled".
            ConsentError::NotEnabled(m) => Wit::UndeclaredCapability(m),
            ConsentError::Invalid(m) => Wit::Invalid(m),
        }
    }
}

impl From<AgentError> for tether::plugin::agent::AgentError {
    fn from(error: AgentError) -> Self {
        use tether::plugin::agent::AgentError as Wit;
        match error {
            AgentError::UnknownSession(s) => Wit::UnknownSession(s),
            AgentError::UnknownParticipant(p) => Wit::UnknownParticipant(p),
            AgentError::NoConsent(m) => Wit::NoConsent(m),
            AgentError::UndeclaredCapability(c) => Wit::UndeclaredCapability(c),
            // 0.1 has one variant for "not declared or not enabled".
            AgentError::NotEnabled(m) => Wit::UndeclaredCapability(m),
            AgentError::Unavailable(m) => Wit::Unavailable(m),
            AgentError::Failed(m) => Wit::Failed(m),
        }
    }
}
