//! `consent`: a request is passed on with the manifest's consent texts (the
//! plugin cannot word the prompt itself, only add detail); the granter
//! decides whether it may be asked.

use tether_protocol::Capability;

use super::{check_len, off_the_clock};
use crate::plugin_host::services::{AskedCapability, ConsentError, ConsentOutcome, ConsentRequest};
use crate::plugin_host::state::PluginState;

/// Longest detail a plugin may add to a consent prompt, in bytes.
pub const MAX_DETAIL_BYTES: usize = 2048;
/// Most capabilities one prompt may ask for.
pub const MAX_CAPABILITIES_PER_PROMPT: usize = 8;

/// Asks `customer` once for every capability in `capabilities`.
pub async fn request_all(
    state: &mut PluginState,
    session: String,
    customer: String,
    capabilities: Vec<String>,
    detail: Option<String>,
) -> Result<ConsentOutcome, ConsentError> {
    let ctx = &state.context;
    if capabilities.is_empty() || capabilities.len() > MAX_CAPABILITIES_PER_PROMPT {
        return Err(ConsentError::Invalid(format!(
            "ask for 1 to {MAX_CAPABILITIES_PER_PROMPT} capabilities at once"
        )));
    }
    let mut asked: Vec<AskedCapability> = Vec::with_capacity(capabilities.len());
    let mut all_declared = true;
    for name in capabilities {
        // A name that is no capability cannot be declared either.
        let Ok(known) = name.parse::<Capability>() else {
            tracing::warn!(plugin = %ctx.scope.plugin, capability = %name, "consent for an unknown capability refused");
            return Err(ConsentError::UndeclaredCapability(name));
        };
        if asked.iter().any(|a| a.name == known) {
            return Err(ConsentError::Invalid(format!(
                "`{name}` is asked for twice"
            )));
        }
        let declared = ctx.manifest.capability(&name);
        all_declared &= declared.is_some();
        asked.push(AskedCapability {
            name: known,
            consent_text: declared.map(|d| d.consent.clone()).unwrap_or_default(),
            translations: declared
                .map(|d| d.consent_texts.clone())
                .unwrap_or_default(),
        });
    }
    if let Some(detail) = &detail {
        check_len("the detail", detail, MAX_DETAIL_BYTES).map_err(ConsentError::Invalid)?;
    }
    let request = ConsentRequest {
        session,
        customer,
        declared: all_declared,
        capabilities: asked,
        detail,
    };
    off_the_clock(
        &mut state.budget,
        ctx.sessions.request_consent(&ctx.scope, request),
    )
    .await
}
