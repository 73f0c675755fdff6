//! WebSockets relayed between nodes (a node among several; the bytes move
//! over NATS in `cluster/relay.rs`). A customer page or agent that reaches
//! a node not running its session is relayed whole to the node that does;
//! a console stays where it connected and relays each request about a
//! session run elsewhere over one relay per node (`console.rs`).
//!
//! The node the client reached (the edge) asks the owner to accept the
//! relay with what the client presented (its token, origin, sign-in
//! cookie and address); the owner checks it exactly as if the client had
//! connected there, so a refusal is the same answer, and serves the
//! connection as its own. The edge only passes frames: control messages
//! all, stream frames as the client reads them (dropped when its queue is
//! full, as the owner's own queue would).

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tether_protocol::{Detail, ErrorCode};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::agent::{self, AgentConnection};
use super::console::{self, Console};
use super::customer::{self, CustomerPage};
use super::{Accepted, Connection, TokenQuery, configured, serve_split};
use crate::cluster::relay::{Credits, Granting, Opened, RelayEnd, RelayFrame, RelayRequest};
use crate::session::CustomerCredential;
use crate::web::error::ApiError;
use crate::{AtOwner, Kernel};

/// What the edge asks the owner to serve, with what the client presented.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RelayOpen {
    pub socket: RelayedSocket,
    pub origin: Option<String>,
    pub cookie: Option<String>,
    /// The client's address as the edge determined it (behind the load
    /// balancer's `X-Forwarded-For` where configured): attempts are
    /// counted for it on the owner.
    pub client: IpAddr,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum RelayedSocket {
    CustomerPage {
        query: TokenQuery,
    },
    Agent {
        query: TokenQuery,
    },
    /// A console's requests about the sessions the owner runs.
    ConsoleSessions,
}

impl RelayOpen {
    pub fn new(socket: RelayedSocket, headers: &HeaderMap, client: IpAddr) -> RelayOpen {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        RelayOpen {
            socket,
            origin: text(header::ORIGIN),
            cookie: text(header::COOKIE),
            client,
        }
    }

    /// The headers the owner checks, as the client sent them.
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (header::ORIGIN, &self.origin),
            (header::COOKIE, &self.cookie),
        ] {
            if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                headers.insert(name, value);
            }
        }
        headers
    }
}

/// A refusal as it travels back to the edge.
#[derive(Serialize, Deserialize)]
struct Refusal {
    code: ErrorCode,
    message: String,
    detail: Option<Detail>,
}

/// The session a customer's credential names, as stored (every node reads
/// the same database); agent codes name theirs.
async fn session_of(kernel: &Kernel, query: &TokenQuery) -> Option<String> {
    let credential = query.credential(true).ok()?;
    if let CustomerCredential::AgentCode { session, .. } = credential {
        return Some(session.to_owned());
    }
    let record = kernel.sessions.stored_participant(credential).await;
    record.ok().flatten().map(|record| record.session)
}

/// What became of a customer's connection this node refused as unknown.
pub(super) enum Placed {
    /// Another node runs its session: relayed there (or that node's
    /// refusal).
    Relayed(Result<Response, ApiError>),
    /// Its session's node stopped answering and this node took the session
    /// over: to be checked again here.
    TakenOver(WebSocketUpgrade),
}

/// Edge: relays a customer's page or agent to the node running its
/// session, or takes the session over; `None` when no node runs it (the
/// local refusal stands).
pub(super) async fn customer_elsewhere<C: Connection>(
    kernel: &Arc<Kernel>,
    open: RelayOpen,
    upgrade: WebSocketUpgrade,
) -> Option<Placed> {
    kernel.cluster.as_ref()?;
    let query = match &open.socket {
        RelayedSocket::CustomerPage { query } | RelayedSocket::Agent { query } => query,
        RelayedSocket::ConsoleSessions => return None,
    };
    let session = session_of(kernel, query).await?;
    let relay = &open;
    let opened = kernel
        .at_owner(&session, |owner| async move {
            match open_relay(kernel, &owner, relay).await {
                Ok(end) => Some(Ok((owner, end))),
                Err(NotRelayed::Unreachable) => None,
                Err(refused) => Some(Err(refused.into_error())),
            }
        })
        .await;
    match opened {
        // Refused here although it runs here: taken over just now (or
        // refused for its own reasons, which a second look repeats).
        AtOwner::Here => Some(Placed::TakenOver(upgrade)),
        AtOwner::Nowhere => None,
        AtOwner::Unreachable => Some(Placed::Relayed(Err(NotRelayed::Unreachable.into_error()))),
        AtOwner::Done(Err(refused)) => Some(Placed::Relayed(Err(refused))),
        AtOwner::Done(Ok((owner, end))) => {
            let span =
                tracing::info_span!("relayed_connection", %session, %owner, kind = ?open.socket);
            Some(Placed::Relayed(Ok(configured::<C>(upgrade).on_upgrade(
                move |socket| pipe(socket, end, C::FRAME_QUEUE).instrument(span),
            ))))
        }
    }
}

/// Why a relay was not opened.
pub(super) enum NotRelayed {
    /// The owner refused the client, as it would have here.
    Refused(ApiError),
    /// The owner did not answer (it has most likely stopped).
    Unreachable,
}

impl NotRelayed {
    /// What the client hears.
    pub fn into_error(self) -> ApiError {
        match self {
            NotRelayed::Refused(error) => error,
            NotRelayed::Unreachable => ApiError::new(
                ErrorCode::Unavailable,
                "the server running this session cannot be reached; try again in a moment",
            ),
        }
    }
}

/// Edge: asks `owner` to accept a relay.
pub(super) async fn open_relay(
    kernel: &Kernel,
    owner: &str,
    open: &RelayOpen,
) -> Result<RelayEnd, NotRelayed> {
    let cluster = kernel.cluster.as_ref().ok_or(NotRelayed::Unreachable)?;
    let payload = serde_json::to_vec(open).map_err(|_| NotRelayed::Unreachable)?;
    match cluster.open_relay(owner, payload.into()).await {
        Ok(Opened::Accepted(end)) => Ok(end),
        Ok(Opened::Refused(body)) => match serde_json::from_slice::<Refusal>(&body) {
            Ok(r) => Err(NotRelayed::Refused(
                ApiError::new(r.code, r.message).with_detail(r.detail),
            )),
            Err(_) => Err(NotRelayed::Unreachable),
        },
        Err(error) => {
            tracing::warn!(%error, "a connection could not be relayed");
            Err(NotRelayed::Unreachable)
        }
    }
}

/// Edge: passes frames between the client's socket and the relay until
/// either side closes.
async fn pipe(socket: WebSocket, end: RelayEnd, frame_queue: usize) {
    let (mut sink, mut stream) = socket.split();
    let RelayEnd {
        sender,
        mut receiver,
    } = end;
    let (texts, mut texts_out) = mpsc::unbounded_channel::<String>();
    let (frames, mut frames_out) = mpsc::channel::<Bytes>(frame_queue);
    let credits = Credits::default();
    let granted = credits.clone();
    let reading = tokio::spawn(async move {
        while let Some(frame) = receiver.next().await {
            match frame {
                RelayFrame::Credit(taken) => granted.grant(taken),
                RelayFrame::Text(text) => {
                    if texts.send(text).is_err() {
                        break;
                    }
                }
                // A client that does not read pictures fast enough loses
                // some, as it would on the owner.
                RelayFrame::Binary(bytes) => {
                    if let Err(mpsc::error::TrySendError::Closed(_)) = frames.try_send(bytes) {
                        break;
                    }
                }
                RelayFrame::Close => break,
            }
        }
        granted.end();
    });
    let mut writing = tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                text = texts_out.recv() => match text {
                    Some(text) => {
                        if sink.send(Message::Text(text.into())).await.is_err() {
                            break;
                        }
                    }
                    None => break,
                },
                Some(bytes) = frames_out.recv() => {
                    if sink.send(Message::Binary(bytes)).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = sink.close().await;
    });
    // The client's frames go on as the owner takes them: while it has
    // not, this stops reading the client's socket, as a direct connection
    // would.
    loop {
        let frame = tokio::select! {
            _ = &mut writing => break,
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => RelayFrame::Text(text.to_string()),
                Some(Ok(Message::Binary(bytes))) => RelayFrame::Binary(bytes),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => break,
            },
        };
        let text = matches!(frame, RelayFrame::Text(_));
        if !credits.take().await {
            break;
        }
        if !sender.send(frame).await {
            // A picture NATS refused (over its `max_payload`) is lost, as
            // one a slow viewer misses; its credit is not.
            if text {
                break;
            }
            credits.grant(1);
        }
    }
    sender.send(RelayFrame::Close).await;
    reading.abort();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writing).await;
}

/// Owner: serves the connections other nodes relay here, for as long as
/// the kernel runs.
pub async fn serve_relays(kernel: Arc<Kernel>) {
    let Some(cluster) = kernel.cluster.clone() else {
        return;
    };
    let requests = match cluster.relay_requests().await {
        Ok(requests) => requests,
        Err(error) => {
            tracing::error!(%error, "connections from other nodes cannot be served");
            return;
        }
    };
    let mut requests = std::pin::pin!(requests);
    while let Some(request) = requests.next().await {
        tokio::spawn(accept(kernel.clone(), request));
    }
}

/// A relayed connection, accepted as one of the three kinds.
enum AcceptedSocket {
    Page(Accepted<CustomerPage>),
    Agent(Accepted<AgentConnection>),
    Console(Accepted<Console>),
}

async fn accept(kernel: Arc<Kernel>, request: RelayRequest) {
    let Some(cluster) = kernel.cluster.clone() else {
        return;
    };
    let accepted = match serde_json::from_slice::<RelayOpen>(&request.open) {
        Ok(open) => check(&kernel, open).await,
        Err(error) => Err(ApiError::malformed(format!(
            "an unreadable relayed connection: {error}"
        ))),
    };
    let accepted = match accepted {
        Ok(accepted) => accepted,
        Err(refused) => {
            let body = serde_json::to_vec(&Refusal {
                code: refused.code,
                message: refused.message,
                detail: refused.detail,
            })
            .unwrap_or_default();
            cluster.refuse_relay(&request, &body).await;
            return;
        }
    };
    let end = match cluster.accept_relay(&request).await {
        Ok(end) => end,
        Err(error) => {
            tracing::warn!(%error, "a relayed connection could not be accepted");
            return;
        }
    };
    match accepted {
        AcceptedSocket::Page(accepted) => serve_relayed(end, accepted).await,
        AcceptedSocket::Agent(accepted) => serve_relayed(end, accepted).await,
        AcceptedSocket::Console(accepted) => serve_relayed(end, accepted).await,
    }
}

/// Owner: the same checks as a connection made here.
async fn check(kernel: &Arc<Kernel>, open: RelayOpen) -> Result<AcceptedSocket, ApiError> {
    let headers = open.headers();
    match open.socket {
        RelayedSocket::CustomerPage { query } => customer::accept(kernel.clone(), &headers, &query)
            .await
            .map(AcceptedSocket::Page),
        RelayedSocket::Agent { query } => {
            let accepted = agent::accept(kernel.clone(), open.client, &headers, &query).await;
            if accepted
                .as_ref()
                .is_err_and(|e| e.code == ErrorCode::Unauthenticated)
            {
                kernel.sessions.count_failed_join(open.client).await;
            }
            accepted.map(AcceptedSocket::Agent)
        }
        RelayedSocket::ConsoleSessions => {
            console::accept_relayed(kernel.clone(), open.client, &headers)
                .await
                .map(AcceptedSocket::Console)
        }
    }
}

/// Owner: serves a connection whose frames come and go over the relay.
async fn serve_relayed<C: Connection>(end: RelayEnd, accepted: Accepted<C>) {
    let RelayEnd { sender, receiver } = end;
    let closing = sender.clone();
    // Each frame taken is credit for the edge to send another.
    let granting = Granting::new(sender.clone());
    let incoming = futures_util::stream::unfold(
        (receiver, granting),
        |(mut receiver, mut granting)| async move {
            let message = loop {
                match receiver.next().await? {
                    RelayFrame::Text(text) => break Message::Text(text.into()),
                    RelayFrame::Binary(bytes) => break Message::Binary(bytes),
                    RelayFrame::Close => break Message::Close(None),
                    // Only the owner grants credit.
                    RelayFrame::Credit(_) => continue,
                }
            };
            granting.took_one().await;
            Some((
                Ok::<_, std::convert::Infallible>(message),
                (receiver, granting),
            ))
        },
    );
    let outgoing = futures_util::sink::unfold(sender, |sender, message: Message| async move {
        let frame = match message {
            Message::Text(text) => RelayFrame::Text(text.to_string()),
            // A picture NATS refuses (over its `max_payload`) is lost like
            // one a slow viewer misses; the connection goes on.
            Message::Binary(bytes) => {
                sender.send(RelayFrame::Binary(bytes)).await;
                return Ok(sender);
            }
            Message::Close(_) => RelayFrame::Close,
            Message::Ping(_) | Message::Pong(_) => return Ok(sender),
        };
        if sender.send(frame).await {
            Ok(sender)
        } else {
            Err(RelayGone)
        }
    });
    let Accepted { connection, span } = accepted;
    serve_split(Box::pin(outgoing), Box::pin(incoming), connection)
        .instrument(span)
        .await;
    closing.send(RelayFrame::Close).await;
}

/// The relay to the edge could not carry a message.
#[derive(Debug)]
struct RelayGone;
