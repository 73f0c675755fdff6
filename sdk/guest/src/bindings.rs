//! Raw bindings generated from `sdk/wit/v0.3` (which imports the 0.1.2 and
//! 0.2.0 interfaces unchanged from `sdk/wit/v0.1` and `sdk/wit/v0.2`).
//! Plugin authors use the safe wrappers in [`crate::host`] and the
//! [`crate::Plugin`] trait instead.
//!
//! With several versions of the package in one world, wit-bindgen names
//! each version's module: `tether::plugin0_1_2` (types, log, store,
//! session, consent, agent), `tether::plugin0_2_0` (streams, atomic-store,
//! csrs, offers, desk, events) and `tether::plugin0_3_0` (agent-files).

// Generated code: its shape is wit-bindgen's, not ours.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({
    world: "plugin",
    path: "../wit/v0.3",
    pub_export_macro: true,
    export_macro_name: "__export_tether_plugin",
    default_bindings_module: "tether_sdk::bindings",
    generate_all,
    additional_derives: [PartialEq],
});

/// The 0.1.2 interfaces 0.2 keeps as they are.
pub use tether::plugin0_1_2 as v0_1;
/// What 0.2 adds.
pub use tether::plugin0_2_0 as v0_2;
/// What 0.3 adds.
pub use tether::plugin0_3_0 as v0_3;
