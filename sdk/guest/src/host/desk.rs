//! Sessions without a CSR yet, and moving a session's host role to a CSR
//! (plugin API 0.2, manifest import `desk`).

pub use crate::bindings::v0_2::desk::{DeskError, WaitingSession};

use super::raw;
use crate::PluginError;

/// Opens a session with no host for the customer whose public command is
/// being handled, named `display_name` (1 to 80 characters). Only while
/// handling [`crate::Plugin::public_command`], once per command; the
/// customer's page gets the join from the kernel, never the plugin.
pub fn open_waiting(display_name: &str) -> Result<WaitingSession, DeskError> {
    raw::desk::open_waiting(display_name)
}

/// Makes `username` (a CSR of the site with their console open) the host
/// of `session`: a previous host leaves at once, every activity and every
/// consent grant of the session ends, customers and their agents stay
/// connected. Returns the new host's participant id.
pub fn hand_over(session: &str, username: &str) -> Result<String, DeskError> {
    raw::desk::hand_over(session, username)
}

impl From<DeskError> for PluginError {
    fn from(error: DeskError) -> Self {
        match error {
            DeskError::UnknownSession(session) => {
                PluginError::InvalidInput(format!("unknown session {session}"))
            }
            DeskError::UnknownCsr(name) => {
                PluginError::InvalidInput(format!("no CSR `{name}` on this site"))
            }
            DeskError::Refused(why) => PluginError::Denied(why),
            DeskError::Invalid(why) => PluginError::InvalidInput(why),
            DeskError::Unavailable(why) => PluginError::Failed(why),
        }
    }
}
