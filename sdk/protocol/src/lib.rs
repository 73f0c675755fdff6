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
mod rejoin;
mod server;
pub mod stream;

pub use capability::{Capability, UnknownCapability};
pub use client::{AgentRequest, ConsoleRequest, CustomerRequest, Invalid, Role};
pub use detail::{ActivityEnd, Detail};
pub use language::Language;
pub use rejoin::RejoinAfterRestart;
pub use server::{
    CustomerPanel, ErrorCode, ParticipantInfo, ServerEvent, ServerFrame, ServerMessage,
    StreamOrigin, decode_server,
};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest control message from a console or customer page, in bytes.
pub const MAX_CONTROL_MESSAGE_BYTES: usize = 64 * 1024;
/// Largest message from a host agent: results carry capability output
/// (system information, script logs), up to 4 MiB of JSON text escaped.
pub const MAX_AGENT_MESSAGE_BYTES: usize = 12 * 1024 * 1024;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope {
    v: u32,
    #[serde(default)]
    id: Option<u64>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    body: Option<serde_json::Value>,
}

/// A decoded request and the id to answer it with.
#[derive(Debug, Clone, PartialEq)]
pub struct Request<T> {
    pub id: Option<u64>,
    pub message: T,
}

/// Decodes a text frame from a client of `role`.
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
    if !T::TYPES.contains(&raw.kind.as_str()) {
        let error = match client::owner_of(&raw.kind) {
            Some(_) => ProtocolError::Forbidden {
                kind: raw.kind,
                role: T::ROLE.plural(),
            },
            None => ProtocolError::UnknownType(raw.kind),
        };
        return Err((id, error));
    }
    let body = raw.body.unwrap_or_else(|| serde_json::json!({}));
    let tagged = serde_json::json!({ "type": raw.kind, "body": body });
    let message = T::deserialize(tagged).map_err(|error| {
        (
            id,
            ProtocolError::InvalidBody {
                kind: raw.kind.clone(),
                reason: Invalid::Shape(error.to_string()),
            },
        )
    })?;
    message.validate().map_err(|reason| {
        (
            id,
            ProtocolError::InvalidBody {
                kind: raw.kind,
                reason,
            },
        )
    })?;
    Ok(Request { id, message })
}

/// Encodes a request of any role as the text frame a client sends.
pub fn encode<T: RequestSet>(id: Option<u64>, request: &T) -> String {
    let mut value = serde_json::to_value(request).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(object) = value.as_object_mut() {
        object.insert("v".into(), serde_json::json!(PROTOCOL_VERSION));
        if let Some(id) = id {
            object.insert("id".into(), serde_json::json!(id));
        }
    }
    value.to_string()
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
