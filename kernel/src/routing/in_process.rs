//! Routes inside one kernel process: a table from endpoint to connection.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use tether_protocol::ServerMessage;

use super::{ConnectionId, Endpoint, FrameSent, MessageRouter, Outbox};

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

    fn send_frame(&self, endpoint: &Endpoint, frame: Bytes) -> FrameSent {
        self.with(|routes| match routes.get(endpoint) {
            Some((_, outbox)) => outbox.send_frame(frame),
            None => FrameSent::Gone,
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
    use crate::routing::FRAME_QUEUE;

    #[test]
    fn the_newest_connection_wins_and_stale_detaches_are_ignored() {
        let router = InProcessRouter::default();
        let (old_tx, mut old_rx) = Outbox::new(FRAME_QUEUE);
        let (new_tx, mut new_rx) = Outbox::new(FRAME_QUEUE);
        let page = Endpoint::ui("p-1");
        router.attach(page.clone(), 1, old_tx);
        router.attach(page.clone(), 2, new_tx);
        router.detach(&page, 1);
        assert!(router.send(&page, ServerMessage::ok(None, serde_json::json!(1))));
        assert!(old_rx.control.try_recv().is_err());
        assert!(new_rx.control.try_recv().is_ok());
        router.detach(&page, 2);
        assert!(!router.is_connected(&page));
        assert!(!router.send(&page, ServerMessage::ok(None, serde_json::json!(2))));
        assert!(!router.is_connected(&Endpoint::agent("p-1")));
    }

    #[test]
    fn frames_are_bounded_per_connection_and_control_is_not() {
        let router = InProcessRouter::default();
        let (outbox, mut inbox) = Outbox::new(FRAME_QUEUE);
        let console = Endpoint::ui("p-2");
        router.attach(console.clone(), 1, outbox);
        for _ in 0..FRAME_QUEUE {
            assert_eq!(
                router.send_frame(&console, Bytes::from_static(b"f")),
                FrameSent::Queued
            );
        }
        assert_eq!(
            router.send_frame(&console, Bytes::from_static(b"f")),
            FrameSent::Full
        );
        for n in 0..1000 {
            assert!(router.send(&console, ServerMessage::ok(None, serde_json::json!(n))));
        }
        assert!(inbox.frames.try_recv().is_ok());
        assert_eq!(
            router.send_frame(&console, Bytes::from_static(b"f")),
            FrameSent::Queued
        );
        assert_eq!(
            router.send_frame(&Endpoint::agent("p-2"), Bytes::from_static(b"f")),
            FrameSent::Gone
        );
    }
}
