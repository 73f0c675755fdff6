//! Bindings for `tether:plugin@0.1.2` (`sdk/wit/v0.1`), which also host
//! plugins built against 0.1.0 (the linker matches by semver): the interface
//! table, and one module per interface whose host trait converts to and
//! from the version-neutral code in `plugin_host/interfaces/`.

mod agent;
mod consent;
mod log;
mod session;
mod store;

use wasmtime::component::{HasSelf, Linker};

use super::Interface;
use crate::plugin_host::services::{
    AgentError, ConsentError, ConsentOutcome, KvError, Participant, PluginEvent, Role, SessionError,
};
use crate::plugin_host::state::PluginState;

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../sdk/wit/v0.1",
    imports: { default: async },
    exports: { default: async },
});

use tether::plugin as wit;
pub use tether::plugin::types as wit_types;

/// The kernel interfaces of 0.1, by WIT name, with how each is linked
/// (0.2 imports the same ones).
pub const INTERFACES: &[Interface] = &[LOG, STORE, SESSION, CONSENT, AGENT];

pub const LOG: Interface = Interface {
    name: "log",
    link: |linker| wit::log::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};
pub const STORE: Interface = Interface {
    name: "store",
    link: |linker| wit::store::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};
pub const SESSION: Interface = Interface {
    name: "session",
    link: |linker| wit::session::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};
pub const CONSENT: Interface = Interface {
    name: "consent",
    link: |linker| wit::consent::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};
pub const AGENT: Interface = Interface {
    name: "agent",
    link: |linker| wit::agent::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};

/// Links what every 0.1 plugin gets: the shared `types`.
pub fn link_base(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    wit::types::add_to_linker::<PluginState, HasSelf<PluginState>>(linker, |s| s)
}

/// `types` only defines types; linking it lets components refer to them.
impl wit::types::Host for PluginState {}

/// The event as 0.1 has it; `None` for events 0.1 does not have (those
/// of 0.2's interfaces: a 0.1 plugin cannot open a stream or an offer).
pub fn event(event: PluginEvent) -> Option<wit_types::Event> {
    use wit_types::{Command, Event, ParticipantChange};
    let change = |session, participant: Participant| ParticipantChange {
        session,
        participant: participant.into(),
    };
    Some(match event {
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
        PluginEvent::StreamClosed { .. }
        | PluginEvent::ConsentWithdrawn { .. }
        | PluginEvent::StreamControl { .. }
        | PluginEvent::PublicCommand { .. }
        | PluginEvent::OfferAnswered { .. }
        | PluginEvent::OfferExpired { .. }
        | PluginEvent::PresenceChanged(_) => return None,
    })
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

impl From<KvError> for tether::plugin::store::StoreError {
    fn from(error: KvError) -> Self {
        use tether::plugin::store::StoreError as Wit;
        match error {
            KvError::InvalidKey(m) => Wit::InvalidKey(m),
            KvError::TooLarge(m) => Wit::TooLarge(m),
            KvError::Unavailable(m) => Wit::Unavailable(m),
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
