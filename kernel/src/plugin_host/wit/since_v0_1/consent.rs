//! `tether:plugin/consent@0.1` (unchanged since 0.1.0).

use super::tether::plugin::consent::{ConsentError, Host, Outcome};
use crate::plugin_host::interfaces::consent;
use crate::plugin_host::state::PluginState;

impl Host for PluginState {
    async fn request(
        &mut self,
        session: String,
        customer: String,
        capability: String,
        detail: Option<String>,
    ) -> Result<Outcome, ConsentError> {
        self.request_all(session, customer, vec![capability], detail)
            .await
    }

    async fn request_all(
        &mut self,
        session: String,
        customer: String,
        capabilities: Vec<String>,
        detail: Option<String>,
    ) -> Result<Outcome, ConsentError> {
        let outcome = consent::request_all(self, session, customer, capabilities, detail).await?;
        Ok(outcome.into())
    }
}
