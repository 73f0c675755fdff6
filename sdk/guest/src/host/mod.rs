//! Safe wrappers around the kernel interfaces a plugin may import.
//!
//! On `wasm32` they call the component imports; natively they call the
//! [`crate::testing`] harness, so the same plugin code runs in both.

pub mod agent;
pub mod consent;
pub mod log;
pub mod session;
pub mod store;

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::bindings::tether::plugin as raw;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::raw;
