//! Requests from each kind of client.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::stream::StreamId;
use crate::{Capability, MAX_CHAT_CHARS, RawJson, RejoinAfterRestart, RequestSet};

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Csr,
    Customer,
    Agent,
}

impl Role {
    pub fn plural(self) -> &'static str {
        match self {
            Role::Csr => "CSRs",
            Role::Customer => "customers",
            Role::Agent => "host agents",
        }
    }
}

/// Which role's set a message type belongs to, for "not available to you"
/// errors instead of "unknown".
pub(crate) fn owner_of(kind: &str) -> Option<Role> {
    [
        (Role::Csr, ConsoleRequest::TYPES),
        (Role::Customer, CustomerRequest::TYPES),
        (Role::Agent, AgentRequest::TYPES),
    ]
    .into_iter()
    .find(|(_, types)| types.contains(&kind))
    .map(|(role, _)| role)
}

/// What is wrong with a request whose shape is right: the checks of
/// [`RequestSet::validate`]. The ones a person can cause from a UI have a
/// [`crate::Detail`] (see [`crate::ProtocolError::detail`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("the message is empty")]
    EmptyMessage,
    #[error("the message has {chars} characters; the limit is {limit}")]
    MessageTooLong { chars: usize, limit: usize },
    #[error("command names are 1 to 64 characters")]
    CommandName,
    #[error("a result has exactly one of `output` and `error`")]
    ResultShape,
    #[error("at most 256 capabilities")]
    TooManyCapabilities,
    #[error("the reason is 1 to 200 characters")]
    ReasonLength,
    /// The body does not have the type's shape, in the JSON reader's words.
    #[error("{0}")]
    Shape(String),
}

fn check_chat(text: &str) -> Result<(), Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid::EmptyMessage);
    }
    let chars = text.chars().count();
    if chars > MAX_CHAT_CHARS {
        return Err(Invalid::MessageTooLong {
            chars,
            limit: MAX_CHAT_CHARS,
        });
    }
    Ok(())
}

/// Requests from the CSR console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", content = "body", deny_unknown_fields)]
pub enum ConsoleRequest {
    /// Start a support session; the reply has its number, join link and
    /// invitation texts.
    #[serde(rename = "session.start")]
    Start {},
    /// Join a running session as an assistant, by its number.
    #[serde(rename = "session.assist")]
    Assist { session: String },
    /// Reattach to a session after the console was closed (grace period).
    #[serde(rename = "session.resume")]
    Resume { session: String },
    /// Current participants, host and mode.
    #[serde(rename = "session.info")]
    Info { session: String },
    #[serde(rename = "session.select_customer")]
    SelectCustomer {
        session: String,
        participant: String,
    },
    /// Give the host role to another CSR of the session.
    #[serde(rename = "session.pass_control")]
    PassControl { session: String, to: String },
    /// The host takes another participant out of the session.
    #[serde(rename = "session.remove_participant")]
    RemoveParticipant {
        session: String,
        participant: String,
    },
    #[serde(rename = "session.leave")]
    Leave { session: String },
    #[serde(rename = "session.end")]
    End { session: String },
    #[serde(rename = "chat.send")]
    Chat { session: String, text: String },
    /// A one-time code for the host's own helper program (the host agent
    /// on the CSR's computer, to show the customers an application); host
    /// only. The reply has `code` and `expires_in_secs`, as a customer's.
    #[serde(rename = "agent.code")]
    AgentCode { session: String },
    /// Whether the CSR takes offers now (WebACD agents set themselves
    /// available or away).
    #[serde(rename = "presence.set")]
    SetAvailability { available: bool },
    /// Accept or decline an offer shown with `offer.made`. The reply is
    /// the offering plugin's; a refusal says why (another CSR was
    /// quicker, the offer is gone).
    #[serde(rename = "offer.answer")]
    AnswerOffer { offer: u32, accept: bool },
    /// A command for a plugin's panel logic.
    #[serde(rename = "plugin.command")]
    PluginCommand {
        /// The session the command is for; without one it goes to the
        /// plugin on the CSR's own site (for example the script library).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        session: Option<String>,
        plugin: String,
        name: String,
        #[serde(default)]
        payload: Value,
    },
}

impl ConsoleRequest {
    /// The session the request is about, as the CSR typed it; `None` for
    /// requests about the CSR's own desk (starting a session, presence,
    /// offers, their site's plugins).
    pub fn session(&self) -> Option<&str> {
        match self {
            ConsoleRequest::Assist { session }
            | ConsoleRequest::Resume { session }
            | ConsoleRequest::Info { session }
            | ConsoleRequest::SelectCustomer { session, .. }
            | ConsoleRequest::PassControl { session, .. }
            | ConsoleRequest::RemoveParticipant { session, .. }
            | ConsoleRequest::Leave { session }
            | ConsoleRequest::End { session }
            | ConsoleRequest::Chat { session, .. }
            | ConsoleRequest::AgentCode { session } => Some(session),
            ConsoleRequest::PluginCommand { session, .. } => session.as_deref(),
            ConsoleRequest::Start {}
            | ConsoleRequest::SetAvailability { .. }
            | ConsoleRequest::AnswerOffer { .. } => None,
        }
    }
}

impl RequestSet for ConsoleRequest {
    const ROLE: Role = Role::Csr;
    const TYPES: &'static [&'static str] = &[
        "session.start",
        "session.assist",
        "session.resume",
        "session.info",
        "session.select_customer",
        "session.pass_control",
        "session.remove_participant",
        "session.leave",
        "session.end",
        "chat.send",
        "agent.code",
        "presence.set",
        "offer.answer",
        "plugin.command",
    ];

    fn validate(&self) -> Result<(), Invalid> {
        match self {
            ConsoleRequest::Chat { text, .. } => check_chat(text),
            ConsoleRequest::PluginCommand { name, .. } if name.is_empty() || name.len() > 64 => {
                Err(Invalid::CommandName)
            }
            _ => Ok(()),
        }
    }
}

/// Requests from the customer's page (the session comes from its join token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", content = "body", deny_unknown_fields)]
pub enum CustomerRequest {
    #[serde(rename = "chat.send")]
    Chat { text: String },
    /// Approve or deny a consent prompt.
    #[serde(rename = "consent.answer")]
    ConsentAnswer { request: String, granted: bool },
    /// Withdraw a permission given earlier.
    #[serde(rename = "consent.revoke")]
    ConsentRevoke { grant: String },
    /// A one-time code for the helper program (the host agent) to act for
    /// this customer; the reply has `code` and `expires_in_secs`.
    #[serde(rename = "agent.code")]
    AgentCode {},
    #[serde(rename = "session.leave")]
    Leave {},
    /// A command from a plugin's customer panel (such as choosing the
    /// application to share); the plugin sees the customer as the sender.
    #[serde(rename = "plugin.command")]
    PluginCommand {
        plugin: String,
        name: String,
        #[serde(default)]
        payload: Value,
    },
    /// Stop a stream that comes from this customer's computer (stop
    /// sharing an application), whatever plugin opened it.
    #[serde(rename = "stream.stop")]
    StreamStop { stream: StreamId },
}

impl RequestSet for CustomerRequest {
    const ROLE: Role = Role::Customer;
    const TYPES: &'static [&'static str] = &[
        "chat.send",
        "consent.answer",
        "consent.revoke",
        "agent.code",
        "session.leave",
        "plugin.command",
        "stream.stop",
    ];

    fn validate(&self) -> Result<(), Invalid> {
        match self {
            CustomerRequest::Chat { text } => check_chat(text),
            CustomerRequest::PluginCommand { name, .. } if name.is_empty() || name.len() > 64 => {
                Err(Invalid::CommandName)
            }
            _ => Ok(()),
        }
    }
}

/// Requests from the host agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", content = "body", deny_unknown_fields)]
pub enum AgentRequest {
    /// What this machine can do; sent once after connecting.
    #[serde(rename = "agent.hello")]
    Hello {
        capabilities: Vec<Capability>,
        #[serde(default)]
        platform: String,
        /// Whether it comes back by itself after the computer restarts;
        /// an agent that does not say is taken at its most modest (the
        /// customer rejoins with the link).
        #[serde(default)]
        rejoin_after_restart: RejoinAfterRestart,
    },
    /// The outcome of an `agent.call`: `output` (the capability's JSON) or
    /// `error`. The output stays the text the agent wrote, for the plugin.
    #[serde(rename = "agent.result")]
    Result {
        call: String,
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(type = "JsonValue | null"))]
        output: Option<RawJson>,
        #[serde(default)]
        error: Option<String>,
        /// The call left something in place on the computer (an account
        /// logged on) that lasts until the kernel sends `agent.cancel` for
        /// this call or the agent reports `agent.activity_ended`.
        #[serde(default)]
        lasting: bool,
    },
    /// Something a call left in place ended on the computer's side (the
    /// account was logged off, or restored when the server was unreachable).
    #[serde(rename = "agent.activity_ended")]
    ActivityEnded { call: String, reason: String },
    /// A consent answer given in the agent's terminal.
    #[serde(rename = "consent.answer")]
    ConsentAnswer { request: String, granted: bool },
    /// Output of a call still running (a script's lines), for the session
    /// chat; at most 4000 characters.
    #[serde(rename = "agent.progress")]
    Progress { call: String, text: String },
    /// The computer is about to go away (`restart`); the customer's place
    /// is kept until the agent rejoins with its resume token.
    #[serde(rename = "agent.going_away")]
    GoingAway { reason: String },
    /// The customer stopped a stream on their computer (the sharing
    /// indicator's Stop sharing); `reason` says so in their words.
    #[serde(rename = "stream.stop")]
    StreamStop { stream: StreamId, reason: String },
    /// The CSR took back control of an application they show (the
    /// indicator's Take back control, or its hot key): only for a stream
    /// whose source is this agent.
    #[serde(rename = "stream.take_back")]
    StreamTakeBack { stream: StreamId },
}

impl RequestSet for AgentRequest {
    const ROLE: Role = Role::Agent;
    const MAX_BYTES: usize = crate::MAX_AGENT_MESSAGE_BYTES;
    const TYPES: &'static [&'static str] = &[
        "agent.hello",
        "agent.result",
        "agent.progress",
        "agent.activity_ended",
        "consent.answer",
        "agent.going_away",
        "stream.stop",
        "stream.take_back",
    ];

    fn validate(&self) -> Result<(), Invalid> {
        match self {
            AgentRequest::Result {
                output: Some(_),
                error: Some(_),
                ..
            }
            | AgentRequest::Result {
                output: None,
                error: None,
                ..
            } => Err(Invalid::ResultShape),
            AgentRequest::Hello { capabilities, .. } if capabilities.len() > 256 => {
                Err(Invalid::TooManyCapabilities)
            }
            AgentRequest::Progress { text, .. } => check_chat(text),
            AgentRequest::GoingAway { reason }
            | AgentRequest::ActivityEnded { reason, .. }
            | AgentRequest::StreamStop { reason, .. }
                if reason.is_empty() || reason.len() > 200 =>
            {
                Err(Invalid::ReasonLength)
            }
            _ => Ok(()),
        }
    }
}
