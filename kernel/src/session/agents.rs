//! Host agents: what they offer, and capability calls — each decided by
//! the granter, tracked as an activity while it runs (and after, when what
//! it did lasts), and ended by the kernel when the rules say so.

use tether_protocol::{Capability, RawJson, RejoinAfterRestart, ServerEvent};

use super::Sessions;
use crate::activity::{Activity, CallFailure, EndReason, Finished, NotRunning, Scope, rules};
use crate::consent::granter::{self, CallFacts, Refusal, Target};
use crate::consent::grants::GrantScope;
use crate::plugin_host::services::{AgentCall, AgentError, PluginScope};
use crate::routing::Endpoint;
use crate::storage::{ParticipantRole, now_millis};
use crate::token::short_id;

/// Largest agent output passed back to a plugin, as JSON text.
pub const MAX_AGENT_OUTPUT_BYTES: usize = 4 * 1024 * 1024;

impl Sessions {
    /// The agent reports the capabilities this machine offers (each once),
    /// and how the customer comes back after a restart.
    pub async fn agent_hello(
        &self,
        number: &str,
        participant: &str,
        mut capabilities: Vec<Capability>,
        rejoin: RejoinAfterRestart,
    ) {
        capabilities.sort();
        capabilities.dedup();
        let listed = capabilities
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let _ = self.with_live(number, |s| {
            if let Some(p) = s.participants.get_mut(participant) {
                p.agent_capabilities = Some(capabilities.clone());
                p.agent_rejoin = Some(rejoin);
            }
            Ok(())
        });
        self.tell_agent_changed(number, participant, Some(capabilities));
        self.record(number, "agent.capabilities", participant, listed)
            .await;
    }

    /// Tells the session's CSRs, and the participant's own page or
    /// console, what `participant`'s agent offers now (`None`: it is gone).
    pub(crate) fn tell_agent_changed(
        &self,
        number: &str,
        participant: &str,
        capabilities: Option<Vec<Capability>>,
    ) {
        let to: Vec<String> = self
            .with_live(number, |s| {
                Ok(s.participants
                    .values()
                    .filter(|p| p.role != ParticipantRole::Customer || p.id.as_str() == participant)
                    .map(|p| p.id.to_string())
                    .collect())
            })
            .unwrap_or_default();
        let event = ServerEvent::ParticipantAgent {
            session: number.to_owned(),
            participant: participant.to_owned(),
            capabilities,
        };
        for id in to {
            self.send_event(&Endpoint::ui(&id), &event);
        }
    }

    /// How `participant` comes back after their computer restarts, as their
    /// agent said; `Unavailable` while no agent is connected for them.
    pub fn agent_rejoin(
        &self,
        number: &str,
        participant: &str,
    ) -> Result<RejoinAfterRestart, AgentError> {
        let found = self
            .with_live(number, |s| {
                Ok(s.participant(participant)
                    .map(|p| (p.display_name.clone(), p.agent_rejoin)))
            })
            .map_err(|_| AgentError::UnknownSession(number.to_owned()))?;
        match found {
            None => Err(AgentError::UnknownParticipant(participant.to_owned())),
            Some((_, Some(rejoin))) => Ok(rejoin),
            Some((name, None)) => Err(AgentError::Unavailable(format!(
                "{name} has no host agent running"
            ))),
        }
    }

    /// A line of progress from a call still running (a script's output):
    /// shown in the session chat as the calling plugin's, and so in the report.
    pub async fn agent_progress(
        &self,
        participant: &str,
        call: &str,
        text: &str,
    ) -> Result<(), NotRunning> {
        let (session, plugin) = self.activities.running_call(participant, call)?;
        self.post_chat(&session, &format!("plugin:{plugin}"), &plugin, text)
            .await;
        Ok(())
    }

    /// An agent's answer to a call it was sent; `lasting` when what the
    /// call did stays in place until ended.
    pub fn agent_result(
        &self,
        participant: &str,
        call: &str,
        reply: Result<RawJson, String>,
        lasting: bool,
    ) -> Result<Finished, NotRunning> {
        let reply = reply.map_err(CallFailure::Failed);
        self.activities.finish(participant, call, reply, lasting)
    }

    /// The agent says something a call left in place is over (the account
    /// was logged off).
    pub async fn agent_activity_ended(
        &self,
        participant: &str,
        call: &str,
        reason: &str,
    ) -> Result<(), NotRunning> {
        let activity = self.activities.ended_by_agent(participant, call)?;
        self.record(
            &activity.session,
            "activity.ended",
            &activity.plugin,
            format!("`{}` on the computer: {reason}", activity.capability),
        )
        .await;
        Ok(())
    }

    /// Runs a capability on a participant's agent for a plugin, if the
    /// granter allows it now; the output is JSON text within the size
    /// plugins are given.
    pub async fn call_agent(
        &self,
        scope: &PluginScope,
        call: AgentCall,
    ) -> Result<String, AgentError> {
        let number = call.session.clone();
        let capability = call.capability;
        if self.require_storage().is_err() {
            return Err(AgentError::Unavailable(
                crate::storage::health::REFUSAL.to_owned(),
            ));
        }
        let target = match self.call_facts(scope, &call) {
            Ok(target) => target,
            Err(error) => {
                if matches!(error, AgentError::NoConsent(_)) && !call.asks_when_refused {
                    self.record(
                        &number,
                        "agent.refused",
                        &scope.plugin,
                        format!("{capability} without consent ({error})"),
                    )
                    .await;
                }
                return Err(error);
            }
        };
        let input = call.input;
        let id = short_id("call");
        let replied = self.activities.begin(
            id.clone(),
            &number,
            &call.participant,
            &scope.plugin,
            capability,
        );
        let sent_at = std::time::Instant::now();
        let sent = self.send_agent_call(&call.participant, &id, capability, input, call.files);
        // Inputs and outputs stay out of the report: they may hold secrets.
        self.record(&number, "agent.call", &scope.plugin, capability.as_str())
            .await;
        let outcome = if !sent {
            self.activities.abandon(&id);
            Err(AgentError::Unavailable(format!(
                "{target} has no host agent running"
            )))
        } else {
            match tokio::time::timeout(self.settings.agent_timeout, replied).await {
                Ok(Ok(Ok(output))) => check_output(output),
                Ok(Ok(Err(CallFailure::Failed(reason)))) => Err(AgentError::Failed(reason)),
                Ok(Ok(Err(CallFailure::Ended(reason)))) => Err(AgentError::Unavailable(format!(
                    "the call was ended: {}",
                    reason.describe()
                ))),
                Ok(Err(_)) => Err(AgentError::Unavailable("the session ended".into())),
                Err(_) => {
                    // Nobody waits for it any more: the agent stops it too.
                    if let Some(activity) = self.activities.abandon(&id) {
                        self.tell_agent_to_cancel(&activity, "the call took too long");
                    }
                    Err(AgentError::Unavailable(
                        "the agent did not answer in time".into(),
                    ))
                }
            }
        };
        if sent {
            crate::telemetry::agent_call(capability.as_str(), sent_at.elapsed());
        }
        let result = match &outcome {
            Ok(_) => "ok".to_owned(),
            Err(error) => error.to_string(),
        };
        self.record(
            &number,
            "agent.result",
            &scope.plugin,
            format!("{capability}: {result}"),
        )
        .await;
        outcome
    }

    /// Gathers the facts for the granter and asks it. `Ok` is the target's
    /// display name.
    /// The granter's decision on a call (or a stream, which needs the
    /// same); the customer's name when allowed.
    pub(crate) fn call_facts(
        &self,
        scope: &PluginScope,
        call: &AgentCall,
    ) -> Result<String, AgentError> {
        let site_enables = self.site_enables(scope);
        let (session_on_site, target, name, host) = self
            .with_live(&call.session, |s| {
                let on_site = s.site == scope.site;
                let host = s.host().map(|h| h.id.to_string()).unwrap_or_default();
                let target = s.participant(&call.participant);
                let name = target.map(|p| p.display_name.clone()).unwrap_or_default();
                let target = target.map(|p| {
                    let agent_offers = p
                        .agent_capabilities
                        .as_ref()
                        .map(|offered| offered.contains(&call.capability));
                    match p.role {
                        ParticipantRole::Customer => Target::Customer { agent_offers },
                        role => Target::Csr {
                            host: role == ParticipantRole::Host,
                            agent_offers,
                        },
                    }
                });
                let target = target.unwrap_or(Target::Unknown);
                Ok((on_site, target, name, host))
            })
            .unwrap_or((false, Target::Unknown, String::new(), String::new()));
        let grant_live = self.consent.covers(
            GrantScope {
                session: &call.session,
                customer: &call.participant,
                host: &host,
                plugin: &scope.plugin,
                capability: call.capability,
            },
            now_millis(),
        );
        let facts = CallFacts {
            capability: call.capability,
            declared: call.declared,
            site_enables,
            session_on_site,
            target,
            grant_live,
        };
        granter::may_call(facts).map(|()| name.clone()).map_err(|refusal| {
            let capability = call.capability;
            match refusal {
                Refusal::Undeclared => AgentError::UndeclaredCapability(capability.to_string()),
                Refusal::NotEnabled => AgentError::NotEnabled(format!(
                    "plugin `{}` is not enabled for site `{}`",
                    scope.plugin, scope.site
                )),
                Refusal::UnknownSession => AgentError::UnknownSession(call.session.clone()),
                Refusal::UnknownParticipant | Refusal::NotACustomer => {
                    AgentError::UnknownParticipant(call.participant.clone())
                }
                Refusal::NoGrant => {
                    AgentError::NoConsent(format!("{name} has not allowed `{capability}` (or withdrew it)"))
                }
                Refusal::NoAgent => AgentError::Unavailable(format!("{name} has no host agent running")),
                Refusal::NotOffered => {
                    AgentError::Unavailable(format!("this computer cannot do `{capability}`"))
                }
                // Refusals of a CSR's computer: no consent could change them.
                Refusal::NotTheHost => AgentError::NoConsent(format!(
                    "{name} is not the session's host: only the host's own computer shows applications"
                )),
                Refusal::NotOnCsrComputer => AgentError::NoConsent(format!(
                    "`{capability}` never runs on a CSR's computer"
                )),
                Refusal::NoConsole => AgentError::Unavailable(format!("{name} has no console open")),
            }
        })
        .inspect_err(|error| {
            tracing::info!(session = %call.session, plugin = %scope.plugin, capability = %call.capability, %error, "agent call refused");
        })
    }

    /// Whether the site of `scope` enables its plugin right now.
    pub(crate) fn site_enables(&self, scope: &PluginScope) -> bool {
        self.sites
            .snapshot()
            .site(&scope.site)
            .is_some_and(|site| site.enables(&scope.plugin))
    }

    /// Ends every activity `scope` reaches: the agent is told to cancel
    /// (process group killed, folder removed, account restored), a caller
    /// still waiting learns why, and the chat and the report say what ended
    /// and why. (Plugins get `activities.ended` from the session-wide rules'
    /// callers.)
    pub async fn end_activities(&self, scope: Scope<'_>, reason: EndReason) {
        self.end_streams(&scope, reason).await;
        // Taken out of the table first: nothing below holds it.
        for mut activity in self.activities.take_all(&scope) {
            let running = activity.end(reason);
            self.tell_agent_to_cancel(&activity, reason.describe());
            let line = rules::ended_line(activity.capability, running, reason);
            tracing::info!(session = %activity.session, plugin = %activity.plugin, capability = %activity.capability, reason = reason.describe(), "activity ended");
            self.record(
                &activity.session,
                "activity.ended",
                &activity.plugin,
                line.clone(),
            )
            .await;
            let from = format!("plugin:{}", activity.plugin);
            let detail = rules::ended_detail(activity.capability, running, reason);
            self.post_chat_line(
                &activity.session,
                &from,
                &activity.plugin,
                &line,
                Some(detail),
            )
            .await;
        }
    }

    fn tell_agent_to_cancel(&self, activity: &Activity, reason: &str) {
        self.send_event(
            &Endpoint::agent(&activity.participant),
            &ServerEvent::AgentCancel {
                call: activity.call.clone(),
                reason: reason.to_owned(),
            },
        );
    }
}

/// The agent's output as the JSON text plugins get — the text the agent
/// wrote, checked to be JSON when it arrived, never parsed into a tree —
/// if it is within the size they are given.
fn check_output(output: RawJson) -> Result<String, AgentError> {
    if output.get().len() > MAX_AGENT_OUTPUT_BYTES {
        return Err(AgentError::Failed(format!(
            "the agent's answer is over {MAX_AGENT_OUTPUT_BYTES} bytes"
        )));
    }
    Ok(output.into_string())
}

#[cfg(test)]
mod tests {
    use tether_protocol::{AgentRequest, RawJson, decode};

    use super::{MAX_AGENT_OUTPUT_BYTES, check_output};
    use crate::plugin_host::services::AgentError;

    #[test]
    fn the_plugin_gets_the_agents_output_byte_for_byte() {
        let output = r#"{"b":1, "a":[1,2],"f":0.10}"#;
        let frame = format!(
            r#"{{"v":1,"id":3,"type":"agent.result","body":{{"call":"call-1","output":{output}}}}}"#
        );
        let Ok(request) = decode::<AgentRequest>(&frame) else {
            panic!("the agent's result decodes");
        };
        let AgentRequest::Result {
            output: Some(received),
            ..
        } = request.message
        else {
            panic!("a result with output");
        };
        assert_eq!(check_output(received).as_deref(), Ok(output));
    }

    #[test]
    fn an_output_over_the_plugins_limit_is_a_failed_call() {
        let text = format!("\"{}\"", "x".repeat(MAX_AGENT_OUTPUT_BYTES - 1));
        let over = RawJson::from_text(&text).expect("JSON");
        assert!(matches!(check_output(over), Err(AgentError::Failed(why)) if why.contains("over")));
        let text = format!("\"{}\"", "x".repeat(MAX_AGENT_OUTPUT_BYTES - 2));
        let within = RawJson::from_text(&text).expect("JSON");
        assert_eq!(
            check_output(within).map(|t| t.len()),
            Ok(MAX_AGENT_OUTPUT_BYTES)
        );
    }
}
