//! The body of an `ok` reply: a value the kernel built, or JSON text a
//! plugin wrote, which goes out as it is (a plugin's reply can be tens of
//! kilobytes; parsing it into a tree only to write it again cost more than
//! the rest of the round trip).

use serde_json::Value;
use serde_json::value::RawValue;
use tether_protocol::ServerMessage;

#[derive(Debug)]
pub(crate) enum ReplyBody {
    /// Built by the kernel.
    Value(Value),
    /// JSON text, already checked.
    Json(Box<RawValue>),
}

impl ReplyBody {
    /// The `ok` reply to request `re`.
    pub(crate) fn into_message(self, re: Option<u64>) -> ServerMessage {
        match self {
            ReplyBody::Value(body) => ServerMessage::ok(re, body),
            ReplyBody::Json(body) => ServerMessage::ok_raw(re, &body),
        }
    }
}

impl From<Value> for ReplyBody {
    fn from(body: Value) -> ReplyBody {
        ReplyBody::Value(body)
    }
}

impl From<Box<RawValue>> for ReplyBody {
    fn from(body: Box<RawValue>) -> ReplyBody {
        ReplyBody::Json(body)
    }
}
