//! What one node asks another (request and reply over NATS, as JSON): to
//! take an answer to an offer it made, to hand a session it runs to a CSR,
//! and a plugin's call about a session it runs. The asked node answers
//! from its own desk and sessions only — never sending a call on again —
//! so a session that moved meanwhile is an unknown session, as on a
//! kernel of its own.

use axum::body::Bytes;
use serde::{Deserialize, Serialize};

use crate::desk::Desk;
use crate::desk::rules::AnswerRefused;
use crate::plugin_host::services::{
    DeskError, Participant, PluginScope, SessionError, SessionServices,
};
use crate::session::Sessions;

/// A node's call to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "snake_case", deny_unknown_fields)]
pub enum NodeCall {
    /// CSR `account` answers offer `offer`, made on the asked node.
    AnswerOffer { offer: u32, account: i64 },
    /// A plugin (`scope`) hands `session` to `username`.
    HandOver {
        scope: PluginScope,
        session: String,
        username: String,
    },
    /// A plugin's (`scope`) call about `session`.
    Session {
        scope: PluginScope,
        session: String,
        call: SessionCall,
    },
}

/// The calls of the plugins' `session` interface another node takes on:
/// those a plugin makes about any session of its site from events of the
/// desk (offers answered, presence changed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SessionCall {
    Participants,
    Send { to: String, message: String },
    Report { entry: String },
    Chat { text: String },
}

/// What a session call gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum SessionAnswer {
    Participants(Vec<Participant>),
    Done,
}

pub type AnswerOfferReply = Result<PluginScope, AnswerRefused>;
pub type HandOverReply = Result<String, DeskError>;
pub type SessionReply = Result<SessionAnswer, SessionError>;

/// Answers `question`, written by another node; the answer as JSON.
pub async fn answer(desk: &Desk, sessions: &Sessions, question: &Bytes) -> Bytes {
    let call = match serde_json::from_slice::<NodeCall>(question) {
        Ok(call) => call,
        Err(error) => {
            tracing::warn!(%error, "an unreadable call from another node");
            // The asker reads no answer and reports its node unreachable.
            return Bytes::new();
        }
    };
    let written = match call {
        NodeCall::AnswerOffer { offer, account } => {
            let reply: AnswerOfferReply = desk.answer_here(offer, account).await;
            serde_json::to_vec(&reply)
        }
        NodeCall::HandOver {
            scope,
            session,
            username,
        } => {
            let reply: HandOverReply = desk.hand_over_here(&scope, &session, &username).await;
            serde_json::to_vec(&reply)
        }
        NodeCall::Session {
            scope,
            session,
            call,
        } => {
            let reply = session_call(sessions, &scope, &session, call).await;
            serde_json::to_vec(&reply)
        }
    };
    written.map(Bytes::from).unwrap_or_default()
}

/// A plugin's call about a session this node runs.
pub async fn session_call(
    sessions: &Sessions,
    scope: &PluginScope,
    session: &str,
    call: SessionCall,
) -> SessionReply {
    match call {
        SessionCall::Participants => SessionServices::participants(sessions, scope, session)
            .await
            .map(SessionAnswer::Participants),
        SessionCall::Send { to, message } => {
            SessionServices::send(sessions, scope, session, &to, message)
                .await
                .map(|()| SessionAnswer::Done)
        }
        SessionCall::Report { entry } => SessionServices::report(sessions, scope, session, entry)
            .await
            .map(|()| SessionAnswer::Done),
        SessionCall::Chat { text } => SessionServices::chat(sessions, scope, session, text)
            .await
            .map(|()| SessionAnswer::Done),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_replies_read_back_as_written() {
        let scope = PluginScope {
            site: "default".into(),
            plugin: "webacd".into(),
        };
        let calls = [
            NodeCall::AnswerOffer {
                offer: 7,
                account: 3,
            },
            NodeCall::HandOver {
                scope: scope.clone(),
                session: "123456789".into(),
                username: "anna".into(),
            },
            NodeCall::Session {
                scope,
                session: "123456789".into(),
                call: SessionCall::Send {
                    to: "p-1".into(),
                    message: "{\"a\":1}".into(),
                },
            },
        ];
        for call in calls {
            let written = serde_json::to_vec(&call).expect("writes");
            assert_eq!(
                serde_json::from_slice::<NodeCall>(&written).expect("reads"),
                call
            );
        }
        let refused: AnswerOfferReply = Err(AnswerRefused::AlreadyAnswered(7));
        let written = serde_json::to_vec(&refused).expect("writes");
        assert_eq!(
            serde_json::from_slice::<AnswerOfferReply>(&written).expect("reads"),
            refused
        );
        assert!(serde_json::from_slice::<NodeCall>(br#"{"ask":"shutdown"}"#).is_err());
    }
}
