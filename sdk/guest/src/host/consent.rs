//! Asking the customer for permission before touching their computer.

pub use crate::bindings::v0_1::consent::{ConsentError, Outcome};

use super::raw;
use crate::{Capability, PluginError};

/// Asks `customer` to allow `capability`. The prompt uses the consent text the
/// manifest declares for the capability; `detail` adds specifics.
pub fn request(
    session: &str,
    customer: &str,
    capability: Capability,
    detail: Option<&str>,
) -> Result<Outcome, ConsentError> {
    raw::consent::request(session, customer, capability.as_str(), detail)
}

/// Asks once for capabilities that belong together: one prompt with each
/// capability's consent text, one answer (and one grant each) for all.
pub fn request_all(
    session: &str,
    customer: &str,
    capabilities: &[Capability],
    detail: Option<&str>,
) -> Result<Outcome, ConsentError> {
    let names: Vec<&str> = capabilities.iter().map(|c| c.as_str()).collect();
    request_all_by_name(session, customer, &names, detail)
}

/// [`request_all`] by name, for names this SDK does not know (the kernel
/// refuses any its manifest does not declare).
pub fn request_all_by_name(
    session: &str,
    customer: &str,
    capabilities: &[&str],
    detail: Option<&str>,
) -> Result<Outcome, ConsentError> {
    let owned: Vec<String> = capabilities.iter().map(|c| (*c).to_owned()).collect();
    raw::consent::request_all(session, customer, &owned, detail)
}

/// Like [`request`], but anything other than a grant becomes
/// [`PluginError::Denied`] with a message for the CSR.
pub fn require(
    session: &str,
    customer: &str,
    capability: Capability,
    detail: Option<&str>,
) -> Result<(), PluginError> {
    match request(session, customer, capability, detail)? {
        Outcome::Granted => Ok(()),
        Outcome::Denied => Err(PluginError::Denied(
            "the customer denied the request".to_owned(),
        )),
        Outcome::TimedOut => Err(PluginError::Denied(
            "the customer did not answer in time".to_owned(),
        )),
    }
}

/// A sentence for the CSR (the generated `Display` is only `Debug`).
pub fn describe(error: &ConsentError) -> String {
    match error {
        ConsentError::UnknownSession(s) => format!("unknown session {s}"),
        ConsentError::UnknownParticipant(p) => format!("unknown participant {p}"),
        ConsentError::UndeclaredCapability(c) => {
            format!("capability `{c}` is not declared or not enabled")
        }
        ConsentError::Invalid(m) => format!("invalid consent request: {m}"),
    }
}

impl From<ConsentError> for PluginError {
    fn from(error: ConsentError) -> Self {
        PluginError::InvalidInput(describe(&error))
    }
}
