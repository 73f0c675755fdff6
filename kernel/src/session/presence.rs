//! Customers' pages and agents coming and going. A closed page or a
//! stopped agent is not leaving (a reload, a restart of the computer): the
//! customer leaves only when neither is back within the grace period.

use std::sync::Arc;

use super::Sessions;
use crate::routing::{ConnectionId, Endpoint, EndpointKind, Outbox};

fn describe(kind: EndpointKind) -> (&'static str, &'static str) {
    match kind {
        EndpointKind::Ui => ("page", "customer page"),
        EndpointKind::Agent => ("agent", "host agent"),
    }
}

impl Sessions {
    /// A customer's page or agent connected (or reconnected).
    pub async fn endpoint_connected(
        &self,
        number: &str,
        endpoint: Endpoint,
        connection: ConnectionId,
        outbox: Outbox,
    ) {
        let (kind, what) = describe(endpoint.kind);
        let participant = endpoint.participant.clone();
        self.router.attach(endpoint, connection, outbox);
        self.record(
            number,
            &format!("{kind}.connected"),
            &participant,
            format!("{what} connected"),
        )
        .await;
    }

    /// A customer's page or agent connection closed.
    pub async fn endpoint_closed(
        self: &Arc<Self>,
        number: &str,
        endpoint: &Endpoint,
        connection: ConnectionId,
    ) {
        self.router.detach(endpoint, connection);
        if self.router.is_connected(endpoint) {
            return; // a newer connection took over
        }
        let participant = &endpoint.participant;
        let (kind, what) = describe(endpoint.kind);
        if endpoint.kind == EndpointKind::Agent {
            let _ = self.with_live(number, |s| {
                if let Some(p) = s.participants.get_mut(participant) {
                    p.agent_capabilities = None;
                }
                Ok(())
            });
        }
        self.record(
            number,
            &format!("{kind}.disconnected"),
            participant,
            format!("{what} disconnected"),
        )
        .await;
        self.leave_if_still_absent(number, participant);
    }

    /// Starts the grace timer for a customer with no page and no agent.
    fn leave_if_still_absent(self: &Arc<Self>, number: &str, participant: &str) {
        let absent = |sessions: &Sessions, participant: &str| {
            !sessions.router.is_connected(&Endpoint::ui(participant))
                && !sessions.router.is_connected(&Endpoint::agent(participant))
        };
        if !absent(self, participant) {
            return;
        }
        let sessions = Arc::clone(self);
        let (number, participant) = (number.to_owned(), participant.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep(sessions.settings.grace).await;
            let still_in = sessions
                .with_live(&number, |s| Ok(s.participant(&participant).is_some()))
                .unwrap_or(false);
            if still_in && absent(&sessions, &participant) {
                let _ = sessions.leave(&number, &participant).await;
            }
        });
    }
}
