//! `session`: participants, messages to panels and report lines.

use super::{check_len, off_the_clock};
use crate::plugin_host::services::{Participant, SessionError};
use crate::plugin_host::state::PluginState;

/// Largest message to a panel, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Longest report entry, in bytes.
pub const MAX_REPORT_ENTRY_BYTES: usize = 16 * 1024;

pub async fn participants(
    state: &mut PluginState,
    session: String,
) -> Result<Vec<Participant>, SessionError> {
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.sessions.participants(&ctx.scope, &session),
    )
    .await
}

pub async fn send(
    state: &mut PluginState,
    session: String,
    to: String,
    message: String,
) -> Result<(), SessionError> {
    check_len("the message", &message, MAX_MESSAGE_BYTES).map_err(SessionError::Invalid)?;
    if serde_json::from_str::<serde_json::Value>(&message).is_err() {
        return Err(SessionError::Invalid("the message is not JSON".into()));
    }
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.sessions.send(&ctx.scope, &session, &to, message),
    )
    .await
}

/// Posts `text` in the session chat in the plugin's name.
pub async fn chat(
    state: &mut PluginState,
    session: String,
    text: String,
) -> Result<(), SessionError> {
    let chars = text.chars().count();
    if text.trim().is_empty() || chars > tether_protocol::MAX_CHAT_CHARS {
        return Err(SessionError::Invalid(format!(
            "a chat line has 1 to {} characters",
            tether_protocol::MAX_CHAT_CHARS
        )));
    }
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.sessions.chat(&ctx.scope, &session, text),
    )
    .await
}

pub async fn report(
    state: &mut PluginState,
    session: String,
    entry: String,
) -> Result<(), SessionError> {
    check_len("the report entry", &entry, MAX_REPORT_ENTRY_BYTES).map_err(SessionError::Invalid)?;
    if entry.trim().is_empty() {
        return Err(SessionError::Invalid("the report entry is empty".into()));
    }
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.sessions.report(&ctx.scope, &session, entry),
    )
    .await
}
