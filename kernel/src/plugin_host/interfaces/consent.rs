//! `consent`: a request is passed on with the manifest's consent texts (the
//! plugin cannot word the prompt itself, only add detail); the granter
//! decides whether it may be asked. Where the manifest words a capability
//! for a customer whose agent cannot come back by itself after a restart,
//! the agent's own report chooses the wording.

use tether_protocol::{Capability, RejoinAfterRestart};

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
    if capabilities.is_empty() || capabilities.len() > MAX_CAPABILITIES_PER_PROMPT {
        return Err(ConsentError::Invalid(format!(
            "ask for 1 to {MAX_CAPABILITIES_PER_PROMPT} capabilities at once"
        )));
    }
    let rejoins_by_itself =
        rejoins_by_itself(&mut *state, &session, &customer, &capabilities).await;
    let ctx = &state.context;
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
        let (consent_text, translations) = declared
            .map(|d| d.consent_for(rejoins_by_itself))
            .map(|(text, texts)| (text.to_owned(), texts.clone()))
            .unwrap_or_default();
        asked.push(AskedCapability {
            name: known,
            consent_text,
            translations,
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

/// Whether `customer`'s agent said it comes back by itself after a restart;
/// asked only when the manifest words one of `capabilities` for both
/// cases. No agent, or one that did not say, counts as no: a prompt never
/// promises more than the agent said.
async fn rejoins_by_itself(
    state: &mut PluginState,
    session: &str,
    customer: &str,
    capabilities: &[String],
) -> bool {
    let ctx = &state.context;
    let worded_for_both = capabilities.iter().any(|name| {
        ctx.manifest
            .capability(name)
            .is_some_and(|d| d.consent_rejoin_with_link.is_some())
    });
    if !worded_for_both {
        return false;
    }
    let sessions = ctx.sessions.clone();
    let scope = ctx.scope.clone();
    off_the_clock(
        &mut state.budget,
        sessions.agent_rejoin(&scope, session, customer),
    )
    .await
    .is_ok_and(|rejoin| rejoin == RejoinAfterRestart::ByItself)
}
