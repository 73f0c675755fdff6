//! `agent`: the call is passed on with what the manifest says of the
//! capability; the granter (`consent/granter.rs`) decides on the whole call
//! in one place, on every call.

use tether_protocol::Capability;
use tracing::Instrument;

use super::{check_len, off_the_clock};
use crate::plugin_host::services::{AgentCall, AgentError};
use crate::plugin_host::state::PluginState;

/// Largest JSON input to an agent capability, in bytes: room for a 1 MB
/// script and a 1 MB input file, base64-encoded.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Calls `capability` on `participant`'s agent with the JSON `input`;
/// returns the agent's JSON output.
pub async fn call(
    state: &mut PluginState,
    session: String,
    participant: String,
    capability: String,
    input: String,
) -> Result<String, AgentError> {
    let ctx = &state.context;
    // A name that is no capability cannot be declared either.
    let Ok(known) = capability.parse::<Capability>() else {
        tracing::warn!(plugin = %ctx.scope.plugin, %capability, "agent call for an unknown capability refused");
        return Err(AgentError::UndeclaredCapability(capability));
    };
    check_len("the input", &input, MAX_INPUT_BYTES).map_err(AgentError::Failed)?;
    // Parsed once here; it travels as JSON from now on.
    let input = serde_json::from_str(&input)
        .map_err(|error| AgentError::Failed(format!("the input is not JSON: {error}")))?;
    let call = AgentCall {
        session,
        participant,
        capability: known,
        declared: ctx.manifest.capability(known.as_str()).is_some(),
        input,
    };
    let span = tracing::info_span!("agent_call", plugin = %ctx.scope.plugin, capability = %known);
    let forwarded = ctx.sessions.call_agent(&ctx.scope, call).instrument(span);
    off_the_clock(&mut state.budget, forwarded).await
}
