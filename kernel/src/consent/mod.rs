//! Consent: a plugin's request becomes a prompt on the customer's page and
//! agent; the answer (or a timeout) comes back to the plugin; a grant is
//! stored, scoped to session, customer, plugin and capability, until it
//! expires, is revoked or the session ends. Every step is in the report.

mod broker;
pub mod grants;

pub use broker::PendingConsent;
