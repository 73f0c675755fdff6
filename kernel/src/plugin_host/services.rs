//! What the plugin host needs from the rest of the kernel, as traits.
//!
//! The host interfaces (`interfaces/`) translate WIT calls into these
//! version-independent types, so a new WIT version adds a host module and
//! leaves the kernel untouched. Sessions, consent and agents implement
//! [`SessionServices`]; storage implements [`PluginKv`].

use async_trait::async_trait;
use axum::body::Bytes;
use tether_protocol::stream::StreamId;
use tether_protocol::{Capability, RawJson, RejoinAfterRestart, StreamOrigin};

/// What the plugin host needs to know of sites: which plugins each one
/// enables, as of now (an admin's change applies to the next event).
pub trait SiteDirectory: Send + Sync + 'static {
    /// Every site's id.
    fn site_ids(&self) -> Vec<String>;
    /// Whether `site` exists.
    fn knows(&self, site: &str) -> bool;
    /// Whether `site` enables `plugin`; `None` for an unknown site.
    fn enables(&self, site: &str, plugin: &str) -> Option<bool>;
}

/// Who is calling: the plugin and the site of the event being handled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PluginScope {
    pub site: String,
    pub plugin: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Role {
    Host,
    Assistant,
    Customer,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Participant {
    pub id: String,
    pub display_name: String,
    pub role: Role,
}

/// The CSR behind a console command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandAccount {
    pub username: String,
    pub display_name: String,
    pub site_admin: bool,
}

/// Something delivered to a plugin.
#[derive(Debug, Clone, PartialEq)]
pub enum PluginEvent {
    Command {
        session: Option<String>,
        sender: Option<String>,
        /// The signed-in CSR who sent the command.
        account: Option<CommandAccount>,
        name: String,
        /// JSON text.
        payload: String,
    },
    ParticipantJoined {
        session: String,
        participant: Participant,
    },
    ParticipantLeft {
        session: String,
        participant: Participant,
    },
    /// A customer is back after their computer restarted.
    ParticipantRejoined {
        session: String,
        participant: Participant,
    },
    CustomerSelected {
        session: String,
        participant: Participant,
    },
    ActivitiesEnded {
        session: String,
    },
    SessionEnded {
        session: String,
    },
    Timer {
        name: String,
    },
    /// A stream the plugin opened ended (plugin API 0.2; only the plugin
    /// that opened it gets this).
    StreamClosed {
        session: String,
        stream: StreamId,
        cause: CloseCause,
        reason: String,
    },
    /// A customer withdrew a permission this plugin asked for (plugin API
    /// 0.2; only that plugin gets this).
    ConsentWithdrawn {
        session: String,
        customer: String,
        capability: Capability,
    },
    /// Who controls a CSR's application on a stream of this plugin changed
    /// for a reason other than the plugin's own call (plugin API 0.2; only
    /// the plugin that opened the stream gets this).
    StreamControl {
        session: String,
        stream: StreamId,
        controller: Option<String>,
        cause: ControlCause,
    },
    /// A command from the plugin's public page (plugin API 0.2; only that
    /// plugin gets it, with the caller in the event's context).
    PublicCommand {
        name: String,
        /// JSON text.
        payload: String,
        /// What follows the page's path in its address.
        page: String,
    },
    /// A CSR answered an offer of this plugin (plugin API 0.2; only the
    /// offering plugin gets it).
    OfferAnswered {
        offer: u32,
        username: String,
        display_name: String,
        accepted: bool,
    },
    /// An offer of this plugin ran out of time while open (plugin API 0.2).
    OfferExpired {
        offer: u32,
    },
    /// A CSR of the site came or went, became available or away, or their
    /// number of customers changed (plugin API 0.2; 0.1 plugins never get
    /// it).
    PresenceChanged(CsrPresence),
}

impl PluginEvent {
    /// Whether only plugins of API 0.2 or later can receive this event:
    /// a 0.1 plugin's world has no case for it, and it is not sent there.
    pub fn since_v0_2(&self) -> bool {
        matches!(
            self,
            PluginEvent::StreamClosed { .. }
                | PluginEvent::ConsentWithdrawn { .. }
                | PluginEvent::StreamControl { .. }
                | PluginEvent::PublicCommand { .. }
                | PluginEvent::OfferAnswered { .. }
                | PluginEvent::OfferExpired { .. }
                | PluginEvent::PresenceChanged(_)
        )
    }
}

/// Whether a CSR takes offers now, as they set it in their console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Availability {
    Available,
    #[default]
    Away,
}

/// A CSR as the desk sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrPresence {
    pub username: String,
    pub display_name: String,
    /// The account's WebACD agent flag (set by site admins).
    pub webacd_agent: bool,
    /// A console of theirs is open.
    pub online: bool,
    pub availability: Availability,
    /// Customers in the sessions they host.
    pub customers: u32,
    /// The site's maximum customers per CSR.
    pub max_customers: u32,
    /// When (ms since the Unix epoch) they last became free: their last
    /// customer went, they became available, or their console opened —
    /// whichever is latest; 0 when never.
    pub idle_since: u64,
}

/// What a plugin offers CSRs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferDetails {
    pub session: Option<String>,
    pub title: String,
    pub text: String,
    pub timeout_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrsError {
    #[error("no CSR `{0}` on this site")]
    UnknownCsr(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    #[error("no CSR `{0}` on this site")]
    UnknownCsr(String),
    #[error("{0}'s console is not open")]
    Offline(String),
    #[error("no open offer {0}")]
    UnknownOffer(u32),
    #[error("invalid offer: {0}")]
    Invalid(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum DeskError {
    #[error("unknown session {0}")]
    UnknownSession(String),
    #[error("no CSR `{0}` on this site")]
    UnknownCsr(String),
    #[error("{0}")]
    Refused(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A session opened for a customer who came through a public page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingSession {
    pub session: String,
    pub customer: String,
}

/// Who sent a public command: the one waiting session it may open is
/// counted against their address, and its join goes back to them — the
/// kernel fills `joined`, the plugin never sees the token.
#[derive(Debug)]
pub struct PublicCaller {
    pub address: std::net::IpAddr,
    pub joined: std::sync::Mutex<Option<tether_protocol::public::PublicJoin>>,
}

impl PublicCaller {
    pub fn new(address: std::net::IpAddr) -> PublicCaller {
        PublicCaller {
            address,
            joined: std::sync::Mutex::new(None),
        }
    }

    /// The join the command's waiting session gave, if it opened one.
    pub fn take_join(&self) -> Option<tether_protocol::public::PublicJoin> {
        self.joined.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The support desk as plugins see it: CSRs' presence, offers to CSRs,
/// sessions waiting for a CSR, and handing a session to one (plugin API
/// 0.2). Every call is scoped to the plugin's site.
#[async_trait]
pub trait DeskServices: Send + Sync + 'static {
    /// Every CSR account of the site, sorted by username.
    async fn presence(&self, scope: &PluginScope) -> Result<Vec<CsrPresence>, CsrsError>;

    async fn csr(&self, scope: &PluginScope, username: &str) -> Result<CsrPresence, CsrsError>;

    /// A JSON message to the plugin's `console` panels in the CSR's
    /// consoles.
    async fn send_to_csr(
        &self,
        scope: &PluginScope,
        username: &str,
        message: String,
    ) -> Result<(), CsrsError>;

    async fn make_offer(
        &self,
        scope: &PluginScope,
        to: Vec<String>,
        details: OfferDetails,
    ) -> Result<u32, OfferError>;

    async fn withdraw_offer(
        &self,
        scope: &PluginScope,
        offer: u32,
        reason: String,
    ) -> Result<(), OfferError>;

    /// Opens a session without a host for the public page's caller (only
    /// while a public command is handled: `caller` is `None` otherwise,
    /// and that is refused).
    async fn open_waiting(
        &self,
        scope: &PluginScope,
        caller: Option<&PublicCaller>,
        display_name: &str,
    ) -> Result<WaitingSession, DeskError>;

    /// Makes `username` the host of `session`; the previous host leaves.
    /// The new host's participant id.
    async fn hand_over(
        &self,
        scope: &PluginScope,
        session: &str,
        username: &str,
    ) -> Result<String, DeskError>;
}

/// A kernel without a desk: no CSRs, every session unknown.
#[derive(Debug, Default)]
pub struct NoDesk;

#[async_trait]
impl DeskServices for NoDesk {
    async fn presence(&self, _: &PluginScope) -> Result<Vec<CsrPresence>, CsrsError> {
        Ok(Vec::new())
    }

    async fn csr(&self, _: &PluginScope, username: &str) -> Result<CsrPresence, CsrsError> {
        Err(CsrsError::UnknownCsr(username.to_owned()))
    }

    async fn send_to_csr(
        &self,
        _: &PluginScope,
        username: &str,
        _: String,
    ) -> Result<(), CsrsError> {
        Err(CsrsError::UnknownCsr(username.to_owned()))
    }

    async fn make_offer(
        &self,
        _: &PluginScope,
        to: Vec<String>,
        _: OfferDetails,
    ) -> Result<u32, OfferError> {
        Err(OfferError::UnknownCsr(
            to.into_iter().next().unwrap_or_default(),
        ))
    }

    async fn withdraw_offer(
        &self,
        _: &PluginScope,
        offer: u32,
        _: String,
    ) -> Result<(), OfferError> {
        Err(OfferError::UnknownOffer(offer))
    }

    async fn open_waiting(
        &self,
        _: &PluginScope,
        _: Option<&PublicCaller>,
        _: &str,
    ) -> Result<WaitingSession, DeskError> {
        Err(DeskError::Unavailable("this kernel has no sessions".into()))
    }

    async fn hand_over(
        &self,
        _: &PluginScope,
        session: &str,
        _: &str,
    ) -> Result<String, DeskError> {
        Err(DeskError::UnknownSession(session.to_owned()))
    }
}

/// Why the controller of a stream changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlCause {
    /// The plugin gave or took control.
    Plugin,
    /// The CSR took it back on their computer (their agent said so).
    TakenBackOnComputer,
    /// The customer in control left the session.
    ControllerLeft,
}

/// What ended a stream, for the plugin that opened it to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCause {
    PluginClosed,
    CustomerStopped,
    Ended(crate::activity::EndReason),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum SessionError {
    #[error("unknown session {0}")]
    UnknownSession(String),
    #[error("unknown participant {0}")]
    UnknownParticipant(String),
    #[error("invalid: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentOutcome {
    Granted,
    Denied,
    TimedOut,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("unknown session {0}")]
    UnknownSession(String),
    #[error("unknown participant {0}")]
    UnknownParticipant(String),
    #[error("capability `{0}` is not declared in the plugin's manifest")]
    UndeclaredCapability(String),
    #[error("{0}")]
    NotEnabled(String),
    #[error("invalid consent request: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    #[error("unknown session {0}")]
    UnknownSession(String),
    #[error("unknown participant {0}")]
    UnknownParticipant(String),
    #[error("no consent: {0}")]
    NoConsent(String),
    #[error("capability `{0}` is not declared in the plugin's manifest")]
    UndeclaredCapability(String),
    #[error("{0}")]
    NotEnabled(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("failed: {0}")]
    Failed(String),
}

/// What became of a call that may first have needed the customer's consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentedCall {
    /// The agent's JSON output, as text.
    Done(String),
    Denied,
    TimedOut,
}

impl From<ConsentError> for AgentError {
    /// For a call that asked first: the asking failed, so the call did.
    fn from(error: ConsentError) -> Self {
        match error {
            ConsentError::UnknownSession(s) => AgentError::UnknownSession(s),
            ConsentError::UnknownParticipant(p) => AgentError::UnknownParticipant(p),
            ConsentError::UndeclaredCapability(c) => AgentError::UndeclaredCapability(c),
            ConsentError::NotEnabled(m) => AgentError::NotEnabled(m),
            ConsentError::Invalid(m) => AgentError::Failed(format!("invalid consent request: {m}")),
        }
    }
}

/// A capability in a consent request, with the manifest's consent text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedCapability {
    pub name: Capability,
    pub consent_text: String,
    /// The consent text in other languages, by language code.
    pub translations: std::collections::BTreeMap<String, String>,
}

/// A consent request: one prompt, one answer, one grant per capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    pub session: String,
    pub customer: String,
    /// Whether the manifest declares every capability asked for (the
    /// plugin host knows the manifest; the granter decides).
    pub declared: bool,
    /// What is asked for, each with the manifest's consent text, in order.
    pub capabilities: Vec<AskedCapability>,
    pub detail: Option<String>,
}

/// An agent call as a plugin makes it; the granter decides on it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentCall {
    pub session: String,
    pub participant: String,
    pub capability: Capability,
    /// Whether the plugin's manifest declares the capability.
    pub declared: bool,
    /// Whether a refusal for want of consent is followed by asking the
    /// customer (`call-with-consent`): then it is a step, not an event the
    /// session's report should show.
    pub asks_when_refused: bool,
    /// The plugin's input as it wrote it, checked to be JSON.
    pub input: RawJson,
    /// The files it carries, in order, each at most
    /// `tether_protocol::file_frame::MAX_CALL_FILE_BYTES`: they go to the
    /// agent as file frames after the call.
    pub files: Vec<Bytes>,
}

/// A file a plugin sends with an agent call (`agent-files`, 0.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginFile {
    /// Bytes the plugin has.
    Bytes(Vec<u8>),
    /// A key of the plugin's own store, read by the kernel.
    Stored(String),
}

/// Sessions, consent and agents, as seen by plugins.
#[async_trait]
pub trait SessionServices: Send + Sync + 'static {
    async fn participants(
        &self,
        scope: &PluginScope,
        session: &str,
    ) -> Result<Vec<Participant>, SessionError>;

    async fn send(
        &self,
        scope: &PluginScope,
        session: &str,
        to: &str,
        message: String,
    ) -> Result<(), SessionError>;

    async fn report(
        &self,
        scope: &PluginScope,
        session: &str,
        entry: String,
    ) -> Result<(), SessionError>;

    /// A chat line in the plugin's name.
    async fn chat(
        &self,
        scope: &PluginScope,
        session: &str,
        text: String,
    ) -> Result<(), SessionError>;

    /// Resolves when the customer answered or the request timed out.
    async fn request_consent(
        &self,
        scope: &PluginScope,
        request: ConsentRequest,
    ) -> Result<ConsentOutcome, ConsentError>;

    /// Must check for a live consent grant before forwarding the call.
    /// The output is the agent's JSON, as text.
    async fn call_agent(&self, scope: &PluginScope, call: AgentCall) -> Result<String, AgentError>;

    /// How `participant` comes back into the session after their computer
    /// restarts, as their agent said when it connected; `Unavailable`
    /// while no agent is connected for them.
    async fn agent_rejoin(
        &self,
        scope: &PluginScope,
        session: &str,
        participant: &str,
    ) -> Result<RejoinAfterRestart, AgentError>;

    /// Opens a stream from a customer's agent to the session's CSRs if the
    /// plugin could call the capability on that agent now.
    async fn open_stream(
        &self,
        scope: &PluginScope,
        opening: StreamOpening,
    ) -> Result<StreamId, StreamError>;

    /// Opens a stream from the host CSR's console (the browser captures
    /// and encodes) to the session's other participants.
    async fn open_stream_from_browser(
        &self,
        scope: &PluginScope,
        opening: BrowserStreamOpening,
    ) -> Result<StreamId, StreamError>;

    /// Lets a customer control the application a CSR's agent shows on a
    /// stream the plugin opened (replacing whoever had it).
    async fn give_stream_control(
        &self,
        scope: &PluginScope,
        stream: StreamId,
        to: &str,
    ) -> Result<(), StreamError>;

    /// Takes control of such a stream back from whoever has it.
    async fn take_stream_control(
        &self,
        scope: &PluginScope,
        stream: StreamId,
    ) -> Result<(), StreamError>;

    /// Closes a stream the plugin opened.
    async fn close_stream(
        &self,
        scope: &PluginScope,
        stream: StreamId,
        reason: &str,
    ) -> Result<(), StreamError>;

    /// The plugin's open streams in a session.
    async fn list_streams(
        &self,
        scope: &PluginScope,
        session: &str,
    ) -> Result<Vec<StreamInfo>, StreamError>;
}

/// What a plugin asks for when it opens a stream.
#[derive(Debug, Clone)]
pub struct StreamOpening {
    pub session: String,
    /// The participant whose agent is the source: a customer, or the
    /// session's host showing an application of their own.
    pub source: String,
    /// The permission the stream runs under.
    pub capability: Capability,
    /// Whether the plugin's manifest declares it.
    pub declared: bool,
    /// What is shown (an application's title), for the CSRs and the report.
    pub label: String,
}

/// What a plugin asks for when it opens a stream from the host's
/// console: it runs under `app.share`.
#[derive(Debug, Clone)]
pub struct BrowserStreamOpening {
    pub session: String,
    /// The host CSR whose console sends the pictures.
    pub source: String,
    /// Whether the plugin's manifest declares `app.share`.
    pub declared: bool,
    pub label: String,
}

/// An open stream, as its plugin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    pub id: StreamId,
    pub session: String,
    pub source: String,
    pub capability: Capability,
    pub label: String,
    pub origin: StreamOrigin,
    /// The customer controlling a CSR's application now.
    pub controller: Option<String>,
}

/// Why a stream could not be opened, listed or closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The refusals of an agent call: a stream needs what a call needs.
    #[error(transparent)]
    Refused(#[from] AgentError),
    #[error("no stream {0} is open")]
    UnknownStream(StreamId),
    #[error("stream {0} belongs to another plugin")]
    NotYours(StreamId),
    #[error("{0}")]
    Invalid(String),
}

/// The kernel before any session exists: every session is unknown. This is
/// what a kernel without the sessions subsystem honestly answers.
#[derive(Debug, Default)]
pub struct NoSessions;

#[async_trait]
impl SessionServices for NoSessions {
    async fn participants(
        &self,
        _: &PluginScope,
        session: &str,
    ) -> Result<Vec<Participant>, SessionError> {
        Err(SessionError::UnknownSession(session.to_owned()))
    }

    async fn send(
        &self,
        _: &PluginScope,
        session: &str,
        _: &str,
        _: String,
    ) -> Result<(), SessionError> {
        Err(SessionError::UnknownSession(session.to_owned()))
    }

    async fn report(&self, _: &PluginScope, session: &str, _: String) -> Result<(), SessionError> {
        Err(SessionError::UnknownSession(session.to_owned()))
    }

    async fn chat(&self, _: &PluginScope, session: &str, _: String) -> Result<(), SessionError> {
        Err(SessionError::UnknownSession(session.to_owned()))
    }

    async fn request_consent(
        &self,
        _: &PluginScope,
        request: ConsentRequest,
    ) -> Result<ConsentOutcome, ConsentError> {
        Err(ConsentError::UnknownSession(request.session))
    }

    async fn call_agent(&self, _: &PluginScope, call: AgentCall) -> Result<String, AgentError> {
        Err(AgentError::UnknownSession(call.session))
    }

    async fn agent_rejoin(
        &self,
        _: &PluginScope,
        session: &str,
        _: &str,
    ) -> Result<RejoinAfterRestart, AgentError> {
        Err(AgentError::UnknownSession(session.to_owned()))
    }

    async fn open_stream(
        &self,
        _: &PluginScope,
        opening: StreamOpening,
    ) -> Result<StreamId, StreamError> {
        Err(AgentError::UnknownSession(opening.session).into())
    }

    async fn open_stream_from_browser(
        &self,
        _: &PluginScope,
        opening: BrowserStreamOpening,
    ) -> Result<StreamId, StreamError> {
        Err(AgentError::UnknownSession(opening.session).into())
    }

    async fn give_stream_control(
        &self,
        _: &PluginScope,
        stream: StreamId,
        _: &str,
    ) -> Result<(), StreamError> {
        Err(StreamError::UnknownStream(stream))
    }

    async fn take_stream_control(
        &self,
        _: &PluginScope,
        stream: StreamId,
    ) -> Result<(), StreamError> {
        Err(StreamError::UnknownStream(stream))
    }

    async fn close_stream(
        &self,
        _: &PluginScope,
        stream: StreamId,
        _: &str,
    ) -> Result<(), StreamError> {
        Err(StreamError::UnknownStream(stream))
    }

    async fn list_streams(
        &self,
        _: &PluginScope,
        session: &str,
    ) -> Result<Vec<StreamInfo>, StreamError> {
        Err(AgentError::UnknownSession(session.to_owned()).into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KvError {
    #[error("invalid key: {0}")]
    InvalidKey(String),
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// Plugin key/value data, scoped by site and plugin.
#[async_trait]
pub trait PluginKv: Send + Sync + 'static {
    async fn get(&self, scope: &PluginScope, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    async fn set(&self, scope: &PluginScope, key: &str, value: Vec<u8>) -> Result<(), KvError>;
    /// `true` when the key existed.
    async fn delete(&self, scope: &PluginScope, key: &str) -> Result<bool, KvError>;
    /// Keys starting with `prefix`, sorted.
    async fn list_keys(&self, scope: &PluginScope, prefix: &str) -> Result<Vec<String>, KvError>;
    /// Writes `value` (`None`: deletes) only if the key's value is now
    /// `expected` (`None`: absent), in one step; `true` when written.
    async fn compare_and_swap(
        &self,
        scope: &PluginScope,
        key: &str,
        expected: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
    ) -> Result<bool, KvError>;
}
