//! Consent: a plugin's request becomes a prompt on the customer's page and
//! agent; the answer (or a timeout) comes back to the plugin; a grant is
//! stored, scoped to session, customer, plugin and capability, until it
//! expires, is revoked or the session ends. Every step is in the report.
//!
//! * `granter.rs` — may this plugin call or ask now (pure, table-tested);
//! * `grants.rs` — which grant covers a call (pure);
//! * `live.rs` — prompts waiting and the live grants, in memory;
//! * `broker.rs` — asking, answering and revoking, with the session.

mod broker;
pub mod granter;
pub mod grants;
pub mod live;

pub use broker::RevokeError;
pub use live::{Consent, NoSuchPrompt};
