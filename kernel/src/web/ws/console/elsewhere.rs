//! A console's relays to the other nodes (a node among several): a CSR's
//! console stays on the node it connected to, which keeps their desk
//! (presence, offers); requests about a session another node runs go to
//! that node over one relay per node, opened when first needed, and its
//! replies and the session's events come back into the console's socket.
//! The owner serves the relay as a console of the same sign-in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tether_protocol::ServerMessage;
use tokio::sync::mpsc;

use super::super::relayed::{NotRelayed, RelayOpen, open_relay};
use crate::Kernel;
use crate::cluster::relay::{Credits, RelayEnd, RelayFrame};
use crate::routing::{Outbox, SOURCE_FRAME_QUEUE};

/// One open relay to a node.
struct Link {
    /// Frames to the node, in order; bounded like an agent's queue (what a
    /// console sends on a stream is input and acknowledgements).
    to_node: mpsc::Sender<RelayFrame>,
    /// Set when the node closed the relay or stopped answering.
    closed: Arc<AtomicBool>,
}

impl Link {
    fn is_open(&self) -> bool {
        !self.closed.load(Ordering::Relaxed) && !self.to_node.is_closed()
    }
}

pub(in crate::web::ws) struct Elsewhere {
    /// What the owner checks: the console's origin, sign-in cookie and
    /// address.
    open: RelayOpen,
    links: Mutex<HashMap<String, Link>>,
    /// One relay is opened to a node at a time.
    opening: tokio::sync::Mutex<()>,
}

impl Elsewhere {
    pub fn new(open: RelayOpen) -> Elsewhere {
        Elsewhere {
            open,
            links: Mutex::new(HashMap::new()),
            opening: tokio::sync::Mutex::new(()),
        }
    }

    fn links(&self) -> std::sync::MutexGuard<'_, HashMap<String, Link>> {
        self.links.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn open_link_to(&self, node: &str) -> Option<mpsc::Sender<RelayFrame>> {
        self.links()
            .get(node)
            .filter(|link| link.is_open())
            .map(|link| link.to_node.clone())
    }

    /// Sends a request's text to `node`, opening the relay if there is none
    /// yet; what comes back goes to `outbox`.
    pub async fn send(
        &self,
        kernel: &Kernel,
        node: &str,
        text: &str,
        outbox: &Outbox,
    ) -> Result<(), NotRelayed> {
        let to_node = match self.open_link_to(node) {
            Some(to_node) => to_node,
            None => {
                let _opening = self.opening.lock().await;
                match self.open_link_to(node) {
                    Some(to_node) => to_node,
                    None => {
                        let end = open_relay(kernel, node, &self.open).await?;
                        let link = start(end, outbox.clone());
                        let to_node = link.to_node.clone();
                        self.links().insert(node.to_owned(), link);
                        to_node
                    }
                }
            }
        };
        to_node
            .send(RelayFrame::Text(text.to_owned()))
            .await
            .map_err(|_| NotRelayed::Unreachable)
    }

    /// A stream frame for a stream this node does not run: to the nodes
    /// this console speaks to (one, nearly always), which decide on it as
    /// for any frame. `false` when there is none.
    pub fn relay_frame(&self, frame: &Bytes) -> bool {
        let links = self.links();
        let mut sent = false;
        for link in links.values().filter(|link| link.is_open()) {
            // A full queue loses the frame, as on any socket.
            let _ = link.to_node.try_send(RelayFrame::Binary(frame.clone()));
            sent = true;
        }
        sent
    }

    /// The console closed: every relay is closed, so the owners handle the
    /// CSR's sessions as for a closed console.
    pub async fn close_all(&self) {
        let links: Vec<Link> = self.links().drain().map(|(_, link)| link).collect();
        for link in links {
            let _ = link.to_node.send(RelayFrame::Close).await;
        }
    }
}

/// Starts passing frames both ways over a relay just opened.
fn start(end: RelayEnd, outbox: Outbox) -> Link {
    let RelayEnd {
        sender,
        mut receiver,
    } = end;
    let closed = Arc::new(AtomicBool::new(false));
    let (to_node, mut queued) = mpsc::channel::<RelayFrame>(SOURCE_FRAME_QUEUE);
    let credits = Credits::default();
    let granted = credits.clone();
    tokio::spawn(async move {
        while let Some(frame) = queued.recv().await {
            let closing = frame == RelayFrame::Close;
            // The console's frames go on as the node takes them.
            if !closing && !credits.take().await {
                break;
            }
            let binary = matches!(frame, RelayFrame::Binary(_));
            let sent = sender.send(frame).await;
            if closing || (!sent && !binary) {
                break;
            }
            if !sent {
                // A frame NATS refused is lost; its credit is not.
                credits.grant(1);
            }
        }
    });
    let back_closed = closed.clone();
    tokio::spawn(async move {
        while let Some(frame) = receiver.next().await {
            let delivered = match frame {
                RelayFrame::Credit(taken) => {
                    granted.grant(taken);
                    true
                }
                RelayFrame::Text(text) => outbox.send(ServerMessage::relayed(text)).is_ok(),
                RelayFrame::Binary(bytes) => {
                    outbox.send_frame(bytes) != crate::routing::FrameSent::Gone
                }
                RelayFrame::Close => false,
            };
            if !delivered {
                break;
            }
        }
        back_closed.store(true, Ordering::Relaxed);
        granted.end();
        // The node went silent or closed the relay (it stopped running the
        // CSR's sessions there): requests sent meanwhile have no answer
        // coming. The console connects again and resumes its sessions,
        // wherever they run now.
        outbox.close();
    });
    Link { to_node, closed }
}
