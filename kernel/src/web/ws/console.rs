//! The CSR console's socket: authenticated by the sign-in cookie; carries
//! the CSR's commands for every session they are in, and — registered for
//! the CSR's account — their presence, the offers made to them, plugins'
//! messages to their console panels and the sessions handed to them.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use tether_protocol::ConsoleRequest;

use super::relayed::{NotRelayed, RelayOpen, RelayedSocket};
use super::{Accepted, Connection, ReplyBody, check_origin, next_connection_id};
use crate::Kernel;
use crate::routing::{AccountConsole, ConnectionId, Endpoint, Outbox, TakesPart};
use crate::session::ParticipantId;
use crate::session::policy::Action;
use crate::storage::Account;
use crate::web::auth::SignedIn;
use crate::web::client_address::ClientAddress;
use crate::web::error::ApiError;
use crate::web::plugin_commands;
use elsewhere::Elsewhere;

mod elsewhere;

pub async fn upgrade(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    signed_in: Result<SignedIn, ApiError>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    check_origin(&kernel, &headers, true)?;
    let SignedIn { account, web } = signed_in?;
    let reach = match kernel.cluster {
        Some(_) => Reach::Cluster(Box::new(Elsewhere::new(RelayOpen::new(
            RelayedSocket::ConsoleSessions,
            &headers,
            client,
        )))),
        None => Reach::Alone,
    };
    Ok(Console::new(kernel, account, client, web.token_hash, reach).upgrade(upgrade))
}

/// Owner: the console of a CSR connected to another node, for the
/// sessions this node runs, checked as if it had connected here.
pub(super) async fn accept_relayed(
    kernel: Arc<Kernel>,
    client: IpAddr,
    headers: &HeaderMap,
) -> Result<Accepted<Console>, ApiError> {
    check_origin(&kernel, headers, true)?;
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers.clone();
    let SignedIn { account, web } = SignedIn::from_request_parts(&mut parts, &kernel).await?;
    Ok(Console::new(
        kernel,
        account,
        client,
        web.token_hash,
        Reach::RelayedHere,
    ))
}

pub(crate) struct Console {
    kernel: Arc<Kernel>,
    account: Account,
    /// Where the console connected from, for the audit log.
    client: IpAddr,
    /// The hash of the sign-in's token it opened with: when that sign-in
    /// ends (a password change elsewhere), so does this console.
    sign_in: String,
    id: ConnectionId,
    outbox: Mutex<Option<Outbox>>,
    /// Sessions this console is attached to: number → participant id.
    sessions: Mutex<BTreeMap<String, String>>,
    reach: Reach,
}

/// Where a console's sessions run, and where its desk is.
enum Reach {
    /// A kernel on its own: everything is here.
    Alone,
    /// A node among several, where the CSR connected: their desk
    /// (presence, offers) is here; requests about sessions other nodes
    /// run go there over relays.
    Cluster(Box<Elsewhere>),
    /// Connected to another node, which relays here the requests about
    /// sessions this node runs: the desk is that node's.
    RelayedHere,
}

impl Reach {
    fn elsewhere(&self) -> Option<&Elsewhere> {
        match self {
            Reach::Cluster(elsewhere) => Some(elsewhere),
            Reach::Alone | Reach::RelayedHere => None,
        }
    }
}

impl Console {
    fn new(
        kernel: Arc<Kernel>,
        account: Account,
        client: IpAddr,
        sign_in: String,
        reach: Reach,
    ) -> Accepted<Console> {
        let console = Arc::new(Console {
            kernel,
            account,
            client,
            sign_in,
            id: next_connection_id(),
            outbox: Mutex::new(None),
            sessions: Mutex::new(BTreeMap::new()),
            reach,
        });
        let span = tracing::info_span!("console", csr = %console.account.username, connection = console.id);
        Accepted {
            connection: console,
            span,
        }
    }

    /// Routes the CSR's participant in `number` to this connection.
    fn attach(&self, number: &str, participant: &str) {
        let outbox = self
            .outbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(outbox) = outbox {
            self.kernel
                .sessions
                .attach_console(participant, self.id, outbox);
        }
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(number.to_owned(), participant.to_owned());
    }

    fn authorize(&self, number: &str, action: Action) -> Result<ParticipantId, ApiError> {
        Ok(self
            .kernel
            .sessions
            .authorize(&self.account, number, action)?)
    }
}

/// A session handed to the CSR (they accepted a waiting customer or a
/// transfer): this console carries their participant there, as after
/// `session.resume`.
impl TakesPart for Console {
    fn take_part(&self, session: &str, participant: &str) {
        self.attach(session, participant);
    }
}

/// Session info plus `participant`: the console's own participant id
/// (assistants and returning hosts learn it this way).
fn with_you(info: Result<Value, ApiError>, participant: &str) -> Result<Value, ApiError> {
    let mut info = info?;
    if let Some(object) = info.as_object_mut() {
        object.insert("participant".into(), json!(participant));
    }
    Ok(info)
}

impl Connection for Console {
    type Request = ConsoleRequest;

    async fn opened(self: &Arc<Self>, outbox: Outbox) {
        *self.outbox.lock().unwrap_or_else(|p| p.into_inner()) = Some(outbox.clone());
        if matches!(self.reach, Reach::RelayedHere) {
            return;
        }
        let me: Arc<dyn TakesPart> = self.clone();
        let console = AccountConsole {
            connection: self.id,
            sign_in: self.sign_in.clone(),
            outbox,
            console: Arc::downgrade(&me),
        };
        self.kernel
            .desk
            .console_opened(&self.account, console)
            .await;
    }

    /// A console speaks, in each session it is attached to, for the CSR's
    /// participant there.
    fn stream_frame(self: &Arc<Self>, frame: axum::body::Bytes) {
        if let Some(elsewhere) = self.reach.elsewhere()
            && !self.kernel.sessions.stream_is_here(&frame)
            && elsewhere.relay_frame(&frame)
        {
            return;
        }
        // Asked once per frame, for the stream's session only (no copy of
        // the map on this path: pictures and acks pass here many times a
        // second).
        self.kernel.sessions.relay_frame(frame, |session| {
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(session)
                .map(|participant| Endpoint::ui(participant))
        });
    }

    /// A request about a session another node runs goes there; its reply
    /// and the session's events come back over the same relay.
    async fn relayed(
        self: &Arc<Self>,
        id: Option<u64>,
        request: &ConsoleRequest,
        text: &str,
    ) -> bool {
        let (Some(elsewhere), Some(session)) = (self.reach.elsewhere(), request.session()) else {
            return false;
        };
        let outbox = self
            .outbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(outbox) = outbox else {
            return false;
        };
        let (kernel, outbox) = (&self.kernel, &outbox);
        let sent = self
            .kernel
            .at_owner(session, |node| async move {
                match elsewhere.send(kernel, &node, text, outbox).await {
                    Ok(()) => Some(None),
                    Err(NotRelayed::Unreachable) => None,
                    Err(refused) => Some(Some(refused.into_error())),
                }
            })
            .await;
        let refused = match sent {
            crate::AtOwner::Here | crate::AtOwner::Nowhere => return false,
            crate::AtOwner::Done(None) => return true,
            crate::AtOwner::Done(Some(refused)) => refused,
            crate::AtOwner::Unreachable => NotRelayed::Unreachable.into_error(),
        };
        let _ = outbox.send(tether_protocol::ServerMessage::refusal(
            id,
            refused.code,
            refused.message,
            refused.detail.as_ref(),
        ));
        true
    }

    /// A plugin's answer may wait (it asks an agent, or hands a session
    /// over).
    fn runs_long(request: &ConsoleRequest) -> bool {
        matches!(
            request,
            ConsoleRequest::PluginCommand { .. } | ConsoleRequest::AnswerOffer { .. }
        )
    }

    async fn handle(self: &Arc<Self>, request: ConsoleRequest) -> Result<ReplyBody, ApiError> {
        let sessions = &self.kernel.sessions;
        match request {
            ConsoleRequest::Start {} => {
                let started = sessions.start(&self.account).await?;
                self.attach(&started.session, &started.participant);
                Ok(serde_json::to_value(started).unwrap_or_default().into())
            }
            ConsoleRequest::Assist { session } => {
                let participant = sessions.assist(&self.account, &session).await?;
                let number = crate::session::number::parse(&session)
                    .map(String::from)
                    .unwrap_or(session);
                self.attach(&number, &participant);
                with_you(sessions.info(&number).map_err(ApiError::from), &participant)
                    .map(Into::into)
            }
            ConsoleRequest::Resume { session } => {
                let participant = sessions.resume(&self.account, &session).await?;
                self.attach(&session, &participant);
                with_you(
                    sessions.info(&session).map_err(ApiError::from),
                    &participant,
                )
                .map(Into::into)
            }
            ConsoleRequest::Info { session } => {
                self.authorize(&session, Action::View)?;
                Ok(sessions.info(&session)?.into())
            }
            ConsoleRequest::SelectCustomer {
                session,
                participant,
            } => {
                let by = self.authorize(&session, Action::Drive)?;
                sessions
                    .select_customer(&session, &by, &participant)
                    .await?;
                Ok(json!({ "selected": participant }).into())
            }
            ConsoleRequest::PassControl { session, to } => {
                let by = self.authorize(&session, Action::Drive)?;
                sessions.pass_control(&session, &by, &to).await?;
                Ok(json!({ "host": to }).into())
            }
            ConsoleRequest::RemoveParticipant {
                session,
                participant,
            } => {
                let by = self.authorize(&session, Action::Drive)?;
                sessions
                    .remove_participant(&session, &by, &participant)
                    .await?;
                Ok(json!({ "removed": participant }).into())
            }
            ConsoleRequest::Leave { session } => {
                let participant = self.authorize(&session, Action::Leave)?;
                sessions.leave(&session, &participant).await?;
                self.sessions
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&session);
                Ok(json!({ "left": session }).into())
            }
            ConsoleRequest::End { session } => {
                let participant = self.authorize(&session, Action::Drive)?;
                sessions.end_by(&session, &participant).await?;
                self.sessions
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&session);
                Ok(json!({ "ended": session }).into())
            }
            ConsoleRequest::Chat { session, text } => {
                let from = self.authorize(&session, Action::Chat)?;
                sessions.chat(&session, &from, &text).await?;
                Ok(json!({ "sent": true }).into())
            }
            ConsoleRequest::AgentCode { session } => {
                let host = self.authorize(&session, Action::Drive)?;
                let code = sessions.issue_agent_code(&session, &host)?;
                Ok(json!({
                    "code": code,
                    "expires_in_secs": crate::session::agent_codes::LIFETIME.as_secs(),
                })
                .into())
            }
            ConsoleRequest::SetAvailability { available } => {
                let presence = self
                    .kernel
                    .desk
                    .set_availability(&self.account, available)
                    .await;
                Ok(json!({
                    "available": presence.available,
                    "customers": presence.customers,
                    "max_customers": presence.max_customers,
                })
                .into())
            }
            ConsoleRequest::AnswerOffer { offer, accept } => {
                plugin_commands::answer_offer(&self.kernel, &self.account, offer, accept)
                    .await
                    .map(Into::into)
            }
            ConsoleRequest::PluginCommand {
                session,
                plugin,
                name,
                payload,
            } => plugin_commands::run(
                &self.kernel,
                &self.account,
                self.client,
                session,
                &plugin,
                &name,
                payload,
            )
            .await
            .map(Into::into),
        }
    }

    async fn closed(self: &Arc<Self>) {
        if let Some(elsewhere) = self.reach.elsewhere() {
            elsewhere.close_all().await;
        }
        if !matches!(self.reach, Reach::RelayedHere) {
            self.kernel
                .desk
                .console_closed(&self.account, self.id)
                .await;
        }
        let attached =
            std::mem::take(&mut *self.sessions.lock().unwrap_or_else(|p| p.into_inner()));
        for (number, participant) in attached {
            self.kernel
                .sessions
                .console_closed(&number, &participant, self.id)
                .await;
        }
    }
}
