//! Plugins' calls about sessions, among several nodes: a plugin runs on the
//! node where its event happened, which for the desk's events (an offer
//! answered, a CSR's presence changed) need not run the sessions it speaks
//! of — a WebACD queue's customers may wait in sessions on any node. The
//! calls such events make (the participants, a message to one, a report
//! line, a chat line) go to the node running the session. The others are
//! made from a session's own events, which its node handles, and stay
//! here.

use std::sync::Arc;

use async_trait::async_trait;
use tether_protocol::RejoinAfterRestart;
use tether_protocol::stream::StreamId;

use super::calls::{SessionAnswer, SessionCall};
use super::link::NodeLink;
use crate::plugin_host::services::{
    AgentCall, AgentError, BrowserStreamOpening, ConsentError, ConsentOutcome, ConsentRequest,
    Participant, PluginScope, SessionError, SessionServices, StreamError, StreamInfo,
    StreamOpening,
};
use crate::session::Sessions;

/// This node's sessions for its plugins, with the other nodes' behind.
pub struct PluginSessions {
    here: Arc<Sessions>,
    link: Arc<NodeLink>,
}

impl PluginSessions {
    pub fn new(here: Arc<Sessions>, link: Arc<NodeLink>) -> PluginSessions {
        PluginSessions { here, link }
    }

    /// `call` about `session`: here when this node runs it (or no node
    /// does: then it is unknown here too), else on its node.
    async fn session_call(
        &self,
        scope: &PluginScope,
        session: &str,
        call: SessionCall,
    ) -> Result<SessionAnswer, SessionError> {
        if !self.here.runs_here(session)
            && let Some(node) = self.link.running_elsewhere(session).await
        {
            return self.link.session_call(&node, scope, session, call).await;
        }
        super::calls::session_call(&self.here, scope, session, call).await
    }
}

/// A reply of the wrong kind (never sent by a node of this version).
fn unexpected(session: &str) -> SessionError {
    SessionError::Invalid(format!(
        "the server running session {session} gave an unexpected answer"
    ))
}

#[async_trait]
impl SessionServices for PluginSessions {
    async fn participants(
        &self,
        scope: &PluginScope,
        session: &str,
    ) -> Result<Vec<Participant>, SessionError> {
        match self
            .session_call(scope, session, SessionCall::Participants)
            .await?
        {
            SessionAnswer::Participants(people) => Ok(people),
            SessionAnswer::Done => Err(unexpected(session)),
        }
    }

    async fn send(
        &self,
        scope: &PluginScope,
        session: &str,
        to: &str,
        message: String,
    ) -> Result<(), SessionError> {
        let call = SessionCall::Send {
            to: to.to_owned(),
            message,
        };
        done(session, self.session_call(scope, session, call).await)
    }

    async fn report(
        &self,
        scope: &PluginScope,
        session: &str,
        entry: String,
    ) -> Result<(), SessionError> {
        let call = SessionCall::Report { entry };
        done(session, self.session_call(scope, session, call).await)
    }

    async fn chat(
        &self,
        scope: &PluginScope,
        session: &str,
        text: String,
    ) -> Result<(), SessionError> {
        let call = SessionCall::Chat { text };
        done(session, self.session_call(scope, session, call).await)
    }

    async fn request_consent(
        &self,
        scope: &PluginScope,
        request: ConsentRequest,
    ) -> Result<ConsentOutcome, ConsentError> {
        SessionServices::request_consent(self.here.as_ref(), scope, request).await
    }

    async fn call_agent(&self, scope: &PluginScope, call: AgentCall) -> Result<String, AgentError> {
        SessionServices::call_agent(self.here.as_ref(), scope, call).await
    }

    async fn agent_rejoin(
        &self,
        scope: &PluginScope,
        session: &str,
        participant: &str,
    ) -> Result<RejoinAfterRestart, AgentError> {
        SessionServices::agent_rejoin(self.here.as_ref(), scope, session, participant).await
    }

    async fn open_stream(
        &self,
        scope: &PluginScope,
        opening: StreamOpening,
    ) -> Result<StreamId, StreamError> {
        SessionServices::open_stream(self.here.as_ref(), scope, opening).await
    }

    async fn open_stream_from_browser(
        &self,
        scope: &PluginScope,
        opening: BrowserStreamOpening,
    ) -> Result<StreamId, StreamError> {
        SessionServices::open_stream_from_browser(self.here.as_ref(), scope, opening).await
    }

    async fn give_stream_control(
        &self,
        scope: &PluginScope,
        stream: StreamId,
        to: &str,
    ) -> Result<(), StreamError> {
        SessionServices::give_stream_control(self.here.as_ref(), scope, stream, to).await
    }

    async fn take_stream_control(
        &self,
        scope: &PluginScope,
        stream: StreamId,
    ) -> Result<(), StreamError> {
        SessionServices::take_stream_control(self.here.as_ref(), scope, stream).await
    }

    async fn close_stream(
        &self,
        scope: &PluginScope,
        stream: StreamId,
        reason: &str,
    ) -> Result<(), StreamError> {
        SessionServices::close_stream(self.here.as_ref(), scope, stream, reason).await
    }

    async fn list_streams(
        &self,
        scope: &PluginScope,
        session: &str,
    ) -> Result<Vec<StreamInfo>, StreamError> {
        SessionServices::list_streams(self.here.as_ref(), scope, session).await
    }
}

fn done(session: &str, answer: Result<SessionAnswer, SessionError>) -> Result<(), SessionError> {
    match answer? {
        SessionAnswer::Done => Ok(()),
        SessionAnswer::Participants(_) => Err(unexpected(session)),
    }
}
