//! The kernel's outgoing envelopes — replies, refusals and events —
//! written as text once, when they are built.

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::{Detail, ErrorCode, PROTOCOL_VERSION, ServerEvent};

/// An outgoing envelope, encoded once when it is built: every socket it
/// goes to sends that same text (a message to many is written once, not
/// once per recipient). `type` comes right after `v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMessage {
    text: Arc<str>,
    /// Where the value of `type` lies in `text`.
    kind: Range<usize>,
}

/// An `ok` reply or a refusal, as it is written.
#[derive(Serialize)]
struct ReplyEnvelope<'a, B: ?Sized> {
    v: u32,
    #[serde(rename = "type")]
    kind: &'static str,
    re: Option<u64>,
    body: &'a B,
}

/// A refusal's body.
#[derive(Serialize)]
struct RefusalBody<'a> {
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a Detail>,
}

/// An event, as it is written: the event's own `type` and `body`.
#[derive(Serialize)]
struct EventEnvelope<'a> {
    v: u32,
    #[serde(flatten)]
    event: &'a ServerEvent,
}

impl ServerMessage {
    pub fn ok(re: Option<u64>, body: Value) -> ServerMessage {
        ServerMessage::reply("ok", re, &body)
    }

    /// An `ok` reply whose body is JSON text already checked (a plugin's
    /// reply): copied in as it is, never parsed into a tree.
    pub fn ok_raw(re: Option<u64>, body: &RawValue) -> ServerMessage {
        ServerMessage::reply("ok", re, body)
    }

    pub fn error(re: Option<u64>, code: ErrorCode, message: impl Into<String>) -> ServerMessage {
        ServerMessage::refusal(re, code, message, None)
    }

    /// A refusal with its `detail` for clients to say in their language.
    pub fn refusal(
        re: Option<u64>,
        code: ErrorCode,
        message: impl Into<String>,
        detail: Option<&Detail>,
    ) -> ServerMessage {
        let message = message.into();
        let body = RefusalBody {
            code,
            message: &message,
            detail,
        };
        ServerMessage::reply("error", re, &body)
    }

    pub fn event(event: &ServerEvent) -> ServerMessage {
        let envelope = EventEnvelope {
            v: PROTOCOL_VERSION,
            event,
        };
        match serde_json::to_string(&envelope) {
            Ok(text) => ServerMessage::written(text),
            Err(error) => ServerMessage::error(None, ErrorCode::Internal, error.to_string()),
        }
    }

    fn reply<B: Serialize + ?Sized>(
        kind: &'static str,
        re: Option<u64>,
        body: &B,
    ) -> ServerMessage {
        let envelope = ReplyEnvelope {
            v: PROTOCOL_VERSION,
            kind,
            re,
            body,
        };
        match serde_json::to_string(&envelope) {
            Ok(text) => ServerMessage::written(text),
            // Only a body no derive could write ends here (none does); the
            // client still hears that its request failed.
            Err(error) => ServerMessage::written(format!(
                r#"{{"v":{PROTOCOL_VERSION},"type":"error","re":{},"body":{{"code":"internal","message":{}}}}}"#,
                json!(re),
                json!(error.to_string()),
            )),
        }
    }

    /// A message another kernel node wrote (a connection relayed between
    /// nodes), sent on as it is.
    pub fn relayed(text: String) -> ServerMessage {
        ServerMessage::written(text)
    }

    /// The message of `text`, which begins `{"v":1,"type":"…"`.
    fn written(text: String) -> ServerMessage {
        const TYPE_KEY: &str = r#""type":""#;
        let start = text.find(TYPE_KEY).map_or(0, |at| at + TYPE_KEY.len());
        let end = text[start..]
            .find('"')
            .map_or(start, |length| start + length);
        ServerMessage {
            text: text.into(),
            kind: start..end,
        }
    }

    pub fn kind(&self) -> &str {
        &self.text[self.kind.clone()]
    }

    /// The text to send, shared by every copy of this message.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn to_text(&self) -> String {
        self.text.to_string()
    }
}
