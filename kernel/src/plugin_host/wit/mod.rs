//! Host bindings, one module per supported plugin API version (the frozen
//! directories under `sdk/wit/`). Each module converts between its generated
//! types and the kernel's own types in [`super::services`].

pub mod since_v0_1;

/// WIT package name of the plugin API, without version.
pub const PACKAGE: &str = "tether:plugin";
