//! The host agent's socket: authenticated by the customer's join token;
//! carries capability calls to the agent and their results back.

use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use tether_protocol::AgentRequest;
use tracing::Instrument;

use super::customer::welcome;
use super::{Connection, TokenQuery, check_origin, limited, next_connection_id, serve};
use crate::Kernel;
use crate::api_error::ApiError;
use crate::routing::{ConnectionId, Outbox};

pub async fn upgrade(
    State(kernel): State<Arc<Kernel>>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    check_origin(&kernel, &headers, false)?;
    let (session, participant) = kernel.sessions.customer_by_token(&query.token).await?;
    let agent = Arc::new(AgentConnection {
        kernel,
        session,
        participant,
        id: next_connection_id(),
    });
    Ok(limited(upgrade).on_upgrade(move |socket| {
        let span = tracing::info_span!("agent", session = %agent.session, participant = %agent.participant);
        serve(socket, agent).instrument(span)
    }))
}

pub(crate) struct AgentConnection {
    kernel: Arc<Kernel>,
    session: String,
    participant: String,
    id: ConnectionId,
}

impl Connection for AgentConnection {
    type Request = AgentRequest;

    async fn opened(self: &Arc<Self>, outbox: Outbox) {
        let sessions = &self.kernel.sessions;
        sessions
            .agent_connected(&self.session, &self.participant, self.id, outbox.clone())
            .await;
        welcome(&self.kernel, &self.session, &self.participant, &outbox);
    }

    async fn handle(self: &Arc<Self>, request: AgentRequest) -> Result<Value, ApiError> {
        let sessions = &self.kernel.sessions;
        match request {
            AgentRequest::Hello {
                capabilities,
                platform: _,
            } => {
                let count = capabilities.len();
                sessions
                    .agent_hello(&self.session, &self.participant, capabilities)
                    .await;
                Ok(json!({ "capabilities": count }))
            }
            AgentRequest::Result {
                call,
                output,
                error,
            } => {
                let reply = match (output, error) {
                    (Some(output), _) => Ok(output),
                    (None, error) => Err(error.unwrap_or_default()),
                };
                sessions.agent_result(&self.participant, &call, reply)?;
                Ok(json!({ "received": call }))
            }
            AgentRequest::ConsentAnswer { request, granted } => {
                sessions.answer_consent(&self.participant, &request, granted)?;
                Ok(json!({ "answered": request }))
            }
        }
    }

    async fn closed(self: &Arc<Self>) {
        self.kernel
            .sessions
            .agent_disconnected(&self.session, &self.participant, self.id)
            .await;
    }
}
