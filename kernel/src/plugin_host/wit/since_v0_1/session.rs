//! `tether:plugin/session@0.1.1` (0.1.0 without `chat`).

use super::tether::plugin::session::{Host, SessionError};
use super::wit_types::Participant;
use crate::plugin_host::interfaces::session;
use crate::plugin_host::state::PluginState;

impl Host for PluginState {
    async fn participants(&mut self, id: String) -> Result<Vec<Participant>, SessionError> {
        let list = session::participants(self, id).await?;
        Ok(list.into_iter().map(Participant::from).collect())
    }

    async fn send(&mut self, id: String, to: String, message: String) -> Result<(), SessionError> {
        Ok(session::send(self, id, to, message).await?)
    }

    async fn report(&mut self, id: String, entry: String) -> Result<(), SessionError> {
        Ok(session::report(self, id, entry).await?)
    }

    async fn chat(&mut self, id: String, text: String) -> Result<(), SessionError> {
        Ok(session::chat(self, id, text).await?)
    }
}
