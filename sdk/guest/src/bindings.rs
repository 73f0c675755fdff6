//! Raw bindings generated from `sdk/wit/v0.1`. Plugin authors use the safe
//! wrappers in [`crate::host`] and the [`crate::Plugin`] trait instead.

// Generated code: its shape is wit-bindgen's, not ours.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({
    world: "plugin",
    path: "../wit/v0.1",
    pub_export_macro: true,
    export_macro_name: "__export_tether_plugin",
    default_bindings_module: "tether_sdk::bindings",
    generate_all,
    additional_derives: [PartialEq],
});
