//! The customer page's socket: chat, consent answers and revocations,
//! commands for plugins' customer panels, stopping what they share.

use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;
use tether_protocol::CustomerRequest;

use super::budget::{self, Rate};
use super::customer_link::{self, CustomerLink};
use super::relayed::{self, Placed, RelayOpen, RelayedSocket};
use super::{Accepted, Connection, ReplyBody, TokenQuery};
use crate::Kernel;
use crate::routing::{EndpointKind, Outbox};
use crate::web::client_address::ClientAddress;
use crate::web::error::ApiError;

pub async fn upgrade(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    match accept(kernel.clone(), &headers, &query).await {
        Ok(accepted) => Ok(accepted.upgrade(upgrade)),
        Err(refused) if refused.code != tether_protocol::ErrorCode::Unauthenticated => Err(refused),
        Err(refused) => {
            let socket = RelayedSocket::CustomerPage {
                query: query.clone(),
            };
            let open = RelayOpen::new(socket, &headers, client);
            match relayed::customer_elsewhere::<CustomerPage>(&kernel, open, upgrade).await {
                Some(Placed::Relayed(relayed)) => relayed,
                Some(Placed::TakenOver(upgrade)) => accept(kernel, &headers, &query)
                    .await
                    .map(|accepted| accepted.upgrade(upgrade)),
                None => Err(refused),
            }
        }
    }
}

/// The customer's page, if its token and origin hold.
pub(super) async fn accept(
    kernel: Arc<Kernel>,
    headers: &HeaderMap,
    query: &TokenQuery,
) -> Result<Accepted<CustomerPage>, ApiError> {
    customer_link::accept(
        kernel,
        headers,
        query.credential(false)?,
        EndpointKind::Ui,
        CustomerPage,
    )
    .await
}

pub(crate) struct CustomerPage(CustomerLink);

impl Connection for CustomerPage {
    type Request = CustomerRequest;
    const RATE: Option<Rate> = Some(budget::CUSTOMER_PAGE);

    async fn opened(self: &Arc<Self>, outbox: Outbox) {
        self.0.open(outbox).await;
    }

    fn stream_frame(self: &Arc<Self>, frame: axum::body::Bytes) {
        self.0.stream_frame(frame);
    }

    /// A plugin's answer may wait (it asks the customer's agent).
    fn runs_long(request: &CustomerRequest) -> bool {
        matches!(request, CustomerRequest::PluginCommand { .. })
    }

    async fn handle(self: &Arc<Self>, request: CustomerRequest) -> Result<ReplyBody, ApiError> {
        let CustomerLink {
            kernel,
            session,
            participant,
            ..
        } = &self.0;
        let sessions = &kernel.sessions;
        match request {
            CustomerRequest::Chat { text } => {
                sessions.chat(session, participant, &text).await?;
                Ok(json!({ "sent": true }).into())
            }
            CustomerRequest::AgentCode {} => {
                let code = sessions.issue_agent_code(session, participant)?;
                Ok(json!({
                    "code": code,
                    "expires_in_secs": crate::session::agent_codes::LIFETIME.as_secs(),
                })
                .into())
            }
            CustomerRequest::ConsentAnswer { request, granted } => {
                sessions.answer_consent(participant, &request, granted)?;
                Ok(json!({ "answered": request }).into())
            }
            CustomerRequest::ConsentRevoke { grant } => {
                sessions
                    .revoke_consent(session, participant, &grant)
                    .await?;
                Ok(json!({ "revoked": grant }).into())
            }
            CustomerRequest::Leave {} => {
                sessions.leave(session, participant).await?;
                Ok(json!({ "left": session }).into())
            }
            CustomerRequest::PluginCommand {
                plugin,
                name,
                payload,
            } => crate::web::plugin_commands::run_for_customer(
                kernel,
                session,
                participant,
                &plugin,
                &name,
                payload,
            )
            .await
            .map(Into::into),
            CustomerRequest::StreamStop { stream } => {
                sessions
                    .stop_stream_from_source(session, &self.0.endpoint(), stream, "on their page")
                    .await?;
                Ok(json!({ "stopped": stream }).into())
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
