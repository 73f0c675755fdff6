//! Routes inside one kernel process: a table from endpoint to connection.

use std::collections::HashMap;
use std::sync::Mutex;

use tether_protocol::ServerMessage;

use super::{ConnectionId, Endpoint, MessageRouter, Outbox};

#[derive(Default)]
pub struct InProcessRouter {
    routes: Mutex<HashMap<Endpoint, (ConnectionId, Outbox)>>,
}

impl InProcessRouter {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<Endpoint, (ConnectionId, Outbox)>) -> R) -> R {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut routes)
    }
}

impl MessageRouter for InProcessRouter {
    fn attach(&self, endpoint: Endpoint, connection: ConnectionId, outbox: Outbox) {
        self.with(|routes| routes.insert(endpoint, (connection, outbox)));
    }

    fn detach(&self, endpoint: &Endpoint, connection: ConnectionId) {
        self.with(|routes| {
            if routes
                .get(endpoint)
                .is_some_and(|(id, _)| *id == connection)
            {
                routes.remove(endpoint);
            }
        });
    }

    fn send(&self, endpoint: &Endpoint, message: ServerMessage) -> bool {
        self.with(|routes| match routes.get(endpoint) {
            Some((_, outbox)) => outbox.send(message).is_ok(),
            None => false,
        })
    }

    fn is_connected(&self, endpoint: &Endpoint) -> bool {
        self.with(|routes| {
            routes
                .get(endpoint)
                .is_some_and(|(_, outbox)| !outbox.is_closed())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    #[test]
    fn the_newest_connection_wins_and_stale_detaches_are_ignored() {
        let router = InProcessRouter::default();
        let (old_tx, mut old_rx) = mpsc::unbounded_channel();
        let (new_tx, mut new_rx) = mpsc::unbounded_channel();
        let page = Endpoint::ui("p-1");
        router.attach(page.clone(), 1, old_tx);
        router.attach(page.clone(), 2, new_tx);
        router.detach(&page, 1);
        assert!(router.send(&page, ServerMessage::ok(None, serde_json::json!(1))));
        assert!(old_rx.try_recv().is_err());
        assert!(new_rx.try_recv().is_ok());
        router.detach(&page, 2);
        assert!(!router.is_connected(&page));
        assert!(!router.send(&page, ServerMessage::ok(None, serde_json::json!(2))));
        assert!(!router.is_connected(&Endpoint::agent("p-1")));
    }
}
