//! Host agents: connecting with a customer's join token, saying what they
//! can do, and running capability calls — each only under a live grant.

use tether_protocol::ServerEvent;
use tokio::sync::oneshot;

use super::Sessions;
use crate::api_error::ApiError;
use crate::consent::grants::GrantScope;
use crate::plugin_host::services::{AgentCall, AgentError, PluginScope};
use crate::routing::Endpoint;
use crate::token::short_id;

/// An agent's answer: JSON output, or why it failed.
pub type AgentReply = Result<String, String>;

pub(crate) struct PendingCall {
    pub session: String,
    pub participant: String,
    /// The plugin that made the call; its progress lines are shown as its.
    pub plugin: String,
    reply: oneshot::Sender<AgentReply>,
}

/// Largest agent output passed back to a plugin.
pub const MAX_AGENT_OUTPUT_BYTES: usize = 4 * 1024 * 1024;

impl Sessions {
    /// The agent reports the capabilities this machine offers.
    pub async fn agent_hello(&self, number: &str, participant: &str, capabilities: Vec<String>) {
        let listed = capabilities.join(", ");
        let _ = self.with_live(number, |s| {
            if let Some(p) = s.participants.get_mut(participant) {
                p.agent_capabilities = Some(capabilities);
            }
            Ok(())
        });
        self.record(number, "agent.capabilities", participant, listed)
            .await;
    }

    /// A line of progress from a call still running (a script's output):
    /// shown in the session chat as the calling plugin's, and so in the report.
    pub async fn agent_progress(
        &self,
        participant: &str,
        call: &str,
        text: &str,
    ) -> Result<(), ApiError> {
        let (session, plugin) = {
            let calls = self
                .pending_calls
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match calls.get(call) {
                Some(pending) if pending.participant == participant => {
                    (pending.session.clone(), pending.plugin.clone())
                }
                _ => return Err(ApiError::not_found("no such call is running")),
            }
        };
        self.post_chat(&session, &format!("plugin:{plugin}"), &plugin, text)
            .await;
        Ok(())
    }

    /// An agent's answer to a call it was sent.
    pub fn agent_result(
        &self,
        participant: &str,
        call: &str,
        reply: AgentReply,
    ) -> Result<(), ApiError> {
        let mut calls = self
            .pending_calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match calls.get(call) {
            Some(pending) if pending.participant == participant => {}
            _ => {
                return Err(ApiError::not_found("no such call is waiting for a result"));
            }
        }
        if let Some(pending) = calls.remove(call) {
            let _ = pending.reply.send(reply);
        }
        Ok(())
    }

    /// Runs a capability on a participant's agent for a plugin. Checks, on
    /// every call: the session is on the plugin's site, the site enables the
    /// plugin, and the participant granted this plugin this capability.
    /// (The plugin host checked that the manifest declares it.)
    pub async fn call_agent(
        &self,
        scope: &PluginScope,
        call: AgentCall,
    ) -> Result<String, AgentError> {
        let number = call.session.clone();
        let target = self
            .with_live(&number, |s| {
                Ok((s.site.clone(), s.participant(&call.participant).cloned()))
            })
            .ok()
            .filter(|(site, _)| site == &scope.site)
            .ok_or_else(|| AgentError::UnknownSession(number.clone()))?
            .1
            .ok_or_else(|| AgentError::UnknownParticipant(call.participant.clone()))?;
        if !self
            .sites
            .snapshot()
            .site(&scope.site)
            .is_some_and(|site| site.enables(&scope.plugin))
        {
            return Err(AgentError::UndeclaredCapability(format!(
                "{} (plugin not enabled for this site)",
                call.capability
            )));
        }
        let grant_scope = GrantScope {
            session: &number,
            customer: &call.participant,
            plugin: &scope.plugin,
            capability: &call.capability,
        };
        let granted = self
            .has_live_grant(grant_scope)
            .await
            .map_err(|error| AgentError::Failed(error.message))?;
        if !granted {
            self.record(
                &number,
                "agent.refused",
                &scope.plugin,
                format!("{} without consent", call.capability),
            )
            .await;
            return Err(AgentError::NoConsent(format!(
                "{} has not allowed `{}` (or withdrew it)",
                target.display_name, call.capability
            )));
        }
        match &target.agent_capabilities {
            None => {
                return Err(AgentError::Unavailable(format!(
                    "{} has no host agent running",
                    target.display_name
                )));
            }
            Some(offered) if !offered.contains(&call.capability) => {
                return Err(AgentError::Unavailable(format!(
                    "this computer cannot do `{}`",
                    call.capability
                )));
            }
            Some(_) => {}
        }

        let id = short_id("call");
        let (reply, replied) = oneshot::channel();
        self.pending_calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(
                id.clone(),
                PendingCall {
                    session: number.clone(),
                    participant: call.participant.clone(),
                    plugin: scope.plugin.clone(),
                    reply,
                },
            );
        let sent = self.send_event(
            &Endpoint::agent(&call.participant),
            &ServerEvent::AgentCall {
                call: id.clone(),
                capability: call.capability.clone(),
                input: call.input,
            },
        );
        // Inputs and outputs stay out of the report: they may hold secrets.
        self.record(
            &number,
            "agent.call",
            &scope.plugin,
            call.capability.clone(),
        )
        .await;
        let outcome = if !sent {
            Err(AgentError::Unavailable(format!(
                "{} has no host agent running",
                target.display_name
            )))
        } else {
            match tokio::time::timeout(self.settings.agent_timeout, replied).await {
                Ok(Ok(Ok(output))) if output.len() > MAX_AGENT_OUTPUT_BYTES => {
                    Err(AgentError::Failed(format!(
                        "the agent's answer is over {MAX_AGENT_OUTPUT_BYTES} bytes"
                    )))
                }
                Ok(Ok(Ok(output)))
                    if serde_json::from_str::<serde_json::Value>(&output).is_err() =>
                {
                    Err(AgentError::Failed("the agent's answer is not JSON".into()))
                }
                Ok(Ok(Ok(output))) => Ok(output),
                Ok(Ok(Err(reason))) => Err(AgentError::Failed(reason)),
                Ok(Err(_)) => Err(AgentError::Unavailable("the session ended".into())),
                Err(_) => Err(AgentError::Unavailable(
                    "the agent did not answer in time".into(),
                )),
            }
        };
        self.pending_calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&id);
        let result = match &outcome {
            Ok(_) => "ok".to_owned(),
            Err(error) => error.to_string(),
        };
        self.record(
            &number,
            "agent.result",
            &scope.plugin,
            format!("{}: {result}", call.capability),
        )
        .await;
        outcome
    }
}
