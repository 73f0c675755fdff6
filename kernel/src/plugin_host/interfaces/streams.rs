//! `streams`: a plugin opens a stream under a capability its manifest
//! declares; the kernel decides as for an agent call of it (the granter),
//! then relays the frames itself (`streams/`).

use tether_protocol::Capability;
use tether_protocol::stream::StreamId;
use tracing::Instrument;

use super::{check_len, off_the_clock};
use crate::plugin_host::services::{AgentError, StreamError, StreamInfo, StreamOpening};
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

pub async fn close(
    state: &mut PluginState,
    stream: u32,
    reason: String,
) -> Result<(), StreamError> {
    let Some(id) = StreamId::new(stream) else {
        return Err(StreamError::Invalid("stream id 0 is never a stream".into()));
    };
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
