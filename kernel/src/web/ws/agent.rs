//! The host agent's socket: what the machine offers, capability results and
//! consent answers given in the agent's terminal.

use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;
use tether_protocol::AgentRequest;

use super::budget::{self, Rate};
use super::customer_link::{self, CustomerLink};
use super::relayed::{self, Placed, RelayOpen, RelayedSocket};
use super::{Accepted, Connection, ReplyBody, TokenQuery};
use crate::Kernel;
use crate::routing::{EndpointKind, Outbox};
use crate::web::client_address::ClientAddress;
use crate::web::error::ApiError;

/// Tries with a code or a token count as failed joins of the address, so
/// codes cannot be guessed by trying them all. A session another node runs
/// is relayed there, which counts its own refusals.
pub async fn upgrade(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let refused = match accept(kernel.clone(), client, &headers, &query).await {
        Ok(accepted) => return Ok(accepted.upgrade(upgrade)),
        Err(refused) => refused,
    };
    if refused.code != tether_protocol::ErrorCode::Unauthenticated {
        return Err(refused);
    }
    let socket = RelayedSocket::Agent {
        query: query.clone(),
    };
    let open = RelayOpen::new(socket, &headers, client);
    let retried = match relayed::customer_elsewhere::<AgentConnection>(&kernel, open, upgrade).await
    {
        Some(Placed::Relayed(relayed)) => return relayed,
        Some(Placed::TakenOver(upgrade)) => accept(kernel.clone(), client, &headers, &query)
            .await
            .map(|accepted| accepted.upgrade(upgrade)),
        None => Err(refused),
    };
    if retried
        .as_ref()
        .is_err_and(|e| e.code == tether_protocol::ErrorCode::Unauthenticated)
    {
        kernel.sessions.count_failed_join(client).await;
    }
    retried
}

/// The agent, if the address may still try to join and its credential and
/// origin hold (refusals are counted by the caller).
pub(super) async fn accept(
    kernel: Arc<Kernel>,
    client: std::net::IpAddr,
    headers: &HeaderMap,
    query: &TokenQuery,
) -> Result<Accepted<AgentConnection>, ApiError> {
    kernel.sessions.check_join_attempts(client).await?;
    customer_link::accept(
        kernel,
        headers,
        query.credential(true)?,
        EndpointKind::Agent,
        AgentConnection,
    )
    .await
}

pub(crate) struct AgentConnection(CustomerLink);

impl Connection for AgentConnection {
    type Request = AgentRequest;
    /// Only viewers' input and acknowledgements come this way: none may be
    /// lost to a burst of typing.
    const FRAME_QUEUE: usize = crate::routing::SOURCE_FRAME_QUEUE;
    const RATE: Option<Rate> = Some(budget::AGENT);

    fn awaited(self: &Arc<Self>, request: &AgentRequest) -> bool {
        let link = &self.0;
        matches!(request, AgentRequest::Result { call, .. }
            if link.kernel.sessions.activities.running_call(&link.participant, call).is_ok())
    }

    async fn opened(self: &Arc<Self>, outbox: Outbox) {
        self.0.open(outbox).await;
    }

    fn stream_frame(self: &Arc<Self>, frame: axum::body::Bytes) {
        self.0.stream_frame(frame);
    }

    async fn handle(self: &Arc<Self>, request: AgentRequest) -> Result<ReplyBody, ApiError> {
        let CustomerLink {
            kernel,
            session,
            participant,
            ..
        } = &self.0;
        let sessions = &kernel.sessions;
        match request {
            AgentRequest::Hello {
                capabilities,
                platform: _,
                rejoin_after_restart,
            } => {
                let count = capabilities.len();
                sessions
                    .agent_hello(session, participant, capabilities, rejoin_after_restart)
                    .await;
                Ok(json!({ "capabilities": count }).into())
            }
            AgentRequest::Result {
                call,
                output,
                error,
                lasting,
            } => {
                let reply = match (output, error) {
                    (Some(output), _) => Ok(output),
                    (None, error) => Err(error.unwrap_or_default()),
                };
                sessions.agent_result(participant, &call, reply, lasting)?;
                Ok(json!({ "received": call }).into())
            }
            AgentRequest::ActivityEnded { call, reason } => {
                sessions
                    .agent_activity_ended(participant, &call, &reason)
                    .await?;
                Ok(json!({ "ended": call }).into())
            }
            AgentRequest::ConsentAnswer { request, granted } => {
                sessions.answer_consent_from_agent(participant, &request, granted)?;
                Ok(json!({ "answered": request }).into())
            }
            AgentRequest::Progress { call, text } => {
                sessions.agent_progress(participant, &call, &text).await?;
                Ok(json!({ "shown": call }).into())
            }
            AgentRequest::StreamStop { stream, reason } => {
                sessions
                    .stop_stream_from_source(session, &self.0.endpoint(), stream, &reason)
                    .await?;
                Ok(json!({ "stopped": stream }).into())
            }
            AgentRequest::StreamTakeBack { stream } => {
                sessions
                    .take_back_on_computer(session, participant, stream)
                    .await?;
                Ok(json!({ "taken_back": stream }).into())
            }
            AgentRequest::GoingAway { reason } => {
                sessions
                    .agent_going_away(session, participant, &reason)
                    .await?;
                Ok(
                    json!({ "rejoin_within_secs": sessions.settings.rejoin_window.as_secs() })
                        .into(),
                )
            }
        }
    }

    async fn closed(self: &Arc<Self>) {
        let link = &self.0;
        link.kernel
            .sessions
            .endpoint_closed(&link.session, &link.endpoint(), link.id)
            .await;
    }
}
