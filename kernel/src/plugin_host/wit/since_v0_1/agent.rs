//! `tether:plugin/agent@0.1.0`.

use super::tether::plugin::agent::{AgentError, Host};
use crate::plugin_host::interfaces::agent;
use crate::plugin_host::state::PluginState;

impl Host for PluginState {
    async fn call(
        &mut self,
        session: String,
        participant: String,
        capability: String,
        input: String,
    ) -> Result<String, AgentError> {
        Ok(agent::call(self, session, participant, capability, input).await?)
    }
}
