//! `tether:plugin/agent@0.1.2` (0.1.0 without `call-with-consent`, 0.1.1
//! without `rejoin-after-restart`).

use tether_protocol::RejoinAfterRestart;

use super::tether::plugin::agent::{AgentError, ConsentedCall, Host, Rejoin};
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

    async fn call_with_consent(
        &mut self,
        session: String,
        participant: String,
        capability: String,
        input: String,
        asked: Vec<String>,
        detail: Option<String>,
    ) -> Result<ConsentedCall, AgentError> {
        use crate::plugin_host::services::ConsentedCall as Outcome;
        let outcome =
            agent::call_with_consent(self, session, participant, capability, input, asked, detail)
                .await?;
        Ok(match outcome {
            Outcome::Done(output) => ConsentedCall::Done(output),
            Outcome::Denied => ConsentedCall::Denied,
            Outcome::TimedOut => ConsentedCall::TimedOut,
        })
    }

    async fn rejoin_after_restart(
        &mut self,
        session: String,
        participant: String,
    ) -> Result<Rejoin, AgentError> {
        Ok(
            match agent::rejoin_after_restart(self, session, participant).await? {
                RejoinAfterRestart::ByItself => Rejoin::ByItself,
                RejoinAfterRestart::WithLink => Rejoin::WithLink,
            },
        )
    }
}
