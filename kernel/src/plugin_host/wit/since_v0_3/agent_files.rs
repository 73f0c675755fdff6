//! `tether:plugin/agent-files@0.3.0`.

use super::tether::plugin0_3_0::agent_files::{CallFile, Host};
use crate::plugin_host::interfaces::agent;
use crate::plugin_host::services::PluginFile;
use crate::plugin_host::state::PluginState;
use crate::plugin_host::wit::since_v0_1::tether::plugin::agent::AgentError;

impl Host for PluginState {
    async fn call_with_files(
        &mut self,
        session: String,
        participant: String,
        capability: String,
        input: String,
        files: Vec<CallFile>,
    ) -> Result<String, AgentError> {
        let files = files
            .into_iter()
            .map(|file| match file {
                CallFile::Bytes(bytes) => PluginFile::Bytes(bytes),
                CallFile::Stored(key) => PluginFile::Stored(key),
            })
            .collect();
        Ok(agent::call_with_files(self, session, participant, capability, input, files).await?)
    }
}
