//! What the customer's page and agent sockets share: authentication by the
//! join token, and routing the connection to the customer's endpoint.

use std::sync::Arc;

use axum::http::HeaderMap;
use tether_protocol::{CustomerPanel, ServerEvent, ServerMessage};

use super::{Accepted, Connection, check_origin, next_connection_id};
use crate::Kernel;
use crate::routing::{ConnectionId, Endpoint, EndpointKind, Outbox};
use crate::session::CustomerCredential;
use crate::web::error::ApiError;

/// A customer's connection, page or agent.
pub(crate) struct CustomerLink {
    pub kernel: Arc<Kernel>,
    pub session: String,
    pub participant: String,
    pub id: ConnectionId,
    pub kind: EndpointKind,
}

impl CustomerLink {
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            participant: self.participant.clone(),
            kind: self.kind,
        }
    }

    /// A stream frame from this socket: it speaks for the customer's
    /// endpoint in their session only.
    pub fn stream_frame(&self, frame: axum::body::Bytes) {
        self.kernel.sessions.relay_frame(frame, |session| {
            (session == self.session).then(|| self.endpoint())
        });
    }

    /// Routes the customer's endpoint here and sends the welcome event.
    pub async fn open(&self, outbox: Outbox) {
        let sessions = &self.kernel.sessions;
        sessions
            .endpoint_connected(&self.session, self.endpoint(), self.id, outbox.clone())
            .await;
        let participants = sessions
            .participants_seen_by_customer(&self.session, &self.participant)
            .unwrap_or_default();
        let resume_token = match self.kind {
            EndpointKind::Agent => match sessions.issue_resume_token(&self.participant).await {
                Ok(token) => Some(token),
                Err(error) => {
                    tracing::error!(%error, "could not issue a resume token; the agent cannot rejoin after a restart");
                    None
                }
            },
            EndpointKind::Ui => None,
        };
        let panels = match self.kind {
            EndpointKind::Ui => self.customer_panels(),
            EndpointKind::Agent => Vec::new(),
        };
        let welcome = ServerEvent::Welcome {
            session: self.session.clone(),
            participant: self.participant.clone(),
            participants,
            resume_token,
            panels,
        };
        let _ = outbox.send(ServerMessage::event(&welcome));
        // What is shared now that this page or agent hears of, should it
        // have reconnected while it ran (or connected after a CSR started
        // showing something).
        for opened in sessions.streams_heard_by(&self.session, &self.endpoint()) {
            let _ = outbox.send(ServerMessage::event(&opened));
        }
    }

    /// The customer panels of the plugins the session's site enables.
    fn customer_panels(&self) -> Vec<CustomerPanel> {
        let Some(site) = self.kernel.sessions.site_of(&self.session) else {
            return Vec::new();
        };
        self.kernel
            .plugins
            .enabled_for(&site)
            .unwrap_or_default()
            .into_iter()
            .flat_map(|plugin| {
                plugin
                    .customer_panels()
                    .map(|panel| CustomerPanel {
                        plugin: plugin.manifest.id.clone(),
                        id: panel.id.clone(),
                        title: panel.title.clone(),
                        titles: panel.titles.clone(),
                        entry: panel.entry.clone(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Checks the origin (browsers only) and the join token; the connection
/// `wrap` makes, to be served here or relayed from another node.
pub(super) async fn accept<C: Connection>(
    kernel: Arc<Kernel>,
    headers: &HeaderMap,
    credential: CustomerCredential<'_>,
    kind: EndpointKind,
    wrap: fn(CustomerLink) -> C,
) -> Result<Accepted<C>, ApiError> {
    check_origin(&kernel, headers, kind == EndpointKind::Ui)?;
    let (session, participant) = kernel.sessions.customer_by(credential, kind).await?;
    let link = CustomerLink {
        kernel,
        session,
        participant,
        id: next_connection_id(),
        kind,
    };
    let span = tracing::info_span!("customer_connection", session = %link.session, participant = %link.participant, kind = ?kind);
    Ok(Accepted {
        connection: Arc::new(wrap(link)),
        span,
    })
}
