//! Sessions as plugins see them: the kernel side of the `session`,
//! `consent` and `agent` interfaces. A plugin only ever reaches sessions of
//! the site whose event it is handling.

use async_trait::async_trait;
use axum::body::Bytes;
use tether_protocol::file_frame::{AttachedFile, FileFrame};
use tether_protocol::stream::StreamId;
use tether_protocol::{Capability, RawJson, RejoinAfterRestart, ServerEvent};

use super::Sessions;
use crate::plugin_host::services::{
    AgentCall, AgentError, BrowserStreamOpening, ConsentError, ConsentOutcome, ConsentRequest,
    Participant, PluginScope, SessionError, SessionServices, StreamError, StreamInfo,
    StreamOpening,
};
use crate::routing::{Endpoint, FrameSent};

impl Sessions {
    /// Sends call `call` to `participant`'s agent: its `agent.call`
    /// message, announcing the files, then one file frame per file, in
    /// order. The connection's writer sends control messages before any
    /// binary frame and keeps binary frames in order, so each file follows
    /// its call (another call's files may come between: every frame names
    /// its call). `false` when no agent is connected, or when a file could
    /// not be queued — then the agent is told to drop the call, which waits
    /// for files that will not come.
    pub(crate) fn send_agent_call(
        &self,
        participant: &str,
        call: &str,
        capability: Capability,
        input: RawJson,
        files: Vec<Bytes>,
    ) -> bool {
        let agent = Endpoint::agent(participant);
        let announced = files
            .iter()
            .map(|file| AttachedFile {
                // The plugin host let only files of at most 1 MB through.
                bytes: u32::try_from(file.len()).unwrap_or(u32::MAX),
            })
            .collect();
        let message = ServerEvent::AgentCall {
            call: call.to_owned(),
            capability,
            input,
            files: announced,
        };
        if !self.send_event(&agent, &message) {
            return false;
        }
        for (index, file) in files.iter().enumerate() {
            let frame = FileFrame { call, index, file }.encode();
            let queued = match frame {
                Ok(frame) => self.router.send_frame(&agent, Bytes::from(frame)),
                Err(error) => {
                    tracing::error!(call, index, %error, "a call's file cannot be framed");
                    FrameSent::Gone
                }
            };
            if queued != FrameSent::Queued {
                tracing::warn!(
                    call,
                    index,
                    ?queued,
                    "a call's file could not be queued for the agent; the call is dropped"
                );
                self.send_event(
                    &agent,
                    &ServerEvent::AgentCancel {
                        call: call.to_owned(),
                        reason: "its files could not be sent".to_owned(),
                    },
                );
                return false;
            }
        }
        // A stage mark of a call (the scripts benchmark reads it).
        tracing::debug!(call, files = files.len(), "agent call sent");
        true
    }

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
