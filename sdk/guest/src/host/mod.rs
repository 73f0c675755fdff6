//! Safe wrappers around the kernel interfaces a plugin may import.
//!
//! On `wasm32` they call the component imports; natively they call the
//! [`crate::testing`] harness, so the same plugin code runs in both.

pub mod agent;
pub mod agent_files;
pub mod atomic_store;
pub mod consent;
pub mod csrs;
pub mod desk;
pub mod log;
pub mod offers;
pub mod session;
pub mod store;
pub mod streams;

/// The component imports, one module per interface as the harness has them.
#[cfg(target_arch = "wasm32")]
pub(crate) mod raw {
    pub use crate::bindings::v0_1::{agent, consent, log, session, store};
    pub use crate::bindings::v0_2::{atomic_store, csrs, desk, offers, streams};
    pub use crate::bindings::v0_3::agent_files;
}
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::raw;
