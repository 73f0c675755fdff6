//! Bindings for `tether:plugin@0.2.0` (`sdk/wit/v0.2`): the 0.1 interfaces
//! it imports unchanged are the 0.1 module's own bindings (`with`), so
//! only what 0.2 adds is here — `streams`, `atomic-store`, `csrs`,
//! `offers`, `desk`, and the `events` a 0.2 plugin handles.

mod desk;
mod streams;

use wasmtime::component::{HasSelf, Linker};

use super::Interface;
use super::since_v0_1;
use crate::activity::EndReason;
use crate::plugin_host::services::{CloseCause, ControlCause, PluginEvent};
use crate::plugin_host::state::PluginState;

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../sdk/wit/v0.2",
    imports: { default: async },
    exports: { default: async },
    with: {
        "tether:plugin/types@0.1.2": super::since_v0_1::tether::plugin::types,
        "tether:plugin/log@0.1.2": super::since_v0_1::tether::plugin::log,
        "tether:plugin/store@0.1.2": super::since_v0_1::tether::plugin::store,
        "tether:plugin/session@0.1.2": super::since_v0_1::tether::plugin::session,
        "tether:plugin/consent@0.1.2": super::since_v0_1::tether::plugin::consent,
        "tether:plugin/agent@0.1.2": super::since_v0_1::tether::plugin::agent,
    },
});

use tether::plugin0_2_0 as wit;

/// The kernel interfaces of 0.2: those of 0.1, `streams`, and the desk's
/// (0.3 imports the same ones).
pub const INTERFACES: &[Interface] = &[
    since_v0_1::LOG,
    since_v0_1::STORE,
    since_v0_1::SESSION,
    since_v0_1::CONSENT,
    since_v0_1::AGENT,
    STREAMS,
    ATOMIC_STORE,
    CSRS,
    OFFERS,
    DESK,
];

pub const STREAMS: Interface = Interface {
    name: "streams",
    link: |linker| wit::streams::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};
pub const ATOMIC_STORE: Interface = Interface {
    name: "atomic-store",
    link: |linker| wit::atomic_store::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};
pub const CSRS: Interface = Interface {
    name: "csrs",
    link: |linker| wit::csrs::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};
pub const OFFERS: Interface = Interface {
    name: "offers",
    link: |linker| wit::offers::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};
pub const DESK: Interface = Interface {
    name: "desk",
    link: |linker| wit::desk::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
};

/// Links what every 0.2 plugin gets: the shared types of 0.1 and the
/// events of 0.2.
pub fn link_base(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    since_v0_1::link_base(linker)?;
    wit::events::add_to_linker::<PluginState, HasSelf<PluginState>>(linker, |s| s)
}

/// `events` only defines types.
impl wit::events::Host for PluginState {}

/// The event as 0.2 has it (every event the kernel sends has a 0.2 form).
pub fn event(event: PluginEvent) -> Option<wit::events::Event> {
    use since_v0_1::wit_types::Event as Earlier;
    use wit::events::{ConsentWithdrawn, Event, StreamClosed, StreamControl};
    match event {
        PluginEvent::StreamClosed {
            session,
            stream,
            cause,
            reason,
        } => {
            return Some(Event::StreamClosed(StreamClosed {
                session,
                id: stream.get(),
                cause: close_cause(cause),
                reason,
            }));
        }
        PluginEvent::ConsentWithdrawn {
            session,
            customer,
            capability,
        } => {
            return Some(Event::ConsentWithdrawn(ConsentWithdrawn {
                session,
                customer,
                capability: capability.to_string(),
            }));
        }
        PluginEvent::StreamControl {
            session,
            stream,
            controller,
            cause,
        } => {
            return Some(Event::StreamControl(StreamControl {
                session,
                stream: stream.get(),
                controller,
                cause: control_cause(cause),
            }));
        }
        PluginEvent::PublicCommand {
            name,
            payload,
            page,
        } => {
            return Some(Event::PublicCommand(wit::events::PublicCommand {
                name,
                payload,
                page,
            }));
        }
        PluginEvent::OfferAnswered {
            offer,
            username,
            display_name,
            accepted,
        } => {
            return Some(Event::OfferAnswered(wit::events::OfferAnswered {
                id: offer,
                username,
                display_name,
                answer: if accepted {
                    wit::events::OfferAnswer::Accepted
                } else {
                    wit::events::OfferAnswer::Declined
                },
            }));
        }
        PluginEvent::OfferExpired { offer } => return Some(Event::OfferExpired(offer)),
        PluginEvent::PresenceChanged(csr) => {
            return Some(Event::PresenceChanged(desk::presence(csr)));
        }
        _ => {}
    }
    // Every other event is a 0.1 event, carried over case by case.
    since_v0_1::event(event).map(|earlier| match earlier {
        Earlier::Command(c) => Event::Command(c),
        Earlier::ParticipantJoined(c) => Event::ParticipantJoined(c),
        Earlier::ParticipantLeft(c) => Event::ParticipantLeft(c),
        Earlier::ParticipantRejoined(c) => Event::ParticipantRejoined(c),
        Earlier::CustomerSelected(c) => Event::CustomerSelected(c),
        Earlier::ActivitiesEnded(s) => Event::ActivitiesEnded(s),
        Earlier::SessionEnded(s) => Event::SessionEnded(s),
        Earlier::Timer(t) => Event::Timer(t),
    })
}

fn control_cause(cause: ControlCause) -> wit::events::ControlCause {
    use wit::events::ControlCause as Wit;
    match cause {
        ControlCause::Plugin => Wit::Plugin,
        ControlCause::TakenBackOnComputer => Wit::TakenBackOnComputer,
        ControlCause::ControllerLeft => Wit::ControllerLeft,
    }
}

/// A stream's origin as 0.2 names it.
pub(super) fn stream_origin(origin: tether_protocol::StreamOrigin) -> wit::events::StreamOrigin {
    use tether_protocol::StreamOrigin as Kernel;
    use wit::events::StreamOrigin as Wit;
    match origin {
        Kernel::CustomerAgent => Wit::CustomerAgent,
        Kernel::CsrAgent => Wit::CsrAgent,
        Kernel::CsrBrowser => Wit::CsrBrowser,
    }
}

fn close_cause(cause: CloseCause) -> wit::events::CloseCause {
    use wit::events::CloseCause as Wit;
    match cause {
        CloseCause::PluginClosed => Wit::PluginClosed,
        CloseCause::CustomerStopped => Wit::CustomerStopped,
        CloseCause::Ended(reason) => match reason {
            EndReason::ConsentWithdrawn => Wit::ConsentWithdrawn,
            // The frozen 0.2 enum has no case for a hand-over; the host
            // role changing hands is what control passing is too.
            EndReason::ControlPassed | EndReason::Transferred => Wit::ControlPassed,
            EndReason::CustomerSelected => Wit::CustomerSelected,
            EndReason::ParticipantLeft => Wit::ParticipantLeft,
            EndReason::SessionEnded => Wit::SessionEnded,
            EndReason::AgentDisconnected => Wit::AgentDisconnected,
        },
    }
}
