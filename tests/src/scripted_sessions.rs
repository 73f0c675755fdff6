//! A session side whose answers the test decides: known participants, queued
//! consent answers (optionally after a delay, like a customer reading the
//! prompt) and agent replies. The kernel's own granter decides on every
//! request, as in the real kernel; what it allows is recorded so tests can
//! assert on what reached the customer and the agent.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use tether_kernel::consent::granter::{self, AskFacts, CallFacts, Refusal, Target};
use tether_kernel::plugin_host::services::*;

#[derive(Default)]
pub struct ScriptedSessions {
    participants: Mutex<HashMap<String, Vec<Participant>>>,
    consent: Mutex<VecDeque<(Duration, ConsentOutcome)>>,
    pub consent_requests: Mutex<Vec<ConsentRequest>>,
    /// (session, customer, capability) of every granted request.
    grants: Mutex<Vec<(String, String, tether_protocol::Capability)>>,
    pub agent_calls: Mutex<Vec<AgentCall>>,
    pub sent: Mutex<Vec<(String, String, String)>>,
    pub reports: Mutex<Vec<(String, String)>>,
}

impl ScriptedSessions {
    pub fn with_session(session: &str, participants: Vec<Participant>) -> ScriptedSessions {
        let scripted = ScriptedSessions::default();
        scripted
            .participants
            .lock()
            .expect("fresh lock")
            .insert(session.to_owned(), participants);
        scripted
    }

    /// The customer answers the next request with `outcome` after `delay`.
    pub fn answer_consent(&self, delay: Duration, outcome: ConsentOutcome) {
        self.consent
            .lock()
            .expect("lock")
            .push_back((delay, outcome));
    }

    fn check(&self, session: &str, participant: Option<&str>) -> Result<(), SessionError> {
        let sessions = self.participants.lock().expect("lock");
        let list = sessions
            .get(session)
            .ok_or_else(|| SessionError::UnknownSession(session.to_owned()))?;
        match participant {
            Some(id) if !list.iter().any(|p| p.id == id) => {
                Err(SessionError::UnknownParticipant(id.to_owned()))
            }
            _ => Ok(()),
        }
    }
}

pub fn customer(id: &str, name: &str) -> Participant {
    Participant {
        id: id.to_owned(),
        display_name: name.to_owned(),
        role: Role::Customer,
    }
}

#[async_trait]
impl SessionServices for ScriptedSessions {
    async fn participants(
        &self,
        _: &PluginScope,
        session: &str,
    ) -> Result<Vec<Participant>, SessionError> {
        self.check(session, None)?;
        Ok(self.participants.lock().expect("lock")[session].clone())
    }

    async fn send(
        &self,
        _: &PluginScope,
        session: &str,
        to: &str,
        message: String,
    ) -> Result<(), SessionError> {
        self.check(session, Some(to))?;
        self.sent
            .lock()
            .expect("lock")
            .push((session.to_owned(), to.to_owned(), message));
        Ok(())
    }

    async fn report(
        &self,
        _: &PluginScope,
        session: &str,
        entry: String,
    ) -> Result<(), SessionError> {
        self.check(session, None)?;
        self.reports
            .lock()
            .expect("lock")
            .push((session.to_owned(), entry));
        Ok(())
    }

    /// Chat lines are kept with the report lines, as the kernel does.
    async fn chat(
        &self,
        scope: &PluginScope,
        session: &str,
        text: String,
    ) -> Result<(), SessionError> {
        self.report(scope, session, text).await
    }

    async fn request_consent(
        &self,
        _: &PluginScope,
        request: ConsentRequest,
    ) -> Result<ConsentOutcome, ConsentError> {
        self.check(&request.session, Some(&request.customer))
            .map_err(|error| match error {
                SessionError::UnknownParticipant(p) => ConsentError::UnknownParticipant(p),
                other => ConsentError::UnknownSession(other.to_string()),
            })?;
        let facts = AskFacts {
            declared: request.declared,
            site_enables: true,
            session_on_site: true,
            target: Target::Customer {
                agent_offers: Some(true),
            },
        };
        if granter::may_ask(facts) == Err(Refusal::Undeclared) {
            let names: Vec<&str> = request
                .capabilities
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            return Err(ConsentError::UndeclaredCapability(names.join(", ")));
        }
        self.consent_requests
            .lock()
            .expect("lock")
            .push(request.clone());
        let answer = self.consent.lock().expect("lock").pop_front();
        let Some((delay, outcome)) = answer else {
            return Ok(ConsentOutcome::TimedOut);
        };
        tokio::time::sleep(delay).await;
        if outcome == ConsentOutcome::Granted {
            let mut grants = self.grants.lock().expect("lock");
            for asked in request.capabilities {
                grants.push((
                    request.session.clone(),
                    request.customer.clone(),
                    asked.name,
                ));
            }
        }
        Ok(outcome)
    }

    async fn call_agent(&self, _: &PluginScope, call: AgentCall) -> Result<String, AgentError> {
        self.check(&call.session, Some(&call.participant))
            .map_err(|error| match error {
                SessionError::UnknownParticipant(p) => AgentError::UnknownParticipant(p),
                other => AgentError::UnknownSession(other.to_string()),
            })?;
        let granted =
            self.grants
                .lock()
                .expect("lock")
                .iter()
                .any(|(session, customer, capability)| {
                    session == &call.session
                        && customer == &call.participant
                        && *capability == call.capability
                });
        let facts = CallFacts {
            capability: call.capability,
            declared: call.declared,
            site_enables: true,
            session_on_site: true,
            target: Target::Customer {
                agent_offers: Some(true),
            },
            grant_live: granted,
        };
        match granter::may_call(facts) {
            Ok(()) => {}
            Err(Refusal::NoGrant) => {
                return Err(AgentError::NoConsent(format!(
                    "no grant for `{}`",
                    call.capability
                )));
            }
            Err(_) => {
                return Err(AgentError::UndeclaredCapability(
                    call.capability.to_string(),
                ));
            }
        }
        self.agent_calls.lock().expect("lock").push(call.clone());
        Ok(json!({ "capability": call.capability, "input": call.input }).to_string())
    }

    /// The scripted agent says what an agent that does not say is taken to
    /// mean: the customer rejoins with the link.
    async fn agent_rejoin(
        &self,
        _: &PluginScope,
        session: &str,
        participant: &str,
    ) -> Result<tether_protocol::RejoinAfterRestart, AgentError> {
        self.check(session, Some(participant))
            .map_err(|error| match error {
                SessionError::UnknownParticipant(p) => AgentError::UnknownParticipant(p),
                other => AgentError::UnknownSession(other.to_string()),
            })?;
        Ok(tether_protocol::RejoinAfterRestart::default())
    }

    /// Streams need a running kernel (tests/e2e/streams.rs); scripted
    /// sessions have none to relay frames.
    async fn open_stream(
        &self,
        _: &PluginScope,
        opening: StreamOpening,
    ) -> Result<tether_protocol::stream::StreamId, StreamError> {
        Err(AgentError::Unavailable(format!(
            "no streams in scripted session {}",
            opening.session
        ))
        .into())
    }

    async fn open_stream_from_browser(
        &self,
        _: &PluginScope,
        opening: BrowserStreamOpening,
    ) -> Result<tether_protocol::stream::StreamId, StreamError> {
        Err(AgentError::Unavailable(format!(
            "no streams in scripted session {}",
            opening.session
        ))
        .into())
    }

    async fn give_stream_control(
        &self,
        _: &PluginScope,
        stream: tether_protocol::stream::StreamId,
        _: &str,
    ) -> Result<(), StreamError> {
        Err(StreamError::UnknownStream(stream))
    }

    async fn take_stream_control(
        &self,
        _: &PluginScope,
        stream: tether_protocol::stream::StreamId,
    ) -> Result<(), StreamError> {
        Err(StreamError::UnknownStream(stream))
    }

    async fn close_stream(
        &self,
        _: &PluginScope,
        stream: tether_protocol::stream::StreamId,
        _: &str,
    ) -> Result<(), StreamError> {
        Err(StreamError::UnknownStream(stream))
    }

    async fn list_streams(
        &self,
        _: &PluginScope,
        session: &str,
    ) -> Result<Vec<StreamInfo>, StreamError> {
        self.check(session, None)
            .map_err(|error| AgentError::UnknownSession(error.to_string()))?;
        Ok(Vec::new())
    }
}
