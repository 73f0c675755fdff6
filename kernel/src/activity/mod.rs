//! Activities: what a plugin has running on a participant's computer for a
//! session — an agent call still running (a script), or something a call
//! left in place (an account logged on). The kernel tracks each one with
//! its session, plugin and participant, and ends them itself when the rules
//! say so (`rules.rs`); plugins cannot keep one alive.
//!
//! * `rules.rs` — which activities an event ends, and the words for why (pure);
//! * `table.rs` — the live table: calls waiting for the agent's answer and
//!   activities that last.

pub mod rules;
mod table;

pub use rules::{EndReason, Scope};
pub use table::{Activities, Activity, CallFailure, CallReply, Finished, NotRunning};
