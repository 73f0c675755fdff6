//! Routing: getting a message to a participant's page, console or agent,
//! and to every console a CSR has open (offers, presence, plugins' console
//! messages, a session handed to them).
//!
//! Behind a trait so that a multi-node deployment can route over a message
//! bus; [`InProcessRouter`] serves a single kernel.

mod in_process;

use axum::body::Bytes;
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

/// Stream frames a viewer's connection may have queued (pictures, up to
/// 4 MiB each): a viewer that does not read them fast enough loses
/// pictures (and is dropped to keyframes), the kernel's memory does not
/// grow.
pub const FRAME_QUEUE: usize = 8;

/// Stream frames an agent's connection may have queued: only what viewers
/// send back (input of at most 1 KiB, acknowledgements, keyframe
/// requests), which must not be lost to a burst of typing — a lost key is
/// a wrong command in the customer's application, a lost acknowledgement
/// stalls the picture. Still bounded (at most about 260 KiB).
pub const SOURCE_FRAME_QUEUE: usize = 256;

/// The sending half of one WebSocket connection: control messages, which
/// are never dropped and never wait behind frames, and stream frames, which
/// are bounded.
#[derive(Debug, Clone)]
pub struct Outbox {
    control: mpsc::UnboundedSender<ServerMessage>,
    frames: mpsc::Sender<Bytes>,
    /// Asks the writer to close the connection, saying why.
    close: mpsc::UnboundedSender<Closing>,
}

/// Why the kernel closes a connection, which says what its client does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// The session moved to another node: the client connects again.
    Moved,
    /// The CSR's sign-in ended (their account was disabled, deleted or
    /// its password reset): the console signs in again, not reconnects.
    SignedOut,
}

/// The receiving half, read by the connection's writer.
pub struct Inbox {
    pub control: mpsc::UnboundedReceiver<ServerMessage>,
    pub frames: mpsc::Receiver<Bytes>,
    pub close: mpsc::UnboundedReceiver<Closing>,
}

/// What became of a stream frame sent to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSent {
    Queued,
    /// The connection's frame queue is full; the frame is dropped.
    Full,
    /// Nobody is connected there.
    Gone,
}

impl Outbox {
    /// An outbox holding at most `frame_queue` stream frames.
    pub fn new(frame_queue: usize) -> (Outbox, Inbox) {
        let (control, control_rx) = mpsc::unbounded_channel();
        let (frames, frames_rx) = mpsc::channel(frame_queue);
        let (close, close_rx) = mpsc::unbounded_channel();
        (
            Outbox {
                control,
                frames,
                close,
            },
            Inbox {
                control: control_rx,
                frames: frames_rx,
                close: close_rx,
            },
        )
    }

    /// Queues a control message; fails only when the connection is gone.
    pub fn send(
        &self,
        message: ServerMessage,
    ) -> Result<(), mpsc::error::SendError<ServerMessage>> {
        self.control.send(message)
    }

    /// Queues a stream frame if there is room; never waits.
    pub fn send_frame(&self, frame: Bytes) -> FrameSent {
        match self.frames.try_send(frame) {
            Ok(()) => FrameSent::Queued,
            Err(mpsc::error::TrySendError::Full(_)) => FrameSent::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => FrameSent::Gone,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.control.is_closed()
    }

    /// Closes the connection, after what is queued before it, so that the
    /// client connects again (the session moved to another node).
    pub fn close(&self) {
        let _ = self.close.send(Closing::Moved);
    }

    /// Closes a console whose sign-in ended, after what is queued before.
    pub fn sign_out(&self) {
        let _ = self.close.send(Closing::SignedOut);
    }
}

/// Identifies one connection, so a stale connection's detach does not
/// remove a newer one.
pub type ConnectionId = u64;

/// A console that can be made to carry a CSR's participant in a session
/// the kernel gave them (a hand-over), as if the console had resumed it.
pub trait TakesPart: Send + Sync + 'static {
    fn take_part(&self, session: &str, participant: &str);
}

/// One open console of a CSR account.
#[derive(Clone)]
pub struct AccountConsole {
    pub connection: ConnectionId,
    /// The hash of the sign-in's token the console opened with.
    pub sign_in: String,
    pub outbox: Outbox,
    /// The console itself, held weakly: the routing table must not keep a
    /// closed console (and the kernel it holds) alive.
    pub console: std::sync::Weak<dyn TakesPart>,
}

pub trait MessageRouter: Send + Sync + 'static {
    /// Routes `endpoint` to this connection, replacing an older one.
    fn attach(&self, endpoint: Endpoint, connection: ConnectionId, outbox: Outbox);
    /// Removes the route if it still belongs to `connection`.
    fn detach(&self, endpoint: &Endpoint, connection: ConnectionId);
    /// `false` when nobody is connected there.
    fn send(&self, endpoint: &Endpoint, message: ServerMessage) -> bool;
    /// A stream frame, if the connection there has room for it.
    fn send_frame(&self, endpoint: &Endpoint, frame: Bytes) -> FrameSent;
    fn is_connected(&self, endpoint: &Endpoint) -> bool;
    /// Closes the connection routed to `endpoint`, if any, so its client
    /// connects again.
    fn close(&self, endpoint: &Endpoint);

    /// Adds a console of CSR `account` (a CSR may have several open).
    fn attach_account_console(&self, account: i64, console: AccountConsole);
    /// Removes the console; the number of the account's consoles still open.
    fn detach_account_console(&self, account: i64, connection: ConnectionId) -> usize;
    /// Sends to every open console of the account; how many it reached.
    fn send_to_account(&self, account: i64, message: ServerMessage) -> usize;
    /// How many consoles the account has open.
    fn account_consoles(&self, account: i64) -> usize;
    /// The console the account opened last, if one is open.
    fn newest_account_console(&self, account: i64) -> Option<AccountConsole>;
    /// Closes every console of the account as signed out, but those of
    /// the sign-in `except` (a token hash); how many.
    fn sign_out_account(&self, account: i64, except: Option<&str>) -> usize;
}
