//! Sessions as plugins see them: the kernel side of the `session`,
//! `consent` and `agent` interfaces. A plugin only ever reaches sessions of
//! the site whose event it is handling.

use async_trait::async_trait;
use tether_protocol::stream::StreamId;
use tether_protocol::{RejoinAfterRestart, ServerEvent};

use super::Sessions;
use crate::plugin_host::services::{
    AgentCall, AgentError, BrowserStreamOpening, ConsentError, ConsentOutcome, ConsentRequest,
    Participant, PluginScope, SessionError, SessionServices, StreamError, StreamInfo,
    StreamOpening,
};
use crate::routing::Endpoint;

impl Sessions {
    /// Fails as unknown unless `number` runs on the plugin's site, so a
    /// plugin cannot even learn that another site's session exists.
    fn check_plugin_site(&self, scope: &PluginScope, number: &str) -> Result<(), SessionError> {
        match self.site_of(number) {
            Some(site) if site == scope.site => Ok(()),
            _ => Err(SessionError::UnknownSession(number.to_owned())),
        }
    }
}

#[async_trait]
impl SessionServices for Sessions {
    async fn participants(
        &self,
        scope: &PluginScope,
        session: &str,
    ) -> Result<Vec<Participant>, SessionError> {
        self.check_plugin_site(scope, session)?;
        self.plugin_participants(session)
            .map_err(|_| SessionError::UnknownSession(session.to_owned()))
    }

    async fn send(
        &self,
        scope: &PluginScope,
        session: &str,
        to: &str,
        message: String,
    ) -> Result<(), SessionError> {
        self.check_plugin_site(scope, session)?;
        let present = self
            .with_live(session, |s| Ok(s.participant(to).is_some()))
            .unwrap_or(false);
        if !present {
            return Err(SessionError::UnknownParticipant(to.to_owned()));
        }
        let message = serde_json::from_str(&message)
            .map_err(|error| SessionError::Invalid(format!("the message is not JSON: {error}")))?;
        let event = ServerEvent::PluginMessage {
            session: session.to_owned(),
            plugin: scope.plugin.clone(),
            message,
        };
        // A participant whose page is closed misses the message; panels
        // ask again when they open.
        self.send_event(&Endpoint::ui(to), &event);
        Ok(())
    }

    async fn report(
        &self,
        scope: &PluginScope,
        session: &str,
        entry: String,
    ) -> Result<(), SessionError> {
        self.check_plugin_site(scope, session)?;
        self.record(session, "plugin", &scope.plugin, entry).await;
        Ok(())
    }

    async fn chat(
        &self,
        scope: &PluginScope,
        session: &str,
        text: String,
    ) -> Result<(), SessionError> {
        self.check_plugin_site(scope, session)?;
        let from = format!("plugin:{}", scope.plugin);
        self.post_chat(session, &from, &scope.plugin, &text).await;
        Ok(())
    }

    async fn request_consent(
        &self,
        scope: &PluginScope,
        request: ConsentRequest,
    ) -> Result<ConsentOutcome, ConsentError> {
        Sessions::request_consent(self, scope, request).await
    }

    async fn call_agent(&self, scope: &PluginScope, call: AgentCall) -> Result<String, AgentError> {
        Sessions::call_agent(self, scope, call).await
    }

    async fn agent_rejoin(
        &self,
        scope: &PluginScope,
        session: &str,
        participant: &str,
    ) -> Result<RejoinAfterRestart, AgentError> {
        self.check_plugin_site(scope, session)
            .map_err(|_| AgentError::UnknownSession(session.to_owned()))?;
        Sessions::agent_rejoin(self, session, participant)
    }

    async fn open_stream(
        &self,
        scope: &PluginScope,
        opening: StreamOpening,
    ) -> Result<StreamId, StreamError> {
        Sessions::open_stream(self, scope, opening).await
    }

    async fn open_stream_from_browser(
        &self,
        scope: &PluginScope,
        opening: BrowserStreamOpening,
    ) -> Result<StreamId, StreamError> {
        Sessions::open_stream_from_browser(self, scope, opening).await
    }

    async fn give_stream_control(
        &self,
        scope: &PluginScope,
        stream: StreamId,
        to: &str,
    ) -> Result<(), StreamError> {
        Sessions::give_stream_control(self, scope, stream, to).await
    }

    async fn take_stream_control(
        &self,
        scope: &PluginScope,
        stream: StreamId,
    ) -> Result<(), StreamError> {
        Sessions::take_stream_control(self, scope, stream).await
    }

    async fn close_stream(
        &self,
        scope: &PluginScope,
        stream: StreamId,
        reason: &str,
    ) -> Result<(), StreamError> {
        Sessions::close_stream(self, scope, stream, reason).await
    }

    async fn list_streams(
        &self,
        scope: &PluginScope,
        session: &str,
    ) -> Result<Vec<StreamInfo>, StreamError> {
        Sessions::list_streams(self, scope, session)
    }
}
