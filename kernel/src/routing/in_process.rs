//! Routes inside one kernel process: a table from endpoint to connection.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use tether_protocol::ServerMessage;

use super::{AccountConsole, ConnectionId, Endpoint, FrameSent, MessageRouter, Outbox};

#[derive(Default)]
pub struct InProcessRouter {
    routes: Mutex<HashMap<Endpoint, (ConnectionId, Outbox)>>,
    /// Each CSR account's open consoles, oldest first.
    consoles: Mutex<HashMap<i64, Vec<AccountConsole>>>,
}

impl InProcessRouter {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<Endpoint, (ConnectionId, Outbox)>) -> R) -> R {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut routes)
    }

    fn with_consoles<R>(&self, f: impl FnOnce(&mut HashMap<i64, Vec<AccountConsole>>) -> R) -> R {
        let mut consoles = self
            .consoles
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut consoles)
    }

    /// The account's consoles whose connection is still open.
    fn open_consoles(&self, account: i64) -> Vec<AccountConsole> {
        self.with_consoles(|consoles| {
            consoles
                .get(&account)
                .map(|list| {
                    list.iter()
                        .filter(|c| !c.outbox.is_closed())
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        })
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

    fn close(&self, endpoint: &Endpoint) {
        self.with(|routes| {
            if let Some((_, outbox)) = routes.remove(endpoint) {
                outbox.close();
            }
        });
    }

    fn attach_account_console(&self, account: i64, console: AccountConsole) {
        self.with_consoles(|consoles| {
            let list = consoles.entry(account).or_default();
            list.retain(|c| c.connection != console.connection);
            list.push(console);
        });
    }

    fn detach_account_console(&self, account: i64, connection: ConnectionId) -> usize {
        self.with_consoles(|consoles| {
            let Some(list) = consoles.get_mut(&account) else {
                return 0;
            };
            list.retain(|c| c.connection != connection && !c.outbox.is_closed());
            let left = list.len();
            if left == 0 {
                consoles.remove(&account);
            }
            left
        })
    }

    fn send_to_account(&self, account: i64, message: ServerMessage) -> usize {
        self.open_consoles(account)
            .iter()
            .filter(|c| c.outbox.send(message.clone()).is_ok())
            .count()
    }

    fn account_consoles(&self, account: i64) -> usize {
        self.open_consoles(account).len()
    }

    fn newest_account_console(&self, account: i64) -> Option<AccountConsole> {
        self.open_consoles(account).pop()
    }

    fn sign_out_account(&self, account: i64, except: Option<&str>) -> usize {
        let signed_out: Vec<AccountConsole> = self
            .open_consoles(account)
            .into_iter()
            .filter(|console| Some(console.sign_in.as_str()) != except)
            .collect();
        for console in &signed_out {
            console.outbox.sign_out();
        }
        signed_out.len()
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

    struct Taken(Mutex<Vec<(String, String)>>);

    impl super::super::TakesPart for Taken {
        fn take_part(&self, session: &str, participant: &str) {
            self.0
                .lock()
                .expect("lock")
                .push((session.to_owned(), participant.to_owned()));
        }
    }

    fn console(
        connection: ConnectionId,
        taken: &std::sync::Arc<Taken>,
    ) -> (AccountConsole, crate::routing::Inbox) {
        let (outbox, inbox) = Outbox::new(FRAME_QUEUE);
        let weak: std::sync::Weak<dyn super::super::TakesPart> =
            std::sync::Arc::downgrade(taken) as _;
        (
            AccountConsole {
                connection,
                sign_in: format!("sign-in {connection}"),
                outbox,
                console: weak,
            },
            inbox,
        )
    }

    #[test]
    fn every_open_console_of_an_account_gets_its_messages_and_the_newest_takes_part() {
        let router = InProcessRouter::default();
        let first_taken = std::sync::Arc::new(Taken(Mutex::default()));
        let second_taken = std::sync::Arc::new(Taken(Mutex::default()));
        let (first, mut first_inbox) = console(1, &first_taken);
        let (second, mut second_inbox) = console(2, &second_taken);
        router.attach_account_console(7, first);
        router.attach_account_console(7, second);
        assert_eq!(router.account_consoles(7), 2);
        assert_eq!(router.account_consoles(8), 0);
        assert_eq!(
            router.send_to_account(7, ServerMessage::ok(None, serde_json::json!(1))),
            2
        );
        assert!(first_inbox.control.try_recv().is_ok());
        assert!(second_inbox.control.try_recv().is_ok());
        assert_eq!(
            router.send_to_account(8, ServerMessage::ok(None, serde_json::json!(1))),
            0
        );

        let newest = router.newest_account_console(7).expect("open");
        assert_eq!(newest.connection, 2);
        if let Some(console) = newest.console.upgrade() {
            console.take_part("123456789", "p-1");
        }
        assert_eq!(second_taken.0.lock().expect("lock").len(), 1);
        assert!(first_taken.0.lock().expect("lock").is_empty());

        // A console whose socket is gone no longer counts, even before
        // it detaches; detaching says how many are left.
        drop(second_inbox);
        assert_eq!(router.account_consoles(7), 1);
        assert_eq!(
            router.newest_account_console(7).map(|c| c.connection),
            Some(1)
        );
        assert_eq!(router.detach_account_console(7, 2), 1);
        assert_eq!(router.detach_account_console(7, 1), 0);
        assert_eq!(router.account_consoles(7), 0);
        assert!(router.newest_account_console(7).is_none());
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
