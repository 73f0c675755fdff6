//! Streams (plugin API 0.2): binary frames from a customer's agent to the
//! session's CSR consoles — an application the customer shares — or from
//! the host CSR's own agent or console to the customers, relayed by the
//! kernel. The frames never pass through the plugin: it opens a stream,
//! tells the agent which stream id to send on (an agent call), and closes
//! it; the kernel closes it too when the rules say so (consent withdrawn,
//! control passed, another customer selected, the agent or the source
//! leaving, the session ending) and the plugin hears of every close
//! through [`crate::Plugin::stream_closed`].
//!
//! A CSR may let one customer control an application shown from their own
//! agent ([`give_control`], [`take_control`]); when the controller changes
//! otherwise (the CSR takes it back on their computer, the customer
//! leaves) the plugin hears of it through [`crate::Plugin::stream_control`].
//!
//! A manifest that wants this interface says `api-version = "0.2"` and
//! lists `streams` under `imports`.

pub use crate::bindings::v0_2::streams::{StreamError, StreamId, StreamInfo, StreamOrigin};

use super::raw;
use crate::{Capability, PluginError};

/// Longest label the kernel accepts, in characters (without control
/// characters; surrounding blanks are trimmed).
pub const MAX_LABEL_CHARS: usize = 200;
/// Longest reason for closing the kernel accepts, in bytes.
pub const MAX_REASON_BYTES: usize = 500;

/// Opens a stream from `source`'s agent under `capability`. The kernel
/// allows it exactly when it would allow an agent call of `capability` on
/// `source` now (declared, enabled, an agent offering it, and a live grant
/// from that customer — or `source` is the session's host and
/// `capability` one of the applications the host shows: then it is a
/// [`StreamOrigin::CsrAgent`] stream to everyone else in the session);
/// `label` is what the participants see.
pub fn open(
    session: &str,
    source: &str,
    capability: Capability,
    label: &str,
) -> Result<StreamId, StreamError> {
    raw::streams::open(session, source, capability.as_str(), label)
}

/// [`open`] by name, for a capability this SDK does not know.
pub fn open_by_name(
    session: &str,
    source: &str,
    capability: &str,
    label: &str,
) -> Result<StreamId, StreamError> {
    raw::streams::open(session, source, capability, label)
}

/// Opens a stream whose pictures come from `source`'s console: the host
/// CSR shares a screen or window from the browser, and the console panel
/// encodes and sends the pictures. `source` must be the session's host
/// with a console connected, and the manifest must declare `app.share`.
/// Nobody ever controls such a stream.
pub fn open_from_browser(
    session: &str,
    source: &str,
    label: &str,
) -> Result<StreamId, StreamError> {
    raw::streams::open_from_browser(session, source, label)
}

/// Lets `to`, a customer of the stream's session, control the application
/// this plugin's [`StreamOrigin::CsrAgent`] stream shows; `invalid` for any
/// other stream. Giving it to another customer takes it from the first;
/// the stream goes on.
pub fn give_control(id: StreamId, to: &str) -> Result<(), StreamError> {
    raw::streams::give_control(id, to)
}

/// Takes control of this plugin's [`StreamOrigin::CsrAgent`] stream back
/// (nothing changes when nobody has it).
pub fn take_control(id: StreamId) -> Result<(), StreamError> {
    raw::streams::take_control(id)
}

/// Closes a stream this plugin opened; `reason` goes to the CSRs, the
/// customer's agent and the report. The plugin then gets
/// [`crate::Plugin::stream_closed`] for it, like for any other close.
pub fn close(id: StreamId, reason: &str) -> Result<(), StreamError> {
    raw::streams::close(id, reason)
}

/// The streams this plugin has open in `session`: the kernel's own list,
/// so it is right even when a close has not reached the plugin yet.
pub fn open_streams(session: &str) -> Result<Vec<StreamInfo>, StreamError> {
    raw::streams::open_streams(session)
}

/// `label` as the kernel accepts it: control characters become spaces,
/// blanks are trimmed, and it is cut to [`MAX_LABEL_CHARS`]. Window titles
/// come from the customer's computer and may be anything.
pub fn fit_label(label: &str) -> String {
    let cleaned: String = label
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned
        .trim()
        .chars()
        .take(MAX_LABEL_CHARS)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// A sentence for the CSR (the generated `Display` is only `Debug`).
pub fn describe(error: &StreamError) -> String {
    match error {
        StreamError::UnknownSession(s) => format!("unknown session {s}"),
        StreamError::UnknownParticipant(p) => format!("unknown participant {p}"),
        StreamError::NoConsent(m) => format!("no consent: {m}"),
        StreamError::UndeclaredCapability(c) => {
            format!("capability `{c}` is not declared or not enabled")
        }
        StreamError::Unavailable(m) => format!("unavailable: {m}"),
        StreamError::UnknownStream(id) => format!("no stream {id} of this plugin is open"),
        StreamError::Invalid(m) => format!("invalid: {m}"),
    }
}

impl From<StreamError> for PluginError {
    fn from(error: StreamError) -> Self {
        match error {
            StreamError::NoConsent(_) => PluginError::Denied(describe(&error)),
            StreamError::Unavailable(_) => PluginError::Failed(describe(&error)),
            StreamError::UnknownSession(_)
            | StreamError::UnknownParticipant(_)
            | StreamError::UndeclaredCapability(_)
            | StreamError::UnknownStream(_)
            | StreamError::Invalid(_) => PluginError::InvalidInput(describe(&error)),
        }
    }
}
