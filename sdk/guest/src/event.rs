//! Typed helpers on the generated event types.

use serde::de::DeserializeOwned;

use crate::{Command, PluginError};

impl Command {
    /// Decodes the command's JSON payload into `T`, or an
    /// [`PluginError::InvalidInput`] naming the command and what was wrong.
    pub fn payload_json<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        serde_json::from_str(&self.payload).map_err(|error| {
            PluginError::InvalidInput(format!("command `{}`: bad payload: {error}", self.name))
        })
    }

    /// The session and the customer a command is about: the payload's
    /// optional `participant` field (which must name a customer), else the
    /// session's only customer.
    pub fn customer(&self) -> Result<(&str, crate::Participant), PluginError> {
        let session = self.require_session()?;
        let payload: serde_json::Value =
            serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null);
        let requested = payload.get("participant").and_then(|p| p.as_str());
        Ok((session, crate::host::session::customer(session, requested)?))
    }

    /// The session the command belongs to, or an error for commands that
    /// must come from inside a session.
    pub fn require_session(&self) -> Result<&str, PluginError> {
        self.session.as_deref().ok_or_else(|| {
            PluginError::InvalidInput(format!("command `{}` needs a session", self.name))
        })
    }
}

impl PluginError {
    /// The human-readable message, whatever the kind.
    pub fn message(&self) -> &str {
        match self {
            PluginError::InvalidInput(m) | PluginError::Denied(m) | PluginError::Failed(m) => m,
        }
    }
}

impl crate::PublicCommand {
    /// Decodes the command's JSON payload into `T`, as [`Command::payload_json`].
    pub fn payload_json<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        serde_json::from_str(&self.payload).map_err(|error| {
            PluginError::InvalidInput(format!("command `{}`: bad payload: {error}", self.name))
        })
    }
}
