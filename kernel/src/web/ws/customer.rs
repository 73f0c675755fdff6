//! The customer page's socket: authenticated by the join token.

use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use tether_protocol::{CustomerRequest, ServerEvent};
use tracing::Instrument;

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
    check_origin(&kernel, &headers, true)?;
    let (session, participant) = kernel.sessions.customer_by_token(&query.token).await?;
    let page = Arc::new(CustomerPage {
        kernel,
        session,
        participant,
        id: next_connection_id(),
    });
    Ok(limited(upgrade).on_upgrade(move |socket| {
        let span = tracing::info_span!("customer_page", session = %page.session, participant = %page.participant);
        serve(socket, page).instrument(span)
    }))
}

pub(crate) struct CustomerPage {
    kernel: Arc<Kernel>,
    session: String,
    participant: String,
    id: ConnectionId,
}

/// Sends the welcome event once the connection is routed.
pub(super) fn welcome(kernel: &Kernel, session: &str, participant: &str, outbox: &Outbox) {
    let participants = kernel
        .sessions
        .participant_infos(session)
        .unwrap_or_default();
    let event = ServerEvent::Welcome {
        session: session.to_owned(),
        participant: participant.to_owned(),
        participants,
    };
    let _ = outbox.send(tether_protocol::ServerMessage::event(&event));
}

impl Connection for CustomerPage {
    type Request = CustomerRequest;

    async fn opened(self: &Arc<Self>, outbox: Outbox) {
        let sessions = &self.kernel.sessions;
        sessions
            .customer_ui_connected(&self.session, &self.participant, self.id, outbox.clone())
            .await;
        welcome(&self.kernel, &self.session, &self.participant, &outbox);
    }

    async fn handle(self: &Arc<Self>, request: CustomerRequest) -> Result<Value, ApiError> {
        let sessions = &self.kernel.sessions;
        match request {
            CustomerRequest::Chat { text } => {
                sessions
                    .chat(&self.session, &self.participant, &text)
                    .await?;
                Ok(json!({ "sent": true }))
            }
            CustomerRequest::ConsentAnswer { request, granted } => {
                sessions.answer_consent(&self.participant, &request, granted)?;
                Ok(json!({ "answered": request }))
            }
            CustomerRequest::ConsentRevoke { grant } => {
                sessions
                    .revoke_consent(&self.session, &self.participant, &grant)
                    .await?;
                Ok(json!({ "revoked": grant }))
            }
            CustomerRequest::Leave {} => {
                sessions.leave(&self.session, &self.participant).await?;
                Ok(json!({ "left": self.session }))
            }
        }
    }

    async fn closed(self: &Arc<Self>) {
        self.kernel
            .sessions
            .customer_page_closed(&self.session, &self.participant, self.id)
            .await;
    }
}
