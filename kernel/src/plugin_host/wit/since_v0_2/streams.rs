//! `tether:plugin/streams@0.2.0`.

use super::stream_origin;
use super::tether::plugin0_2_0::streams::{Host, StreamError, StreamInfo};
use crate::plugin_host::interfaces::streams;
use crate::plugin_host::state::PluginState;

impl Host for PluginState {
    async fn open(
        &mut self,
        session: String,
        source: String,
        capability: String,
        label: String,
    ) -> Result<u32, StreamError> {
        Ok(streams::open(self, session, source, capability, label)
            .await?
            .get())
    }

    async fn open_from_browser(
        &mut self,
        session: String,
        source: String,
        label: String,
    ) -> Result<u32, StreamError> {
        Ok(streams::open_from_browser(self, session, source, label)
            .await?
            .get())
    }

    async fn give_control(&mut self, id: u32, to: String) -> Result<(), StreamError> {
        Ok(streams::give_control(self, id, to).await?)
    }

    async fn take_control(&mut self, id: u32) -> Result<(), StreamError> {
        Ok(streams::take_control(self, id).await?)
    }

    async fn close(&mut self, id: u32, reason: String) -> Result<(), StreamError> {
        Ok(streams::close(self, id, reason).await?)
    }

    async fn open_streams(&mut self, session: String) -> Result<Vec<StreamInfo>, StreamError> {
        Ok(streams::list(self, session)
            .await?
            .into_iter()
            .map(|s| StreamInfo {
                id: s.id.get(),
                session: s.session,
                source: s.source,
                capability: s.capability.to_string(),
                label: s.label,
                origin: stream_origin(s.origin),
                controller: s.controller,
            })
            .collect())
    }
}

impl From<crate::plugin_host::services::StreamError> for StreamError {
    fn from(error: crate::plugin_host::services::StreamError) -> Self {
        use crate::plugin_host::services::{AgentError, StreamError as Kernel};
        match error {
            Kernel::Refused(refusal) => match refusal {
                AgentError::UnknownSession(s) => StreamError::UnknownSession(s),
                AgentError::UnknownParticipant(p) => StreamError::UnknownParticipant(p),
                AgentError::NoConsent(m) => StreamError::NoConsent(m),
                AgentError::UndeclaredCapability(c) | AgentError::NotEnabled(c) => {
                    StreamError::UndeclaredCapability(c)
                }
                AgentError::Unavailable(m) | AgentError::Failed(m) => StreamError::Unavailable(m),
            },
            Kernel::UnknownStream(id) | Kernel::NotYours(id) => {
                StreamError::UnknownStream(id.get())
            }
            Kernel::Invalid(m) => StreamError::Invalid(m),
        }
    }
}
