//! `streams`: a plugin opens a stream under a capability its manifest
//! declares; the kernel decides as for an agent call of it (the granter),
//! then relays the frames itself (`streams/`). A stream from the host's
//! console runs under `app.share`; control of a CSR's application is given
//! and taken by the plugin that shows it.

use tether_protocol::Capability;
use tether_protocol::stream::StreamId;
use tracing::Instrument;

use super::{check_len, off_the_clock};
use crate::plugin_host::services::{
    AgentError, BrowserStreamOpening, StreamError, StreamInfo, StreamOpening,
};
use crate::plugin_host::state::PluginState;

/// Longest reason given when closing, in bytes.
const MAX_REASON_BYTES: usize = 500;

pub async fn open(
    state: &mut PluginState,
    session: String,
    source: String,
    capability: String,
    label: String,
) -> Result<StreamId, StreamError> {
    let ctx = &state.context;
    let Ok(known) = capability.parse::<Capability>() else {
        return Err(AgentError::UndeclaredCapability(capability).into());
    };
    let opening = StreamOpening {
        session,
        source,
        capability: known,
        declared: ctx.manifest.capability(known.as_str()).is_some(),
        label,
    };
    let span = tracing::info_span!("stream_open", plugin = %ctx.scope.plugin, capability = %known);
    let opened = ctx
        .sessions
        .open_stream(&ctx.scope, opening)
        .instrument(span);
    off_the_clock(&mut state.budget, opened).await
}

pub async fn open_from_browser(
    state: &mut PluginState,
    session: String,
    source: String,
    label: String,
) -> Result<StreamId, StreamError> {
    let ctx = &state.context;
    let opening = BrowserStreamOpening {
        session,
        source,
        declared: ctx
            .manifest
            .capability(Capability::AppShare.as_str())
            .is_some(),
        label,
    };
    let span = tracing::info_span!("stream_open_from_browser", plugin = %ctx.scope.plugin);
    let opened = ctx
        .sessions
        .open_stream_from_browser(&ctx.scope, opening)
        .instrument(span);
    off_the_clock(&mut state.budget, opened).await
}

pub async fn give_control(
    state: &mut PluginState,
    stream: u32,
    to: String,
) -> Result<(), StreamError> {
    let id = stream_id(stream)?;
    let ctx = &state.context;
    let given = ctx.sessions.give_stream_control(&ctx.scope, id, &to);
    off_the_clock(&mut state.budget, given).await
}

pub async fn take_control(state: &mut PluginState, stream: u32) -> Result<(), StreamError> {
    let id = stream_id(stream)?;
    let ctx = &state.context;
    let taken = ctx.sessions.take_stream_control(&ctx.scope, id);
    off_the_clock(&mut state.budget, taken).await
}

fn stream_id(stream: u32) -> Result<StreamId, StreamError> {
    StreamId::new(stream)
        .ok_or_else(|| StreamError::Invalid("stream id 0 is never a stream".into()))
}

pub async fn close(
    state: &mut PluginState,
    stream: u32,
    reason: String,
) -> Result<(), StreamError> {
    let id = stream_id(stream)?;
    check_len("the reason", &reason, MAX_REASON_BYTES).map_err(StreamError::Invalid)?;
    let ctx = &state.context;
    let closed = ctx.sessions.close_stream(&ctx.scope, id, &reason);
    off_the_clock(&mut state.budget, closed).await
}

pub async fn list(
    state: &mut PluginState,
    session: String,
) -> Result<Vec<StreamInfo>, StreamError> {
    let ctx = &state.context;
    ctx.sessions.list_streams(&ctx.scope, &session).await
}
