//! This node's link to the others as the desk and the plugins use it:
//! news to all of them, calls to one (`calls.rs`), the node running a
//! session from the owners' registry.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use super::calls::{
    AnswerOfferReply, HandOverReply, NodeCall, SessionAnswer, SessionCall, SessionReply,
};
use crate::cluster::relay::Question;
use crate::cluster::{Cluster, ClusterError};
use crate::desk::news::{DeskNews, OtherNodes};
use crate::desk::rules::AnswerRefused;
use crate::plugin_host::services::{DeskError, PluginScope, SessionError};
use crate::session::number;

pub struct NodeLink {
    cluster: Arc<Cluster>,
}

impl NodeLink {
    pub fn new(cluster: Arc<Cluster>) -> NodeLink {
        NodeLink { cluster }
    }

    /// Asks `node` to answer `call`; its reply.
    async fn call<R: DeserializeOwned>(
        &self,
        node: &str,
        call: &NodeCall,
    ) -> Result<R, ClusterError> {
        let unreadable = |reason: String| ClusterError::Relay {
            node: node.to_owned(),
            reason,
        };
        let written = serde_json::to_vec(call).map_err(|e| unreadable(e.to_string()))?;
        let answer = self
            .cluster
            .ask(node, Question::Call, written.into())
            .await?;
        serde_json::from_slice(&answer)
            .map_err(|error| unreadable(format!("an unreadable answer: {error}")))
    }

    /// A plugin's call about `session`, which `node` runs.
    pub async fn session_call(
        &self,
        node: &str,
        scope: &PluginScope,
        session: &str,
        call: SessionCall,
    ) -> Result<SessionAnswer, SessionError> {
        let call = NodeCall::Session {
            scope: scope.clone(),
            session: session.to_owned(),
            call,
        };
        match self.call::<SessionReply>(node, &call).await {
            Ok(reply) => reply,
            Err(error) => {
                tracing::warn!(%error, session, "a plugin's call could not reach the session's node");
                // The plugin API has no "unavailable" for sessions: to the
                // plugin the session is out of reach, as one that ended.
                Err(SessionError::UnknownSession(session.to_owned()))
            }
        }
    }

    /// The node running `session`, when it is another node.
    pub async fn running_elsewhere(&self, session: &str) -> Option<String> {
        let number = number::parse(session)?;
        match self.cluster.owners.owner(&number).await {
            Ok(Some(node)) if node != self.cluster.node().as_str() => Some(node),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, session = %number, "the node running a session could not be found");
                None
            }
        }
    }
}

#[async_trait]
impl OtherNodes for NodeLink {
    async fn tell(&self, news: &DeskNews) {
        let written = match serde_json::to_vec(news) {
            Ok(written) => written,
            Err(error) => {
                tracing::error!(%error, "desk news could not be written");
                return;
            }
        };
        if let Err(error) = self.cluster.tell_others(&written).await {
            tracing::warn!(%error, "the other nodes were not told");
        }
    }

    async fn offer_id(&self) -> Result<u32, String> {
        self.cluster
            .offer_ids
            .next()
            .await
            .map_err(|error| error.to_string())
    }

    async fn answer_offer(
        &self,
        node: &str,
        offer: u32,
        account: i64,
    ) -> Result<PluginScope, AnswerRefused> {
        let call = NodeCall::AnswerOffer { offer, account };
        match self.call::<AnswerOfferReply>(node, &call).await {
            Ok(reply) => reply,
            Err(error) => {
                // A node that does not answer has stopped, and its offers
                // with it.
                tracing::warn!(%error, offer, "the node that made an offer does not answer");
                Err(AnswerRefused::NotOpen(offer))
            }
        }
    }

    async fn running_elsewhere(&self, session: &str) -> Option<String> {
        NodeLink::running_elsewhere(self, session).await
    }

    async fn hand_over(
        &self,
        node: &str,
        scope: &PluginScope,
        session: &str,
        username: &str,
    ) -> Result<String, DeskError> {
        let call = NodeCall::HandOver {
            scope: scope.clone(),
            session: session.to_owned(),
            username: username.to_owned(),
        };
        match self.call::<HandOverReply>(node, &call).await {
            Ok(reply) => reply,
            Err(error) => {
                tracing::warn!(%error, session, "the session's node does not answer a hand-over");
                Err(DeskError::Unavailable(format!(
                    "the server running session {session} does not answer; try again in a moment"
                )))
            }
        }
    }

    fn silence(&self) -> Duration {
        self.cluster.owners.timing().lease()
    }
}
