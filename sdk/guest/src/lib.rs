//! # tether-sdk
//!
//! Everything a Tether plugin author needs:
//!
//! * the [`Plugin`] trait, with a default method per kind of event, and the
//!   [`export_plugin!`] macro that turns an implementation into the exports of
//!   the `tether:plugin/plugin` world;
//! * safe wrappers for the kernel interfaces in [`host`] (`log`, `store`,
//!   `session`, `consent`, `agent`; since plugin API 0.2 `streams`,
//!   `atomic-store`, `csrs`, `offers` and `desk`; since 0.3 `agent-files`)
//!   with JSON helpers built on serde;
//! * a native [`testing::Harness`] (on non-wasm targets) so plugin logic is
//!   unit-tested with `cargo test`, without building a component.
//!
//! The SDK builds plugins for plugin API 0.3 (`sdk/wit/v0.3`). 0.3 keeps
//! every 0.1 and 0.2 interface as it is, so code written for them builds
//! unchanged; a component imports only the interfaces it calls, so a
//! plugin that does not call `agent-files` still loads as a 0.2 plugin
//! (`api-version = "0.2"` in its manifest), and one that does says
//! `api-version = "0.3"` and imports `agent-files`.
//!
//! A plugin only gets the kernel interfaces its manifest declares; calling a
//! wrapper of an undeclared interface makes the component import it, and the
//! kernel (and `cargo xtask plugins`) refuses such a component at load.
//!
//! ```ignore
//! use tether_sdk::prelude::*;
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn command(cmd: Command) -> Result<Value, PluginError> {
//!         host::log::info(&format!("command {}", cmd.name));
//!         Ok(json!({ "hello": cmd.payload_json::<Value>()? }))
//!     }
//! }
//!
//! tether_sdk::export_plugin!(Hello);
//! ```
//!
//! A command whose reply is JSON text already, or a typed value, is better
//! answered from [`Plugin::command_json`] with a [`JsonText`]: it reaches the
//! kernel as it is, without a `Value` tree built inside wasm.

#[doc(hidden)]
pub mod bindings;
mod event;
pub mod host;
mod json_text;
mod plugin;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

pub use bindings::v0_1::types::{
    Account, Command, Participant, ParticipantChange, ParticipantId, PluginError, Role, SessionId,
};
/// The events of plugin API 0.2: those of 0.1, `stream-closed`,
/// `consent-withdrawn`, `stream-control`, `public-command`,
/// `offer-answered`, `offer-expired` and `presence-changed`.
pub use bindings::v0_2::events::{
    Availability, CloseCause, ConsentWithdrawn, ControlCause, CsrPresence, Event, OfferAnswer,
    OfferAnswered, OfferId, PublicCommand, StreamClosed, StreamControl, StreamId, StreamOrigin,
};
pub use json_text::JsonText;
pub use plugin::{Plugin, dispatch};
pub use serde_json::{Value, json};
/// The wire protocol's types, for typed agent inputs and outputs (for
/// example `protocol::apps` for the application capabilities).
pub use tether_protocol as protocol;
/// The host agent's capabilities, as the kernel and the agent name them.
pub use tether_protocol::Capability;

/// The usual imports of a plugin crate.
pub mod prelude {
    pub use crate::host;
    pub use crate::{
        Account, Availability, Capability, CloseCause, Command, ConsentWithdrawn, ControlCause,
        CsrPresence, Event, JsonText, OfferAnswer, OfferAnswered, OfferId, Participant,
        ParticipantChange, ParticipantId, Plugin, PluginError, PublicCommand, Role, SessionId,
        StreamClosed, StreamControl, StreamId, StreamOrigin, Value, json,
    };
}

/// Exports a [`Plugin`] implementation as the component's `init` and `handle`.
///
/// On non-wasm targets the macro expands to nothing visible, so the same crate
/// builds natively for its unit tests.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[doc(hidden)]
        #[cfg(target_arch = "wasm32")]
        struct __TetherGuest;

        #[cfg(target_arch = "wasm32")]
        impl $crate::bindings::Guest for __TetherGuest {
            fn init() -> ::core::result::Result<(), $crate::PluginError> {
                <$plugin as $crate::Plugin>::init()
            }

            fn handle(
                event: $crate::Event,
            ) -> ::core::result::Result<::std::string::String, $crate::PluginError> {
                $crate::dispatch::<$plugin>(event)
            }
        }

        #[cfg(target_arch = "wasm32")]
        $crate::bindings::__export_tether_plugin!(__TetherGuest with_types_in $crate::bindings);
    };
}
