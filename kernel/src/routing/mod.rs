//! Routing: getting a message to a participant's page, console or agent.
//!
//! Behind a trait so that a multi-node deployment can route over a message
//! bus; [`InProcessRouter`] serves a single kernel.

mod in_process;

pub use in_process::InProcessRouter;
use tether_protocol::ServerMessage;
use tokio::sync::mpsc;

/// Where a participant is reached: their UI (console or customer page) or
/// their host agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub participant: String,
    pub kind: EndpointKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    Ui,
    Agent,
}

impl Endpoint {
    pub fn ui(participant: &str) -> Endpoint {
        Endpoint {
            participant: participant.to_owned(),
            kind: EndpointKind::Ui,
        }
    }

    pub fn agent(participant: &str) -> Endpoint {
        Endpoint {
            participant: participant.to_owned(),
            kind: EndpointKind::Agent,
        }
    }
}

/// The sending half of one WebSocket connection.
pub type Outbox = mpsc::UnboundedSender<ServerMessage>;

/// Identifies one connection, so a stale connection's detach does not
/// remove a newer one.
pub type ConnectionId = u64;

pub trait MessageRouter: Send + Sync + 'static {
    /// Routes `endpoint` to this connection, replacing an older one.
    fn attach(&self, endpoint: Endpoint, connection: ConnectionId, outbox: Outbox);
    /// Removes the route if it still belongs to `connection`.
    fn detach(&self, endpoint: &Endpoint, connection: ConnectionId);
    /// `false` when nobody is connected there.
    fn send(&self, endpoint: &Endpoint, message: ServerMessage) -> bool;
    fn is_connected(&self, endpoint: &Endpoint) -> bool;
}
