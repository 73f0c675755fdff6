//! The support session an event belongs to: its participants, messages to
//! their UI panels and the session details report.

use serde::Serialize;

pub use crate::bindings::v0_1::session::SessionError;

use super::raw;
use crate::{Participant, PluginError};

pub fn participants(session: &str) -> Result<Vec<Participant>, SessionError> {
    raw::session::participants(session)
}

/// The customer a command is about: `requested` when given (it must be a
/// customer of the session), else the session's only customer.
pub fn customer(session: &str, requested: Option<&str>) -> Result<Participant, PluginError> {
    let customers: Vec<Participant> = participants(session)?
        .into_iter()
        .filter(|p| p.role == crate::Role::Customer)
        .collect();
    match requested {
        Some(id) => customers.into_iter().find(|p| p.id == id).ok_or_else(|| {
            PluginError::InvalidInput(format!("{id} is not a customer in this session"))
        }),
        None => {
            let mut each = customers.into_iter();
            match (each.next(), each.next()) {
                (Some(only), None) => Ok(only),
                (None, _) => Err(PluginError::InvalidInput(
                    "no customer has joined the session yet".to_owned(),
                )),
                _ => Err(PluginError::InvalidInput(
                    "several customers are in the session: choose one".to_owned(),
                )),
            }
        }
    }
}

/// The CSRs (host and assistants) of a session, for messages to their panels.
pub fn csrs(session: &str) -> Result<Vec<Participant>, PluginError> {
    Ok(participants(session)?
        .into_iter()
        .filter(|p| p.role != crate::Role::Customer)
        .collect())
}

/// Sends a JSON message to the plugin's panel in `to`'s UI.
pub fn send(session: &str, to: &str, message: &str) -> Result<(), SessionError> {
    raw::session::send(session, to, message)
}

pub fn send_json<T: Serialize>(session: &str, to: &str, message: &T) -> Result<(), PluginError> {
    let text = serde_json::to_string(message)
        .map_err(|error| PluginError::Failed(format!("could not encode the message: {error}")))?;
    Ok(send(session, to, &text)?)
}

/// Appends a line to the session details report.
pub fn report(session: &str, entry: &str) -> Result<(), SessionError> {
    raw::session::report(session, entry)
}

/// Posts `text` in the session chat in the plugin's name (everyone sees
/// it; the report keeps it).
pub fn chat(session: &str, text: &str) -> Result<(), SessionError> {
    raw::session::chat(session, text)
}

/// A sentence for the CSR (the generated `Display` is only `Debug`).
pub fn describe(error: &SessionError) -> String {
    match error {
        SessionError::UnknownSession(s) => format!("unknown session {s}"),
        SessionError::UnknownParticipant(p) => format!("unknown participant {p}"),
        SessionError::Invalid(m) => format!("invalid: {m}"),
    }
}

impl From<SessionError> for PluginError {
    fn from(error: SessionError) -> Self {
        PluginError::InvalidInput(describe(&error))
    }
}
