//! # Tether wire protocol, version 1
//!
//! Control messages are JSON text frames, one envelope each:
//!
//! ```json
//! {"v": 1, "id": 7, "type": "chat.send", "body": {"session": "123456789", "text": "Hello"}}
//! ```
//!
//! * `v` — protocol version, always [`PROTOCOL_VERSION`];
//! * `id` — optional request id chosen by the client; the reply carries it
//!   as `re`;
//! * `type` — the message type; `body` — its fields (may be omitted when a
//!   type has none).
//!
//! The kernel answers every request with `{"v":1,"re":7,"type":"ok","body":…}`
//! or `{"v":1,"re":7,"type":"error","body":{"code":…,"message":…}}`, and
//! pushes [`ServerEvent`]s (without `re`) as things happen. Binary frames
//! belong to streams (application sharing): see [`stream`] for their header;
//! from the kernel to an agent they may also be the files of an agent call
//! (a script and its input file): see [`file_frame`].
//!
//! Every message is decoded and checked here, before any kernel logic sees
//! it: a frame over [`MAX_CONTROL_MESSAGE_BYTES`], malformed JSON, an unknown
//! type, unknown fields or a message another role sends all give a
//! [`ProtocolError`] and change nothing.

pub mod apps;
mod capability;
mod client;
mod detail;
pub mod file_frame;
mod language;
pub mod logging;
pub mod plugin_store;
pub mod public;
mod raw_json;
mod rejoin;
mod server;
mod server_message;
pub mod stream;
mod tagged;

pub use capability::{Capability, UnknownCapability};
pub use client::{AgentRequest, ConsoleRequest, CustomerRequest, Invalid, Role};
pub use detail::{ActivityEnd, Detail};
pub use language::Language;
pub use raw_json::RawJson;
pub use rejoin::RejoinAfterRestart;
pub use server::{
    CustomerPanel, ErrorCode, ParticipantInfo, ServerEvent, ServerFrame, StreamOrigin,
    decode_server,
};
pub use server_message::ServerMessage;

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest control message from a console or customer page, in bytes.
pub const MAX_CONTROL_MESSAGE_BYTES: usize = 64 * 1024;
/// Largest message from a host agent: results carry capability output
/// (system information, script logs), up to 4 MiB of JSON text escaped.
pub const MAX_AGENT_MESSAGE_BYTES: usize = 12 * 1024 * 1024;
/// The close code of a console the kernel signed out (its account was
/// disabled, deleted or had its password reset): the console shows the
/// sign-in form instead of connecting again. In WebSocket's range for
/// applications (4000–4999).
pub const SIGNED_OUT_CLOSE_CODE: u16 = 4401;
/// Longest chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 4000;

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("the message is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("the message is not a valid envelope: {0}")]
    Malformed(String),
    #[error("protocol version {0} is not supported; this kernel speaks version {PROTOCOL_VERSION}")]
    Version(u32),
    #[error("unknown message type `{0}`")]
    UnknownType(String),
    #[error("`{kind}` is not available to {role}")]
    Forbidden { kind: String, role: &'static str },
    #[error("`{kind}`: {reason}")]
    InvalidBody { kind: String, reason: Invalid },
}

impl ProtocolError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ProtocolError::Forbidden { .. } => ErrorCode::Forbidden,
            ProtocolError::TooLarge { .. } => ErrorCode::TooLarge,
            _ => ErrorCode::Malformed,
        }
    }

    /// The refusal for people to read in their language, where a person
    /// can cause it from a UI (a chat message too long or empty, one too
    /// large to send); the others are a client's bug and stay English.
    pub fn detail(&self) -> Option<Detail> {
        let count = |n: usize| n as u64;
        match self {
            ProtocolError::TooLarge { size, limit } => Some(Detail::MessageTooLarge {
                size: count(*size),
                limit: count(*limit),
            }),
            ProtocolError::InvalidBody { reason, .. } => match reason {
                Invalid::EmptyMessage => Some(Detail::MessageEmpty),
                Invalid::MessageTooLong { chars, limit } => Some(Detail::MessageTooLong {
                    chars: count(*chars),
                    limit: count(*limit),
                }),
                Invalid::CommandName
                | Invalid::ResultShape
                | Invalid::TooManyCapabilities
                | Invalid::ReasonLength
                | Invalid::Shape(_) => None,
            },
            ProtocolError::Malformed(_)
            | ProtocolError::Version(_)
            | ProtocolError::UnknownType(_)
            | ProtocolError::Forbidden { .. } => None,
        }
    }
}

/// An envelope as it arrives: its body stays text, borrowed from the frame,
/// until the type says what to read it as.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope<'a> {
    v: u32,
    #[serde(default)]
    id: Option<u64>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    body: Option<&'a RawValue>,
}

/// A decoded request and the id to answer it with.
#[derive(Debug, Clone, PartialEq)]
pub struct Request<T> {
    pub id: Option<u64>,
    pub message: T,
}

/// Decodes a text frame from a client of `role`. The body is read once,
/// straight into the request (no tree of it is built): an agent's answer
/// stays the text the agent wrote.
pub fn decode<T: RequestSet>(text: &str) -> Result<Request<T>, (Option<u64>, ProtocolError)> {
    if text.len() > T::MAX_BYTES {
        return Err((
            None,
            ProtocolError::TooLarge {
                size: text.len(),
                limit: T::MAX_BYTES,
            },
        ));
    }
    let raw: RawEnvelope = serde_json::from_str(text)
        .map_err(|error| (None, ProtocolError::Malformed(error.to_string())))?;
    let id = raw.id;
    if raw.v != PROTOCOL_VERSION {
        return Err((id, ProtocolError::Version(raw.v)));
    }
    let kind = raw.kind.as_ref();
    if !T::TYPES.contains(&kind) {
        let error = match client::owner_of(kind) {
            Some(_) => ProtocolError::Forbidden {
                kind: kind.to_owned(),
                role: T::ROLE.plural(),
            },
            None => ProtocolError::UnknownType(kind.to_owned()),
        };
        return Err((id, error));
    }
    let invalid = |reason: Invalid| {
        (
            id,
            ProtocolError::InvalidBody {
                kind: kind.to_owned(),
                reason,
            },
        )
    };
    let message: T = tagged::from_type_and_body(kind, raw.body)
        .map_err(|error| invalid(Invalid::Shape(error)))?;
    message.validate().map_err(invalid)?;
    Ok(Request { id, message })
}

/// A request as a client sends it: the version and id, then the request's
/// own `type` and `body`.
#[derive(Serialize)]
struct OutgoingEnvelope<'a, T> {
    v: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    #[serde(flatten)]
    request: &'a T,
}

/// Encodes a request of any role as the text frame a client sends (written
/// straight to text: an agent's answer is copied in as it is).
pub fn encode<T: RequestSet>(id: Option<u64>, request: &T) -> String {
    let envelope = OutgoingEnvelope {
        v: PROTOCOL_VERSION,
        id,
        request,
    };
    serde_json::to_string(&envelope).unwrap_or_else(|_| {
        // Only a request no derive could write ends here (none does): the
        // kernel refuses an envelope without a type, naming the field.
        serde_json::json!({ "v": PROTOCOL_VERSION, "id": id }).to_string()
    })
}

/// The requests one role may send.
pub trait RequestSet: DeserializeOwned + Serialize {
    const ROLE: Role;
    /// Every `type` of this set.
    const TYPES: &'static [&'static str];
    /// Largest message of this set, in bytes.
    const MAX_BYTES: usize = MAX_CONTROL_MESSAGE_BYTES;
    /// Checks beyond the shape (lengths, formats).
    fn validate(&self) -> Result<(), Invalid> {
        Ok(())
    }
}

#[cfg(feature = "ts")]
pub mod typescript;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz;
