//! `tether:plugin/consent`: a request is only passed on for a capability the
//! manifest declares, with the manifest's consent text (the plugin cannot
//! word the prompt itself, only add detail).

use super::wit::consent::{ConsentError, Host, Outcome};
use super::{check_len, off_the_clock};
use crate::plugin_host::services::ConsentRequest;
use crate::plugin_host::state::PluginState;

/// Longest detail a plugin may add to a consent prompt, in bytes.
pub const MAX_DETAIL_BYTES: usize = 2048;

impl Host for PluginState {
    async fn request(
        &mut self,
        session: String,
        customer: String,
        capability: String,
        detail: Option<String>,
    ) -> Result<Outcome, ConsentError> {
        let ctx = &self.context;
        let Some(declared) = ctx.manifest.capability(&capability) else {
            tracing::warn!(plugin = %ctx.scope.plugin, %capability, "consent for an undeclared capability refused");
            return Err(ConsentError::UndeclaredCapability(capability));
        };
        if let Some(detail) = &detail {
            check_len("the detail", detail, MAX_DETAIL_BYTES).map_err(ConsentError::Invalid)?;
        }
        let request = ConsentRequest {
            session,
            customer,
            capability,
            consent_text: declared.consent.clone(),
            detail,
        };
        let outcome = off_the_clock(
            &mut self.budget,
            ctx.sessions.request_consent(&ctx.scope, request),
        )
        .await?;
        Ok(outcome.into())
    }
}
