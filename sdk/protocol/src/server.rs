//! Messages from the kernel: replies to requests and pushed events.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::file_frame::AttachedFile;
use crate::stream::StreamId;
use crate::{
    Capability, Detail, Invalid, PROTOCOL_VERSION, ProtocolError, RawJson, RejoinAfterRestart,
    tagged,
};

/// Machine-readable error kinds; the message says the rest in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Malformed,
    TooLarge,
    /// Not signed in (or the sign-in expired), or a bad join token.
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    Limit,
    RateLimited,
    NoConsent,
    Unavailable,
    PluginError,
    Internal,
}

/// One participant as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ParticipantInfo {
    pub id: String,
    pub display_name: String,
    /// `host`, `assistant` or `customer`.
    pub role: String,
}

/// A plugin panel on the customer's page (manifest `location =
/// "customer"`), served at `/plugin-ui/{plugin}/{entry}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CustomerPanel {
    pub plugin: String,
    pub id: String,
    pub title: String,
    /// The title by language, where the manifest translates it.
    pub titles: std::collections::BTreeMap<String, String>,
    pub entry: String,
}

/// What sends a stream's pictures, which decides who sees them and who may
/// control what is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StreamOrigin {
    /// A customer's agent (an application the customer shares with the
    /// CSRs; the host may control it with the customer's permission).
    #[default]
    CustomerAgent,
    /// The host CSR's own agent (an application the CSR shows the
    /// customers; the CSR may give one customer control of it).
    CsrAgent,
    /// The host CSR's console (a screen or window the browser captures;
    /// never controllable).
    CsrBrowser,
}

impl StreamOrigin {
    /// Whether a CSR shows it (the customers are its audience).
    pub fn from_csr(self) -> bool {
        !matches!(self, StreamOrigin::CustomerAgent)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StreamOrigin::CustomerAgent => "customer_agent",
            StreamOrigin::CsrAgent => "csr_agent",
            StreamOrigin::CsrBrowser => "csr_browser",
        }
    }
}

impl std::fmt::Display for StreamOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Events the kernel pushes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", content = "body", deny_unknown_fields)]
pub enum ServerEvent {
    /// First message on a customer page or agent socket: the connection is
    /// routed, and these are the session's CSRs and the customer themself.
    /// Customers are not told of one another (here or by
    /// `participant.joined`), so this stays small however many customers
    /// share the session.
    #[serde(rename = "session.welcome")]
    Welcome {
        session: String,
        participant: String,
        participants: Vec<ParticipantInfo>,
        /// For agents: the token to rejoin with after a restart (kept on
        /// disk, owner-only). Each connection gets a new one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        resume_token: Option<String>,
        /// For customer pages: the plugin panels to show there (those of
        /// the plugins the session's site enables).
        // Optional in TypeScript too: ts-rs reads serde's `default` and
        // `skip_serializing_if` (its own `optional` is for `Option` only).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        panels: Vec<CustomerPanel>,
    },
    #[serde(rename = "participant.joined")]
    ParticipantJoined {
        session: String,
        participant: ParticipantInfo,
    },
    #[serde(rename = "participant.left")]
    ParticipantLeft {
        session: String,
        participant: ParticipantInfo,
    },
    /// The customer's computer is going away for a while (a restart); their
    /// place in the session is kept until the agent rejoins.
    #[serde(rename = "participant.away")]
    ParticipantAway {
        session: String,
        participant: ParticipantInfo,
        reason: String,
        /// How they come back, as their agent said: the CSR and the
        /// customer's page say it truthfully.
        #[serde(default)]
        rejoin: RejoinAfterRestart,
    },
    /// A plugin opened a stream in the session (an application shared by
    /// a customer, or one a CSR shows): its pictures follow as binary
    /// frames with this id to its viewers; the source sends them.
    #[serde(rename = "stream.opened")]
    StreamOpened {
        session: String,
        stream: StreamId,
        plugin: String,
        /// The participant whose computer (or console) it comes from.
        source: String,
        capability: Capability,
        /// What is shown, in the plugin's words (an application's title).
        label: String,
        /// What sends the pictures: a customer's agent (absent in older
        /// messages), the CSR's own agent, or the CSR's console.
        #[serde(default)]
        origin: StreamOrigin,
        /// The customer who controls a CSR's application now, if any.
        #[serde(default)]
        controller: Option<String>,
    },
    /// Who controls a CSR's application shown on a stream changed
    /// (`controller` absent: nobody — taken back, or the customer left).
    /// Sent to everyone who got `stream.opened` and to the source agent.
    #[serde(rename = "stream.control")]
    StreamControl {
        session: String,
        stream: StreamId,
        #[serde(default)]
        controller: Option<String>,
        /// The controller's display name, for the source agent's indicator
        /// (it may have joined after the agent, which hears no joins).
        #[serde(default)]
        controller_name: Option<String>,
    },
    /// The stream ended; no more frames come with its id.
    #[serde(rename = "stream.closed")]
    StreamClosed {
        session: String,
        stream: StreamId,
        reason: String,
    },
    /// A participant's helper program (host agent) said what it offers
    /// (`capabilities`), or disconnected (absent). Sent to the session's
    /// CSRs and to the participant's own page or console: the host's
    /// console learns that its own agent is there.
    #[serde(rename = "participant.agent")]
    ParticipantAgent {
        session: String,
        participant: String,
        #[serde(default)]
        capabilities: Option<Vec<Capability>>,
    },
    /// A participant came back (reconnected, or rejoined after a restart).
    #[serde(rename = "participant.rejoined")]
    ParticipantRejoined {
        session: String,
        participant: ParticipantInfo,
    },
    #[serde(rename = "chat.message")]
    Chat {
        session: String,
        from: String,
        display_name: String,
        text: String,
        at: String,
        /// For a line the kernel writes itself (an activity it ended):
        /// `text` as a detail, for saying it in the reader's language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        detail: Option<Detail>,
    },
    /// Sent to the customer's page and agent.
    #[serde(rename = "consent.prompt")]
    ConsentPrompt {
        session: String,
        request: String,
        plugin: String,
        /// What is asked for; one answer covers all of them.
        capabilities: Vec<Capability>,
        text: String,
        /// `text` in other languages, by language code (as far as the
        /// plugin's manifest translates it); pages pick theirs.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        #[cfg_attr(
            feature = "ts",
            ts(as = "Option<std::collections::BTreeMap<String, String>>", optional)
        )]
        texts: std::collections::BTreeMap<String, String>,
        detail: Option<String>,
        /// Whether the customer's page is open; the agent asks in its
        /// terminal when it is not.
        #[serde(default)]
        page_open: bool,
    },
    /// To the session's CSRs: a prompt is waiting for the customer's answer
    /// (the console shows it until `consent.answered` with the same `request`).
    #[serde(rename = "consent.waiting")]
    ConsentWaiting {
        session: String,
        request: String,
        plugin: String,
        customer: ParticipantInfo,
        text: String,
        /// `text` in other languages, as in `consent.prompt`: the CSR's
        /// console shows the one in its own language.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        #[cfg_attr(
            feature = "ts",
            ts(as = "Option<std::collections::BTreeMap<String, String>>", optional)
        )]
        texts: std::collections::BTreeMap<String, String>,
    },
    /// `outcome`: `granted`, `denied` or `timed_out`; `grants` (one per
    /// capability) when granted.
    #[serde(rename = "consent.answered")]
    ConsentAnswered {
        session: String,
        request: String,
        outcome: String,
        grants: Vec<String>,
    },
    #[serde(rename = "consent.revoked")]
    ConsentRevoked { session: String, grant: String },
    #[serde(rename = "control.passed")]
    ControlPassed {
        session: String,
        from: String,
        to: String,
    },
    #[serde(rename = "customer.selected")]
    CustomerSelected {
        session: String,
        participant: String,
    },
    /// Sharing, transfers and other activities stopped (control passed,
    /// another customer selected).
    #[serde(rename = "activities.ended")]
    ActivitiesEnded { session: String, reason: String },
    /// `reason` in English; `detail`, where there is one, for saying it in
    /// the reader's language.
    #[serde(rename = "session.ended")]
    SessionEnded {
        session: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        detail: Option<Detail>,
    },
    /// To the customer's page and agent: another helper program tried to
    /// act for this customer while this one is connected, and was refused.
    #[serde(rename = "agent.second_refused")]
    SecondAgentRefused { session: String },
    /// To the customer's page: another helper program asks to act for the
    /// customer instead of the one connected. The page answers with
    /// `consent.answer` for `request`; allowed, the connected one stops.
    #[serde(rename = "agent.second_prompt")]
    SecondAgentPrompt { session: String, request: String },
    /// The host left; the session waits `grace_secs` for them to come back.
    #[serde(rename = "session.host_away")]
    HostAway { session: String, grace_secs: u64 },
    /// To a CSR's consoles: something is offered to them (a waiting
    /// customer, a transferred session), in the plugin's words; they answer
    /// with `offer.answer` before `expires_in_ms` passes.
    #[serde(rename = "offer.made")]
    OfferMade {
        offer: u32,
        plugin: String,
        /// The session it is about, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        session: Option<String>,
        title: String,
        text: String,
        expires_in_ms: u64,
    },
    /// To the consoles still showing an offer: it is gone — `expired`
    /// when its time ran out, else the plugin took it back for `reason`
    /// (someone else accepted, the customer left).
    #[serde(rename = "offer.withdrawn")]
    OfferWithdrawn {
        offer: u32,
        expired: bool,
        reason: String,
    },
    /// To a CSR's consoles: they are now the host of `session` (they
    /// accepted a customer or a transfer); the console opens it as it
    /// does after `session.resume`.
    #[serde(rename = "session.assigned")]
    SessionAssigned {
        session: String,
        participant: String,
    },
    /// To everyone in a session: its host changed hands — `from` (the
    /// previous host's participant id, gone from the session; none for a
    /// session that was waiting) to `to`. Whatever ran has ended and every
    /// permission given has ended with it.
    #[serde(rename = "session.transferred")]
    SessionTransferred {
        session: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        from: Option<String>,
        to: ParticipantInfo,
    },
    /// To a CSR's consoles: their presence as the desk sees it (on
    /// connecting and whenever it changes).
    #[serde(rename = "presence.changed")]
    PresenceChanged {
        available: bool,
        /// Customers in the sessions they host.
        customers: u32,
        max_customers: u32,
    },
    /// A plugin's message to its `console` panels, outside any session.
    #[serde(rename = "plugin.console_message")]
    ConsolePluginMessage { plugin: String, message: Value },
    /// A plugin's message to its panel.
    #[serde(rename = "plugin.message")]
    PluginMessage {
        session: String,
        plugin: String,
        message: Value,
    },
    /// For the agent: run a capability and answer with `agent.result`.
    #[serde(rename = "agent.call")]
    AgentCall {
        call: String,
        capability: Capability,
        // The plugin's input, as the text it wrote (a plain comment: the
        // TypeScript declaration stays as it was).
        #[cfg_attr(feature = "ts", ts(type = "JsonValue"))]
        input: RawJson,
        /// The files the call carries, in order: each follows this message
        /// as a binary file frame (see `file_frame`). Absent: none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<AttachedFile>,
    },
    /// For the agent: stop a call still running (kill what it started,
    /// remove its files) or undo what a lasting call left in place (log the
    /// other account off). The kernel has already ended it on its side.
    #[serde(rename = "agent.cancel")]
    AgentCancel { call: String, reason: String },
}

/// A frame from the kernel as a client reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    /// The reply to request `re`.
    Ok { re: Option<u64>, body: Value },
    /// Request `re` was refused.
    Error {
        re: Option<u64>,
        code: ErrorCode,
        message: String,
        detail: Option<Detail>,
    },
    /// Something happened.
    Event(ServerEvent),
}

/// A frame from the kernel as it arrives: the body stays text until the
/// type says what it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServerEnvelope<'a> {
    v: u32,
    #[serde(default)]
    re: Option<u64>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    body: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorBody {
    code: ErrorCode,
    message: String,
    #[serde(default)]
    detail: Option<Detail>,
}

/// Decodes a text frame from the kernel. A missing, renamed or unknown
/// field is an error naming it, never a silent default.
pub fn decode_server(text: &str) -> Result<ServerFrame, ProtocolError> {
    let raw: RawServerEnvelope =
        serde_json::from_str(text).map_err(|error| ProtocolError::Malformed(error.to_string()))?;
    if raw.v != PROTOCOL_VERSION {
        return Err(ProtocolError::Version(raw.v));
    }
    let invalid = |kind: &str, reason: String| ProtocolError::InvalidBody {
        kind: kind.to_owned(),
        reason: Invalid::Shape(reason),
    };
    match raw.kind.as_ref() {
        "ok" => {
            let body = match raw.body {
                Some(body) => serde_json::from_str(body.get())
                    .map_err(|error| ProtocolError::Malformed(error.to_string()))?,
                None => json!({}),
            };
            Ok(ServerFrame::Ok { re: raw.re, body })
        }
        "error" => {
            let error: ErrorBody =
                tagged::from_body(raw.body).map_err(|reason| invalid("error", reason))?;
            Ok(ServerFrame::Error {
                re: raw.re,
                code: error.code,
                message: error.message,
                detail: error.detail,
            })
        }
        kind => tagged::from_type_and_body(kind, raw.body)
            .map(ServerFrame::Event)
            .map_err(|reason| {
                if reason.starts_with("unknown variant") {
                    ProtocolError::UnknownType(kind.to_owned())
                } else {
                    invalid(kind, reason)
                }
            }),
    }
}
