//! `tether:plugin/session`: participants, messages to panels and report lines.

use super::wit::session::{Host, SessionError};
use super::wit::types::Participant;
use super::{check_len, off_the_clock};
use crate::plugin_host::state::PluginState;

/// Largest message to a panel, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Longest report entry, in bytes.
pub const MAX_REPORT_ENTRY_BYTES: usize = 16 * 1024;

impl Host for PluginState {
    async fn participants(&mut self, session: String) -> Result<Vec<Participant>, SessionError> {
        let ctx = &self.context;
        let list = off_the_clock(
            &mut self.budget,
            ctx.sessions.participants(&ctx.scope, &session),
        )
        .await?;
        Ok(list.into_iter().map(Participant::from).collect())
    }

    async fn send(
        &mut self,
        session: String,
        to: String,
        message: String,
    ) -> Result<(), SessionError> {
        check_len("the message", &message, MAX_MESSAGE_BYTES).map_err(SessionError::Invalid)?;
        if serde_json::from_str::<serde_json::Value>(&message).is_err() {
            return Err(SessionError::Invalid("the message is not JSON".into()));
        }
        let ctx = &self.context;
        Ok(off_the_clock(
            &mut self.budget,
            ctx.sessions.send(&ctx.scope, &session, &to, message),
        )
        .await?)
    }

    async fn report(&mut self, session: String, entry: String) -> Result<(), SessionError> {
        check_len("the report entry", &entry, MAX_REPORT_ENTRY_BYTES)
            .map_err(SessionError::Invalid)?;
        if entry.trim().is_empty() {
            return Err(SessionError::Invalid("the report entry is empty".into()));
        }
        let ctx = &self.context;
        Ok(off_the_clock(
            &mut self.budget,
            ctx.sessions.report(&ctx.scope, &session, entry),
        )
        .await?)
    }
}
