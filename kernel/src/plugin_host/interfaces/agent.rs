//! `agent`: the call is passed on with what the manifest says of the
//! capability; the granter (`consent/granter.rs`) decides on the whole call
//! in one place, on every call.

use tether_protocol::{Capability, RejoinAfterRestart};
use tracing::Instrument;

use super::{check_len, consent, off_the_clock};
use crate::plugin_host::services::{
    AgentCall, AgentError, ConsentError, ConsentOutcome, ConsentedCall,
};
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
    forward(state, session, participant, capability, input, false).await
}

/// Checks and forwards one call; `asks_when_refused` when the caller asks
/// for consent if it is refused for want of it.
async fn forward(
    state: &mut PluginState,
    session: String,
    participant: String,
    capability: String,
    input: String,
    asks_when_refused: bool,
) -> Result<String, AgentError> {
    let ctx = &state.context;
    // Stage marks of a call (the scripts benchmark reads them).
    tracing::debug!(plugin = %ctx.scope.plugin, %capability, bytes = input.len(), "agent call from the plugin");
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
        asks_when_refused,
        input,
    };
    let span = tracing::info_span!("agent_call", plugin = %ctx.scope.plugin, capability = %known);
    let forwarded = ctx.sessions.call_agent(&ctx.scope, call).instrument(span);
    let answered = off_the_clock(&mut state.budget, forwarded).await;
    tracing::debug!(capability = %known, ok = answered.is_ok(), "agent call answered");
    answered
}

/// [`call`], asking `participant` first when no live grant covers it: one
/// prompt for every capability in `asked` (empty: `capability` alone), then
/// the call once they agree. The plugin crosses into the kernel once, and
/// the granter still decides both the asking and the call.
pub async fn call_with_consent(
    state: &mut PluginState,
    session: String,
    participant: String,
    capability: String,
    input: String,
    mut asked: Vec<String>,
    detail: Option<String>,
) -> Result<ConsentedCall, AgentError> {
    if asked.is_empty() {
        asked.push(capability.clone());
    } else if !asked.contains(&capability) {
        return Err(AgentError::Failed(format!(
            "`{capability}` must be among the capabilities asked for"
        )));
    }
    let first = forward(
        state,
        session.clone(),
        participant.clone(),
        capability.clone(),
        input.clone(),
        true,
    );
    let refusal = match first.await {
        Err(refusal @ AgentError::NoConsent(_)) => refusal,
        done => return done.map(ConsentedCall::Done),
    };
    let asking = consent::request_all(state, session.clone(), participant.clone(), asked, detail);
    let outcome = match asking.await {
        // Nobody to ask (a CSR's computer): the refusal stands as it was.
        Err(ConsentError::UnknownParticipant(_)) => return Err(refusal),
        asked => asked?,
    };
    match outcome {
        ConsentOutcome::Granted => call(state, session, participant, capability, input)
            .await
            .map(ConsentedCall::Done),
        ConsentOutcome::Denied => Ok(ConsentedCall::Denied),
        ConsentOutcome::TimedOut => Ok(ConsentedCall::TimedOut),
    }
}

/// How `participant` comes back after their computer restarts, as their
/// agent said: a fact about the agent, not an action on the computer, so
/// no consent is needed to know it.
pub async fn rejoin_after_restart(
    state: &mut PluginState,
    session: String,
    participant: String,
) -> Result<RejoinAfterRestart, AgentError> {
    let sessions = state.context.sessions.clone();
    let scope = state.context.scope.clone();
    off_the_clock(
        &mut state.budget,
        sessions.agent_rejoin(&scope, &session, &participant),
    )
    .await
}
