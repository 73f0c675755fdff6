//! The CSRs of the plugin's site (plugin API 0.2, manifest import `csrs`):
//! whether their console is open, whether they take offers, how many
//! customers they serve, whether they are WebACD agents — and messages to
//! the plugin's `console` panels in their console, outside any session.

pub use crate::bindings::v0_2::csrs::CsrsError;
pub use crate::bindings::v0_2::events::{Availability, CsrPresence};

use super::raw;
use crate::PluginError;

/// Every CSR account of the site, sorted by username.
pub fn presence() -> Result<Vec<CsrPresence>, CsrsError> {
    raw::csrs::presence()
}

/// One CSR of the site.
pub fn csr(username: &str) -> Result<CsrPresence, CsrsError> {
    raw::csrs::csr(username)
}

/// Sends `message` (JSON) to this plugin's `console` panels in the CSR's
/// consoles; nothing happens when their console is closed.
pub fn send_json(username: &str, message: &serde_json::Value) -> Result<(), CsrsError> {
    raw::csrs::send(username, &message.to_string())
}

impl CsrPresence {
    /// Their console is open, they are available, and they serve fewer
    /// customers than the site allows.
    pub fn can_take_a_customer(&self) -> bool {
        self.online
            && self.availability == Availability::Available
            && self.customers < self.max_customers
    }
}

impl From<CsrsError> for PluginError {
    fn from(error: CsrsError) -> Self {
        match error {
            CsrsError::UnknownCsr(name) => {
                PluginError::InvalidInput(format!("no CSR `{name}` on this site"))
            }
            CsrsError::Invalid(why) => PluginError::InvalidInput(why),
            CsrsError::Unavailable(why) => PluginError::Failed(why),
        }
    }
}
