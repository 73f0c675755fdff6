//! Calling capabilities on a participant's host agent. Every call needs a
//! live consent grant; the kernel checks it on each call.

use serde::{Serialize, de::DeserializeOwned};

pub use crate::bindings::v0_1::agent::{AgentError, Rejoin};

use super::raw;
use crate::{Capability, PluginError};

/// Calls `capability` with a JSON `input` and returns the agent's JSON output.
pub fn call(
    session: &str,
    participant: &str,
    capability: Capability,
    input: &str,
) -> Result<String, AgentError> {
    raw::agent::call(session, participant, capability.as_str(), input)
}

/// [`call`] by name, for a name this SDK does not know (the kernel refuses
/// it unless the manifest declares it and the agent offers it).
pub fn call_by_name(
    session: &str,
    participant: &str,
    capability: &str,
    input: &str,
) -> Result<String, AgentError> {
    raw::agent::call(session, participant, capability, input)
}

/// [`call`] with serde on both sides.
pub fn call_json<I: Serialize, O: DeserializeOwned>(
    session: &str,
    participant: &str,
    capability: Capability,
    input: &I,
) -> Result<O, PluginError> {
    let input = serde_json::to_string(input)
        .map_err(|error| PluginError::Failed(format!("could not encode the input: {error}")))?;
    let output = call(session, participant, capability, &input)?;
    serde_json::from_str(&output).map_err(|error| {
        PluginError::Failed(format!(
            "`{capability}` returned unexpected output: {error}"
        ))
    })
}

/// The outcome of a call that may first need the customer's permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consented<T> {
    /// The agent answered.
    Done(T),
    /// The customer said no.
    Denied,
    /// The customer did not answer in time.
    TimedOut,
}

/// Calls `capability`; when the customer has not allowed it (yet, or any
/// more), asks them with the manifest's consent text and `detail`, and calls
/// again once they agree. Denial and timeout are outcomes, not errors: the
/// plugin tells the CSR.
pub fn call_with_consent(
    session: &str,
    participant: &str,
    capability: Capability,
    input: &str,
    detail: Option<&str>,
) -> Result<Consented<String>, PluginError> {
    call_with_consent_for(
        session,
        participant,
        capability,
        input,
        detail,
        &[capability],
    )
}

/// [`call_with_consent`], asking in one prompt for every capability in
/// `asked` (which includes `capability`): for actions whose follow-up must
/// not need a second question, like logging the customer back on.
///
/// The kernel does it in one round: it calls, and only when no live grant
/// covers the call asks the customer and calls again.
pub fn call_with_consent_for(
    session: &str,
    participant: &str,
    capability: Capability,
    input: &str,
    detail: Option<&str>,
    asked: &[Capability],
) -> Result<Consented<String>, PluginError> {
    let asked: Vec<&str> = asked.iter().map(|c| c.as_str()).collect();
    call_with_consent_by_name(
        session,
        participant,
        capability.as_str(),
        input,
        detail,
        &asked,
    )
}

/// [`call_with_consent_for`] by name, for names this SDK does not know.
pub fn call_with_consent_by_name(
    session: &str,
    participant: &str,
    capability: &str,
    input: &str,
    detail: Option<&str>,
    asked: &[&str],
) -> Result<Consented<String>, PluginError> {
    use crate::bindings::v0_1::agent::ConsentedCall;
    let asked: Vec<String> = asked.iter().map(|&name| name.to_owned()).collect();
    let outcome =
        raw::agent::call_with_consent(session, participant, capability, input, &asked, detail)?;
    Ok(match outcome {
        ConsentedCall::Done(output) => Consented::Done(output),
        ConsentedCall::Denied => Consented::Denied,
        ConsentedCall::TimedOut => Consented::TimedOut,
    })
}

/// How `participant` comes back into the session after their computer
/// restarts, as their agent said when it connected: by itself, or with the
/// session link. `Unavailable` while no agent is connected for them. Asks
/// nobody and touches nothing (plugin API 0.1.2).
pub fn rejoin_after_restart(session: &str, participant: &str) -> Result<Rejoin, AgentError> {
    raw::agent::rejoin_after_restart(session, participant)
}

/// A sentence for the CSR (the generated `Display` is only `Debug`).
pub fn describe(error: &AgentError) -> String {
    match error {
        AgentError::UnknownSession(s) => format!("unknown session {s}"),
        AgentError::UnknownParticipant(p) => format!("unknown participant {p}"),
        AgentError::NoConsent(m) => format!("no consent: {m}"),
        AgentError::UndeclaredCapability(c) => {
            format!("capability `{c}` is not declared or not enabled")
        }
        AgentError::Unavailable(m) => format!("unavailable: {m}"),
        AgentError::Failed(m) => format!("failed: {m}"),
    }
}

impl From<AgentError> for PluginError {
    fn from(error: AgentError) -> Self {
        match error {
            AgentError::NoConsent(_) => PluginError::Denied(describe(&error)),
            AgentError::UnknownSession(_)
            | AgentError::UnknownParticipant(_)
            | AgentError::UndeclaredCapability(_) => PluginError::InvalidInput(describe(&error)),
            AgentError::Unavailable(_) | AgentError::Failed(_) => {
                PluginError::Failed(describe(&error))
            }
        }
    }
}
