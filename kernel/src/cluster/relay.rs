//! Connections carried between nodes over NATS (DESIGN §11): a console,
//! customer page or agent connected to one node whose session another node
//! owns is relayed to the owner, which serves it as if it were connected
//! there. The session is run by its owner alone; the node the client
//! reached only passes frames both ways.
//!
//! The node the client reached (the *edge*) asks the owner to accept the
//! relay on `tether.node.<owner>.open` (request/reply, so a refusal — a bad
//! token, a foreign origin — is the client's HTTP answer); frames then go
//! on `tether.relay.<id>.up` to the owner and `tether.relay.<id>.down`
//! back, in order (one NATS connection per node publishes them). Each end
//! sends a heartbeat when it has been quiet, and gives the relay up after
//! a lease of silence: a node killed mid-session leaves its relays closed
//! within a lease, so clients reconnect.
//!
//! What the open request says and how a node serves a relayed connection
//! is the web layer's (`web/relayed.rs`); this module only moves bytes.

use std::time::Duration;

use axum::body::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::{Cluster, ClusterError, NodeName};

/// A frame of a relayed connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayFrame {
    Text(String),
    Binary(Bytes),
    /// The other end closed the connection.
    Close,
    /// The owner took this many more of the client's frames: the edge may
    /// send as many more (see [`Credits`]).
    Credit(u32),
}

const TEXT: u8 = b'T';
const BINARY: u8 = b'B';
const CLOSE: u8 = b'C';
const HEARTBEAT: u8 = b'H';
const CREDIT: u8 = b'K';

/// Client frames an edge may send ahead of what the owner has taken. A
/// direct connection holds one message at a time while the kernel works on
/// it, and the client's socket waits; a relayed one holds at most this
/// many, and the edge stops reading the client's socket until the owner
/// takes more — so a client that sends faster than the owner works cannot
/// make it buffer without bound.
pub const WINDOW: u32 = 8;
/// The owner grants more credit each time it took this many frames.
pub const CREDIT_EVERY: u32 = 4;

/// The frames an edge may still send to the owner.
#[derive(Clone)]
pub struct Credits(std::sync::Arc<tokio::sync::Semaphore>);

impl Default for Credits {
    fn default() -> Credits {
        Credits(std::sync::Arc::new(tokio::sync::Semaphore::new(
            WINDOW as usize,
        )))
    }
}

impl Credits {
    /// Waits for room for one frame; `false` once the relay is over.
    pub async fn take(&self) -> bool {
        match self.0.acquire().await {
            Ok(permit) => {
                permit.forget();
                true
            }
            Err(_) => false,
        }
    }

    /// The owner took `frames` more.
    pub fn grant(&self, frames: u32) {
        self.0.add_permits(frames.min(WINDOW) as usize);
    }

    /// The relay is over: whoever waits for room stops waiting.
    pub fn end(&self) {
        self.0.close();
    }
}

/// The owner's side of [`Credits`]: counts the frames it took and grants
/// more every [`CREDIT_EVERY`].
pub struct Granting {
    sender: RelaySender,
    taken: u32,
}

impl Granting {
    pub fn new(sender: RelaySender) -> Granting {
        Granting { sender, taken: 0 }
    }

    /// One more client frame was taken.
    pub async fn took_one(&mut self) {
        self.taken += 1;
        if self.taken >= CREDIT_EVERY {
            self.sender.send(RelayFrame::Credit(self.taken)).await;
            self.taken = 0;
        }
    }
}

impl RelayFrame {
    fn encode(&self) -> Bytes {
        let credit;
        let (kind, body): (u8, &[u8]) = match self {
            RelayFrame::Text(text) => (TEXT, text.as_bytes()),
            RelayFrame::Binary(bytes) => (BINARY, bytes),
            RelayFrame::Close => (CLOSE, &[]),
            RelayFrame::Credit(frames) => {
                credit = frames.to_be_bytes();
                (CREDIT, &credit)
            }
        };
        prefixed(&[kind], body)
    }

    /// `None` for a heartbeat; an unreadable frame closes the relay.
    fn decode(payload: Bytes) -> Option<RelayFrame> {
        match payload.first() {
            Some(&TEXT) => Some(
                String::from_utf8(payload[1..].to_vec())
                    .map(RelayFrame::Text)
                    .unwrap_or(RelayFrame::Close),
            ),
            Some(&BINARY) => Some(RelayFrame::Binary(payload.slice(1..))),
            Some(&HEARTBEAT) => None,
            Some(&CREDIT) => Some(
                <[u8; 4]>::try_from(&payload[1..])
                    .map(|frames| RelayFrame::Credit(u32::from_be_bytes(frames)))
                    .unwrap_or(RelayFrame::Close),
            ),
            _ => Some(RelayFrame::Close),
        }
    }
}

/// How often an end that has sent nothing says it is still there, and how
/// long the other end waits before giving the relay up: both from the
/// lease, so a relay to a dead node closes about when its sessions' leases
/// lapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayTiming {
    pub heartbeat: Duration,
    pub silence: Duration,
}

impl RelayTiming {
    pub fn for_lease(lease: Duration) -> RelayTiming {
        RelayTiming {
            heartbeat: (lease / 4).max(Duration::from_millis(250)),
            silence: lease,
        }
    }
}

/// The sending half of one end of a relay.
#[derive(Clone)]
pub struct RelaySender {
    client: async_nats::Client,
    subject: String,
    /// Tells the heartbeat task that a frame just went.
    sent: mpsc::Sender<()>,
}

impl RelaySender {
    /// Sends `frame`; `false` when NATS refused it (the connection is gone
    /// or the frame is over the server's `max_payload`).
    pub async fn send(&self, frame: RelayFrame) -> bool {
        let _ = self.sent.try_send(());
        match self
            .client
            .publish(self.subject.clone(), frame.encode())
            .await
        {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, subject = %self.subject, "a relayed frame could not be sent");
                false
            }
        }
    }
}

/// The receiving half of one end of a relay.
pub struct RelayReceiver {
    subscriber: async_nats::Subscriber,
    silence: Duration,
}

impl RelayReceiver {
    /// The next frame; `None` once the other end closed, went silent for
    /// longer than the relay allows, or sent something unreadable.
    pub async fn next(&mut self) -> Option<RelayFrame> {
        loop {
            let message = tokio::time::timeout(self.silence, self.subscriber.next())
                .await
                .ok()
                .flatten()?;
            match RelayFrame::decode(message.payload) {
                None => continue,
                Some(RelayFrame::Close) => return None,
                Some(frame) => return Some(frame),
            }
        }
    }
}

/// One end of an open relay.
pub struct RelayEnd {
    pub sender: RelaySender,
    pub receiver: RelayReceiver,
}

/// What the owner answered an open request.
pub enum Opened {
    Accepted(RelayEnd),
    /// The owner's refusal, as it wrote it (the web layer's error body).
    Refused(Bytes),
}

/// A request to accept a relay, as the owner receives it.
pub struct RelayRequest {
    /// What the edge asked for (the web layer reads it).
    pub open: Bytes,
    relay: String,
    reply: Option<async_nats::Subject>,
}

const ACCEPTED: &[u8] = b"accepted";
const REFUSED: u8 = b'R';

/// How long an edge waits for the owner to accept a relay.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

fn up(relay: &str) -> String {
    format!("tether.relay.{relay}.up")
}

fn down(relay: &str) -> String {
    format!("tether.relay.{relay}.down")
}

/// What one node asks another, each kind on its own subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// A client's HTTP request about a session the other node runs
    /// (`web/forwarded.rs`).
    Http,
    /// A call of the kernel's own (`nodes/calls.rs`): a plugin's call about
    /// a session the other node runs, an answer to an offer it made.
    Call,
}

impl Question {
    fn subject(self) -> &'static str {
        match self {
            Question::Http => "http",
            Question::Call => "call",
        }
    }

    /// How long the asker waits: a hand-over writes to the database a few
    /// times, the rest answers at once.
    fn patience(self) -> Duration {
        match self {
            Question::Http => OPEN_TIMEOUT,
            Question::Call => CALL_TIMEOUT,
        }
    }
}

/// How long a node waits for another to answer one of the kernel's calls.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

fn node_subject(node: &str, what: &str) -> String {
    format!("tether.node.{node}.{what}")
}

/// A fresh relay id (also the subjects' token): random, so nobody can
/// guess another connection's subjects from their own.
fn relay_id() -> String {
    crate::token::random_token()
}

impl Cluster {
    /// This node's name.
    pub fn node(&self) -> &NodeName {
        self.owners.node()
    }

    fn relay_timing(&self) -> RelayTiming {
        RelayTiming::for_lease(self.owners.timing().lease())
    }

    /// The end of a relay publishing on `send_to` and reading `subscriber`,
    /// with its heartbeat running until the sender's last copy is gone.
    fn relay_end(&self, send_to: String, subscriber: async_nats::Subscriber) -> RelayEnd {
        let timing = self.relay_timing();
        let (sent, mut quiet) = mpsc::channel(1);
        let sender = RelaySender {
            client: self.client.clone(),
            subject: send_to.clone(),
            sent,
        };
        let client = self.client.clone();
        tokio::spawn(async move {
            loop {
                match tokio::time::timeout(timing.heartbeat, quiet.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => break,
                    Err(_) => {
                        if client
                            .publish(send_to.clone(), Bytes::from_static(&[HEARTBEAT]))
                            .await
                            .is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        RelayEnd {
            sender,
            receiver: RelayReceiver {
                subscriber,
                silence: timing.silence,
            },
        }
    }

    /// Edge: asks `owner` to accept a relay described by `open`.
    pub async fn open_relay(&self, owner: &str, open: Bytes) -> Result<Opened, ClusterError> {
        let relay = relay_id();
        let unavailable = |error: String| ClusterError::Relay {
            node: owner.to_owned(),
            reason: error,
        };
        // Subscribed before asking, so nothing the owner sends first (a
        // welcome) is missed.
        let subscriber = self
            .client
            .subscribe(down(&relay))
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let payload = prefixed(format!("{relay}\n").as_bytes(), &open);
        let answer = self
            .client
            .send_request(
                node_subject(owner, "open"),
                async_nats::Request::new()
                    .payload(payload)
                    .timeout(Some(OPEN_TIMEOUT)),
            )
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if answer.payload.as_ref() == ACCEPTED {
            Ok(Opened::Accepted(self.relay_end(up(&relay), subscriber)))
        } else if answer.payload.first() == Some(&REFUSED) {
            Ok(Opened::Refused(answer.payload.slice(1..)))
        } else {
            Err(unavailable("the owner's answer was unreadable".to_owned()))
        }
    }

    /// Owner: the relays other nodes ask this node to accept.
    pub async fn relay_requests(
        &self,
    ) -> Result<impl futures_util::Stream<Item = RelayRequest> + use<>, ClusterError> {
        let subscriber = self.listen_here("open").await?;
        Ok(subscriber.filter_map(|message| async move {
            let (relay, open) = split_line(&message.payload)?;
            Some(RelayRequest {
                open,
                relay,
                reply: message.reply,
            })
        }))
    }

    /// Owner: accepts `request`; the owner's end of the relay.
    pub async fn accept_relay(&self, request: &RelayRequest) -> Result<RelayEnd, ClusterError> {
        let failed = |error: String| ClusterError::Relay {
            node: self.node().to_string(),
            reason: error,
        };
        let reply = request
            .reply
            .clone()
            .ok_or_else(|| failed("an open request without a reply subject".to_owned()))?;
        let subscriber = self
            .client
            .subscribe(up(&request.relay))
            .await
            .map_err(|e| failed(e.to_string()))?;
        self.client
            .publish(reply, Bytes::from_static(ACCEPTED))
            .await
            .map_err(|e| failed(e.to_string()))?;
        Ok(self.relay_end(down(&request.relay), subscriber))
    }

    /// Owner: refuses `request` with the web layer's error body.
    pub async fn refuse_relay(&self, request: &RelayRequest, body: &[u8]) {
        let Some(reply) = request.reply.clone() else {
            return;
        };
        if let Err(error) = self.client.publish(reply, prefixed(&[REFUSED], body)).await {
            tracing::warn!(%error, "a relay refusal could not be sent");
        }
    }

    /// Asks `node` the `kind` of question `request` (written by the layer
    /// that asks); its answer as that node wrote it.
    pub async fn ask(
        &self,
        node: &str,
        kind: Question,
        request: Bytes,
    ) -> Result<Bytes, ClusterError> {
        self.client
            .send_request(
                node_subject(node, kind.subject()),
                async_nats::Request::new()
                    .payload(request)
                    .timeout(Some(kind.patience())),
            )
            .await
            .map(|answer| answer.payload)
            .map_err(|error| ClusterError::Relay {
                node: node.to_owned(),
                reason: error.to_string(),
            })
    }

    /// The `kind` of questions other nodes ask this one, each with where to
    /// send its answer.
    pub async fn questions(
        &self,
        kind: Question,
    ) -> Result<impl futures_util::Stream<Item = (Bytes, async_nats::Subject)> + use<>, ClusterError>
    {
        let subscriber = self.listen_here(kind.subject()).await?;
        Ok(subscriber.filter_map(|message| async move {
            message.reply.map(|reply| (message.payload, reply))
        }))
    }

    /// Subscribes to this node's subject for `what` other nodes ask of it.
    async fn listen_here(&self, what: &str) -> Result<async_nats::Subscriber, ClusterError> {
        let subject = node_subject(self.node().as_str(), what);
        self.client
            .subscribe(subject.clone())
            .await
            .map_err(|e| ClusterError::Relay {
                node: self.node().to_string(),
                reason: format!("cannot listen on {subject}: {e}"),
            })
    }

    /// Sends the answer to a question.
    pub async fn answer(&self, reply: async_nats::Subject, answer: Bytes) {
        if let Err(error) = self.client.publish(reply, answer).await {
            tracing::warn!(%error, "the answer to another node could not be sent");
        }
    }
}

/// `head` then `body`, in one buffer.
pub(super) fn prefixed(head: &[u8], body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(head.len() + body.len());
    out.extend_from_slice(head);
    out.extend_from_slice(body);
    Bytes::from(out)
}

/// `relay-id\nrest`, the relay id a plain token.
pub(super) fn split_line(payload: &Bytes) -> Option<(String, Bytes)> {
    let at = payload.iter().position(|&b| b == b'\n')?;
    let relay = std::str::from_utf8(&payload[..at]).ok()?;
    let plain = !relay.is_empty()
        && relay
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| (relay.to_owned(), payload.slice(at + 1..)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_read_back_as_written() {
        for frame in [
            RelayFrame::Text("{\"v\":1}".to_owned()),
            RelayFrame::Text(String::new()),
            RelayFrame::Binary(Bytes::from_static(&[0, 1, 2, 255])),
            RelayFrame::Close,
            RelayFrame::Credit(4),
            RelayFrame::Credit(u32::MAX),
        ] {
            assert_eq!(RelayFrame::decode(frame.encode()), Some(frame));
        }
        assert_eq!(RelayFrame::decode(Bytes::from_static(&[HEARTBEAT])), None);
    }

    #[test]
    fn unreadable_frames_close_the_relay() {
        for bad in [
            &b""[..],
            b"X",
            &[TEXT, 0xff, 0xfe],
            &[CREDIT, 1, 2],
            &[CREDIT, 0, 0, 0, 1, 0],
        ] {
            assert_eq!(
                RelayFrame::decode(Bytes::copy_from_slice(bad)),
                Some(RelayFrame::Close)
            );
        }
    }

    #[test]
    fn open_requests_name_a_plain_relay_id() {
        let (relay, open) =
            split_line(&Bytes::from_static(b"abc-123\n{\"socket\":1}\n")).expect("read");
        assert_eq!(relay, "abc-123");
        assert_eq!(open.as_ref(), b"{\"socket\":1}\n");
        for bad in [
            &b"no line"[..],
            b"\nempty id",
            b"a.b\n{}",
            b"a b\n{}",
            b"*\n{}",
        ] {
            assert!(split_line(&Bytes::copy_from_slice(bad)).is_none());
        }
    }

    #[tokio::test]
    async fn an_edge_sends_a_window_ahead_and_waits_for_credit() {
        let credits = Credits::default();
        for _ in 0..WINDOW {
            assert!(credits.take().await);
        }
        let waiting = tokio::spawn({
            let credits = credits.clone();
            async move { credits.take().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "no room beyond the window");
        credits.grant(CREDIT_EVERY);
        assert!(waiting.await.expect("joined"));
        // A relay that ended lets nobody wait for ever.
        let after = tokio::spawn({
            let credits = credits.clone();
            async move {
                for _ in 0..WINDOW {
                    if !credits.take().await {
                        return false;
                    }
                }
                true
            }
        });
        tokio::task::yield_now().await;
        credits.end();
        assert!(!after.await.expect("joined"));
    }

    #[test]
    fn relays_beat_four_times_a_lease_and_give_up_after_one() {
        let timing = RelayTiming::for_lease(Duration::from_secs(10));
        assert_eq!(timing.heartbeat, Duration::from_millis(2500));
        assert_eq!(timing.silence, Duration::from_secs(10));
        let short = RelayTiming::for_lease(Duration::from_millis(800));
        assert_eq!(short.heartbeat, Duration::from_millis(250));
    }
}
