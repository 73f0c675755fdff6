//! `agent`: the call is passed on with what the manifest says of the
//! capability; the granter (`consent/granter.rs`) decides on the whole call
//! in one place, on every call.

use std::time::Instant;

use axum::body::Bytes;
use tether_protocol::file_frame::{FileFrameError, check_file_count, check_file_size};
use tether_protocol::{Capability, RawJson, RejoinAfterRestart};
use tracing::Instrument;

use super::{check_len, consent, off_the_clock, store};
use crate::plugin_host::services::{
    AgentCall, AgentError, ConsentError, ConsentOutcome, ConsentedCall, KvError, PluginFile,
};
use crate::plugin_host::state::PluginState;

/// Largest JSON input to an agent capability, in bytes. Files travel
/// beside the input (`call-with-files`); plugins of 0.1 and 0.2 may still
/// put data of their own in it.
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
    arrived(state, &capability, input.len());
    forward(
        state,
        session,
        participant,
        capability,
        input,
        false,
        Vec::new(),
    )
    .await
}

/// A stage mark of a call (the scripts benchmark reads it): the plugin's
/// call has just crossed into the kernel.
fn arrived(state: &PluginState, capability: &str, input_bytes: usize) {
    let plugin = &state.context.scope.plugin;
    tracing::debug!(%plugin, %capability, input_bytes, "agent call from the plugin");
}

/// [`call`] with `files`, in order (`agent-files`, 0.3): at most
/// [`MAX_CALL_FILES`](tether_protocol::file_frame::MAX_CALL_FILES), each
/// at most [`MAX_CALL_FILE_BYTES`](tether_protocol::file_frame::MAX_CALL_FILE_BYTES). A stored file
/// is read from the plugin's own store here, so its bytes never pass
/// through the plugin; every file goes to the agent as a file frame after
/// the call.
pub async fn call_with_files(
    state: &mut PluginState,
    session: String,
    participant: String,
    capability: String,
    input: String,
    files: Vec<PluginFile>,
) -> Result<String, AgentError> {
    arrived(state, &capability, input.len());
    let refused = |error: FileFrameError| AgentError::Failed(error.to_string());
    check_file_count(files.len()).map_err(refused)?;
    let reading = Instant::now();
    let mut ready = Vec::with_capacity(files.len());
    for (index, file) in files.into_iter().enumerate() {
        let bytes = match file {
            PluginFile::Bytes(bytes) => bytes,
            PluginFile::Stored(key) => read_stored(state, index, key).await?,
        };
        check_file_size(index, bytes.len()).map_err(refused)?;
        ready.push(Bytes::from(bytes));
    }
    // A stage mark of a call (the scripts benchmark reads it).
    tracing::debug!(
        "stored files read: {} bytes in {} us",
        ready.iter().map(Bytes::len).sum::<usize>(),
        reading.elapsed().as_micros()
    );
    forward(state, session, participant, capability, input, false, ready).await
}

/// File `index` of a call: the value of `key` in the plugin's store.
async fn read_stored(
    state: &mut PluginState,
    index: usize,
    key: String,
) -> Result<Vec<u8>, AgentError> {
    match store::get(state, key.clone()).await {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(AgentError::Failed(format!(
            "file {index}: the plugin's store holds nothing at `{key}`"
        ))),
        Err(KvError::Unavailable(why)) => Err(AgentError::Unavailable(why)),
        Err(KvError::InvalidKey(why) | KvError::TooLarge(why)) => {
            Err(AgentError::Failed(format!("file {index}: {why}")))
        }
    }
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
    files: Vec<Bytes>,
) -> Result<String, AgentError> {
    let ctx = &state.context;
    // A name that is no capability cannot be declared either.
    let Ok(known) = capability.parse::<Capability>() else {
        tracing::warn!(plugin = %ctx.scope.plugin, %capability, "agent call for an unknown capability refused");
        return Err(AgentError::UndeclaredCapability(capability));
    };
    check_len("the input", &input, MAX_INPUT_BYTES).map_err(AgentError::Failed)?;
    // Checked once here, without building a tree; it travels as the text
    // the plugin wrote from now on.
    let input = RawJson::from_text(&input)
        .map_err(|error| AgentError::Failed(format!("the input is not JSON: {error}")))?;
    let call = AgentCall {
        session,
        participant,
        capability: known,
        declared: ctx.manifest.capability(known.as_str()).is_some(),
        asks_when_refused,
        input,
        files,
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
    arrived(state, &capability, input.len());
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
        Vec::new(),
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
