//! The three WebSocket endpoints: `/ws/console` (CSR, by sign-in cookie),
//! `/ws/customer` and `/ws/agent` (by the customer's join token).
//!
//! Every upgrade checks the `Origin`; every frame is decoded and validated
//! by `tether-protocol` before any kernel logic sees it, and anything
//! refused gets an error reply and changes nothing.

mod agent;
mod budget;
mod console;
mod customer;
mod customer_link;
mod relayed;
mod reply;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::HeaderMap;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tether_protocol::{
    Detail, ErrorCode, MAX_CONTROL_MESSAGE_BYTES, RequestSet, ServerMessage, decode,
};
use tokio::sync::mpsc;

pub use agent::upgrade as agent;
pub use console::upgrade as console;
pub use customer::upgrade as customer;
pub use relayed::serve_relays;

use crate::Kernel;
use crate::routing::{Closing, ConnectionId, Outbox};
use crate::web::error::ApiError;
use budget::{MessageBudget, Rate};
pub(crate) use reply::ReplyBody;

/// Frames up to this size are read and answered with a "too large" error;
/// bigger ones close the connection (1009).
fn max_frame_bytes<R: RequestSet>() -> usize {
    (16 * MAX_CONTROL_MESSAGE_BYTES).max(R::MAX_BYTES + MAX_CONTROL_MESSAGE_BYTES)
}

fn next_connection_id() -> ConnectionId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// How a customer page or agent connection authenticates: the join token,
/// or for agents the page's one-time code (with the session number) or
/// the resume token of their last connection.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    resume: Option<String>,
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

impl TokenQuery {
    fn credential(
        &self,
        resume_allowed: bool,
    ) -> Result<crate::session::CustomerCredential<'_>, ApiError> {
        use crate::session::CustomerCredential;
        match (&self.token, &self.resume, &self.session, &self.code) {
            (Some(token), None, None, None) => Ok(CustomerCredential::JoinToken(token)),
            (None, Some(resume), None, None) if resume_allowed => {
                Ok(CustomerCredential::ResumeToken(resume))
            }
            (None, None, Some(session), Some(code)) if resume_allowed => {
                Ok(CustomerCredential::AgentCode { session, code })
            }
            _ if resume_allowed => Err(ApiError::malformed(
                "give one of `token`, `resume`, or `session` with `code`",
            )),
            _ => Err(ApiError::malformed("the join token (`token`) is required")),
        }
    }
}

/// Browsers always send `Origin` on a WebSocket upgrade; it must be this
/// server's public address or an origin the operator allowed. Native clients (the host agent) send none, and only
/// the agent endpoint accepts that.
fn check_origin(
    kernel: &Kernel,
    headers: &HeaderMap,
    browser_endpoint: bool,
) -> Result<(), ApiError> {
    let Some(origin) = headers.get("origin") else {
        return if browser_endpoint {
            Err(ApiError::forbidden(
                "this endpoint is for browsers, which send an Origin header",
            ))
        } else {
            Ok(())
        };
    };
    let origin = origin.to_str().unwrap_or_default();
    if origin_allowed(kernel, origin) {
        Ok(())
    } else {
        tracing::warn!(origin, "WebSocket upgrade from a foreign origin refused");
        let origin = origin.trim_end_matches('/');
        Err(ApiError::forbidden(format!(
            "origin `{origin}` may not open a WebSocket here"
        )))
    }
}

/// Whether a browser's `Origin` is this server's public address or one the
/// operator allowed. Only addresses the operator configured: the Host
/// header is the attacker's to choose (a DNS-rebinding page sends its own
/// name as both Host and Origin).
pub(crate) fn origin_allowed(kernel: &Kernel, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    origin == kernel.public_url.trim_end_matches('/')
        || kernel
            .config
            .server
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/') == origin)
}

/// One side of a WebSocket: what it does with requests of its role.
pub(crate) trait Connection: Send + Sync + 'static {
    type Request: RequestSet + Send + 'static;

    /// Called once the writer runs, with the connection's outbox.
    fn opened(self: &Arc<Self>, outbox: Outbox) -> impl Future<Output = ()> + Send;

    /// Handles one request; the body of its `ok` reply.
    fn handle(
        self: &Arc<Self>,
        request: Self::Request,
    ) -> impl Future<Output = Result<ReplyBody, ApiError>> + Send;

    /// How many messages the connection may send (see `budget.rs`);
    /// `None` for signed-in CSRs, whose sign-in is the limit.
    const RATE: Option<Rate> = None;

    /// How many stream frames may wait to be written to this socket.
    const FRAME_QUEUE: usize = crate::routing::FRAME_QUEUE;

    /// Bytes read from the socket at a time, held for the connection's
    /// whole life. The WebSocket library's default (128 KiB) made an idle
    /// agent cost ~137 KB of kernel memory; what a role sends is small
    /// control messages (and, from agents and consoles, pictures that are
    /// read in several chunks), so a few KiB is enough. A message larger
    /// than this still arrives whole, up to the role's message limit.
    const READ_BUFFER_BYTES: usize = 4 * 1024;

    /// A message the kernel is waiting for (an agent's answer to a call it
    /// sent) costs nothing from the budget: how many can come is bounded by
    /// what the kernel asked, and refusing one would leave the call hanging.
    fn awaited(self: &Arc<Self>, _request: &Self::Request) -> bool {
        false
    }

    /// A binary frame: a stream frame, relayed by the kernel if this socket
    /// may send it on that stream (see `streams/`), else dropped and counted.
    fn stream_frame(self: &Arc<Self>, frame: Bytes);

    /// Whether `request` (read from `text`) was sent on to the node that
    /// runs its session (a node among several); its reply comes from
    /// there. Only consoles, which speak for sessions on any node, relay
    /// single requests; pages and agents are relayed whole.
    fn relayed(
        self: &Arc<Self>,
        _id: Option<u64>,
        _request: &Self::Request,
        _text: &str,
    ) -> impl Future<Output = bool> + Send {
        std::future::ready(false)
    }

    /// Requests that may wait long (a plugin asking for consent) run on
    /// their own so the connection keeps serving.
    fn runs_long(_request: &Self::Request) -> bool {
        false
    }

    fn closed(self: &Arc<Self>) -> impl Future<Output = ()> + Send;
}

/// A connection whose client passed the checks, ready to be served on a
/// WebSocket of its own or relayed from another node.
pub(crate) struct Accepted<C> {
    pub connection: Arc<C>,
    pub span: tracing::Span,
}

impl<C: Connection> Accepted<C> {
    /// Serves the connection on the client's socket once upgraded.
    fn upgrade(self, upgrade: axum::extract::ws::WebSocketUpgrade) -> axum::response::Response {
        use tracing::Instrument;
        let Accepted { connection, span } = self;
        configured::<C>(upgrade)
            .on_upgrade(move |socket| serve(socket, connection).instrument(span))
    }
}

/// Runs one connection until either side closes it.
pub(crate) async fn serve<C: Connection>(socket: WebSocket, connection: Arc<C>) {
    let (sink, stream) = socket.split();
    serve_split(sink, stream, connection).await;
}

/// Runs one connection over its two halves: a client's WebSocket, or a
/// connection another node relays here (`relayed.rs`).
pub(crate) async fn serve_split<C, Si, St, E>(mut sink: Si, mut stream: St, connection: Arc<C>)
where
    C: Connection,
    Si: futures_util::Sink<Message> + Unpin + Send + 'static,
    St: futures_util::Stream<Item = Result<Message, E>> + Unpin,
    E: std::fmt::Display,
{
    let (outbox, mut inbox) = Outbox::new(C::FRAME_QUEUE);
    let (close_tx, mut close_rx) = mpsc::unbounded_channel::<CloseFrame>();
    let writer = tokio::spawn(async move {
        loop {
            // In this order: a close, then control messages, then stream
            // frames — control never waits behind queued pictures.
            tokio::select! {
                biased;
                Some(frame) = close_rx.recv() => {
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                message = inbox.control.recv() => match message {
                    Some(message) => {
                        // The message's text was written once when it was
                        // built; each socket sends a copy of the bytes.
                        if sink.send(Message::Text(message.text().into())).await.is_err() {
                            break;
                        }
                    }
                    None => break,
                },
                Some(frame) = inbox.frames.recv() => {
                    if sink.send(Message::Binary(frame)).await.is_err() {
                        break;
                    }
                }
                // Last: what was queued before goes first.
                Some(closing) = inbox.close.recv() => {
                    let _ = sink.send(Message::Close(Some(close_frame_of(closing)))).await;
                    break;
                }
            }
        }
        let _ = sink.close().await;
    });

    connection.opened(outbox.clone()).await;
    let mut budget = C::RATE.map(|rate| MessageBudget::new(rate, Instant::now()));
    while let Some(frame) = stream.next().await {
        let text = match frame {
            Ok(Message::Text(text)) => text,
            // Stream frames are paced by acknowledgements and bounded per
            // connection, not by the message budget; a frame for a stream
            // the socket does not own costs a header check.
            Ok(Message::Binary(frame)) => {
                connection.stream_frame(frame);
                continue;
            }
            Ok(Message::Close(_)) => break,
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Err(error) => {
                tracing::debug!(%error, "WebSocket read failed");
                let _ = close_tx.send(close_frame_for(&error.to_string()));
                break;
            }
        };
        let inbound = decode::<C::Request>(text.as_str());
        // Every message spends from the budget, even one that is refused
        // as malformed: each costs the kernel work and a reply.
        let awaited = matches!(&inbound, Ok(request) if connection.awaited(&request.message));
        if !awaited
            && let Some(budget) = budget.as_mut()
            && let Err(wait) = budget.spend(Instant::now())
        {
            let id = match &inbound {
                Ok(request) => request.id,
                Err((id, _)) => *id,
            };
            let millis = wait.as_millis().max(1) as u64;
            let _ = outbox.send(ServerMessage::refusal(
                id,
                ErrorCode::RateLimited,
                format!("too many messages; this one was not handled (try again in {millis} ms)"),
                Some(&Detail::TooManyMessages { millis }),
            ));
            continue;
        }
        match inbound {
            Err((id, error)) => {
                let detail = error.detail();
                let _ = outbox.send(ServerMessage::refusal(
                    id,
                    error.code(),
                    error.to_string(),
                    detail.as_ref(),
                ));
            }
            Ok(request) => {
                if connection
                    .relayed(request.id, &request.message, text.as_str())
                    .await
                {
                    continue;
                }
                let long = C::runs_long(&request.message);
                let work = answer(
                    Arc::clone(&connection),
                    outbox.clone(),
                    request.id,
                    request.message,
                );
                if long {
                    tokio::spawn(work);
                } else {
                    work.await;
                }
            }
        }
    }
    connection.closed().await;
    drop(outbox);
    drop(close_tx);
    // Replies still queued are flushed unless the peer is gone.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
}

/// 1009 for a frame over the size limit, 1002 for anything else broken.
/// What the client is told when the kernel closes its connection.
fn close_frame_of(closing: Closing) -> CloseFrame {
    match closing {
        // 1012: the service restarts — the client connects again and
        // reaches the node that runs its session.
        Closing::Moved => CloseFrame {
            code: 1012,
            reason: "the session moved to another server; connect again".into(),
        },
        Closing::SignedOut => CloseFrame {
            code: tether_protocol::SIGNED_OUT_CLOSE_CODE,
            reason: "signed out: sign in again".into(),
        },
    }
}

fn close_frame_for(reason: &str) -> CloseFrame {
    let code = if reason.contains("too long") || reason.contains("limit") {
        1009
    } else {
        1002
    };
    CloseFrame {
        code,
        reason: format!("closed: {reason}")
            .chars()
            .take(100)
            .collect::<String>()
            .into(),
    }
}

async fn answer<C: Connection>(
    connection: Arc<C>,
    outbox: Outbox,
    id: Option<u64>,
    request: C::Request,
) {
    let reply = match connection.handle(request).await {
        Ok(body) => body.into_message(id),
        Err(error) => ServerMessage::refusal(id, error.code, error.message, error.detail.as_ref()),
    };
    let _ = outbox.send(reply);
}

/// Upgrade settings shared by the endpoints, for connections of type `C`:
/// message limits from what its clients may send, buffers from how much
/// they send.
fn configured<C: Connection>(
    upgrade: axum::extract::ws::WebSocketUpgrade,
) -> axum::extract::ws::WebSocketUpgrade {
    let max = max_frame_bytes::<C::Request>();
    upgrade
        .max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(C::READ_BUFFER_BYTES)
        // Each message is written when sent (the writer flushes every
        // one), so no write buffer is kept waiting to fill.
        .write_buffer_size(0)
}
