//! `tether:plugin/agent`: the first of the three locks is checked here (the
//! manifest declares the capability); the site lock was checked when the
//! event was dispatched, and the session side checks the live consent grant.

use tracing::Instrument;

use super::wit::agent::{AgentError, Host};
use super::{check_len, off_the_clock};
use crate::plugin_host::services::AgentCall;
use crate::plugin_host::state::PluginState;

/// Largest JSON input to an agent capability, in bytes: room for a 1 MB
/// script and a 1 MB input file, base64-encoded.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

impl Host for PluginState {
    async fn call(
        &mut self,
        session: String,
        participant: String,
        capability: String,
        input: String,
    ) -> Result<String, AgentError> {
        let ctx = &self.context;
        if ctx.manifest.capability(&capability).is_none() {
            tracing::warn!(plugin = %ctx.scope.plugin, %capability, "agent call for an undeclared capability refused");
            return Err(AgentError::UndeclaredCapability(capability));
        }
        check_len("the input", &input, MAX_INPUT_BYTES).map_err(AgentError::Failed)?;
        if serde_json::from_str::<serde_json::Value>(&input).is_err() {
            return Err(AgentError::Failed("the input is not JSON".into()));
        }
        let call = AgentCall {
            session,
            participant,
            capability,
            input,
        };
        let span = tracing::info_span!("agent_call", plugin = %ctx.scope.plugin, capability = %call.capability);
        let forwarded = ctx.sessions.call_agent(&ctx.scope, call).instrument(span);
        Ok(off_the_clock(&mut self.budget, forwarded).await?)
    }
}
